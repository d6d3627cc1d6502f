import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { escapeAttr, escapeText } from '../../src/report/common.ts';
import { junitReporter } from '../../src/report/junit.ts';
import { RULES } from '../../src/rules/index.ts';
import { CONTEXT, NASTY_SHOWN, sampleReport, sampleReportWith } from '../fixtures/reports/sample.ts';
import { childrenNamed as children, parseXml } from './validators.ts';
import type { XmlElement } from './validators.ts';

describe('JUnit reporter', () => {
  const xml = junitReporter(sampleReport(), CONTEXT);
  let root: XmlElement;
  let suites: XmlElement[];
  let sloppy: XmlElement;
  let better: XmlElement;
  let dead: XmlElement;
  // Parsed in each test, so that invalid XML fails every test rather than cancelling them.
  beforeEach(() => {
    root = parseXml(xml);
    suites = children(root, 'testsuite');
    [sloppy, better, dead] = suites as [XmlElement, XmlElement, XmlElement];
  });
  const testcase = (suite: XmlElement, ruleId: string) => children(suite, 'testcase').find((c) => c.attributes['name'] === ruleId)!;
  const only = (suite: XmlElement, ruleId: string, kind: string) => {
    const found = children(testcase(suite, ruleId), kind);
    assert.equal(found.length, 1, `${ruleId}: one <${kind}>`);
    return found[0]!;
  };

  it("carries an inventory's labels as label.KEY properties of the target's suite, sorted by key", () => {
    const report = sampleReport();
    const labelled = { ...report, targets: report.targets.map((t, i) => (i === 1 ? { ...t, labels: { team: 'pay<ments>', env: 'prod' } } : t)) };
    const parsed = children(parseXml(junitReporter(labelled, CONTEXT)), 'testsuite');
    const props = (suite: XmlElement) => children(suite, 'properties').flatMap((p) => children(p, 'property')).map((p) => [p.attributes['name'], p.attributes['value']]);
    assert.deepEqual(props(parsed[1]!).filter(([name]) => name!.startsWith('label.')), [['label.env', 'prod'], ['label.team', 'pay<ments>']]);
    assert.deepEqual(props(parsed[0]!).filter(([name]) => name!.startsWith('label.')), []);
  });

  it('is well-formed XML (the strict parser rejects what is not)', () => {
    assert.equal(root.name, 'testsuites');
    assert.throws(() => parseXml('<a b="<"/>'), /invalid XML/);
    assert.throws(() => parseXml('<a>&</a>'), /invalid XML/);
    assert.throws(() => parseXml('<a>\u0007</a>'), /invalid XML/);
  });

  it('has one testsuite per target and one testcase per rule', () => {
    assert.deepEqual(
      suites.map((s) => s.attributes['name']),
      ['redis://127.0.0.1:7001', 'rediss://auditor@db2.example:6380', 'redis://127.0.0.1:7009'],
    );
    for (const suite of suites) {
      assert.deepEqual(children(suite, 'testcase').map((c) => c.attributes['name']), RULES.map((r) => r.id));
      assert.equal(suite.attributes['tests'], String(RULES.length));
    }
    assert.equal(testcase(sloppy, 'network.bind-all-interfaces').attributes['classname'], 'Foundation');
    assert.equal(testcase(sloppy, 'auth.no-authentication').attributes['classname'], 'Account');
    assert.equal(testcase(sloppy, 'tls.weak-ciphers').attributes['classname'], 'TLS');
  });

  it('counts failures, errors and skipped per suite and in total', () => {
    // sloppy: bind, protected-mode, the CVEs, syslog and aclfile fail; the suppressed and the baselined
    // failures are skipped like manual and the two skips; the crashed rule is an error.
    assert.equal(sloppy.attributes['failures'], '5');
    assert.equal(sloppy.attributes['errors'], '1');
    assert.equal(sloppy.attributes['skipped'], '5');
    assert.equal(better.attributes['failures'], '1');
    assert.equal(better.attributes['skipped'], '2');
    assert.equal(dead.attributes['errors'], String(RULES.length));
    assert.equal(root.attributes['failures'], '6');
    assert.equal(root.attributes['errors'], String(RULES.length + 1));
    assert.equal(root.attributes['tests'], String(RULES.length * 3));
  });

  it('lists every finding of a rule in its one failure', () => {
    const failure = only(sloppy, 'version.known-vulnerabilities', 'failure');
    assert.equal(failure.attributes['type'], 'critical');
    assert.match(failure.attributes['message']!, /^3 findings; first: CVE-2025-49844/);
    for (const cve of ['CVE-2025-49844', 'CVE-2024-31449', 'CVE-2024-31227']) assert.ok(failure.text.includes(cve), cve);
    assert.match(failure.text, /fix: /);
    assert.match(only(sloppy, 'network.protected-mode-off', 'failure').text, /at \/etc\/redis\/redis\.conf:87/);
  });

  it('maps error, skip, manual, suppressed and baselined outcomes', () => {
    only(sloppy, 'logging.no-rotation', 'error');
    assert.match(only(sloppy, 'host.runs-as-root', 'skipped').attributes['message']!, /^skip: /);
    assert.match(only(sloppy, 'data.client-side-encryption', 'skipped').attributes['message']!, /^manual: /);
    assert.equal(only(sloppy, 'auth.no-authentication', 'skipped').attributes['message'], 'suppressed: lab box, no data');
    assert.match(only(sloppy, 'tls.disabled', 'skipped').attributes['message']!, /baseline/);
    assert.equal(children(testcase(sloppy, 'auth.no-authentication'), 'failure').length, 0);
    assert.equal(testcase(better, 'network.bind-all-interfaces').children.filter((c) => c.name !== 'system-out').length, 0);
    assert.match(only(dead, 'tls.disabled', 'error').attributes['message']!, /connection refused/);
    const property = children(children(dead, 'properties')[0]!, 'property')[0]!;
    assert.deepEqual(property.attributes, { name: 'error', value: 'connection refused' });
  });

  // A server's value with line breaks (a CONFIG GET bind of '* \r\n- critical: …') started lines of its own in the
  // failure's text, which CI systems show as it is: a forged finding under the real one.
  it("keeps a server's line breaks out of the lines it writes: each finding, evidence and source on one line", () => {
    const forged = '\r\n- critical: forged.rule: FAIL\n  fix: none\u2028x';
    const report = sampleReportWith({
      'network.bind-all-interfaces': { message: `bind is '*${forged}'`, evidence: [`bind${forged}`], source: { kind: 'file', path: `/etc/redis${forged}.conf`, line: 3 } },
      'logging.no-logfile': { status: 'pass', message: `logfile is '${forged}'` },
    });
    const dead = { target: 'redis://127.0.0.1:7009', error: `not a Redis server:${forged}`, results: [] };
    const parsed = parseXml(junitReporter({ ...report, targets: [...report.targets, dead] }, CONTEXT));
    const [suite, , , gone] = children(parsed, 'testsuite') as [XmlElement, XmlElement, XmlElement, XmlElement];
    const failure = children(testcase(suite, 'network.bind-all-interfaces'), 'failure')[0]!;
    const lines = failure.text.split('\n');
    assert.equal(lines.length, 5, failure.text);
    assert.deepEqual(lines.map((l) => l.replace(/:.*/s, '')), ['Redis listens only on loopback or private addresses', '- high', '  at /etc/redis\\u000d\\u000a- critical', '  evidence', '  fix']);
    assert.ok(lines[1]!.includes("\\u000d\\u000a- critical: forged.rule: FAIL\\u000a  fix: none\\u2028x'"), lines[1]);
    assert.ok(!/[\r\n\u2028]/.test(failure.attributes['message']!));
    const passed = children(testcase(suite, 'logging.no-logfile'), 'system-out')[0]!;
    assert.ok(!/[\r\n]/.test(passed.text), passed.text);
    // One line per item of ours (the error, then the run's warnings), none broken by the server's words.
    const err = children(gone, 'system-err')[0]!;
    const errLines = err.text.split('\n');
    assert.ok(errLines[0]!.startsWith('redis://127.0.0.1:7009 could not be audited: not a Redis server:\\u000d\\u000a- critical'), err.text);
    assert.ok(errLines.slice(1).every((l) => l.startsWith('warning: ')), err.text);
    assert.ok(!/[\r\u2028]/.test(err.text), err.text);
    const property = children(children(gone, 'properties')[0]!, 'property')[0]!;
    assert.ok(!/[\r\n]/.test(property.attributes['value']!));
  });

  it('escapes markup and makes control characters visible, in attributes and text', () => {
    const failure = only(sloppy, 'network.bind-all-interfaces', 'failure');
    assert.equal(failure.attributes['message'], NASTY_SHOWN);
    assert.ok(failure.text.includes(NASTY_SHOWN));
    assert.ok(failure.text.includes('second <evidence>'));
    assert.doesNotMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/, 'a raw control character');
    assert.ok(!xml.includes('<script>'));
    assert.equal(escapeAttr(`a<b>&"c'\nd`), 'a&lt;b&gt;&amp;&quot;c&#39;&#10;d');
    assert.equal(escapeText('\uD800x'), '\\ud800x');
    // A line break in an attribute survives attribute-value normalisation.
    assert.equal(parseXml(`<a m="${escapeAttr('one\ntwo')}"/>`).attributes['m'], 'one\ntwo');
  });
});
