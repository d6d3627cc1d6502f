import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Facts, PackageFacts } from '../facts/types.ts';
import { targetKey } from '../engine/triage/target-key.ts';
import { packageRoot } from '../package-root.ts';
import type { ChangelogEntry, DeclaredPackage } from '../redis/distro-package.ts';
import { defaultPackageName, fixedUpTo, parseDebianChangelog } from '../redis/distro-package.ts';
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

/** The changelog entries of a package: the one installed on this machine, else redfort's snapshot of Debian's. */
async function changelogOf(name: string): Promise<{ entries: readonly ChangelogEntry[]; from: string } | undefined> {
  const installed = await debianChangelog(name);
  if (installed !== undefined) return { entries: parseDebianChangelog(installed), from: `/usr/share/doc/${name}/changelog.Debian.gz` };
  const data = bundled();
  if (data.names.includes(name)) return { entries: data.entries, from: `redfort's snapshot of ${data.source.split(':')[0]}` };
  return undefined;
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
  const changelog = await changelogOf(name);
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
