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

  it('a real 8.0.6 (test/fixtures/replies/redis-8.0.6-default.json): its 2026 advisories name their fix on 8.2, which no 8.0 release has; its branch has ended', async () => {
    const server = await startRecordedServer('redis-8.0.6-default');
    servers.push(server);
    const { facts, results } = await audit(server.url);
    assert.deepEqual([facts.server?.product, facts.server?.version], ['redis', '8.0.6']);
    assert.match(finding(results, 'CVE-2026-23479').message, /8\.0\.6 is affected, fixed in 8\.2\.6 \(no 8\.0 release has the fix\)/);
    // Fixed in 8.0.6 itself: not reported.
    assert.equal(results.some((r) => r.message.startsWith('REDIS-2026-02-ERRREPLY-CRLF ')), false);
    // 75 @dangerous commands by its own ACL CAT (the vector-set module adds none).
    assert.match(results.find((r) => r.ruleId === 'auth.dangerous-commands-allowed')?.message ?? '', /^user 'default' may run 75 @dangerous commands through \+@all/);
  });
});
