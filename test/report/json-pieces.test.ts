import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TargetResult } from '../../src/engine/run.ts';
import { summarize } from '../../src/engine/run.ts';
import { ERROR_RESULTS, labelledTarget } from '../helpers/report-targets.ts';
import type { AuditReport } from '../../src/report/types.ts';
import { failureFingerprint, jsonReporter, jsonReportPieceList, targetHead } from '../../src/report/json.ts';
import { RULES } from '../../src/rules/index.ts';

/** The JSON report as one JSON.stringify of the whole report writes it: what the pieces must add up to. */
function whole(report: AuditReport, root: string | undefined): string {
  const targets = report.targets.map((t) => ({
    ...targetHead(t),
    results: t.results.map((r) => (r.status === 'fail' ? { ...r, fingerprint: failureFingerprint(t, r, root) } : r)),
  }));
  const warnings = report.warnings && report.warnings.length > 0 ? { warnings: report.warnings } : {};
  return `${JSON.stringify({ tool: report.tool, targets, summary: report.summary, ...warnings }, null, 2)}\n`;
}

describe('the JSON report in pieces', () => {
  const results = ERROR_RESULTS;
  const targets: TargetResult[] = [
    { target: 'redis://10.0.0.1:6379', error: 'connection refused', results },
    labelledTarget(['a', '\n  "targets": []']),
    { target: 'x', warnings: [], results: [] },
    { target: '/work/conf/redis.conf', results: [{ ...results[0]!, status: 'fail', message: 'see /work/conf/redis.conf:3', suppressed: { reason: 'accepted “risk”' } }] },
  ];
  const report = (of: TargetResult[], extra: Partial<AuditReport> = {}): AuditReport => ({ tool: { name: 'redfort', version: '0.0.0' }, targets: of, summary: summarize(of), ...extra });
  const cases: [string, AuditReport][] = [
    ['no target', report([])],
    ['one target', report(targets.slice(0, 1))],
    ['several targets, labels, warnings of targets, texts that look like the report\'s own keys', report(targets)],
    ['report warnings', report(targets, { warnings: [{ message: 'a warning', code: 'x' } as never] })],
    ['empty report warnings', report(targets.slice(1, 2), { warnings: [] })],
  ];

  for (const [name, r] of cases) {
    it(`${name}: the pieces add up to the whole report, a piece per target`, () => {
      for (const root of ['/work', undefined]) {
        const pieces = [...jsonReportPieceList(r, root)];
        const expected = whole(r, root);
        assert.equal(pieces.join(''), expected);
        assert.equal(jsonReporter(r, { rules: RULES, color: false, ...(root ? { root } : {}) }), expected);
        // Written as made: the head, each target (after its separator), the tail; the whole when there is no target.
        assert.equal(pieces.length, r.targets.length === 0 ? 1 : 2 * r.targets.length + 1);
      }
    });
  }
});
