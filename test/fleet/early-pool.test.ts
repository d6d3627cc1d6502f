import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { wantsEarlyPoolWorker } from '../../src/cli/early-pool.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, runCli } from '../report/cli-run.ts';

// The CLI starts a fleet's worker thread before it loads its bundle (src/cli/early-pool.ts) when the command line
// says it will likely need one; the run adopts it (src/app/pool-offer.ts) or stops it.

describe('wantsEarlyPoolWorker', () => {
  const idle = () => ({ cores: 2, load: 0.5 });
  const busy = () => ({ cores: 2, load: 3 });
  it('for audit --targets with --jobs 2 or more, or auto where auto would start one', () => {
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'f.txt', '--jobs', '2'], busy), true);
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets=f.txt', '--jobs=4', '--format', 'jsonl'], busy), true);
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'f.txt'], idle), true);
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'f.txt'], () => ({ cores: 2, load: 1.9 })), true);
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'f.txt', '--jobs', 'auto', '-o', 'json=r.json'], idle), true);
    // A file whose name holds 'jsonl' is not a JSON Lines report.
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'hosts.jsonl.txt', '-o', 'json=r.json'], idle), true);
  });
  it('not for one job, another command, a single target, a loaded machine or a streamed run under auto', () => {
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'f.txt', '--jobs', '1'], idle), false);
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'f.txt', '--jobs=1'], idle), false);
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'f.txt', '--jobs', 'x'], idle), false);
    assert.equal(wantsEarlyPoolWorker(['audit', 'redis://127.0.0.1'], idle), false);
    assert.equal(wantsEarlyPoolWorker(['harden', '--targets', 'f.txt'], idle), false);
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'f.txt'], busy), false);
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'f.txt'], () => ({ cores: 2, load: 2 })), false);
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'f.txt'], () => ({ cores: 1, load: 0 })), false);
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'f.txt', '--format', 'jsonl'], idle), false);
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'f.txt', '-o', 'jsonl=r.jsonl'], idle), false);
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'f.txt', '--format=json,jsonl'], idle), false);
    assert.equal(wantsEarlyPoolWorker(['audit', '--targets', 'f.txt', '--summary-only'], idle), false);
  });
});

let dir: string;
let server: RunningServer;

before(async () => {
  await build();
  dir = await mkdtemp(join(tmpdir(), 'redfort-early-pool-'));
  server = await startRedis();
});

after(async () => {
  await stopAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a worker started early that the run does not need', () => {
  it('is stopped: one target with --jobs 2 gives the report of one thread, and the process ends', async () => {
    const list = join(dir, 'one.txt');
    await writeFile(list, `redis://127.0.0.1:${server.port}\n`);
    const common = ['audit', '--targets', list, '--no-probe', '--fail-on', 'none', '--format', 'json'];
    const [one, two] = await Promise.all([runCli([...common, '--jobs', '1']), runCli([...common, '--jobs', '2'])]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    assert.equal(two.stderr, one.stderr);
    const strip = (text: string) => text.replace(/"(generatedAt|durationMs|time|uptime[A-Za-z]*)": [^,\n]*/g, '');
    assert.equal(strip(two.stdout), strip(one.stdout));
  });

  it('does not hold a run that fails before it audits: a missing inventory is one line, exit 2', async () => {
    const run = await runCli(['audit', '--targets', join(dir, 'missing.txt'), '--jobs', '2'], { killAfterMs: 20_000 });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /missing\.txt: cannot read the --targets file/);
    assert.equal(run.stderr.split('\n').filter(Boolean).length, 1, run.stderr);
  });
});
