import { parseVersion, shownVersion } from './version.ts';

/**
 * The releases a per-release table of redfort holds, by product: `major.minor` lines (every patch below 100 of that
 * line) and exact pre-releases (`7.9.224`, Redis 8.0-m01, whose patch of 100 or more names the next branch).
 */
export interface TabledReleases {
  readonly redis: readonly string[];
  readonly valkey: readonly string[];
}

/**
 * Where a server's version stands against a table's releases (the one decision the ACL reader's commands and the
 * config reader's directives share):
 * - `tabled`: one of its releases, whose names the table knows: a name it lacks, the server lacks;
 * - `newer`: after the newest release of its product the table holds (Redis 8.2, Valkey 9.0 for tables that stop at
 *   8.0), which may have names the table lacks;
 * - `unknown`: no version, or one without a minor (a file-only audit without --redis-version);
 * - `other`: older than the newest, yet not one of its releases (a Redis before 6.0, KeyDB's 6.3, a 7.2 RC's 7.1.2xx).
 */
export type ReleaseStanding = 'tabled' | 'newer' | 'unknown' | 'other';

type Triple = readonly [number, number, number];

function compare(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** A table entry's highest version: `7.4` stands for 7.4.0 to 7.4.99, `7.9.224` for itself. */
function upperOf(entry: string): Triple {
  const [major = 0, minor = 0, patch] = entry.split('.').map(Number);
  return [major, minor, patch ?? 99];
}

/** The product a version names: Valkey when it says so (`valkey-8.0.1`, `Valkey/7.2.7`), else Redis. */
export function productOf(version: string | undefined): 'redis' | 'valkey' {
  return parseVersion(version)?.product === 'valkey' || /valkey/i.test(version ?? '') ? 'valkey' : 'redis';
}

export function releaseStanding(version: string | undefined, tabled: TabledReleases): ReleaseStanding {
  const parsed = parseVersion(version);
  if (parsed?.minor === undefined) return 'unknown';
  const entries = tabled[productOf(version)];
  const patch = parsed.patch ?? 0;
  const at: Triple = [parsed.major, parsed.minor, patch];
  for (const entry of entries) {
    const [major, minor, exact] = entry.split('.').map(Number);
    if (major !== parsed.major || minor !== parsed.minor) continue;
    if (exact === undefined ? patch < 100 : patch === exact) return 'tabled';
  }
  const newest = entries.map(upperOf).reduce((a, b) => (compare(a, b) >= 0 ? a : b));
  return compare(at, newest) > 0 ? 'newer' : 'other';
}

/**
 * Why names a table lacks are not judged for this version (a warning's parenthesis): the version unknown, or one
 * whose `what` (commands, directives) redfort does not know, so that the server may have the name.
 */
export function unjudgedWhy(version: string | undefined, what: 'commands' | 'directives', mayHave = 'that server may have it'): string {
  const parsed = parseVersion(version);
  if (version === undefined || parsed?.minor === undefined) return 'the version is unknown: give --redis-version to judge it';
  // A live server's INFO is the server's to write (a hostile one puts escapes, a password there): its digits alone.
  const named = shownVersion(version) === version ? version : `${parsed.product === 'valkey' ? 'valkey-' : ''}${parsed.major}.${parsed.minor}${parsed.patch === undefined ? '' : `.${parsed.patch}`}`;
  return `version ${named} is not one whose ${what} redfort knows, so it is not judged: ${mayHave}`;
}
