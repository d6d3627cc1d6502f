import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { advisoryFinding as finding, audit } from '../probe/helpers.ts';
import { startRecordedServer } from '../helpers/recorded-server.ts';
import type { RecordedServer } from '../helpers/recorded-server.ts';

// Redis 8 (here 8.0-m01, which reports 7.9.224), replayed from a real build's recorded replies
// (test/fixtures/replies/redis-7.9.224-default.json): CI has only Debian's 7.0.15.

const servers: RecordedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

describe('Redis 8 recorded', { concurrency: true }, () => {
  it('lowers the advisories of bundled modules a build without modules does not load', async () => {
    const server = await startRecordedServer('redis-7.9.224-default');
    servers.push(server);
    const { facts, results } = await audit(server.url);
    assert.equal(facts.server?.version, '7.9.224');
    // A source build loads RedisBloom and RedisTimeSeries only with BUILD_WITH_MODULES=yes and `loadmodule`.
    for (const [id, module] of [['CVE-2026-25588', 'timeseries'], ['CVE-2026-25589', 'bf']] as const) {
      const cve = finding(results, id);
      assert.equal(cve.severity, 'low', cve.message);
      assert.match(cve.message, new RegExp(`lowered: only servers that load the '${module}' module are affected and INFO lists no loaded module`));
    }
    // The core's own advisories stay as they are.
    assert.equal(finding(results, 'CVE-2025-49844').severity, 'critical');
  });
});
