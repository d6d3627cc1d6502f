import type { Facts } from './facts/types.ts';
import type { RuleContext, Severity, Thresholds } from './rules/define.ts';
import { DEFAULT_THRESHOLDS } from './rules/define.ts';
import type { TargetResult } from './engine/run.ts';
import { errorResults, runRules, summarize } from './engine/run.ts';
import { RULES } from './rules/index.ts';
import { isCommonPassword } from './rules/common-passwords.ts';
import { gatherLive } from './gather/live/gather-live.ts';
import type { LiveOptions } from './gather/live/gather-live.ts';
import type { Target } from './gather/live/target.ts';
import { targetPassword } from './gather/live/target.ts';
import type { AuditReport } from './report/types.ts';
import { packageVersion } from './package-root.ts';

export interface AuditOptions extends LiveOptions {
  readonly thresholds?: Partial<Thresholds>;
  readonly severityOverrides?: ReadonlyMap<string, Severity>;
  readonly disabled?: ReadonlySet<string>;
  /** How many targets are audited at once. */
  readonly concurrency?: number;
  /** Unix seconds to judge dates against; now by default. */
  readonly nowSeconds?: number;
}

export function ruleContext(options: AuditOptions = {}): RuleContext {
  return {
    thresholds: { ...DEFAULT_THRESHOLDS, ...options.thresholds },
    isCommonPassword,
    nowSeconds: options.nowSeconds ?? Math.floor(Date.now() / 1000),
  };
}

/** Judges gathered facts: every rule of the catalogue appears in the result. */
export function judgeFacts(facts: Facts, options: AuditOptions = {}): TargetResult {
  const results = runRules(RULES, facts, {
    context: ruleContext(options),
    ...(options.severityOverrides ? { severityOverrides: options.severityOverrides } : {}),
    ...(options.disabled ? { disabled: options.disabled } : {}),
  });
  const server = facts.server ? { product: facts.server.product, version: facts.server.version ?? null, mode: facts.server.mode } : undefined;
  return { target: facts.target, ...(server ? { server } : {}), results };
}

/** Replaces every occurrence of a target's password, in case a server echoed it into an error. */
function scrub(text: string, target: Target): string {
  const password = targetPassword(target);
  return password ? text.split(password).join('***') : text;
}

/** Audits one live server; a server that cannot be audited is an error result, never an exception. */
export async function auditTarget(target: Target, options: AuditOptions = {}): Promise<TargetResult> {
  const outcome = await gatherLive(target, options);
  if (!outcome.ok) {
    const message = scrub(outcome.error, target);
    return { target: target.display, error: message, results: errorResults(RULES, `${target.display}: ${message}`) };
  }
  return judgeFacts(outcome.facts, options);
}

async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Audits several servers concurrently (16 at once by default) and summarises. */
export async function audit(targets: readonly Target[], options: AuditOptions = {}): Promise<AuditReport> {
  const results = await mapBounded(targets, options.concurrency ?? 16, (t) => auditTarget(t, options));
  return { tool: { name: 'redfort', version: packageVersion() }, targets: results, summary: summarize(results) };
}
