import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TargetResult } from '../../src/engine/run.ts';
import { summarize } from '../../src/engine/run.ts';
import { ERROR_RESULTS, labelledTarget } from '../helpers/report-targets.ts';
import type { AuditReport } from '../../src/report/types.ts';
import { failureFingerprint, jsonReportChunks, jsonReporter, targetHead } from '../../src/report/json.ts';
import { RULES } from '../../src/rules/index.ts';

/** The JSON report as one JSON.stringify of the whole report writes it: what the chunks must add up to. */
function whole(report: AuditReport, root: string | undefined): string {
  const targets = report.targets.map((t) => ({
    ...targetHead(t),
    results: t.results.map((r) => (r.status === 'fail' ? { ...r, fingerprint: failureFingerprint(t, r, root) } : r)),
  }));
  const warnings = report.warnings && report.warnings.length > 0 ? { warnings: report.warnings } : {};
  return `${JSON.stringify({ tool: report.tool, targets, summary: report.summary, ...warnings }, null, 2)}\n`;
}

/** The chunks of the report, each copied as it comes (the next one reuses its buffer). */
function chunksOf(report: AuditReport, root: string | undefined): Buffer[] {
  const chunks: Buffer[] = [];
  for (const chunk of jsonReportChunks(report, root)) chunks.push(Buffer.from(chunk));
  return chunks;
}

describe('the JSON report in chunks', () => {
  const results = ERROR_RESULTS;
  const targets: TargetResult[] = [
    { target: 'redis://10.0.0.1:6379', error: 'connection refused', results },
    labelledTarget(['a', '\n  "targets": []']),
    { target: 'x', warnings: [], results: [] },
    { target: '/work/conf/redis.conf', results: [{ ...results[0]!, status: 'fail', message: 'see /work/conf/redis.conf:3', suppressed: { reason: 'accepted “risk”' } }] },
  ];
  const report = (of: TargetResult[], extra: Partial<AuditReport> = {}): AuditReport => ({ tool: { name: 'redfort', version: '0.0.0' }, targets: of, summary: summarize(of), ...extra });
  // What JSON.stringify does with values a result's fields could hold: escapes, lone surrogates, numbers, nested
  // objects and arrays, empty ones, members that are left out, toJSON, a text longer than a chunk whose surrogate
  // pairs fall across any cut.
  const long = '🔒'.repeat(40_000);
  const odd = {
    ...results[1]!,
    status: 'fail' as const,
    message: 'tab\t quote" backslash\\ nul\u0000 lone \ud800 and \udc00 pair 🔒 line\u2028',
    evidence: ['', '{}', long, `x${long}`],
    source: { kind: 'host' as const, detail: '/proc/1/status' },
    extra: { n: [1, -0, 1.5e300, Number.NaN, Number.POSITIVE_INFINITY], b: [true, false, null], u: undefined, f: () => 1, e: {}, a: [], d: new Date(0), s: [undefined, () => 1] },
    fingerprint: undefined,
  } as unknown as TargetResult['results'][number];
  const cases: [string, AuditReport][] = [
    ['no target', report([])],
    ['one target', report(targets.slice(0, 1))],
    ['several targets, labels, warnings of targets, texts that look like the report\'s own keys', report(targets)],
    ['report warnings', report(targets, { warnings: [{ message: 'a warning', code: 'x' } as never] })],
    ['empty report warnings', report(targets.slice(1, 2), { warnings: [] })],
    ['odd values, a text longer than a chunk', report([{ target: 't', results: [odd, { ...odd, status: 'pass' }] }])],
    ['many targets', report(Array.from({ length: 60 }, (_, i) => ({ ...targets[i % 4]!, target: `redis://h${i}:6379` })))],
  ];

  for (const [name, r] of cases) {
    it(`${name}: the chunks add up to the whole report, each at most 64 KiB of whole characters`, () => {
      for (const root of ['/work', undefined]) {
        const chunks = chunksOf(r, root);
        const expected = whole(r, root);
        assert.equal(Buffer.concat(chunks).toString('utf8'), expected);
        assert.equal(chunks.map((c) => c.toString('utf8')).join(''), expected);
        assert.equal(jsonReporter(r, { rules: RULES, color: false, ...(root ? { root } : {}) }), expected);
        for (const chunk of chunks) assert.ok(chunk.length > 0 && chunk.length <= 64 * 1024, `a chunk of ${chunk.length} bytes`);
        const bytes = Buffer.byteLength(expected);
        // Only the last chunk, and a full one cut short before a text that did not fit, hold less than 32 KiB.
        assert.ok(chunks.length <= Math.max(1, Math.ceil(bytes / (32 * 1024)) + 1), `${chunks.length} chunks for ${bytes} bytes`);
      }
    });
  }
});
