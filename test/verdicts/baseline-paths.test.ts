import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { auditFiles, reportOf } from '../../src/app/audit.ts';
import { applyBaseline, baselineOf, findingFingerprint, relativeTo } from '../../src/engine/triage/baseline.ts';
import { fingerprint } from '../../src/engine/triage/target-key.ts';
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

// QA41-101: a file target was keyed by its path as spelled. A baseline written with `--config deploy/redis/redis.conf`
// failed every finding again under `--config ./deploy/redis/redis.conf` (and `deploy//redis/…`, `deploy/x/../redis/…`),
// each entry a "matches no finding" warning; suppressions by `fingerprint:` broke the same way.
test('a file target is keyed by its normalised path: every spelling has the fingerprints of the others, and the spellings keyed before keep theirs', async () => {
  const dir = join(root, 'spelled');
  mkdirSync(join(dir, 'deploy', 'redis'), { recursive: true });
  mkdirSync(join(dir, 'deploy', 'x'), { recursive: true });
  const file = join(dir, 'deploy', 'redis', 'redis.conf');
  writeFileSync(file, 'port 6379\nprotected-mode no\nbind 0.0.0.0\n');
  // The report names the target as given; the facts (and so the messages) hold the resolved path.
  const audited = reportOf([await auditFiles({ configPath: file, version: '7.0.15' })]);
  const as = (spelling: string) => ({ ...audited, targets: audited.targets.map((t) => ({ ...t, target: spelling })) });
  const spellings = ['deploy/redis/redis.conf', './deploy/redis/redis.conf', 'deploy//redis/redis.conf', 'deploy/x/../redis/redis.conf', file];
  const failing = audited.targets[0]!.results.filter((r) => r.status === 'fail');
  assert.ok(failing.length > 2);
  for (const r of failing) {
    const prints = new Set(spellings.map((s) => findingFingerprint(r.ruleId, s, r.message, dir)));
    assert.equal(prints.size, 1, `${r.ruleId}: ${[...prints].join(' ')}`);
    // The spelling that was keyed so before (relative, normalised; an absolute one below the root) keeps its print.
    assert.equal([...prints][0], fingerprint(r.ruleId, 'deploy/redis/redis.conf', relativeTo(r.message, dir)));
  }
  for (const written of spellings) {
    const baseline = baselineOf(as(written), { root: dir });
    assert.ok(baseline.findings.every((f) => f.target === 'deploy/redis/redis.conf'), 'the baseline names the file by its normalised path');
    for (const read of spellings) {
      const judged = applyBaseline(as(read), baseline, { root: dir });
      assert.equal(judged.targets[0]!.target, read, 'the report keeps the target as given');
      assert.equal(judged.targets[0]!.results.filter((r) => r.status === 'fail' && !r.baselined).length, 0, `written as ${written}, read as ${read}`);
      assert.equal(judged.warnings, undefined);
    }
  }
  // A baseline written before, under a spelling that was not normalised then: still matched under that spelling.
  const before = { version: 1 as const, findings: failing.map((r) => ({ ruleId: r.ruleId, target: './deploy/redis/redis.conf', fingerprint: fingerprint(r.ruleId, './deploy/redis/redis.conf', relativeTo(r.message, dir)) })) };
  const old = applyBaseline(as('./deploy/redis/redis.conf'), before, { root: dir });
  assert.equal(old.targets[0]!.results.filter((r) => r.status === 'fail' && !r.baselined).length, 0);
  assert.equal(old.warnings, undefined);
  // Servers are keyed as before: a `host:port/db` is no path.
  assert.equal(findingFingerprint('tls.disabled', '127.0.0.1:6379/2', 'x', dir), fingerprint('tls.disabled', '127.0.0.1:6379/2', 'x'));
});

test('the CLI: a baseline and a suppression by fingerprint written with one spelling of --config hold with another (QA41-101)', async () => {
  await build();
  const dir = join(root, 'cli-spelled');
  mkdirSync(join(dir, 'deploy', 'redis'), { recursive: true });
  writeFileSync(join(dir, 'deploy', 'redis', 'redis.conf'), 'port 6379\nprotected-mode no\nbind 0.0.0.0\nrequirepass x-not-a-good-one\n');
  const audit = (config: string, args: string[]) => runCli(['audit', '--config', config, '--redis-version', '7.0.15', ...args], { cwd: dir });
  const wrote = await audit('deploy/redis/redis.conf', ['--baseline-write', 'bl.json', '--format', 'json']);
  assert.notEqual(wrote.code, 2, wrote.stderr);
  for (const spelling of ['./deploy/redis/redis.conf', 'deploy//redis/redis.conf', join(dir, 'deploy/redis/redis.conf')]) {
    const read = await audit(spelling, ['--baseline', 'bl.json']);
    assert.equal(read.code, 0, `${spelling}: ${read.stderr}`);
    assert.doesNotMatch(read.stderr, /matches no finding/);
  }
  const bind = (JSON.parse(wrote.stdout) as { targets: { results: { ruleId: string; fingerprint?: string }[] }[] }).targets[0]!.results.find((r) => r.ruleId === 'network.bind-all-interfaces')!;
  writeFileSync(join(dir, '.redfort.yaml'), `suppressions:\n  - { rule: network.bind-all-interfaces, fingerprint: ${bind.fingerprint}, reason: OPS-2 }\n`);
  const suppressed = await audit('./deploy/redis/redis.conf', ['--format', 'json']);
  const result = (JSON.parse(suppressed.stdout) as { targets: { results: { ruleId: string; suppressed?: unknown; fingerprint?: string }[] }[] }).targets[0]!.results.find((r) => r.ruleId === 'network.bind-all-interfaces')!;
  assert.equal(result.fingerprint, bind.fingerprint);
  assert.notEqual(result.suppressed, undefined);
});
