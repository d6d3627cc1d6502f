import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
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

// QA41-8: the same server with `bind 0.0.0.0` and `protected-mode no`: network.protected-mode-off said "anyone who
// reaches the port runs commands" (critical) beside auth.no-authentication's high certificate case in the same report.
// It lets in a certificate holder from any host (protected mode would have refused one off the loopback), no one else.
describe('network.protected-mode-off on a TLS-only server that requires client certificates (QA41-8)', () => {
  after(stopAll);
  const outside = Object.values(networkInterfaces()).flatMap((l) => l ?? []).find((a) => a.family === 'IPv4' && !a.internal)?.address;

  it('is high and says who gets in, as auth.no-authentication does; the wire refusal of a client without a certificate is its evidence', async () => {
    const redis = await startRedis({ tls: { authClients: 'yes' }, conf: 'bind 0.0.0.0\nprotected-mode no', killOnStop: true });
    const c = redis.certs!;
    await assert.rejects(rawCommand('127.0.0.1', redis.port, ['PING'], { tls: { ca: c.ca } }));
    if (outside !== undefined) assert.equal(await rawCommand(outside, redis.port, ['PING'], { tls: { ca: c.ca, cert: c.clientCert, key: c.clientKey, rejectUnauthorized: false } }), 'PONG');
    const result = await auditTarget(resolveTarget(redis.url, { cacert: c.ca, cert: c.clientCert, key: c.clientKey }, {}), { noHost: true });
    const [finding] = result.results.filter((x) => x.ruleId === 'network.protected-mode-off');
    assert.equal(of(result, 'network.protected-mode-off'), `fail high: protected-mode is 'no' while the default user logs in without a password: any client holding a certificate from the configured CA (port 0, tls-port ${redis.port}, tls-auth-clients yes) runs commands, from wherever it reaches the port`);
    assert.match(finding?.evidence?.join('\n') ?? '', new RegExp(`^on the wire, 127\\.0\\.0\\.1:${redis.port} refused a client without a certificate`));
    assert.match(of(result, 'auth.no-authentication'), /^fail high: /);
  });

  it('with tls-auth-clients optional it stays critical: anyone who reaches the port', async () => {
    const redis = await startRedis({ tls: { authClients: 'optional' }, conf: 'bind 0.0.0.0\nprotected-mode no', killOnStop: true });
    const result = await auditTarget(resolveTarget(redis.url, { cacert: redis.certs!.ca }, {}), { noHost: true });
    assert.equal(of(result, 'network.protected-mode-off'), "fail critical: protected-mode is 'no' while the default user logs in without a password: anyone who reaches the port runs commands");
  });
});
