import type { RuleResult } from '../engine/run.ts';
import { severityRank } from '../engine/run.ts';
import type { AuditReport, ReportView } from './types.ts';
import type { Rule, Section, Severity, Status } from '../rules/define.ts';

/** Where each rule's documentation is published; reports link to it. */
export const RULE_DOCS_URL = 'https://github.com/redfort/redfort/blob/main/docs/rules/';
export const TOOL_URL = 'https://github.com/redfort/redfort';

export function ruleDocUrl(ruleId: string): string {
  return `${RULE_DOCS_URL}${encodeURIComponent(ruleId)}.md`;
}

export const SECTIONS: readonly Section[] = ['Foundation', 'Cluster', 'Account', 'Cluster extras', 'TLS'];

export const SECTION_TITLES: Record<Section, string> = {
  Foundation: 'Laying the foundation',
  Cluster: 'Cluster mode',
  Account: 'Account management',
  'Cluster extras': 'Cluster mode extras',
  TLS: 'Transport layer security',
};

export const STATUSES: readonly Status[] = ['fail', 'error', 'manual', 'skip', 'pass'];

/** The checklist section of a result: its rule's `section`. A result of a rule outside the catalogue given is a caller's bug. */
export function sectionOf(result: RuleResult, rules: ReadonlyMap<string, Rule>): Section {
  const rule = rules.get(result.ruleId);
  if (!rule) throw new Error(`result of '${result.ruleId}', which is not in the rule catalogue given to the reporter`);
  return rule.section;
}

export function rulesById(rules: readonly Rule[]): ReadonlyMap<string, Rule> {
  return new Map(rules.map((r) => [r.id, r]));
}

/** What a result amounts to for CI: a failure that counts, an accepted one, or no failure. */
export function triage(result: RuleResult): 'active' | 'suppressed' | 'baselined' | 'none' {
  if (result.status !== 'fail') return 'none';
  if (result.suppressed !== undefined) return 'suppressed';
  return result.baselined === true ? 'baselined' : 'active';
}

export type SeverityCounts = Record<Severity, number>;

export function emptySeverityCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

export function titleCase(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * Characters XML 1.0 forbids, lone surrogates, and the bidirectional controls (RLO, LRI, …), which reorder the text
 * around them where it is shown (a browser, a Markdown view: "Trojan Source"): written as `\u0007` so the text stays
 * readable, and what a server named cannot make another name read backwards.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function visibleControls(text: string): string {
  return text.replace(NOT_XML, escaped);
}

/** A character as `\uXXXX`. */
function escaped(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** C0 and C1 control characters (ESC, CR, LF, BEL, CSI…), which a terminal would act upon, and the bidirectional ones. */
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Text for a terminal, on one line: what a server or a file said cannot move the cursor, recolour or retitle it. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, escaped);
}

/**
 * Text of several lines for a terminal: each control character but the line feed shown as `\uXXXX`, so that what a
 * server named (a user, a sentinel's master) cannot move the cursor, recolour or retitle it.
 */
export function terminalLines(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\n' ? c : escaped(c)));
}

/**
 * Text a server or a file gave, kept on one line where a report builds lines of its own: its line breaks (CR, LF, NEL,
 * the Unicode line and paragraph separators) written as `\u000a`, so that a value cannot start a line that reads
 * as the report's own (`\r\n- critical: …` in a JUnit failure's text).
 */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\u0085\u2028\u2029]/g, escaped);
}

/** Text content for XML and HTML. */
export function escapeText(text: string): string {
  return visibleControls(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A double- or single-quoted attribute value; line breaks and tabs survive attribute normalisation. */
export function escapeAttr(text: string): string {
  return escapeText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

/**
 * The results a human-readable report shows, in its order (`--sort`, `--only-failures`, `--min-severity`):
 * by default failures first, most severe first, then errors, manual checks, skips and passes, each in
 * checklist order (the order of the results). Pure.
 */
export function viewResults(results: readonly RuleResult[], view: ReportView | undefined): RuleResult[] {
  const min = view?.minSeverity === undefined ? undefined : severityRank(view.minSeverity);
  const kept = results.filter((r) => {
    if ((view?.onlyFailures || min !== undefined) && r.status !== 'fail') return false;
    return min === undefined || severityRank(r.severity) >= min;
  });
  if (view?.sort === 'checklist') return kept;
  const order = (r: RuleResult): number => (r.status === 'fail' ? 10 - severityRank(r.severity) : 10 + STATUSES.indexOf(r.status));
  return kept.map((r, i) => ({ r, i })).sort((a, b) => order(a.r) - order(b.r) || a.i - b.i).map(({ r }) => r);
}

/** ` in .redfort.yaml`: the settings file that turned rules off (the first result's says it), or nothing. */
export function turnedOffIn(report: Pick<AuditReport, 'targets'>): string {
  for (const t of report.targets) for (const r of t.results) if (r.disabled !== undefined) return ` in ${r.disabled.path}`;
  return '';
}
