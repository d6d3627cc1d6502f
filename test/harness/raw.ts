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

/** A reply with simple and bulk strings kept as their bytes (`bytes: true`). */
export type RespBytes = Buffer | number | null | RespError | RespBytes[];

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

export interface PipelineOptions extends Omit<RawOptions, 'password' | 'user'> {
  /** Return simple and bulk strings as Buffers, byte for byte, instead of UTF-8 strings. */
  bytes?: boolean;
}

/** Sends several commands on one connection and returns every reply, error replies included. */
export async function rawPipeline(
  host: string,
  port: number,
  commands: readonly (readonly (string | number)[])[],
  options: PipelineOptions & { bytes: true },
): Promise<RespBytes[]>;
export async function rawPipeline(
  host: string,
  port: number,
  commands: readonly (readonly (string | number)[])[],
  options?: PipelineOptions & { bytes?: false },
): Promise<RespValue[]>;
export async function rawPipeline(
  host: string,
  port: number,
  commands: readonly (readonly (string | number)[])[],
  options: PipelineOptions = {},
): Promise<(RespValue | RespBytes)[]> {
  const bytes = options.bytes ?? false;
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
    const replies: (RespValue | RespBytes)[] = [];
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
        let parsed: [RespValue | RespBytes, number] | undefined;
        while (replies.length < commands.length && (parsed = parse(buffer, 0, bytes))) {
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

/** One reply at the start of `buffer` and how many bytes it took; undefined when the buffer holds only part of it. */
export function parseReply(buffer: Buffer): [RespValue, number] | undefined {
  return parse(buffer, 0, false) as [RespValue, number] | undefined;
}

/**
 * Parses one reply at `start`; undefined when the buffer holds only part of it. With `bytes`,
 * simple and bulk strings are copies of their bytes.
 */
function parse(buffer: Buffer, start: number, bytes: boolean): [RespValue | RespBytes, number] | undefined {
  const eol = buffer.indexOf('\r\n', start);
  if (eol < 0) return undefined;
  const type = buffer[start];
  const line = buffer.toString('utf8', start + 1, eol);
  const next = eol + 2;
  const text = (from: number, to: number) =>
    bytes ? Buffer.from(buffer.subarray(from, to)) : buffer.toString('utf8', from, to);
  switch (type) {
    case 0x2b: // +
      return [text(start + 1, eol), next];
    case 0x2d: // -
      return [new RespError(line), next];
    case 0x3a: // :
      return [Number(line), next];
    case 0x24: { // $
      const length = Number(line);
      if (length < 0) return [null, next];
      if (buffer.length < next + length + 2) return undefined;
      return [text(next, next + length), next + length + 2];
    }
    case 0x2a: { // *
      const count = Number(line);
      if (count < 0) return [null, next];
      const items: (RespValue | RespBytes)[] = [];
      let position = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, position, bytes);
        if (!item) return undefined;
        items.push(item[0]);
        position = item[1];
      }
      return [items as RespValue[] | RespBytes[], position];
    }
    default:
      throw new Error(`unexpected RESP reply: ${JSON.stringify(buffer.toString('utf8', start, eol))}`);
  }
}
