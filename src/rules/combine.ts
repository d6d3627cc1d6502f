import type { Facts } from '../facts/types.ts';
import type { Finding, Verdict } from './define.ts';
import { fail, pass, skip } from './define.ts';

/**
 * Joins what independent sources (the configuration, the wire) say about one rule. Every failure of every source is
 * reported; the rule passes when no source fails and at least one passes; it is skipped when none could judge.
 * `undefined` is a source that had nothing to say (its facts were not gathered).
 */
export function combineVerdicts(verdicts: readonly (Verdict | undefined)[]): Verdict {
  const spoken = verdicts.filter((v): v is Verdict => v !== undefined);
  const findings: Finding[] = spoken.flatMap((v) => (v.status === 'fail' ? v.findings : []));
  if (findings.length > 0) return fail(findings);
  const passes = spoken.filter((v): v is Extract<Verdict, { status: 'pass' }> => v.status === 'pass');
  const notes = spoken.flatMap((v) => (v.status === 'skip' || v.status === 'manual' ? [v.message] : []));
  if (passes.length > 0) {
    return pass(passes.map((p) => p.message).join('; '), {
      source: passes[0]!.source,
      evidence: [...passes.flatMap((p) => p.evidence ?? []), ...notes],
    });
  }
  return skip(notes.length > 0 ? notes.join('; ') : 'no source could judge this rule');
}

/** The skip a configuration-based judgement gives when the configuration was not gathered. */
export function configMissing(facts: Facts): Verdict {
  return skip(facts.unavailable.config ?? 'the configuration could not be read');
}
