import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { lateTimeout } from '../../src/util/late-timer.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// A real redis-server: it answers while this process is busy (a server in this process could not).
let port: number;
before(async () => {
  port = (await startRedis({})).port;
});
after(stopAll);

/** Busy for `ms` on the next tick, with nothing else running. */
function busyOnNextTick(ms: number): Promise<void> {
  return new Promise((resolve) => process.nextTick(() => {
    const until = Date.now() + ms;
    while (Date.now() < until);
    resolve();
  }));
}

async function connected(): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

test('a reply that came in time while the program was busy is read before the timer fires', async () => {
  const socket = await connected();
  let fired = false;
  const got = new Promise<string>((resolve) => socket.once('data', (chunk) => {
    timer.cancel();
    resolve(chunk.toString());
  }));
  const timer = lateTimeout(() => { fired = true; }, 50);
  socket.write('PING\r\n');
  await busyOnNextTick(250);
  assert.equal(await got, '+PONG\r\n');
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(fired, false);
  socket.destroy();
});

test('with no reply, it fires after its time', async () => {
  const socket = await connected();
  const started = Date.now();
  await new Promise<void>((resolve) => lateTimeout(resolve, 50));
  assert.ok(Date.now() - started >= 45);
  socket.destroy();
});

test('cancelled after it came due but before it fired, it does not fire', async () => {
  let fired = false;
  const timer = lateTimeout(() => { fired = true; }, 10);
  // A timer made after it with the same delay runs right after it, in the same turn: lateTimeout's has come due and
  // put off its call, which has not run yet.
  await new Promise<void>((resolve) => setTimeout(() => {
    timer.cancel();
    resolve();
  }, 10));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(fired, false);
});
