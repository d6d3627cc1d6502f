import pc from 'picocolors';
import { shownSource } from './shown-path.ts';
import type { RuleResult } from '../engine/run.ts';
import type { Severity, Status } from '../rules/define.ts';
import { rulesById, SECTION_TITLES, sectionOf, terminalSafe, turnedOffIn, viewResults } from './common.ts';
import type { Reporter, ReportWarning } from './types.ts';


type Colors = ReturnType<typeof pc.createColors>;

function statusLabel(status: Status, c: Colors): string {
  const label = status.toUpperCase().padEnd(6);
  switch (status) {
    case 'fail': return c.red(c.bold(label));
    case 'pass': return c.green(label);
    case 'error': return c.magenta(label);
    case 'manual': return c.cyan(label);
    default: return c.dim(label);
  }
}

function severityLabel(severity: Severity, c: Colors): string {
  const label = severity.padEnd(8);
  if (severity === 'critical') return c.red(c.bold(label));
  if (severity === 'high') return c.red(label);
  if (severity === 'medium') return c.yellow(label);
  return c.dim(label);
}

/** Splits text into lines of at most `width` columns at spaces; a word longer than a line is cut. */
export function wrapText(text: string, width: number): string[] {
  if (width <= 0 || text.length <= width) return [text];
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(' ')) {
    while (word.length > width) {
      if (line !== '') {
        lines.push(line);
        line = '';
      }
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return lines;
}

/**
 * Dims what follows the first `from` characters of a wrapped text (lines indented by `indent`, cut at
 * single spaces): the `[suppressed: …]` note after a message.
 */
function dimFrom(lines: readonly string[], indent: number, from: number, c: Colors): string[] {
  let offset = 0;
  return lines.map((line) => {
    const text = line.slice(indent);
    const cut = Math.min(Math.max(from - offset, 0), text.length);
    offset += text.length + 1;
    return cut === text.length ? line : `${line.slice(0, indent)}${text.slice(0, cut)}${c.dim(text.slice(cut))}`;
  });
}

/**
 * The run's warnings (a suppression or baseline entry that matched nothing, a node override that reached no node): a
 * `Warnings:` block, each message indented and wrapped to `width` (0: not wrapped). Nothing without any.
 */
export function runWarningLines(warnings: readonly ReportWarning[] | undefined, color: boolean, width = 0): string[] {
  if (!warnings || warnings.length === 0) return [];
  const c = pc.createColors(color);
  const lines = [c.yellow(c.bold('Warnings:'))];
  for (const w of warnings) {
    const [first = '', ...rest] = wrapText(terminalSafe(w.message), width > 0 ? Math.max(20, width - 4) : 0);
    lines.push(`  - ${first}`, ...rest.map((l) => `    ${l}`));
  }
  return [...lines, ''];
}

/** A message needs at least this many columns beside the rule id; on a narrower terminal it goes below it. */
const MIN_MESSAGE_COLUMNS = 40;

export const textReporter: Reporter = (report, context) => {
  const c = pc.createColors(context.color);
  const byId = rulesById(context.rules);
  // On a terminal, long messages wrap under their own column rather than at the terminal's edge.
  const width = context.width !== undefined && context.width > 0 ? context.width : undefined;
  const lines: string[] = [];
  /** `text` at column `indent`, wrapped to the terminal; `style` colours each line. */
  const block = (indent: number, text: string, style: (s: string) => string = (s) => s): string[] =>
    wrapText(terminalSafe(text), width === undefined ? 0 : Math.max(20, width - indent)).map((l) => `${' '.repeat(indent)}${style(l)}`);
  for (const target of report.targets) {
    const server = target.server ? ` (${target.server.product} ${target.server.version ?? 'version unknown'}, ${target.server.mode})` : '';
    const labels = target.labels && Object.keys(target.labels).length > 0 ? `  [${Object.entries(target.labels).map(([k, v]) => `${k}=${v}`).sort().join(' ')}]` : '';
    lines.push(c.bold(terminalSafe(`${target.target}${server}`)) + c.dim(terminalSafe(labels)));
    // What the config reader warned of (a file not read whole: QA41-113), under the target as on standard error.
    for (const warning of target.warnings ?? []) {
      const [first = '', ...rest] = block(10, warning);
      lines.push(`  ${c.yellow('WARNING')} ${first.slice(10)}`, ...rest);
    }
    if (target.error !== undefined) {
      const [first = '', ...rest] = block(8, target.error);
      lines.push(`  ${c.magenta('ERROR')} ${first.slice(8)}`, ...rest, '');
      continue;
    }
    const idWidth = Math.max(...target.results.map((r) => r.ruleId.length));
    const idColumn = 2 + 7 + 9;
    // The message column beside the rule id, or below it when the terminal is too narrow for that.
    const beside = width === undefined || width - (idColumn + idWidth + 2) >= MIN_MESSAGE_COLUMNS;
    const messageColumn = beside ? idColumn + idWidth + 2 : idColumn;
    const view = context.view;
    const shownResults = viewResults(target.results, view);
    // Checklist order groups by section; the default severity order is one list, failures first.
    const sections = new Map<string, RuleResult[]>();
    for (const result of shownResults) {
      const section = view?.sort === 'checklist' ? SECTION_TITLES[sectionOf(result, byId)] : result.status === 'fail' ? 'Findings, most severe first' : 'Other results';
      const list = sections.get(section);
      if (list) list.push(result);
      else sections.set(section, [result]);
    }
    const limit = view?.maxFindingsPerRule;
    // The same skip sentence for many rules (a deployment entry judges only the deployment) is said once.
    const skipCounts = new Map<string, number>();
    for (const r of shownResults) if (r.status === 'skip') skipCounts.set(r.message, (skipCounts.get(r.message) ?? 0) + 1);
    const skipSaid = new Set<string>();
    for (const [section, results] of sections) {
      lines.push('', c.underline(section));
      const shown = new Map<string, number>();
      // Findings per rule in this section, counted once (a count per result made 10,000 users' findings take 30 s).
      const totals = new Map<string, number>();
      for (const x of results) totals.set(x.ruleId, (totals.get(x.ruleId) ?? 0) + 1);
      for (const result of results) {
        let r = result;
        if (r.status === 'skip' && (skipCounts.get(r.message) ?? 0) >= 3) {
          if (skipSaid.has(r.message)) continue;
          skipSaid.add(r.message);
          const ids = results.filter((x) => x.status === 'skip' && x.message === r.message).map((x) => x.ruleId);
          r = { ...r, ruleId: `${ids.length} rules`, message: `${r.message} (${ids.join(', ')})` };
        }
        // With --max-findings, a rule with many findings (one per CVE) shows the first few; the JSON report has them all.
        const seen = (shown.get(r.ruleId) ?? 0) + 1;
        shown.set(r.ruleId, seen);
        const total = totals.get(r.ruleId) ?? 0;
        if (limit !== undefined && seen > limit) {
          if (seen === limit + 1) {
            const more = `… and ${total - limit} more finding${total - limit === 1 ? '' : 's'} (see --format json)`;
            if (beside) lines.push(`${' '.repeat(idColumn)}${r.ruleId.padEnd(idWidth)}  ${c.dim(more)}`);
            else lines.push(`${' '.repeat(idColumn)}${r.ruleId}`, ...block(messageColumn, more, c.dim));
          }
          continue;
        }
        const severity = r.status === 'fail' ? severityLabel(r.severity, c) : ' '.repeat(8);
        const accepted = r.suppressed ? ` [suppressed: ${r.suppressed.reason}]` : r.baselined ? ' [baseline]' : '';
        const head = `  ${statusLabel(r.status, c)} ${severity} `;
        const message = dimFrom(block(messageColumn, `${r.message}${accepted}`), messageColumn, terminalSafe(r.message).length, c);
        if (beside) {
          lines.push(`${head}${r.ruleId.padEnd(idWidth)}  ${message[0]!.slice(messageColumn)}`, ...message.slice(1));
        } else {
          lines.push(`${head}${r.ruleId}`, ...message);
        }
        if (r.status === 'fail') {
          // Below the rule id, the details stand apart from the message even without colours.
          const detailColumn = beside ? messageColumn : messageColumn + 2;
          if (r.source) lines.push(...block(detailColumn, `at ${shownSource(r.source, context)}`, c.dim));
          lines.push(...block(detailColumn, `fix: ${r.remediation}`, c.dim));
        }
      }
    }
    lines.push('');
  }
  const s = report.summary;
  // The rules of a target that could not be audited are all errors: the "not audited" count says it once.
  const errors = report.targets.filter((t) => t.error === undefined).reduce((n, t) => n + t.results.filter((r) => r.status === 'error').length, 0);
  const severities = (Object.entries(s.failBySeverity) as [Severity, number][]).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
  // Findings are counted one by one; the other statuses are one result per rule (issue 11: name which is which).
  const failedRules = report.targets.reduce((n, t) => n + new Set(t.results.filter((r) => r.status === 'fail').map((r) => r.ruleId)).size, 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const summary = [
    `${plural(s.targets, 'target')}${s.targetErrors ? ` (${s.targetErrors} not audited)` : ''}`,
    `${plural(s.fail, 'finding')}${severities.length ? ` (${severities.join(', ')})` : ''} from ${plural(failedRules, 'failed rule')}`,
    `${plural(s.pass, 'rule')} passed`,
    `${plural(s.skip, 'rule')} skipped${s.disabled ? ` (${s.disabled} turned off${turnedOffIn(report)})` : ''}`,
    `${plural(s.manual, 'rule')} to check by hand`,
    ...(errors ? [`${errors} error${errors === 1 ? '' : 's'}`] : []),
    ...(s.suppressed ? [`${s.suppressed} suppressed`] : []),
    ...(s.baselined ? [`${s.baselined} in the baseline`] : []),
  ].join(', ');
  // The counts are of the whole audit: a view that left results out says so, as the Markdown report does.
  const { minSeverity, onlyFailures } = context.view ?? {};
  const shownNote =
    minSeverity !== undefined
      ? `shown: failures of severity ${minSeverity} or above (--min-severity ${minSeverity}); the counts below are of the whole audit`
      : onlyFailures
        ? 'shown: failures only (--only-failures); the counts below are of the whole audit'
        : undefined;
  // The run's own warnings, above the counts (they also went to standard error, which a report file does not keep).
  lines.push(...runWarningLines(report.warnings, context.color, width));
  if (shownNote !== undefined) lines.push(...block(0, shownNote, c.dim));
  lines.push(...block(0, summary, s.fail - s.suppressed - s.baselined > 0 ? c.red : c.green));
  return `${lines.join('\n')}\n`;
};
