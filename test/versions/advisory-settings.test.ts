import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { advisoryFinding as finding, audit } from '../probe/helpers.ts';
import { startRecordedServer } from '../helpers/recorded-server.ts';
import type { RecordedServer } from '../helpers/recorded-server.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// Advisories whose bug needs a setting the server does not have (a cluster bus, a TLS listener, client eviction, a
// writable replica) are lowered to low, as TLS-only ones were: a real Valkey 8.0.1 (recorded replies,
// test/fixtures/replies/valkey-8.0.1-default.json), standalone and without TLS, failed HIGH on a cluster-bus DoS.

const recorded: RecordedServer[] = [];
after(async () => {
  await Promise.all(recorded.map((s) => s.close()));
  await stopAll();
});

describe('advisories that need a setting the server lacks', { concurrency: true }, () => {
  it('Valkey 8.0.1 standalone without TLS: cluster-bus, TLS and client-eviction advisories lowered', async () => {
    const server = await startRecordedServer('valkey-8.0.1-default');
    recorded.push(server);
    const { facts, results } = await audit(server.url);
    assert.deepEqual([facts.server?.product, facts.server?.version], ['valkey', '8.0.1']);
    for (const [id, why] of [
      ['CVE-2026-21863', 'only cluster nodes are affected and cluster-enabled is no'],
      ['CVE-2026-136156', 'only cluster nodes are affected and cluster-enabled is no'],
      ['CVE-2026-56684', 'only TLS listeners are affected and tls-port is 0'],
      ['CVE-2026-130822', 'only servers that evict clients are affected and maxmemory-clients is 0'],
    ] as const) {
      const cve = finding(results, id);
      assert.equal(cve.severity, 'low', cve.message);
      assert.ok(cve.message.includes(`lowered: ${why}`), cve.message);
    }
    assert.equal(finding(results, 'CVE-2025-49844').severity, 'critical');
  });

  it('the real 7.0.15: client eviction off lowers the blocked-client advisory, on keeps it', async () => {
    const [off, on] = await Promise.all([startRedis(), startRedis({ conf: 'maxmemory-clients 64mb' })]);
    const lowered = finding((await audit(off.url)).results, 'REDIS-2026-08-BLOCKED-CLIENT-UAF');
    assert.equal(lowered.severity, 'low');
    assert.match(lowered.message, /lowered: only servers that evict clients are affected and maxmemory-clients is 0/);
    assert.equal(finding((await audit(on.url)).results, 'REDIS-2026-08-BLOCKED-CLIENT-UAF').severity, 'medium');
  });
});
