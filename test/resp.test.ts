import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BulkList, connect, ConnectionError, NullMask, ReplyError } from '../src/gather/live/resp.ts';
import type { ConnectOptions, Reply, RespConnection } from '../src/gather/live/resp.ts';
import { arr, bulk, err, int, simple, startFakeServer } from './helpers/fake-resp-server.ts';
import type { FakeHandler, FakeServer, FakeServerOptions } from './helpers/fake-resp-server.ts';
import { freePort } from './harness/servers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'redfort-resp-'));
const servers: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

after(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup()));
  await Promise.all(servers.map(stopProcess));
  rmSync(tmp, { recursive: true, force: true });
});

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Starts a redis-server in its own temp dir and resolves once it accepts connections. */
async function startRedis(extra: string[], options: { tls?: boolean } = {}): Promise<number> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmp, 'redis-'));
  const portArgs = options.tls ? ['--port', '0', '--tls-port', String(port)] : ['--port', String(port)];
  const child = spawn(
    'redis-server',
    [...portArgs, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  servers.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  return port;
}

async function fake(handler: FakeHandler, options?: FakeServerOptions): Promise<FakeServer> {
  const server = await startFakeServer(handler, options);
  cleanups.push(() => server.close());
  return server;
}

/**
 * A fake-server handler that writes `wire` in `chunkBytes` pieces, yielding after each write so
 * that the client reads them as separate chunks; then sends nothing more.
 */
function dribble(wire: Buffer | string, chunkBytes: number): FakeHandler {
  const bytes = Buffer.from(wire);
  return async (_argv, { socket }) => {
    for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
      socket.write(bytes.subarray(offset, offset + chunkBytes));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return null;
  };
}

async function open(port: number, options: Partial<ConnectOptions> = {}): Promise<RespConnection> {
  const conn = await connect({ host: '127.0.0.1', port, ...options });
  cleanups.push(() => conn.close());
  return conn;
}

async function rejection(promise: Promise<unknown>): Promise<ConnectionError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConnectionError, `expected a ConnectionError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

/** A loopback port that accepts connections and never answers (closed, with its sockets, after the file). */
async function silentListener(): Promise<number> {
  const silent = net.createServer(() => {});
  const sockets: net.Socket[] = [];
  silent.on('connection', (socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => silent.close(() => resolve()));
  });
  return (silent.address() as net.AddressInfo).port;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('against a real redis-server', () => {
  let plain: number;
  let secured: number;

  before(async () => {
    [plain, secured] = await Promise.all([startRedis([]), startRedis(['--requirepass', 'hunter2'])]);
  });

  test('pipeline returns replies in order, errors in place, and the connection stays usable', async () => {
    const conn = await open(plain);
    const replies = await conn.pipeline([
      ['PING'],
      ['INFO', 'server'],
      ['CONFIG', 'GET', '*'],
      ['ACL', 'LIST'],
      ['NOSUCHCOMMAND', 'x'],
      ['PING', 'still here'],
    ]);
    assert.equal(replies.length, 6);
    assert.equal(replies[0], 'PONG');
    assert.match(replies[1] as string, /redis_version:7\.0\.15/);
    const config = replies[2] as string[];
    assert.ok(Array.isArray(config) && config.length > 100 && config.length % 2 === 0);
    assert.equal(config[config.indexOf('protected-mode') + 1], 'yes');
    assert.deepEqual(replies[3], ['user default on nopass ~* &* +@all']);
    const unknown = replies[4];
    assert.ok(unknown instanceof ReplyError);
    assert.equal(unknown.code, 'ERR');
    assert.match(unknown.message, /unknown command 'NOSUCHCOMMAND'/);
    assert.equal(replies[5], 'still here');
    assert.equal(await conn.command(['ECHO', 'again']), 'again');
  });

  test('a connection made in time while the program was busy is taken, not timed out', async () => {
    const pending = open(plain, { connectTimeoutMs: 50 });
    // net.connect starts connecting on the next tick; the program is busy right after, past the timeout.
    await new Promise<void>((resolve) => process.nextTick(() => {
      const until = Date.now() + 250;
      while (Date.now() < until);
      resolve();
    }));
    const conn = await pending;
    assert.equal(await conn.command(['PING']), 'PONG');
    conn.close();
  });

  test('a reply that came in time while the program was busy is read, not timed out', async () => {
    const conn = await open(plain, { commandTimeoutMs: 50 });
    const reply = conn.pipeline([['PING'], ['ECHO', 'in time']]);
    // The pipeline leaves on the next tick; then the program is busy past the timeout while the server answers, so
    // the timer is due before the socket is read again.
    await new Promise<void>((resolve) => process.nextTick(() => {
      const until = Date.now() + 250;
      while (Date.now() < until);
      resolve();
    }));
    assert.deepEqual(await reply, ['PONG', 'in time']);
    assert.equal(conn.closed, false);
    conn.close();
  });

  test('integers, nulls, UTF-8 and CRLF inside values round-trip', async () => {
    const conn = await open(plain);
    const value = 'héllo\r\nwörld ✓';
    const replies = await conn.pipeline([
      ['DEL', 'k', 'n'],
      ['SET', 'k', value],
      ['GET', 'k'],
      ['GET', 'missing'],
      ['INCRBY', 'n', '-42'],
      ['STRLEN', 'k'],
    ]);
    assert.deepEqual(replies.slice(1), ['OK', value, null, -42, Buffer.byteLength(value)]);
  });

  test('RESP3 after an explicit HELLO 3: maps, doubles, nulls, sets', async () => {
    const conn = await open(plain);
    const [hello, config, score, missing, members] = await conn.pipeline([
      ['HELLO', '3'],
      ['CONFIG', 'GET', 'maxmemory'],
      ['ZINCRBY', 'z', '1.5', 'a'],
      ['GET', 'missing'],
      ['SMEMBERS', 'nosuchset'],
    ]);
    assert.ok(hello instanceof Map);
    assert.equal(hello.get('server'), 'redis');
    assert.equal(hello.get('proto'), 3);
    assert.deepEqual(config, new Map([['maxmemory', '0']]));
    assert.equal(typeof score, 'number');
    assert.ok((score as number) >= 1.5);
    assert.equal(missing, null);
    assert.deepEqual(members, []);
  });

  test('NOAUTH and WRONGPASS are values; AUTH then works', async () => {
    const conn = await open(secured);
    const [ping, wrong, after, right, pong] = await conn.pipeline([
      ['PING'],
      ['AUTH', 'nope'],
      ['PING'],
      ['AUTH', 'hunter2'],
      ['PING'],
    ]);
    assert.ok(ping instanceof ReplyError);
    assert.equal(ping.code, 'NOAUTH');
    assert.ok(wrong instanceof ReplyError);
    assert.equal(wrong.code, 'WRONGPASS');
    assert.ok(after instanceof ReplyError && after.code === 'NOAUTH');
    assert.equal(right, 'OK');
    assert.equal(pong, 'PONG');
  });

  test('NOPERM for a limited ACL user, while allowed commands work', async () => {
    const admin = await open(secured);
    assert.equal(await admin.command(['AUTH', 'hunter2']), 'OK');
    assert.equal(await admin.command(['ACL', 'SETUSER', 'limited', 'on', '>lpw', '-@all', '+ping', '+get', '~*']), 'OK');
    const conn = await open(secured);
    const [auth, ping, get, config] = await conn.pipeline([
      ['AUTH', 'limited', 'lpw'],
      ['PING'],
      ['GET', 'k'],
      ['CONFIG', 'GET', '*'],
    ]);
    assert.equal(auth, 'OK');
    assert.equal(ping, 'PONG');
    assert.equal(get, null);
    assert.ok(config instanceof ReplyError);
    assert.equal(config.code, 'NOPERM');
  });

  test("a reply wanted as a 'bulk-list' keeps its members as bytes, the same members as decoded; other replies as usual", async () => {
    const conn = await open(plain);
    const commands = [['ACL', 'CAT', 'dangerous'], ['ACL', 'CAT', 'nosuchcategory'], ['PING'], ['ACL', 'CAT', 'admin'], ['ECHO', 'x']];
    const decoded = await conn.pipeline(commands);
    // A second call sent while the first waits: each reply takes its own call's shape.
    const [, shaped] = await Promise.all([conn.pipeline([['PING'], ['ACL', 'CAT', 'keyspace']], [undefined, 'bulk-list']), conn.pipeline(commands, ['bulk-list', 'bulk-list', undefined, 'bulk-list', 'bulk-list'])]);
    for (const i of [0, 3]) {
      const list = shaped[i];
      assert.ok(list instanceof BulkList, `reply ${i} is a BulkList`);
      assert.ok(list.length > 5);
      // The same members; a server may list them in another order from one call to the next (its dict rehashing).
      assert.deepEqual(list.texts().sort(), [...(decoded[i] as string[])].sort());
      assert.deepEqual(Array.from({ length: list.length }, (_, k) => list.text(k)), list.texts());
    }
    assert.ok(shaped[1] instanceof ReplyError);
    assert.equal(shaped[2], 'PONG');
    // Not an array: a bulk string wanted as a list is a string.
    assert.equal(shaped[4], 'x');
    assert.equal(await conn.command(['ECHO', 'after']), 'after');
  });

  test("COMMAND INFO wanted as 'nulls' tells which commands are there, as the decoded reply does", async () => {
    const conn = await open(plain);
    const names = ['config', 'nosuchcommand', 'flushall', 'acl', 'alsonothere', 'keys'];
    const [decoded] = await conn.pipeline([['COMMAND', 'INFO', ...names]]);
    const [mask, after] = await conn.pipeline([['COMMAND', 'INFO', ...names], ['PING']], ['nulls', 'nulls']);
    assert.ok(mask instanceof NullMask);
    assert.deepEqual(mask.present, [true, false, true, true, false, true]);
    assert.deepEqual(mask.present, (decoded as Reply[]).map((entry) => entry !== null));
    assert.equal(after, 'PONG');
  });

  test('nothing is sent at connect', async () => {
    const admin = await open(secured);
    await admin.command(['AUTH', 'hunter2']);
    const before = (await admin.command(['INFO', 'stats'])) as string;
    const idle = await open(secured);
    await pause(50);
    const clients = (await admin.command(['CLIENT', 'LIST'])) as string;
    const stats = (await admin.command(['INFO', 'stats'])) as string;
    const processed = (info: string) => Number(/total_commands_processed:(\d+)/.exec(info)?.[1]);
    // Only the admin's own CLIENT LIST and INFO ran in between.
    assert.equal(processed(stats) - processed(before), 2);
    assert.match(clients, /cmd=NULL/);
    await idle.close();
  });
});

test('a closed port is refused, not timed out', async () => {
  const port = await freePort();
  const error = await rejection(connect({ host: '127.0.0.1', port }));
  assert.equal(error.kind, 'refused');
  assert.equal(error.message, 'connection refused');
});

test('IPv6 literal hosts connect without brackets', async () => {
  const server = await fake(() => simple('PONG'), { host: '::1' });
  const conn = await open(server.port, { host: '::1' });
  assert.equal(await conn.command(['PING']), 'PONG');
});

test('a DNS failure has kind dns', async () => {
  const error = await rejection(connect({ host: 'no-such-host.invalid', port: 6379 }));
  assert.equal(error.kind, 'dns');
});

test('a listener that never answers times out after the command timeout, for every pending command', async () => {
  const conn = await open(await silentListener(), { commandTimeoutMs: 300 });
  const started = Date.now();
  const [first, second] = await Promise.allSettled([conn.command(['PING']), conn.pipeline([['PING'], ['PING']])]);
  const elapsed = Date.now() - started;
  assert.ok(first.status === 'rejected' && second.status === 'rejected');
  assert.equal((first.reason as ConnectionError).kind, 'timeout');
  assert.equal((first.reason as ConnectionError).message, 'timed out after 300 ms waiting for a reply');
  assert.equal(second.reason, first.reason);
  // Not before the timeout; how long after it depends on the machine's load, so it is not asserted here.
  assert.ok(elapsed >= 280, `elapsed ${elapsed} ms`);
  assert.equal(conn.closed, true);
  assert.equal((await rejection(conn.command(['PING']))).kind, 'timeout');
});

test('a TLS handshake with a silent peer hits the connect timeout', async () => {
  const server = await fake(() => null);
  const started = Date.now();
  const error = await rejection(
    connect({ host: server.host, port: server.port, tls: { rejectUnauthorized: false }, connectTimeoutMs: 200 }),
  );
  assert.equal(error.kind, 'timeout');
  assert.equal(error.message, 'connect timed out after 200 ms');
  assert.ok(Date.now() - started >= 190, 'not before the connect timeout');
});

describe('TLS against a real redis-server', () => {
  let cert: string;
  let key: string;
  let tlsNoAuth: number;
  let tlsAuth: number;

  before(async () => {
    cert = join(tmp, 'c.pem');
    key = join(tmp, 'k.pem');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '2',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
    ]);
    const tlsArgs = ['--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert];
    [tlsNoAuth, tlsAuth] = await Promise.all([
      startRedis([...tlsArgs, '--tls-auth-clients', 'no'], { tls: true }),
      startRedis([...tlsArgs, '--tls-auth-clients', 'yes', '--tls-protocols', 'TLSv1.3'], { tls: true }),
    ]);
  });

  test('rejectUnauthorized:false connects and reports the negotiated parameters', async () => {
    const conn = await open(tlsNoAuth, { tls: { rejectUnauthorized: false } });
    assert.equal(await conn.command(['PING']), 'PONG');
    const info = conn.tlsInfo();
    assert.ok(info);
    assert.equal(info.protocol, 'TLSv1.3');
    assert.equal(info.authorized, false);
    assert.equal(info.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal(info.peerCertificate?.subject.CN, 'localhost');
  });

  test('options reach tls.connect verbatim: ca, servername, maxVersion', async () => {
    const conn = await open(tlsNoAuth, {
      tls: { ca: readFileSync(cert), servername: 'localhost', maxVersion: 'TLSv1.2' },
    });
    assert.equal(await conn.command(['PING']), 'PONG');
    const info = conn.tlsInfo();
    assert.equal(info?.protocol, 'TLSv1.2');
    assert.equal(info?.authorized, true);
    assert.equal(info?.authorizationError, undefined);
  });

  test('an untrusted certificate fails the handshake with kind tls', async () => {
    const error = await rejection(connect({ host: '127.0.0.1', port: tlsNoAuth, tls: {} }));
    assert.equal(error.kind, 'tls');
    assert.equal(error.message, 'TLS handshake failed: self-signed certificate');
  });

  test('a plaintext client on the TLS port fails on its first command', async () => {
    const conn = await open(tlsNoAuth, { commandTimeoutMs: 2000 });
    const error = await rejection(conn.command(['PING']));
    assert.ok(['reset', 'closed'].includes(error.kind), `kind ${error.kind}: ${error.message}`);
  });

  test('TLS 1.3 without a client certificate: the alert surfaces on the first command', async () => {
    const conn = await open(tlsAuth, { tls: { rejectUnauthorized: false } });
    assert.equal(conn.tlsInfo()?.protocol, 'TLSv1.3');
    const error = await rejection(conn.command(['PING']));
    assert.equal(error.kind, 'tls');
    assert.match(error.message, /^TLS error: .*certificate required/);
    // The alert alone did not say what to change (qa, stop 29).
    assert.match(error.message, /certificate required: the server requires a client certificate \(--cert and --key\)$/);
  });

  test('mTLS with cert and key passed through works', async () => {
    const conn = await open(tlsAuth, {
      tls: { ca: readFileSync(cert), cert: readFileSync(cert), key: readFileSync(key), servername: 'localhost' },
    });
    assert.equal(await conn.command(['PING']), 'PONG');
  });
});

describe('against hostile or unusual servers', () => {
  async function protocolError(reply: string | Buffer, options: Partial<ConnectOptions> = {}): Promise<ConnectionError> {
    const server = await fake(() => reply);
    const conn = await open(server.port, options);
    // Both commands fail with the protocol error itself, not with a timeout (asserted on the kind below).
    const [first, second] = await Promise.allSettled([conn.command(['PING']), conn.command(['PING'])]);
    assert.ok(first.status === 'rejected' && second.status === 'rejected');
    assert.equal(second.reason, first.reason);
    const error = first.reason as ConnectionError;
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.kind, 'protocol');
    assert.equal(conn.closed, true);
    return error;
  }

  test('a huge declared bulk length is refused before any data', async () => {
    const error = await protocolError('$9999999999\r\n');
    assert.equal(error.message, 'reply too large: bulk length 9999999999 exceeds 67108864 bytes');
  });

  test('a huge declared array length is refused', async () => {
    const error = await protocolError('*9999999999\r\n');
    assert.equal(error.message, 'reply too large: array length 9999999999 exceeds 67108864');
  });

  test('a bulk length above a custom cap is refused', async () => {
    const error = await protocolError('$2000\r\n', { maxReplyBytes: 1000 });
    assert.equal(error.message, 'reply too large: bulk length 2000 exceeds 1000 bytes');
  });

  test('many small elements adding up beyond the cap are refused', async () => {
    const error = await protocolError(arr(...Array.from({ length: 100 }, () => bulk('x'.repeat(20)))), {
      maxReplyBytes: 1000,
    });
    assert.equal(error.message, 'reply too large: more than 1000 bytes');
  });

  test('the replies of one call are bounded together, each reply within its own cap', async () => {
    const reply = bulk('x'.repeat(600));
    const server = await fake(() => reply);
    // Ten replies of 611 bytes: each within maxReplyBytes, 6,110 bytes together.
    const within = await open(server.port, { maxReplyBytes: 1000, maxCallBytes: 7000 });
    assert.equal((await within.pipeline(Array.from({ length: 10 }, () => ['PING']))).length, 10);
    // The budget is per call: a second call of the same size on this connection is answered as well.
    assert.equal((await within.pipeline(Array.from({ length: 10 }, () => ['PING']))).length, 10);
    const beyond = await open(server.port, { maxReplyBytes: 1000, maxCallBytes: 5000 });
    const error = await rejection(beyond.pipeline(Array.from({ length: 10 }, () => ['PING'])));
    assert.equal(error.kind, 'protocol');
    assert.equal(error.message, 'replies too large: more than 5000 bytes for 10 commands');
    assert.equal(beyond.closed, true);
  });

  test("a call of one command past the call's bound says so in the singular", async () => {
    // It said 'replies too large: more than 5000 bytes for 1 commands'.
    const server = await fake(() => bulk('x'.repeat(6000)));
    const conn = await open(server.port, { maxReplyBytes: 10_000, maxCallBytes: 5000 });
    const error = await rejection(conn.command(['PING']));
    assert.equal(error.kind, 'protocol');
    assert.equal(error.message, 'reply too large: more than 5000 bytes for 1 command');
  });

  test('by default one call takes at most 64 MiB of replies: four of 20 MiB, each within the per-reply cap, are refused', async () => {
    const big = Buffer.concat([Buffer.from(`$${20 * 1024 * 1024}\r\n`), Buffer.alloc(20 * 1024 * 1024, 'y'), Buffer.from('\r\n')]);
    const server = await fake(() => big);
    const conn = await open(server.port, { commandTimeoutMs: 60_000 });
    const error = await rejection(conn.pipeline(Array.from({ length: 4 }, () => ['PING'])));
    assert.equal(error.kind, 'protocol');
    assert.equal(error.message, `replies too large: more than ${64 * 1024 * 1024} bytes for 4 commands`);
  });

  test('a line that never ends is refused once it passes the cap', async () => {
    const error = await protocolError(`+${'a'.repeat(5000)}`, { maxReplyBytes: 1000 });
    assert.equal(error.message, 'reply too large: more than 1000 bytes');
  });

  test("a 'bulk-list' reply holding anything but bulk strings, or arriving in pieces, is decoded as usual", async () => {
    const lists = [arr(bulk('a'), bulk(null), bulk('b')), arr(bulk('a'), int(3)), arr(arr(bulk('a')), bulk('b')), arr(), '*-1\r\n', arr(bulk('x\r\ny'), bulk('é'))];
    const server = await fake((argv) => lists[Number(argv[1])]!);
    const conn = await open(server.port);
    const replies = await conn.pipeline(lists.map((_, i) => ['GET', String(i)]), lists.map(() => 'bulk-list'));
    assert.deepEqual(replies.slice(0, 5), [['a', null, 'b'], ['a', 3], [['a'], 'b'], [], null]);
    assert.ok(replies[5] instanceof BulkList);
    assert.deepEqual(replies[5].texts(), ['x\r\ny', 'é']);
    const members = Array.from({ length: 50 }, (_, i) => bulk(`member-${i}`));
    const pieces = await fake(dribble(arr(...members), 97));
    const [cut] = await (await open(pieces.port)).pipeline([['ACL', 'CAT', 'x']], ['bulk-list']);
    assert.deepEqual(cut, Array.from({ length: 50 }, (_, i) => `member-${i}`));
  });

  test("a 'bulk-list' reply beyond the cap is refused as any other", async () => {
    const server = await fake(() => arr(...Array.from({ length: 100 }, () => bulk('x'.repeat(20)))));
    const conn = await open(server.port, { maxReplyBytes: 1000 });
    const error = await rejection(conn.pipeline([['ACL', 'CAT', 'x']], ['bulk-list']));
    assert.equal(error.message, 'reply too large: more than 1000 bytes');
  });

  test('an unknown type byte', async () => {
    const error = await protocolError('?garbage\r\n');
    assert.equal(error.message, 'unknown reply type byte 0x3f');
  });

  test('a negative length other than -1', async () => {
    assert.equal((await protocolError('$-5\r\n')).message, 'invalid bulk length -5');
    assert.equal((await protocolError('*-2\r\n')).message, 'invalid array length -2');
    assert.equal((await protocolError('%-1\r\n')).message, 'invalid map length -1');
  });

  test('a non-numeric length', async () => {
    assert.equal((await protocolError('$abc\r\n')).message, "invalid bulk length 'abc'");
    assert.equal((await protocolError('*\r\n')).message, "invalid array length ''");
  });

  test('a bad integer and a missing CRLF', async () => {
    assert.equal((await protocolError(':12x\r\n')).message, "invalid integer '12x'");
    assert.equal((await protocolError('$3\r\nabcd\r\n')).message, 'malformed reply: bulk string not ended by CRLF');
    assert.equal((await protocolError('+OK\n')).message, 'malformed reply: line not ended by CRLF');
  });

  test('nesting deeper than 64 is refused; 64 levels are fine', async () => {
    const error = await protocolError(`${'*1\r\n'.repeat(65)}:1\r\n`);
    assert.equal(error.message, 'reply nested deeper than 64 levels');

    const server = await fake(() => `${'*1\r\n'.repeat(64)}:7\r\n`);
    const conn = await open(server.port);
    let reply = await conn.command(['PING']);
    for (let depth = 0; depth < 64; depth++) {
      assert.ok(Array.isArray(reply) && reply.length === 1);
      reply = reply[0] as Reply;
    }
    assert.equal(reply, 7);
  });

  test('silence after a command is a timeout', async () => {
    const server = await fake(() => 'silence');
    const conn = await open(server.port, { commandTimeoutMs: 200 });
    const error = await rejection(conn.command(['PING']));
    assert.equal(error.kind, 'timeout');
  });

  test('bytes do not extend the deadline: a server that trickles a reply is cut off', async () => {
    const reply = bulk('x'.repeat(400));
    let stopped = false;
    cleanups.push(() => {
      stopped = true;
    });
    const server = await fake(async (_argv, { socket }) => {
      for (const byte of Buffer.from(reply)) {
        if (stopped || socket.destroyed) break;
        socket.write(Buffer.from([byte]));
        await pause(10);
      }
      return null;
    });
    const conn = await open(server.port, { commandTimeoutMs: 150 });
    // No gap reaches 150 ms, but the whole reply would take about 4 s.
    const error = await rejection(conn.command(['GET', 'k']));
    assert.equal(error.kind, 'timeout');
    assert.equal(conn.closed, true);
  });

  test('each call has its own deadline: a later call is not failed by an earlier one', async () => {
    const server = await fake(async (argv) => {
      if (argv[0] === 'SLOW') await pause(120);
      return simple('OK');
    });
    const conn = await open(server.port, { commandTimeoutMs: 2000 });
    assert.equal(await conn.command(['SLOW']), 'OK');
    assert.equal(await conn.command(['SLOW']), 'OK');
    assert.equal(await conn.command(['FAST']), 'OK');
  });

  test('an aborted signal fails pending commands and the connection with kind aborted', async () => {
    const server = await fake(() => 'silence');
    const controller = new AbortController();
    const conn = await open(server.port, { signal: controller.signal });
    const pending = rejection(conn.command(['PING']));
    controller.abort(new Error('the target deadline of 100 ms passed'));
    const error = await pending;
    assert.equal(error.kind, 'aborted');
    assert.equal(error.message, 'the target deadline of 100 ms passed');
    assert.equal(conn.closed, true);
  });

  test('a signal aborted before or during connect rejects the connect with kind aborted', async () => {
    const server = await fake(() => simple('PONG'));
    const aborted = AbortSignal.abort();
    assert.equal((await rejection(connect({ host: '127.0.0.1', port: server.port, signal: aborted }))).kind, 'aborted');
    // A listener that accepts TCP but never answers a TLS handshake: the connect waits until the abort.
    const port = await silentListener();
    const controller = new AbortController();
    const attempt = rejection(connect({ host: '127.0.0.1', port, tls: {}, connectTimeoutMs: 60_000, signal: controller.signal }));
    await pause(50);
    controller.abort();
    const error = await attempt;
    assert.equal(error.kind, 'aborted');
    assert.equal(error.message, 'aborted');
  });

  test('an early close mid-reply rejects pending commands with kind closed', async () => {
    const server = await fake((_argv, { socket }) => {
      socket.end('$10\r\nabc');
      return null;
    });
    const conn = await open(server.port);
    const [a, b] = await Promise.allSettled([conn.command(['GET', 'k']), conn.command(['PING'])]);
    assert.ok(a.status === 'rejected' && b.status === 'rejected');
    assert.equal((a.reason as ConnectionError).kind, 'closed');
    assert.equal((a.reason as ConnectionError).message, 'connection closed by server');
  });

  test('a reset rejects with kind reset', async () => {
    const server = await fake((_argv, { socket }) => {
      socket.resetAndDestroy();
      return null;
    });
    const conn = await open(server.port);
    assert.equal((await rejection(conn.command(['PING']))).kind, 'reset');
  });

  test('an error written at accept (protected mode) is kept for the close message', async () => {
    const denied = 'DENIED Redis is running in protected mode';
    const server = await fake(() => simple('PONG'), {
      onConnection: (socket) => socket.end(err(denied)),
    });
    const conn = await open(server.port);
    await pause(50);
    const error = await rejection(conn.command(['PING']));
    assert.equal(error.kind, 'closed');
    assert.equal(error.message, `connection closed by server: ${denied}`);
  });

  test('replies already received are delivered before a later failure', async () => {
    const server = await fake((argv) => (argv[0] === 'PING' ? simple('PONG') : 'close'));
    const conn = await open(server.port);
    const [ok, failed] = await Promise.allSettled([conn.command(['PING']), conn.command(['QUIT'])]);
    assert.deepEqual(ok, { status: 'fulfilled', value: 'PONG' });
    assert.equal(failed.status, 'rejected');
  });

  test('a reply that trickles byte by byte decodes to the right values', async () => {
    const reply = `*4\r\n${bulk('foo')}${int(42)}%1\r\n${simple('a')}#t\r\n${err('ERR nope')}`;
    const server = await fake(dribble(reply, 1));
    const conn = await open(server.port);
    const parsed = (await conn.command(['X'])) as Reply[];
    assert.equal(parsed.length, 4);
    assert.equal(parsed[0], 'foo');
    assert.equal(parsed[1], 42);
    assert.deepEqual(parsed[2], new Map([['a', true]]));
    assert.ok(parsed[3] instanceof ReplyError && parsed[3].message === 'ERR nope');
  });

  test('a 5 MB bulk delivered in 1 KB writes parses correctly (its speed is measured in bench/)', async () => {
    const payload = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = 0x61 + (i % 26);
    const wire = Buffer.concat([Buffer.from(`$${payload.length}\r\n`), payload, Buffer.from('\r\n')]);
    // The client reads ~5000 separate 1 KB chunks.
    const server = await fake(dribble(wire, 1024));
    const conn = await open(server.port);
    const reply = await conn.command(['GET', 'big']);
    assert.equal(typeof reply, 'string');
    assert.equal((reply as string).length, payload.length);
    assert.equal(reply, payload.toString('latin1'));
  });

  test('large bulks in an array, split anywhere, decode exactly; a bad terminator is refused', async () => {
    const big = Buffer.alloc(600 * 1024, 0x62).toString('latin1');
    const wire = Buffer.from(arr(bulk(big), bulk('after'), bulk(`${big}é`)));
    // 64 KiB + 1 writes: bodies arrive in many pieces, and the large ones start in the buffer of their header.
    const server = await fake(dribble(Buffer.concat([wire.subarray(0, 4000), wire.subarray(4000)]), 65_537));
    const conn = await open(server.port);
    assert.deepEqual(await conn.command(['X']), [big, 'after', `${big}é`]);
    const error = await protocolError(`$${300 * 1024}\r\n${'a'.repeat(300 * 1024)}XY`);
    assert.equal(error.message, 'malformed reply: bulk string not ended by CRLF');
  });

  test('many tiny elements count what they cost once decoded, not only their bytes', async () => {
    // 300 empty arrays are 1.2 KB on the wire but 300 objects in memory.
    const error = await protocolError(arr(...Array.from({ length: 300 }, () => '*0\r\n')), { maxReplyBytes: 8000 });
    assert.equal(error.message, 'reply too large: more than 8000 bytes');
  });

  test('an array of 50 000 bulks delivered in 1 KB writes parses correctly', async () => {
    const items = Array.from({ length: 50_000 }, (_, i) => `item-${i}`);
    const wire = Buffer.from(arr(...items.map(bulk)));
    const server = await fake(dribble(wire, 1024));
    const conn = await open(server.port);
    assert.deepEqual(await conn.command(['LRANGE', 'l', '0', '-1']), items);
  });

  test('RESP3 types: map, set, double, boolean, null, big number, verbatim, blob error, attribute', async () => {
    const replies = [
      `%2\r\n${simple('proto')}${int(3)}${bulk('modules')}*0\r\n`,
      `~2\r\n${bulk('a')}${bulk('b')}`,
      ',3.25\r\n',
      ',-inf\r\n',
      ',1e3\r\n',
      '#f\r\n',
      '_\r\n',
      '(3492890328409238509324850943850943825024385\r\n',
      '=15\r\ntxt:Some string\r\n',
      '!21\r\nSYNTAX invalid syntax\r\n',
      `|1\r\n${simple('key-popularity')}%1\r\n${bulk('a')},0.19\r\n${simple('after attribute')}`,
      ':9007199254740993\r\n',
      '*-1\r\n',
      '%0\r\n',
    ];
    let next = 0;
    const server = await fake(() => replies[next++] ?? null);
    const conn = await open(server.port);
    const got = await conn.pipeline(replies.map((_, i) => ['CMD', String(i)]));
    assert.deepEqual(got[0], new Map<Reply, Reply>([['proto', 3], ['modules', []]]));
    assert.deepEqual(got[1], ['a', 'b']);
    assert.equal(got[2], 3.25);
    assert.equal(got[3], Number.NEGATIVE_INFINITY);
    assert.equal(got[4], 1000);
    assert.equal(got[5], false);
    assert.equal(got[6], null);
    assert.equal(got[7], 3492890328409238509324850943850943825024385n);
    assert.equal(got[8], 'Some string');
    assert.ok(got[9] instanceof ReplyError);
    assert.equal(got[9].code, 'SYNTAX');
    assert.equal(got[10], 'after attribute');
    assert.equal(got[11], 9007199254740993n);
    assert.equal(got[12], null);
    assert.deepEqual(got[13], new Map());
  });

  test('a push with no waiter is dropped; the next reply goes to the command', async () => {
    const server = await fake(() => simple('PONG'), {
      onConnection: (socket) => socket.write(`>2\r\n${bulk('invalidate')}*1\r\n${bulk('k')}`),
    });
    const conn = await open(server.port);
    await pause(50);
    assert.equal(await conn.command(['PING']), 'PONG');
  });

  test('a push before each reply, while commands wait, is not taken as their reply', async () => {
    // Out of band in RESP3, never sent in RESP2: taken as replies, they shifted every reply of the audit pipeline by
    // one (CONFIG GET * read a push's [message, ch, hey] as its settings, and rules passed on what was missing).
    const push = `>3\r\n${bulk('message')}${bulk('ch')}${bulk('hey')}`;
    const server = await fake((argv) => `${push}${bulk(argv.join(' '))}`);
    const conn = await open(server.port);
    assert.equal(await conn.command(['ECHO', 'one']), 'ECHO one');
    assert.deepEqual(await conn.pipeline([['A'], ['B', 'x'], ['C']]), ['A', 'B x', 'C']);
    const empty = await fake(() => `>0\r\n${simple('PONG')}`);
    const second = await open(empty.port);
    assert.equal(await second.command(['PING']), 'PONG');
  });

  test('inline commands and Redis 5 style errors in the fake server', async () => {
    const server = await fake((argv) => (argv[0] === 'ACL' ? err("ERR unknown command 'ACL'") : bulk(argv.join(' '))));
    const conn = await open(server.port);
    const [acl, echo] = await conn.pipeline([['ACL', 'LIST'], ['ECHO', 'a b']]);
    assert.ok(acl instanceof ReplyError && acl.code === 'ERR');
    assert.equal(echo, 'ECHO a b');
    assert.deepEqual(server.commands, [['ACL', 'LIST'], ['ECHO', 'a b']]);
  });

  test('a pipeline goes out in one write, and nothing is sent at connect', async () => {
    let received = 0;
    const server = await fake(() => simple('OK'), {
      onConnection: (socket) => socket.on('data', (chunk: Buffer) => (received += chunk.length)),
    });
    const conn = await open(server.port);
    await pause(50);
    assert.equal(received, 0);
    const write = net.Socket.prototype.write;
    let writes = 0;
    net.Socket.prototype.write = function (this: net.Socket, ...args: Parameters<typeof write>) {
      writes += 1;
      return write.apply(this, args);
    } as typeof write;
    let pending: Promise<Reply[]>;
    try {
      pending = conn.pipeline([['PING'], ['CONFIG', 'GET', 'bind'], ['ECHO', 'ünï']]);
    } finally {
      net.Socket.prototype.write = write;
    }
    assert.equal(writes, 1);
    assert.deepEqual(await pending, ['OK', 'OK', 'OK']);
    assert.deepEqual(server.commands, [['PING'], ['CONFIG', 'GET', 'bind'], ['ECHO', 'ünï']]);
  });

  test('close rejects pending commands and later ones with kind closed', async () => {
    const server = await fake(() => 'silence');
    const conn = await open(server.port);
    const pending = rejection(conn.command(['PING']));
    await conn.close();
    const error = await pending;
    assert.equal(error.kind, 'closed');
    assert.equal(error.message, 'connection closed by client');
    assert.equal((await rejection(conn.command(['PING']))).kind, 'closed');
  });
});

test('no handle is left open after success, refusal, timeout or a protocol error', async () => {
  const silent = await fake(() => 'silence');
  const hostile = await fake(() => '$9999999999\r\n');
  const working = await fake(() => simple('PONG'));
  const refusedPort = await freePort();
  const resp = fileURLToPath(new URL('../src/gather/live/resp.ts', import.meta.url));
  const script = `
    import { connect } from ${JSON.stringify(resp)};
    const out = [];
    const ok = await connect({ host: '127.0.0.1', port: ${working.port} });
    out.push(await ok.command(['PING']));
    ok.close();
    for (const [port, timeout] of [[${refusedPort}, 1000], [${silent.port}, 100], [${hostile.port}, 1000]]) {
      try {
        const conn = await connect({ host: '127.0.0.1', port, commandTimeoutMs: timeout });
        await conn.command(['PING']);
      } catch (error) { out.push(error.kind); }
    }
    // Let closed sockets finish closing, then list what would still keep the process alive.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const held = process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'TCPSocketWrap' || r === 'TLSWrap');
    console.log(out.join(',') + ' | ' + held.join(','));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    timeout: 60_000,
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  // A dangling timer (the default 3-5 s timeouts) or socket would be listed after the '|'.
  assert.equal(stdout.trim(), 'PONG,refused,timeout,protocol |');
});
