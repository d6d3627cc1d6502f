import { parseVersion } from '../redis/version.ts';

/** Numeric `major.minor.patch`; missing parts are 0. */
export type Triple = readonly [number, number, number];

export function toTriple(version: string): Triple | undefined {
  const parsed = parseVersion(version);
  if (!parsed) return undefined;
  return [parsed.major, parsed.minor ?? 0, parsed.patch ?? 0];
}

export function compare(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * A range, read: four numbers per comparator (its operator, then its bound's major, minor and patch), and
 * {@link OR} between its `||` sets. Flat numbers, so that the advisory index (data/advisories-index.json) is quick
 * to parse. A comparator that cannot be read, or an empty set, is {@link NEVER}: its set matches nothing.
 */
export type ParsedRange = readonly number[];

const OPERATORS = ['<', '<=', '>', '>=', '='] as const;
/** A comparator no version satisfies. */
const NEVER = OPERATORS.length;
/** Between two sets of a range. */
const OR = -1;

function parseComparator(comparator: string, into: number[]): void {
  const match = /^(<=|>=|<|>|=)?(.+)$/.exec(comparator);
  const bound = match ? toTriple(match[2]!) : undefined;
  if (!match || !bound) into.push(NEVER, 0, 0, 0);
  else into.push(OPERATORS.indexOf((match[1] ?? '=') as (typeof OPERATORS)[number]), ...bound);
}

/** node-semver style ranges as the advisory data uses them: `||` between sets, spaces inside a set mean AND. */
export function parseRange(range: string): ParsedRange {
  const parsed: number[] = [];
  range.split('||').forEach((set, i) => {
    if (i > 0) parsed.push(OR);
    const comparators = set.trim().split(/\s+/).filter(Boolean);
    if (comparators.length === 0) parsed.push(NEVER, 0, 0, 0);
    for (const comparator of comparators) parseComparator(comparator, parsed);
  });
  return parsed;
}

function holds(version: Triple, operator: number, major: number, minor: number, patch: number): boolean {
  const c = version[0] - major || version[1] - minor || version[2] - patch;
  switch (operator) {
    case 0: return c < 0;
    case 1: return c <= 0;
    case 2: return c > 0;
    case 3: return c >= 0;
    case 4: return c === 0;
    default: return false;
  }
}

/** Whether a version is in a range read by {@link parseRange} (an empty one holds none). */
export function inRange(version: Triple, range: ParsedRange): boolean {
  if (range.length === 0) return false;
  let all = true;
  for (let i = 0; i < range.length; ) {
    if (range[i] === OR) {
      if (all) return true;
      all = true;
      i += 1;
      continue;
    }
    all &&= holds(version, range[i]!, range[i + 1]!, range[i + 2]!, range[i + 3]!);
    i += 4;
  }
  return all;
}

/** Whether a version is in a range (see {@link parseRange}); an unreadable version is in none. */
export function satisfies(version: string, range: string): boolean {
  const triple = toTriple(version);
  return triple !== undefined && inRange(triple, parseRange(range));
}

/**
 * The release branch (`major.minor`) a version belongs to. Release candidates report `<major>.<minor-1>.1xx/2xx`
 * (7.4-rc1 is 7.3.240, 8.0-m01 is 7.9.224, 6.0-rc1 is 5.9.101), so a patch of 100 or more means the next branch.
 */
export function branchOf(version: string): string | undefined {
  const t = toTriple(version);
  if (!t) return undefined;
  if (t[2] >= 100) return t[1] === 9 ? `${t[0] + 1}.0` : `${t[0]}.${t[1] + 1}`;
  return `${t[0]}.${t[1]}`;
}

