// Fleets for the benchmarks and the fleet tests: many real redis-server processes on free loopback ports, and
// one lightweight process that answers like a Redis server on many ports (for 1,000 targets, where 1,000 real
// servers do not fit a laptop), with replies recorded from a real server.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `count` free loopback ports (held together while chosen, so that they differ). */
export async function freePorts(count) {
  const servers = [];
  for (let i = 0; i < count; i++) {
    servers.push(await new Promise((resolve, reject) => {
      const s = createServer().once('error', reject).listen(0, '127.0.0.1', () => resolve(s));
    }));
  }
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function answers(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => {
      data += d;
      if (data.includes('PONG')) {
        socket.destroy();
        resolve(true);
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    setTimeout(() => { socket.destroy(); resolve(false); }, 1000);
  });
}

/**
 * Starts `count` redis-server processes, each with its own config file and directory (as a packaged server has),
 * on free loopback ports. `conf(i)` adds lines to the i-th config.
 */
export async function startRedisFleet(count, { conf = () => '' } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'redfort-fleet-'));
  const ports = await freePorts(count);
  const children = ports.map((port, i) => {
    const dir = join(root, String(port));
    spawnSync('mkdir', ['-p', dir]);
    const file = join(dir, 'redis.conf');
    writeFileSync(file, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsave ""\nappendonly no\nlogfile ${join(dir, 'redis.log')}\nhz 1\n${conf(i)}\n`, { mode: 0o640 });
    return spawn('redis-server', [file], { stdio: 'ignore' });
  });
  const stop = async () => {
    await Promise.all(children.map((c) => new Promise((resolve) => {
      if (c.exitCode !== null) return resolve();
      c.once('exit', resolve);
      c.kill('SIGKILL');
    })));
    rmSync(root, { recursive: true, force: true });
  };
  // A minute for all of them: 200 servers starting on a loaded 2-core machine took more than 5 s for one port.
  const deadline = Date.now() + 60_000;
  for (const port of ports) {
    while (!(await answers(port))) {
      if (Date.now() > deadline) {
        // Never leave the others running: they would outlive this process.
        await stop();
        throw new Error(`redis-server on port ${port} did not start`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { ports, stop };
}

/** Reads one RESP reply from `buf` at `pos`; returns the position after it, or -1 when incomplete. */
function replyEnd(buf, pos) {
  const line = buf.indexOf('\r\n', pos);
  if (line === -1) return -1;
  const type = String.fromCharCode(buf[pos]);
  const head = buf.toString('latin1', pos + 1, line);
  if ('+-:_,#('.includes(type)) return line + 2;
  if (type === '$' || type === '=' || type === '!') {
    const n = Number(head);
    if (n < 0) return line + 2;
    return buf.length >= line + 2 + n + 2 ? line + 2 + n + 2 : -1;
  }
  if ('*~>%|'.includes(type)) {
    let n = Number(head);
    if (n < 0) return line + 2;
    if (type === '%' || type === '|') n *= 2;
    let at = line + 2;
    for (let i = 0; i < n; i++) {
      at = replyEnd(buf, at);
      if (at === -1) return -1;
    }
    return at;
  }
  throw new Error(`unexpected RESP type ${type}`);
}

function encode(argv) {
  return `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** The raw reply of a real server to each command, keyed by the command's words. */
export async function recordReplies(port, commands) {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const replies = new Map();
  let buf = Buffer.alloc(0);
  const pending = [...commands];
  socket.write(pending.map(encode).join(''));
  await new Promise((resolve) => {
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (pending.length === 0 || buf.length === 0) break;
        const end = replyEnd(buf, 0);
        if (end === -1) break;
        replies.set(pending.shift().join(' ').toUpperCase(), Buffer.from(buf.subarray(0, end)));
        buf = buf.subarray(end);
      }
      if (pending.length === 0) resolve();
    });
  });
  socket.destroy();
  return replies;
}

function parseCommands(buf) {
  const out = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf[pos] !== 0x2a) {
      const end = buf.indexOf('\r\n', pos);
      if (end === -1) break;
      out.push(buf.toString('utf8', pos, end).trim().split(/\s+/));
      pos = end + 2;
      continue;
    }
    const line = buf.indexOf('\r\n', pos);
    if (line === -1) break;
    const n = Number(buf.toString('latin1', pos + 1, line));
    const argv = [];
    let at = line + 2;
    let complete = true;
    for (let i = 0; i < n; i++) {
      const h = buf.indexOf('\r\n', at);
      if (h === -1) { complete = false; break; }
      const len = Number(buf.toString('latin1', at + 1, h));
      if (buf.length < h + 2 + len + 2) { complete = false; break; }
      argv.push(buf.toString('utf8', h + 2, h + 2 + len));
      at = h + 2 + len + 2;
    }
    if (!complete) break;
    out.push(argv);
    pos = at;
  }
  return { commands: out, used: pos };
}

/**
 * One process answering like a Redis server on `count` loopback ports, with `replies` (from recordReplies);
 * the last `silent` ports accept connections and never answer. Unknown commands get an error, as a server gives.
 * With `delay` (ms), every reply is held that long, as a network's round trip would (the connect itself still
 * completes at loopback speed: no netem here).
 */
export async function startFakeFleet(count, replies, { silent = 0, delay = 0 } = {}) {
  const servers = [];
  const sockets = new Set();
  for (let i = 0; i < count; i++) {
    const quiet = i >= count - silent;
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      if (quiet) return;
      let buf = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        const { commands, used } = parseCommands(buf);
        buf = buf.subarray(used);
        const out = commands.map((argv) => replies.get(argv.join(' ').toUpperCase()) ?? Buffer.from(`-ERR unknown command '${argv[0]}'\r\n`));
        if (out.length === 0) return;
        const bytes = Buffer.concat(out);
        if (delay > 0) setTimeout(() => socket.destroyed || socket.write(bytes), delay);
        else socket.write(bytes);
      });
    });
    await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  return {
    ports: servers.map((s) => s.address().port),
    async stop() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}
