/**
 * A distribution package declared by the user for a target redfort cannot inspect (`--distro-package`, the
 * `distroPackage` key of an inventory or of `.redfort.yaml` targets), and the Debian version arithmetic that
 * turns it into the fixes its changelog names. Pure: the caller reads the changelog.
 *
 * The format is `[NAME=]VERSION`: a Debian/Ubuntu (dpkg) package name and version, as `dpkg-query -W` prints
 * them (`redis-server=5:7.0.15-1~deb12u10`), or the version alone (`5:7.0.15-1~deb12u10`), the package then
 * being the server's own (`redis-server`, `redis-sentinel`, `valkey-server`, `valkey-sentinel`).
 */
import { clipped } from '../util/shown.ts';

export interface DeclaredPackage {
  /** The package name, when the declaration gave one. */
  readonly name?: string;
  /** The Debian version: `[epoch:]upstream[-revision]`. */
  readonly version: string;
  /** Where it was declared, for the report: `--distro-package`, `inventory.yaml:7`. */
  readonly origin: string;
}

const NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const VERSION = /^(?:(\d+):)?([0-9][A-Za-z0-9.+~:-]*?)(?:-([A-Za-z0-9.+~]+))?$/;

/**
 * The longest declaration taken. The longest NAME=VERSION among Debian 12's packages is 86 characters
 * (`libmono-system-runtime-serialization-formatters-soap4.0-cil=6.8.0.105+dfsg-3.3+deb12u1`, apt-cache dumpavail);
 * a longer one is no package, and was quoted whole in the report's every mention of it.
 */
const MAX_DECLARATION = 200;

/** Parses `[NAME=]VERSION`; a string is the reason it is not one. */
export function parseDeclaredPackage(text: string, origin: string): DeclaredPackage | string {
  const trimmed = text.trim();
  const expected = 'expected [NAME=]VERSION with a Debian package version, e.g. redis-server=5:7.0.15-1~deb12u10';
  if (trimmed.length > MAX_DECLARATION) return `'${clipped(trimmed)}' is not a package declaration: no Debian package name and version is longer than ${MAX_DECLARATION} characters (${expected})`;
  const eq = trimmed.indexOf('=');
  const name = eq === -1 ? undefined : trimmed.slice(0, eq);
  const version = eq === -1 ? trimmed : trimmed.slice(eq + 1);
  if (name !== undefined && !NAME.test(name)) return `'${trimmed}' is not a package declaration: '${name}' is not a Debian package name (${expected})`;
  if (!VERSION.test(version)) return `'${trimmed}' is not a package declaration: '${version}' is not a Debian version (${expected})`;
  return { ...(name !== undefined ? { name } : {}), version, origin };
}

/** The package a declaration without a name stands for: the one that ships the server's executable. */
export function defaultPackageName(product: string | undefined, sentinel: boolean): string {
  return `${product === 'valkey' ? 'valkey' : 'redis'}-${sentinel ? 'sentinel' : 'server'}`;
}

/** `5:7.0.15-1~deb12u10` -> `7.0.15` (epoch, revision and any `+dfsg`-style suffix dropped). */
export function upstreamVersion(version: string): string | undefined {
  const m = VERSION.exec(version);
  return m ? /^\d+(?:\.\d+)*/.exec(m[2]!)?.[0] : undefined;
}

function order(c: string): number {
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's comparison of one upstream version or revision (verrevcmp). */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let diff = 0;
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const ac = i < a.length && !/\d/.test(a[i]!) ? order(a[i]!) : 0;
      const bc = j < b.length && !/\d/.test(b[j]!) ? order(b[j]!) : 0;
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && /\d/.test(a[i]!) && j < b.length && /\d/.test(b[j]!)) {
      if (diff === 0) diff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /\d/.test(a[i]!)) return 1;
    if (j < b.length && /\d/.test(b[j]!)) return -1;
    if (diff !== 0) return diff;
  }
  return 0;
}

function split(version: string): { epoch: number; upstream: string; revision: string } {
  const colon = version.indexOf(':');
  const epoch = colon === -1 ? 0 : Number(version.slice(0, colon));
  const rest = colon === -1 ? version : version.slice(colon + 1);
  const dash = rest.lastIndexOf('-');
  return { epoch, upstream: dash === -1 ? rest : rest.slice(0, dash), revision: dash === -1 ? '' : rest.slice(dash + 1) };
}

/** Compares two Debian versions as dpkg does: negative, zero or positive. */
export function compareDebianVersions(a: string, b: string): number {
  const x = split(a);
  const y = split(b);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return compareFragment(x.upstream, y.upstream) || compareFragment(x.revision, y.revision);
}

/** One entry of a Debian changelog: its version and the advisory ids it names. */
export interface ChangelogEntry {
  readonly version: string;
  readonly cves: readonly string[];
}

/** The entries of a `changelog.Debian` text, newest first, each with the CVE ids its text names. */
export function parseDebianChangelog(text: string): ChangelogEntry[] {
  const entries: { version: string; cves: Set<string> }[] = [];
  for (const line of text.split('\n')) {
    const head = /^[a-z0-9][a-z0-9+.-]+ \(([^)\s]+)\) [^;]*;/.exec(line);
    if (head) {
      entries.push({ version: head[1]!, cves: new Set() });
      continue;
    }
    const current = entries[entries.length - 1];
    if (!current) continue;
    for (const m of line.matchAll(/\bCVE-\d{4}-\d{4,}\b/gi)) current.cves.add(m[0].toUpperCase());
  }
  return entries.map((e) => ({ version: e.version, cves: [...e.cves] }));
}

/**
 * The advisory ids fixed in `version`: those named by the changelog entries at or below it. `newest` is the
 * changelog's newest entry; when the declared version is above it, later fixes are not known here.
 */
export function fixedUpTo(entries: readonly ChangelogEntry[], version: string): { cves: string[]; newest: string | undefined; beyond: boolean } {
  const cves = new Set<string>();
  for (const e of entries) if (compareDebianVersions(e.version, version) <= 0) for (const c of e.cves) cves.add(c);
  // The changelog's top entry (newest first): by version, the unstable upload a stable update descends from
  // (5:7.0.15-1 above 5:7.0.15-1~deb12u7) passed for the newest, and a declared ~deb12u10 was never 'beyond' it.
  const newest = entries[0]?.version;
  return { cves: [...cves], newest, beyond: newest !== undefined && compareDebianVersions(version, newest) > 0 };
}
