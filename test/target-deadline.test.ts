import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { audit } from '../src/app/audit.ts';
import { resolveTarget } from '../src/redis/target.ts';
import { bulk, startFakeServer } from './helpers/fake-resp-server.ts';
import type { FakeServer } from './helpers/fake-resp-server.ts';
import { eventually } from './harness/wait.ts';

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
