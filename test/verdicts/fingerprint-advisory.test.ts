import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { auditTarget, reportOf } from '../../src/app/audit.ts';
import { applyBaseline } from '../../src/engine/triage/baseline.ts';
import { fingerprint } from '../../src/engine/triage/target-key.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import type { TargetResult } from '../../src/engine/run.ts';

// QA38-22: the message of a version.known-vulnerabilities finding says why the package could not be seen, and that
// clause changed with how long dpkg-query took under load: every CVE of the server got another fingerprint.
const RULE = 'version.known-vulnerabilities';
/** The fingerprint as redfort made it for every finding before rules could name a stable key (docs/configuration.md). */
const byMessage = (ruleId: string, key: string, message: string): string =>
  createHash('sha256').update(`${ruleId}\n${key}\n${message.replace(/\d+/g, '0')}`).digest('hex').slice(0, 32);

describe('fingerprints of known-vulnerability findings do not depend on the host stage', () => {
  let redis: RunningServer;
  let result: TargetResult;
  before(async () => {
    redis = await startRedis({ killOnStop: true });
    // Upstream 7.0.15 (Debian's build) is affected by later advisories; without the host stage no package is seen.
    result = await auditTarget(resolveTarget(redis.url, {}, {}), { noProbe: true, noHost: true });
  });
  after(() => redis?.stop());

  it('the same CVE on the same server keeps its fingerprint whatever the message says of the package', () => {
    const cves = result.results.filter((r) => r.ruleId === RULE && r.status === 'fail');
    assert.ok(cves.length > 1, `7.0.15 has known advisories: ${JSON.stringify(result.results.find((r) => r.ruleId === RULE))}`);
    const seen = new Set<string>();
    for (const r of cves) {
      assert.match(r.message, /\(run it on the server's host as root\)/);
      const timedOut = r.message.replace('(run it on the server\'s host as root)', '(the package of the executable was not read: it did not finish within 10 s)');
      const packaged = r.message.replace(/; if this is a distribution build.*$/, '; distribution build may carry backported fixes (package redis-server 5:7.0.15-1~deb12u4)');
      const print = fingerprint(RULE, result.target, r.message);
      assert.equal(fingerprint(RULE, result.target, timedOut), print, r.message);
      assert.equal(fingerprint(RULE, `redis://${redis.host}:${redis.port}`, packaged), print);
      seen.add(print);
    }
    assert.equal(seen.size, new Set(cves.map((r) => r.message.split(' ')[0])).size, 'one fingerprint per advisory');
  });

  it('every other rule keeps the fingerprint of its message, byte for byte', () => {
    const others = result.results.filter((r) => r.ruleId !== RULE && r.status === 'fail');
    assert.ok(others.length > 3);
    for (const r of others) assert.equal(fingerprint(r.ruleId, result.target, r.message), byMessage(r.ruleId, `127.0.0.1:${redis.port}/0`, r.message), r.ruleId);
  });

  it('a baseline written before (fingerprints of whole messages) still covers the same findings', () => {
    const report = reportOf([result]);
    const failing = result.results.filter((r) => r.status === 'fail');
    const old = { version: 1 as const, findings: failing.map((r) => ({ ruleId: r.ruleId, target: result.target, fingerprint: byMessage(r.ruleId, `127.0.0.1:${redis.port}/0`, r.message) })) };
    const applied = applyBaseline(report, old);
    assert.deepEqual(applied.targets[0]!.results.filter((r) => r.status === 'fail' && !r.baselined).map((r) => r.ruleId), []);
    assert.equal(applied.warnings, undefined);
  });
});
