import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TargetResult } from '../../src/engine/run.ts';
import { summarize } from '../../src/engine/run.ts';
import { ERROR_RESULTS, labelledTarget } from '../helpers/report-targets.ts';
import type { AuditReport } from '../../src/report/types.ts';
import { jsonReporter } from '../../src/report/json.ts';
import { RULES } from '../../src/rules/index.ts';
import { jsonlTarget, jsonlTargetPieces } from '../../src/report/jsonl.ts';

describe('jsonl target lines in pieces', () => {
  const results = ERROR_RESULTS;
  const cases: [string, TargetResult][] = [
    ['an error with every rule', { target: 'redis://10.0.0.1:6379', error: 'connection refused', results }],
    ['server, kind, role, warnings and labels', labelledTarget(['a', 'b'])],
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
      jsonlTargetPieces(t, (p) => pieces.push(p), '/work');
      const line = pieces.join('');
      assert.equal(jsonlTarget(t, '/work'), line);
      assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line, its line feed last');
      const parsed = JSON.parse(line) as Record<string, unknown>;
      // Byte for byte what JSON.stringify writes of the same object: key order, escapes, left-out undefined fields.
      assert.equal(line, `${JSON.stringify(parsed)}\n`);
      // The target as the JSON report writes it (kind, role, sample, each failure's fingerprint), with its type.
      const report: AuditReport = { tool: { name: 'redfort', version: '0.0.0' }, targets: [t], summary: summarize([t]) };
      const inJson = (JSON.parse(jsonReporter(report, { rules: RULES, color: false, root: '/work' })) as { targets: unknown[] }).targets[0];
      assert.equal(JSON.stringify(parsed), JSON.stringify({ type: 'target', ...(inJson as object) }));
      const failures = (parsed.results as { status: string; fingerprint?: string }[]).filter((r) => r.status === 'fail');
      assert.ok(failures.every((r) => typeof r.fingerprint === 'string' && r.fingerprint.length > 0), 'every failure has its fingerprint');
      assert.deepEqual(Object.keys(parsed).at(-1), 'results');
      if (t.results.length > 1) assert.ok(pieces.length > t.results.length, 'a piece per result, not the whole line');
    });
  }
});
