import { findingFingerprint } from '../engine/triage/baseline.ts';
import type { Reporter } from './types.ts';

/**
 * The machine contract: docs/json-report.schema.json. Stable field names; additions only. A failure carries its
 * `fingerprint`, the value a suppression's `fingerprint:` and a baseline match (paths below `root` relative to it).
 */
export const jsonReporter: Reporter = (report, { root }) =>
  `${JSON.stringify(
    {
      tool: report.tool,
      targets: report.targets.map((t) => ({
        target: t.target,
        ...(t.error !== undefined ? { error: t.error } : {}),
        ...(t.server ? { server: t.server } : {}),
        ...(t.kind ? { kind: t.kind } : {}),
        ...(t.role ? { role: t.role } : {}),
        ...(t.warnings?.length ? { warnings: t.warnings } : {}),
        ...(t.sample ? { sample: t.sample } : {}),
        ...(t.labels ? { labels: t.labels } : {}),
        results: t.results.map((r) => (r.status === 'fail' ? { ...r, fingerprint: findingFingerprint(r.ruleId, t.target, r.message, root) } : r)),
      })),
      summary: report.summary,
      ...(report.warnings && report.warnings.length > 0 ? { warnings: report.warnings } : {}),
    },
    null,
    2,
  )}\n`;
