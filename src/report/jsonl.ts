import type { TargetResult } from '../engine/run.ts';
import type { AuditReport, Reporter } from './types.ts';

/**
 * One line of `--format jsonl`: a target, as in the JSON report's `targets`, with `"type":"target"`. A fleet run
 * writes each line as soon as its target is done (see docs/inventory.md).
 */
export function jsonlTarget(t: TargetResult): string {
  const pieces: string[] = [];
  jsonlTargetPieces(t, (piece) => pieces.push(piece));
  return pieces.join('');
}

/**
 * {@link jsonlTarget} in pieces, in order, the line feed last: the target without its results, then each result.
 * A fleet writes them one by one: a whole line is tens of KB that V8 builds in parts and copies again to write.
 */
export function jsonlTargetPieces(t: TargetResult, add: (piece: string) => void): void {
  const head = JSON.stringify({
    type: 'target',
    target: t.target,
    ...(t.error !== undefined ? { error: t.error } : {}),
    ...(t.server ? { server: t.server } : {}),
    ...(t.warnings?.length ? { warnings: t.warnings } : {}),
    ...(t.labels ? { labels: t.labels } : {}),
  });
  // `results` comes last in the object, so the line is the head without its closing brace, then the results.
  add(head.slice(0, -1));
  add(',"results":[');
  t.results.forEach((result, i) => {
    if (i > 0) add(',');
    add(JSON.stringify(result));
  });
  add(']}\n');
}

/** The last line of `--format jsonl`: the tool, the summary and the settings warnings, with `"type":"summary"`. */
export function jsonlSummary(report: Omit<AuditReport, 'targets'>): string {
  return `${JSON.stringify({
    type: 'summary',
    tool: report.tool,
    summary: report.summary,
    ...(report.warnings && report.warnings.length > 0 ? { warnings: report.warnings } : {}),
  })}\n`;
}

/** JSON Lines: one line per target, then one summary line. */
export const jsonlReporter: Reporter = (report) => `${report.targets.map(jsonlTarget).join('')}${jsonlSummary(report)}`;
