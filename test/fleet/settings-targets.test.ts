import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { ROOT, build, runCli, runNode } from '../report/cli-run.ts';
import { startFakeServer } from '../helpers/fake-resp-server.ts';

const CLI = join(ROOT, 'dist', 'cli.cjs');

// With no target on the command line, .redfort.yaml's targets are the inventory (docs/configuration.md): the
// fleet's flags (--summary-only, --jobs) were refused there ('goes with --targets').
const dir = mkdtempSync(join(tmpdir(), 'redfort-settings-fleet-'));
let a: RunningServer;
let b: RunningServer;
before(async () => {
  await build();
  [a, b] = await Promise.all([startRedis({ killOnStop: true }), startRedis({ killOnStop: true })]);
  writeFileSync(
    join(dir, '.redfort.yaml'),
    `targets:\n  ${a.url}: {}\n  ${b.url}: {}\n  redis://127.0.0.1:1: { passwordEnv: REDFORT_TEST_UNSET_PASSWORD }\n`,
  );
});
after(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

test('--summary-only and --jobs audit the settings file\'s targets as a fleet', async () => {
  for (const jobs of [[], ['--jobs', '1'], ['--jobs', '2']]) {
    const run = await runCli(['audit', '--summary-only', '--no-host', '--no-probe', ...jobs], { cwd: dir });
    assert.equal(run.code, 2, run.stderr);
    const lines = run.stdout.split('\n');
    assert.equal(lines[0], 'Fleet: 3 targets, 1 not audited, 2 with failures', run.stdout);
    for (const url of [a.url, b.url]) assert.ok(lines.some((l) => l.includes(` ${url}  `) && /critical|high/.test(l)), `${url} in\n${run.stdout}`);
    assert.ok(lines.some((l) => /^ {2}ERROR +redis:\/\/127\.0\.0\.1:1 +\.redfort\.yaml:4: .*REDFORT_TEST_UNSET_PASSWORD, which is not set$/.test(l)), run.stdout);
    assert.doesNotMatch(run.stdout, /^ {2}(PASS|FAIL|SKIP) /m, 'the details are left out');
    assert.deepEqual(run.stderr.trim().split('\n'), ['redfort: .redfort.yaml:4: targets: redis://127.0.0.1:1: passwordEnv names REDFORT_TEST_UNSET_PASSWORD, which is not set']);
  }
  // The full report of the same targets is as before: one run, every target's details.
  const full = await runCli(['audit', '--no-host', '--no-probe', '--format', 'json'], { cwd: dir });
  assert.equal(full.code, 2, full.stderr);
  assert.equal((JSON.parse(full.stdout) as { targets: unknown[] }).targets.length, 3);
  // Its error line names the file and line once, not the target before them again.
  assert.deepEqual(full.stderr.trim().split('\n'), ['redfort: .redfort.yaml:4: targets: redis://127.0.0.1:1: passwordEnv names REDFORT_TEST_UNSET_PASSWORD, which is not set']);
});

// V8's flags are the process's: a worker that the run started set the fleet's (src/cli/bundle.ts) while the main
// thread ran under V8's defaults. The CLI sets them before any JS of a --targets run only (src/cli/start.ts).
test('a run of the settings file\'s targets with --jobs 2 ends under the V8 flags it started with', async () => {
  // A target whose first answer takes a second: the run lasts until its worker has loaded its code.
  let waited = false;
  const slow = await startFakeServer(async () => {
    if (!waited) await sleep(1_000);
    waited = true;
    return '-ERR unknown command\r\n';
  });
  try {
    const here = mkdtempSync(join(dir, 'flags-'));
    const targets = [`redis://127.0.0.1:${slow.port}`, a.url, b.url];
    writeFileSync(join(here, '.redfort.yaml'), `targets:\n${targets.map((t) => `  ${t}: {}\n`).join('')}`);
    writeFileSync(join(here, 'fleet.txt'), `${targets.join('\n')}\n`);
    const cli = (args: string) => [
      "const v8 = require('node:v8');",
      'const before = v8.cachedDataVersionTag();',
      "process.on('exit', () => process.stderr.write(`flags ${v8.cachedDataVersionTag() === before ? 'kept' : 'changed'}\\n`));",
      `process.argv = [process.execPath, ${JSON.stringify(CLI)}, 'audit', ${args}'--summary-only', '--no-host', '--no-probe', '--jobs', '2'];`,
      `require(${JSON.stringify(CLI)});`,
    ].join('\n');
    const run = await runNode(['-e', cli('')], { cwd: here });
    assert.match(run.stdout, /^Fleet: 3 targets/m, run.stdout + run.stderr);
    assert.match(run.stderr, /^flags kept$/m);
    // The other way: a --targets run is under the fleet's flags from its start.
    const fleet = await runNode(['-e', cli("'--targets', 'fleet.txt', ")], { cwd: here });
    assert.match(fleet.stdout, /^Fleet: 3 targets/m, fleet.stdout + fleet.stderr);
    assert.match(fleet.stderr, /^flags changed$/m);
  } finally {
    await slow.close();
  }
});

test('with no targets in the settings file, --summary-only is still a usage error', async () => {
  const empty = mkdtempSync(join(dir, 'empty-'));
  const run = await runCli(['audit', a.url, '--summary-only', '--no-host', '--no-probe'], { cwd: empty });
  assert.equal(run.code, 2);
  assert.equal(run.stderr.trim(), 'redfort: --summary-only goes with --targets');
});
