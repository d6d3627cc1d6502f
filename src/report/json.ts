import { findingFingerprint } from '../engine/triage/baseline.ts';
import type { RuleResult, TargetResult } from '../engine/run.ts';
import type { AuditReport, Reporter } from './types.ts';
import { ChunkWriter } from '../util/chunk-writer.ts';

/** A target of the JSON report without its results, in the report's key order (JSON Lines writes the same). */
export function targetHead(t: TargetResult): Record<string, unknown> {
  return {
    target: t.target,
    ...(t.error !== undefined ? { error: t.error } : {}),
    ...(t.hostOnly !== undefined ? { hostOnly: t.hostOnly } : {}),
    ...(t.server ? { server: t.server } : {}),
    ...(t.kind ? { kind: t.kind } : {}),
    ...(t.role ? { role: t.role } : {}),
    ...(t.warnings?.length ? { warnings: t.warnings } : {}),
    ...(t.sample ? { sample: t.sample } : {}),
    ...(t.labels ? { labels: t.labels } : {}),
  };
}

/** What a suppression's `fingerprint:` and a baseline match of failure `r` of target `t` (paths below `root` relative). */
export function failureFingerprint(t: TargetResult, r: RuleResult, root: string | undefined): string {
  return findingFingerprint(r.ruleId, t.target, r.message, root);
}

/**
 * The machine contract: docs/json-report.schema.json. Stable field names; additions only. A failure carries its
 * `fingerprint`, the value a suppression's `fingerprint:` and a baseline match (paths below `root` relative to it).
 */
export const jsonReporter: Reporter = (report, { root }) => {
  const parts: string[] = [];
  // Each chunk ends between two characters (see ChunkWriter): decoded apart, they join to the whole text.
  for (const chunk of jsonReportChunks(report, root)) parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8'));
  return parts.join('');
};

/** The report's top-level keys, in order, and where the targets go. */
const TARGETS_KEY = '\n  "targets": ';

/**
 * The JSON report as UTF-8, in chunks of at most 64 KiB (see {@link ChunkWriter}), as they are made: the same text as
 * `JSON.stringify(report, null, 2)` and a line feed, written one target at a time into reused buffers. A chunk is
 * only valid until the next one is asked for (its buffer is written again): a consumer writes it or copies it first.
 * Each chunk holds whole characters, so that chunks may be decoded apart.
 *
 * A fleet's report is some 50 KB per target. Made by JSON.stringify, each target was a string of parts (V8's
 * builder), made flat again to be sliced, and in UTF-16, as six remediations hold a character beyond Latin-1: about
 * 200 KB of fresh memory per target, 40 MB for 200 targets, for the collector and the page faults. Here the fields
 * that repeat from target to target (a rule's own words, the key lines) are encoded once and copied as bytes.
 */
export function* jsonReportChunks(report: AuditReport, root: string | undefined): Generator<Uint8Array, void, undefined> {
  const stream = new JsonReportStream(report.tool, root);
  for (const t of report.targets) yield* stream.target(t);
  yield* stream.end(report);
}

/**
 * {@link jsonReportChunks} for a report whose targets come one at a time (a fleet writes each as it is done, in the
 * inventory's order, and keeps none): the tool's part first, then each target's, then the rest (the summary and the
 * warnings, known at the end).
 */
export class JsonReportStream {
  readonly #w = new ChunkWriter();
  readonly #tool: AuditReport['tool'];
  readonly #root: string | undefined;
  #targets = 0;

  constructor(tool: AuditReport['tool'], root: string | undefined) {
    this.#tool = tool;
    this.#root = root;
  }

  /**
   * The chunks full once `t` is written (the report's start before the first target): a result, or its entry's
   * bytes as {@link jsonTargetBytes} made them (in the worker thread that audited it).
   */
  *target(t: TargetResult | Uint8Array): Generator<Uint8Array, void, undefined> {
    const w = this.#w;
    if (this.#targets === 0) w.text(`${skeletonOf({ tool: this.#tool }).head}[`);
    else w.byte(COMMA);
    this.#targets += 1;
    // As an element of the report's targets: its own line, four spaces in, its fields six.
    w.bytes(lineBreak(2));
    if (t instanceof Uint8Array) w.bytes(t);
    else writeTarget(w, t, this.#root);
    yield* w.take(false);
  }

  /** The rest of the report: what no target filled, the end of the targets, the summary, the warnings. */
  *end(report: Pick<AuditReport, 'summary' | 'warnings'>): Generator<Uint8Array, void, undefined> {
    const { head, tail } = skeletonOf({ tool: this.#tool, ...report });
    this.#w.text(this.#targets === 0 ? `${head}[]${tail}\n` : `\n  ]${tail}\n`);
    yield* this.#w.take(true);
  }
}

/** Where {@link jsonTargetBytes} writes: one per thread, its buffers reused from target to target. */
let entryWriter: ChunkWriter | undefined;

/**
 * Target `t`'s entry of the JSON report, as {@link JsonReportStream.target} writes it from the result, in a buffer of
 * its own (a worker thread moves it to the main thread without a copy, and the result itself need not cross).
 */
export function jsonTargetBytes(t: TargetResult, root: string | undefined): Uint8Array {
  const w = (entryWriter ??= new ChunkWriter());
  writeTarget(w, t, root);
  const chunks = [...w.take(true)];
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  // Not from Node's shared pool: the buffer is moved whole.
  const bytes = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/**
 * The report without its targets, as JSON.stringify writes it, cut where its `[]` of targets is: the targets go
 * between (`"targets": []` is at the top level's indentation, where nothing nested is, and its key is unique there).
 */
function skeletonOf(report: Pick<AuditReport, 'tool'> & Partial<Pick<AuditReport, 'summary' | 'warnings'>>): { head: string; tail: string } {
  const skeleton = JSON.stringify(
    {
      tool: report.tool,
      targets: [],
      summary: report.summary,
      ...(report.warnings && report.warnings.length > 0 ? { warnings: report.warnings } : {}),
    },
    null,
    2,
  );
  const at = skeleton.indexOf(`${TARGETS_KEY}[]`) + TARGETS_KEY.length;
  return { head: skeleton.slice(0, at), tail: skeleton.slice(at + 2) };
}

/** A target of the report at depth 2: its head's fields, then `results`, each failure with its fingerprint last. */
function writeTarget(w: ChunkWriter, t: TargetResult, root: string | undefined): void {
  w.byte(OPEN_BRACE);
  const wrote = writeMembers(w, targetHead(t), 2, undefined);
  if (wrote) w.byte(COMMA);
  w.bytes(memberHead(3, 'results'));
  const results = t.results;
  if (results.length === 0) {
    w.text('[]');
  } else {
    w.byte(OPEN_BRACKET);
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      if (i > 0) w.byte(COMMA);
      w.bytes(lineBreak(4));
      writeValue(w, r, 4, i, r.status === 'fail' ? failureFingerprint(t, r, root) : undefined);
    }
    w.bytes(lineBreak(3));
    w.byte(CLOSE_BRACKET);
  }
  w.bytes(lineBreak(2));
  w.byte(CLOSE_BRACE);
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Most entries of each cache below, started afresh when full (labels' keys and values are the user's). */
const MAX_CACHED = 1024;

/** `\n` and the indentation of a line at `depth`, as bytes. */
const lineBreaks: Buffer[] = [];
function lineBreak(depth: number): Buffer {
  return (lineBreaks[depth] ??= Buffer.from(`\n${'  '.repeat(depth)}`));
}

/** The start of an object's member at `depth`: its line, its key and `": "`, as bytes, by depth and key. */
const memberHeads: Map<string, Buffer>[] = [];
function memberHead(depth: number, key: string): Buffer {
  const heads = (memberHeads[depth] ??= new Map());
  let head = heads.get(key);
  if (head === undefined) {
    head = Buffer.from(`\n${'  '.repeat(depth)}${JSON.stringify(key)}: `);
    if (heads.size >= MAX_CACHED) heads.clear();
    heads.set(key, head);
  }
  return head;
}

/** Fields whose text is a rule's own words or a source's kind, the same from target to target: most of the bytes. */
const REPEATED = new Set(['ruleId', 'title', 'checklist', 'remediation', 'status', 'severity', 'kind', 'command']);
/** The JSON of their values, as bytes. */
const quotedBytes = new Map<string, Buffer>();

/** What JSON.stringify escapes in a string: quotes, backslashes, control characters, lone surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function writeString(w: ChunkWriter, text: string, repeated: boolean): void {
  if (repeated) {
    let bytes = quotedBytes.get(text);
    if (bytes === undefined) {
      bytes = Buffer.from(JSON.stringify(text));
      if (quotedBytes.size >= MAX_CACHED) quotedBytes.clear();
      quotedBytes.set(text, bytes);
    }
    w.bytes(bytes);
  } else if (NEEDS_ESCAPE.test(text)) {
    w.text(JSON.stringify(text));
  } else {
    w.byte(QUOTE);
    w.text(text);
    w.byte(QUOTE);
  }
}

/**
 * What `JSON.stringify(value, null, 2)` writes for `value` (already through {@link jsonValue}) as the member `key` (or
 * element) of a value at `depth - 1`, its nested lines indented for `depth`; false when it writes nothing (undefined,
 * a function, a symbol). With `fingerprint`, the object gets that member last, as `{ ...value, fingerprint }` would.
 */
function writeValue(w: ChunkWriter, value: unknown, depth: number, key: string | number, fingerprint?: string): boolean {
  switch (typeof value) {
    case 'string':
      writeString(w, value, typeof key === 'string' && REPEATED.has(key));
      return true;
    case 'number':
      w.text(Number.isFinite(value) ? String(value) : 'null');
      return true;
    case 'boolean':
      w.text(value ? 'true' : 'false');
      return true;
    case 'bigint':
      // What JSON.stringify does with one: throw.
      JSON.stringify(value);
      return false;
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) {
    w.text('null');
  } else if (Array.isArray(value)) {
    if (value.length === 0) {
      w.text('[]');
      return true;
    }
    w.byte(OPEN_BRACKET);
    for (let i = 0; i < value.length; i++) {
      if (i > 0) w.byte(COMMA);
      w.bytes(lineBreak(depth + 1));
      if (!writeValue(w, jsonValue(value[i], i), depth + 1, i)) w.text('null');
    }
    w.bytes(lineBreak(depth));
    w.byte(CLOSE_BRACKET);
  } else {
    w.byte(OPEN_BRACE);
    let wrote = writeMembers(w, value as Record<string, unknown>, depth, fingerprint);
    if (fingerprint !== undefined && !Object.prototype.propertyIsEnumerable.call(value, 'fingerprint')) {
      if (wrote) w.byte(COMMA);
      w.bytes(memberHead(depth + 1, 'fingerprint'));
      writeString(w, fingerprint, false);
      wrote = true;
    }
    if (!wrote) {
      // `{}`: the brace is written already.
      w.byte(CLOSE_BRACE);
      return true;
    }
    w.bytes(lineBreak(depth));
    w.byte(CLOSE_BRACE);
  }
  return true;
}

/**
 * The members of an object at `depth` after its opening brace, in JSON.stringify's order (for…in over a plain
 * object's own keys, without an array of them); `fingerprint`, when given, replaces the value of a `fingerprint`
 * member. Whether any was written.
 */
function writeMembers(w: ChunkWriter, object: Record<string, unknown>, depth: number, fingerprint: string | undefined): boolean {
  let wrote = false;
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    const value = fingerprint !== undefined && key === 'fingerprint' ? fingerprint : jsonValue(object[key], key);
    // What JSON.stringify leaves out of an object.
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    if (wrote) w.byte(COMMA);
    wrote = true;
    w.bytes(memberHead(depth + 1, key));
    writeValue(w, value, depth + 1, key);
  }
  return wrote;
}

/** A value as JSON.stringify takes it: through its `toJSON(key)` when it has one, a boxed primitive unboxed. */
function jsonValue(value: unknown, key: string | number): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'bigint')) return value;
  let v = value as { toJSON?: unknown };
  if (typeof v.toJSON === 'function') v = (v.toJSON as (key: string) => { toJSON?: unknown }).call(v, String(key));
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return v;
  if (v instanceof Number) return Number(v);
  if (v instanceof String) return String(v);
  if (v instanceof Boolean || v instanceof BigInt) return v.valueOf();
  return v;
}
