import { liveFacts, ruleTester, unreadDefaultAcl } from '../../../test/rule-tester.ts';
import rule from './protected-mode-off.ts';
import { withHost } from '../../../test/host/fixtures.ts';

const UNKNOWN = { product: 'unknown', version: undefined, mode: 'standalone', configFile: undefined, source: { kind: 'live', command: 'INFO server' } } as const;
const STRONG = '92b28acbe43a604ead70b08ff6ea9e771540ace76baa8d55dffe5d21de73b7c3';

ruleTester(rule, {
  pass: [
    { name: 'protected-mode no with a password (requirepass)', facts: liveFacts({ conf: 'protected-mode no\nrequirepass 9c1f0e7a6d2b4c8e3f5a1b7d', }), message: /needs a password/ },
    { name: 'protected-mode no with the default user off', facts: liveFacts({ conf: 'protected-mode no', acl: ['user default off nopass ~* &* +@all', `user app on #${STRONG} ~app:* resetchannels -@all +@read +@write -@dangerous`] }), message: /default user is off/ },
    { name: '7.0 with protected-mode yes and bind 0.0.0.0: protected mode still applies', facts: liveFacts({ conf: 'bind 0.0.0.0\nprotected-mode yes', version: '7.0.15' }), message: /only loopback and unix-socket clients/ },
    { name: '7.2 defaults as CONFIG GET shows them (bind * -::*, protected-mode yes)', facts: liveFacts({ conf: 'bind * -::*\nprotected-mode yes', version: '7.2.4', acl: ['user default on nopass sanitize-payload ~* &* +@all'] }) },
    // QA43-5: a compiled default is no fact about the build, but a loopback bind written in the file admits only this host either way.
    { name: 'no protected-mode line, only the compiled default, but a loopback bind in the file: either value admits only this host', facts: liveFacts({ conf: 'bind 127.0.0.1 -::1', version: '7.2.6' }), message: /^protected-mode is not in the file \(compiled default 'yes'\), but bind admits only loopback clients \('127\.0\.0\.1 -::1'\): the password-less default user is reachable only from this host either way$/ },
    { name: "requirepass 'redis' with no TCP port: protected mode has nothing to refuse", facts: liveFacts({ conf: 'port 0\nunixsocket /run/redis/redis.sock\nprotected-mode no\nrequirepass redis' }), message: /needs a password/ },
    { name: "a weak password of a default user that may run no command: nothing to gain", facts: liveFacts({ conf: 'protected-mode no', acl: [`user default on #${'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'} ~* &* -@all`] }), message: /needs a password/ },
    { name: "protected-mode no, default user 'on nopass' but -@all", facts: liveFacts({ conf: 'protected-mode no', acl: ['user default on nopass ~* &* -@all'] }), message: /password-less default user may run no command/ },
    { name: 'loopback-only bind, the version unknown: 6.x and 7.0+ admit only this host alike', facts: liveFacts({ conf: 'bind 127.0.0.1 -::1\nprotected-mode yes', extra: { server: UNKNOWN } }), message: /^protected-mode is 'yes': with a password-less default user only loopback/ },
    { name: 'no bind line, the version unknown: the 7.x default bind is no line 6.x has, and protected mode acts on both', facts: liveFacts({ conf: 'protected-mode yes', extra: { server: UNKNOWN } }), message: /^protected-mode is 'yes': with a password-less default user only loopback/ },
    { name: '6.2 without bind: protected mode applies', facts: liveFacts({ conf: 'protected-mode yes', version: '6.2.16' }) },
    // This case used to be a (critical) failure: 6.x does ignore protected mode once bind is set, but a loopback-only
    // bind lets in exactly the clients protected mode would, so the upstream 6.0/6.2 redis.conf (and Debian's, and
    // the 5.0/3.2 ones) are as closed as a 7.x default and must not fail.
    { name: '6.0 ignores it for a loopback bind, which lets in only what protected mode would', facts: liveFacts({ conf: 'bind 127.0.0.1\nprotected-mode yes', version: '6.0.20', acl: ['user default on nopass ~* +@all'] }), message: /Redis 6 ignores it .*reachable only from this host/ },
    { name: '6.2 upstream redis.conf: bind 127.0.0.1 -::1', facts: liveFacts({ conf: 'bind 127.0.0.1 -::1\nprotected-mode yes', version: '6.2.16' }), message: /reachable only from this host/ },
    { name: 'Redis 3.0 has no protected mode, but bind 127.0.0.1 keeps clients local', facts: liveFacts({ conf: 'bind 127.0.0.1', version: '3.0.504', acl: ['user default on nopass ~* +@all'] }), message: /Redis 3\.0 has no protected mode, but bind admits only loopback clients: the password-less default user is reachable only from this host/ },
    // 7.0.15 live: `port 0` + `unixsocket`, or `bind ""`, opens no TCP listener (ss shows none); protected mode refuses only TCP clients.
    { name: 'protected-mode no on a unix-socket-only server (port 0)', facts: liveFacts({ conf: 'port 0\nunixsocket /run/redis/redis.sock\nunixsocketperm 770\nprotected-mode no' }), message: /^protected-mode is 'no', but no TCP port is open \(port 0, tls-port 0\): only unix-socket clients connect/ },
    { name: "protected-mode no with bind '' on 7.0: no TCP listener", facts: liveFacts({ conf: 'bind ""\nunixsocket /run/redis/redis.sock\nprotected-mode no' }), message: /no TCP port is open \(bind is ''\)/ },
  ],
  fail: [
    // A loopback-only bind admits exactly the clients protected mode would today: low, not critical (Debian's sentinel.conf with a bind line).
    { name: 'protected-mode no with bind 127.0.0.1 -::1: low', facts: liveFacts({ conf: 'bind 127.0.0.1 -::1\nprotected-mode no' }), messages: [/^protected-mode is 'no' while the default user logs in without a password; bind admits only loopback clients \('127\.0\.0\.1 -::1'\), so only this host gets in today, but nothing would refuse remote clients if bind widened$/], severity: 'low' },
    // 6.x applies protected mode only without a bind line: 'yes' would refuse remote clients once bind is removed, not widened.
    { name: '6.2, protected-mode no with bind 127.0.0.1: low, and says when yes would act there', facts: liveFacts({ conf: 'bind 127.0.0.1\nprotected-mode no', version: '6.2.16' }), messages: [/so only this host gets in today, but nothing would refuse remote clients if the bind line were removed \(Redis 6 applies protected mode only without one\)$/], severity: 'low' },
    { name: 'protected-mode no with a private bind', facts: liveFacts({ conf: 'bind 10.0.0.5 127.0.0.1\nprotected-mode no' }), messages: [/protected-mode is 'no' while the default user logs in without a password/], severity: 'critical' },
    { name: 'protected-mode no and a password-less default user', facts: liveFacts({ conf: 'protected-mode no' }), messages: [/protected-mode is 'no' while the default user logs in without a password/], severity: 'critical' },
    { name: 'protected-mode no on 7.2 with its ACL rendering', facts: liveFacts({ conf: 'protected-mode no', version: '7.2.4', acl: ['user default on nopass sanitize-payload ~* &* +@all'] }), messages: [/protected-mode is 'no'/], severity: 'critical' },
    { name: 'protected-mode no, default user nopass with -@all +get: it still runs a command', facts: liveFacts({ conf: 'protected-mode no', acl: ['user default on nopass ~* &* -@all +get'] }), messages: [/protected-mode is 'no' while the default user logs in without a password/] },
    {
      name: '6.2 ignores protected mode when bind is set',
      facts: liveFacts({ conf: 'bind 0.0.0.0\nprotected-mode yes', version: '6.2.16' }),
      messages: [/Redis 6 ignores it because bind is set \('0\.0\.0\.0'\)/],
      severity: 'critical',
    },
    { name: '6.2 ignores it for a private bind too: the whole network gets in', facts: liveFacts({ conf: 'bind 10.0.0.5\nprotected-mode yes', version: '6.2.16' }), messages: [/Redis 6 ignores it because bind is set \('10\.0\.0\.5'\)/] },
    // QA41-8: TLS-only, client certificates from a CA of its own required: who gets in is narrower, as auth.no-authentication says.
    { name: 'TLS only with tls-auth-clients yes: high, certificate holders', facts: liveFacts({ conf: 'port 0\ntls-port 6380\nbind 0.0.0.0\ntls-cert-file /etc/redis/r.crt\ntls-key-file /etc/redis/r.key\ntls-ca-cert-file /etc/redis/ca.crt\ntls-auth-clients yes\nprotected-mode no' }), messages: [/^protected-mode is 'no' while the default user logs in without a password: any client holding a certificate from the configured CA \(port 0, tls-port 6380, tls-auth-clients yes\) runs commands, from wherever it reaches the port$/], severity: 'high' },
    { name: '6.2 ignoring protected mode for a bind, TLS only with client certificates: high', facts: liveFacts({ version: '6.2.16', conf: 'port 0\ntls-port 6380\nbind 0.0.0.0\ntls-cert-file /etc/redis/r.crt\ntls-key-file /etc/redis/r.key\ntls-ca-cert-file /etc/redis/ca.crt\nprotected-mode yes' }), messages: [/^protected-mode is 'yes' but Redis 6 ignores it because bind is set \('0\.0\.0\.0'\), and the default user logs in without a password: any client holding a certificate from the configured CA/], severity: 'high' },
    { name: 'TLS only, but client certificates from the public roots: anyone, critical', facts: liveFacts({ conf: 'port 0\ntls-port 6380\nbind 0.0.0.0\ntls-cert-file /etc/redis/r.crt\ntls-key-file /etc/redis/r.key\ntls-ca-cert-file /etc/ssl/certs/ca-certificates.crt\nprotected-mode no' }), messages: [/anyone who reaches the port runs commands$/], severity: 'critical' },
    // QA41-12: protected mode acts only while the default user has no password: a guessable one lets in whoever tries it.
    { name: "requirepass 'redis' on every interface: critical, as a password-less default user", facts: liveFacts({ conf: 'protected-mode no\nrequirepass redis' }), messages: [/^protected-mode is 'no' and the default user has a common password \(found in the list of the most used passwords\) \(see auth\.weak-password\): whoever reaches the port and tries it runs commands; protected mode would not refuse them either: it acts only while the default user has no password$/], severity: 'critical' },
    { name: "requirepass 'redis' with protected-mode yes: no help", facts: liveFacts({ conf: 'protected-mode yes\nrequirepass redis' }), messages: [/^protected-mode is 'yes', but it acts only while the default user has no password, and the default user has a common password/], severity: 'critical' },
    { name: 'a 12-character password on every interface: high, it takes work to guess', facts: liveFacts({ conf: 'protected-mode no\nrequirepass q7Zx9Lm2Rt4K' }), messages: [/the default user has a 12-character password \(shorter than 16\)/], severity: 'high' },
    { name: "requirepass 'redis' behind a loopback bind: low", facts: liveFacts({ conf: 'bind 127.0.0.1 -::1\nprotected-mode no\nrequirepass redis' }), messages: [/: bind admits only loopback clients \('127\.0\.0\.1 -::1'\), so only this host can try it$/], severity: 'low' },
    { name: 'Redis 3.0 has no protected mode at all (it came with 3.2)', facts: liveFacts({ version: '3.0.504', acl: ['user default on nopass ~* +@all'] }), messages: [/Redis 3\.0 has no protected mode, and the default user logs in without a password/], severity: 'critical' },
  ],
  skip: [
    // QA43-5: `bind 0.0.0.0` and no protected-mode line, judged as a file: 'yes' is the upstream compiled default, which
    // the official Docker image builds as 'no' (and its entrypoint adds --protected-mode no): unknown, not a pass.
    { name: 'no protected-mode line and bind 0.0.0.0: the compiled default is no fact about the build', facts: liveFacts({ conf: 'bind 0.0.0.0\nappendonly yes', version: '7.2.6' }), message: /^protected-mode is in no file read and was not read from a running server: 'yes' is only the upstream compiled default, which builds change \(the official Docker image compiles it 'no', and its entrypoint adds `--protected-mode no` to a config file without a protected-mode line\), while the default user logs in without a password/ },
    { name: 'no protected-mode line, 6.2 without bind: the same', facts: liveFacts({ conf: 'appendonly yes', version: '6.2.16' }), message: /only the upstream compiled default/ },
    { name: 'no protected-mode line and the users unread: no pass on the compiled default', facts: liveFacts({ conf: 'bind 0.0.0.0', version: '7.2.6', unavailable: { acl: 'the ACL file could not be read' } }), message: /only the upstream compiled default.*; and the ACL file could not be read$/ },
    { name: 'ACL not readable', facts: liveFacts({ conf: 'protected-mode no', unavailable: { acl: 'ACL LIST: NOPERM' } }), message: /ACL LIST: NOPERM/ },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
    // QA41-107: 7.0+ applies protected mode whatever bind says, 3.2-6.x ignore it once bind is set; an unknown version is neither.
    { name: 'bind 0.0.0.0 and protected-mode yes, the version unknown', facts: liveFacts({ conf: 'bind 0.0.0.0\nprotected-mode yes', extra: { server: UNKNOWN } }), message: /^protected-mode is 'yes' and bind is set \('0\.0\.0\.0'\) while the default user logs in without a password: Redis 7\.0\+ applies protected mode whatever bind says, 3\.2-6\.x ignore it when bind is set, and the server did not report its version: pass --redis-version$/ },
    { name: 'the same with the ACL users unread: no pass on the version assumed', facts: liveFacts({ conf: 'bind 0.0.0.0\nprotected-mode yes', extra: { server: UNKNOWN }, unavailable: { acl: 'ACL LIST: NOPERM' } }), message: /^ACL LIST: NOPERM$/ },
    { name: "the default user's password known only by its hash: its strength is unknown", facts: liveFacts({ conf: 'protected-mode no', acl: [`user default on #${STRONG} ~* &* +@all`] }), message: /^protected-mode is 'no' and the default user needs a password, whose strength is unknown: redfort saw only its SHA-256 hash/ },
    { name: "the default user's ACL LIST line could not be read: not a pass", facts: liveFacts({ conf: 'protected-mode no', extra: { acl: unreadDefaultAcl() } }), message: /line 1 \(user 'default'\) could not be read.*says nothing of the user left out/ },
  ],
});

// QA41-1: a host name in bind was taken for a public address (critical). Judged on what it listens on, else unknown.
ruleTester(rule, {
  pass: [
    {
      name: '6.2 ignores protected mode for bind vm, which listens on 127.0.0.1 only',
      facts: withHost({ listeners: [{ family: 'ip', address: '127.0.0.1', port: 6379 }] }, { conf: 'bind vm\nprotected-mode yes', version: '6.2.16' }),
      message: /bind admits only loopback clients/,
    },
  ],
  fail: [
    {
      name: 'protected-mode no, bind names a host not resolved here: low, and says what is unknown',
      facts: liveFacts({ conf: 'bind redis-master\nprotected-mode no' }),
      messages: [/^protected-mode is 'no' while the default user logs in without a password; bind names 'redis-master', a host name the server resolves where it starts: .*: at least this host gets in, and if it resolves beyond loopback anyone who reaches the port runs commands$/],
      severity: 'low',
    },
  ],
  skip: [
    {
      name: '6.2 ignores protected mode for bind redis-master, not resolved here',
      facts: liveFacts({ conf: 'bind redis-master\nprotected-mode yes', version: '6.2.16' }),
      message: /^protected-mode is 'yes' but Redis 6 ignores it because bind is set \('redis-master'\), and the default user logs in without a password; bind names 'redis-master', a host name .*so whether clients beyond this host reach it is unknown$/,
    },
  ],
});
