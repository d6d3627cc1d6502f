import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarize } from '../../src/engine/run.ts';
import { markdownCommentReporter, markdownReporter } from '../../src/report/markdown.ts';
import { textReporter } from '../../src/report/text.ts';
import type { RuleResult } from '../../src/engine/run.ts';
import type { AuditReport } from '../../src/report/types.ts';
import { CONTEXT } from '../fixtures/reports/sample.ts';
import { slowdown } from '../helpers/timing.ts';

// An ACL file of 10,000 users (the most whose permissions redfort judges) gives about 30,000 findings: three rules
// fail once per user. The text report counted each rule's findings once per finding and built its sections by
// copying them at each result: 33 s for that file's text report, where JSON took 5 s.
// Timed by the ratio of two sizes, not a wall-clock limit (the suite runs under load): eight times the findings take
// about eight times as long when linear (garbage collection adds some), 64 times when quadratic.
function reportOf(users: number): AuditReport {
  const results: RuleResult[] = [];
  for (let i = 0; i < users; i++) {
    for (const ruleId of ['auth.weak-password', 'auth.dangerous-commands-allowed', 'auth.plaintext-passwords']) {
      results.push({ ruleId, title: ruleId, checklist: 'Account 1', remediation: 'fix it', status: 'fail', severity: 'high', message: `user 'u${i}' fails`, evidence: [], source: null });
    }
  }
  results.push({ ruleId: 'tls.disabled', title: 'tls', checklist: 'Foundation 1', remediation: 'fix it', status: 'pass', severity: 'medium', message: 'ok', evidence: [], source: null });
  const targets = [{ target: 'redis://127.0.0.1:6379', results }];
  return { tool: { name: 'redfort', version: '0.1.0' }, targets, summary: summarize(targets) };
}

describe('text and Markdown reports of one target with 30,000 findings', () => {
  const small = reportOf(1_250);
  const large = reportOf(10_000);
  const cases: [string, (report: AuditReport) => string][] = [
    ['text', (report) => textReporter(report, CONTEXT)],
    ['text, --max-findings 5', (report) => textReporter(report, { ...CONTEXT, view: { maxFindingsPerRule: 5 } })],
    ['text, --sort checklist', (report) => textReporter(report, { ...CONTEXT, view: { sort: 'checklist' } })],
    ['markdown, --sort checklist', (report) => markdownReporter(report, { ...CONTEXT, view: { sort: 'checklist' } })],
    ['markdown-comment', (report) => markdownCommentReporter(report, CONTEXT)],
  ];
  for (const [name, render] of cases) {
    it(`${name}: linear in the findings (8x the findings, under 24x the time; quadratic was 64x)`, () => {
      const out = render(large);
      assert.ok(out.includes("user 'u0' fails") || out.includes('auth.weak-password'));
      // A floor of 50 ms: a render of a few ms is mostly noise.
      const ratio = slowdown(() => render(large), () => render(small));
      assert.ok(ratio < 24, `${name}: 30,000 findings took ${ratio.toFixed(1)}x the time of 3,750`);
    });
  }
});
