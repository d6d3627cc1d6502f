import type { RuleResult, TargetResult } from '../run.ts';
import { summarize } from '../run.ts';
import { formatSource } from '../../facts/types.ts';
import type { AuditReport, ReportWarning } from '../report.ts';
import { fingerprint, legacyFingerprint, messageFingerprint, targetKey } from './target-key.ts';
import { findingFingerprint, keyedTargetName, relativeTo, spelledFingerprint } from './baseline.ts';

/** An accepted failure: by rule id or area, on one target or all of them. */
export interface Suppression {
  readonly rule: string;
  readonly target?: string;
  /** Only the finding with this fingerprint (as `--baseline-write` records it). */
  readonly fingerprint?: string;
  /** Only findings about this ACL user (`user 'admin' …`): a new user with the same problem still fails. */
  readonly user?: string;
  readonly reason: string;
  /** `YYYY-MM-DD`: the last day it applies. */
  readonly expires?: string;
  /** The settings file entry. */
  readonly source: { readonly kind: 'file'; readonly path: string; readonly line: number };
}

function covers(suppression: Suppression, result: RuleResult, target: string, root: string | undefined): boolean {
  if (result.ruleId !== suppression.rule && result.ruleId.split('.')[0] !== suppression.rule) return false;
  if (suppression.user !== undefined && !result.message.includes(`user '${suppression.user}'`)) return false;
  // A fingerprint as --baseline-write records it: paths relative to the folder of the run, or as they are.
  // A deployment's finding also by the fingerprint of an older redfort, which keyed it on the name with its node
  // count: under today's name, or the one the suppression gives (`target: cluster redis://db1:6379 (6 nodes)`).
  // A finding whose rule now fingerprints a stable key (an advisory) also by the print of its whole message, as before.
  // A file target by its normalised path, and as spelled (as a fingerprint recorded before paths were normalised).
  if (suppression.fingerprint !== undefined && findingFingerprint(result.ruleId, target, result.message, root) !== suppression.fingerprint
    && spelledFingerprint(result.ruleId, target, result.message, root) !== suppression.fingerprint
    && fingerprint(result.ruleId, target, result.message) !== suppression.fingerprint
    && legacyFingerprint(result.ruleId, target, result.message) !== suppression.fingerprint
    && messageFingerprint(result.ruleId, relativeTo(target, root), relativeTo(result.message, root)) !== suppression.fingerprint
    && messageFingerprint(result.ruleId, keyedTargetName(target, root), relativeTo(result.message, root)) !== suppression.fingerprint
    && (suppression.target === undefined || legacyFingerprint(result.ruleId, suppression.target, result.message) !== suppression.fingerprint)) return false;
  return true;
}

function describe(s: Suppression): string {
  return `the suppression of ${s.rule}${s.user !== undefined ? ` for user '${s.user}'` : ''}${s.fingerprint !== undefined ? ` (finding ${s.fingerprint})` : ''}${s.target !== undefined ? ` on ${s.target}` : ''} ('${s.reason}')`;
}

/**
 * Marks the failures that a suppression covers (`suppressed: { reason, expires }`): they stay in the
 * report with their status, and `exitCode` ignores them. An expired suppression applies to nothing and
 * is reported, and so is one that matched no failure on a target this run audited.
 *
 * @param today `YYYY-MM-DD`; a suppression applies up to and including its `expires` day.
 * @param options.root the folder of the run: a fingerprint also matches with paths below it made relative, as
 *   `--baseline-write` records them.
 */
export function applySuppressions(report: AuditReport, suppressions: readonly Suppression[], today: string, options: { readonly root?: string | undefined } = {}): AuditReport {
  const warnings: ReportWarning[] = [];
  const active: Suppression[] = [];
  for (const s of suppressions) {
    if (s.expires !== undefined && s.expires < today) {
      warnings.push({
        kind: 'suppression-expired',
        message: `${formatSource(s.source)}: ${describe(s)} expired on ${s.expires}: its findings count again`,
        source: s.source,
      });
    } else active.push(s);
  }
  const used = new Set<Suppression>();
  const targets: TargetResult[] = report.targets.map((target) => {
    const key = targetKey(target.target);
    const here = active.filter((s) => s.target === undefined || targetKey(s.target) === key);
    if (here.length === 0) return target;
    const results = target.results.map((result) => {
      if (result.status !== 'fail' || result.suppressed !== undefined) return result;
      const match = here.find((s) => covers(s, result, target.target, options.root));
      if (!match) return result;
      used.add(match);
      return { ...result, suppressed: { reason: match.reason, ...(match.expires !== undefined ? { expires: match.expires } : {}) } };
    });
    return { ...target, results };
  });
  // Only a suppression whose target was audited can be called unused: a fleet file audited in parts
  // would otherwise warn about every other server.
  const audited = new Set(report.targets.filter((t) => t.error === undefined).map((t) => targetKey(t.target)));
  for (const s of active) {
    if (used.has(s)) continue;
    if (s.target !== undefined ? !audited.has(targetKey(s.target)) : audited.size === 0) continue;
    warnings.push({
      kind: 'suppression-unused',
      message: `${formatSource(s.source)}: ${describe(s)} matched no failure: remove it`,
      source: s.source,
    });
  }
  return {
    ...report,
    targets,
    summary: summarize(targets),
    ...(warnings.length > 0 || report.warnings ? { warnings: [...(report.warnings ?? []), ...warnings] } : {}),
  };
}
