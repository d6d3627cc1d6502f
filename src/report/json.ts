import { findingFingerprint } from '../engine/triage/baseline.ts';
import type { RuleResult, TargetResult } from '../engine/run.ts';
import type { Reporter } from './types.ts';

/** A target of the JSON report without its results, in the report's key order (JSON Lines writes the same). */
export function targetHead(t: TargetResult): Record<string, unknown> {
  return {
    target: t.target,
    ...(t.error !== undefined ? { error: t.error } : {}),
    ...(t.server ? { server: t.server } : {}),
    ...(t.kind ? { kind: t.kind } : {}),
    ...(t.role ? { role: t.role } : {}),
    ...(t.warnings?.length ? { warnings: t.warnings } : {}),
    ...(t.sample ? { sample: t.sample } : {}),
    ...(t.labels ? { labels: t.labels } : {}),
  };
}

/** What a suppression's `fingerprint:` and a baseline match of failure `r` of target `t` (paths below `root` relative). */
export function failureFingerprint(t: TargetResult, r: RuleResult, root: string | undefined): string {
  return findingFingerprint(r.ruleId, t.target, r.message, root);
}

/**
 * The machine contract: docs/json-report.schema.json. Stable field names; additions only. A failure carries its
 * `fingerprint`, the value a suppression's `fingerprint:` and a baseline match (paths below `root` relative to it).
 */
export const jsonReporter: Reporter = (report, { root }) =>
  `${JSON.stringify(
    {
      tool: report.tool,
      targets: report.targets.map((t) => ({
        ...targetHead(t),
        results: t.results.map((r) => (r.status === 'fail' ? { ...r, fingerprint: failureFingerprint(t, r, root) } : r)),
      })),
      summary: report.summary,
      ...(report.warnings && report.warnings.length > 0 ? { warnings: report.warnings } : {}),
    },
    null,
    2,
  )}\n`;
