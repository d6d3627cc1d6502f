import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// QA38-21: a TLS-only server (port 0) with tls-auth-clients yes and no unix socket let in only clients holding a
// certificate from its CA (a handshake without one: "alert certificate required"), yet a password-less default user
// failed auth.no-authentication as critical, "any client that reaches the server runs commands". Still a failure (a
// password or a named user is the ask), said as it is and graded high; critical again with a unix socket or optional.
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id).map((x) => `${x.status} ${x.severity}: ${x.message}`).join('\n');

describe('auth.no-authentication on a TLS-only server that requires client certificates', () => {
  after(stopAll);

  it('is high, naming the certificate as the way in', async () => {
    const redis = await startRedis({ tls: { authClients: 'yes' }, killOnStop: true });
    const c = redis.certs!;
    const result = await auditTarget(resolveTarget(redis.url, { cacert: c.ca, cert: c.clientCert, key: c.clientKey }, {}), { noHost: true });
    assert.equal(of(result, 'auth.no-authentication'), `fail high: the default user is 'on' and 'nopass': any client holding a certificate from the configured CA (port 0, tls-port ${redis.port}, tls-auth-clients yes, no unixsocket) runs commands without a password`);
  });

  it('with tls-auth-clients optional it stays critical', async () => {
    const redis = await startRedis({ tls: { authClients: 'optional' }, killOnStop: true });
    const result = await auditTarget(resolveTarget(redis.url, { cacert: redis.certs!.ca }, {}), { noHost: true });
    assert.match(of(result, 'auth.no-authentication'), /^fail critical: the default user is 'on' and 'nopass': any client that reaches the server/);
  });
});
