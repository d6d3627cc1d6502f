import type { Facts, FactKey, Source, SourceKind } from '../facts/types.ts';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type Status = 'pass' | 'fail' | 'skip' | 'error' | 'manual';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Checklist sections, in the order of docs/checklist.md. */
export type Section = 'Foundation' | 'Cluster' | 'Account' | 'Cluster extras' | 'TLS';

export interface Finding {
  /** One sentence that quotes the actual value and names the place. */
  readonly message: string;
  readonly source?: Source | undefined;
  /** Overrides the rule's default severity when the evidence warrants it (documented per rule). */
  readonly severity?: Severity | undefined;
  readonly evidence?: readonly string[] | undefined;
  /** A remediation specific to this finding; the rule's generic one is used otherwise. */
  readonly remediation?: string | undefined;
}

export type Verdict =
  | { readonly status: 'pass'; readonly message: string; readonly source?: Source | undefined; readonly evidence?: readonly string[] | undefined }
  | { readonly status: 'fail'; readonly findings: readonly Finding[] }
  | { readonly status: 'skip'; readonly message: string }
  | { readonly status: 'manual'; readonly message: string };

/** Settings a user can tune; defaults in `DEFAULT_THRESHOLDS`. */
export interface Thresholds {
  /** persistence.backup-health: the last successful save may be at most this old. */
  readonly backupMaxAgeHours: number;
  /** auth.weak-password: clear-text passwords shorter than this fail. */
  readonly minPasswordLength: number;
  /** tls.certificate: a certificate expiring within this many days fails. */
  readonly certExpiryDays: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  backupMaxAgeHours: 24,
  minPasswordLength: 16,
  certExpiryDays: 30,
};

export interface RuleContext {
  readonly thresholds: Thresholds;
  /** True when the SHA-256 (lowercase hex) is that of a common password. */
  readonly isCommonPassword: (sha256: string) => boolean;
  /** Which of these SHA-256 hashes are of a password of at most 4 characters, with its length (see short-passwords.ts). */
  readonly shortPasswords?: (sha256s: readonly string[]) => ReadonlyMap<string, number>;
  /** Unix seconds of the audit, for dates (end of life, certificate expiry) when the server clock is unknown. */
  readonly nowSeconds: number;
}

/** The facts a rule is handed: those it requires are guaranteed present. */
export type FactsWith<K extends FactKey> = Facts & { readonly [P in K]-?: NonNullable<Facts[P]> };

export interface RuleMeta {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly section: Section;
  /** The checklist item, e.g. `Foundation 2`. */
  readonly checklist: string;
  readonly sources: readonly SourceKind[];
  /** What to do, in one or two sentences; docs/rules/<id>.md has the whole story. */
  readonly remediation: string;
  /**
   * `deployment`: the verdict concerns a cluster or sentinel group as a whole, so a deployment audit judges it
   * once in the deployment entry (where the topology is known) and each node's entry defers to it. Default `target`.
   */
  readonly scope?: 'target' | 'deployment';
  /**
   * What identifies a finding of this rule across runs, read from its message, when the message also says things that
   * change from run to run for the same finding (why the host could not be seen, how long a lookup took). Baselines,
   * suppressions and SARIF fingerprint this key, as it is (numbers kept), in place of the message. `undefined` for a
   * message it does not know: that one is fingerprinted by its message, as every finding of a rule without a key.
   */
  readonly fingerprintKey?: (message: string) => string | undefined;
}

export interface Rule<K extends FactKey = FactKey> extends RuleMeta {
  /** Facts without which the rule cannot judge: when one is missing the rule is skipped with the reason. */
  readonly requires: readonly K[];
  check(facts: FactsWith<K>, context: RuleContext): Verdict;
}

/** Identity function that lets TypeScript infer `K` from `requires`. */
export function defineRule<K extends FactKey>(rule: Rule<K>): Rule<K> {
  return rule;
}

export function pass(message: string, extra: { source?: Source | undefined; evidence?: readonly string[] } = {}): Verdict {
  return { status: 'pass', message, ...extra };
}

export function skip(message: string): Verdict {
  return { status: 'skip', message };
}

export function fail(findings: Finding | readonly Finding[]): Verdict {
  return { status: 'fail', findings: Array.isArray(findings) ? findings : [findings as Finding] };
}
