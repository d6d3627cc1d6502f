import data from '../../data/advisories.json' with { type: 'json' };

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

const entries = data as unknown as readonly Entry[];

export const ADVISORIES: readonly Advisory[] = entries.filter((e): e is Entry & Advisory => e.record_type === 'vulnerability');
export const BRANCHES: readonly BranchSupport[] = entries.filter((e): e is Entry & BranchSupport => e.record_type === 'branch_support');
