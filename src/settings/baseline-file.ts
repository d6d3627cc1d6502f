import type { Baseline, BaselineFinding } from '../engine/triage/baseline.ts';
import { SettingsError } from './types.ts';

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
