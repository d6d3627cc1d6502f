import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { audit } from '../src/app/audit.ts';
import { resolveTarget } from '../src/redis/target.ts';
import { bulk, startFakeServer } from './helpers/fake-resp-server.ts';
import type { FakeServer } from './helpers/fake-resp-server.ts';
import { eventually } from './harness/wait.ts';
import { startRedis, stopAll } from './harness/servers.ts';

const fakes: FakeServer[] = [];
after(() => Promise.all(fakes.map((f) => f.close())));

test('a silent target runs out of --target-timeout alone: its connection is closed and the healthy target is reported', async () => {
  let closed = false;
  const silent = await startFakeServer(() => 'silence', { onConnection: (socket) => socket.on('close', () => (closed = true)) });
  const healthy = await startFakeServer((argv) => (argv[0] === 'INFO' ? bulk('# Server\r\nredis_version:7.2.4\r\n') : '-ERR unknown command\r\n'));
  fakes.push(silent, healthy);
  const report = await audit(
    [resolveTarget(`redis://127.0.0.1:${silent.port}`, {}, {}), resolveTarget(`redis://127.0.0.1:${healthy.port}`, {}, {})],
    // The deadline is the healthy target's too: 3 s leaves it room on a loaded 2-core machine (300 ms did not).
    { commandTimeoutMs: 600_000, targetTimeoutMs: 3000, noProbe: true, noHost: true },
  );
  assert.match(report.targets[0]!.error ?? '', /took longer than its 3000 ms/);
  assert.equal(report.targets[1]!.error, undefined);
  // Closed long before its 600 s command timeout; how soon after the deadline depends on the load.
  await eventually('the aborted connection to close', async () => closed, { timeoutMs: 10_000, intervalMs: 20 });
});

test('a program run for host facts (the packet filter) is killed at the deadline of the target that waits for it', async (t) => {
  // An nft that never answers: it was left running until its own 10 s timeout, past the target's deadline (and
  // the run waited for it before it could exit).
  const bin = mkdtempSync(join(tmpdir(), 'redfort-slow-nft-'));
  const pidFile = join(bin, 'nft.pid');
  writeFileSync(join(bin, 'nft'), `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 60\n`);
  chmodSync(join(bin, 'nft'), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path ?? ''}`;
  t.after(async () => {
    process.env.PATH = path;
    await stopAll();
    rmSync(bin, { recursive: true, force: true });
  });
  const server = await startRedis({ killOnStop: true });
  const report = await audit([resolveTarget(server.url, {}, {})], { targetTimeoutMs: 2000, noProbe: true });
  assert.match(report.targets[0]!.error ?? '', /took longer than its 2000 ms/);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // Killed when the target gave up: long before nft's own 10 s timeout, however loaded the machine.
  await eventually('the slow nft to be killed', async () => !alive(), { timeoutMs: 6000, intervalMs: 20 });
});
