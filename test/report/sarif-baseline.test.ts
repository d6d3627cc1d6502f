// SARIF's baselineState with --baseline: a failure in the baseline was `unchanged`, one not in it had none, so a
// consumer could not tell "new" from "no baseline". Every result of a run judged against a baseline now has one
// (`new` or `unchanged`), none without; no `absent` results for the entries that matched nothing (a baseline has no
// message or location for one, and GitHub code scanning, which reads no baselineState, would open an alert for each):
// those stay the run's baseline-unused notifications. Through the CLI: a config file's audit (report to a file and to
// standard output), and a fleet's (--targets) against a real redis-server.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as Sarif from 'sarif';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, runCli } from './cli-run.ts';
import { errorsOf, sarifValidator } from './validators.ts';

const PRINT = 'redfortFinding/v1';

describe('SARIF baselineState against a --baseline', () => {
  let dir: string;
  let server: RunningServer;
  before(async () => {
    await build();
    dir = mkdtempSync(join(tmpdir(), 'redfort-sarif-baseline-'));
    server = await startRedis({ conf: 'loglevel notice' });
  });
  after(async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });
  const cli = (args: string[]) => runCli(['audit', ...args], { cwd: dir });
  const sarif = (text: string): Sarif.Run => {
    const log = JSON.parse(text) as Sarif.Log;
    const validate = sarifValidator();
    assert.ok(validate(log), errorsOf(validate));
    return log.runs[0]!;
  };
  const printsOf = (path: string): Set<string> => new Set((JSON.parse(readFileSync(join(dir, path), 'utf8')) as { findings: { fingerprint: string }[] }).findings.map((f) => f.fingerprint));

  it("a config file's failures: new, or unchanged when the baseline has them; none without a baseline; no absent ones", async () => {
    writeFileSync(join(dir, 'redis.conf'), 'port 6379\nbind 0.0.0.0\nprotected-mode no\nloglevel warning\n');
    const recorded = await cli(['--config', 'redis.conf', '--redis-version', '7.0.15', '--baseline-write', 'bl.json', '-o', 'sarif=recorded.sarif', '--fail-on', 'none']);
    assert.equal(recorded.code, 0, recorded.stderr);
    const first = sarif(readFileSync(join(dir, 'recorded.sarif'), 'utf8'));
    assert.ok(first.results!.length > 0);
    for (const r of first.results!) assert.equal(r.baselineState, 'unchanged', r.ruleId);
    // One failure fixed (loglevel), one new (DEBUG enabled), the rest as they were.
    writeFileSync(join(dir, 'redis.conf'), 'port 6379\nbind 0.0.0.0\nprotected-mode no\nenable-debug-command yes\n');
    const run = await cli(['--config', 'redis.conf', '--redis-version', '7.0.15', '--baseline', 'bl.json', '-o', 'sarif=r.sarif', '--fail-on', 'none']);
    assert.equal(run.code, 0, run.stderr);
    const stdout = await cli(['--config', 'redis.conf', '--redis-version', '7.0.15', '--baseline', 'bl.json', '--format', 'sarif', '--fail-on', 'none']);
    assert.equal(stdout.code, 0, stdout.stderr);
    const inBaseline = printsOf('bl.json');
    for (const text of [readFileSync(join(dir, 'r.sarif'), 'utf8'), stdout.stdout]) {
      const results = sarif(text).results!;
      for (const r of results) assert.equal(r.baselineState, inBaseline.has(r.partialFingerprints![PRINT]!) ? 'unchanged' : 'new', r.ruleId);
      assert.ok(results.some((r) => r.ruleId === 'commands.protected-features-enabled' && r.baselineState === 'new'), 'the new failure');
      assert.ok(results.some((r) => r.baselineState === 'unchanged'));
      assert.ok(!results.some((r) => r.ruleId === 'logging.loglevel-too-quiet'), 'no result for the fixed one');
      // The fixed one is the baseline entry that matched nothing.
      const notes = sarif(text).invocations![0]!.toolConfigurationNotifications ?? [];
      assert.ok(notes.some((n) => n.descriptor?.id === 'baseline-unused' && n.message.text!.includes('logging.loglevel-too-quiet')), JSON.stringify(notes));
    }
    const plain = await cli(['--config', 'redis.conf', '--redis-version', '7.0.15', '--format', 'sarif', '--fail-on', 'none']);
    for (const r of sarif(plain.stdout).results!) assert.equal(r.baselineState, undefined, r.ruleId);
  });

  it("a fleet's (--targets) failures against a baseline that has none of them: every one new", async () => {
    writeFileSync(join(dir, 'fleet.txt'), `${server.url}\n`);
    writeFileSync(join(dir, 'empty.json'), '{ "version": 1, "findings": [] }\n');
    const run = await cli(['--targets', 'fleet.txt', '--no-probe', '--baseline', 'empty.json', '-o', 'sarif=fleet.sarif', '--fail-on', 'none']);
    assert.equal(run.code, 0, run.stderr);
    const results = sarif(readFileSync(join(dir, 'fleet.sarif'), 'utf8')).results!;
    assert.ok(results.length > 0);
    for (const r of results) assert.equal(r.baselineState, 'new', r.ruleId);
  });
});
