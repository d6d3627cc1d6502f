import type { SentinelFacts, SentinelMaster } from '../../facts/types.ts';
import { effectiveConfig, parseConfText } from '../../gather/conf/redis-conf.ts';
import { parseSentinelMasters } from '../../gather/live/parse-replies.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './no-auth-user.ts';

const HASH = '92b28acbe43a604ead70b08ff6ea9e771540ace76baa8d55dffe5d21de73b7c3';
const PATH = '/etc/redis/sentinel.conf';
const LIVE = { kind: 'live', command: 'SENTINEL MASTERS' } as const;

/** What a sentinel audit gathers when sentinel.conf is readable: its masters with auth-user / auth-pass. */
function fromConf(text: string): SentinelFacts {
  const effective = effectiveConfig({ directives: parseConfText(text, PATH), files: [PATH], warnings: [] }, { sentinel: true });
  const conf = effective.sentinel!;
  const masters: SentinelMaster[] = [...conf.masters.values()].map((m) => ({
    name: m.name.value,
    host: m.host,
    port: m.port,
    quorum: m.quorum,
    flags: 'master',
    numOtherSentinels: 2,
    numReplicas: 1,
    authUser: m.authUser,
    authPass: m.authPass,
    source: m.name.source,
  }));
  return { masters, config: effective.config, sentinelPass: conf.sentinelPass, denyScriptsReconfig: conf.denyScriptsReconfig, masterAuthKnown: true, source: { kind: 'file', path: PATH, line: 0 } };
}

/** What a live-only audit sees: SENTINEL MASTERS, no auth-user/auth-pass, no deny-scripts-reconfig. */
function liveOnly(): SentinelFacts {
  const reply = [['name', 'mymaster', 'ip', '10.0.0.1', 'port', '6379', 'flags', 'master', 'num-slaves', '1', 'num-other-sentinels', '2', 'quorum', '2']];
  return { masters: parseSentinelMasters(reply, LIVE), config: new Map(), sentinelPass: undefined, denyScriptsReconfig: undefined, masterAuthKnown: false, source: LIVE };
}

const sentinel = (s: SentinelFacts, acl: string[] = [`user default on #${HASH} ~* &* +@all`]) =>
  liveFacts({ mode: 'sentinel', conf: 'port 26379', acl, extra: { sentinel: s } });

const MONITOR = 'port 26379\nsentinel monitor mymaster 10.0.0.1 6379 2\n';
const HARDENED = `${MONITOR}sentinel auth-user mymaster sentinel-user\nsentinel auth-pass mymaster 5b9e1c7a3f2d8e0c4a6b\nsentinel deny-scripts-reconfig yes\n`;

ruleTester(rule, {
  pass: [
    { name: 'auth-user with auth-pass, a password on the sentinel, scripts locked', facts: sentinel(fromConf(HARDENED)), message: /reaches 1 master as an ACL user/ },
    { name: 'deny-scripts-reconfig left at its default (yes)', facts: sentinel(fromConf(`${MONITOR}sentinel auth-user mymaster sentinel-user\nsentinel auth-pass mymaster 5b9e1c7a3f2d8e0c4a6b\n`)) },
    {
      name: 'two masters, both with auth-user',
      facts: sentinel(fromConf(`${HARDENED}sentinel monitor cache 10.0.1.1 6379 2\nsentinel auth-user cache sentinel-user\nsentinel auth-pass cache 0c4a6b5b9e1c7a3f2d8e\n`)),
      message: /2 masters/,
    },
  ],
  fail: [
    {
      name: 'a master reached without credentials is not reached as an ACL user (QA36-13)',
      facts: sentinel(fromConf(MONITOR)),
      messages: [/^master 'mymaster' is reached without credentials \(no auth-pass, no auth-user\): the master takes any client, or Sentinel cannot monitor it$/],
      severity: 'medium',
    },
    {
      name: 'auth-user without auth-pass sends nothing',
      facts: sentinel(fromConf(`${MONITOR}sentinel auth-user mymaster sentinel-user\n`)),
      messages: [/^master 'mymaster' is reached without credentials \(no auth-pass; auth-user 'sentinel-user' alone sends nothing\)/],
    },
    {
      name: 'auth-pass without auth-user',
      facts: sentinel(fromConf(`${MONITOR}sentinel auth-pass mymaster 5b9e1c7a3f2d8e0c4a6b\n`)),
      messages: [/master 'mymaster' is reached with auth-pass but no auth-user: Sentinel logs in as the default user/],
      severity: 'medium',
    },
    {
      // The Valkey Helm chart writes auth-pass for its monitor user, and auth-user only when that user is not default.
      name: "auth-user 'default': the master's default user, as with auth-pass alone",
      facts: sentinel(fromConf(`${MONITOR}sentinel auth-user mymaster default\nsentinel auth-pass mymaster 5b9e1c7a3f2d8e0c4a6b\nsentinel deny-scripts-reconfig yes\n`)),
      messages: [/^master 'mymaster' is reached as auth-user 'default': Sentinel logs in as the master's default user/],
    },
    {
      name: 'the sentinel accepts clients without a password',
      facts: sentinel(fromConf(HARDENED), ['user default on nopass ~* &* +@all']),
      messages: [/the sentinel's default user is 'on' and 'nopass'/],
    },
    {
      name: 'deny-scripts-reconfig no',
      facts: sentinel(fromConf(`${HARDENED}sentinel deny-scripts-reconfig no\n`)),
      messages: [/deny-scripts-reconfig is 'no': SENTINEL SET can point notification-script at any executable/],
    },
    {
      name: 'every problem at once',
      facts: sentinel(fromConf(`${MONITOR}sentinel auth-pass mymaster 5b9e1c7a3f2d8e0c4a6b\nsentinel deny-scripts-reconfig no\n`), ['user default on nopass ~* &* +@all']),
      messages: [/default user/, /auth-pass but no auth-user/, /deny-scripts-reconfig/],
    },
    { name: 'live only: an open sentinel is seen without sentinel.conf', facts: sentinel(liveOnly(), ['user default on nopass ~* &* +@all']), messages: [/'nopass'/] },
  ],
  skip: [
    { name: 'live only: auth-user and deny-scripts-reconfig are in sentinel.conf', facts: sentinel(liveOnly()), message: /sentinel\.conf, which was not read/ },
    {
      name: 'SENTINEL MASTERS refused and sentinel.conf not read: no "reaches 0 masters" pass',
      facts: sentinel({ ...liveOnly(), masters: [], mastersUnavailable: 'the audit user may not run SENTINEL MASTERS (grant +sentinel|masters): NOPERM' }),
      message: /sentinel\.conf, which was not read/,
    },
    { name: 'not a sentinel', facts: liveFacts(), message: /not a sentinel/ },
    { name: 'ACL not readable', facts: liveFacts({ mode: 'sentinel', extra: { sentinel: fromConf(HARDENED) }, unavailable: { acl: 'ACL LIST: NOPERM' } }) },
  ],
});
