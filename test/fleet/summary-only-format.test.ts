import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, runCli } from '../report/cli-run.ts';

// --summary-only shortens the text report on standard output. With a machine format there it was silently dropped:
// `--summary-only --format json` printed every target's whole report (QA36-21). It is a usage error now.
const dir = mkdtempSync(join(tmpdir(), 'redfort-summary-only-'));
let server: RunningServer;
let inventory: string;
before(async () => {
  await build();
  server = await startRedis({ killOnStop: true });
  inventory = join(dir, 'fleet.txt');
  writeFileSync(inventory, `${server.url}\n`);
});
after(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

const common = (): string[] => ['audit', '--targets', inventory, '--no-host', '--no-probe', '--summary-only', '--fail-on', 'none'];

test('--summary-only with another format on standard output is a usage error, before any target is audited', async () => {
  for (const [extra, shown] of [
    [['--format', 'json'], 'the json report'],
    [['--format', 'sarif'], 'the sarif report'],
    [['-o', 'json=-'], 'the json report'],
    [['--format', 'jsonl', '-o', `jsonl=${join(dir, 'x.jsonl')}`], 'no report'],
  ] as const) {
    const run = await runCli([...common(), ...extra]);
    assert.equal(run.code, 2, `${extra.join(' ')}: ${run.stderr}`);
    assert.equal(run.stdout, '', extra.join(' '));
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, new RegExp(`^redfort: --summary-only applies to the text report on standard output, and here standard output gets ${shown}`));
    assert.match(lines[0]!, /drop --summary-only, or print text \(--format text\)/);
  }
});

test('--summary-only with the text report on standard output and JSON to a file: the summary, and the whole JSON in the file', async () => {
  const file = join(dir, 'fleet.json');
  const run = await runCli([...common(), '-o', `json=${file}`]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Fleet: 1 target, /);
  assert.doesNotMatch(run.stdout, /^ {2}(PASS|FAIL|SKIP) /m);
  const report = JSON.parse(readFileSync(file, 'utf8')) as { targets: { results: unknown[] }[] };
  assert.equal(report.targets.length, 1);
  assert.ok(report.targets[0]!.results.length > 20);
  // The same with --format text named.
  const named = await runCli([...common(), '--format', 'text']);
  assert.equal(named.code, 0, named.stderr);
  assert.match(named.stdout, /^Fleet: 1 target, /);
});
