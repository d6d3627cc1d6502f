import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TargetResult } from '../../src/engine/run.ts';
import { errorResults } from '../../src/engine/run.ts';
import { RULES } from '../../src/rules/index.ts';
import { jsonlTarget, jsonlTargetPieces } from '../../src/report/jsonl.ts';

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
    it(`${name}: the pieces make the line one JSON.stringify of the target makes`, () => {
      const pieces: string[] = [];
      jsonlTargetPieces(t, (p) => pieces.push(p));
      const line = pieces.join('');
      assert.equal(jsonlTarget(t), line);
      assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line, its line feed last');
      const parsed = JSON.parse(line) as Record<string, unknown>;
      // Byte for byte what JSON.stringify writes of the same object: key order, escapes, left-out undefined fields.
      assert.equal(line, `${JSON.stringify(parsed)}\n`);
      assert.equal(JSON.stringify(parsed.results), JSON.stringify(t.results));
      const { results: _, ...head } = parsed;
      const expected = { type: 'target', target: t.target, error: t.error, server: t.server, warnings: t.warnings?.length ? t.warnings : undefined, labels: t.labels };
      assert.deepEqual(head, Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined)));
      assert.deepEqual(Object.keys(parsed).at(-1), 'results');
      if (t.results.length > 1) assert.ok(pieces.length > t.results.length, 'a piece per result, not the whole line');
    });
  }
});
