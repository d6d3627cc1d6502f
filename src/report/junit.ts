import type { RuleResult, TargetResult } from '../engine/run.ts';
import { shownSource } from './shown-path.ts';
import { SEVERITIES } from '../rules/define.ts';
import type { Rule, Severity } from '../rules/define.ts';
import { escapeAttr, escapeText, oneLine, rulesById, sectionOf, triage } from './common.ts';
import type { Reporter, ReportContext, ReportWarning } from './types.ts';

type Paths = Pick<ReportContext, 'root' | 'sourceRoot'>;

interface Case {
  readonly xml: string;
  readonly outcome: 'pass' | 'failure' | 'error' | 'skipped';
}

/**
 * A finding as lines of text, each of its parts on its own line: a line break in a message, an evidence item, a path
 * or a reason (a server's or a file's words) is written as `\u000a`, so that none starts a line that reads as
 * another finding (CI systems show this text as it is).
 */
function describeFinding(r: RuleResult, paths: Paths): string {
  const accepted = r.suppressed ? ` [suppressed: ${r.suppressed.reason}${r.suppressed.expires ? `, until ${r.suppressed.expires}` : ''}]` : r.baselined ? ' [in the baseline]' : '';
  const lines = [`- ${r.severity}: ${oneLine(r.message + accepted)}`];
  if (r.source) lines.push(`  at ${oneLine(shownSource(r.source, paths))}`);
  for (const e of r.evidence) lines.push(`  evidence: ${oneLine(e)}`);
  lines.push(`  fix: ${oneLine(r.remediation)}`);
  return lines.join('\n');
}

/** One testcase for one rule on one target, whatever the number of findings. */
function testcase(results: readonly RuleResult[], byId: ReadonlyMap<string, Rule>, paths: Paths): Case {
  const first = results[0]!;
  const open = `    <testcase classname="${escapeAttr(sectionOf(first, byId))}" name="${escapeAttr(first.ruleId)}">`;
  const fails = results.filter((r) => r.status === 'fail');
  const counted = fails.filter((r) => triage(r) === 'active');
  if (counted.length > 0) {
    const message = oneLine(counted.length === 1 ? counted[0]!.message : `${counted.length} findings; first: ${counted[0]!.message}`);
    const worst = counted.map((r) => r.severity).sort((a, b) => order(a) - order(b))[0]!;
    const body = `${first.title}\n${fails.map((r) => describeFinding(r, paths)).join('\n')}`;
    return {
      outcome: 'failure',
      xml: `${open}\n      <failure message="${escapeAttr(message)}" type="${worst}">${escapeText(body)}</failure>\n    </testcase>`,
    };
  }
  if (fails.length > 0) {
    const why = fails[0]!.suppressed ? `suppressed: ${fails[0]!.suppressed.reason}` : 'failures already in the baseline';
    return {
      outcome: 'skipped',
      xml: `${open}\n      <skipped message="${escapeAttr(why)}"/>\n      <system-out>${escapeText(fails.map((r) => describeFinding(r, paths)).join('\n'))}</system-out>\n    </testcase>`,
    };
  }
  switch (first.status) {
    case 'error':
      return { outcome: 'error', xml: `${open}\n      <error message="${escapeAttr(oneLine(first.message))}" type="error"/>\n    </testcase>` };
    case 'skip':
    case 'manual':
      return {
        outcome: 'skipped',
        xml: `${open}\n      <skipped message="${escapeAttr(oneLine(`${first.status}: ${first.message}`))}"/>\n    </testcase>`,
      };
    default:
      return { outcome: 'pass', xml: `${open}\n      <system-out>${escapeText(oneLine(first.message))}</system-out>\n    </testcase>` };
  }
}

function order(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

function suite(target: TargetResult, byId: ReadonlyMap<string, Rule>, warnings: readonly ReportWarning[], paths: Paths): { xml: string; counts: Record<Case['outcome'], number> } {
  const byRule = new Map<string, RuleResult[]>();
  for (const r of target.results) byRule.set(r.ruleId, [...(byRule.get(r.ruleId) ?? []), r]);
  const cases = [...byRule.values()].map((results) => testcase(results, byId, paths));
  const counts = { pass: 0, failure: 0, error: 0, skipped: 0 };
  for (const c of cases) counts[c.outcome] += 1;
  const properties = [
    target.server ? `      <property name="server" value="${escapeAttr(`${target.server.product} ${target.server.version ?? '?'} (${target.server.mode})`)}"/>` : '',
    target.error !== undefined ? `      <property name="error" value="${escapeAttr(oneLine(target.error))}"/>` : '',
    // An inventory's labels, as in every format: a CI's test report sliced by team.
    ...Object.entries(target.labels ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => `      <property name="label.${escapeAttr(key)}" value="${escapeAttr(value)}"/>`),
  ].filter(Boolean);
  const xml = [
    `  <testsuite name="${escapeAttr(target.target)}" tests="${cases.length}" failures="${counts.failure}" errors="${counts.error}" skipped="${counts.skipped}">`,
    ...(properties.length > 0 ? ['    <properties>', ...properties.map((p) => `  ${p}`), '    </properties>'] : []),
    ...cases.map((c) => c.xml),
    // The target's own warnings (what the config reader warned of: QA41-113), then the run's.
    ...systemErr([
      ...(target.error !== undefined ? [oneLine(`${target.target} could not be audited: ${target.error}`)] : []),
      ...(target.warnings ?? []).map((w) => oneLine(`warning: ${w}`)),
      ...warnings.map((w) => oneLine(`warning: ${w.message}`)),
    ]),
    '  </testsuite>',
  ].join('\n');
  return { xml, counts };
}

/** A suite's `<system-err>`, a line each; nothing without any. */
function systemErr(lines: readonly string[]): string[] {
  return lines.length > 0 ? [`    <system-err>${escapeText(lines.join('\n'))}</system-err>`] : [];
}

/**
 * JUnit XML for CI test reports (GitLab, Jenkins, Azure): one testsuite per target, one testcase per
 * rule. Failures that count are `<failure>` (every finding of the rule listed in it); a rule whose
 * failures are all suppressed or baselined is `<skipped>`, like skip and manual. The run's warnings are in each
 * suite's `<system-err>`, a `warning: …` line each.
 */
export const junitReporter: Reporter = (report, context) => {
  const byId = rulesById(context.rules);
  // The run's warnings (an unused suppression or node override) concern every suite of it: each says them in its
  // <system-err> (JUnit has no place for the run's own; a suite of no target would be counted as one).
  const suites = report.targets.map((t) => suite(t, byId, report.warnings ?? [], context));
  const total = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const { counts } of suites) {
    total.tests += counts.pass + counts.failure + counts.error + counts.skipped;
    total.failures += counts.failure;
    total.errors += counts.error;
    total.skipped += counts.skipped;
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeAttr(`${report.tool.name} ${report.tool.version}`)}" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" skipped="${total.skipped}">`,
    ...suites.map((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n');
};
