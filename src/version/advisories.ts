import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.ts';

export interface Advisory {
  readonly id: string;
  /** Other ids of the same advisory (a CVE for a GHSA, ...). */
  readonly aliases?: readonly string[];
  readonly product: 'redis' | 'valkey';
  readonly title: string;
  readonly component: string;
  readonly server_side: boolean;
  readonly severity: string | null;
  readonly cvss: { readonly score: number } | null;
  readonly disputed: boolean;
  readonly range: string | null;
  readonly affected: readonly { readonly branch: string; readonly range: string; readonly fixed: string | null }[];
  readonly fixed_versions: readonly string[];
  readonly unknown_branches: readonly string[];
  readonly preconditions: { readonly authenticated: boolean | null; readonly requires: readonly string[]; readonly platform: string | null };
  readonly mitigation: string | null;
  readonly config_only?: boolean;
  readonly verified: boolean;
  readonly sources: readonly string[];
}

export interface BranchSupport {
  readonly product: 'redis' | 'valkey';
  readonly branch: string;
  readonly status_late_2026: string;
  readonly end_of_maintenance: string | null;
  readonly end_of_life: string | null;
  readonly latest_known_release: string | null;
  readonly notes: string;
  readonly sources: readonly string[];
}

type Entry = ({ record_type: 'vulnerability' } & Advisory) | ({ record_type: 'branch_support' } & BranchSupport);

let loaded: { advisories: readonly Advisory[]; branches: readonly BranchSupport[] } | undefined;

/**
 * data/advisories.json, read the first time a rule asks (not compiled into the bundle: a quarter of it, parsed at
 * every start even by `redfort --version`). Package data, not server state: kept for the process's life.
 */
function load(): { advisories: readonly Advisory[]; branches: readonly BranchSupport[] } {
  if (!loaded) {
    const entries = JSON.parse(readFileSync(join(packageRoot(), 'data', 'advisories.json'), 'utf8')) as readonly Entry[];
    loaded = {
      advisories: entries.filter((e): e is Entry & Advisory => e.record_type === 'vulnerability'),
      branches: entries.filter((e): e is Entry & BranchSupport => e.record_type === 'branch_support'),
    };
  }
  return loaded;
}

/** Every known vulnerability of Redis and Valkey (data/advisories.json). */
export function advisories(): readonly Advisory[] {
  return load().advisories;
}

/** Support status of each release branch (data/advisories.json). */
export function branches(): readonly BranchSupport[] {
  return load().branches;
}
