// QA39-57: a fleet run's streamed output grows in a temporary file beside it (`.FILE.PID-RANDOM.tmp`), renamed over
// FILE when the run ends. Interrupted (Ctrl-C, a CI job's SIGTERM), the process ended by the signal's default action,
// without 'exit', and the partial report (users, ACL rules, findings) stayed there, one more per interrupted run. Now it
// is removed, the output is as it was, and the run still ends by the signal (a shell's 130, 143).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build, ROOT } from '../report/cli-run.ts';

describe('an interrupted fleet run leaves no partial report (QA39-57)', () => {
  let dir: string;
  // A target that takes the connection and never answers: the run lasts until its (long) timeout.
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  before(async () => {
    await build();
    dir = await mkdtemp(join(tmpdir(), 'redfort-interrupted-'));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    silent.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const [signal, format] of [['SIGINT', 'jsonl'], ['SIGTERM', 'json']] as const) {
    it(`${signal} during a run writing -o ${format}=FILE: the temporary file is removed, FILE is as it was, the run ends by ${signal}`, async () => {
      const file = join(dir, `keep.${format}`);
      await writeFile(file, 'old\n');
      const list = join(dir, 'list.txt');
      await writeFile(list, `redis://127.0.0.1:${(silent.address() as AddressInfo).port}\n`);
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'redfort.mjs'), 'audit', '--targets', list, '--no-host', '--no-probe',
        '--timeout', '600000', '--target-timeout', '600000', '-o', `${format}=${file}`, '--fail-on', 'none', '--quiet'], { stdio: 'ignore' });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
      const temps = async (): Promise<string[]> => (await readdir(dir)).filter((name) => name.startsWith(`.keep.${format}.`) && name.endsWith('.tmp'));
      try {
        for (let waited = 0; waited < 60_000 && (await temps()).length === 0; waited += 100) await new Promise((r) => setTimeout(r, 100));
        assert.equal((await temps()).length, 1, 'the run writes into its temporary file');
        child.kill(signal);
        assert.equal(await exited, signal);
        assert.deepEqual(await temps(), []);
        assert.equal(await readFile(file, 'utf8'), 'old\n');
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
    });
  }
});
