import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMENT_LIMIT, markdownCommentReporter, markdownReporter } from '../../src/report/markdown.ts';
import { CONTEXT, sampleReport, sampleReportWith } from '../fixtures/reports/sample.ts';

/** Splits a GFM table row into cells the way GitHub does: on pipes not escaped with a backslash. */
function cells(row: string): string[] {
  return row.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim());
}

describe('Markdown reporter', () => {
  const md = markdownReporter(sampleReport(), CONTEXT);
  const lines = md.split('\n');

  it('starts with a headline and a summary table, one row per target', () => {
    assert.match(lines[0]!, /^## redfort 0\.1\.0: security audit$/);
    assert.match(md, /\*\*3 targets\*\* \(1 not audited\) · \*\*8 findings\*\*: 2 critical, 2 high, 2 medium, 1 low, 1 info · (\d+) rules passed · 3 rules skipped · 2 rules to check by hand/);
    assert.equal(md.match(/ · (\d+) rules passed · /)?.[1], String(sampleReport().summary.pass));
    assert.match(md, / · 1 suppressed · 1 in the baseline/);
    const header = lines.findIndex((l) => l.startsWith('| Target | Server |'));
    assert.ok(header > 0);
    const width = cells(lines[header]!).length;
    assert.equal(width, 11);
    const rows = lines.slice(header + 2, header + 5);
    for (const row of rows) assert.equal(cells(row).length, width, row);
    assert.deepEqual(cells(rows[0]!).slice(0, 7), ['`redis://127.0.0.1:7001`', 'redis 7.0.15 (standalone)', '2', '2', '1', '1', '1']);
    assert.match(rows[2]!, /not audited: connection refused/);
  });

  it('groups failures that count by severity, most severe first, with location and fix', () => {
    const headings = lines.filter((l) => l.startsWith('### ')).map((l) => l.slice(4));
    assert.deepEqual(headings, ['Critical (2)', 'High (2)', 'Medium (2)', 'Low (1)', 'Info (1)', 'Errors (1)']);
    const critical = md.slice(md.indexOf('### Critical'), md.indexOf('### High'));
    assert.match(critical, /\[`version\.known-vulnerabilities`\]\(https:\/\/github\.com\/redfort\/redfort\/blob\/main\/docs\/rules\/version\.known-vulnerabilities\.md\)/);
    const high = md.slice(md.indexOf('### High'), md.indexOf('### Medium'));
    assert.match(high, /network\.bind-all-interfaces/);
    assert.match(high, /CVE-2024-31449/);
    assert.doesNotMatch(high, /CVE-2025-49844|CVE-2024-31227/);
    // Remediations keep their code spans.
    assert.match(critical, /\*\*Fix:\*\* Give the default user a password or disable it \(`ACL SETUSER default off`/);
    assert.match(md, /at `\/etc\/redis\/redis\.conf:87`/);
    assert.match(md, /\*\*Fix:\*\* /);
    assert.ok(!critical.includes('auth.no-authentication'), 'a suppressed failure is not among those that count');
  });

  it('puts accepted failures, passes and skips in collapsible details', () => {
    const summaries = lines.filter((l) => l.startsWith('<summary>'));
    assert.deepEqual(summaries, [
      '<summary>Accepted failures: suppressed or in the baseline (2)</summary>',
      `<summary>Passed (${sampleReport().summary.pass})</summary>`,
      '<summary>Skipped and manual (5)</summary>',
    ]);
    const accepted = md.slice(md.indexOf('<summary>Accepted'), md.indexOf('</details>'));
    assert.match(accepted, /suppressed: lab box, no data \(until 2999-12-31\)/);
    assert.match(accepted, /tls\.disabled.*in the baseline/);
    assert.equal(md.split('<details>').length, md.split('</details>').length);
  });

  it('escapes pipes, markup and control characters', () => {
    const row = lines.find((l) => l.startsWith('- **[`network.bind-all-interfaces`]'))!;
    assert.ok(row, 'the nasty finding is listed');
    assert.ok(!md.includes('<script>'), 'raw HTML');
    assert.match(row, /&lt;script&gt;alert\("x"\)&lt;\/script&gt; &amp; co &amp;amp; &amp;lt;b&amp;gt;/);
    assert.match(row, /\\\| \\`tick\\` \\\\u0007bell\\\\u0000nul\\\\u001b/);
    assert.match(row, /\\\[link\\\]\(http:\/\/evil\.test\) \\\*bold\\\*/);
    assert.doesNotMatch(md, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    assert.doesNotMatch(md, /[\u202A-\u202E\u2066-\u2069]/, 'a bidirectional override reorders the text around it');
    assert.match(row, /\\\\u202enimda/);
    const passRows = lines.filter((l) => l.startsWith('| `redis://127.0.0.1:7001` | [`'));
    assert.ok(passRows.length > 10);
    for (const r of passRows) assert.equal(cells(r).length, 4, r);
  });

  it('shows the settings warnings as a GitHub alert', () => {
    assert.match(md, /> \[!WARNING\]\n> Settings need attention:\n> - \.redfort\.yaml:9: the suppression of tls\.disabled/);
  });
});

describe('--format markdown-comment: a report too long for a comment', () => {
  it('becomes a compact report under 65,536 characters that still counts every failing rule', () => {
    const one = sampleReport();
    // 40 copies of the sample's targets, each under its own name: far over a comment's limit in full.
    const targets = Array.from({ length: 40 }, (_, i) => one.targets.map((t) => ({ ...t, target: `${t.target}/${i}` }))).flat();
    const big = { ...one, targets };
    assert.ok(markdownReporter(big, CONTEXT).length > COMMENT_LIMIT, '--format markdown keeps every result');
    const md = markdownCommentReporter(big, CONTEXT);
    assert.ok(md.length <= COMMENT_LIMIT, `${md.length} characters`);
    assert.match(md, /^> Compact report: the full one is over 65,536 characters/m);
    const failing = new Set(targets.flatMap((t) => t.results.filter((r) => r.status === 'fail' && r.suppressed === undefined && r.baselined !== true).map((r) => r.ruleId)));
    for (const id of failing) assert.ok(md.includes(`${id}\``) || md.includes(id), `${id} is counted`);
    assert.match(md, /: \d+ findings? on 40 targets/);
    // A report that fits is the same in both formats.
    assert.equal(markdownCommentReporter(one, CONTEXT), markdownReporter(one, CONTEXT));
  });
});

describe('--format markdown-comment: a fleet whose per-target table alone is too long', () => {
  // 1,000 targets: the compact report kept a row for each (98 KB, over the limit it promises to fit).
  it('keeps the rows that fit, counts the others, and still lists every failing rule', () => {
    const one = sampleReport();
    const audited = one.targets.filter((t) => t.error === undefined);
    const targets = Array.from({ length: 500 }, (_, i) => audited.map((t) => ({ ...t, target: `${t.target}/${i}` }))).flat();
    const md = markdownCommentReporter({ ...one, targets }, CONTEXT);
    assert.ok(md.length <= COMMENT_LIMIT, `${md.length} characters`);
    const rows = md.split('\n').filter((l) => l.startsWith('| `'));
    assert.ok(rows.length > 100 && rows.length < targets.length, `${rows.length} rows`);
    assert.match(md, new RegExp(`^_… and ${targets.length - rows.length} more targets: \`--format json\` or \`html\` has them\._$`, 'm'));
    assert.match(md, /: \d+ findings? on 500 targets/);
  });
});

describe('Markdown honours --sort, --only-failures and --min-severity as text does', () => {
  const report = sampleReport();
  const headings = (md: string) => md.split('\n').filter((l) => l.startsWith('### ')).map((l) => l.slice(4));
  const summaries = (md: string) => md.split('\n').filter((l) => l.startsWith('<summary>'));

  it('--min-severity high: only critical and high failures, no passes, skips or errors; the headline still counts all', () => {
    const md = markdownReporter(report, { ...CONTEXT, view: { minSeverity: 'high' } });
    assert.deepEqual(headings(md), ['Critical (2)', 'High (2)']);
    assert.match(md, /\*\*8 findings\*\*: 2 critical, 2 high, 2 medium, 1 low, 1 info/);
    assert.match(md, /^_Shown: failures of severity high or above \(`--min-severity high`\); the counts above are of the whole audit\._$/m);
    assert.ok(!summaries(md).some((s) => /Passed|Skipped/.test(s)), summaries(md).join('\n'));
  });

  it('--only-failures: every failure, nothing else', () => {
    const md = markdownReporter(report, { ...CONTEXT, view: { onlyFailures: true } });
    assert.deepEqual(headings(md), ['Critical (2)', 'High (2)', 'Medium (2)', 'Low (1)', 'Info (1)']);
    assert.deepEqual(summaries(md), ['<summary>Accepted failures: suppressed or in the baseline (2)</summary>']);
    assert.match(md, /Shown: failures only \(`--only-failures`\)/);
  });

  it('--sort checklist: findings by checklist section, in the order of the results', () => {
    const md = markdownReporter(report, { ...CONTEXT, view: { sort: 'checklist' } });
    const sections = headings(md).filter((h) => h !== 'Errors (1)');
    assert.ok(sections.length > 0 && sections.every((h) => /^(Laying the foundation|Cluster mode|Account management|Cluster mode extras|Transport layer security) \(\d+\)$/.test(h)), sections.join(', '));
    assert.equal(sections.reduce((n, h) => n + Number(/\((\d+)\)$/.exec(h)![1]), 0), 8, 'every failure that counts, once');
    // The default stays by severity.
    assert.deepEqual(headings(markdownReporter(report, { ...CONTEXT, view: { sort: 'severity' } })), headings(markdownReporter(report, CONTEXT)));
  });

  it('--max-findings 1: one finding per rule and target, the rest counted', () => {
    const md = markdownReporter(report, { ...CONTEXT, view: { sort: 'checklist', maxFindingsPerRule: 1 } });
    assert.equal(md.match(/CVE-20\d\d-\d+ \(/g)?.length, 1, 'one CVE of version.known-vulnerabilities');
    assert.match(md, /^- … and 2 more findings of \[`version\.known-vulnerabilities`\]\([^)]+\) on `redis:\/\/127\.0\.0\.1:7001` \(`--format json` has them all\)$/m);
    assert.ok(!markdownReporter(report, CONTEXT).includes('more finding'), 'unlimited by default');
  });

  it('markdown-comment honours the view too', () => {
    const md = markdownCommentReporter(report, { ...CONTEXT, view: { minSeverity: 'critical' } });
    assert.deepEqual(headings(md), ['Critical (2)']);
  });
});

describe('code spans outside tables keep | as it is (QA38-23)', () => {
  it('a remediation command in the findings list renders as the command to run', () => {
    const report = sampleReport();
    const t = report.targets[0]!;
    const i = t.results.findIndex((r) => r.status === 'fail');
    const results = t.results.map((r, j) => (j === i ? { ...r, remediation: 'Deny CONFIG SET (`ACL SETUSER <user> -config|set`).' } : r));
    const md = markdownReporter({ ...report, targets: [{ ...t, results }, ...report.targets.slice(1)] }, CONTEXT);
    assert.ok(md.includes('`ACL SETUSER <user> -config|set`'), md);
    assert.ok(!md.includes('-config\\|set'));
  });
});

describe("a server's @name is no mention where the report is posted (QA41-62)", () => {
  it('neither in markdown nor in markdown-comment, while an e-mail address stays as written', () => {
    const report = sampleReportWith({
      'network.protected-mode-off': { message: "user '@octo-org/security' is 'nopass'; CONFIG SET (default, @someone); mail ops@example.com" },
    });
    for (const text of [markdownReporter(report, CONTEXT), markdownCommentReporter(report, CONTEXT)]) {
      // GitHub reads a mention from '@' then a name, after the start or a character that is not part of a word.
      assert.doesNotMatch(text, /(^|[^A-Za-z0-9_.+\-\u2060])@[A-Za-z0-9]/m, 'a live mention');
      assert.match(text, /user '@\u2060octo-org\/security' is 'nopass'; CONFIG SET \(default, @\u2060someone\); mail ops@example\.com/);
    }
  });
});
