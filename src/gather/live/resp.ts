import * as net from 'node:net';
import type * as tls from 'node:tls';
import { loadBuiltin } from '../../util/builtin.ts';
import { bytesHash } from '../../util/bytes-hash.ts';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS } from '../../util/defaults.ts';
import { lateTimeout } from '../../util/late-timer.ts';
import type { LateTimer } from '../../util/late-timer.ts';
import { clipped } from '../../util/shown.ts';

/**
 * A decoded reply. Simple and bulk strings are UTF-8 strings, integers are numbers (bigint beyond
 * 2^53), null bulk/array and RESP3 null are `null`, RESP3 sets and pushes are arrays, maps are `Map`s,
 * and error replies are {@link ReplyError} values.
 */
export type Reply = string | number | bigint | null | boolean | ReplyError | Reply[] | Map<Reply, Reply>;

/** An error reply (`-ERR ...`, `!<len>`): a value in the reply list, never thrown. */
/**
 * The most of an error reply kept: a server's error is one short line, and its text goes into the reasons of every
 * rule that needed the command (a 10 MB `-ERR` to INFO made an 80 MB report of one target).
 */
const MAX_ERROR_CHARS = 1000;

export class ReplyError {
  readonly message: string;

  constructor(message: string) {
    this.message = clipped(message, MAX_ERROR_CHARS);
  }

  /** The first word of the message, e.g. `NOAUTH`, `WRONGPASS`, `NOPERM`, `ERR`. */
  get code(): string {
    const space = this.message.indexOf(' ');
    return space === -1 ? this.message : this.message.slice(0, space);
  }

  toString(): string {
    return this.message;
  }
}

/** Why a connection could not be made or stopped working. */
export type ConnectionErrorKind =
  | 'refused'
  | 'timeout'
  | 'tls'
  | 'reset'
  | 'closed'
  | 'dns'
  | 'protocol'
  | 'unreachable'
  | 'aborted';

/** A connection-level failure. The message is a short sentence without the target's address. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  /** Set on a connect timeout when the TCP connection was made but the TLS handshake got no answer. */
  tlsUnanswered?: boolean;

  constructor(
    readonly kind: ConnectionErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Options for {@link connect}. */
export interface ConnectOptions {
  host: string;
  port: number;
  /** A unix socket's path: connects there instead of host and port (no TLS). */
  path?: string | undefined;
  /** When present the connection uses TLS, and these options reach `tls.connect` unchanged. */
  tls?: tls.ConnectionOptions | undefined;
  /** TCP connect plus TLS handshake. Default {@link CONNECT_TIMEOUT_MS} (3 s). */
  connectTimeoutMs?: number;
  /**
   * How long the replies to one `pipeline`/`command` call may take, counted from when it is sent. Bytes
   * arriving do not extend it: a server that trickles a byte at a time is cut off all the same. Default {@link COMMAND_TIMEOUT_MS} (5 s).
   */
  commandTimeoutMs?: number;
  /**
   * Bound on one reply: its bytes plus 32 per element (what an element costs once decoded), and on any
   * single bulk or aggregate length. Default 64 MiB.
   */
  maxReplyBytes?: number;
  /**
   * Bound on the bytes received for one `pipeline`/`command` call, all its replies together (each within
   * `maxReplyBytes`): a server that answers each of an audit's forty commands with a reply just under the
   * per-reply bound would otherwise hold gigabytes. Default 64 MiB, or `maxReplyBytes` when that is more.
   */
  maxCallBytes?: number;
  /** Aborting it fails the connection attempt, or the open connection's pending commands, with kind `aborted`. */
  signal?: AbortSignal | undefined;
}

/** What the TLS handshake negotiated, captured at `secureConnect`. */
export interface TlsInfo {
  readonly protocol: string | null;
  readonly cipher: tls.CipherNameAndProtocol;
  readonly authorized: boolean;
  readonly authorizationError: string | undefined;
  readonly peerCertificate: tls.DetailedPeerCertificate | undefined;
}

/**
 * How a reply is wanted: decoded (undefined); `'bulk-list'`: an array of bulk strings as a {@link BulkList}, its
 * members left as bytes; `'nulls'`: an array as a {@link NullMask}, which of its elements are null, the elements
 * themselves read but not decoded. Any other reply (an error, a null, an array holding what the shape does not
 * take, one whose bytes have not all arrived in the same chunks) is decoded as usual.
 */
export type ReplyShape = 'bulk-list' | 'nulls' | undefined;

/** A reply handed over in the shape asked for. */
export type Shaped = BulkList | NullMask;

/**
 * Which elements of an array reply are there (not null): what an audit needs of COMMAND INFO <names> (each command
 * there or not), whose some 500 elements per target it never reads.
 */
export class NullMask {
  constructor(readonly present: readonly boolean[]) {}
}

/**
 * An array of bulk strings kept as the bytes it arrived in: member `i` is `bytes[bounds[2i]]` up to
 * `bytes[bounds[2i + 1]]`, and `hashes[i]` is its {@link bytesHash}, computed as the decoder read it. Made for the
 * replies an audit compares with others more than it reads (the 1,500 members of ACL CAT <category> per target,
 * the same on most servers of a fleet): no string per member unless asked for. It holds on to the chunk it was
 * read from.
 */
export class BulkList {
  constructor(
    readonly bytes: Buffer,
    readonly bounds: Int32Array,
    readonly hashes: Int32Array,
  ) {}

  get length(): number {
    return this.hashes.length;
  }

  /** Member `i` as a string, as the decoder would have made it (UTF-8). */
  text(i: number): string {
    return this.bytes.toString('utf8', this.bounds[2 * i], this.bounds[2 * i + 1]);
  }

  /** Every member as a string: the array the decoder would have made. */
  texts(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.bounds.length; i += 2) out.push(this.bytes.toString('utf8', this.bounds[i], this.bounds[i + 1]));
    return out;
  }
}

/** An open connection. It never reconnects and never sends anything it was not asked to. */
export interface RespConnection {
  /**
   * Sends every command in one write and resolves with the replies in order. Error replies are
   * {@link ReplyError} values; the promise rejects only with a {@link ConnectionError}. With `shapes`, the reply
   * to `commands[i]` is handed over as `shapes[i]` asks (see {@link ReplyShape}).
   */
  pipeline(commands: readonly (readonly string[])[]): Promise<Reply[]>;
  pipeline(commands: readonly (readonly string[])[], shapes: readonly ReplyShape[]): Promise<(Reply | Shaped)[]>;
  /** One command; same semantics as {@link RespConnection.pipeline}. */
  command(args: readonly string[]): Promise<Reply>;
  /** Destroys the socket without sending QUIT; pending commands reject with kind `closed`. */
  close(): Promise<void>;
  /** The negotiated TLS parameters, or undefined on a plain TCP connection. */
  tlsInfo(): TlsInfo | undefined;
  /** True once the connection has been closed or has failed. */
  readonly closed: boolean;
}

const DEFAULT_MAX_REPLY_BYTES = 64 * 1024 * 1024;
const MAX_DEPTH = 64;

/**
 * Opens a TCP or TLS connection and resolves once it is usable (after `secureConnect` for TLS).
 * Sends nothing. Rejects with a {@link ConnectionError}; never retries.
 */
/**
 * A monotonic clock in milliseconds, as `performance.now()` is, without loading node:perf_hooks (which the global
 * `performance` loads on first use: a module no audit otherwise needs).
 */
function nowMs(): number {
  return process.uptime() * 1000;
}

export function connect(options: ConnectOptions): Promise<RespConnection> {
  const connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  const useTls = options.tls !== undefined;
  const signal = options.signal;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const host = options.host.startsWith('[') && options.host.endsWith(']') ? options.host.slice(1, -1) : options.host;
    let socket: net.Socket;
    try {
      socket = options.tls
        ? loadBuiltin<typeof tls>('node:tls').connect({ ...options.tls, host, port: options.port })
        : options.path !== undefined
          ? net.connect({ path: options.path })
          : net.connect({ host, port: options.port });
    } catch (error) {
      // Synchronous throws are bad options (port out of range, unreadable PEM, unknown minVersion).
      const message = error instanceof Error ? error.message : String(error);
      reject(new ConnectionError(useTls ? 'tls' : 'unreachable', `cannot connect: ${message}`, { cause: error }));
      return;
    }
    const settle = (error: ConnectionError | undefined): void => {
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off(useTls ? 'secureConnect' : 'connect', onReady);
      if (error) {
        // A socket torn down mid-handshake may still report an error; it has been accounted for.
        socket.on('error', () => {});
        socket.destroy();
        reject(error);
      } else {
        resolve(new Connection(socket, options));
      }
    };
    const onError = (error: Error): void => settle(classify(error, useTls ? 'handshake' : 'connect'));
    const onClose = (): void => {
      const during = useTls ? 'during the TLS handshake' : 'while connecting';
      settle(new ConnectionError('closed', `connection closed ${during}`));
    };
    const onReady = (): void => settle(undefined);
    const onAbort = (): void => settle(abortError(signal!));
    // A connection made in time but not yet seen, because the program was busy when the timer came due, is taken.
    const timer = lateTimeout(() => {
      const error = new ConnectionError('timeout', `connect timed out after ${connectTimeoutMs} ms`);
      // TCP is up but the TLS handshake got no answer: typically a plain-text port (it waits for a command).
      if (useTls && !socket.connecting) error.tlsUnanswered = true;
      settle(error);
    }, connectTimeoutMs);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once(useTls ? 'secureConnect' : 'connect', onReady);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error an aborted signal turns into: its reason's message when it has one (a deadline names itself). */
function abortError(signal: AbortSignal): ConnectionError {
  const reason: unknown = signal.reason;
  const text = reason instanceof Error && reason.name !== 'AbortError' ? reason.message : 'aborted';
  return new ConnectionError('aborted', text, { cause: reason });
}

/** What a call on a connection its client closed rejects with (see Connection.close). */
let closedByClient: ConnectionError | undefined;

interface Waiter {
  readonly expected: number;
  readonly replies: (Reply | Shaped)[];
  /** How each reply is wanted, by its place in the call; undefined: all decoded. */
  readonly shapes: readonly ReplyShape[] | undefined;
  /** {@link nowMs} by which every reply of this call must have arrived. */
  readonly deadline: number;
  resolve(replies: (Reply | Shaped)[]): void;
  reject(error: ConnectionError): void;
}

class Connection implements RespConnection {
  readonly #socket: net.Socket;
  readonly #commandTimeoutMs: number;
  readonly #decoder: Decoder;
  readonly #maxCallBytes: number;
  /** Bytes received since the oldest pending call was sent or the one before it answered (about its replies'). */
  #callBytes = 0;
  readonly #tlsInfo: TlsInfo | undefined;
  readonly #socketClosed: Promise<void>;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.#fail(abortError(this.#signal!));
  #queue: Waiter[] = [];
  #timer: LateTimer | undefined;
  #failure: ConnectionError | undefined;
  // Redis writes an error and hangs up by itself for protected mode and maxclients; keep it for the close message.
  #unsolicitedError: string | undefined;
  /** Whether the server has sent anything since the connection was established. */
  #answered = false;
  #corked = false;

  constructor(socket: net.Socket, options: ConnectOptions) {
    this.#socket = socket;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS;
    this.#maxCallBytes = options.maxCallBytes ?? Math.max(DEFAULT_MAX_REPLY_BYTES, options.maxReplyBytes ?? 0);
    this.#decoder = new Decoder(options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES, (reply, isPush) =>
      this.#onReply(reply, isPush),
    );
    this.#tlsInfo = options.tls !== undefined ? readTlsInfo(socket as tls.TLSSocket) : undefined;
    socket.setNoDelay(true);
    this.#socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => this.#fail(this.#hintAfterHandshake(classify(error, 'established'))));
    socket.on('close', () => {
      // Closed by the client, or after an error: already failed, nothing to make.
      if (this.#failure) return;
      const detail = this.#unsolicitedError === undefined ? '' : `: ${this.#unsolicitedError}`;
      this.#fail(this.#hintAfterHandshake(new ConnectionError('closed', `connection closed by server${detail}`)));
    });
    this.#signal = options.signal;
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  // With TLS 1.3 a server that requires a client certificate accepts the handshake and then hangs up before
  // answering anything: say so, since the bare reset does not tell the operator what to change.
  #hintAfterHandshake(error: ConnectionError): ConnectionError {
    // OpenSSL names the alert ('tlsv13 alert certificate required'): the server asked for a certificate and got none.
    if (this.#tlsInfo !== undefined && error.kind === 'tls' && /alert certificate required/i.test(error.message)) {
      return new ConnectionError(error.kind, `${error.message}: the server requires a client certificate (--cert and --key)`, { cause: error });
    }
    if (this.#tlsInfo === undefined || this.#answered || (error.kind !== 'reset' && error.kind !== 'closed')) return error;
    return new ConnectionError(
      error.kind,
      `${error.message} right after the TLS handshake: the server may require a client certificate (--cert and --key)`,
      { cause: error },
    );
  }

  get closed(): boolean {
    return this.#failure !== undefined;
  }

  pipeline(commands: readonly (readonly string[])[]): Promise<Reply[]>;
  pipeline(commands: readonly (readonly string[])[], shapes: readonly ReplyShape[]): Promise<(Reply | Shaped)[]>;
  pipeline(commands: readonly (readonly string[])[], shapes?: readonly ReplyShape[]): Promise<(Reply | Shaped)[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (commands.length === 0) return Promise.resolve([]);
    const deadline = nowMs() + this.#commandTimeoutMs;
    if (this.#queue.length === 0) this.#callBytes = 0;
    const promise = new Promise<(Reply | Shaped)[]>((resolve, reject) => {
      this.#queue.push({ expected: commands.length, replies: [], shapes, deadline, resolve, reject });
    });
    if (this.#queue.length === 1) this.#decoder.shape = shapes?.[0];
    // What is asked in one tick (AUTH, INFO and the audit pipeline) leaves in one write: corked until the next tick.
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#socket.write(encodedCommands(commands));
    if (this.#queue.length === 1) this.#armTimer();
    return promise;
  }

  async command(args: readonly string[]): Promise<Reply> {
    const [reply] = await this.pipeline([args]);
    return reply as Reply;
  }

  close(): Promise<void> {
    // One error for every connection closed by its client, made at the first close: a new one per connection cost
    // its stack trace (an audit closes one or more a target), for the rare call made after the close to see.
    this.#fail((closedByClient ??= new ConnectionError('closed', 'connection closed by client')));
    return this.#socketClosed;
  }

  tlsInfo(): TlsInfo | undefined {
    return this.#tlsInfo;
  }

  #onData(chunk: Buffer): void {
    if (this.#failure) return;
    this.#answered = true;
    this.#callBytes += chunk.length;
    if (this.#callBytes > this.#maxCallBytes && this.#queue.length > 0) {
      const commands = this.#queue[0]!.expected;
      this.#fail(new ConnectionError('protocol', commands === 1 ? `reply too large: more than ${this.#maxCallBytes} bytes for 1 command` : `replies too large: more than ${this.#maxCallBytes} bytes for ${commands} commands`));
      return;
    }
    try {
      this.#decoder.push(chunk);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#fail(new ConnectionError('protocol', error.message));
    }
  }

  #onReply(reply: Reply | Shaped, isPush: boolean): void {
    // A push is out of band (RESP3), never a command's reply: RESP2, which redfort speaks, has none, and one taken as a
    // reply shifts every later reply by one. Its bytes still count against the call's bound.
    if (isPush) return;
    const waiter = this.#queue[0];
    if (!waiter) {
      if (reply instanceof ReplyError) this.#unsolicitedError = reply.message;
      return;
    }
    waiter.replies.push(reply);
    if (waiter.replies.length === waiter.expected) {
      this.#callBytes = 0;
      this.#queue.shift();
      this.#decoder.shape = this.#queue[0]?.shapes?.[0];
      this.#armTimer();
      waiter.resolve(waiter.replies);
    } else if (waiter.shapes !== undefined) {
      // The shape of the reply decoded next: set before the decoder reads on.
      this.#decoder.shape = waiter.shapes[waiter.replies.length];
    }
  }

  // One timer, for the oldest call: the later ones were sent after it, so their deadlines come after its own.
  // Data arriving never moves it.
  #armTimer(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    const head = this.#queue[0];
    if (!head || this.#failure) return;
    // A reply that came in time while the program was busy is read before the timer fails the call (lateTimeout).
    this.#timer = lateTimeout(() => this.#onTimeout(), Math.max(0, head.deadline - nowMs()));
  }

  #onTimeout(): void {
    this.#timer = undefined;
    this.#fail(new ConnectionError('timeout', `timed out after ${this.#commandTimeoutMs} ms waiting for a reply`));
  }

  #fail(error: ConnectionError): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#socket.destroy();
    const queue = this.#queue;
    this.#queue = [];
    for (const waiter of queue) waiter.reject(error);
  }
}

/**
 * The commands as RESP, made once for a frozen list (a fleet sends the same audit pipeline to each target: its
 * encoding was some 20 KB of strings per target) and once per call for any other.
 */
function encodedCommands(commands: readonly (readonly string[])[]): string | Buffer {
  if (!Object.isFrozen(commands)) return encodeCommands(commands);
  let encoded = encodedLists.get(commands);
  if (encoded === undefined) encodedLists.set(commands, (encoded = Buffer.from(encodeCommands(commands))));
  return encoded;
}
const encodedLists = new WeakMap<readonly (readonly string[])[], Buffer>();

function encodeCommands(commands: readonly (readonly string[])[]): string {
  let out = '';
  for (const args of commands) {
    out += `*${args.length}\r\n`;
    for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  }
  return out;
}

function readTlsInfo(socket: tls.TLSSocket): TlsInfo {
  const peer = socket.getPeerCertificate(true);
  // Node types authorizationError as Error, but at run time it is the OpenSSL code string.
  const authorizationError = socket.authorizationError as unknown;
  return {
    protocol: socket.getProtocol(),
    cipher: socket.getCipher(),
    authorized: socket.authorized,
    authorizationError:
      authorizationError === undefined || authorizationError === null
        ? undefined
        : authorizationError instanceof Error
          ? authorizationError.message
          : String(authorizationError),
    peerCertificate: peer && Object.keys(peer).length > 0 ? peer : undefined,
  };
}

const NETWORK_ERRORS: Readonly<Record<string, readonly [ConnectionErrorKind, string]>> = {
  ECONNREFUSED: ['refused', 'connection refused'],
  ECONNRESET: ['reset', 'connection reset by peer'],
  EPIPE: ['closed', 'connection closed by peer'],
  ETIMEDOUT: ['timeout', 'connection timed out'],
  ENOTFOUND: ['dns', 'host name not found'],
  EAI_AGAIN: ['dns', 'temporary DNS failure'],
  EAI_FAIL: ['dns', 'DNS lookup failed'],
  EAI_NODATA: ['dns', 'host name has no address'],
  EHOSTUNREACH: ['unreachable', 'host unreachable'],
  EHOSTDOWN: ['unreachable', 'host is down'],
  ENETUNREACH: ['unreachable', 'network unreachable'],
  ENETDOWN: ['unreachable', 'network is down'],
  EADDRNOTAVAIL: ['unreachable', 'address not available'],
  ERR_SOCKET_BAD_PORT: ['unreachable', 'invalid port'],
};

function classify(error: Error, phase: 'connect' | 'handshake' | 'established'): ConnectionError {
  const { code, reason } = error as Error & { code?: unknown; reason?: unknown };
  const known = typeof code === 'string' ? NETWORK_ERRORS[code] : undefined;
  if (known) {
    const [kind, message] = known;
    const during = phase === 'handshake' ? ' during the TLS handshake' : '';
    return new ConnectionError(kind, `${message}${during}`, { cause: error });
  }
  // OpenSSL errors carry a short `reason` ("wrong version number"); certificate checks only a message.
  const detail = typeof reason === 'string' && reason !== '' ? reason : error.message;
  const isTls =
    phase === 'handshake' ||
    (typeof code === 'string' && (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) ||
    'library' in error;
  if (isTls) {
    const prefix = phase === 'handshake' ? 'TLS handshake failed' : 'TLS error';
    return new ConnectionError('tls', `${prefix}: ${detail}`, { cause: error });
  }
  return new ConnectionError(phase === 'connect' ? 'unreachable' : 'closed', detail, { cause: error });
}

class ProtocolError extends Error {}

type AggregateType = '*' | '~' | '%' | '>' | '|';

interface Frame {
  readonly type: AggregateType;
  remaining: number;
  readonly items: Reply[];
}

const CR = 0x0d;
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);
const INTEGER = /^[-+]?\d+$/;
const DOUBLE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
/** What one decoded element costs beyond its bytes (a JS array slot, a string or array header). */
const ELEMENT_COST = 32;
/** Cells of a decoder's store for BulkLists: an audit's 21 category replies (some 1,500 members, 3 cells each). */
const CELLS = 6144;
const EMPTY_CELLS = new Int32Array(0);
/** Bulk strings at least this long are copied once into a buffer of their own as their bytes arrive. */
const LARGE_BULK = 256 * 1024;

/** A large bulk string whose body is arriving: its bytes are copied once, into a buffer grown as they come. */
interface Body {
  readonly type: number;
  /** Body plus the final CRLF. */
  readonly total: number;
  data: Buffer;
  filled: number;
}

// Aggregates live on an explicit stack, so nothing is parsed twice except the short header of a
// bulk string whose body is still arriving. Chunks that cannot complete the pending element (no
// line feed yet, or fewer bytes than a declared bulk) are only queued, and joined once enough has
// arrived; a large bulk is instead copied straight into its own buffer, grown at most to twice what
// has arrived. A large reply costs linear time, its memory is about its size, and a declared length
// never allocates by itself.
class Decoder {
  readonly #maxBytes: number;
  readonly #onReply: (reply: Reply | Shaped, isPush: boolean) => void;
  /** How the next top-level reply is wanted (see {@link ReplyShape}); its connection sets it as each reply comes. */
  shape: ReplyShape;
  #buf: Buffer = EMPTY;
  #pos = 0;
  #tail: Buffer[] = [];
  #tailBytes = 0;
  // Bytes needed from #pos before parsing can progress; 0 means "until a line feed arrives".
  #need = 0;
  #body: Body | undefined;
  #stack: Frame[] = [];
  /** What {@link Decoder.#nulls} has still to read at each depth (one array for every reply it reads). */
  readonly #pending: number[] = [];
  /** Where {@link BulkList}s keep their bounds and hashes: made when first needed, then taken from in turn. */
  #cells = EMPTY_CELLS;
  #cellsUsed = 0;
  // Cost of the current top-level reply so far: bytes consumed plus ELEMENT_COST per element.
  #replyBytes = 0;

  constructor(maxBytes: number, onReply: (reply: Reply | Shaped, isPush: boolean) => void) {
    this.#maxBytes = maxBytes;
    this.#onReply = onReply;
  }

  push(chunk: Buffer): void {
    if (this.#body) {
      const used = this.#fillBody(chunk);
      if (used === chunk.length) return;
      chunk = chunk.subarray(used);
    }
    this.#tail.push(chunk);
    this.#tailBytes += chunk.length;
    const available = this.#buf.length - this.#pos + this.#tailBytes;
    const ready = this.#need > 0 ? available >= this.#need : chunk.includes(LF);
    if (!ready) {
      this.#checkSize(available);
      return;
    }
    this.#buf =
      this.#pos === this.#buf.length && this.#tail.length === 1
        ? chunk
        : Buffer.concat([this.#buf.subarray(this.#pos), ...this.#tail]);
    this.#pos = 0;
    this.#tail = [];
    this.#tailBytes = 0;
    this.#parse();
    if (this.#body) {
      // The rest of the buffer is the start of a large bulk's body: move it over.
      const rest = this.#buf.subarray(this.#pos);
      this.#buf = EMPTY;
      this.#pos = 0;
      const used = this.#fillBody(rest);
      if (used < rest.length) this.push(rest.subarray(used));
      return;
    }
    this.#checkSize(this.#buf.length - this.#pos);
  }

  /** Copies what `chunk` holds of the pending body; delivers it when complete. Returns the bytes used. */
  #fillBody(chunk: Buffer): number {
    const body = this.#body!;
    const take = Math.min(chunk.length, body.total - body.filled);
    if (body.filled + take > body.data.length) {
      const grown = Buffer.allocUnsafe(Math.min(body.total, Math.max(body.data.length * 2, body.filled + take)));
      body.data.copy(grown, 0, 0, body.filled);
      body.data = grown;
    }
    chunk.copy(body.data, body.filled, 0, take);
    body.filled += take;
    this.#replyBytes += take;
    if (body.filled < body.total) return take;
    this.#body = undefined;
    const length = body.total - 2;
    if (body.data[length] !== CR || body.data[length + 1] !== LF) {
      throw new ProtocolError('malformed reply: bulk string not ended by CRLF');
    }
    this.#deliver(decodeBulk(body.data, body.type, 0, length));
    return take;
  }

  #checkSize(unconsumed: number): void {
    if (this.#replyBytes + unconsumed > this.#maxBytes) {
      throw new ProtocolError(`reply too large: more than ${this.#maxBytes} bytes`);
    }
  }

  #parse(): void {
    const buf = this.#buf;
    while (!this.#body) {
      const start = this.#pos;
      const lf = lineEnd(buf, start);
      if (lf === -1) {
        this.#need = 0;
        if (start === buf.length) {
          this.#buf = EMPTY;
          this.#pos = 0;
        }
        return;
      }
      if (lf === start || buf[lf - 1] !== CR) throw new ProtocolError('malformed reply: line not ended by CRLF');
      const type = buf[start] as number;
      let next = lf + 1;
      let value: Reply;
      switch (type) {
        case 0x2b: // +
          value = lineText(buf, start, lf);
          break;
        case 0x2d: // -
          value = new ReplyError(lineText(buf, start, lf));
          break;
        case 0x3a: // :
          value = parseInteger(lineText(buf, start, lf));
          break;
        case 0x24: // $
        case 0x3d: // =
        case 0x21: {
          // !
          const length = plainLength(buf, start + 1, lf - 1, this.#maxBytes) ?? this.#length(lineText(buf, start, lf), 'bulk', type === 0x24);
          if (length === -1) {
            value = null;
            break;
          }
          const end = next + length;
          if (end + 2 > buf.length) {
            if (this.#replyBytes + (end + 2 - start) > this.#maxBytes) {
              throw new ProtocolError(`reply too large: more than ${this.#maxBytes} bytes`);
            }
            if (length >= LARGE_BULK) {
              this.#consume(next - start);
              // Allocated for what has arrived (twice it, at least 64 KiB), never for the declared length.
              const arrived = buf.length - next;
              const data = Buffer.allocUnsafe(Math.min(length + 2, Math.max(arrived * 2, 64 * 1024)));
              this.#body = { type, total: length + 2, data, filled: 0 };
              this.#need = 0;
              return;
            }
            this.#need = end + 2 - start;
            return;
          }
          if (buf[end] !== CR || buf[end + 1] !== LF) {
            throw new ProtocolError('malformed reply: bulk string not ended by CRLF');
          }
          value = decodeBulk(buf, type, next, end);
          next = end + 2;
          break;
        }
        case 0x2a: // *
        case 0x7e: // ~
        case 0x25: // %
        case 0x3e: // >
        case 0x7c: {
          // |
          const aggregate = String.fromCharCode(type) as AggregateType;
          const length = plainLength(buf, start + 1, lf - 1, this.#maxBytes) ?? this.#length(lineText(buf, start, lf), aggregate === '%' || aggregate === '|' ? 'map' : 'array', type === 0x2a);
          if (length === -1) {
            value = null;
            break;
          }
          if (length === 0) {
            this.#consume(next - start);
            if (aggregate !== '|') this.#deliver(aggregate === '%' ? new Map() : [], aggregate === '>');
            continue;
          }
          if (this.shape !== undefined && type === 0x2a && this.#stack.length === 0) {
            if (this.shape === 'bulk-list') {
              const list = this.#bulkList(buf, next, length);
              if (list !== undefined) {
                this.#consume(list.end - start);
                this.#replyBytes = 0;
                this.#onReply(new BulkList(buf, list.bounds, list.hashes), false);
                continue;
              }
            } else {
              const mask = this.#nulls(buf, next, length);
              if (mask !== undefined) {
                this.#consume(mask.end - start);
                this.#replyBytes = 0;
                this.#onReply(new NullMask(mask.present), false);
                continue;
              }
            }
          }
          if (this.#stack.length >= MAX_DEPTH) {
            throw new ProtocolError(`reply nested deeper than ${MAX_DEPTH} levels`);
          }
          const remaining = aggregate === '%' || aggregate === '|' ? length * 2 : length;
          this.#stack.push({ type: aggregate, remaining, items: [] });
          this.#consume(next - start);
          continue;
        }
        case 0x2c: // ,
          value = parseDouble(lineText(buf, start, lf));
          break;
        case 0x23: {
          // #
          const flag = lineText(buf, start, lf);
          if (flag !== 't' && flag !== 'f') throw new ProtocolError(`invalid boolean '${clip(flag)}'`);
          value = flag === 't';
          break;
        }
        case 0x5f: // _
          if (lf - 1 !== start + 1) throw new ProtocolError('malformed null reply');
          value = null;
          break;
        case 0x28: {
          // (
          const digits = lineText(buf, start, lf);
          if (!INTEGER.test(digits)) throw new ProtocolError(`invalid big number '${clip(digits)}'`);
          value = BigInt(digits);
          break;
        }
        default:
          throw new ProtocolError(`unknown reply type byte 0x${type.toString(16).padStart(2, '0')}`);
      }
      this.#consume(next - start);
      this.#deliver(value);
    }
  }

  /**
   * The `count` bulk strings from `from` when all of them are in `buf`, each a plain length and its bytes ended by
   * CRLF, and the whole within the reply bound as the decoder counts it: where each member starts and ends, its
   * hash, and where the array ends. Undefined otherwise: the decoder then reads the reply as usual, which finds the
   * same errors where there are some.
   */
  #bulkList(buf: Buffer, from: number, count: number): { readonly bounds: Int32Array; readonly hashes: Int32Array; readonly end: number } | undefined {
    // Each member takes 6 bytes at least ($0 and two CRLF): a count the bytes cannot hold allocates nothing.
    if (count * 6 > buf.length - from) return undefined;
    // Where each member starts and ends, and its hash: taken from the connection's cells (one store for the 21
    // replies of an audit, where a typed array each cost an allocation outside the heap each).
    if (this.#cells.length - this.#cellsUsed < 3 * count) {
      this.#cells = new Int32Array(Math.max(CELLS, 3 * count));
      this.#cellsUsed = 0;
    }
    const bounds = this.#cells.subarray(this.#cellsUsed, this.#cellsUsed + 2 * count);
    const hashes = this.#cells.subarray(this.#cellsUsed + 2 * count, this.#cellsUsed + 3 * count);
    let at = from;
    for (let i = 0; i < count; i++) {
      if (buf[at] !== 0x24) return undefined;
      let lf = at + 1;
      const stop = Math.min(buf.length, at + 18);
      while (lf < stop && buf[lf] !== LF) lf += 1;
      if (lf === stop || buf[lf - 1] !== CR) return undefined;
      const length = plainLength(buf, at + 1, lf - 1, this.#maxBytes);
      if (length === undefined) return undefined;
      const start = lf + 1;
      const end = start + length;
      if (end + 2 > buf.length || buf[end] !== CR || buf[end + 1] !== LF) return undefined;
      bounds[2 * i] = start;
      bounds[2 * i + 1] = end;
      hashes[i] = bytesHash(buf, start, end);
      at = end + 2;
    }
    if (this.#replyBytes + (at - from) + (count + 1) * ELEMENT_COST > this.#maxBytes) return undefined;
    this.#cellsUsed += 3 * count;
    return { bounds, hashes, end: at };
  }

  /**
   * Which of the `count` elements from `from` are null, when all of them are in `buf` and hold only what the decoder
   * would read without an error (simple strings, errors, integers, bulk strings, arrays, nulls), nested less deep and
   * within the reply bound as the decoder counts them; and where the array ends. Undefined otherwise: the decoder
   * then reads the reply as usual, which finds the same errors where there are some.
   */
  #nulls(buf: Buffer, from: number, count: number): { readonly present: boolean[]; readonly end: number } | undefined {
    // Each element takes 3 bytes at least: a count the bytes cannot hold allocates nothing.
    if (count * 3 > buf.length - from) return undefined;
    const present: boolean[] = [];
    // Values still to read at each depth of the element under way (the first: the element itself).
    const pending = this.#pending;
    let elements = count;
    let at = from;
    for (let i = 0; i < count; i++) {
      pending.length = 0;
      pending.push(1);
      let isNull = false;
      for (let first = true; pending.length > 0; first = false) {
        const type = buf[at];
        let lf = at + 1;
        const stop = Math.min(buf.length, at + 64);
        while (lf < stop && buf[lf] !== LF) lf += 1;
        if (lf === stop || buf[lf - 1] !== CR || lf - 1 === at + 1) return undefined;
        const nullLine = lf - 1 === at + 3 && buf[at + 1] === 0x2d && buf[at + 2] === 0x31;
        let next = lf + 1;
        pending[pending.length - 1]! -= 1;
        if (type === 0x24 || type === 0x2a) {
          // A bulk string or an array, or their null.
          if (first) isNull = nullLine;
          if (!nullLine) {
            const length = plainLength(buf, at + 1, lf - 1, this.#maxBytes);
            if (length === undefined) return undefined;
            if (type === 0x24) {
              if (next + length + 2 > buf.length || buf[next + length] !== CR || buf[next + length + 1] !== LF) return undefined;
              next += length + 2;
            } else if (length > 0) {
              // Its elements come next, one level deeper (the decoder's frames: the top-level array is the first).
              if (pending.length + 1 >= MAX_DEPTH) return undefined;
              pending.push(length);
              elements += length;
            }
          }
        } else if (type === 0x3a) {
          // An integer, as parseInteger takes it.
          let d = at + 1;
          if (buf[d] === 0x2b || buf[d] === 0x2d) d += 1;
          if (d === lf - 1) return undefined;
          for (; d < lf - 1; d++) if (buf[d]! < 0x30 || buf[d]! > 0x39) return undefined;
        } else if (type !== 0x2b && type !== 0x2d) {
          // Anything but a simple string or an error: the decoder decides.
          return undefined;
        }
        at = next;
        while (pending.length > 0 && pending[pending.length - 1] === 0) pending.pop();
      }
      present.push(!isNull);
    }
    if (this.#replyBytes + (at - from) + (elements + 2) * ELEMENT_COST > this.#maxBytes) return undefined;
    return { present, end: at };
  }

  #length(text: string, what: 'bulk' | 'array' | 'map', nullable: boolean): number {
    if (!/^-?\d+$/.test(text)) throw new ProtocolError(`invalid ${what} length '${clip(text)}'`);
    const length = Number(text);
    if (length < 0) {
      if (length === -1 && nullable) return -1;
      throw new ProtocolError(`invalid ${what} length ${clip(text)}`);
    }
    if (length > this.#maxBytes) {
      const unit = what === 'bulk' ? ' bytes' : '';
      throw new ProtocolError(`reply too large: ${what} length ${clip(text)} exceeds ${this.#maxBytes}${unit}`);
    }
    return length;
  }

  #consume(bytes: number): void {
    this.#pos += bytes;
    this.#replyBytes += bytes;
    if (this.#replyBytes > this.#maxBytes) {
      throw new ProtocolError(`reply too large: more than ${this.#maxBytes} bytes`);
    }
  }

  #deliver(value: Reply, isPush = false): void {
    for (;;) {
      const frame = this.#stack.at(-1);
      if (!frame) {
        this.#replyBytes = 0;
        this.#onReply(value, isPush);
        return;
      }
      this.#replyBytes += ELEMENT_COST;
      if (this.#replyBytes > this.#maxBytes) {
        throw new ProtocolError(`reply too large: more than ${this.#maxBytes} bytes`);
      }
      frame.items.push(value);
      frame.remaining -= 1;
      if (frame.remaining > 0) return;
      this.#stack.pop();
      // An attribute annotates the element that follows it; we have no use for it.
      if (frame.type === '|') return;
      value = frame.type === '%' ? toMap(frame.items) : frame.items;
      isPush = frame.type === '>';
    }
  }
}

/** The text of a reply line after its type byte (a closure per element was most of the parser's garbage). */
function lineText(buf: Buffer, start: number, lf: number): string {
  return buf.toString('utf8', start + 1, lf - 1);
}

/**
 * The common case of a length header, read from the bytes without making a string: a few decimal digits, within
 * `max`. Anything else (a sign, a null, too large, not digits) is undefined, and the caller's checks decide.
 */
function plainLength(buf: Buffer, from: number, to: number, max: number): number | undefined {
  if (to <= from || to - from > 15) return undefined;
  let n = 0;
  for (let i = from; i < to; i++) {
    const digit = (buf[i] as number) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    n = n * 10 + digit;
  }
  return n <= max ? n : undefined;
}

/** Lines a process looks for with V8's own search before the JavaScript one below: more than one target's reply. */
let builtinLinesLeft = 4096;
const typedIndexOf = Uint8Array.prototype.indexOf;

/**
 * The line feed ending the line that starts at `start`, or -1: looked for in JavaScript over the first bytes (a
 * header is a few), natively beyond. A native search per element (Buffer's, through Node's JavaScript) cost more
 * than the rest of its header's parsing once V8 has optimized this loop. In the first target of a process the loop
 * runs in V8's interpreter and gets hot enough to be optimized, for nothing (see {@link shortText}): there V8's
 * own typed-array search is used, which needs neither. Decoding one audit reply in a fresh process: 11 to 15 ms
 * of CPU with the loop, 7 to 8 with V8's search (6 runs each, load 14); 200 in one process, 126 to 140 ms with the
 * loop, 138 to 170 with V8's search alone.
 */
function lineEnd(buf: Buffer, start: number): number {
  if (builtinLinesLeft > 0) {
    builtinLinesLeft -= 1;
    return typedIndexOf.call(buf, LF, start);
  }
  const stop = Math.min(buf.length, start + 32);
  for (let i = start; i < stop; i++) if (buf[i] === LF) return i;
  return stop === buf.length ? -1 : buf.indexOf(LF, stop);
}

/** Bulk strings at most this long and all ASCII are made once and shared: see {@link shortText}. */
const SHORT_BULK = 24;
/** Short strings already made, by a hash of their bytes (the last one of each hash); started afresh when full. */
const shortTexts = new Map<number, string>();
const MAX_SHORT_TEXTS = 8192;

/**
 * Short bulk strings a process decodes before it starts sharing them (see {@link shortText}): more than one
 * target's audit reply holds (some 1,600), fewer than two.
 */
const UNSHARED_SHORT_TEXTS = 2048;
let unsharedLeft = UNSHARED_SHORT_TEXTS;

/**
 * A short ASCII bulk string, the same string each time its bytes come again: the command names of ACL CAT and
 * COMMAND INFO and the parameter names of CONFIG GET, some 1,600 per target, are the same on every server of a
 * fleet. Comparing the bytes with a string made before costs less than making one, and what a target keeps of
 * them is then shared rather than garbage to copy and collect. A hash collision is told by the comparison and
 * makes a string of its own; the table is bounded whatever a server sends.
 *
 * Not in the first target of a process: there nothing comes again yet, the byte loops run in V8's interpreter,
 * and they become hot enough for its optimizing compiler, whose compile alone cost more CPU than decoding.
 * Decoding one audit reply in a fresh process: 23 to 28 ms of CPU with the loops, 12 to 16 ms with a plain
 * decode (5 runs each, load 6); 200 replies in one process, the same either way (medians 205 and 196 ms).
 */
function shortText(buf: Buffer, start: number, end: number): string {
  if (unsharedLeft > 0) {
    unsharedLeft -= 1;
    return buf.toString('utf8', start, end);
  }
  let hash = end - start;
  for (let i = start; i < end; i++) {
    const byte = buf[i]!;
    if (byte >= 0x80) return buf.toString('utf8', start, end);
    hash = (Math.imul(hash, 31) + byte) | 0;
  }
  const known = shortTexts.get(hash);
  if (known !== undefined && sameBytes(known, buf, start, end)) return known;
  // ASCII: Latin-1 and UTF-8 read it alike, and Latin-1 does not validate.
  const text = buf.toString('latin1', start, end);
  if (shortTexts.size >= MAX_SHORT_TEXTS) shortTexts.clear();
  shortTexts.set(hash, text);
  return text;
}

function sameBytes(text: string, buf: Buffer, start: number, end: number): boolean {
  if (text.length !== end - start) return false;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

function decodeBulk(buf: Buffer, type: number, start: number, end: number): Reply {
  if (type === 0x24 && end - start <= SHORT_BULK) return shortText(buf, start, end);
  if (type === 0x21) return new ReplyError(buf.toString('utf8', start, end));
  if (type === 0x3d) {
    // Verbatim strings start with a three-letter format and a colon, e.g. "txt:".
    if (end - start < 4 || buf[start + 3] !== 0x3a) throw new ProtocolError('malformed verbatim string');
    return buf.toString('utf8', start + 4, end);
  }
  return buf.toString('utf8', start, end);
}

function parseInteger(text: string): number | bigint {
  if (!INTEGER.test(text)) throw new ProtocolError(`invalid integer '${clip(text)}'`);
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

function parseDouble(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan' || lower === '-nan') return Number.NaN;
  if (!DOUBLE.test(text)) throw new ProtocolError(`invalid double '${clip(text)}'`);
  return Number(text);
}

function toMap(items: readonly Reply[]): Map<Reply, Reply> {
  const map = new Map<Reply, Reply>();
  for (let i = 0; i + 1 < items.length; i += 2) map.set(items[i] as Reply, items[i + 1] as Reply);
  return map;
}

function clip(text: string): string {
  return text.length > 24 ? `${text.slice(0, 24)}…` : text;
}

/**
 * Decodes a byte stream delivered in the given pieces, as a connection would: the replies, then the protocol error
 * that stopped decoding, if any. With `shapes`, reply `i` is handed over as `shapes[i]` asks, as a connection's
 * pipeline does. For property tests and tools; connections use the same decoder.
 */
export function decodeChunks(chunks: readonly Uint8Array[], maxReplyBytes?: number): { replies: Reply[]; error?: string };
export function decodeChunks(chunks: readonly Uint8Array[], maxReplyBytes: number | undefined, shapes: readonly ReplyShape[]): { replies: (Reply | Shaped)[]; error?: string };
export function decodeChunks(chunks: readonly Uint8Array[], maxReplyBytes = DEFAULT_MAX_REPLY_BYTES, shapes?: readonly ReplyShape[]): { replies: (Reply | Shaped)[]; error?: string } {
  const replies: (Reply | Shaped)[] = [];
  const decoder = new Decoder(maxReplyBytes, (reply) => {
    replies.push(reply);
    decoder.shape = shapes?.[replies.length];
  });
  decoder.shape = shapes?.[0];
  try {
    for (const chunk of chunks) decoder.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  } catch (error) {
    if (error instanceof ProtocolError) return { replies, error: error.message };
    throw error;
  }
  return { replies };
}
