import type { RuleResult, TargetResult } from '../engine/run.ts';
import { failureFingerprint, targetHead } from './json.ts';
import type { AuditReport, Reporter } from './types.ts';

/**
 * One line of `--format jsonl`: a target, as in the JSON report's `targets` (failures with their `fingerprint`,
 * paths below `root` relative to it), with `"type":"target"`. A fleet run writes each line as soon as its target
 * is done (see docs/inventory.md).
 */
export function jsonlTarget(t: TargetResult, root?: string): string {
  const pieces: string[] = [];
  jsonlTargetPieces(t, (piece) => pieces.push(piece), root);
  return pieces.join('');
}

/**
 * {@link jsonlTarget} in pieces, in order, the line feed last: the target without its results, then each result.
 * A fleet writes them one by one: a whole line is tens of KB that V8 builds in parts and copies again to write.
 */
export function jsonlTargetPieces(t: TargetResult, add: (piece: string) => void, root?: string): void {
  const head = JSON.stringify({ type: 'target', ...targetHead(t) });
  // `results` comes last in the object, so the line is the head without its closing brace, then the results.
  add(head.slice(0, -1));
  add(',"results":[');
  t.results.forEach((result, i) => {
    if (i > 0) add(',');
    resultPieces(result, add, result.status === 'fail' ? failureFingerprint(t, result, root) : undefined);
  });
  add(']}\n');
}

/** Fields of a rule result in the rule's own words, the same from target to target: most of a line's bytes. */
const REPEATED = new Set(['ruleId', 'title', 'checklist', 'remediation', 'status', 'severity']);
/** Their JSON, and that of the field names: at most MAX_QUOTED, started afresh when full. */
const quotedJson = new Map<string, string>();
const MAX_QUOTED = 1024;

function quoted(text: string): string {
  let json = quotedJson.get(text);
  if (json === undefined) {
    json = JSON.stringify(text);
    if (quotedJson.size >= MAX_QUOTED) quotedJson.clear();
    quotedJson.set(text, json);
  }
  return json;
}

/** What JSON.stringify(result) makes (with `fingerprint` last when given), in pieces, the repeated fields' JSON made once. */
function resultPieces(result: RuleResult, add: (piece: string) => void, fingerprint: string | undefined): void {
  let separator = '{';
  // for…in over a plain object's own keys, in JSON.stringify's order, without an array of them per result.
  for (const key in result) {
    if (!Object.hasOwn(result, key)) continue;
    const value: unknown = (result as unknown as Record<string, unknown>)[key];
    // What JSON.stringify leaves out of an object.
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    add(separator);
    separator = ',';
    add(quoted(key));
    add(':');
    if (typeof value === 'string' && REPEATED.has(key)) add(quoted(value));
    else if (value === null) add('null');
    else if (Array.isArray(value) && value.length === 0) add('[]');
    else add(JSON.stringify(value));
  }
  if (fingerprint !== undefined) {
    add(separator);
    separator = ',';
    add('"fingerprint":');
    add(JSON.stringify(fingerprint));
  }
  add(separator === '{' ? '{}' : '}');
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
export const jsonlReporter: Reporter = (report, { root }) => `${report.targets.map((t) => jsonlTarget(t, root)).join('')}${jsonlSummary(report)}`;
