import { asciiLower } from '../../util/ascii.ts';

/**
 * The C number parsers redis.conf values go through, with their exact edge cases (64-bit wrap-around,
 * leading blanks, empty strings). BigInt keeps the 64-bit arithmetic exact.
 */

const LLONG_MIN = -(2n ** 63n);
const LLONG_MAX = 2n ** 63n - 1n;
const ULLONG_MAX = 2n ** 64n - 1n;

function isCSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

/**
 * glibc `strtoll`: leading blanks, an optional sign, digits of `base`. `rest` is what follows the number
 * (the whole input when there are no digits, like `endptr`); `overflow` is `ERANGE` (value clamped).
 */
export function strtoll(s: string, base = 10): { value: bigint; rest: string; overflow: boolean } {
  let i = 0;
  while (isCSpace(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  const digits = base === 8 ? /[0-7]/ : /[0-9]/;
  const start = i;
  let v = 0n;
  while (i < s.length && digits.test(s[i]!)) {
    v = v * BigInt(base) + BigInt(s.charCodeAt(i) - 48);
    i++;
  }
  if (i === start) return { value: 0n, rest: s, overflow: false };
  let value = negative ? -v : v;
  let overflow = false;
  if (value > LLONG_MAX) {
    value = LLONG_MAX;
    overflow = true;
  } else if (value < LLONG_MIN) {
    value = LLONG_MIN;
    overflow = true;
  }
  return { value, rest: s.slice(i), overflow };
}

/** glibc `strtoull` on a string of digits only (what `memtoull` hands it): clamps at ULLONG_MAX. */
function strtoullDigits(digits: string): bigint {
  if (digits === '') return 0n;
  const v = BigInt(digits);
  return v > ULLONG_MAX ? ULLONG_MAX : v;
}

/** `atoi`: `(int)strtol(s)`, so out-of-range values wrap to 32 bits. */
export function atoi(s: string): number {
  return Number(BigInt.asIntN(32, strtoll(s).value));
}

/**
 * Redis's strict `string2ll` (src/util.c): no blanks, no `+`, no leading zeros, at most 20 characters.
 */
export function string2ll(s: string): bigint | undefined {
  if (s.length === 0 || s.length >= 21) return undefined;
  if (s === '0') return 0n;
  if (!/^-?[1-9][0-9]*$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < LLONG_MIN || v > LLONG_MAX ? undefined : v;
}

const UNITS: Readonly<Record<string, bigint>> = {
  '': 1n,
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n ** 2n,
  mb: 1024n ** 2n,
  g: 1000n ** 3n,
  gb: 1024n ** 3n,
};

/**
 * Redis's `memtoull` (src/util.c): digits then an optional case-insensitive unit, where `k`, `m`, `g` are
 * powers of 1000 and `kb`, `mb`, `gb` powers of 1024 (`b` is bytes). No sign, no blanks, no fractions, no
 * `t`/`tb`. An empty digit string counts as 0 (`maxmemory ""` and `maxmemory mb` are 0). The product wraps
 * at 64 bits like the C multiplication.
 */
export function memtoull(s: string): bigint | undefined {
  if (s.startsWith('-')) return undefined;
  const m = /^([0-9]*)(.*)$/s.exec(s)!;
  const mul = UNITS[asciiLower(m[2]!)];
  if (mul === undefined || m[1]!.length >= 128) return undefined;
  return BigInt.asUintN(64, strtoullDigits(m[1]!) * mul);
}

/**
 * 6.x's `memtoll` (redis@6.2.16:src/util.c:217, 6.0.20 the same): an optional `-`, digits, an optional unit as
 * {@link memtoull}; the digits by `strtoll` (clamped at LLONG_MAX), none is 0; the product wraps at 64 bits, signed.
 * Live 6.2.16 takes `maxmemory -0` and `maxmemory mb` as 0, refuses `-5` and `18014398509481985k` (negative once
 * wrapped), and reads `99999999999999999999` as 9223372036854775807.
 */
export function memtoll6(s: string): bigint | undefined {
  const m = /^(-?[0-9]*)(.*)$/s.exec(s)!;
  const mul = UNITS[asciiLower(m[2]!)];
  if (mul === undefined || m[1]!.length >= 128) return undefined;
  const digits = strtoll(m[1]!);
  if (digits.rest !== '') return undefined;
  return BigInt.asIntN(64, digits.value * mul);
}

/** Redis's `string2d` on the `%f` rendering side: `sprintf("%f")` then trailing zeros and dot removed. */
export function formatPercentile(value: number): string {
  let s = value.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}
