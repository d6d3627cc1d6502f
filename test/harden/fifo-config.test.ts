// QA41-52: `harden redis://…` of a local server whose config file was replaced by a FIFO (its own user can do that)
// hung for ever: the readability check opened the path with a plain synchronous open, which waits for a writer and
// blocks the whole event loop, timers and signal handlers with it. It goes through the one reader's checks now (a
// regular file only, opened non-blocking): one line naming the file, exit 2.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startRedis, stopAll } from '../harness/servers.ts';
import { runNode } from '../report/cli-run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-fifo-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('harden of a server whose config file is now a FIFO (QA41-52)', () => {
  it('refuses in one line naming the file, exit 2, without waiting on the FIFO', async () => {
    const server = await startRedis({ conf: 'save ""' });
    unlinkSync(server.confPath);
    execFileSync('mkfifo', [server.confPath]);
    const out = join(work, 'out');
    const started = Date.now();
    // In a process of its own, killed after 40 s: a blocked open would hang this one, and no timer could fire.
    const run = await runNode(['--import', 'tsx', 'src/cli/bin.ts', 'harden', server.url, '--out', out], { killAfterMs: 40_000 });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.ok(run.stderr.includes(server.confPath) && /FIFO/.test(run.stderr), run.stderr);
    assert.ok(Date.now() - started < 40_000);
    assert.equal(existsSync(out), false);
  });
});
