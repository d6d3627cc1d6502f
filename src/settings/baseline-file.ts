import type { Baseline, BaselineFinding } from '../engine/triage/baseline.ts';
import { SettingsError } from './types.ts';

/** @throws {SettingsError} naming the file when it is not a baseline redfort wrote. */
export function parseBaseline(text: string, path: string): Baseline {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the text around the mistake: said by line and column only (a file that is no baseline,
    // `--baseline /proc/self/environ`, is never echoed).
    const at = /at position (\d+)/.exec((error as Error).message);
    const where = at ? ` at line ${text.slice(0, Number(at[1])).split('\n').length}` : '';
    throw new SettingsError(`${path}: not a baseline (invalid JSON${where})`);
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
