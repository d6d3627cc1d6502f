import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarize } from '../../src/engine/run.ts';
import { markdownCommentReporter, markdownReporter } from '../../src/report/markdown.ts';
import { textReporter } from '../../src/report/text.ts';
import type { RuleResult } from '../../src/engine/run.ts';
import type { AuditReport } from '../../src/report/types.ts';
import { CONTEXT } from '../fixtures/reports/sample.ts';

// An ACL file of 10,000 users (the most whose permissions redfort judges) gives about 30,000 findings: three rules
// fail once per user. The text report counted each rule's findings once per finding and built its sections by
// copying them at each result: 33 s for that file's text report, where JSON took 5 s.
describe('text and Markdown reports of one target with 30,000 findings', () => {
  const results: RuleResult[] = [];
  for (let i = 0; i < 10_000; i++) {
    for (const ruleId of ['auth.weak-password', 'auth.dangerous-commands-allowed', 'auth.plaintext-passwords']) {
      results.push({ ruleId, title: ruleId, checklist: 'Account 1', remediation: 'fix it', status: 'fail', severity: 'high', message: `user 'u${i}' fails`, evidence: [], source: null });
    }
  }
  results.push({ ruleId: 'tls.disabled', title: 'tls', checklist: 'Foundation 1', remediation: 'fix it', status: 'pass', severity: 'medium', message: 'ok', evidence: [], source: null });
  const targets = [{ target: 'redis://127.0.0.1:6379', results }];
  const report: AuditReport = { tool: { name: 'redfort', version: '0.1.0' }, targets, summary: summarize(targets) };

  const cases: [string, () => string][] = [
    ['text', () => textReporter(report, CONTEXT)],
    ['text, --max-findings 5', () => textReporter(report, { ...CONTEXT, view: { maxFindingsPerRule: 5 } })],
    ['text, --sort checklist', () => textReporter(report, { ...CONTEXT, view: { sort: 'checklist' } })],
    ['markdown, --sort checklist', () => markdownReporter(report, { ...CONTEXT, view: { sort: 'checklist' } })],
    ['markdown-comment', () => markdownCommentReporter(report, CONTEXT)],
  ];
  for (const [name, render] of cases) {
    it(`${name}: linear in the findings (well under 3 s; was 10 s to 30 s)`, () => {
      const start = performance.now();
      const out = render();
      const ms = performance.now() - start;
      assert.ok(out.includes("user 'u0' fails") || out.includes('auth.weak-password'));
      assert.ok(ms < 3000, `${name} took ${Math.round(ms)} ms`);
    });
  }
});
