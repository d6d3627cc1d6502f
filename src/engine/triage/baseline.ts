import type { TargetResult } from '../run.ts';
import { summarize } from '../run.ts';
import type { AuditReport, ReportWarning } from '../report.ts';
import { posix } from 'node:path';
import { fingerprint, legacyFingerprint, messageFingerprint, stableTargetName, targetKey } from './target-key.ts';

export interface BaselineFinding {
  readonly ruleId: string;
  readonly target: string;
  readonly fingerprint: string;
}

/** The failures known on the day it was written (`--baseline-write`). */
export interface Baseline {
  readonly version: 1;
  readonly findings: readonly BaselineFinding[];
}

/**
 * `root` ending with a slash, made once per root: a fleet asks for thousands of fingerprints, two relativeTo each,
 * and a prefix joined anew was a string V8 had to make flat again for each search.
 */
function rootPrefix(root: string): string {
  if (root !== lastRoot) {
    lastRoot = root;
    lastPrefix = root.endsWith('/') ? root : `${root}/`;
  }
  return lastPrefix;
}
let lastRoot = '';
let lastPrefix = '';

/**
 * Paths under `root` (the working directory) written relative to it, so that a baseline written in one checkout
 * matches in another (issue 11): `/home/ci/app/redis.conf:12` becomes `redis.conf:12`.
 */
export function relativeTo(text: string, root: string | undefined): string {
  if (!root || root === '/') return text;
  const prefix = rootPrefix(root);
  // Most messages name no path below root: nothing to split (a fleet fingerprints thousands of failures).
  return text.includes(prefix) ? text.split(prefix).join('') : text;
}

/**
 * A target's name as fingerprints and baselines key it. A file audited on its own (a path: a slash and not a server's
 * `host:port/db`) by its normalised path: resolved against `root`, then relative to it when below it (else absolute),
 * so that `./deploy/x.conf`, `deploy//x.conf`, `deploy/y/../x.conf` and `/checkout/deploy/x.conf` are all
 * `deploy/x.conf` (QA41-101: each spelling made every finding new against a baseline). Without a root, normalised
 * only. Servers and deployments as before (targetKey makes their spellings one); reports keep the target as given.
 */
export function keyedTargetName(target: string, root: string | undefined): string {
  if (target.includes('://') || !/[/\\]/.test(target) || targetKey(target) !== target) return relativeTo(target, root);
  const base = root !== undefined && root !== '' && root !== '/' ? root : undefined;
  return relativeTo(base !== undefined ? posix.resolve(base, target) : posix.normalize(target), base);
}

/**
 * A failure's fingerprint as baselines, suppressions (`fingerprint:`), the JSON report and SARIF give it: paths
 * below `root` (the folder the run started in) relative to it, so that it is the same in every checkout; a file
 * target by its normalised path ({@link keyedTargetName}).
 */
export function findingFingerprint(ruleId: string, target: string, message: string, root: string | undefined): string {
  return fingerprint(ruleId, keyedTargetName(target, root), relativeTo(message, root));
}

/**
 * The fingerprint of a file target's finding before its path was normalised (the target as spelled, only the root
 * stripped): baselines and suppressions written then still match by it. Undefined where it is today's.
 */
export function spelledFingerprint(ruleId: string, target: string, message: string, root: string | undefined): string | undefined {
  const spelled = relativeTo(target, root);
  return spelled === keyedTargetName(target, root) ? undefined : fingerprint(ruleId, spelled, relativeTo(message, root));
}

/** Today's failures, suppressed ones aside (they are accepted already); paths relative to `root` when given. */
export function baselineOf(report: AuditReport, options: { readonly root?: string } = {}): Baseline {
  const findings: BaselineFinding[] = [];
  for (const target of report.targets) {
    for (const r of target.results) {
      if (r.status !== 'fail' || r.suppressed !== undefined) continue;
      // A deployment by its kind and seed: its node count is no part of its identity.
      findings.push({ ruleId: r.ruleId, target: stableTargetName(keyedTargetName(target.target, options.root)), fingerprint: findingFingerprint(r.ruleId, target.target, r.message, options.root) });
    }
  }
  return { version: 1, findings };
}

/**
 * Marks the failures recorded in the baseline `baselined: true`; `exitCode` ignores them, so only new
 * failures fail the run. Each baseline entry covers one failure: a second identical finding is new.
 *
 * An entry that matches nothing is a warning, except one for a target of this report that could not be audited
 * (its failures are unknown, not fixed), and, with `ownTargetsOnly` (one target of a fleet, triaged alone), one
 * for a target this report does not hold: the fleet says those once, with {@link baselineEntriesOutside}.
 */
export function applyBaseline(
  report: AuditReport,
  baseline: Baseline,
  options: { readonly root?: string; readonly path?: string; readonly ownTargetsOnly?: boolean } = {},
): AuditReport {
  const remaining = new Map<string, number>();
  for (const f of baseline.findings) remaining.set(f.fingerprint, (remaining.get(f.fingerprint) ?? 0) + 1);
  // A deployment's names in the baseline, by its name without the node count: an older baseline named it with its
  // count (`cluster redis://db1:6379 (6 nodes)`) and fingerprinted its findings with that name.
  const namesOf = new Map<string, Set<string>>();
  for (const f of baseline.findings) {
    const stable = stableTargetName(f.target);
    if (stable !== f.target) (namesOf.get(stable) ?? namesOf.set(stable, new Set()).get(stable)!).add(f.target);
  }
  // Fingerprints of an older, absolute-path baseline still match where the paths are the same; those of an older
  // deployment entry, under the name (and node count) it had then.
  const matches = (ruleId: string, target: string, message: string): string[] => {
    const prints = [findingFingerprint(ruleId, target, message, options.root), fingerprint(ruleId, target, message)];
    // A file target's finding also by its path as spelled, as a baseline written before paths were normalised has it.
    const spelled = spelledFingerprint(ruleId, target, message, options.root);
    if (spelled !== undefined) prints.push(spelled);
    // A finding whose rule now fingerprints a stable key (an advisory): also by its whole message, as an older baseline has it.
    for (const name of new Set([keyedTargetName(target, options.root), relativeTo(target, options.root)])) {
      const byMessage = messageFingerprint(ruleId, name, relativeTo(message, options.root));
      if (byMessage !== undefined) prints.push(byMessage);
    }
    for (const name of [target, ...(namesOf.get(stableTargetName(target)) ?? [])]) {
      const old = legacyFingerprint(ruleId, name, message);
      if (old !== undefined) prints.push(old);
    }
    return prints;
  };
  const targets: TargetResult[] = report.targets.map((target) => ({
    ...target,
    results: target.results.map((r) => {
      if (r.status !== 'fail' || r.suppressed !== undefined) return r;
      const print = matches(r.ruleId, target.target, r.message).find((p) => (remaining.get(p) ?? 0) > 0);
      if (print === undefined) return r;
      remaining.set(print, remaining.get(print)! - 1);
      return { ...r, baselined: true };
    }),
  }));
  const audited = new Set<string>();
  const errored = new Set<string>();
  for (const t of report.targets) {
    for (const name of [t.target, relativeTo(t.target, options.root), keyedTargetName(t.target, options.root)]) (t.error !== undefined ? errored : audited).add(stableTargetName(name));
  }
  const judged = (f: BaselineFinding): boolean => audited.has(stableTargetName(f.target)) || (!errored.has(stableTargetName(f.target)) && !options.ownTargetsOnly);
  // An entry that matches nothing: fixed (good), or a baseline from another checkout or tool version (bad): say it.
  const unused = baseline.findings.filter((f) => (remaining.get(f.fingerprint) ?? 0) > 0 && judged(f));
  const warnings = unusedBaselineWarnings(unused, options.path);
  return { ...report, targets, summary: summarize(targets), ...(warnings.length > 0 ? { warnings: [...(report.warnings ?? []), ...warnings] } : {}) };
}

/** The entries of a baseline for none of these targets (names as the reports give them): a fleet's unused entries. */
export function baselineEntriesOutside(baseline: Baseline, targets: ReadonlySet<string>, root: string | undefined): BaselineFinding[] {
  const names = new Set<string>();
  for (const t of targets) names.add(stableTargetName(t)).add(stableTargetName(relativeTo(t, root))).add(stableTargetName(keyedTargetName(t, root)));
  return baseline.findings.filter((f) => !names.has(stableTargetName(f.target)));
}

/** One warning per fingerprint of entries that matched no finding. */
export function unusedBaselineWarnings(unused: readonly BaselineFinding[], path: string | undefined): ReportWarning[] {
  const seen = new Set<string>();
  const warnings: ReportWarning[] = [];
  for (const f of unused) {
    if (seen.has(f.fingerprint)) continue;
    seen.add(f.fingerprint);
    warnings.push({ kind: 'baseline-unused', message: `${path ? `${path}: ` : ''}baseline entry ${f.ruleId} on ${f.target} (${f.fingerprint}) matches no finding of this run: fixed since, or written for other paths or targets` });
  }
  return warnings;
}
