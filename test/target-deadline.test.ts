import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { audit } from '../src/app/audit.ts';
import { resolveTarget } from '../src/redis/target.ts';
import { bulk, startFakeServer } from './helpers/fake-resp-server.ts';
import type { FakeServer } from './helpers/fake-resp-server.ts';

const fakes: FakeServer[] = [];
after(() => Promise.all(fakes.map((f) => f.close())));

test('a silent target runs out of --target-timeout alone: its connection is closed and the healthy target is reported', async () => {
  let closed = false;
  const silent = await startFakeServer(() => 'silence', { onConnection: (socket) => socket.on('close', () => (closed = true)) });
  const healthy = await startFakeServer((argv) => (argv[0] === 'INFO' ? bulk('# Server\r\nredis_version:7.2.4\r\n') : '-ERR unknown command\r\n'));
  fakes.push(silent, healthy);
  const report = await audit(
    [resolveTarget(`redis://127.0.0.1:${silent.port}`, {}, {}), resolveTarget(`redis://127.0.0.1:${healthy.port}`, {}, {})],
    { commandTimeoutMs: 600_000, targetTimeoutMs: 300, noProbe: true, noHost: true },
  );
  assert.match(report.targets[0]!.error ?? '', /took longer than its 300 ms/);
  assert.equal(report.targets[1]!.error, undefined);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(closed, true, 'the aborted connection is closed, not left to its command timeout');
});
