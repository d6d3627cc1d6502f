import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { loadBuiltin } from '../util/builtin.ts';

/**
 * The CLI's code, loaded with the V8 code cache the build made for it (Node 20 has no compile cache for ES
 * modules: `module.enableCompileCache()` is 22.1+). The CLI is one CommonJS bundle, compiled through `vm.Script`
 * with the cache's bytecode, so that a run neither parses nor compiles what the cache holds. The cache is used
 * only for the very bundle it was made from and only whole: it starts with a checksum of the bundle's bytes (V8
 * itself checks no more than the text's length) and one of its own data (V8 checks no checksum in release builds),
 * then zeros up to V8's data (headOf).
 * The checksum is CRC-32 (zlib's, Node 20.15 and later: about 0.5 ms for both files, where SHA-1 took about 5 ms and
 * loading node:crypto 3.5 more), else SHA-1; the file's first byte says which, and a cache of the other kind is not
 * used. These guard against a stale or damaged file, not an attacker: whoever can write the cache can write the
 * bundle. V8 rejects the cache when this Node, V8 or its flags differ from the build's
 * (NODE_OPTIONS=--max-old-space-size included). In every such case the bundle is compiled as any script is: slower
 * to start, nothing else changes.
 */

interface Checksum {
  /** The cache file's first byte. */
  readonly id: number;
  readonly bytes: number;
  sum(data: Buffer): Buffer;
}

function checksum(): Checksum {
  // Loaded here, not where the entry starts: `redfort --version` needs neither node:zlib nor node:vm.
  const crc32 = loadBuiltin<{ crc32?: (data: Buffer) => number }>('node:zlib').crc32;
  if (crc32) {
    return {
      id: 1,
      bytes: 4,
      sum: (data) => {
        const out = Buffer.allocUnsafe(4);
        out.writeUInt32BE(crc32(data) >>> 0);
        return out;
      },
    };
  }
  const crypto = loadBuiltin<typeof import('node:crypto')>('node:crypto');
  return { id: 2, bytes: 20, sum: (data) => crypto.createHash('sha1').update(data).digest() };
}

/**
 * CommonJS's wrapper, around the bundle's text: the build writes the bundle inside it (scripts/build.mjs), so that
 * the file's text is compiled as it is, without a second string of its size (its source-map comment follows the
 * wrapper's end). A bundle that does not start with it is wrapped here.
 */
export const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {';
export const WRAPPER_TAIL = '\n})';

function wrapped(text: string): string {
  return text.startsWith(WRAPPER_HEAD) ? text : `${WRAPPER_HEAD}${text}${WRAPPER_TAIL}`;
}

export interface LoadedBundle {
  readonly exports: Record<string, unknown>;
  /** Whether V8 took the cache: false when there was none, it belonged to another bundle, or V8 rejected it. */
  readonly cached: boolean;
  /** A new cache for this bundle (the checksums, then V8's data), with what has run so far compiled: the build's. */
  cacheData(): Buffer;
}

/**
 * Where V8's data starts in a cache file: after the first byte and the two checksums, at a multiple of 8 (zeros
 * between). V8 copies cached data that does not start at a multiple of 8 bytes into memory of its own before
 * reading it: the data used to start at byte 9, and that copy of a megabyte was some 265 of a one-server audit's
 * 5,650 page faults.
 */
function headOf(check: Checksum): number {
  return Math.ceil((1 + 2 * check.bytes) / 8) * 8;
}

/** V8's data of the cache file's bytes `file` when they are whole and belong to the bundle of checksum `bundle`, else undefined. */
function cacheFor(file: Buffer, bundle: Buffer, check: Checksum): Buffer | undefined {
  const head = headOf(check);
  const data = file.subarray(head);
  const whole =
    data.length > 0 &&
    file[0] === check.id &&
    file.subarray(1, 1 + check.bytes).equals(bundle) &&
    file.subarray(1 + check.bytes, 1 + 2 * check.bytes).equals(check.sum(data)) &&
    file.subarray(1 + 2 * check.bytes, head).every((byte) => byte === 0);
  return whole ? data : undefined;
}

/** Up to `size` bytes of the open file `fd` from its start (fewer at its end), read into the start of `into`. */
function readInto(fd: number, into: Buffer, size: number): Buffer {
  let read = 0;
  while (read < size) {
    const got = readSync(fd, into, read, size - read, null);
    if (got === 0) break;
    read += got;
  }
  return into.subarray(0, read);
}

/** The open file of `path` and its size, or undefined when it cannot be opened or is not a regular file. */
function openCache(path: string): { fd: number; size: number } | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const stat = fstatSync(fd);
    if (stat.isFile()) return { fd, size: stat.size };
  } catch {
    // No cache, or none to read: the bundle compiles without.
  }
  if (fd !== undefined) closeSync(fd);
  return undefined;
}

/**
 * V8 flags of a fleet run (`--targets`, and its worker threads), set before the bundle is compiled; its code cache
 * is trained under them (dist/cli-main.fleet.cache: V8 takes a cache only under the flags it was made with, by a
 * hash of them). Each is read by V8 when it compiles or collects, so setting it at run time takes effect. A fleet
 * run lasts a second or more on 2 cores shared with the servers it audits, and V8 spent a third of a 200-server
 * run's instructions in TurboFan (callgrind), on functions that had only just become warm:
 * - `--interrupt-budget`: how much a function runs before V8 weighs optimizing it, four times V8 11.3's default
 *   (66 KiB; `node --v8-options`): 200 local servers in one thread took 0.77-0.80 s of CPU instead of 0.92-0.98 s
 *   (load 5-7, interleaved runs); 405504, 540672 and more were no better. A run of one server took some 8 ms more
 *   CPU under it (0.115 s against 0.123, 40 runs each): other runs keep V8's defaults and their own cache
 *   (dist/cli-main.cache).
 * - `--no-turbo-inlining`, `--semi-space-growth-factor=16`, `--no-parallel-scavenge` (2026-12-05, 200 local servers,
 *   `--jobs 1`, 16 interleaved runs a batch at a load of 7 to 14): TurboFan compiles each function alone (callgrind:
 *   3.87 to 3.77 G instructions a run); the young generation grows from 1 to 16 MiB semi-spaces at its first growth
 *   instead of doubling (18 young collections to 9); a young collection stays in its thread instead of sharing out
 *   work to helpers on cores the servers and the other thread use. Together 15 to 45 ms less CPU a run (of 800 to 900;
 *   medians of paired differences in four batches of 12 to 16 interleaved pairs: 40, 15, 40, 45, less in 8 to 12
 *   of the pairs), 50 less with `--jobs 2`; 1,000 fake targets in JSON Lines no slower, peak RSS 113 MiB against
 *   110 (medians of 6).
 * - `--no-allocation-site-pretenuring` (MEM-27, 2026-12-07): V8 sends the objects of an object or array literal
 *   straight to the old generation once, at one young collection, nearly all it made since the last were alive. Early
 *   in a fleet run the first targets are all in flight together, so a collection then found a rule result's literal
 *   (and others) all alive and tenured it for the rest of the run (V8 never takes that back): every later target's
 *   results were old-generation garbage, freed only by a full collection at about four times the live heap. Whether
 *   a collection fell there changed from run to run: 1,000 targets in JSON Lines peaked at 108 MiB or 135 (stop 43's
 *   code as well as stop 44's), now 109 to 110 in every run; the reports are the same bytes
 *   (test/fleet/heap-flags.test.ts). Measured and not kept:
 *   `--always-sparkplug`, `--no-lazy-feedback-allocation`, `--max-lazy`, `--max-inlined-bytecode-size-cumulative=230`,
 *   `--max-optimized-bytecode-size=16384`, `--no-use-osr`, `--no-turbo-loop-peeling --no-turbo-escape` (no gain), an
 *   interrupt budget of 135168 or V8's default with the others (60 and 150 ms more), `--no-turbofan` (0.80 to 1.04 s), `--min-semi-space-size` and `--no-concurrent-recompilation` (no
 *   effect set at run time), `--single-threaded-gc` and `--no-parallel-marking` (V8 aborts: set at run time, they
 *   contradict its running concurrent marker).
 */
export const FLEET_V8_FLAGS = '--interrupt-budget=270336 --no-turbo-inlining --semi-space-growth-factor=16 --no-parallel-scavenge --no-allocation-site-pretenuring';

/** Whether a command line is a fleet run (`--targets`), which loads the bundle under {@link FLEET_V8_FLAGS}. */
export function isFleetRun(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--targets' || a.startsWith('--targets='));
}

/** Sets V8 flags for the whole process (every thread: V8's flags are the process's), as `node FLAGS` would. */
export function setV8Flags(flags: string): void {
  loadBuiltin<typeof import('node:v8')>('node:v8').setFlagsFromString(flags);
}

/**
 * The built-in modules every fleet run loads (the bundle's loader: zlib's CRC-32 and vm; the audit: net, os,
 * fs/promises, and crypto for the build keys and the report's fingerprints). Node compiles its own modules with the
 * code cache embedded in its binary, which V8 takes only under the flags it was made with: loaded after
 * {@link FLEET_V8_FLAGS}, every one of them was compiled from its source (stop 35), some 50 million instructions
 * of a fleet run's start (callgrind, 3 local servers `--jobs 1`: 938 and 944 million against 889 and 892).
 */
export const FLEET_BUILTINS = ['node:zlib', 'node:vm', 'node:net', 'node:os', 'node:fs/promises', 'node:crypto'] as const;

/** A fleet run's V8 flags, set once the built-in modules it loads anyway are loaded under Node's own (see FLEET_BUILTINS). */
export function setFleetV8Flags(): void {
  for (const id of FLEET_BUILTINS) loadBuiltin(id);
  setV8Flags(FLEET_V8_FLAGS);
}

/**
 * Loads and runs the CommonJS bundle `file`, with the code cache of `cacheFile` when it is this bundle's, under the
 * V8 flags `v8Flags` when given (set before the bundle is compiled, for the whole process: only where no other
 * thread runs JS, as in the build's training; the CLI sets them in src/cli/start.ts, and its workers never do).
 */
export function loadBundle(path: string, cacheFile: string, v8Flags?: string): LoadedBundle {
  const file = resolve(path);
  const check = checksum();
  // Both files are read into one buffer, the bundle first (its text is copied into a string), then the cache: a
  // second buffer of a megabyte is as many page faults again as its pages (some 260 of a one-server audit's).
  const bundleFd = openSync(file, 'r');
  let text: string;
  let digest: Buffer;
  let cachedData: Buffer | undefined;
  const cache = openCache(cacheFile);
  try {
    const bundleSize = fstatSync(bundleFd).size;
    // A new buffer of its own (not Node's shared pool), which starts at a multiple of 8 bytes, as the cache's data
    // must in memory for V8 to read it where it is (headOf).
    const buffer = Buffer.allocUnsafeSlow(Math.max(bundleSize, cache?.size ?? 0));
    const bytes = readInto(bundleFd, buffer, bundleSize);
    digest = check.sum(bytes);
    text = bytes.toString('utf8');
    if (cache) {
      try {
        cachedData = cacheFor(readInto(cache.fd, buffer, cache.size), digest, check);
      } catch {
        cachedData = undefined;
      }
    }
  } finally {
    closeSync(bundleFd);
    if (cache) closeSync(cache.fd);
  }
  if (v8Flags !== undefined) setV8Flags(v8Flags);
  const { Script } = loadBuiltin<typeof import('node:vm')>('node:vm');
  const script = new Script(wrapped(text), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    cached: cachedData !== undefined && script.cachedDataRejected === false,
    cacheData: () => {
      const data = script.createCachedData();
      const sums = Buffer.concat([Buffer.of(check.id), digest, check.sum(data)]);
      return Buffer.concat([sums, Buffer.alloc(headOf(check) - sums.length), data]);
    },
  };
}
