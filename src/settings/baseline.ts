import type { TargetResult } from '../engine/run.ts';
import { summarize } from '../engine/run.ts';
import type { AuditReport } from '../report/types.ts';
import { fingerprint } from './target-key.ts';
import { SettingsError } from './types.ts';

export interface BaselineFinding {
  readonly ruleId: string;
  readonly target: string;
  readonly fingerprint: string;
}

/** The failures known on the day it was written (`--baseline-write`). */
export interface Baseline {
  readonly version: 1;
  readonly findings: readonly BaselineFinding[];
}

/** Today's failures, suppressed ones aside (they are accepted already). */
export function baselineOf(report: AuditReport): Baseline {
  const findings: BaselineFinding[] = [];
  for (const target of report.targets) {
    for (const r of target.results) {
      if (r.status !== 'fail' || r.suppressed !== undefined) continue;
      findings.push({ ruleId: r.ruleId, target: target.target, fingerprint: fingerprint(r.ruleId, target.target, r.message) });
    }
  }
  return { version: 1, findings };
}

/**
 * Marks the failures recorded in the baseline `baselined: true`; `exitCode` ignores them, so only new
 * failures fail the run. Each baseline entry covers one failure: a second identical finding is new.
 */
export function applyBaseline(report: AuditReport, baseline: Baseline): AuditReport {
  const remaining = new Map<string, number>();
  for (const f of baseline.findings) remaining.set(f.fingerprint, (remaining.get(f.fingerprint) ?? 0) + 1);
  const targets: TargetResult[] = report.targets.map((target) => ({
    ...target,
    results: target.results.map((r) => {
      if (r.status !== 'fail' || r.suppressed !== undefined) return r;
      const print = fingerprint(r.ruleId, target.target, r.message);
      const left = remaining.get(print) ?? 0;
      if (left === 0) return r;
      remaining.set(print, left - 1);
      return { ...r, baselined: true };
    }),
  }));
  return { ...report, targets, summary: summarize(targets) };
}

/** @throws {SettingsError} naming the file when it is not a baseline redfort wrote. */
export function parseBaseline(text: string, path: string): Baseline {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`${path}: not a baseline (invalid JSON: ${(error as Error).message})`);
  }
  const doc = data as { version?: unknown; findings?: unknown };
  if (typeof data !== 'object' || data === null || doc.version !== 1 || !Array.isArray(doc.findings)) {
    throw new SettingsError(`${path}: not a baseline (expected { "version": 1, "findings": [...] }, as --baseline-write writes)`);
  }
  doc.findings.forEach((f: unknown, i) => {
    const entry = f as Partial<Record<keyof BaselineFinding, unknown>>;
    if (typeof f !== 'object' || f === null || typeof entry.ruleId !== 'string' || typeof entry.target !== 'string' || typeof entry.fingerprint !== 'string') {
      throw new SettingsError(`${path}: findings[${i}] needs string ruleId, target and fingerprint`);
    }
  });
  return { version: 1, findings: doc.findings as BaselineFinding[] };
}

export function formatBaseline(baseline: Baseline): string {
  return `${JSON.stringify(baseline, null, 2)}\n`;
}
