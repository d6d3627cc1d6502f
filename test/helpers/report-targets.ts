import type { TargetResult } from '../../src/engine/run.ts';
import { errorResults } from '../../src/engine/run.ts';
import { RULES } from '../../src/rules/index.ts';

/** Every rule as an error, with a message of quotes, non-ASCII, a line separator and a surrogate pair. */
export const ERROR_RESULTS = errorResults(RULES, 'redis://10.0.0.1:6379: connection refused — “quoted” … \u2028 and a surrogate pair 🔒');

/** A target with every optional field of the report's targets (server, kind, role, warnings, labels) and three failures. */
export function labelledTarget(evidence: readonly string[]): TargetResult {
  return {
    target: 'redis://db1:6379',
    kind: 'server',
    role: 'master',
    server: { product: 'redis', version: '7.0.15', mode: 'standalone' },
    warnings: ['redis.conf:3: unknown directive "x"'],
    labels: { team: 'payments', 'env"x': 'prod\n' },
    results: ERROR_RESULTS.slice(0, 3).map((r) => ({ ...r, status: 'fail' as const, evidence, source: { kind: 'live' as const, command: 'CONFIG GET *' } })),
  };
}
