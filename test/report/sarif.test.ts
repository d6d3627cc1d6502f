import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as Sarif from 'sarif';
import { pascalCase, sarifReportChunks, sarifReporter } from '../../src/report/sarif.ts';
import { RULES } from '../../src/rules/index.ts';
import { fingerprint } from '../../src/engine/triage/target-key.ts';
import { activeFailures, CONTEXT, NASTY, NASTY_SHOWN, sampleReport, sampleReportWith } from '../fixtures/reports/sample.ts';
import { errorsOf, sarifValidator } from './validators.ts';

function render(docs?: ReadonlyMap<string, string>): Sarif.Log {
  return JSON.parse(sarifReporter(sampleReport(), { ...CONTEXT, ...(docs ? { docs } : {}) })) as Sarif.Log;
}

describe('SARIF reporter', () => {
  const log = render();
  const run = log.runs[0]!;

  it('is valid against the official SARIF 2.1.0 schema', () => {
    const validate = sarifValidator();
    assert.ok(validate(log), errorsOf(validate));
  });

  it('the validator rejects a broken log (so the check above can fail)', () => {
    const broken = structuredClone(log) as unknown as { runs: { tool: { driver: { name?: string } }; results: { level: string }[] }[] };
    delete broken.runs[0]!.tool.driver.name;
    broken.runs[0]!.results[0]!.level = 'fatal';
    assert.equal(sarifValidator()(broken), false);
  });

  it('has the schema URL, version 2.1.0 and one run', () => {
    assert.equal(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs.length, 1);
    assert.equal(run.tool.driver.name, 'redfort');
    assert.equal(run.tool.driver.version, '0.1.0');
  });

  it('describes every catalogue rule with its doc link, security-severity and section tag', () => {
    const rules = run.tool.driver.rules!;
    assert.deepEqual(rules.map((r) => r.id), RULES.map((r) => r.id));
    const bind = rules.find((r) => r.id === 'network.bind-all-interfaces')!;
    assert.equal(bind.name, 'NetworkBindAllInterfaces');
    assert.equal(bind.shortDescription?.text, RULES.find((r) => r.id === bind.id)!.title);
    assert.equal(bind.helpUri, 'https://github.com/redfort/redfort/blob/main/docs/rules/network.bind-all-interfaces.md');
    assert.deepEqual(bind.properties?.tags, ['Foundation', 'security']);
    const expected = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };
    for (const rule of RULES) {
      const d = rules.find((r) => r.id === rule.id)!;
      assert.equal(d.properties?.['security-severity'], expected[rule.severity], rule.id);
      assert.ok(d.fullDescription?.text.includes(rule.remediation), rule.id);
    }
    assert.equal(pascalCase('cluster.quorum-host-spread'), 'ClusterQuorumHostSpread');
  });

  it('embeds the rule docs as help.markdown only when the caller passes them', () => {
    assert.equal(run.tool.driver.rules![0]!.help?.markdown, undefined);
    const withDocs = render(new Map([['network.bind-all-interfaces', '# Bind\n\nWhy it matters…']]));
    assert.equal(withDocs.runs[0]!.tool.driver.rules![0]!.help?.markdown, '# Bind\n\nWhy it matters…');
    assert.ok(sarifValidator()(withDocs));
  });

  it('reports one result per failure, with the level from the severity', () => {
    const report = sampleReport();
    const fails = report.targets.flatMap((t) => t.results.filter((r) => r.status === 'fail'));
    assert.equal(run.results!.length, fails.length);
    assert.ok(activeFailures(report).length < fails.length, 'the sample has accepted failures too');
    const level = (text: string) => run.results!.find((r) => r.message.text?.includes(text))!.level;
    assert.equal(level('CVE-2025-49844'), 'error');
    assert.equal(level('CVE-2024-31449'), 'error');
    assert.equal(level('CVE-2024-31227'), 'warning');
    assert.equal(level("syslog-enabled is 'no'"), 'note');
    assert.equal(level("aclfile is ''"), 'note');
    for (const r of run.results!) {
      assert.equal(run.tool.driver.rules![r.ruleIndex!]!.id, r.ruleId);
      assert.match(r.message.text!, /^redis{1,2}s?:\/\//);
    }
  });

  it('locates config findings at file:line and live findings at the target (a URI of its own, and logically)', () => {
    const file = run.results!.find((r) => r.ruleId === 'network.protected-mode-off')!;
    assert.deepEqual(file.locations![0]!.physicalLocation, {
      artifactLocation: { uri: 'file:///etc/redis/redis.conf' },
      region: { startLine: 87 },
    });
    const relative = run.results!.find((r) => r.ruleId === 'auth.acl-file-missing')!;
    assert.equal(relative.locations![0]!.physicalLocation!.artifactLocation!.uri, 'conf/redis%20prod.conf');
    // A live finding with no config file read: the target's own stable URI (GitHub refuses a location without one, QA41-102).
    const live = run.results!.find((r) => r.ruleId === 'tls.client-auth-disabled')!;
    assert.deepEqual(live.locations![0]!.physicalLocation, { artifactLocation: { uri: 'redfort-target/rediss:%2F%2Fauditor@db2.example:6380' } });
    assert.deepEqual(live.locations![0]!.logicalLocations, [
      { name: 'rediss://auditor@db2.example:6380', fullyQualifiedName: 'rediss://auditor@db2.example:6380', kind: 'resource' },
    ]);
  });

  it('writes files below the folder it ran from relative to %SRCROOT%, so that any checkout matches them', () => {
    const rooted = (JSON.parse(sarifReporter(sampleReport(), { ...CONTEXT, root: '/etc/redis' })) as Sarif.Log).runs[0]!;
    assert.deepEqual(rooted.originalUriBaseIds, { '%SRCROOT%': { uri: 'file:///etc/redis/' } });
    const file = rooted.results!.find((r) => r.ruleId === 'network.protected-mode-off')!;
    assert.deepEqual(file.locations![0]!.physicalLocation!.artifactLocation, { uri: 'redis.conf', uriBaseId: '%SRCROOT%' });
    // A file outside the root keeps its absolute URI; an already relative path stays as it was.
    const outside = (JSON.parse(sarifReporter(sampleReport(), { ...CONTEXT, root: '/srv/elsewhere' })) as Sarif.Log).runs[0]!;
    assert.deepEqual(outside.results!.find((r) => r.ruleId === 'network.protected-mode-off')!.locations![0]!.physicalLocation!.artifactLocation, { uri: 'file:///etc/redis/redis.conf' });
    assert.equal(rooted.results!.find((r) => r.ruleId === 'auth.acl-file-missing')!.locations![0]!.physicalLocation!.artifactLocation!.uri, 'conf/redis%20prod.conf');
  });

  it('marks suppressed findings as external suppressions and baselined ones as unchanged', () => {
    const suppressed = run.results!.find((r) => r.ruleId === 'auth.no-authentication')!;
    assert.deepEqual(suppressed.suppressions, [{ kind: 'external', status: 'accepted', justification: 'lab box, no data' }]);
    const baselined = run.results!.find((r) => r.ruleId === 'tls.disabled')!;
    assert.equal(baselined.baselineState, 'unchanged');
    assert.equal(baselined.suppressions, undefined);
  });

  it('fingerprints are stable when numbers change and differ between targets and rules', () => {
    const prints = run.results!.map((r) => r.partialFingerprints!['redfortFinding/v1']);
    assert.equal(new Set(prints).size, prints.length, 'each finding of the sample has its own fingerprint');
    const cve = run.results!.find((r) => r.message.text!.includes('CVE-2024-31449'))!;
    assert.equal(cve.partialFingerprints!['redfortFinding/v1'], fingerprint('version.known-vulnerabilities', 'redis://127.0.0.1:7001', 'CVE-2024-31449 (HIGH 7): Lua bit library overflow; 7.0.15 is affected'));
    assert.equal(
      fingerprint('version.known-vulnerabilities', 'redis://127.0.0.1:7001', 'CVE-2024-31449 (HIGH 7): Lua bit library overflow; 7.0.16 is affected'),
      cve.partialFingerprints!['redfortFinding/v1'],
    );
    assert.notEqual(fingerprint('tls.disabled', 'redis://a:6379', 'x'), fingerprint('tls.disabled', 'redis://b:6379', 'x'));
    assert.notEqual(fingerprint('tls.disabled', 'redis://a:6379', 'x'), fingerprint('tls.weak-ciphers', 'redis://a:6379', 'x'));
    // Spelling of the same server does not matter.
    assert.equal(fingerprint('tls.disabled', 'redis://u@a:6379', 'x'), fingerprint('tls.disabled', 'a:6379', 'x'));
  });

  it('turns target and rule errors into execution notifications, settings warnings into configuration ones', () => {
    const invocation = run.invocations![0]!;
    assert.equal(invocation.executionSuccessful, false);
    const notes = invocation.toolExecutionNotifications!;
    assert.equal(notes.length, 2, JSON.stringify(notes));
    assert.match(notes.find((n) => !n.associatedRule)!.message.text!, /redis:\/\/127\.0\.0\.1:7009 could not be audited: connection refused/);
    assert.equal(notes.find((n) => n.associatedRule)!.associatedRule!.id, 'logging.no-rotation');
    const config = invocation.toolConfigurationNotifications!;
    assert.equal(config.length, 1);
    assert.equal(config[0]!.locations![0]!.physicalLocation!.region!.startLine, 9);
    assert.ok(!run.results!.some((r) => r.message.text!.includes('connection refused')));
  });

  // message.text was the server's words raw: GitHub shows an alert's text as it is, so a CONFIG GET bind of
  // '* \r\n  FAIL critical forged' (a hostile server, seen through a proxy) made a forged line inside the alert. The
  // control characters and line breaks are now shown as `\u000d` as in JUnit, text, Markdown and HTML; markup stays.
  it('keeps markup in messages as plain JSON strings, control characters made visible', () => {
    const nasty = run.results!.find((r) => r.ruleId === 'network.bind-all-interfaces')!;
    assert.equal(nasty.message.text, `redis://127.0.0.1:7001: ${NASTY_SHOWN}`);
  });

  it("keeps a server's or a file's line breaks out of every message.text, and stays valid SARIF", () => {
    const forged = '\r\n  FAIL critical forged\n\u2028x\u0085y';
    const report = sampleReportWith({
      'network.bind-all-interfaces': { message: `bind is '*${forged}'` },
      'logging.no-rotation': { status: 'error', message: `crashed:${forged}` },
    });
    const dead = { target: 'redis://127.0.0.1:7010', error: `not a Redis server:${forged}`, results: [] };
    const warnings = [...(report.warnings ?? []).map((w) => ({ ...w, message: `${w.message}${forged}` }))];
    const forgedLog = JSON.parse(sarifReporter({ ...report, targets: [...report.targets, dead], warnings }, CONTEXT)) as Sarif.Log;
    const validate = sarifValidator();
    assert.ok(validate(forgedLog), errorsOf(validate));
    const forgedRun = forgedLog.runs[0]!;
    const bind = forgedRun.results!.find((r) => r.ruleId === 'network.bind-all-interfaces')!;
    assert.equal(bind.message.text, "redis://127.0.0.1:7001: bind is '*\\u000d\\u000a  FAIL critical forged\\u000a\\u2028x\\u0085y'");
    const invocation = forgedRun.invocations![0]!;
    const texts = [
      ...forgedRun.results!.map((r) => r.message.text!),
      ...invocation.toolExecutionNotifications!.map((n) => n.message.text!),
      ...invocation.toolConfigurationNotifications!.map((n) => n.message.text!),
    ];
    assert.ok(texts.filter((t) => t.includes('FAIL critical forged')).length >= 4, texts.join('\n'));
    for (const text of texts) assert.doesNotMatch(text, /[\u0000-\u001F\u0085\u2028\u2029]/, text);
    // The fingerprint is of the raw message, as before: alerts keep their identity.
    assert.equal(bind.partialFingerprints!['redfortFinding/v1'], fingerprint('network.bind-all-interfaces', 'redis://127.0.0.1:7001', `bind is '*${forged}'`));
  });
});

describe('SARIF report in chunks', () => {
  // 2,000 failures whose texts hold what could throw the cut off: the run's own key, line breaks, a text longer than
  // a chunk of surrogate pairs; and a report with no failure at all.
  const base = sampleReport();
  const [first] = base.targets;
  const failure = first!.results.find((r) => r.status === 'fail')!;
  const many = Array.from({ length: 2000 }, (_, i) => ({
    ...failure,
    message: i === 7 ? `${'🔒'.repeat(40_000)} "results": []` : `user 'u${i}'\n      "results": [] ${NASTY}`,
    evidence: [`line ${i}`, '\n      "results": []'],
  }));
  const big = { ...base, targets: [{ ...first!, results: [...first!.results, ...many] }, ...base.targets.slice(1)] };
  const none = { ...base, targets: base.targets.map((t) => ({ ...t, results: t.results.filter((r) => r.status !== 'fail') })) };

  for (const [name, report] of [['2,000 more failures', big], ['no failure', none], ['the sample', base]] as const) {
    it(`comes as JSON.stringify writes the log, in chunks of at most 64 KiB: ${name}`, () => {
      const chunks: Buffer[] = [];
      for (const chunk of sarifReportChunks(report, CONTEXT)) chunks.push(Buffer.from(chunk));
      assert.ok(chunks.every((c) => c.length <= 64 * 1024));
      const text = chunks.map((c) => c.toString('utf8')).join('');
      assert.equal(text, `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
      assert.equal(text, sarifReporter(report, CONTEXT));
      const log = JSON.parse(text) as Sarif.Log;
      const failures = report.targets.filter((t) => t.error === undefined).flatMap((t) => t.results).filter((r) => r.status === 'fail').length;
      assert.equal(log.runs[0]!.results!.length, failures);
      if (name === '2,000 more failures') assert.ok(chunks.length > 20, `${chunks.length} chunks`);
    });
  }

  it('gives each target entry its labels, in the order of targets, even for one target listed twice (QA35-9)', () => {
    const report = sampleReport();
    const [first] = report.targets;
    const twice = { ...report, targets: [{ ...first!, labels: { i: '1' } }, { ...first!, labels: { i: '2' } }, { ...first!, labels: undefined }] };
    const props = (JSON.parse(sarifReporter(twice, CONTEXT)) as Sarif.Log).runs[0]!.properties as { targets: string[]; targetLabels: Record<string, string>[]; labels: Record<string, unknown> };
    assert.equal(props.targets.length, 3);
    assert.deepEqual(props.targetLabels, [{ i: '1' }, { i: '2' }, {}]);
    // The map by name keeps its shape: one entry per name, the last labelled one's.
    assert.deepEqual(props.labels, { [first!.target]: { i: '2' } });
  });
});
