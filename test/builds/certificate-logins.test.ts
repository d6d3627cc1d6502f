import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { realBuild } from '../harness/builds.ts';
import type { BuildName } from '../harness/builds.ts';
import { makeCerts } from '../harness/certs.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { audit, expectStatus } from '../probe/helpers.ts';

// QA38-13: `tls-auth-clients-user` (Redis 8.6: CN; Valkey 9: CN or URI) logs a client certificate of the CA in as the
// enabled user it names, with no AUTH and whatever that user's password (none here). The audit judged such a user as one
// that "cannot log in" (no password, no nopass), and its own certificate's login as "a client without credentials ran
// commands" (critical). Real builds, TLS only, the audit presenting the certificate that names the password-less user.
after(stopAll);

const ROOT = 'rootpassword-0123456789abcdef';

async function server(build: BuildName, user: string, conf: string) {
  const certs = await makeCerts();
  return startRedis({
    binary: realBuild(build),
    killOnStop: true,
    tls: { certs, authClients: conf.includes('tls-auth-clients optional') ? 'optional' : 'yes' },
    conf: [
      conf,
      'user default off nopass resetkeys resetchannels -@all',
      `user root on >${ROOT} ~* &* +@all`,
      `user ${user} on ~* &* +@all`,
    ].join('\n'),
    username: 'root',
    password: ROOT,
  });
}

describe('tls-auth-clients-user: a certificate logs in as the user it names', () => {
  const cases = [
    { build: 'redis-8.6.3', user: 'redfort-client', conf: 'tls-auth-clients-user CN', cert: 'client' },
    { build: 'valkey-9.1.2', user: 'spiffe://redfort.test/app', conf: 'tls-auth-clients optional\ntls-auth-clients-user URI', cert: 'uri' },
  ] as const;
  for (const c of cases) {
    it(`${c.build} ${c.conf.split('\n').pop()}: the password-less user is judged, and the probe's certificate login is no anonymous client`, { timeout: 120_000 }, async () => {
      const certs = await makeCerts();
      const s = await server(c.build, c.user, c.conf);
      const [cert, key] = c.cert === 'client' ? [certs.clientCert, certs.clientKey] : [certs.uriClientCert, certs.uriClientKey];
      // The server's own word: the certificate alone is that user.
      assert.equal(await rawCommand(s.host, s.port, ['ACL', 'WHOAMI'], { tls: { ca: certs.ca, cert, key } }), c.user);
      const { results, facts } = await audit(`rediss://root@127.0.0.1:${s.port}`, { cacert: certs.ca, cert, key, pass: ROOT }, { noHost: true });
      assert.equal(facts.probe?.certificateLogin?.user, c.user);
      const [dangerous] = expectStatus(results, 'auth.dangerous-commands-allowed', 'fail').filter((r) => r.message.includes(c.user));
      assert.ok(dangerous, 'no finding for the certificate user');
      assert.match(dangerous.message, /\(no password: a client certificate naming it logs in as it\) may run \d+ @dangerous commands through \+@all/);
      const [renamed] = expectStatus(results, 'commands.dangerous-not-renamed', 'fail');
      assert.ok(renamed!.message.includes(`CONFIG SET (${c.user}, root)`) || renamed!.message.includes(`CONFIG SET (root, ${c.user})`), renamed!.message);
      const [noAuth] = expectStatus(results, 'auth.no-authentication', 'pass');
      // A client with neither a password nor a certificate: refused at the handshake (yes) or taken as the default user, off (optional).
      assert.match(noAuth!.message, /^the default user is 'off': every client must authenticate as a named user; a client without credentials over TLS and with no client certificate on 127\.0\.0\.1:\d+ was refused \(/);
      assert.ok(noAuth!.evidence?.some((e) => e.startsWith(`the client certificate given logged in as user '${c.user}' with no AUTH`)), JSON.stringify(noAuth!.evidence));
      await s.stop();
    });
  }
});
