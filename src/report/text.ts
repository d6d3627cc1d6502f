import pc from 'picocolors';
import { formatSource } from '../facts/types.ts';
import type { RuleResult } from '../engine/run.ts';
import type { Section, Severity, Status } from '../rules/define.ts';
import type { Reporter } from './types.ts';

const SECTION_TITLES: Record<Section, string> = {
  Foundation: 'Laying the foundation',
  Cluster: 'Cluster mode',
  Account: 'Account management',
  'Cluster extras': 'Cluster mode extras',
  TLS: 'Transport layer security',
};

function sectionOf(result: RuleResult): Section {
  const name = result.checklist.replace(/\s*\d+$|\s*\(.*\)$/, '') as Section;
  return name in SECTION_TITLES ? name : 'TLS';
}

const MAX_FINDINGS_SHOWN = 5;

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

export const textReporter: Reporter = (report, context) => {
  const c = pc.createColors(context.color);
  const lines: string[] = [];
  for (const target of report.targets) {
    const server = target.server ? ` (${target.server.product} ${target.server.version ?? 'version unknown'}, ${target.server.mode})` : '';
    lines.push(c.bold(`${target.target}${server}`));
    if (target.error !== undefined) {
      lines.push(`  ${c.magenta('ERROR')} ${target.error}`, '');
      continue;
    }
    const width = Math.max(...target.results.map((r) => r.ruleId.length));
    const sections = new Map<Section, RuleResult[]>();
    for (const result of target.results) {
      const section = sectionOf(result);
      sections.set(section, [...(sections.get(section) ?? []), result]);
    }
    for (const [section, results] of sections) {
      lines.push('', c.underline(SECTION_TITLES[section]));
      const shown = new Map<string, number>();
      for (const r of results) {
        // A rule with many findings (one per CVE) shows the first few; the JSON report has them all.
        const seen = (shown.get(r.ruleId) ?? 0) + 1;
        shown.set(r.ruleId, seen);
        const total = results.filter((x) => x.ruleId === r.ruleId).length;
        if (seen > MAX_FINDINGS_SHOWN) {
          if (seen === MAX_FINDINGS_SHOWN + 1) lines.push(`  ${' '.repeat(16)} ${r.ruleId.padEnd(width)}  ${c.dim(`… and ${total - MAX_FINDINGS_SHOWN} more findings (see --format json)`)}`);
          continue;
        }
        const severity = r.status === 'fail' ? severityLabel(r.severity, c) : ' '.repeat(8);
        const accepted = r.suppressed ? c.dim(` [suppressed: ${r.suppressed.reason}]`) : r.baselined ? c.dim(' [baseline]') : '';
        lines.push(`  ${statusLabel(r.status, c)} ${severity} ${r.ruleId.padEnd(width)}  ${r.message}${accepted}`);
        if (r.status === 'fail') {
          const indent = ' '.repeat(2 + 7 + 9 + width + 2);
          if (r.source) lines.push(`${indent}${c.dim(`at ${formatSource(r.source)}`)}`);
          lines.push(`${indent}${c.dim(`fix: ${r.remediation}`)}`);
        }
      }
    }
    lines.push('');
  }
  const s = report.summary;
  const severities = (Object.entries(s.failBySeverity) as [Severity, number][]).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
  const summary = [
    `${s.targets} target${s.targets === 1 ? '' : 's'}${s.targetErrors ? ` (${s.targetErrors} not audited)` : ''}`,
    `${s.fail} failed${severities.length ? ` (${severities.join(', ')})` : ''}`,
    `${s.pass} passed`,
    `${s.skip} skipped`,
    `${s.manual} manual`,
    ...(s.error ? [`${s.error} errors`] : []),
    ...(s.suppressed ? [`${s.suppressed} suppressed`] : []),
    ...(s.baselined ? [`${s.baselined} in the baseline`] : []),
  ].join(', ');
  lines.push(s.fail - s.suppressed - s.baselined > 0 ? c.red(summary) : c.green(summary));
  return `${lines.join('\n')}\n`;
};
