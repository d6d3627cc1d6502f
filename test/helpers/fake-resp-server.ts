import net from 'node:net';

/** What the handler answers: raw bytes, nothing (`null`), a hang-up, or silence from now on. */
export type FakeReply = string | Buffer | null | 'close' | 'silence';

export type FakeHandler = (argv: string[], ctx: { socket: net.Socket }) => FakeReply | Promise<FakeReply>;

export interface FakeServer {
  host: string;
  port: number;
  /** Every command received, in order, across all connections. */
  commands: string[][];
  close(): Promise<void>;
}

export interface FakeServerOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Called when a client connects, before any command (e.g. to write an unsolicited error). */
  onConnection?: (socket: net.Socket) => void;
}

/**
 * A RESP server whose replies are written by the test, for what no real server does: old or
 * foreign servers' replies and hostile ones (huge lengths, garbage, silence, early close, trickles).
 * Parses multibulk and inline commands; answers each connection's commands in order.
 */
export async function startFakeServer(handler: FakeHandler, options: FakeServerOptions = {}): Promise<FakeServer> {
  const host = options.host ?? '127.0.0.1';
  const commands: string[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    options.onConnection?.(socket);
    let buffer = Buffer.alloc(0);
    let silent = false;
    let queue: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = parseCommand(buffer);
        if (!parsed) break;
        buffer = buffer.subarray(parsed.used);
        if (parsed.argv.length === 0) continue;
        const argv = parsed.argv;
        commands.push(argv);
        queue = queue.then(async () => {
          if (silent || socket.destroyed) return;
          const reply = await handler(argv, { socket });
          if (reply === 'silence') silent = true;
          else if (reply === 'close') socket.destroy();
          else if (reply !== null && !socket.destroyed) socket.write(reply);
        });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    host,
    port: address.port,
    commands,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** One command (multibulk or inline) at the start of `buffer`, and how many bytes it took; undefined when incomplete. */
export function parseCommand(buffer: Buffer): { argv: string[]; used: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n');
  if (lineEnd === -1) return undefined;
  if (buffer[0] !== 0x2a) {
    const line = buffer.toString('utf8', 0, lineEnd).trim();
    return { argv: line === '' ? [] : line.split(/\s+/), used: lineEnd + 2 };
  }
  const count = Number(buffer.toString('latin1', 1, lineEnd));
  const argv: string[] = [];
  let pos = lineEnd + 2;
  for (let i = 0; i < count; i++) {
    const headerEnd = buffer.indexOf('\r\n', pos);
    if (headerEnd === -1) return undefined;
    const length = Number(buffer.toString('latin1', pos + 1, headerEnd));
    const start = headerEnd + 2;
    if (buffer.length < start + length + 2) return undefined;
    argv.push(buffer.toString('utf8', start, start + length));
    pos = start + length + 2;
  }
  return { argv, used: pos };
}

export function bulk(s: string | null): string {
  return s === null ? '$-1\r\n' : `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
}

export function arr(...items: string[]): string {
  return `*${items.length}\r\n${items.join('')}`;
}

export function err(message: string): string {
  return `-${message}\r\n`;
}

export function simple(s: string): string {
  return `+${s}\r\n`;
}

export function int(n: number | bigint): string {
  return `:${n}\r\n`;
}
