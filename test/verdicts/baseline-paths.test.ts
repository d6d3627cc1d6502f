import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { auditFiles, reportOf } from '../../src/app/audit.ts';
import { applyBaseline, baselineOf } from '../../src/engine/triage/baseline.ts';
import { build, runCli } from '../report/cli-run.ts';

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

test('one fingerprint per failure, whatever shows it: the JSON report, SARIF and the baseline agree, in any checkout; a suppression by it covers that finding alone', async () => {
  await build();
  const run = async (dir: string, args: string[]) => {
    const r = await runCli(['audit', '--config', join(dir, 'conf', 'redis.conf'), '--redis-version', '7.0.15', ...args], { cwd: dir });
    assert.notEqual(r.code, 2, r.stderr);
    return r;
  };
  const prints = async (dir: string) => {
    await run(dir, ['--format', 'json', '-o', 'r.json', '-o', 'sarif=r.sarif', '--baseline-write', 'b.json']);
    const json = (JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { targets: { results: { status: string; ruleId: string; fingerprint?: string }[] }[] }).targets[0]!.results;
    const sarif = (JSON.parse(readFileSync(join(dir, 'r.sarif'), 'utf8')) as { runs: { results: { partialFingerprints: Record<string, string> }[] }[] }).runs[0]!.results;
    const baseline = (JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8')) as { findings: { fingerprint: string }[] }).findings;
    const failing = json.filter((r) => r.status === 'fail');
    assert.ok(failing.length > 2);
    assert.ok(failing.every((r) => /^[0-9a-f]{32}$/.test(r.fingerprint ?? '')), 'every failure has its fingerprint');
    assert.ok(json.filter((r) => r.status !== 'fail').every((r) => r.fingerprint === undefined));
    const fromJson = failing.map((r) => r.fingerprint!).sort();
    assert.deepEqual(sarif.map((r) => r.partialFingerprints['redfortFinding/v1']).sort(), fromJson, 'SARIF gives the same fingerprints');
    assert.deepEqual(baseline.map((f) => f.fingerprint).sort(), fromJson, 'the baseline records the same fingerprints');
    return failing;
  };
  const a = checkout('fa');
  const b = checkout('fb');
  const inA = await prints(a);
  assert.deepEqual((await prints(b)).map((r) => r.fingerprint).sort(), inA.map((r) => r.fingerprint).sort(), 'the same in another checkout');

  const chosen = inA.find((r) => r.ruleId === 'network.protected-mode-off')!;
  writeFileSync(join(b, '.redfort.yaml'), `suppressions:\n  - { rule: ${chosen.ruleId}, fingerprint: ${chosen.fingerprint}, reason: accepted in OPS-1 }\n`);
  const suppressed = (JSON.parse((await run(b, ['--format', 'json'])).stdout) as { targets: { results: { suppressed?: unknown; fingerprint?: string }[] }[] }).targets[0]!.results.filter((r) => r.suppressed !== undefined);
  assert.deepEqual(suppressed.map((r) => r.fingerprint), [chosen.fingerprint]);
});
