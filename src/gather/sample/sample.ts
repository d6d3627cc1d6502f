import type { InfoSections, SampleDatabase, SampleFacts, SampleFinding, Source } from '../../facts/types.ts';
import type { ConnectOptions, Reply, RespConnection } from '../live/resp.ts';
import { connect, ConnectionError, ReplyError } from '../live/resp.ts';
import type { Target } from '../../redis/target.ts';
import { authCommand, targetConnectOptions } from '../live/login.ts';
import type { KeyVerdict } from '../../sample/classify.ts';
import { classifyKeyName, classifyValue, emptyVerdict } from '../../sample/classify.ts';
import { keyPatterns } from '../../sample/key-pattern.ts';
import { nodeCrypto } from '../../util/builtin.ts';
import { isAtLeast, majorMinor } from '../../redis/version.ts';

/** What to sample, and within which budgets (`--sample-data`, `--sample-databases`, `--sample-time`, `--sample-bytes`). */
export interface SampleRequest {
  /** Keys per database. Default 1,000. */
  readonly keys?: number;
  /** Logical databases; default every non-empty one INFO keyspace lists (db0 on a cluster). */
  readonly databases?: readonly number[];
  /** Time budget in milliseconds for the whole sample. Default 5,000. */
  readonly timeMs?: number;
  /** Byte budget: replies read in all. Default 32 MiB. */
  readonly bytes?: number;
}

export const SAMPLE_DEFAULTS = { keys: 1000, timeMs: 5000, bytes: 32 * 1024 * 1024 } as const;

/**
 * Exactly what sampling needs (7.0+; on 6.x write `~*` for `%R~*`). `SELECT` for other databases, `READONLY`
 * for a cluster replica; `HSCAN` on servers older than 6.2, which have no `HRANDFIELD`.
 */
export const SAMPLE_ACL_GRANTS = '+select +readonly +scan +type +getrange +hrandfield +hscan +lrange +srandmember +zrange +xrange %R~*';

/** The commands the sampler may send, and nothing else (MONITOR test, docs/auditor-user.md). */
export const SAMPLE_COMMANDS: ReadonlySet<string> = new Set(['auth', 'client', 'select', 'readonly', 'scan', 'type', 'getrange', 'hrandfield', 'hscan', 'lrange', 'srandmember', 'zrange', 'xrange']);

/**
 * CLIENT NO-TOUCH came with Redis 7.2 (Valkey has it from its first release, 7.2): on the sampling connection the
 * reads leave each key's LRU clock / LFU counter as it was (QA45-4: else every sampled key looks freshly used to an
 * allkeys-lru / -lfu cache, and the eviction order changes). Hit/miss counters (INFO keyspace_hits) still count.
 * An unknown version is not sent it.
 */
export function supportsNoTouch(version: string | undefined): boolean {
  const v = majorMinor(version);
  return v !== undefined && isAtLeast(v, 7, 2);
}

/** Bytes read from a string value; 4 KiB holds any token, key or document header worth finding. */
const STRING_BYTES = 4096;
/** Elements read per collection (16 hash fields, list or set members, sorted-set members), 8 stream entries. */
const ELEMENTS = 16;
const STREAM_ENTRIES = 8;
/** Keys whose TYPE and values are asked in one pipeline. */
const BATCH = 32;
/** One reply may be at most this big: a larger one (a huge hash field) drops the connection, never the budget. */
const MAX_REPLY_BYTES = 1024 * 1024;
/** Oversized replies tolerated before sampling stops: each costs a reconnection. */
const MAX_RECONNECTS = 4;
/** Key names longer than this are not read (they are counted as unread). */
const MAX_KEY_NAME = 1024;

export interface SampleContext {
  readonly info?: InfoSections | undefined;
  readonly version?: string | undefined;
  readonly mode?: 'standalone' | 'cluster' | 'sentinel' | undefined;
  /** The node is a replica (a cluster replica needs READONLY). */
  readonly replica?: boolean;
  readonly connectTimeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

export type SampleOutcome = { readonly ok: true; readonly facts: SampleFacts } | { readonly ok: false; readonly reason: string };

function source(target: Target): Source {
  return { kind: 'live', command: `SCAN/TYPE/GETRANGE… sample of ${target.display}` };
}

/** Non-empty databases and their sizes from INFO keyspace (`db0:keys=12,expires=0,avg_ttl=0`). */
export function keyspaceSizes(info: InfoSections | undefined): Map<number, number> {
  const sizes = new Map<number, number>();
  for (const [name, value] of info?.get('keyspace') ?? []) {
    const db = /^db(\d+)$/.exec(name);
    const keys = /(?:^|,)keys=(\d+)/.exec(value);
    if (db && keys) sizes.set(Number(db[1]), Number(keys[1]));
  }
  return sizes;
}

/** HRANDFIELD came with 6.2; an unknown version is taken as one that has it. */
function supportsHrandfield(version: string | undefined): boolean {
  const v = majorMinor(version);
  return v === undefined || isAtLeast(v, 6, 2);
}

/** Approximate bytes of a reply as it was on the wire, capped by the walk (replies are already bounded). */
function replyBytes(reply: Reply): number {
  if (typeof reply === 'string') return reply.length + 8;
  if (Array.isArray(reply)) return reply.reduce<number>((sum, r) => sum + replyBytes(r), 8);
  if (reply instanceof ReplyError) return reply.message.length + 8;
  return 8;
}

class Budget {
  readonly deadline: number;
  bytes = 0;
  constructor(readonly limits: { keys: number; timeMs: number; bytes: number }, readonly started: number) {
    this.deadline = started + limits.timeMs;
  }
  exhausted(): string | undefined {
    if (Date.now() >= this.deadline) return `time budget (${this.limits.timeMs / 1000} s) reached`;
    if (this.bytes >= this.limits.bytes) return `byte budget (${this.limits.bytes} bytes) reached`;
    return undefined;
  }
}

/** Thrown inside the sampler to stop it with a reason; never leaves this module. */
class Stop extends Error {}

/**
 * {@link SAMPLE_ACL_GRANTS} as the server's release takes it: before 7.0 `~*` (no `%R`, refused by 6.x), and before
 * 6.2 without `+hrandfield` (6.0 refuses a command it does not have), so that the line given works as written.
 */
export function sampleGrants(version: string | undefined): string {
  const v = majorMinor(version);
  if (v !== undefined && supportsNoTouch(version)) return `+client|no-touch ${SAMPLE_ACL_GRANTS}`;
  if (v === undefined || isAtLeast(v, 7)) return SAMPLE_ACL_GRANTS;
  const words = SAMPLE_ACL_GRANTS.split(' ').map((w) => (w === '%R~*' ? '~*' : w));
  return (supportsHrandfield(version) ? words : words.filter((w) => w !== '+hrandfield')).join(' ');
}

const NOPERM_REASON = (what: string, version: string | undefined) =>
  `the audit user may not ${what}, so the keyspace was not sampled: grant exactly what sampling needs with ` +
  `ACL SETUSER <auditor> ${sampleGrants(version)} (docs/auditor-user.md)`;

/**
 * Samples the keyspace of one server, read-only and within budgets: SCAN from a random cursor, TYPE, and one bounded
 * read per key (GETRANGE, HRANDFIELD/HSCAN, LRANGE, SRANDMEMBER, ZRANGE, XRANGE), pipelined. Returns counts per
 * detector and masked key pattern; every value and key name stays inside this function.
 */
export async function sampleKeyspace(target: Target, request: SampleRequest, context: SampleContext = {}): Promise<SampleOutcome> {
  const limits = {
    keys: request.keys ?? SAMPLE_DEFAULTS.keys,
    timeMs: request.timeMs ?? SAMPLE_DEFAULTS.timeMs,
    bytes: request.bytes ?? SAMPLE_DEFAULTS.bytes,
  };
  const budget = new Budget(limits, Date.now());
  const sizes = keyspaceSizes(context.info);
  const cluster = context.mode === 'cluster';
  const notes: string[] = [];
  let databases: number[];
  if (request.databases && request.databases.length > 0) {
    databases = [...new Set(request.databases)];
    if (cluster && databases.some((db) => db !== 0)) {
      notes.push('a cluster has only db0: the other databases asked for were not sampled');
      databases = databases.filter((db) => db === 0);
    }
  } else {
    databases = cluster ? [0] : [...sizes.keys()].sort((a, b) => a - b);
    if (databases.length === 0 && context.info === undefined) databases = [0];
  }
  const connectOptions: ConnectOptions = {
    ...(await targetConnectOptions(target, { connectTimeoutMs: context.connectTimeoutMs, commandTimeoutMs: Math.max(1, limits.timeMs) })),
    maxReplyBytes: MAX_REPLY_BYTES,
  };
  const sampler = new Sampler(connectOptions, target, context, budget);
  const results: SampleDatabase[] = [];
  const findings: SampleFinding[] = [];
  let stopped: string | undefined;
  /** The databases left once sampling stopped: one note names them, not one note each (a hostile INFO keyspace lists 300,000). */
  const unsampled: number[] = [];
  // A hard stop at the deadline: a server that trickles bytes cannot hold the audit beyond the time budget.
  const timer = setTimeout(() => sampler.abort(`time budget (${limits.timeMs / 1000} s) reached`), limits.timeMs + 250);
  const onAbort = (): void => sampler.abort('the audit was cancelled');
  context.signal?.addEventListener('abort', onAbort, { once: true });
  if (context.signal?.aborted) onAbort();
  try {
    for (const db of databases) {
      if (stopped) {
        unsampled.push(db);
        continue;
      }
      if (!cluster && sizes.size > 0 && !sizes.has(db)) {
        notes.push(`db${db} is empty`);
        results.push({ db, size: 0, keys: 0, encrypted: 0, hashed: 0, unread: {} });
        continue;
      }
      const outcome = await sampler.database(db, limits.keys);
      if (typeof outcome === 'string' && outcome.startsWith('denied:')) return { ok: false, reason: outcome.slice('denied:'.length) };
      const { verdicts, unread, stop } = outcome as DbOutcome;
      stopped = stop;
      const patterns = keyPatterns(verdicts.map((v) => v.key));
      const counts = new Map<string, number>();
      let encrypted = 0;
      let hashed = 0;
      verdicts.forEach(({ verdict }, i) => {
        if (verdict.encrypted) encrypted += 1;
        if (verdict.hashed) hashed += 1;
        for (const detector of verdict.plaintext) {
          const id = `${detector}\u0000${patterns[i]}`;
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
      });
      for (const [id, keys] of counts) {
        const [detector, pattern] = id.split('\u0000') as [string, string];
        findings.push({ detector, pattern, db, keys });
      }
      results.push({ db, size: sizes.get(db), keys: verdicts.length, encrypted, hashed, unread });
    }
    if (unsampled.length > 0) {
      const named = unsampled.slice(0, 10).map((db) => `db${db}`).join(', ');
      const more = unsampled.length > 10 ? ` and ${(unsampled.length - 10).toLocaleString('en-US')} more` : '';
      notes.push(`${named}${more} ${unsampled.length === 1 ? 'was' : 'were'} not sampled: ${stopped}`);
    }
  } catch (error) {
    if (error instanceof Stop) return { ok: false, reason: error.message };
    throw error;
  } finally {
    clearTimeout(timer);
    context.signal?.removeEventListener('abort', onAbort);
    await sampler.close();
  }
  return {
    ok: true,
    facts: {
      node: target.display,
      replica: context.replica === true,
      databases: results,
      findings,
      limits,
      bytesRead: budget.bytes,
      elapsedMs: Date.now() - budget.started,
      stopped,
      notes,
      source: source(target),
    },
  };
}

interface DbOutcome {
  readonly verdicts: { key: string; verdict: KeyVerdict }[];
  readonly unread: Record<string, number>;
  readonly stop: string | undefined;
}

class Sampler {
  #conn: RespConnection | undefined;
  #db = 0;
  #reconnects = 0;
  #aborted: string | undefined;

  constructor(
    readonly options: ConnectOptions,
    readonly target: Target,
    readonly context: SampleContext,
    readonly budget: Budget,
  ) {}

  abort(reason: string): void {
    this.#aborted = reason;
    void this.#conn?.close();
  }

  async close(): Promise<void> {
    await this.#conn?.close();
    this.#conn = undefined;
  }

  /** Sends commands on the sampling connection, (re)connecting and authenticating as needed. */
  async #send(commands: readonly (readonly string[])[]): Promise<Reply[]> {
    if (this.#aborted) throw new Stop(this.#aborted);
    if (!this.#conn || this.#conn.closed) {
      const conn = await connect({ ...this.options, commandTimeoutMs: Math.max(1, this.budget.deadline - Date.now()) }).catch((error: unknown) => {
        throw new Stop(`the keyspace could not be sampled: ${error instanceof Error ? error.message : String(error)}`);
      });
      this.#conn = conn;
      const setup: string[][] = [];
      const auth = authCommand(this.target);
      if (auth) setup.push(auth);
      if (supportsNoTouch(this.context.version)) setup.push(['CLIENT', 'NO-TOUCH', 'ON']);
      if (this.context.mode === 'cluster' && this.context.replica) setup.push(['READONLY']);
      if (this.#db !== 0) setup.push(['SELECT', String(this.#db)]);
      if (setup.length > 0) {
        const replies = await conn.pipeline(setup);
        const failed = replies.find((r) => r instanceof ReplyError) as ReplyError | undefined;
        if (failed) {
          // The command's name only (an AUTH's words are credentials); CLIENT with its subcommand (NO-TOUCH).
          const [name, sub] = setup[replies.indexOf(failed)]!;
          if (failed.code === 'NOPERM') throw new Stop(NOPERM_REASON(`run ${name === 'CLIENT' ? `CLIENT ${sub}` : name}`, this.context.version));
          throw new Stop(`the keyspace could not be sampled: ${failed.message}`);
        }
      }
    }
    const replies = await this.#conn.pipeline(commands);
    for (const reply of replies) this.budget.bytes += replyBytes(reply);
    return replies;
  }

  async #select(db: number): Promise<void> {
    if (this.#conn && !this.#conn.closed && db !== this.#db) {
      const [reply] = await this.#send([['SELECT', String(db)]]);
      if (reply instanceof ReplyError) {
        if (reply.code === 'NOPERM') throw new Stop(NOPERM_REASON('run SELECT', this.context.version));
        throw new Stop(`db${db} could not be selected: ${reply.message}`);
      }
    }
    this.#db = db;
  }

  /** Samples one database: keys from SCAN, then their types and values, batch by batch. */
  async database(db: number, wanted: number): Promise<DbOutcome | string> {
    const verdicts: { key: string; verdict: KeyVerdict }[] = [];
    const unread: Record<string, number> = {};
    const count = (why: string, n = 1): void => {
      unread[why] = (unread[why] ?? 0) + n;
    };
    let stop: string | undefined;
    try {
      await this.#select(db);
      const seen = new Set<string>();
      const pending: string[] = [];
      // A random start: SCAN accepts any cursor and masks it to the table size, so any value starts somewhere.
      const start = String(nodeCrypto().randomInt(0, 2 ** 32));
      let cursor = start;
      let wrapped = false;
      // A server that keeps returning cursors without new keys cannot keep us scanning.
      let scans = 0;
      const maxScans = Math.ceil(wanted / 10) + 100;
      let done = false;
      while (!done) {
        stop = this.budget.exhausted();
        if (stop) break;
        if (pending.length < BATCH && cursor !== 'end') {
          if (++scans > maxScans) {
            cursor = 'end';
          } else {
            const [reply] = await this.#send([['SCAN', cursor, 'COUNT', '100']]);
            if (reply instanceof ReplyError) {
              if (reply.code === 'NOPERM') return `denied:${NOPERM_REASON('run SCAN', this.context.version)}`;
              throw new Stop(`SCAN failed: ${reply.message}`);
            }
            if (!Array.isArray(reply) || reply.length !== 2 || typeof reply[0] !== 'string' || !Array.isArray(reply[1])) {
              throw new Stop('SCAN gave an unexpected reply');
            }
            for (const key of reply[1]) {
              if (seen.size >= wanted) break;
              if (typeof key !== 'string' || seen.has(key)) continue;
              seen.add(key);
              if (key.length > MAX_KEY_NAME) count('long key name');
              else pending.push(key);
            }
            cursor = reply[0];
            if (cursor === '0') {
              // The end of the table: go on from the start once, up to where this scan began.
              if (wrapped || start === '0') cursor = 'end';
              wrapped = true;
            }
            if (seen.size >= wanted) cursor = 'end';
          }
        }
        if (pending.length >= BATCH || (cursor === 'end' && pending.length > 0)) {
          await this.#batch(pending.splice(0, BATCH), verdicts, count);
        }
        if (cursor === 'end' && pending.length === 0) done = true;
      }
    } catch (error) {
      if (error instanceof Stop) {
        if (verdicts.length === 0 && /may not/.test(error.message)) return `denied:${error.message}`;
        stop = error.message;
      } else if (error instanceof ConnectionError) {
        // The command deadline is what is left of the time budget: a timeout is the budget running out.
        stop = this.#aborted ?? (error.kind === 'timeout' ? `time budget (${this.budget.limits.timeMs / 1000} s) reached` : `the sampling connection failed: ${error.message}`);
      } else {
        throw error;
      }
    }
    if (verdicts.length === 0 && (unread['no permission'] ?? 0) > 0) return `denied:${NOPERM_REASON('read the sampled keys', this.context.version)}`;
    return { verdicts, unread, stop };
  }

  async #batch(keys: string[], verdicts: { key: string; verdict: KeyVerdict }[], count: (why: string, n?: number) => void): Promise<void> {
    let types: Reply[];
    try {
      types = await this.#send(keys.map((k) => ['TYPE', k]));
    } catch (error) {
      if (await this.#oversized(error)) {
        count('too large', keys.length);
        return;
      }
      throw error;
    }
    const reads: { key: string; type: string; args: string[] }[] = [];
    types.forEach((reply, i) => {
      const key = keys[i] as string;
      if (reply instanceof ReplyError) {
        count(reply.code === 'NOPERM' ? 'no permission' : 'error');
        return;
      }
      const type = typeof reply === 'string' ? reply : '';
      const args = this.#readCommand(key, type);
      if (args) reads.push({ key, type, args });
      else count(type === 'none' ? 'gone' : type === '' ? 'error' : 'module type');
    });
    let replies: Reply[];
    try {
      replies = await this.#send(reads.map((r) => r.args));
    } catch (error) {
      if (!(await this.#oversized(error))) throw error;
      // One of the batch's values was over the reply limit: read them one by one to drop only that one.
      replies = [];
      for (const read of reads) {
        try {
          replies.push(...(await this.#send([read.args])));
        } catch (inner) {
          if (!(await this.#oversized(inner))) throw inner;
          replies.push(new ReplyError('REDFORT too large'));
        }
      }
    }
    reads.forEach(({ key, type }, i) => {
      const reply = replies[i] as Reply;
      if (reply instanceof ReplyError) {
        count(reply.code === 'NOPERM' ? 'no permission' : reply.message === 'REDFORT too large' ? 'too large' : 'error');
        return;
      }
      const verdict = emptyVerdict();
      classifyKeyName(key, verdict);
      const field = lastSegment(key);
      for (const [name, value] of elements(type, reply)) classifyValue(value, name ?? (type === 'string' ? field : undefined), verdict);
      verdicts.push({ key, verdict });
    });
  }

  /** True when the error is an over-limit reply: the connection is gone, and a new one is allowed (a few times). */
  async #oversized(error: unknown): Promise<boolean> {
    if (!(error instanceof ConnectionError) || error.kind !== 'protocol' || !/too large/.test(error.message)) return false;
    await this.close();
    this.#reconnects += 1;
    if (this.#reconnects > MAX_RECONNECTS) throw new Stop(`stopped after ${MAX_RECONNECTS} values over ${MAX_REPLY_BYTES} bytes`);
    return true;
  }

  #readCommand(key: string, type: string): string[] | undefined {
    switch (type) {
      case 'string':
        return ['GETRANGE', key, '0', String(STRING_BYTES - 1)];
      case 'hash':
        return supportsHrandfield(this.context.version) ? ['HRANDFIELD', key, String(ELEMENTS), 'WITHVALUES'] : ['HSCAN', key, '0', 'COUNT', String(ELEMENTS)];
      case 'list':
        return ['LRANGE', key, '0', String(ELEMENTS - 1)];
      case 'set':
        return ['SRANDMEMBER', key, String(ELEMENTS)];
      case 'zset':
        return ['ZRANGE', key, '0', String(ELEMENTS - 1)];
      case 'stream':
        return ['XRANGE', key, '-', '+', 'COUNT', String(STREAM_ENTRIES)];
      default:
        // Module types (ReJSON-RL, …) and `none` (expired meanwhile): nothing is read.
        return undefined;
    }
  }
}

/** The last segment of a key name, as the field a string value is stored under (`user:42:password`). */
function lastSegment(key: string): string | undefined {
  const segment = key.split(/[:/|#.]/).at(-1);
  return segment === undefined || segment === key && !/[a-z]/i.test(segment) ? undefined : segment;
}

/** The (field, value) pairs of one read's reply; fields only where the type has them (hash, stream). */
function* elements(type: string, reply: Reply): Generator<[string | undefined, string]> {
  if (typeof reply === 'string') {
    yield [undefined, reply];
    return;
  }
  if (!Array.isArray(reply)) return;
  if (type === 'hash') {
    // HRANDFIELD … WITHVALUES: [f, v, f, v]; HSCAN: [cursor, [f, v, …]].
    const flat = reply.length === 2 && Array.isArray(reply[1]) ? reply[1] : reply;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const f = flat[i];
      const v = flat[i + 1];
      if (typeof v === 'string') yield [typeof f === 'string' ? f : undefined, v];
    }
    return;
  }
  if (type === 'stream') {
    for (const entry of reply) {
      if (!Array.isArray(entry) || !Array.isArray(entry[1])) continue;
      const fields = entry[1];
      for (let i = 0; i + 1 < fields.length; i += 2) {
        const f = fields[i];
        const v = fields[i + 1];
        if (typeof v === 'string') yield [typeof f === 'string' ? f : undefined, v];
      }
    }
    return;
  }
  for (const item of reply) if (typeof item === 'string') yield [undefined, item];
}
