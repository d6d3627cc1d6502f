import type { AuditOptions } from './audit.ts';
import { auditTarget } from './audit.ts';
import { errorResults, isActiveFailure, severityRank } from '../engine/run.ts';
import type { Summary, TargetResult } from '../engine/run.ts';
import type { Target } from '../redis/target.ts';
import { createHostDiscovery } from '../gather/host/discovery.ts';
import type { DeploymentKind } from '../gather/topology/discover.ts';
import { SEVERITIES } from '../rules/define.ts';
import type { Severity } from '../rules/define.ts';
import { RULES } from '../rules/index.ts';
import { AUDIT_CONCURRENCY } from '../util/defaults.ts';

/** One entry of a fleet: a server to audit, or why it cannot be (a password file that is missing…). */
export type FleetEntry =
  | { readonly target: Target; readonly labels?: Readonly<Record<string, string>>; readonly kind?: DeploymentKind }
  | { readonly display: string; readonly error: string; readonly labels?: Readonly<Record<string, string>> };

export interface FleetOptions extends AuditOptions {
  /** Audits a deployment (`cluster: true` in the inventory); entries with a kind are skipped without it. */
  readonly auditDeployment?: (seed: Target, kind: DeploymentKind, options: AuditOptions) => Promise<TargetResult[]>;
}

/**
 * Audits every entry of a fleet, `concurrency` at a time (16 by default), and hands each result to `onResult` as
 * soon as it is done, in completion order: the caller writes it out and keeps only what it needs, so that a
 * fleet of thousands never sits in memory. Local targets share one look at this machine. Never throws for a
 * target: one that cannot be audited, or not within the deadline, is an error result.
 */
export async function runFleet(entries: readonly FleetEntry[], options: FleetOptions, onResult: (result: TargetResult, index: number) => void): Promise<void> {
  const run: FleetOptions = options.hostDiscovery ? options : { ...options, hostDiscovery: createHostDiscovery() };
  const limit = Math.max(1, options.concurrency ?? AUDIT_CONCURRENCY);
  let next = 0;
  const one = async (index: number): Promise<void> => {
    const entry = entries[index]!;
    for (const result of await auditEntry(entry, run)) onResult(entry.labels && Object.keys(entry.labels).length > 0 ? { ...result, labels: entry.labels } : result, index);
  };
  // Each entry in a call of its own: a suspended async function keeps what its frame last held, so a loop that
  // handled the results itself held each worker's previous results (150 to 200 KB a target) through the whole
  // next audit, and V8 moved them to the old generation: 2.7 MB of a 1,000-target run's 11 MB live heap.
  const worker = async (): Promise<void> => {
    while (next < entries.length) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, entries.length) }, worker));
}

function failed(display: string, error: string): TargetResult {
  return { target: display, error, results: errorResults(RULES, `${display}: ${error}`) };
}

async function auditEntry(entry: FleetEntry, options: FleetOptions): Promise<TargetResult[]> {
  if (!('target' in entry)) return [failed(entry.display, entry.error)];
  // auditTarget and auditDeployment keep the per-target deadline (targetTimeoutMs) themselves.
  if (entry.kind === undefined) return [await auditTarget(entry.target, options)];
  if (!options.auditDeployment) return [failed(entry.target.display, `${entry.kind} audits are not available here`)];
  return options.auditDeployment(entry.target, entry.kind, options);
}

/** What the fleet summary keeps of one target: a line of the summary, and its failing rules for the totals. */
export interface TargetLine {
  readonly target: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly error?: string;
  readonly server?: TargetResult['server'];
  /** Failures that count (neither suppressed nor in the baseline), by severity. */
  readonly failBySeverity: Readonly<Record<Severity, number>>;
  readonly failing: number;
  readonly worst: Severity | undefined;
}

export function targetLine(result: TargetResult): TargetLine {
  const failBySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  let worst: Severity | undefined;
  let failing = 0;
  for (const r of result.results) {
    if (!isActiveFailure(r)) continue;
    failing += 1;
    failBySeverity[r.severity] += 1;
    if (worst === undefined || severityRank(r.severity) > severityRank(worst)) worst = r.severity;
  }
  return {
    target: result.target,
    ...(result.labels ? { labels: result.labels } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(result.server ? { server: result.server } : {}),
    failBySeverity,
    failing,
    worst,
  };
}

/** Worst first: targets that could not be audited, then by their failures from critical down, then by name. */
export function compareLines(a: TargetLine, b: TargetLine): number {
  if ((a.error !== undefined) !== (b.error !== undefined)) return a.error !== undefined ? -1 : 1;
  for (const s of SEVERITIES) {
    if (a.failBySeverity[s] !== b.failBySeverity[s]) return b.failBySeverity[s] - a.failBySeverity[s];
  }
  return a.target < b.target ? -1 : a.target > b.target ? 1 : 0;
}

/** Per rule across a fleet: on how many audited targets it failed (suppressed and baselined failures not counted). */
export interface RuleTotal {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly failed: number;
  /** Targets the rule judged (pass or fail). */
  readonly judged: number;
}

/** Sums a fleet as its results arrive; holds a few numbers per rule and one line per target. */
export class FleetTally {
  readonly lines: TargetLine[] = [];
  readonly #rules = new Map<string, { severity: Severity; failed: number; judged: number }>();
  #summary: { -readonly [K in keyof Summary]: Summary[K] } = {
    targets: 0,
    targetErrors: 0,
    pass: 0,
    fail: 0,
    skip: 0,
    error: 0,
    manual: 0,
    failBySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
    suppressed: 0,
    baselined: 0,
  };

  add(result: TargetResult): TargetLine {
    const line = targetLine(result);
    this.lines.push(line);
    const s = this.#summary;
    s.targets += 1;
    if (result.error !== undefined) s.targetErrors += 1;
    const failedHere = new Set<string>();
    const judgedHere = new Map<string, Severity>();
    for (const r of result.results) {
      s[r.status] += 1;
      if (r.status === 'fail') {
        (s.failBySeverity as Record<Severity, number>)[r.severity] += 1;
        if (r.suppressed !== undefined) s.suppressed += 1;
        else if (r.baselined === true) s.baselined += 1;
      }
      if (r.status === 'pass' || r.status === 'fail') judgedHere.set(r.ruleId, r.severity);
      if (isActiveFailure(r)) failedHere.add(r.ruleId);
    }
    for (const [ruleId, severity] of judgedHere) {
      const total = this.#rules.get(ruleId) ?? { severity, failed: 0, judged: 0 };
      total.judged += 1;
      if (failedHere.has(ruleId)) total.failed += 1;
      if (severityRank(severity) > severityRank(total.severity)) total.severity = severity;
      this.#rules.set(ruleId, total);
    }
    return line;
  }

  get summary(): Summary {
    return { ...this.#summary, failBySeverity: { ...this.#summary.failBySeverity } };
  }

  /** Rules that failed somewhere, most failed first (then by severity and id). */
  totals(): RuleTotal[] {
    return [...this.#rules]
      .filter(([, t]) => t.failed > 0)
      .map(([ruleId, t]) => ({ ruleId, ...t }))
      .sort((a, b) => b.failed - a.failed || severityRank(b.severity) - severityRank(a.severity) || (a.ruleId < b.ruleId ? -1 : 1));
  }
}
