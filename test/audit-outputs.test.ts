import assert from 'node:assert/strict';
import { chmodSync, existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
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

// A fleet streams its JSON Lines and its JSON file as targets finish: they were opened, and cut, at the start of the
// run, so that a local target's redis.conf named as the output was empty before the end of the run refused it; and the
// files a worker thread read were not recorded at all. The streamed outputs now grow in a temporary file beside the
// destination, put in place once the run is over and has read none of them.
describe('fleet: streamed outputs are never its inputs, and replace their file only at the end', () => {
  let server: RunningServer;
  let dir: string;
  let silent: Server;
  let silentPort: number;
  const held: Socket[] = [];
  before(async () => {
    await build();
    server = await startRedis({ conf: 'loglevel notice' });
    dir = mkdtempSync(join(tmpdir(), 'redfort-fleet-outputs-'));
    // Accepts and never answers: keeps the thread that claimed it busy until --timeout.
    silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as AddressInfo).port;
  });
  after(async () => {
    for (const socket of held) socket.destroy();
    silent.close();
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });
  const cli = (args: string[]) => runCli(['audit', '--no-probe', '--quiet', ...args], { cwd: dir });
  const temps = (where: string) => readdirSync(where).filter((name) => name.endsWith('.tmp'));
  const refusal = (format: string) => `redfort: cannot write the ${format} report to '${server.confPath}': it is a file this audit reads: refused (give another file)`;

  it("--jobs 1: a local target's redis.conf as -o jsonl=, -o json= or --format jsonl -o is refused and left byte for byte", async () => {
    writeFileSync(join(dir, 'one.txt'), `${server.url}\n`);
    const conf = readFileSync(server.confPath);
    for (const [format, args] of [
      ['jsonl', ['-o', `jsonl=${server.confPath}`]],
      ['json', ['-o', `json=${server.confPath}`]],
      ['jsonl', ['--format', 'jsonl', '-o', server.confPath]],
      ['jsonl', ['-o', `jsonl=${server.confPath}`, '-o', 'json=other.json']],
    ] as const) {
      const run = await cli(['--targets', 'one.txt', '--jobs', '1', ...args]);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stderr.trim(), refusal(format));
      assert.deepEqual(readFileSync(server.confPath), conf, args.join(' '));
      assert.deepEqual(temps(server.dir), []);
      assert.deepEqual(temps(dir), []);
      assert.equal(existsSync(join(dir, 'other.json')), false);
    }
  });

  it("--jobs 2: the redis.conf a worker thread read is refused as well, and left byte for byte", async () => {
    // The main thread claims the silent target first and waits on it; the worker claims the live one.
    writeFileSync(join(dir, 'two.txt'), `redis://127.0.0.1:${silentPort}\n${server.url}\n`);
    const conf = readFileSync(server.confPath);
    for (const [format, args] of [
      ['jsonl', ['-o', `jsonl=${server.confPath}`]],
      ['json', ['-o', `json=${server.confPath}`]],
    ] as const) {
      const run = await cli(['--targets', 'two.txt', '--jobs', '2', '--concurrency', '2', '--timeout', '1500', ...args]);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stderr.trim(), refusal(format));
      assert.deepEqual(readFileSync(server.confPath), conf, args.join(' '));
      assert.deepEqual(temps(server.dir), []);
    }
  });

  it('JSON Lines grow in a temporary file as targets finish; the file is put in place at the end, with the mode an output gets', async () => {
    writeFileSync(join(dir, 'slow.txt'), `${server.url}\nredis://127.0.0.1:${silentPort}\n`);
    writeFileSync(join(dir, 'kept.jsonl'), 'old\n', { mode: 0o600 });
    chmodSync(join(dir, 'kept.jsonl'), 0o600);
    const running = cli(['--targets', 'slow.txt', '--jobs', '1', '--concurrency', '2', '--timeout', '3000', '-o', 'jsonl=new.jsonl', '-o', 'jsonl=kept.jsonl']);
    // The live target's line is in the temporary file while the silent one is waited for; the destinations are untouched.
    let seen: string[] = [];
    for (const start = Date.now(); Date.now() - start < 20_000; await new Promise((r) => setTimeout(r, 25))) {
      seen = temps(dir).filter((name) => readFileSync(join(dir, name), 'utf8').includes(`127.0.0.1:${server.port}`));
      if (seen.length === 2) break;
    }
    assert.equal(seen.length, 2, 'both temporary files hold the first target');
    assert.ok(seen.every((name) => /^\.(?:new|kept)\.jsonl\.\d+-[0-9a-f]{12}\.tmp$/.test(name)), seen.join(' '));
    assert.equal(existsSync(join(dir, 'new.jsonl')), false);
    assert.equal(readFileSync(join(dir, 'kept.jsonl'), 'utf8'), 'old\n');
    const run = await running;
    assert.equal(run.code, 2, run.stderr);
    assert.deepEqual(temps(dir), []);
    for (const name of ['new.jsonl', 'kept.jsonl']) {
      const lines = readFileSync(join(dir, name), 'utf8').trim().split('\n');
      assert.equal(lines.length, 3, name);
    }
    assert.equal(statSync(join(dir, 'kept.jsonl')).mode & 0o777, 0o600);
    writeFileSync(join(dir, 'plain'), '');
    assert.equal(statSync(join(dir, 'new.jsonl')).mode & 0o777, statSync(join(dir, 'plain')).mode & 0o777);
  });
});

describe('--baseline-write beside --output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-outputs-baseline-'));
  before(build);
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[]) => runCli(['audit', ...args], { cwd: dir });
  const refused = (run: { code: number | null; stderr: string }, line: string) => {
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim(), `redfort: ${line}`);
  };

  it('--baseline-write and an --output that name one file (another spelling, a hard link) are refused, as two -o are (QA37-8)', async () => {
    writeFileSync(join(dir, 'b.conf'), 'port 6379\nbind 127.0.0.1\n');
    refused(await cli(['--config', 'b.conf', '--redis-version', '7.2.4', '--baseline-write', 'b2.json', '-o', 'sarif=b2.json']), '--output sarif=b2.json and --baseline-write b2.json name the same file: the one written last would replace the other');
    refused(await cli(['--config', 'b.conf', '--redis-version', '7.2.4', '-o', 'json=./same.json', '--baseline-write', 'same.json']), '--output json=./same.json and --baseline-write same.json name the same file: the one written last would replace the other');
    assert.equal(existsSync(join(dir, 'b2.json')), false);
    writeFileSync(join(dir, 'old.json'), '{}');
    linkSync(join(dir, 'old.json'), join(dir, 'hard.json'));
    refused(await cli(['--config', 'b.conf', '--redis-version', '7.2.4', '-o', 'json=hard.json', '--baseline-write', 'old.json', '--force']), '--output json=hard.json and --baseline-write old.json name the same file: the one written last would replace the other');
    // Different files: both written, the baseline a baseline.
    const ok = await cli(['--config', 'b.conf', '--redis-version', '7.2.4', '-o', 'json=r.json', '--baseline-write', 'base.json', '--fail-on', 'none']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).targets);
    assert.equal(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).tool.name, 'redfort');
    assert.notDeepEqual(Object.keys(JSON.parse(readFileSync(join(dir, 'base.json'), 'utf8'))), Object.keys(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'))));
  });
});
