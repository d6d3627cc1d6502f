import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { textReporter, wrapText } from '../../src/report/text.ts';
import { CONTEXT, sampleReport } from '../fixtures/reports/sample.ts';

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

describe('text report', () => {
  it('shows what a server said with its control characters escaped, colours or not', () => {
    for (const color of [false, true]) {
      const text = textReporter(sampleReport(), { ...CONTEXT, color });
      assert.ok(text.includes('\\u001b[31m') && text.includes('\\u0007bell\\u0000nul'), 'control characters not shown escaped');
      // Only the reporter's own colour codes, and no bell or NUL.
      assert.doesNotMatch(text.replace(/\x1b\[[0-9;]*m/g, ''), /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/);
      if (!color) assert.doesNotMatch(text, /\x1b/);
    }
  });

  it('escapes control characters in a target name, server version and target error', () => {
    const report = sampleReport();
    const targets = report.targets.map((t, i) =>
      i === 0 ? { ...t, target: 'redis://h\u001b]0;x\u0007:1', server: { product: 'redis', version: '7.0.\u001b[2J', mode: 'standalone' } } : i === 2 ? { ...t, error: 'NOAUTH \u001b[31mred\r\nfake line' } : t,
    );
    const text = textReporter({ ...report, targets }, CONTEXT);
    assert.doesNotMatch(text, /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/);
    assert.match(text, /redis:\/\/h\\u001b\]0;x\\u0007:1 \(redis 7\.0\.\\u001b\[2J, standalone\)/);
    assert.match(text, /ERROR NOAUTH \\u001b\[31mred\\u000d\\u000afake line/);
  });

  // A bidirectional override (U+202E) in a name a server made reversed what followed it where the text is shown
  // ("Trojan Source"): a user 'x\u202Enimda' read as 'xadmin'. Shown escaped, as the other controls.
  it('escapes the bidirectional controls a server puts in a name', () => {
    const report = sampleReport();
    const targets = report.targets.map((t, i) => (i === 0 ? { ...t, server: { product: 'redis', version: '7.0.\u202Enimda\u2066\u200F', mode: 'standalone' } } : t));
    const text = textReporter({ ...report, targets }, CONTEXT);
    assert.doesNotMatch(text, /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/);
    assert.match(text, /7\.0\.\\u202enimda\\u2066\\u200f/);
  });

  it('shows every finding by default; with --max-findings 5, aligns the "… and N more findings" line with the rule ids', () => {
    const report = sampleReport();
    const [sloppy] = report.targets;
    const cves = Array.from({ length: 7 }, (_, i) => ({ ...sloppy!.results.find((r) => r.ruleId === 'version.known-vulnerabilities')!, message: `CVE-${i}` }));
    const results = [...sloppy!.results.filter((r) => r.ruleId !== 'version.known-vulnerabilities'), ...cves];
    const all = textReporter({ ...report, targets: [{ ...sloppy!, results }] }, CONTEXT);
    assert.ok(all.includes('CVE-6') && !all.includes('more findings'), all);
    const text = textReporter({ ...report, targets: [{ ...sloppy!, results }] }, { ...CONTEXT, view: { maxFindingsPerRule: 5 } });
    const lines = text.split('\n');
    const more = lines.find((l) => l.includes('… and 2 more findings'));
    const first = lines.find((l) => l.includes('CVE-0'));
    assert.ok(more && first, text);
    assert.equal(more.indexOf('version.known-vulnerabilities'), first.indexOf('version.known-vulnerabilities'));
    // One left out is one finding (it said '… and 1 more findings').
    const one = textReporter({ ...report, targets: [{ ...sloppy!, results }] }, { ...CONTEXT, view: { maxFindingsPerRule: 6 } });
    assert.match(one, /… and 1 more finding \(see --format json\)/);
  });

  it('sorts failures first by severity (default), or by checklist; --only-failures and --min-severity filter', () => {
    const full = sampleReport();
    const report = { ...full, targets: [full.targets[0]!] };
    const text = plain(textReporter(report, CONTEXT));
    const statuses = text.split('\n').map((l) => /^  (FAIL|PASS|SKIP|ERROR|MANUAL) +(critical|high|medium|low|info)?/.exec(l)).filter((m) => m !== null);
    const firstOther = statuses.findIndex((m) => m![1] !== 'FAIL');
    assert.ok(statuses.slice(firstOther).every((m) => m![1] !== 'FAIL'), 'failures come first');
    const ranks = statuses.slice(0, firstOther).map((m) => ['critical', 'high', 'medium', 'low', 'info'].indexOf(m![2]!));
    assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), 'most severe first');
    assert.match(plain(textReporter(report, { ...CONTEXT, view: { sort: 'checklist' } })), /Laying the foundation/);
    const only = plain(textReporter(report, { ...CONTEXT, view: { onlyFailures: true } }));
    assert.doesNotMatch(only, /^  (PASS|SKIP) /m);
    const high = plain(textReporter(report, { ...CONTEXT, view: { minSeverity: 'high' } }));
    assert.doesNotMatch(high, /^  FAIL +(medium|low|info) /m);
    // The counts stay the whole audit's: the view says what it left out, as the Markdown report does (it said nothing).
    assert.match(high, /^shown: failures of severity high or above \(--min-severity high\); the counts below are of the whole audit\n\d+ target/m);
    assert.match(only, /^shown: failures only \(--only-failures\); the counts below are of the whole audit$/m);
    assert.doesNotMatch(text, /^shown:/m);
    assert.match(text, /\d+ findings? \(.*\) from \d+ failed rules?, \d+ rules? passed, \d+ rules? skipped/);
  });

  it('says one skip sentence shared by many rules once, with the rules it covers (issue 11)', () => {
    const full = sampleReport();
    const t = full.targets[0]!;
    const results = t.results.map((r, i) => (i < 6 ? { ...r, status: 'skip' as const, message: 'judged per node: see the entry of each node' } : r));
    const text = plain(textReporter({ ...full, targets: [{ ...t, results }] }, CONTEXT));
    assert.equal(text.split('judged per node').length - 1, 1, text);
    assert.match(text, /SKIP +6 rules +judged per node: see the entry of each node \(/);
  });

  it('wraps to the terminal width: messages under their column, or below the rule id when narrow', () => {
    for (const width of [80, 120, 200]) {
      const text = plain(textReporter(sampleReport(), { ...CONTEXT, color: true, width }));
      for (const line of text.split('\n')) assert.ok(line.length <= width, `${width} columns: ${line.length}: ${line}`);
      assert.match(text, /fix: /);
    }
    const narrow = plain(textReporter(sampleReport(), { ...CONTEXT, color: false, width: 80 })).split('\n');
    const i = narrow.findIndex((l) => /^ {2}FAIL {3}critical network\.protected-mode-off$/.test(l));
    assert.ok(i >= 0, narrow.join('\n'));
    assert.match(narrow[i + 1]!, /^ {18}protected-mode is 'no'/);
    assert.match(narrow[i + 2]!, /^ {18}a password/);
    assert.match(narrow[i + 3]!, /^ {20}at \/etc\/redis\/redis\.conf:87/);
    const wide = plain(textReporter(sampleReport(), { ...CONTEXT, color: false, width: 200 })).split('\n');
    const fail = wide.find((l) => l.includes('network.protected-mode-off'))!;
    assert.match(fail, /network\.protected-mode-off +protected-mode is 'no'/);
  });

  it('does not wrap without a width (piped output)', () => {
    const text = textReporter(sampleReport(), CONTEXT);
    assert.ok(text.split('\n').some((l) => l.length > 120));
  });

  it('summary: the rules of a target not audited are not counted again as errors', () => {
    const text = textReporter(sampleReport(), CONTEXT);
    const summary = text.trimEnd().split('\n').at(-1)!;
    assert.match(summary, /^3 targets \(1 not audited\), /);
    // One rule error on the sloppy target; the dead target's errorResults are the "not audited" one.
    assert.match(summary, /, 1 error(,|$)/);
  });

  it('wrapText cuts at spaces and cuts a word longer than a line', () => {
    assert.deepEqual(wrapText('aaa bbb ccc', 7), ['aaa bbb', 'ccc']);
    assert.deepEqual(wrapText('abcdefghij kl', 4), ['abcd', 'efgh', 'ij', 'kl']);
    assert.deepEqual(wrapText('short', 0), ['short']);
  });
});
