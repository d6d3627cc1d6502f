import { findingFingerprint } from '../engine/triage/baseline.ts';
import type { RuleResult, TargetResult } from '../engine/run.ts';
import type { AuditReport, Reporter } from './types.ts';

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
export const jsonReporter: Reporter = (report, { root }) => [...jsonReportPieceList(report, root)].join('');

/** The report's top-level keys, in order, and where the targets go. */
const TARGETS_KEY = '\n  "targets": ';

/**
 * The JSON report in pieces, in order, as they are made: the same text as `JSON.stringify(report, null, 2)` and a
 * line feed, one target at a time. A fleet's report is some 50 KB per target: made whole, it is one string of 10 MB
 * for 200 targets (20 MB in memory, as it holds a character beyond Latin-1), then encoded whole; in pieces, each
 * target's text is garbage as soon as it is written, and a writer may wait for its reader between them.
 */
export function* jsonReportPieceList(report: AuditReport, root: string | undefined): Generator<string, void, undefined> {
  // The report without its targets: `"targets": []` at the top level's indentation (a nested key is indented
  // further, and the top level's keys are unique), between what comes before the targets and what comes after.
  const skeleton = JSON.stringify(
    {
      tool: report.tool,
      targets: [],
      summary: report.summary,
      ...(report.warnings && report.warnings.length > 0 ? { warnings: report.warnings } : {}),
    },
    null,
    2,
  );
  const at = skeleton.indexOf(`${TARGETS_KEY}[]`);
  if (report.targets.length === 0 || at === -1) {
    yield `${skeleton}\n`;
    return;
  }
  yield `${skeleton.slice(0, at + TARGETS_KEY.length)}[\n`;
  for (const [i, t] of report.targets.entries()) {
    const target = {
      ...targetHead(t),
      results: t.results.map((r) => (r.status === 'fail' ? { ...r, fingerprint: failureFingerprint(t, r, root) } : r)),
    };
    // Inside `{ "t": [ … ] }` the target is indented as an element of the report's targets: its text is what lies
    // between the array's opening line and its closing one.
    const wrapped = JSON.stringify({ t: [target] }, null, 2);
    // Emitted apart: the separator joined to the slice would be a new string of 100 KB to make flat and copy.
    if (i > 0) yield ',\n';
    yield wrapped.slice(WRAP_OPEN.length, wrapped.length - WRAP_CLOSE.length);
  }
  yield `\n  ]${skeleton.slice(at + TARGETS_KEY.length + 2)}\n`;
}

const WRAP_OPEN = '{\n  "t": [\n';
const WRAP_CLOSE = '\n  ]\n}';
