import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build, ROOT } from '../report/cli-run.ts';
import { freePort } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';

// The exporter process as systemd and a log pipeline see it: its stderr is JSON lines from the first warning on
// (QA43-59), and SIGHUP (`systemctl reload`) neither kills it nor goes unsaid (QA43-57).
describe('the exporter process: JSON stderr and SIGHUP', () => {
  let dir: string;
  before(async () => {
    await build();
    dir = await mkdtemp(join(tmpdir(), 'redfort-exporter-signals-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes its start-up warnings as JSON lines, logs and survives SIGHUP, and stops on SIGTERM with exit 0', async () => {
    const pw = join(dir, 'loose.pw');
    await writeFile(pw, 'LooseSecret-77\n');
    await chmod(pw, 0o644);
    const config = join(dir, 'exp.yaml');
    await writeFile(config, `modules:\n  default: { passwordFile: loose.pw }\nallow: ['127.0.0.1:1']\n`);
    const { child, address, stderr, exited } = await startExporterProcess(config);
    try {
      child.kill('SIGHUP');
      await eventually('the SIGHUP log line', async () => stderr().includes('"msg":"SIGHUP ignored'));
      assert.equal((await fetch(`http://${address}/-/healthy`)).status, 200);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      const lines = stderr().trimEnd().split('\n');
      const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const warning = parsed.find((l) => l['msg'] === 'config')!;
      assert.equal(warning['level'], 'warn');
      assert.equal(warning['at'], `${config}:2`);
      assert.match(String(warning['warning']), /^modules: default: passwordFile '.*loose\.pw' .*644/);
      assert.deepEqual(parsed.map((l) => l['msg']).filter((m) => m !== 'config'), ['listening', parsed.find((l) => l['signal'] === 'SIGHUP')!['msg'], 'shutting down']);
      assert.doesNotMatch(stderr(), /LooseSecret/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it("names an inventory warning's file and line in `at`, a folder with a blank in its name too", async () => {
    // `at` was read back from the warning's text with a pattern that stops at a blank: such a path got none.
    const folder = join(dir, 'my fleet');
    await mkdir(folder);
    const inventory = join(folder, 'inventory.yaml');
    await writeFile(inventory, `targets:\n  - url: redis://:InlineSecret-88@127.0.0.1:1\n`);
    const config = join(folder, 'exp.yaml');
    await writeFile(config, `modules:\n  default: {}\ninventory: inventory.yaml\n`);
    const { child, address, stderr, exited } = await startExporterProcess(config);
    try {
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      const warnings = stderr().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l['msg'] === 'config');
      assert.ok(warnings.length > 0, stderr());
      for (const w of warnings) {
        assert.equal(w['at'], `${inventory}:2`, JSON.stringify(w));
        assert.doesNotMatch(String(w['warning']), /^\//, 'the text after the location');
      }
      assert.doesNotMatch(stderr(), /InlineSecret/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

/** `redfort exporter --config CONFIG` on a free port, once it answers /-/healthy: its stderr so far, and its exit. */
async function startExporterProcess(config: string): Promise<{ child: ChildProcess; address: string; stderr: () => string; exited: Promise<number | null> }> {
  const address = `127.0.0.1:${await freePort()}`;
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'redfort.mjs'), 'exporter', '--config', config, '--listen', address], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await eventually(`the exporter on ${address}`, async () => ((await fetch(`http://${address}/-/healthy`)).ok ? true : undefined), { timeoutMs: 30_000 });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { child, address, stderr: () => stderr, exited };
}
