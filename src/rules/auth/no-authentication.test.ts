import { liveFacts, redis5Acl, ruleTester, unreadDefaultAcl } from '../../../test/rule-tester.ts';
import rule from './no-authentication.ts';
import { unauthenticated, withProbe } from '../../../test/helpers/probe-facts.ts';
import type { DefaultPasswordProbe } from '../../facts/types.ts';
import { digestPassword } from '../../acl/parse.ts';

const HASH = '92b28acbe43a604ead70b08ff6ea9e771540ace76baa8d55dffe5d21de73b7c3';

const STRONG = `user default on #${HASH} ~* &* +@all`;
const noAcl = () => liveFacts({ unavailable: { acl: 'ACL LIST: NOPERM' } });
function defaults(outcome: DefaultPasswordProbe['outcome']): DefaultPasswordProbe {
  return {
    attempts: outcome === 'guessed' ? 1 : 4,
    accepted: outcome === 'guessed' ? digestPassword('foobared') : undefined,
    outcome,
    detail: outcome === 'guessed' ? 'the default user accepted one of the 4 default passwords that scanners try' : 'none of 4 default passwords was accepted',
    source: { kind: 'probe', detail: 'AUTH with 4 default passwords on 127.0.0.1:6379' },
  };
}

ruleTester(rule, {
  pass: [
    { name: 'requirepass gives the default user a password', facts: liveFacts({ conf: 'requirepass 4f7c1e9a2b8d6f3e0a5c' }), message: /requires a password/ },
    { name: 'default user off', facts: liveFacts({ acl: ['user default off nopass ~* &* +@all', `user app on #${HASH} ~app:* resetchannels -@all +@read`] }), message: /'off'/ },
    {
      // 7.0.15 live: an unauthenticated client got NOPERM for PING, ECHO, GET, MULTI, CLIENT SETNAME; only HELLO and RESET answered.
      name: "default user 'on nopass' with -@all: it may run nothing",
      facts: withProbe(liveFacts({ acl: ['user admin on #' + HASH + ' ~* &* +@all', 'user default on nopass ~* &* -@all'] }), { unauthenticated: { ...unauthenticated('untested'), deniedAsDefaultUser: 'PING', detail: "PING: -NOPERM this user has no permissions to run the 'ping' command; INFO server: -NOPERM this user has no permissions to run the 'info' command: the server took the client without credentials as the default user, which needs no password; what that user may run is unknown" } }),
      message: /^the default user is 'on' and 'nopass' but may run no command: /,
    },
    { name: '7.2 rendering with a hash', facts: liveFacts({ version: '7.2.4', acl: [`user default on sanitize-payload #${HASH} ~* &* +@all`] }) },
    { name: 'Redis 5 with requirepass', facts: liveFacts({ version: '5.0.14', extra: { acl: redis5Acl('4f7c1e9a2b8d6f3e0a5c') } }) },
    {
      name: 'ACL and wire agree',
      facts: withProbe(liveFacts({ acl: [STRONG] }), { unauthenticated: unauthenticated('refused') }),
      message: /^the default user requires a password; a client without credentials on 127\.0\.0\.1:6379 was refused \(PING: -NOAUTH Authentication required\.\)$/,
    },
    {
      name: 'ACL not readable: judged from the wire, default passwords tried',
      facts: withProbe(noAcl(), { unauthenticated: unauthenticated('refused'), defaultPasswords: defaults('not-guessed') }),
      message: /^a client without credentials .* was refused .*; none of 4 default passwords was accepted$/,
    },
  ],
  fail: [
    { name: 'default user on nopass (the compiled default)', facts: liveFacts(), messages: [/the default user is 'on' and 'nopass': any client/], severity: 'critical' },
    { name: '7.2 rendering', facts: liveFacts({ version: '7.2.4', acl: ['user default on nopass sanitize-payload ~* &* +@all'] }), messages: [/'nopass'/] },
    { name: '6.0 rendering', facts: liveFacts({ version: '6.0.20', acl: ['user default on nopass ~* +@all'] }), messages: [/'nopass'/] },
    {
      name: 'other users with strong passwords do not help',
      facts: liveFacts({ acl: ['user default on nopass ~* &* +@all', `user app on #${HASH} ~app:* resetchannels -@all +@read`] }),
      messages: [/'nopass'/],
    },
    { name: 'Redis 5 with requirepass ""', facts: liveFacts({ version: '5.0.14', extra: { acl: redis5Acl('') } }), messages: [/requirepass is ''/] },
    {
      // QA38-21: only a client with a certificate from the CA gets past the handshake: high, said as it is.
      name: 'TLS only, client certificates required',
      facts: liveFacts({ conf: 'port 0\ntls-port 6380\ntls-auth-clients yes\ntls-ca-cert-file /etc/redis/ca.crt' }),
      messages: [/^the default user is 'on' and 'nopass': any client holding a certificate from the configured CA \(port 0, tls-port 6380, tls-auth-clients yes, no unixsocket\) runs commands without a password$/],
      severity: 'high',
    },
    { name: 'TLS only, certificates required, but a unix socket', facts: liveFacts({ conf: 'port 0\ntls-port 6380\ntls-auth-clients yes\ntls-ca-cert-file /etc/redis/ca.crt\nunixsocket /run/redis.sock' }), messages: [/any client that reaches the server/], severity: 'critical' },
    { name: 'TLS only, certificates optional', facts: liveFacts({ conf: 'port 0\ntls-port 6380\ntls-auth-clients optional\ntls-ca-cert-file /etc/redis/ca.crt' }), messages: [/any client that reaches the server/], severity: 'critical' },
    {
      // Issue 11: one root cause, one finding with both sources (the wire's confirmation in its evidence).
      name: 'ACL and wire both speak: one finding',
      facts: withProbe(liveFacts(), { unauthenticated: unauthenticated('open') }),
      messages: [/'nopass'/],
      severity: 'critical',
    },
    {
      name: 'the wire finds an open server the audit user cannot see',
      facts: withProbe(noAcl(), { unauthenticated: unauthenticated('open') }),
      messages: [/ran commands/],
      severity: 'critical',
    },
    {
      name: 'a default password is guessed (and not shown)',
      facts: withProbe(liveFacts({ acl: [STRONG] }), { unauthenticated: unauthenticated('refused'), defaultPasswords: defaults('guessed') }),
      messages: [/^127\.0\.0\.1:6379: the default user accepted one of the 4 default passwords that scanners try: anyone who tries them gets in$/],
      severity: 'critical',
    },
  ],
  skip: [
    { name: 'ACL not readable', facts: noAcl(), message: /NOPERM/ },
    { name: "the default user's ACL LIST line could not be read: not a pass", facts: liveFacts({ extra: { acl: unreadDefaultAcl() } }), message: /line 1 \(user 'default'\) could not be read.*says nothing of the user left out/ },
    {
      name: 'protected mode refused the probe: not a pass, local clients still get in',
      facts: withProbe(noAcl(), { unauthenticated: unauthenticated('refused', 'PING: -DENIED Redis is running in protected mode') }),
      message: /^ACL LIST: NOPERM; protected mode refused the unauthenticated probe of 127\.0\.0\.1:6379, which says nothing about local clients \(PING: -DENIED/,
    },
    {
      // 7.0.15 live, `user default on nopass ~* -@all +get +set`: PING is denied, yet GET and SET run for anyone.
      name: 'ACL not readable, PING denied (NOPERM) to a client without credentials: logged in, not refused',
      facts: withProbe(noAcl(), { unauthenticated: { ...unauthenticated('untested'), deniedAsDefaultUser: 'PING', detail: "PING: -NOPERM this user has no permissions to run the 'ping' command; INFO server: -NOPERM this user has no permissions to run the 'info' command: the server took the client without credentials as the default user, which needs no password; what that user may run is unknown" } }),
      message: /^ACL LIST: NOPERM; a client without credentials on 127\.0\.0\.1:6379 is logged in as the default user, which needs no password, and was denied PING \(PING: -NOPERM .*'info' command\): whether it may run other commands depends on the default user's rules$/,
    },
    { name: 'ACL not readable, no connection without credentials', facts: withProbe(noAcl(), { unauthenticated: unauthenticated('untested') }), message: /^ACL LIST: NOPERM; the unauthenticated probe of 127\.0\.0\.1:6379 could not connect \(no connection: connection refused\)$/ },
  ],
});
