import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ruleContext } from '../../rules/context.ts';
import { runRules } from '../../engine/run.ts';
import { liveFacts, redis5Acl, ruleTester, unreadDefaultAcl } from '../../../test/rule-tester.ts';
import rule from './no-authentication.ts';
import { unauthenticated, withProbe } from '../../../test/helpers/probe-facts.ts';
import type { DefaultPasswordProbe } from '../../facts/types.ts';
import { digestPassword } from '../../acl/parse.ts';
import { withHost } from '../../../test/host/fixtures.ts';

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

/**
 * Redis 8.6 `tls-auth-clients-user CN` (QA38-13), as measured on a real 8.6.3 (TLS only, tls-auth-clients yes): the probe's
 * client without credentials presented no certificate and was refused at the handshake; the certificate given alone
 * logged in as 'app' (ACL WHOAMI, no AUTH).
 */
const CN_LOGINS = 'port 0\ntls-port 6380\ntls-auth-clients yes\ntls-auth-clients-user CN\ntls-ca-cert-file /etc/redis/ca.crt';
const byCertificate = (acl: string[]) =>
  withProbe(liveFacts({ version: '8.6.3', conf: CN_LOGINS, acl }), {
    unauthenticated: {
      ...unauthenticated('refused', 'the TLS handshake without a client certificate: TLS error: tlsv13 alert certificate required'),
      tls: true,
      port: 6380,
      withoutCertificate: 'tls-auth-clients-user CN, tls-auth-clients yes: a client certificate logs in as the user it names',
    },
    certificateLogin: { user: 'app', detail: 'ACL WHOAMI: +app', source: { kind: 'probe', detail: 'ACL WHOAMI with the client certificate given and no AUTH on 127.0.0.1:6380' } },
  });

ruleTester(rule, {
  pass: [
    {
      name: '8.6 tls-auth-clients-user CN: the certificate logged in as a named user, a client with neither password nor certificate was refused',
      facts: byCertificate(['user default off nopass ~* &* +@all', 'user app on ~* &* +@all']),
      message: /^the default user is 'off': every client must authenticate as a named user; a client without credentials over TLS and with no client certificate on 127\.0\.0\.1:6380 was refused \(the TLS handshake without a client certificate: TLS error: tlsv13 alert certificate required\)$/,
    },
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
    {
      // QA41-3: verified against the system's public roots, a client certificate is anyone's to get: not narrower.
      name: 'TLS only, client certificates verified against the system CA bundle: critical',
      facts: liveFacts({ conf: 'port 0\ntls-port 6380\ntls-auth-clients yes\ntls-ca-cert-file /etc/ssl/certs/ca-certificates.crt' }),
      messages: [/^the default user is 'on' and 'nopass'/],
      severity: 'critical',
    },
    {
      // QA39-6: the socket's mode is the umask's (unixsocketperm 0): judged as any local user, and said.
      name: 'TLS only, certificates required, but a unix socket of unknown mode',
      facts: liveFacts({ conf: 'port 0\ntls-port 6380\ntls-auth-clients yes\ntls-ca-cert-file /etc/redis/ca.crt\nunixsocket /run/redis.sock' }),
      messages: [/^the default user is 'on' and 'nopass': any client holding a certificate from the configured CA \(port 0, tls-port 6380, tls-auth-clients yes\) runs commands without a password, and so does a local client through the unix socket \/run\/redis\.sock, and who may open it is unknown \(unixsocketperm is '0', so the socket gets the mode the server's umask leaves, which the audit did not see \(default: .*\)\), so any local user may, for all the audit knows$/],
      severity: 'critical',
    },
    { name: 'TLS only, certificates required, and a unix socket for its owner alone', facts: liveFacts({ conf: 'port 0\ntls-port 6380\ntls-auth-clients yes\ntls-ca-cert-file /etc/redis/ca.crt\nunixsocket /run/redis.sock\nunixsocketperm 700' }), messages: [/certificate from the configured CA .* and so does a local client through the unix socket \/run\/redis\.sock, and only its owner \(the server's user\) and root may open it \(unixsocketperm 700\)$/], severity: 'high' },
    // QA39-6: no TCP port, a unix socket only: who gets in is who may open the socket file, and the severity follows.
    {
      // QA44-7: the setting alone does not show the socket's directory, which may keep others out (GitLab Omnibus: 777 in
      // a 0750 directory): said as known, and high, not critical, on that unknown alone. The host's stat: see below.
      name: 'unix socket only, unixsocketperm 777: any local user who may enter its directory',
      facts: liveFacts({ conf: 'port 0\nunixsocket /tmp/redis.sock\nunixsocketperm 777' }),
      messages: [/^the default user is 'on' and 'nopass': no TCP port is open \(port 0, tls-port 0\), but a local client runs commands without a password through the unix socket \/tmp\/redis\.sock, and any local user who may enter its directory may open it \(unixsocketperm 777; the directory, which may keep others out, is not visible to this audit\)$/],
      severity: 'high',
    },
    { name: 'unix socket only, unixsocketperm 766 (others may write: connect)', facts: liveFacts({ conf: 'port 0\nunixsocket /tmp/redis.sock\nunixsocketperm 766' }), messages: [/any local user who may enter its directory may open it \(unixsocketperm 766; /], severity: 'high' },
    { name: 'unix socket only, unixsocketperm 770: its group', facts: liveFacts({ conf: 'port 0\nunixsocket /run/redis/redis.sock\nunixsocketperm 770' }), messages: [/through the unix socket \/run\/redis\/redis\.sock, and its owner, its group and root may open it \(unixsocketperm 770\)$/], severity: 'medium' },
    { name: 'unix socket only, unixsocketperm 700: its owner', facts: liveFacts({ conf: 'port 0\nunixsocket /run/redis/redis.sock\nunixsocketperm 700' }), messages: [/and only its owner \(the server's user\) and root may open it \(unixsocketperm 700\)$/], severity: 'low' },
    { name: "7.0 bind '' (no TCP listener), unixsocketperm 770", facts: liveFacts({ conf: 'bind ""\nunixsocket /run/redis/redis.sock\nunixsocketperm 770' }), messages: [/no TCP port is open \(bind is ''\), but a local client .* its group and root may open it/], severity: 'medium' },
    { name: 'unix socket only, unixsocketperm left at 0: the mode is unknown, judged as any local user', facts: liveFacts({ conf: 'port 0\nunixsocket /run/redis/redis.sock' }), messages: [/who may open it is unknown \(unixsocketperm is '0', .*\), so any local user may, for all the audit knows$/], severity: 'critical' },
    {
      name: "unix socket only, its file seen on the host: mode 777, in a directory others may not enter",
      facts: withHost({ files: [{ role: 'unixsocket', path: '/run/redis/redis.sock', type: 'socket', mode: 0o777, parent: { mode: 0o700 } }] }, { conf: 'port 0\nunixsocket /run/redis/redis.sock\nunixsocketperm 777' }),
      messages: [/and only its owner \(the server's user\) and root may open it \(mode 777, redis:redis, in \/run\/redis \(mode 700\), which others may not enter\)$/],
      severity: 'low',
    },
    {
      name: 'unix socket only, its file seen on the host: the mode the umask left (775), group redis',
      facts: withHost({ files: [{ role: 'unixsocket', path: '/run/redis/redis.sock', type: 'socket', mode: 0o775, parent: { mode: 0o755 } }] }, { conf: 'port 0\nunixsocket /run/redis/redis.sock' }),
      messages: [/its owner, its group \(redis\) and root may open it \(mode 775, redis:redis\)$/],
      severity: 'medium',
    },
    { name: "Redis 5, requirepass '', unix socket only", facts: liveFacts({ version: '5.0.14', conf: 'port 0\nunixsocket /tmp/redis.sock\nunixsocketperm 777', extra: { acl: redis5Acl('') } }), messages: [/^requirepass is '': no TCP port is open .* any local user who may enter its directory may open it/], severity: 'high' },
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

test(`${rule.id}: the certificate given logged in as a named user: said as evidence, not judged as a client without credentials`, () => {
  const [result] = runRules([rule], byCertificate(['user default off nopass ~* &* +@all', 'user app on ~* &* +@all']), { context: ruleContext({ nowSeconds: 1_800_000_000 }) });
  assert.equal(result?.status, 'pass');
  assert.deepEqual(result?.evidence, ["the client certificate given logged in as user 'app' with no AUTH (ACL WHOAMI: +app): a certificate is a credential here (tls-auth-clients-user), judged with that user's rules, not as a client without credentials"]);
});
