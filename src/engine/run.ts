import type { Facts, FactKey, SampleSummary, Source } from '../facts/types.ts';
import type { FactsWith, Rule, RuleContext, Severity, Status, Verdict } from '../rules/define.ts';
import { SEVERITIES } from '../rules/define.ts';
import { missingReason } from '../facts/keys.ts';
import { standInsMessage, watchedFacts } from './stand-ins.ts';
import { clipped } from '../util/shown.ts';

/** One line of a report: a rule's verdict on one target (a failing rule yields one per finding). */
export interface RuleResult {
  readonly ruleId: string;
  readonly title: string;
  readonly status: Status;
  readonly severity: Severity;
  readonly message: string;
  readonly evidence: readonly string[];
  readonly remediation: string;
  readonly source: Source | null;
  readonly checklist: string;
  /** Set on a failure that a suppression of the settings file covers; it keeps its status. */
  readonly suppressed?: Suppressed;
  /** True on a failure recorded in the baseline (`--baseline`): known debt, not counted by `exitCode`. */
  readonly baselined?: boolean;
  /** Set on a rule a settings file turned off: its status is `skip` (not judged), and this says where. */
  readonly disabled?: Disabled;
}

/** Where a rule was turned off: the `rules:` entry of a settings file, naming its id or its area, that says `off`. */
export interface Disabled {
  /** The rule id or the area as the entry names it (`tls`, `tls.disabled`). */
  readonly rule: string;
  readonly path: string;
  readonly line: number;
}

/** Why a failure is accepted, from a suppression of `.redfort.yaml`. */
export interface Suppressed {
  readonly reason: string;
  /** `YYYY-MM-DD`: the last day the suppression applies. */
  readonly expires?: string;
}

export interface TargetResult {
  readonly target: string;
  /** Set when the target could not be audited at all (refused, timed out, wrong password, not Redis). */
  readonly error?: string;
  readonly server?: { readonly product: string; readonly version: string | null; readonly mode: string };
  /** What the entry is: one server, one sentinel, or a whole deployment (--cluster, --sentinel, --replication). */
  readonly kind?: 'server' | 'sentinel' | 'deployment';
  /** The server's replication role when known (`master`, `replica`), or `sentinel`. */
  readonly role?: 'master' | 'replica' | 'sentinel';
  /** What the config files hold that redis-server would treat otherwise (`file:line: …`), e.g. unknown directives. */
  readonly warnings?: readonly string[];
  /** `--sample-data`: what the keyspace sample covered, and counts per detector and key pattern (never a value). */
  readonly sample?: SampleSummary;
  /**
   * The top config file read for this target (absolute): a file audit's redis.conf or sentinel.conf (an ACL file
   * audited alone), a live server's `--config` or the file its host facts found. Where a report that must locate
   * every finding in a file (SARIF for GitHub code scanning) puts those from a compiled default or a live reply. Not
   * in the JSON report (its `target` and the results' `source` say as much).
   */
  readonly configFile?: string;
  /**
   * `--local`: set (to the reason) when the server itself could not be audited and only its host was judged. Its host
   * results stand; it counts as not audited, as a target with `error` does (`summary.targetErrors`, exit code 2).
   */
  readonly hostOnly?: string;
  /** The inventory's labels of the target (`env`, `team`, `region`…), copied into every report format. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly results: readonly RuleResult[];
}

export interface RunOptions {
  readonly context: RuleContext;
  /** Rule id or area (`tls`) to severity. */
  readonly severityOverrides?: ReadonlyMap<string, Severity>;
  /** Rule ids or areas to leave out of the report. */
  readonly disabled?: ReadonlySet<string>;
  /**
   * Rule ids a settings file turned off, each with the entry that did: not judged, but in the report as a `skip`
   * marked `disabled` (an auditor sees what was not checked, and why).
   */
  readonly turnedOff?: ReadonlyMap<string, Disabled>;
}


function area(ruleId: string): string {
  return ruleId.split('.')[0] ?? ruleId;
}

function lookup<T>(map: ReadonlyMap<string, T> | ReadonlySet<string> | undefined, ruleId: string): T | boolean | undefined {
  if (!map) return undefined;
  if (map instanceof Set) return map.has(ruleId) || map.has(area(ruleId));
  const m = map as ReadonlyMap<string, T>;
  return m.get(ruleId) ?? m.get(area(ruleId));
}

/** True when every fact in `keys` is present: what a rule requiring them may be handed. */
export function hasFacts<K extends FactKey>(facts: Facts, keys: readonly K[]): facts is FactsWith<K> {
  return keys.every((key) => facts[key] !== undefined);
}

function judge<K extends FactKey>(rule: Rule<K>, facts: Facts, context: RuleContext): Verdict {
  if (hasFacts(facts, rule.requires)) {
    // The files' values stand in for CONFIG GET, and the live server contradicts them: a verdict that read one of
    // them is on values the server may not run with (QA41-13).
    const watched = watchedFacts(facts);
    if (!watched) return rule.check(facts, context);
    const verdict = rule.check(watched.facts as FactsWith<K>, context);
    return watched.read.size === 0 || verdict.status === 'skip' ? verdict : { status: 'skip', message: standInsMessage(facts.runningDiffers!, watched.read, facts.files ? 'of the file' : "of the version's compiled defaults") };
  }
  const missing = rule.requires.find((key) => facts[key] === undefined)!;
  return { status: 'skip', message: missingReason(facts, missing) };
}

/** Judges every rule on one target's facts. Every rule appears in the result, whatever happens. */
export function runRules<K extends FactKey>(rules: readonly Rule<K>[], facts: Facts, options: RunOptions): RuleResult[] {
  const results: RuleResult[] = [];
  for (const rule of rules) {
    if (lookup(options.disabled, rule.id) === true) continue;
    const severity = (lookup(options.severityOverrides, rule.id) as Severity | undefined) ?? rule.severity;
    const off = options.turnedOff?.get(rule.id);
    if (off !== undefined) {
      results.push({ ...result(rule, 'skip', severity, disabledMessage(off), [], rule.remediation, null), disabled: off });
      continue;
    }
    let verdict: Verdict;
    try {
      verdict = judge(rule, facts, options.context);
    } catch (error) {
      results.push(result(rule, 'error', severity, `the rule failed while judging: ${error instanceof Error ? error.message : String(error)}`, [], rule.remediation, null));
      continue;
    }
    if (verdict.status === 'fail') {
      for (const finding of verdict.findings) {
        const own = finding.severity && lookup(options.severityOverrides, rule.id) === undefined ? finding.severity : severity;
        results.push(result(rule, 'fail', own, finding.message, finding.evidence ?? [], finding.remediation ?? rule.remediation, finding.source ?? null));
      }
    } else if (verdict.status === 'pass') {
      results.push(result(rule, 'pass', severity, verdict.message, verdict.evidence ?? [], rule.remediation, verdict.source ?? null));
    } else {
      results.push(result(rule, verdict.status, severity, verdict.message, [], rule.remediation, null));
    }
  }
  return results;
}

/** A turned-off rule's message: `not judged: turned off by 'tls: off' at .redfort.yaml:4`. */
export function disabledMessage(off: Disabled): string {
  return `not judged: turned off by '${off.rule}: off' at ${off.path}:${off.line}`;
}

/**
 * One result, its fields in the report's order, made by one literal: every result of a run has the same shape
 * (a spread of the rule's fields made each a copy of a fresh object first; a fleet makes tens of thousands).
 */
function result(rule: Pick<Rule, 'id' | 'title' | 'checklist'>, status: Status, severity: Severity, message: string, evidence: readonly string[], remediation: string, source: Source | null): RuleResult {
  const shownEvidence = evidence.some((e) => e.length > RESULT_TEXT_MAX) ? evidence.map((e) => clipped(e, RESULT_TEXT_MAX)) : evidence;
  return { ruleId: rule.id, title: rule.title, checklist: rule.checklist, remediation: clipped(remediation, RESULT_TEXT_MAX), status, severity, message: clipped(message, RESULT_TEXT_MAX), evidence: shownEvidence, source };
}

/**
 * The most of a message, an evidence line or a remediation a result keeps. The rules quote a server's values clipped
 * (util/shown.ts clipped); this bounds what they quote whole that a server chose, such as a list of ACL user names of
 * a megabyte each, in every report format. The longest a rule writes itself is some 600 characters.
 */
const RESULT_TEXT_MAX = 4000;

/** Every rule as `error` with the same message: for a target that could not be audited. */
export function errorResults(rules: readonly Rule[], message: string): RuleResult[] {
  return rules.map((rule) => ({
    ruleId: rule.id,
    title: rule.title,
    checklist: rule.checklist,
    remediation: rule.remediation,
    status: 'error' as const,
    severity: rule.severity,
    message,
    evidence: [],
    source: null,
  }));
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.length - SEVERITIES.indexOf(severity);
}

export interface Summary {
  readonly targets: number;
  readonly targetErrors: number;
  readonly pass: number;
  readonly fail: number;
  readonly skip: number;
  readonly error: number;
  readonly manual: number;
  /** Failing results by severity. */
  readonly failBySeverity: Readonly<Record<Severity, number>>;
  /** Failing results covered by a suppression. */
  readonly suppressed: number;
  /** Failing results already in the baseline (and not suppressed). */
  readonly baselined: number;
  /** Results of rules a settings file turned off (counted in `skip` too); only when there are some. */
  readonly disabled?: number;
  /**
   * A fleet's results of a server (or a deployment) that an earlier inventory entry audited too (a cluster listed
   * node by node, `cluster: true` on each): in the report's targets, not counted in the rest of the summary nor in
   * the totals per rule, which count each server once; only when there are some (QA42-8).
   */
  readonly repeated?: number;
}

/** A failure that counts: neither suppressed nor in the baseline. */
export function isActiveFailure(result: RuleResult): boolean {
  return result.status === 'fail' && result.suppressed === undefined && result.baselined !== true;
}

/** A target that could not be audited: at all (`error`), or only its host (`hostOnly`, QA45-53). */
export function notAudited(target: TargetResult): boolean {
  return target.error !== undefined || target.hostOnly !== undefined;
}

export function summarize(targets: readonly TargetResult[]): Summary {
  const counts = { pass: 0, fail: 0, skip: 0, error: 0, manual: 0 };
  const failBySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  let suppressed = 0;
  let baselined = 0;
  let disabled = 0;
  for (const target of targets) {
    for (const result of target.results) {
      counts[result.status] += 1;
      if (result.disabled !== undefined) disabled += 1;
      if (result.status !== 'fail') continue;
      failBySeverity[result.severity] += 1;
      if (result.suppressed !== undefined) suppressed += 1;
      else if (result.baselined === true) baselined += 1;
    }
  }
  return {
    targets: targets.length,
    targetErrors: targets.filter(notAudited).length,
    ...counts,
    failBySeverity,
    suppressed,
    baselined,
    ...(disabled > 0 ? { disabled } : {}),
  };
}

/**
 * 2 when a target could not be audited, 1 when a failure is at or above `failOn`, else 0.
 * Suppressed and baselined failures never count.
 */
export function exitCode(targets: readonly TargetResult[], failOn: Severity | 'none'): number {
  if (targets.some(notAudited)) return 2;
  if (failOn === 'none') return 0;
  const threshold = severityRank(failOn);
  const failed = targets.some((t) => t.results.some((r) => isActiveFailure(r) && severityRank(r.severity) >= threshold));
  return failed ? 1 : 0;
}
