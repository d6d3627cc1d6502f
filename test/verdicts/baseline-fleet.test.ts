import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, runCli } from '../report/cli-run.ts';

// A baseline's entries are a warning when they match no finding of the run: fixed, or written elsewhere. A fleet
// (--targets) triages each target alone, and called every entry of the other targets unused (one warning per
// entry of the baseline); a target that could not be audited had its entries called unused too, as if fixed.
const dir = mkdtempSync(join(tmpdir(), 'redfort-baseline-fleet-'));
let a: RunningServer;
let b: RunningServer;
before(async () => {
  await build();
  [a, b] = await Promise.all([startRedis({ killOnStop: true }), startRedis({ killOnStop: true })]);
  writeFileSync(join(dir, 'fleet.txt'), `${a.url}\n${b.url}\n`);
  const written = await runCli(['audit', a.url, b.url, '--no-host', '--no-probe', '--baseline-write', 'baseline.json', '--format', 'json'], { cwd: dir });
  assert.equal(written.code, 0, written.stderr);
});
after(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

const unusedWarnings = (stderr: string): string[] => stderr.split('\n').filter((l) => l.includes('matches no finding'));

test('every entry matches: no warning, from the command line or from --targets, in one thread or two', async () => {
  const entries = (JSON.parse(readFileSync(join(dir, 'baseline.json'), 'utf8')) as { findings: { target: string }[] }).findings;
  assert.ok(entries.some((f) => f.target === a.url) && entries.some((f) => f.target === b.url));
  for (const args of [[a.url, b.url], ['--targets', 'fleet.txt', '--jobs', '1'], ['--targets', 'fleet.txt', '--jobs', '2']]) {
    const run = await runCli(['audit', ...args, '--no-host', '--no-probe', '--baseline', 'baseline.json', '--format', 'json'], { cwd: dir });
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    assert.deepEqual(unusedWarnings(run.stderr), [], args.join(' '));
  }
});

test('--baseline-write with --targets records the fleet\'s failures, as the command line does (it wrote nothing)', async () => {
  const fingerprints = (file: string): string[] => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { findings: { fingerprint: string }[] }).findings.map((f) => f.fingerprint).sort();
  for (const jobs of ['1', '2']) {
    const file = `fleet-baseline-${jobs}.json`;
    const run = await runCli(['audit', '--targets', 'fleet.txt', '--jobs', jobs, '--no-host', '--no-probe', '--baseline-write', file, '--summary-only'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(fingerprints(file), fingerprints('baseline.json'), `--jobs ${jobs}`);
  }
});

test("an entry for a target not in the run is said once, naming the baseline; a target that could not be audited has none said", async () => {
  // The fleet without b: b's entries match nothing of this run.
  writeFileSync(join(dir, 'only-a.txt'), `${a.url}\n`);
  const bEntries = (JSON.parse(readFileSync(join(dir, 'baseline.json'), 'utf8')) as { findings: { target: string; fingerprint: string }[] }).findings.filter((f) => f.target === b.url);
  for (const args of [[a.url], ['--targets', 'only-a.txt']]) {
    const run = await runCli(['audit', ...args, '--no-host', '--no-probe', '--baseline', 'baseline.json', '--format', 'json'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const warned = unusedWarnings(run.stderr);
    assert.equal(warned.length, new Set(bEntries.map((f) => f.fingerprint)).size, args.join(' '));
    assert.ok(warned.every((w) => w.startsWith(`redfort: warning: baseline.json: baseline entry `) && w.includes(` on ${b.url} (`)), warned.join('\n'));
  }
  await b.stop();
  for (const args of [[a.url, b.url], ['--targets', 'fleet.txt']]) {
    const run = await runCli(['audit', ...args, '--no-host', '--no-probe', '--baseline', 'baseline.json', '--format', 'json'], { cwd: dir });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`${b.url.replace(/[.]/g, '\\.')}: connection refused`));
    assert.deepEqual(unusedWarnings(run.stderr), [], args.join(' '));
  }
});
