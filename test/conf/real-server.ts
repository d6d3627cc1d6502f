import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// A minimal redis-server runner and RESP client for the parser-versus-server tests. Replies keep their
// bytes (Buffer) so that secrets can be hashed exactly as the server holds them.

export const REDIS_SERVER = '/usr/bin/redis-server';

export function serverVersion(): string | undefined {
  const r = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? /v=(\S+)/.exec(r.stdout)?.[1] : undefined;
}

export type Reply = Buffer | null | number | Error | Reply[];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function parseReply(buf: Buffer, at: number): [Reply, number] | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol === -1) return undefined;
  const head = buf.toString('latin1', at + 1, eol);
  switch (String.fromCharCode(buf[at]!)) {
    case '+':
      return [Buffer.from(head, 'latin1'), eol + 2];
    case '-':
      return [new Error(head), eol + 2];
    case ':':
      return [Number(head), eol + 2];
    case '$': {
      const len = Number(head);
      if (len < 0) return [null, eol + 2];
      if (buf.length < eol + 2 + len + 2) return undefined;
      return [buf.subarray(eol + 2, eol + 2 + len), eol + 2 + len + 2];
    }
    case '*': {
      const n = Number(head);
      if (n < 0) return [null, eol + 2];
      const items: Reply[] = [];
      let pos = eol + 2;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, pos);
        if (!r) return undefined;
        items.push(r[0]);
        pos = r[1];
      }
      return [items, pos];
    }
    default:
      throw new Error(`unexpected reply byte ${buf[at]}`);
  }
}

/** Sends the commands on one fresh connection (a pipeline) and returns their replies. */
export async function commands(port: number, list: readonly (readonly string[])[]): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    sock.setTimeout(3000, () => sock.destroy(new Error('timeout')));
    sock.on('error', reject);
    sock.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const replies: Reply[] = [];
      let pos = 0;
      while (replies.length < list.length) {
        const r = parseReply(data, pos);
        if (!r) return;
        replies.push(r[0]);
        pos = r[1];
      }
      sock.end();
      resolve(replies);
    });
    const encode = (args: readonly string[]): string =>
      `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
    sock.write(list.map(encode).join(''));
  });
}

/** Sends one command on a fresh connection and returns the reply. */
export async function command(port: number, args: readonly string[]): Promise<Reply> {
  return (await commands(port, [args]))[0]!;
}

export interface Started {
  readonly dir: string;
  readonly confPath: string;
  readonly port: number;
  /** Set when the server exited instead of serving. */
  readonly exitCode?: number | null;
  readonly output: string;
  stop(): Promise<void>;
}

/**
 * Writes `files` (paths relative to a fresh temp dir; `redis.conf` is the one started) and starts
 * redis-server with the temp dir as cwd. `head` lines are written before the file's own lines.
 */
export async function startServer(
  files: Readonly<Record<string, string>>,
  options: { head?: (port: number, dir: string) => string; sentinel?: boolean } = {},
): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-srv-'));
  const port = await freePort();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    const head = name === 'redis.conf' ? (options.head?.(port, dir) ?? `port ${port}\nbind 127.0.0.1\n`) : '';
    writeFileSync(join(dir, name), head + text);
  }
  const confPath = join(dir, 'redis.conf');
  const args = options.sentinel ? [confPath, '--sentinel'] : [confPath];
  const child = spawn(REDIS_SERVER, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );

  const stop = async (): Promise<void> => {
    if (exitCode === undefined) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  for (let i = 0; i < 100; i++) {
    if (exitCode !== undefined) break;
    try {
      // Any reply means it is serving, including NOAUTH or MASTERDOWN errors.
      await command(port, ['PING']);
      break;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  if (exitCode === undefined) {
    await sleep(20);
  }
  return {
    dir,
    confPath,
    port,
    ...(exitCode !== undefined ? { exitCode } : {}),
    get output() {
      return output;
    },
    stop,
  };
}
