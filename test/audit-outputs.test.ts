import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRedis, stopAll } from './harness/servers.ts';
import type { RunningServer } from './harness/servers.ts';
import { build, runCli } from './report/cli-run.ts';

// `redfort audit` writes no report or baseline over a file it read (QA35-3): `audit --config keep.conf -o keep.conf`
// left the text report where the config was, `--targets f.yaml -o json=f.yaml` replaced the inventory, and a live
// local server's redis.conf (read by the host audit) became a JSON report the server could not start with.
describe('audit outputs are never its inputs (QA35-3)', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    await build();
    server = await startRedis({ conf: 'loglevel notice' });
    dir = mkdtempSync(join(tmpdir(), 'redfort-outputs-'));
  });
  after(async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });
  const cli = (args: string[]) => runCli(['audit', ...args], { cwd: dir });
  const refused = (run: { code: number | null; stderr: string }, line: string) => {
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim(), `redfort: ${line}`);
  };

  it('--config, -o and --baseline-write: the config file is refused as an output, by any path that names it', async () => {
    const conf = 'port 6379\nbind 127.0.0.1\n';
    writeFileSync(join(dir, 'keep.conf'), conf);
    refused(await cli(['--config', 'keep.conf', '-o', 'keep.conf']), "cannot write the text report to 'keep.conf': it is a file this audit reads: refused (give another file)");
    refused(await cli(['--config', 'keep.conf', '--baseline-write', 'keep.conf']), "cannot write the baseline to 'keep.conf': it is a file this audit reads: refused (give another file)");
    symlinkSync('keep.conf', join(dir, 'link.conf'));
    refused(await cli(['--config', 'keep.conf', '-o', 'json=link.conf', '--force']), "cannot write the json report to 'link.conf': it is 'keep.conf', a file this audit reads: refused (give another file)");
    assert.equal(readFileSync(join(dir, 'keep.conf'), 'utf8'), conf);
    // Another file is written as before.
    const report = await cli(['--config', 'keep.conf', '-o', 'json=report.json']);
    assert.equal(report.code, 1, report.stderr);
    assert.ok(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')));
  });

  it('the inventory of --targets and the --baseline file are inputs too; --baseline-write may record the baseline anew in place', async () => {
    const inventory = `targets:\n  - ${server.url}\n`;
    writeFileSync(join(dir, 'fleet.yaml'), inventory);
    refused(await cli(['--targets', 'fleet.yaml', '--no-probe', '-o', 'json=fleet.yaml']), "cannot write the json report to 'fleet.yaml': it is a file this audit reads: refused (give another file)");
    assert.equal(readFileSync(join(dir, 'fleet.yaml'), 'utf8'), inventory);
    const recorded = await cli([server.url, '--no-probe', '--baseline-write', 'bl.json']);
    assert.ok(recorded.code === 0 || recorded.code === 1, recorded.stderr);
    const again = await cli([server.url, '--no-probe', '--baseline', 'bl.json', '--baseline-write', 'bl.json']);
    assert.equal(again.code, 0, again.stderr);
    const baseline = readFileSync(join(dir, 'bl.json'), 'utf8');
    refused(await cli([server.url, '--no-probe', '--baseline', 'bl.json', '-o', 'json=bl.json']), "cannot write the json report to 'bl.json': it is a file this audit reads: refused (give another file)");
    assert.equal(readFileSync(join(dir, 'bl.json'), 'utf8'), baseline);
  });

  it("a live server's own redis.conf, which the host audit read, is refused as an output", async () => {
    const conf = readFileSync(server.confPath, 'utf8');
    refused(await cli([server.url, '--no-probe', '-o', `json=${server.confPath}`]), `cannot write the json report to '${server.confPath}': it is a file this audit reads: refused (give another file)`);
    assert.equal(readFileSync(server.confPath, 'utf8'), conf);
  });
});
