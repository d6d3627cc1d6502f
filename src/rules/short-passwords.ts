import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeCrypto } from '../util/builtin.ts';
import { packageRoot } from '../package-root.ts';

/**
 * Finds which SHA-256 hashes are of a very short password, by trying them all: every printable ASCII password
 * of 1 to 3 characters (866,495) and every 4-character one of lowercase letters and digits (1,679,616).
 * A one-block SHA-256 written for these messages computes only the last word of the digest (61 of the 64
 * rounds: that word is fixed by then) and compares it with the wanted hashes; a hit is confirmed with
 * node:crypto. The table of last words is built once per process (about 0.9 s of CPU and 10 MB), then each
 * hash is one bucket lookup; the build's filter of it ({@link shortPasswordFilter}) spares building it for a hash
 * that is of no short password.
 * Every printable 4-character password (81 million) would take some 25 s, too slow for an audit.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const W = new Int32Array(64);

/** The last 32-bit word of SHA-256 of a message of at most 4 bytes, given its padded first two words. */
function lastWord(w0: number, w1: number, bits: number): number {
  W[0] = w0;
  W[1] = w1;
  W.fill(0, 2, 15);
  W[15] = bits;
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15]!;
    const y = W[i - 2]!;
    W[i] = (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)) + W[i - 7]! + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + W[i - 16]!;
  }
  let a = IV[0]!, b = IV[1]!, c = IV[2]!, d = IV[3]!, e = IV[4]!, f = IV[5]!, g = IV[6]!, h = IV[7]!;
  // After round 61 the register that ends in h no longer changes: e(61) = h(64).
  for (let i = 0; i < 61; i++) {
    const t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  return (e + IV[7]!) | 0;
}

const PRINTABLE = Array.from({ length: 95 }, (_, i) => 32 + i);
const LOWER_DIGITS = [...'abcdefghijklmnopqrstuvwxyz0123456789'].map((c) => c.charCodeAt(0));
const P = PRINTABLE.length;
const L = LOWER_DIGITS.length;
/** Candidates in order: 1, 2 and 3 printable characters, then 4 lowercase letters or digits. */
const BLOCKS = [P, P * P, P * P * P, L * L * L * L] as const;
const TOTAL = BLOCKS.reduce((a, b) => a + b, 0);

/** The bytes of candidate `id`. */
function candidate(id: number): number[] {
  let rest = id;
  for (let length = 1; length <= 4; length++) {
    const size = BLOCKS[length - 1]!;
    if (rest < size) {
      const alphabet = length === 4 ? LOWER_DIGITS : PRINTABLE;
      const bytes: number[] = [];
      for (let i = 0; i < length; i++) {
        bytes.unshift(alphabet[rest % alphabet.length]!);
        rest = Math.floor(rest / alphabet.length);
      }
      return bytes;
    }
    rest -= size;
  }
  throw new RangeError(`no candidate ${id}`);
}

function wordOf(bytes: readonly number[]): number {
  let w0 = 0;
  for (let i = 0; i < 4; i++) w0 |= (i < bytes.length ? bytes[i]! : i === bytes.length ? 0x80 : 0) << (24 - 8 * i);
  return lastWord(w0, bytes.length === 4 ? 0x80000000 | 0 : 0, bytes.length * 8);
}

interface Table {
  /** Candidate ids grouped by the top 16 bits of their last digest word. */
  readonly ids: Uint32Array;
  readonly words: Int32Array;
  /** Where each group starts in `ids` (65,537 entries). */
  readonly starts: Uint32Array;
}

let table: Table | undefined;

/**
 * The build's copy of the table's filter (dist/short-passwords.bin, scripts/build.mjs): for each 16-bit bucket of the
 * last digest word, the low 16 bits of its candidates' words, sorted. Read instead of computing the table (some 0.9 s
 * of CPU at every run that met one hash, every server with a password): only a hash whose last word is in it (a
 * short password, or one in some 1,700 of the others) has the table built to tell which.
 */
interface Filter {
  readonly starts: Uint32Array;
  readonly low: Uint16Array;
}

const FILTER_MAGIC = 'redfort-short-passwords-1\n';
const FILTER_SIZE = FILTER_MAGIC.length + 65537 * 4 + TOTAL * 2;
/** Where the filter is read from: a test's file, else (undefined) the build's. */
let filterFile: string | undefined;
/** The filter once read; null when its file is missing or damaged (every hash then builds the table). */
let filter: Filter | null | undefined;

/** The filter of `words` grouped by bucket ({@link build}): what the build writes. */
export function shortPasswordFilter(): Uint8Array {
  const { starts, words } = (table ??= build());
  const bytes = new Uint8Array(FILTER_SIZE);
  bytes.set(Buffer.from(FILTER_MAGIC, 'latin1'), 0);
  const view = new DataView(bytes.buffer);
  let at = FILTER_MAGIC.length;
  for (const start of starts) {
    view.setUint32(at, start, true);
    at += 4;
  }
  for (let bucket = 0; bucket < 65536; bucket++) {
    const lows = words.slice(starts[bucket]!, starts[bucket + 1]!).map((w) => w & 0xffff).sort();
    for (const low of lows) {
      view.setUint16(at, low, true);
      at += 2;
    }
  }
  return bytes;
}

/** For tests: reads the filter from `path` (the build's when undefined), and forgets the table built. */
export function useShortPasswordFilter(path: string | undefined): void {
  filterFile = path;
  filter = undefined;
  table = undefined;
}

/** For tests: whether the table was built (a hash the filter could not rule out). */
export function shortPasswordTableBuilt(): boolean {
  return table !== undefined;
}

/** The filter, when its file is there and whole; null when not (the table is then built, as before). */
function loadFilter(): Filter | null {
  try {
    const bytes = readFileSync(filterFile ?? join(packageRoot(), 'dist', 'short-passwords.bin'));
    if (bytes.length !== FILTER_SIZE || bytes.toString('latin1', 0, FILTER_MAGIC.length) !== FILTER_MAGIC) return null;
    const copy = new Uint8Array(bytes.length - FILTER_MAGIC.length);
    copy.set(bytes.subarray(FILTER_MAGIC.length));
    const starts = new Uint32Array(copy.buffer, 0, 65537);
    const low = new Uint16Array(copy.buffer, 65537 * 4, TOTAL);
    if (starts[0] !== 0 || starts[65536] !== TOTAL) return null;
    for (let i = 1; i < starts.length; i++) if (starts[i]! < starts[i - 1]!) return null;
    return { starts, low };
  } catch {
    return null;
  }
}

/** Whether some candidate's last digest word may be `word`: false only when none is (the filter says so). */
function mayBeShort(word: number): boolean {
  if (table) return true;
  if (filter === undefined) filter = loadFilter();
  if (filter === null) return true;
  const bucket = word >>> 16;
  const low = word & 0xffff;
  for (let i = filter.starts[bucket]!; i < filter.starts[bucket + 1]!; i++) if (filter.low[i] === low) return true;
  return false;
}

/** The last digest word of every candidate, in 16-bit buckets: built once, about 10 MB. */
function build(): Table {
  const words = new Int32Array(TOTAL);
  let id = 0;
  for (const a of PRINTABLE) words[id++] = lastWord((a << 24) | 0x800000, 0, 8);
  for (const a of PRINTABLE) for (const b of PRINTABLE) words[id++] = lastWord((a << 24) | (b << 16) | 0x8000, 0, 16);
  for (const a of PRINTABLE) for (const b of PRINTABLE) for (const c of PRINTABLE) words[id++] = lastWord((a << 24) | (b << 16) | (c << 8) | 0x80, 0, 24);
  for (const a of LOWER_DIGITS) for (const b of LOWER_DIGITS) for (const c of LOWER_DIGITS) for (const d of LOWER_DIGITS) {
    words[id++] = lastWord((a << 24) | (b << 16) | (c << 8) | d, 0x80000000 | 0, 32);
  }
  const starts = new Uint32Array(65537);
  for (let i = 0; i < TOTAL; i++) starts[(words[i]! >>> 16) + 1]! += 1;
  for (let i = 1; i < starts.length; i++) starts[i]! += starts[i - 1]!;
  const fill = starts.slice(0, 65536);
  const ids = new Uint32Array(TOTAL);
  const sorted = new Int32Array(TOTAL);
  for (let i = 0; i < TOTAL; i++) {
    const at = fill[words[i]! >>> 16]!++;
    ids[at] = i;
    sorted[at] = words[i]!;
  }
  return { ids, words: sorted, starts };
}

function sha256(bytes: readonly number[]): string {
  return nodeCrypto().createHash('sha256').update(Buffer.from(bytes)).digest('hex');
}

/** The hashes among `hashes` (lowercase hex SHA-256) that are of a password this short, with its length. */
export function shortPasswords(hashes: Iterable<string>): ReadonlyMap<string, number> {
  const found = new Map<string, number>();
  for (const hash of hashes) {
    if (!/^[0-9a-f]{64}$/.test(hash)) continue;
    const word = Number.parseInt(hash.slice(56), 16) | 0;
    if (!mayBeShort(word)) continue;
    table ??= build();
    const bucket = word >>> 16;
    for (let i = table.starts[bucket]!; i < table.starts[bucket + 1]!; i++) {
      if (table.words[i] !== word) continue;
      const bytes = candidate(table.ids[i]!);
      if (sha256(bytes) === hash) found.set(hash, bytes.length);
    }
  }
  return found;
}

/** For tests: the last digest word as computed here, to compare with node:crypto. */
export const lastDigestWord = wordOf;
