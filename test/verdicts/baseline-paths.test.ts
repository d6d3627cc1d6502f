import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { auditFiles, reportOf } from '../../src/app/audit.ts';
import { applyBaseline, baselineOf } from '../../src/engine/triage/baseline.ts';

// Issue 11: a baseline written in one checkout matched nothing in another, silently.
const root = mkdtempSync(join(tmpdir(), 'redfort-baseline-'));
after(() => rmSync(root, { recursive: true, force: true }));
const checkout = (name: string): string => {
  const dir = join(root, name);
  mkdirSync(join(dir, 'conf'), { recursive: true });
  writeFileSync(join(dir, 'conf', 'redis.conf'), 'port 6379\nprotected-mode no\nbind 0.0.0.0\n');
  return dir;
};

test('a baseline written in one checkout matches in another; an entry that matches nothing is a warning', async () => {
  const a = checkout('a');
  const b = checkout('b');
  const audit = async (dir: string) => reportOf([await auditFiles({ configPath: join(dir, 'conf', 'redis.conf'), version: '7.0.15' })]);
  const baseline = baselineOf(await audit(a), { root: a });
  assert.ok(baseline.findings.length > 0);
  assert.ok(baseline.findings.every((f) => !f.target.startsWith('/')), 'targets are relative');
  const inB = applyBaseline(await audit(b), baseline, { root: b });
  assert.equal(inB.targets[0]!.results.filter((r) => r.status === 'fail' && !r.baselined).length, 0, 'every failure of b is in a\'s baseline');
  assert.equal(inB.warnings, undefined);

  const stale = applyBaseline(await audit(b), { version: 1, findings: [...baseline.findings, { ruleId: 'network.default-port', target: 'gone.conf', fingerprint: 'f'.repeat(32) }] }, { root: b, path: 'baseline.json' });
  assert.deepEqual(stale.warnings?.map((w) => w.kind), ['baseline-unused']);
  assert.match(stale.warnings![0]!.message, /^baseline\.json: baseline entry network\.default-port on gone\.conf .* matches no finding of this run/);
});
