import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Reply = string | number | null | ReplyError | Reply[];

export class ReplyError extends Error {}

const SERVER = process.env['REDFORT_REDIS_SERVER'] ?? '/usr/bin/redis-server';

/** Why the live tests cannot run here, or undefined when a 7.x redis-server is available. */
export function liveUnavailable(): string | undefined {
  if (!existsSync(SERVER)) return `${SERVER} not found`;
  const version = spawnSync(SERVER, ['--version'], { encoding: 'utf8' }).stdout;
  return /v=7\.\d/.test(version) ? undefined : `needs redis-server 7.x, found ${version.trim()}`;
}

function parse(buf: Buffer, offset: number): [Reply, number] | undefined {
  const eol = buf.indexOf('\r\n', offset);
  if (eol === -1) return undefined;
  const type = String.fromCharCode(buf[offset]!);
  const line = buf.toString('utf8', offset + 1, eol);
  const next = eol + 2;
  if (type === '+') return [line, next];
  if (type === '-') return [new ReplyError(line), next];
  if (type === ':') return [Number(line), next];
  if (type === '$') {
    const len = Number(line);
    if (len < 0) return [null, next];
    if (buf.length < next + len + 2) return undefined;
    return [buf.toString('utf8', next, next + len), next + len + 2];
  }
  if (type === '*') {
    const count = Number(line);
    if (count < 0) return [null, next];
    const items: Reply[] = [];
    let at = next;
    for (let i = 0; i < count; i++) {
      const item = parse(buf, at);
      if (!item) return undefined;
      items.push(item[0]);
      at = item[1];
    }
    return [items, at];
  }
  throw new Error(`unexpected RESP type ${type}`);
}

/** A throw-away redis-server on a Unix socket in a temp dir (no TCP port), with a one-at-a-time client. */
export class LiveRedis {
  private buffer = Buffer.alloc(0);
  private waiting: ((reply: Reply) => void) | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly socket: Socket,
    private readonly dir: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      const parsed = this.waiting && parse(this.buffer, 0);
      if (parsed) {
        this.buffer = this.buffer.subarray(parsed[1]);
        const done = this.waiting!;
        this.waiting = undefined;
        done(parsed[0]);
      }
    });
  }

  static async start(): Promise<LiveRedis> {
    const dir = mkdtempSync(join(tmpdir(), 'redfort-acl-'));
    const path = join(dir, 'redis.sock');
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, `port 0\nunixsocket ${path}\ndir ${dir}\nsave ""\nappendonly no\nlogfile ""\n`);
    const child = spawn(SERVER, [conf], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        const socket = createConnection(path);
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('error', reject);
        });
        return new LiveRedis(child, socket, dir);
      } catch {
        // not listening yet
      }
    }
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    throw new Error('redis-server did not start');
  }

  /** Sends one command; error replies are returned as ReplyError, not thrown. */
  call(...args: string[]): Promise<Reply> {
    const payload = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(payload);
    });
  }

  async stop(): Promise<void> {
    this.socket.destroy();
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill();
    await exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
