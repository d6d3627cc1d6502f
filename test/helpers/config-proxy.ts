import net from 'node:net';
import { parseReply, RespError } from '../harness/raw.ts';
import type { RespValue } from '../harness/raw.ts';
import { arr, bulk, err, parseCommand } from './fake-resp-server.ts';
import type { FakeServer } from './fake-resp-server.ts';

/** A RESP2 encoding of a reply the raw client read. */
export function encodeReply(reply: RespValue): string {
  if (reply instanceof RespError) return err(reply.message);
  if (reply === null) return bulk(null);
  if (typeof reply === 'number') return `:${reply}\r\n`;
  if (Array.isArray(reply)) return arr(...reply.map(encodeReply));
  return bulk(reply);
}

export interface ProxyOptions {
  /** A reply made here instead of the server's (the command is not forwarded); undefined to forward it. */
  local?(argv: readonly string[]): string | undefined;
  /** The server's reply to `argv` as the client gets it. */
  rewrite?(argv: readonly string[], reply: RespValue): RespValue;
}

/**
 * A proxy in front of the real server `real`, as a real one works: each client connection gets one connection to the
 * server, and its commands are forwarded as they come (a pipeline stays a pipeline); replies go back in order, each
 * re-encoded in RESP2 (rewritten by `rewrite`, or made by `local` without asking the server). One connection to the
 * server per command, each command waiting for the one before, made an audit's 37 commands some 150 wake-ups in
 * turn: under load 15 and more they overran the audit's 5-second reply deadline. The caller closes it.
 */
export async function forwardingProxy(real: { readonly host: string; readonly port: number }, options: ProxyOptions = {}): Promise<FakeServer> {
  const commands: string[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: real.host, port: real.port });
    sockets.add(client);
    sockets.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', () => {
        sockets.delete(socket);
        end();
      });
    }
    // In the order the client sent them: a reply made here, or a command waiting for the server's reply.
    const pending: { argv: readonly string[]; out?: string }[] = [];
    const flush = (): void => {
      while (pending.length > 0 && pending[0]!.out !== undefined) client.write(pending.shift()!.out!);
    };
    let requests: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      requests = Buffer.concat([requests, chunk]);
      for (let parsed = parseCommand(requests); parsed; parsed = parseCommand(requests)) {
        const bytes = requests.subarray(0, parsed.used);
        requests = requests.subarray(parsed.used);
        if (parsed.argv.length === 0) continue;
        commands.push(parsed.argv);
        const local = options.local?.(parsed.argv);
        pending.push(local === undefined ? { argv: parsed.argv } : { argv: parsed.argv, out: local });
        if (local === undefined) upstream.write(bytes);
      }
      flush();
    });
    let replies: Buffer = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      replies = replies.length === 0 ? chunk : Buffer.concat([replies, chunk]);
      try {
        for (let parsed = parseReply(replies); parsed; parsed = replies.length > 0 ? parseReply(replies) : undefined) {
          replies = replies.subarray(parsed[1]);
          const waiting = pending.find((p) => p.out === undefined);
          if (!waiting) return end();
          waiting.out = encodeReply(options.rewrite ? options.rewrite(waiting.argv, parsed[0]) : parsed[0]);
        }
      } catch {
        // A reply the raw parser cannot read: the client sees the connection close.
        return end();
      }
      flush();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    host: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    commands,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A proxy (or a hostile server) in front of the real server `real`: every command forwarded to it, its CONFIG GET
 * replies without the settings named in `dropped`. RESP2 only: HELLO is refused. The caller closes it.
 */
export function configFilteringProxy(real: { readonly host: string; readonly port: number }, dropped: readonly string[]): Promise<FakeServer> {
  return forwardingProxy(real, {
    local: (argv) => (argv[0]!.toUpperCase() === 'HELLO' ? err('ERR unknown command') : undefined),
    rewrite(argv, reply) {
      if (argv.slice(0, 2).join(' ').toUpperCase() !== 'CONFIG GET' || !Array.isArray(reply)) return reply;
      const pairs: RespValue[] = [];
      for (let i = 0; i + 1 < reply.length; i += 2) if (!dropped.includes(String(reply[i]))) pairs.push(reply[i]!, reply[i + 1]!);
      return pairs;
    },
  });
}
