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

function satisfiesComparator(version: Triple, comparator: string): boolean {
  const match = /^(<=|>=|<|>|=)?(.+)$/.exec(comparator);
  const bound = match ? toTriple(match[2]!) : undefined;
  if (!match || !bound) return false;
  const c = compare(version, bound);
  switch (match[1]) {
    case '<': return c < 0;
    case '<=': return c <= 0;
    case '>': return c > 0;
    case '>=': return c >= 0;
    default: return c === 0;
  }
}

/** node-semver style ranges as the advisory data uses them: `||` between sets, spaces inside a set mean AND. */
export function satisfies(version: string, range: string): boolean {
  const triple = toTriple(version);
  if (!triple) return false;
  return range.split('||').some((set) => {
    const comparators = set.trim().split(/\s+/).filter(Boolean);
    return comparators.length > 0 && comparators.every((c) => satisfiesComparator(triple, c));
  });
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

