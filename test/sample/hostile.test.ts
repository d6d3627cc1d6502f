import assert from 'node:assert/strict';
import type net from 'node:net';
import { test } from 'node:test';
import { sampleKeyspace } from '../../src/gather/sample/sample.ts';
import { parseInfo } from '../../src/redis/info.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { arr, bulk, startFakeServer } from '../helpers/fake-resp-server.ts';

// A hostile server (a fake one: no real server sends these) cannot make the sampler allocate without bound,
// scan forever or outlast its budgets.

/** Writes `unit` forever (with backpressure) until the client hangs up; resolves with the bytes written. */
function flood(socket: net.Socket, head: string, unit: string): Promise<number> {
  return new Promise((resolve) => {
    const chunk = Buffer.from(unit.repeat(Math.max(1, Math.floor(65536 / unit.length))));
    let written = 0;
    const done = (): void => resolve(written);
    socket.once('close', done);
    socket.write(head);
    const pump = (): void => {
      while (!socket.destroyed) {
        written += chunk.length;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

async function sampleFake(handler: Parameters<typeof startFakeServer>[0], request = {}) {
  const server = await startFakeServer(handler);
  try {
    const outcome = await sampleKeyspace(resolveTarget(`redis://127.0.0.1:${server.port}`, {}, {}), { keys: 100, timeMs: 3000, ...request }, { version: '7.0.15' });
    return { outcome, commands: server.commands };
  } finally {
    await server.close();
  }
}

test('an endless collection reply is cut at the per-reply limit, a few times at most, then sampling stops', async () => {
  const floods: Promise<number>[] = [];
  const { outcome, commands } = await sampleFake((argv, { socket }) => {
    const cmd = argv[0]!.toUpperCase();
    if (cmd === 'SCAN') return `*2\r\n${bulk('0')}${arr(...Array.from({ length: 10 }, (_, i) => bulk(`h:${i}`)))}`;
    if (cmd === 'TYPE') return '+hash\r\n';
    const written = flood(socket, '*100000000\r\n', '$3\r\nabc\r\n');
    floods.push(written);
    return written.then(() => null);
  });
  const bytes = await Promise.all(floods);
  assert.ok(outcome.ok);
  assert.match(outcome.facts.stopped ?? '', /stopped after 4 values over 1048576 bytes/);
  // Each flood was read up to the 1 MiB reply limit; what the server wrote beyond it sat in socket buffers.
  for (const b of bytes) assert.ok(b < 16 * 1024 * 1024, `the server wrote ${b} bytes before the sampler hung up`);
  assert.ok(floods.length <= 6, `${floods.length} connections were flooded`);
  assert.ok(commands.every((c) => ['SCAN', 'TYPE', 'HRANDFIELD'].includes(c[0]!.toUpperCase())));
});

test('a declared length beyond the limit is refused before anything is allocated', async () => {
  const { outcome } = await sampleFake((argv) => {
    const cmd = argv[0]!.toUpperCase();
    if (cmd === 'SCAN') return `*2\r\n${bulk('0')}*2000000000\r\n`;
    return null;
  });
  assert.ok(outcome.ok);
  assert.equal(outcome.facts.databases[0]?.keys, 0);
  assert.match(outcome.facts.stopped ?? '', /too large/);
});

test('a cursor that never ends, with ever new keys, stops at the key budget; with the same keys, at the scan budget', async () => {
  let n = 0;
  const fresh = await sampleFake((argv) => {
    const cmd = argv[0]!.toUpperCase();
    if (cmd === 'SCAN') return `*2\r\n${bulk('7')}${arr(...Array.from({ length: 100 }, () => bulk(`k:${n++}`)))}`;
    if (cmd === 'TYPE') return '+string\r\n';
    if (cmd === 'GETRANGE') return bulk('x');
    return null;
  }, { keys: 250 });
  assert.ok(fresh.outcome.ok);
  assert.equal(fresh.outcome.facts.databases[0]?.keys, 250);
  const same = await sampleFake((argv) => (argv[0]!.toUpperCase() === 'SCAN' ? `*2\r\n${bulk('7')}${arr(bulk('k:1'))}` : argv[0]!.toUpperCase() === 'TYPE' ? '+string\r\n' : bulk('x')), { keys: 1000 });
  assert.ok(same.outcome.ok);
  assert.equal(same.outcome.facts.databases[0]?.keys, 1);
  const scans = same.commands.filter((c) => c[0]!.toUpperCase() === 'SCAN').length;
  assert.ok(scans <= 1000 / 10 + 100, `${scans} SCANs`);
});

test('a server that trickles its reply is left at the time budget', async () => {
  const { outcome } = await sampleFake((argv, { socket }) => {
    const cmd = argv[0]!.toUpperCase();
    if (cmd !== 'SCAN') return null;
    // One byte at a time, forever: each byte resets an idle timeout, never the time budget.
    const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write('*')), 20);
    return null;
  }, { timeMs: 300 });
  assert.ok(outcome.ok);
  assert.equal(outcome.facts.databases[0]?.keys, 0);
  assert.match(outcome.facts.stopped ?? '', /time budget/);
});

test('wrong reply shapes are not values: a non-array SCAN reply stops sampling with the reason', async () => {
  const { outcome } = await sampleFake(() => bulk('not an array'));
  assert.ok(outcome.ok);
  assert.match(outcome.facts.stopped ?? '', /unexpected reply/);
});

test("the target's deadline (an AbortSignal) stops a sample the server holds up", async () => {
  const server = await startFakeServer(() => 'silence');
  try {
    const outcome = await sampleKeyspace(resolveTarget(`redis://127.0.0.1:${server.port}`, {}, {}), { timeMs: 60_000 }, { signal: AbortSignal.timeout(200) });
    assert.ok(outcome.ok);
    assert.match(outcome.facts.stopped ?? '', /cancelled/);
  } finally {
    await server.close();
  }
});

// Once sampling stopped, each database left was a note of its own: a hostile INFO keyspace of 300,000 databases made the
// rule's message 25 MB (every format carried it), and the audit 405 MB. One note names the first ten and counts the rest.
test('the databases left after sampling stopped are one note, not one each', async () => {
  const keyspace = Array.from({ length: 300_000 }, (_, i) => `db${i}:keys=1,expires=0,avg_ttl=0`).join('\r\n');
  const info = parseInfo(`# Server\r\nredis_version:7.0.15\r\n# Keyspace\r\n${keyspace}\r\n`);
  const server = await startFakeServer(() => '-ERR unknown command\r\n');
  try {
    const outcome = await sampleKeyspace(resolveTarget(`redis://127.0.0.1:${server.port}`, {}, {}), { keys: 100, timeMs: 3000 }, { version: '7.0.15', info });
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.reason);
    const notes = outcome.facts.notes;
    assert.match(notes.at(-1)!, /^db1, db2, db3, db4, db5, db6, db7, db8, db9, db10 and 299,989 more were not sampled: SCAN failed: ERR unknown command$/);
    assert.ok(notes.join('; ').length < 1_000, `notes of ${notes.join('; ').length} characters`);
  } finally {
    await server.close();
  }
});
