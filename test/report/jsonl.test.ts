import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TargetResult } from '../../src/engine/run.ts';
import { errorResults } from '../../src/engine/run.ts';
import { RULES } from '../../src/rules/index.ts';
import { jsonlTarget, jsonlTargetPieces } from '../../src/report/jsonl.ts';

/** The line as one JSON.stringify of the target makes it: what the pieces must add up to, byte for byte. */
function whole(t: TargetResult): string {
  return `${JSON.stringify({
    type: 'target',
    target: t.target,
    ...(t.error !== undefined ? { error: t.error } : {}),
    ...(t.server ? { server: t.server } : {}),
    ...(t.warnings?.length ? { warnings: t.warnings } : {}),
    ...(t.labels ? { labels: t.labels } : {}),
    results: t.results,
  })}\n`;
}

describe('jsonl target lines in pieces', () => {
  const results = errorResults(RULES, 'redis://10.0.0.1:6379: connection refused — “quoted” … \u2028 and a surrogate pair 🔒');
  const cases: [string, TargetResult][] = [
    ['an error with every rule', { target: 'redis://10.0.0.1:6379', error: 'connection refused', results }],
    ['server, warnings and labels', {
      target: 'redis://db1:6379',
      server: { product: 'redis', version: '7.0.15', mode: 'standalone' },
      warnings: ['redis.conf:3: unknown directive "x"'],
      labels: { team: 'payments', 'env"x': 'prod\n' },
      results: results.slice(0, 3).map((r) => ({ ...r, status: 'fail' as const, evidence: ['a', 'b'], source: { kind: 'live' as const, command: 'CONFIG GET *' } })),
    }],
    ['no results, empty warnings', { target: 'x', warnings: [], results: [] }],
    ['suppressed and baselined failures, a field left undefined, a rule\'s words with quotes and non-ASCII', {
      target: 'redis://db2:6380',
      results: [
        { ...results[0]!, status: 'fail', title: 'A "quoted" title — with\ttab', suppressed: { reason: 'accepted “risk”', expires: '2027-01-01' } },
        { ...results[1]!, status: 'fail', baselined: true, evidence: ['x\u0000y'] },
        { ...results[2]!, status: 'pass', suppressed: undefined },
        { ...results[1]!, status: 'fail', baselined: true, evidence: ['x\u0000y'] },
      ],
    }],
  ];

  for (const [name, t] of cases) {
    it(`${name}: the pieces make the same line as one JSON.stringify`, () => {
      const pieces: string[] = [];
      jsonlTargetPieces(t, (p) => pieces.push(p));
      assert.equal(pieces.join(''), whole(t));
      assert.equal(jsonlTarget(t), whole(t));
      assert.ok(pieces.at(-1)!.endsWith('\n') && !pieces.slice(0, -1).some((p) => p.includes('\n')), 'one line, its line feed last');
      if (t.results.length > 1) assert.ok(pieces.length > t.results.length, 'a piece per result, not the whole line');
    });
  }
});
