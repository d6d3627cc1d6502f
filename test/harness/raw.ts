import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { makeCerts } from './certs.ts';

// A one-shot RESP2 client for the test harness, independent of the project's
// own client so that harness tests cannot be broken by it.

/** An error reply (`-ERR ...`); `code` is its first word (`NOAUTH`, `WRONGPASS`). */
export class RespError extends Error {
  override name = 'RespError';
  readonly code: string;
  constructor(line: string) {
    super(line);
    this.code = line.split(' ', 1)[0] ?? '';
  }
}

export type RespValue = string | number | null | RespError | RespValue[];

/** TLS settings; paths to PEM files. */
export interface RawTlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  /** Defaults to true. */
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface RawOptions {
  /** `true` uses the test CA and the test client certificate from makeCerts(). */
  tls?: boolean | RawTlsOptions;
  /** Sent as `AUTH [user] password` before the command. */
  password?: string;
  user?: string;
  /** Connect and reply deadline; defaults to 5000 ms. */
  timeoutMs?: number;
}

/**
 * Sends one command and returns its reply; an error reply is thrown as a
 * RespError, and so is a failed AUTH.
 */
export async function rawCommand(
  host: string,
  port: number,
  args: readonly (string | number)[],
  options: RawOptions = {},
): Promise<RespValue> {
  const commands: (string | number)[][] = [];
  if (options.password !== undefined) {
    commands.push(options.user === undefined ? ['AUTH', options.password] : ['AUTH', options.user, options.password]);
  }
  commands.push([...args]);
  const replies = await rawPipeline(host, port, commands, options);
  for (const reply of replies) if (reply instanceof RespError) throw reply;
  return replies[replies.length - 1] ?? null;
}

/** Sends several commands on one connection and returns every reply, error replies included. */
export async function rawPipeline(
  host: string,
  port: number,
  commands: readonly (readonly (string | number)[])[],
  options: Omit<RawOptions, 'password' | 'user'> = {},
): Promise<RespValue[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const tlsOptions = options.tls === true ? await defaultTls() : options.tls || undefined;
  const request = Buffer.concat(commands.map(encode));

  return new Promise((resolve, reject) => {
    const socket = tlsOptions
      ? tls.connect({
          host,
          port,
          ca: tlsOptions.ca ? readFileSync(tlsOptions.ca) : undefined,
          cert: tlsOptions.cert ? readFileSync(tlsOptions.cert) : undefined,
          key: tlsOptions.key ? readFileSync(tlsOptions.key) : undefined,
          rejectUnauthorized: tlsOptions.rejectUnauthorized ?? true,
          servername: tlsOptions.servername ?? (net.isIP(host) ? undefined : host),
        })
      : net.connect({ host, port });
    const replies: RespValue[] = [];
    let buffer: Buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(replies);
    };
    const timer = setTimeout(
      () => finish(new Error(`${host}:${port}: no complete reply within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once(tlsOptions ? 'secureConnect' : 'connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      try {
        let parsed: [RespValue, number] | undefined;
        while (replies.length < commands.length && (parsed = parse(buffer, 0))) {
          replies.push(parsed[0]);
          buffer = buffer.subarray(parsed[1]);
        }
      } catch (error) {
        finish(error as Error);
        return;
      }
      if (replies.length === commands.length) finish();
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () =>
      finish(new Error(`${host}:${port}: connection closed after ${replies.length} of ${commands.length} replies`)),
    );
  });
}

async function defaultTls(): Promise<RawTlsOptions> {
  const certs = await makeCerts();
  return { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
}

function encode(args: readonly (string | number)[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) {
    const text = String(arg);
    parts.push(`$${Buffer.byteLength(text)}\r\n${text}\r\n`);
  }
  return Buffer.from(parts.join(''));
}

/** Parses one reply at `start`; undefined when the buffer holds only part of it. */
function parse(buffer: Buffer, start: number): [RespValue, number] | undefined {
  const eol = buffer.indexOf('\r\n', start);
  if (eol < 0) return undefined;
  const type = buffer[start];
  const line = buffer.toString('utf8', start + 1, eol);
  const next = eol + 2;
  switch (type) {
    case 0x2b: // +
      return [line, next];
    case 0x2d: // -
      return [new RespError(line), next];
    case 0x3a: // :
      return [Number(line), next];
    case 0x24: { // $
      const length = Number(line);
      if (length < 0) return [null, next];
      if (buffer.length < next + length + 2) return undefined;
      return [buffer.toString('utf8', next, next + length), next + length + 2];
    }
    case 0x2a: { // *
      const count = Number(line);
      if (count < 0) return [null, next];
      const items: RespValue[] = [];
      let position = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, position);
        if (!item) return undefined;
        items.push(item[0]);
        position = item[1];
      }
      return [items, position];
    }
    default:
      throw new Error(`unexpected RESP reply: ${JSON.stringify(buffer.toString('utf8', start, eol))}`);
  }
}
