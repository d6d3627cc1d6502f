import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { makeCerts } from '../harness/certs.ts';
import type { CertSet } from '../harness/certs.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// Issue 11 #3: an expired (or wrong-name) certificate under --cacert is a tls.certificate finding and the rest is
// audited. `audit --sentinel` asked the seed sentinel for its groups over a connection of its own that verified the
// certificate strictly: a real 7.0.15 sentinel with an expired certificate of the trusted CA made the whole
// deployment an error ('cannot discover the deployment: SENTINEL REPLICAS/SENTINELS/CKQUORUM: TLS handshake failed:
// certificate has expired', exit 2), while the same sentinel audited alone was judged.

const PASSWORD = 'SentinelTlsPw-31-abcdef';

describe('audit --sentinel: a seed sentinel whose certificate has expired (chain of the trusted CA)', () => {
  let certs: CertSet;
  let master: RunningServer;
  let sentinel: RunningServer;
  before(async () => {
    certs = await makeCerts();
    master = await startRedis({ conf: `requirepass ${PASSWORD}`, password: PASSWORD, tls: { authClients: 'no', certs }, killOnStop: true });
    sentinel = await startRedis({
      sentinel: true,
      conf: [`sentinel monitor mymaster 127.0.0.1 ${master.port} 1`, `sentinel auth-pass mymaster ${PASSWORD}`, `requirepass ${PASSWORD}`, 'tls-replication yes'].join('\n'),
      password: PASSWORD,
      tls: { authClients: 'no', certs, cert: certs.expiredCert, key: certs.expiredKey },
      killOnStop: true,
    });
  });
  after(async () => {
    await stopAll();
  });

  it('is discovered and judged: the group, its master and the sentinel, with tls.certificate failing for the expired one', async () => {
    const seed = resolveTarget(`rediss://127.0.0.1:${sentinel.port}`, { pass: PASSWORD, cacert: certs.ca }, {});
    const results = await auditDeployment(seed, { noHost: true, kind: 'sentinel' });
    const entry = results[0]!;
    assert.equal(entry.error, undefined, entry.error);
    assert.equal(entry.results.filter((r) => r.status === 'error').length, 0, entry.results.filter((r) => r.status === 'error').map((r) => r.message).join('\n'));
    const quorum = entry.results.find((r) => r.ruleId === 'sentinel.quorum');
    assert.match(`${quorum?.status} ${quorum?.message}`, /^(pass|fail) master 'mymaster' /);
    const audited = results.slice(1);
    assert.ok(audited.some((t) => t.target.endsWith(`:${master.port}`) && t.server?.product === 'redis'), results.map((t) => `${t.target} ${t.error ?? ''}`).join('\n'));
    const seedNode = audited.find((t) => t.target.endsWith(`:${sentinel.port}`));
    assert.ok(seedNode && seedNode.error === undefined, seedNode?.error);
    const certificate = seedNode.results.filter((r) => r.ruleId === 'tls.certificate' && r.status === 'fail');
    assert.ok(certificate.some((r) => r.severity === 'high' && /expired/.test(r.message)), certificate.map((r) => r.message).join('\n'));
  });
});
