import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Facts, PackageFacts } from '../facts/types.ts';
import { targetKey } from '../engine/triage/target-key.ts';
import { packageRoot } from '../package-root.ts';
import type { ChangelogEntry, DeclaredPackage } from '../redis/distro-package.ts';
import { compareDebianVersions, defaultPackageName, fixedUpTo, parseDebianChangelog } from '../redis/distro-package.ts';
import type { Enricher } from './enrich.ts';
import { debianChangelog } from './host/package.ts';

interface Snapshot {
  readonly source: string;
  readonly names: readonly string[];
  readonly entries: readonly ChangelogEntry[];
}

let snapshot: Snapshot | undefined;

/** data/debian-redis-changelog.json: the Debian redis changelog's CVE entries, for hosts without the package. */
function bundled(): Snapshot {
  snapshot ??= JSON.parse(readFileSync(join(packageRoot(), 'data', 'debian-redis-changelog.json'), 'utf8')) as Snapshot;
  return snapshot;
}

/**
 * The changelog entries of a package: the one installed on this machine, with the entries of redfort's snapshot of
 * Debian's that are newer than its newest when the declared version is beyond it (QA36-15: a machine with an older package, a CI runner or a laptop,
 * judged an up-to-date server's declared version by the installed changelog alone, and every later fix was a false
 * CRITICAL or HIGH); the snapshot alone when the package is not installed.
 */
async function changelogOf(name: string, version: string): Promise<{ entries: readonly ChangelogEntry[]; from: string } | undefined> {
  const installed = await debianChangelog(name);
  const data = bundled();
  const snapshotFrom = `redfort's snapshot of ${data.source.split(': ')[0]}`;
  const known = data.names.includes(name) ? data.entries : undefined;
  if (installed === undefined) return known ? { entries: known, from: snapshotFrom } : undefined;
  const entries = parseDebianChangelog(installed);
  const installedFrom = `/usr/share/doc/${name}/changelog.Debian.gz`;
  const newest = entries[0]?.version;
  if (newest !== undefined && compareDebianVersions(version, newest) <= 0) return { entries, from: installedFrom };
  const later = (known ?? []).filter((e) => newest === undefined || compareDebianVersions(e.version, newest) > 0);
  if (later.length === 0) return { entries, from: installedFrom };
  return { entries: [...later, ...entries], from: `${installedFrom}${newest ? ` (to ${newest})` : ''} and ${snapshotFrom} (its newer entries)` };
}

/**
 * Adds the package the user declared for this target (`--distro-package`, `distroPackage`) as a fact, with the
 * fixes its changelog names up to the declared version: the same judgement as a package dpkg shows on this
 * host. Skipped when the host gatherer saw the real package (observed beats declared).
 */
export const declaredPackageEnricher: Enricher = async (facts, target, options) => {
  const declared: DeclaredPackage | undefined = (target ? options.distroPackageTargets?.get(targetKey(target.display)) : undefined) ?? options.distroPackage;
  if (!declared || (facts.host?.package.known && facts.host.package.value)) return facts;
  const sentinel = facts.server?.mode === 'sentinel' || facts.sentinel !== undefined;
  const name = declared.name ?? defaultPackageName(facts.server?.product, sentinel);
  const changelog = await changelogOf(name, declared.version);
  const fixed = changelog ? fixedUpTo(changelog.entries, declared.version) : undefined;
  const value: PackageFacts = {
    manager: 'dpkg',
    name,
    version: declared.version,
    path: '(declared)',
    replaced: false,
    ...(fixed ? { changelogCves: fixed.cves, changelogFrom: changelog!.from } : {}),
    ...(fixed?.beyond && fixed.newest ? { changelogEndsAt: fixed.newest } : {}),
  };
  const detail = `${name}=${declared.version} declared by ${declared.origin}`;
  return { ...facts, distroPackage: { value, source: { kind: 'declared', detail } } } satisfies Facts;
};
