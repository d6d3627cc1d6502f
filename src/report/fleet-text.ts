import pc from 'picocolors';
import type { Summary } from '../engine/run.ts';
import { SEVERITIES } from '../rules/define.ts';
import type { Severity } from '../rules/define.ts';
import { terminalSafe } from './common.ts';
import { runWarningLines } from './text.ts';
import type { ReportWarning } from './types.ts';

/** One target of the fleet summary (see app/fleet.ts `TargetLine`). */
export interface FleetLine {
  readonly target: string;
  /** A deployment node's entry (`cluster of fleet.yaml:3`), shown after its name. */
  readonly entry?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly error?: string;
  readonly failBySeverity: Readonly<Record<Severity, number>>;
  readonly worst: Severity | undefined;
  /** Audited without the credentials it wants: how many rules were skipped for them. */
  readonly noCredentials?: { readonly skipped: number; readonly reason?: string };
}

export interface FleetTotal {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly failed: number;
  readonly judged: number;
}

/**
 * The head of a fleet's text report: one line per target, worst first (`lines` come sorted), then each failing
 * rule with the number of targets it failed on out of those that judged it (`auth.default-user-enabled: 143/200
 * fail`). Pure: the caller prints it above the details, or alone with --summary-only.
 */
export function fleetSummaryText(
  lines: readonly FleetLine[],
  totals: readonly FleetTotal[],
  summary: Summary,
  /**
   * `entries`: the inventory's, named when they are not the targets (a deployment gives one per node, and its own);
   * `turnedOff`: the rules the settings file turned off, and the file; `warnings`: the run's, when no text report
   * follows to say them (--summary-only).
   */
  options: { color: boolean; entries?: number; turnedOff?: { readonly rules: number; readonly path: string }; warnings?: readonly ReportWarning[] },
): string {
  const c = pc.createColors(options.color);
  const failing = lines.filter((l) => l.error === undefined && l.worst !== undefined).length;
  const blind = lines.filter((l) => l.error === undefined && l.noCredentials !== undefined).length;
  const { entries } = options;
  const of = entries !== undefined && entries !== summary.targets ? ` of ${entries} inventory entr${entries === 1 ? 'y' : 'ies'}` : '';
  const out: string[] = [
    c.bold(`Fleet: ${summary.targets} target${summary.targets === 1 ? '' : 's'}${of}, ${summary.targetErrors} not audited, ${blind > 0 ? `${blind} without credentials, ` : ''}${failing} with failures`),
  ];
  // A cluster listed node by node, `cluster: true` on each: each server is counted once, its other results not (QA42-8).
  const repeated = summary.repeated ?? 0;
  if (repeated > 0) out.push(c.dim(`  ${repeated} more result${repeated === 1 ? '' : 's'} of servers (or deployments) an earlier inventory entry audited too: in the report, counted once here`));
  // Rules not judged on any target: an auditor reading the summary alone must see what was not checked.
  const off = options.turnedOff;
  if (off !== undefined && off.rules > 0) out.push(c.dim(terminalSafe(`  ${off.rules} rule${off.rules === 1 ? '' : 's'} turned off in ${off.path}: not judged on any target`)));
  // A loop, not Math.max(...): spread as arguments, 150,000 targets overflowed the stack ('Maximum call stack size exceeded').
  let width = 0;
  const shown = (l: FleetLine): string => (l.entry !== undefined ? `${l.target} (${l.entry})` : l.target);
  for (const l of lines) width = Math.min(60, Math.max(width, shown(l).length));
  for (const l of lines) {
    const labels = l.labels && Object.keys(l.labels).length > 0 ? `  [${Object.entries(l.labels).map(([k, v]) => `${k}=${v}`).sort().join(' ')}]` : '';
    let status: string;
    let detail: string;
    if (l.error !== undefined) {
      status = c.magenta('ERROR   ');
      detail = l.error;
    } else if (l.noCredentials !== undefined) {
      // It wants a password and was given none: its few failures are what the network shows, not a healthy server.
      const n = l.noCredentials.skipped;
      status = c.magenta('NOAUTH  ');
      const failures = SEVERITIES.filter((s) => l.failBySeverity[s] > 0).map((s) => `${l.failBySeverity[s]} ${s}`).join(', ');
      detail = `${l.noCredentials.reason ?? 'no credentials'}: ${n} rule${n === 1 ? '' : 's'} skipped${failures ? `; ${failures}` : ''}`;
    } else if (l.worst === undefined) {
      status = c.green('ok      ');
      detail = 'no failure';
    } else {
      status = l.worst === 'critical' || l.worst === 'high' ? c.red(l.worst.padEnd(8)) : l.worst === 'medium' ? c.yellow(l.worst.padEnd(8)) : c.dim(l.worst.padEnd(8));
      detail = SEVERITIES.filter((s) => l.failBySeverity[s] > 0).map((s) => `${l.failBySeverity[s]} ${s}`).join(', ');
    }
    out.push(`  ${status} ${terminalSafe(shown(l).padEnd(width))}  ${terminalSafe(detail)}${c.dim(terminalSafe(labels))}`);
  }
  out.push('');
  if (totals.length > 0) {
    out.push(c.bold('Failing rules across the fleet (targets failed / targets that judged the rule):'));
    for (const t of totals) out.push(`  ${t.ruleId}: ${t.failed}/${t.judged} fail ${c.dim(`(${t.severity})`)}`);
  } else {
    out.push(c.bold('No rule failed on any audited target.'));
  }
  out.push('', ...runWarningLines(options.warnings, options.color));
  return `${out.join('\n')}\n`;
}
