import type { RuleResult, TargetResult } from '../engine/run.ts';
import { shownSource } from './shown-path.ts';
import type { Severity } from '../rules/define.ts';
import { SEVERITIES } from '../rules/define.ts';
import { emptySeverityCounts, ruleDocUrl, rulesById, SECTION_TITLES, sectionOf, titleCase, triage, turnedOffIn, viewResults, visibleControls } from './common.ts';
import type { AuditReport, ReportContext, ReportView, Reporter } from './types.ts';

type Paths = Pick<ReportContext, 'root' | 'sourceRoot'>;

/**
 * Inline text: no HTML, no emphasis or links, no table breaks, no mentions, on one line. A `@name` or `@org/team`
 * in a server's words (a user name, a path) notified that account or team where the report was posted as a comment
 * (QA41-62): a word joiner (U+2060, invisible) after the `@` keeps GitHub and GitLab from reading a mention; a
 * backslash does not (the mention is found in the rendered text). An address such as ops@example.com is no mention.
 */
function md(text: string): string {
  return visibleControls(text)
    .replace(/[\\`*_[\]~#!]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/(^|[^A-Za-z0-9_.+-])@(?=[A-Za-z0-9_-])/g, '$1@\u2060')
    .replace(/\r?\n|\r/g, ' ');
}

/** The report's inline escaping, for the other Markdown redfort writes (harden's PLAN.md: user names, file:line). */
export { md as markdownText };

/**
 * A code span that survives backticks in its content, and table pipes in a table cell (`inTable`): only there does
 * GFM read `\|` in a code span as `|`; elsewhere the backslash would show (`-config\|set`, a command that fails).
 */
function code(text: string, inTable = false): string {
  const flat = visibleControls(text).replace(/\r?\n|\r/g, ' ');
  const clean = inTable ? flat.replace(/\|/g, '\\|') : flat;
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** Authored text (a remediation): its `backticked` parts stay code spans, the rest is escaped. */
function mdRich(text: string): string {
  return text
    .split(/(`[^`\n]+`)/)
    .map((part, i) => (i % 2 === 1 ? code(part.slice(1, -1)) : md(part)))
    .join('');
}

function ruleLink(ruleId: string): string {
  return `[${code(ruleId)}](${ruleDocUrl(ruleId)})`;
}

interface Row {
  readonly target: TargetResult;
  readonly result: RuleResult;
}

function finding({ target, result }: Row, targets: number, paths: Paths): string {
  const where = targets > 1 ? ` on ${code(target.target)}` : '';
  const accepted = result.suppressed
    ? ` — suppressed: ${md(result.suppressed.reason)}${result.suppressed.expires ? ` (until ${result.suppressed.expires})` : ''}`
    : result.baselined
      ? ' — in the baseline'
      : '';
  const lines = [`- **${ruleLink(result.ruleId)}**${where}: ${md(result.message)}${accepted}`];
  const details = [
    ...(result.source ? [`at ${code(shownSource(result.source, paths))}`] : []),
    `${result.checklist ? `${md(result.checklist)} · ` : ''}**Fix:** ${mdRich(result.remediation)}`,
  ];
  lines.push(`  ${details.join(' · ')}`);
  if (result.evidence.length > 0) lines.push(`  Evidence: ${result.evidence.map(md).join('; ')}`);
  return lines.join('  \n');
}

/**
 * The finding lines of one list, with at most `limit` findings per rule and target (`--max-findings`): the rest of
 * a rule's findings on a target are counted in one line where the first left out would be.
 */
function findings(group: readonly Row[], targets: number, limit: number | undefined, paths: Paths): string[] {
  if (limit === undefined) return group.map((r) => finding(r, targets, paths));
  const key = (r: Row) => `${r.target.target}\u0000${r.result.ruleId}`;
  const total = new Map<string, number>();
  for (const r of group) total.set(key(r), (total.get(key(r)) ?? 0) + 1);
  const seen = new Map<string, number>();
  const out: string[] = [];
  for (const r of group) {
    const n = (seen.get(key(r)) ?? 0) + 1;
    seen.set(key(r), n);
    if (n <= limit) out.push(finding(r, targets, paths));
    else if (n === limit + 1) {
      const more = total.get(key(r))! - limit;
      out.push(`- … and ${more} more finding${more === 1 ? '' : 's'} of ${ruleLink(r.result.ruleId)}${targets > 1 ? ` on ${code(r.target.target)}` : ''} (\`--format json\` has them all)`);
    }
  }
  return out;
}

/** A target's warnings a Markdown report lists; the rest are counted (a comment has a size limit). */
const TARGET_WARNINGS_SHOWN = 20;

function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ('l' | 'r')[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function details(summary: string, body: readonly string[]): string[] {
  if (body.length === 0) return [];
  return ['<details>', `<summary>${summary}</summary>`, '', ...body, '', '</details>', ''];
}

/** What `--only-failures` / `--min-severity` left out, for the line under the headline; undefined when nothing. */
function filterNote(view: ReportView | undefined): string | undefined {
  if (view?.minSeverity !== undefined) return `Shown: failures of severity ${view.minSeverity} or above (\`--min-severity ${view.minSeverity}\`); the counts above are of the whole audit.`;
  if (view?.onlyFailures) return 'Shown: failures only (`--only-failures`); the counts above are of the whole audit.';
  return undefined;
}

/**
 * GitHub-flavoured Markdown for a pull-request comment or a ticket. The headline and the per-target table count
 * every result; the lists below honour the view as the text report does (`--sort`, `--only-failures`,
 * `--min-severity`).
 */
function renderMarkdown(report: AuditReport, context: ReportContext, fit: boolean): string {
  const s = report.summary;
  const view = context.view;
  const all: Row[] = report.targets.flatMap((target) => target.results.map((result) => ({ target, result })));
  // The rows the lists show, in the view's order (checklist: the order of the results).
  const rows: Row[] = report.targets.flatMap((target) => viewResults(target.results, view).map((result) => ({ target, result })));
  const active = rows.filter((r) => triage(r.result) === 'active');
  const accepted = rows.filter((r) => triage(r.result) === 'suppressed' || triage(r.result) === 'baselined');
  const counts = emptySeverityCounts();
  for (const r of all) if (triage(r.result) === 'active') counts[r.result.severity] += 1;
  const activeTotal = all.filter((r) => triage(r.result) === 'active').length;

  const headline = [
    `**${s.targets} target${s.targets === 1 ? '' : 's'}**${s.targetErrors ? ` (${s.targetErrors} not audited)` : ''}`,
    // Findings are counted one by one, the other statuses one result per rule (issue 11: say which is which).
    activeTotal === 0
      ? '**no findings that count**'
      : `**${activeTotal} finding${activeTotal === 1 ? '' : 's'}**: ${SEVERITIES.filter((sev) => counts[sev] > 0).map((sev) => `${counts[sev]} ${sev}`).join(', ')}`,
    `${s.pass} rule${s.pass === 1 ? '' : 's'} passed`,
    `${s.skip} rule${s.skip === 1 ? '' : 's'} skipped${s.disabled ? ` (${s.disabled} turned off${md(turnedOffIn(report))})` : ''}`,
    `${s.manual} rule${s.manual === 1 ? '' : 's'} to check by hand`,
    ...(s.suppressed ? [`${s.suppressed} suppressed`] : []),
    ...(s.baselined ? [`${s.baselined} in the baseline`] : []),
  ];
  const out: string[] = [`## redfort ${md(report.tool.version)}: security audit`, '', headline.join(' · '), ''];

  // Labels of the inventory (`--targets`): a column, so that a fleet report can be sliced by team.
  const withLabels = report.targets.some((t) => t.labels && Object.keys(t.labels).length > 0);
  const perTarget = report.targets.map((t) => {
    const c = emptySeverityCounts();
    const st = { pass: 0, skip: 0, manual: 0, error: 0 };
    for (const r of t.results) {
      if (triage(r) === 'active') c[r.severity] += 1;
      else if (r.status !== 'fail') st[r.status] += 1;
    }
    const server = t.error !== undefined ? `not audited: ${md(t.error)}` : t.server ? md(`${t.server.product} ${t.server.version ?? '?'} (${t.server.mode})`) : '';
    const labels = withLabels ? [md(Object.entries(t.labels ?? {}).map(([k, v]) => `${k}=${v}`).sort().join(' '))] : [];
    return [code(t.target, true), ...labels, server, ...SEVERITIES.map((sev) => String(c[sev])), String(st.pass), String(st.skip), String(st.manual), String(st.error)];
  });
  // Where the table's rows are: the compact form keeps only those that fit.
  const tableRows = { from: out.length + 2, to: out.length + 2 + perTarget.length };
  out.push(
    ...table(
      ['Target', ...(withLabels ? ['Labels'] : []), 'Server', ...SEVERITIES.map(titleCase), 'Pass', 'Skip', 'Manual', 'Error'],
      perTarget,
      ['l', ...(withLabels ? ['l' as const] : []), 'l', ...SEVERITIES.map(() => 'r' as const), 'r', 'r', 'r', 'r'],
    ),
    '',
  );

  if (report.warnings && report.warnings.length > 0) {
    out.push('> [!WARNING]', '> Settings need attention:', ...report.warnings.map((w) => `> - ${md(w.message)}`), '');
  }
  // Each target's warnings (what the config reader warned of: a file not read whole is no clean read, QA41-113).
  for (const t of report.targets) {
    const said = t.warnings ?? [];
    if (said.length === 0) continue;
    const more = said.length - TARGET_WARNINGS_SHOWN;
    out.push(
      '> [!WARNING]',
      `> ${code(t.target, true)}: read with warnings:`,
      ...said.slice(0, TARGET_WARNINGS_SHOWN).map((w) => `> - ${md(w)}`),
      ...(more > 0 ? [`> - … and ${more} more (\`--format json\` has them all)`] : []),
      '',
    );
  }

  const note = filterNote(view);
  if (note) out.push(`_${mdRich(note)}_`, '');

  // What comes before the findings is kept by the compact form too.
  const head = out.length;
  if (view?.sort === 'checklist') {
    // Checklist order: by the checklist's sections, each in the order of the results.
    const byId = rulesById(context.rules);
    const sections = new Map<string, Row[]>();
    for (const r of active) {
      const title = SECTION_TITLES[sectionOf(r.result, byId)];
      const list = sections.get(title);
      if (list) list.push(r);
      else sections.set(title, [r]);
    }
    for (const [title, group] of sections) out.push(`### ${md(title)} (${group.length})`, '', ...findings(group, s.targets, view?.maxFindingsPerRule, context), '');
  } else {
    for (const severity of SEVERITIES) {
      const group = active.filter((r) => r.result.severity === severity);
      if (group.length === 0) continue;
      out.push(`### ${titleCase(severity)} (${group.length})`, '', ...findings(group, s.targets, view?.maxFindingsPerRule, context), '');
    }
  }

  const errors = rows.filter((r) => r.result.status === 'error' && r.target.error === undefined);
  if (errors.length > 0) {
    out.push(`### Errors (${errors.length})`, '', ...errors.map((r) => `- ${ruleLink(r.result.ruleId)} on ${code(r.target.target)}: ${md(r.result.message)}`), '');
  }

  out.push(...details(`Accepted failures: suppressed or in the baseline (${accepted.length})`, findings(accepted, s.targets, view?.maxFindingsPerRule, context)));
  const listed = (status: RuleResult['status'][]) =>
    table(
      ['Target', 'Rule', 'Status', 'Result'],
      rows.filter((r) => status.includes(r.result.status) && r.target.error === undefined).map((r) => [code(r.target.target, true), ruleLink(r.result.ruleId), r.result.status, md(r.result.message)]),
      ['l', 'l', 'l', 'l'],
    );
  const passed = rows.filter((r) => r.result.status === 'pass').length;
  const skipped = rows.filter((r) => (r.result.status === 'skip' || r.result.status === 'manual') && r.target.error === undefined).length;
  const findingsOnly = `${out.join('\n').trimEnd()}\n`;
  if (passed > 0) out.push(...details(`Passed (${passed})`, listed(['pass'])));
  if (skipped > 0) out.push(...details(`Skipped and manual (${skipped})`, listed(['manual', 'skip'])));
  const full = `${out.join('\n').trimEnd()}\n`;
  if (!fit || full.length <= COMMENT_LIMIT) return full;
  // Too long for a comment: first leave out the passed and skipped rules, then every finding's text.
  const left = `\n_${passed} passed and ${skipped} skipped or manual results are left out to fit a comment's ${COMMENT_LIMIT.toLocaleString('en')} characters: \`--format json\` or \`html\` has them._\n`;
  if (findingsOnly.length + left.length <= COMMENT_LIMIT) return findingsOnly + left;
  return compact(out.slice(0, head), tableRows, active, errors.length);
}

/** Every result (or those the view keeps), for a ticket or a file. */
export const markdownReporter: Reporter = (report, context) => renderMarkdown(report, context, false);

/**
 * `--format markdown-comment`: the Markdown report made to fit a pull-request or issue comment (65,536
 * characters): whole when it fits, else without the passed and skipped rules, else one line per failing rule.
 */
export const markdownCommentReporter: Reporter = (report, context) => renderMarkdown(report, context, true);

/** GitHub's limit on a pull-request or issue comment, in characters. */
export const COMMENT_LIMIT = 65_536;

/**
 * The report for a comment when the full one does not fit: the headline and per-target table, then one line per
 * failing rule (how many findings on how many targets), most severe first; rules past the limit are counted.
 */
function compact(given: readonly string[], tableRows: { readonly from: number; readonly to: number }, active: readonly Row[], errors: number): string {
  const lines: string[] = [];
  for (const severity of SEVERITIES) {
    const byRule = new Map<string, Row[]>();
    for (const r of active) {
      if (r.result.severity !== severity) continue;
      const list = byRule.get(r.result.ruleId);
      if (list) list.push(r);
      else byRule.set(r.result.ruleId, [r]);
    }
    if (byRule.size === 0) continue;
    lines.push(`### ${titleCase(severity)} (${[...byRule.values()].reduce((n, g) => n + g.length, 0)})`, '');
    for (const [ruleId, group] of byRule) {
      const targets = new Set(group.map((r) => r.target.target)).size;
      lines.push(`- ${ruleLink(ruleId)}: ${group.length} finding${group.length === 1 ? '' : 's'} on ${targets} target${targets === 1 ? '' : 's'}`);
    }
    lines.push('');
  }
  if (errors > 0) lines.push(`${errors} rule${errors === 1 ? '' : 's'} could not be judged (errors): see the full report.`, '');
  // A fleet's per-target table alone can pass the limit (1,000 targets: 98 KB): its first rows, as many as leave room
  // for the failing rules, then how many more there are.
  let head = [...given];
  const rows = given.slice(tableRows.from, tableRows.to);
  const room = COMMENT_LIMIT - 1_000 - lines.join('\n').length - (given.join('\n').length - rows.join('\n').length);
  if (rows.join('\n').length > room) {
    let used = 0;
    let kept = 0;
    while (kept < rows.length && used + rows[kept]!.length + 1 <= room) used += rows[kept++]!.length + 1;
    head = [...given.slice(0, tableRows.from), ...rows.slice(0, kept), '', `_… and ${rows.length - kept} more targets: \`--format json\` or \`html\` has them._`, ...given.slice(tableRows.to)];
  }
  const out = [...head, `> Compact report: the full one is over ${COMMENT_LIMIT.toLocaleString('en')} characters, a comment's limit. Each failing rule is counted; \`--format json\` or \`html\` has every finding.`, ''];
  let size = out.join('\n').length;
  let kept = 0;
  for (const line of lines) {
    if (size + line.length + 200 > COMMENT_LIMIT) break;
    size += line.length + 1;
    kept += 1;
  }
  out.push(...lines.slice(0, kept));
  const left = lines.slice(kept).filter((l) => l.startsWith('- ')).length;
  if (left > 0) out.push('', `… and ${left} more failing rule${left === 1 ? '' : 's'}: see the full report.`);
  return `${out.join('\n').trimEnd()}\n`;
}
