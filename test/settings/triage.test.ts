import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitCode } from '../../src/engine/run.ts';
import type { RuleResult } from '../../src/engine/run.ts';
import type { AuditReport } from '../../src/report/types.ts';
import { triageReport } from '../../src/settings/apply.ts';
import { applyBaseline, baselineOf } from '../../src/engine/triage/baseline.ts';
import { formatBaseline, parseBaseline } from '../../src/settings/baseline-file.ts';
import { applySuppressions } from '../../src/engine/triage/suppressions.ts';
import { fingerprint, targetKey } from '../../src/engine/triage/target-key.ts';
import type { Suppression } from '../../src/settings/types.ts';
import { SettingsError } from '../../src/settings/types.ts';
import { sampleReport } from '../fixtures/reports/sample.ts';

const at = (line: number) => ({ kind: 'file' as const, path: '.redfort.yaml', line });
const TODAY = '2026-06-15';

/** The sample without its own suppression and baseline marks. */
function fresh(): AuditReport {
  const report = sampleReport();
  const targets = report.targets.map((t) => ({
    ...t,
    results: t.results.map(({ suppressed: _s, baselined: _b, ...rest }) => rest as RuleResult),
  }));
  return { ...report, targets, warnings: [] };
}

const fails = (report: AuditReport, target = 0) => report.targets[target]!.results.filter((r) => r.status === 'fail');

describe('suppressions', () => {
  it('mark the failures they cover, which keep their status and stop counting for the exit code', () => {
    const report = fresh();
    assert.equal(exitCode(report.targets.slice(0, 2), 'critical'), 1);
    const suppressions: Suppression[] = [
      { rule: 'version', target: 'redis://127.0.0.1:7001', reason: 'upgrade planned', expires: '2026-06-15', source: at(3) },
      { rule: 'network.protected-mode-off', target: '127.0.0.1:7001', reason: 'lab', source: at(7) },
      { rule: 'auth.no-authentication', reason: 'lab everywhere', source: at(9) },
      { rule: 'sentinel', reason: 'no sentinels here', source: at(11) },
    ];
    const out = applySuppressions(report, suppressions, TODAY);
    const cves = fails(out).filter((r) => r.ruleId === 'version.known-vulnerabilities');
    assert.equal(cves.length, 3);
    for (const r of cves) assert.deepEqual(r.suppressed, { reason: 'upgrade planned', expires: '2026-06-15' });
    assert.equal(fails(out).find((r) => r.ruleId === 'network.protected-mode-off')!.status, 'fail');
    assert.deepEqual(fails(out).find((r) => r.ruleId === 'network.protected-mode-off')!.suppressed, { reason: 'lab' });
    assert.equal(fails(out).find((r) => r.ruleId === 'network.bind-all-interfaces')!.suppressed, undefined);
    assert.equal(out.summary.suppressed, 5);
    assert.equal(out.summary.fail, report.summary.fail);
    assert.equal(exitCode(out.targets.slice(0, 2), 'critical'), 0);
    assert.equal(exitCode(out.targets.slice(0, 2), 'high'), 1, 'the high bind failure still counts');
    // A suppression for one target leaves the others alone.
    assert.equal(fails(out, 1)[0]!.suppressed, undefined);
    assert.deepEqual(out.warnings, [
      {
        kind: 'suppression-unused',
        message: ".redfort.yaml:11: the suppression of sentinel ('no sentinels here') matched no failure: remove it",
        source: at(11),
      },
    ]);
  });

  it('report an expired suppression, which no longer applies', () => {
    const out = applySuppressions(fresh(), [{ rule: 'logging', reason: 'old', expires: '2026-06-14', source: at(4) }], TODAY);
    assert.equal(out.summary.suppressed, 0);
    assert.deepEqual(out.warnings, [
      { kind: 'suppression-expired', message: ".redfort.yaml:4: the suppression of logging ('old') expired on 2026-06-14: its findings count again", source: at(4) },
    ]);
  });

  it('call unused only a suppression whose target was audited', () => {
    const out = applySuppressions(
      fresh(),
      [
        { rule: 'tls', target: 'redis://elsewhere:6379', reason: 'other fleet', source: at(2) },
        { rule: 'tls', target: 'redis://127.0.0.1:7009', reason: 'dead today', source: at(5) },
        { rule: 'tls.weak-ciphers', target: 'db2.example:6380', reason: 'nothing to suppress', source: at(8) },
      ],
      TODAY,
    );
    assert.deepEqual(out.warnings?.map((w) => w.source?.line), [8]);
  });
});

describe('baselines', () => {
  it('record the failures that are not suppressed, fingerprinted', () => {
    const baseline = baselineOf(sampleReport());
    assert.equal(baseline.version, 1);
    assert.equal(baseline.findings.length, sampleReport().summary.fail - 1);
    assert.ok(!baseline.findings.some((f) => f.ruleId === 'auth.no-authentication'));
    const first = baseline.findings[0]!;
    assert.equal(first.fingerprint, fingerprint(first.ruleId, first.target, fails(sampleReport())[0]!.message));
    assert.deepEqual(parseBaseline(formatBaseline(baseline), 'b.json'), baseline);
  });

  it('mark known failures so that only new ones fail the run', () => {
    const before = fresh();
    const baseline = baselineOf(before);
    const same = applyBaseline(fresh(), baseline);
    assert.equal(same.summary.baselined, same.summary.fail);
    assert.equal(exitCode(same.targets.slice(0, 2), 'info'), 0);

    // One more finding on the second target, and a number changed in a known one.
    const worse = fresh();
    const better = worse.targets[1]!;
    const extra: RuleResult = { ...fails(worse, 1)[0]!, ruleId: 'tls.weak-protocols', severity: 'high', message: "tls-protocols allows 'TLSv1'" };
    const sloppy = worse.targets[0]!;
    const renumbered = sloppy.results.map((r) => (r.message.startsWith('CVE-2024-31449') ? { ...r, message: r.message.replace('7.0.15', '7.0.16') } : r));
    const changed: AuditReport = { ...worse, targets: [{ ...sloppy, results: renumbered }, { ...better, results: [...better.results, extra] }, worse.targets[2]!] };
    const judged = applyBaseline(changed, baseline);
    const counting = judged.targets.flatMap((t) => t.results.filter((r) => r.status === 'fail' && !r.baselined));
    assert.deepEqual(counting.map((r) => r.ruleId), ['tls.weak-protocols']);
    assert.equal(exitCode(judged.targets.slice(0, 2), 'high'), 1);
    assert.equal(judged.summary.baselined, judged.summary.fail - 1);
  });

  it('count each recorded failure once', () => {
    const report = fresh();
    const baseline = baselineOf(report);
    const dup = report.targets[0]!.results.find((r) => r.ruleId === 'logging.syslog-disabled')!;
    const twice: AuditReport = { ...report, targets: [{ ...report.targets[0]!, results: [...report.targets[0]!.results, dup] }] };
    const judged = applyBaseline(twice, baseline);
    assert.equal(judged.targets[0]!.results.filter((r) => r.ruleId === 'logging.syslog-disabled' && !r.baselined).length, 1);
  });

  it('leave suppressed failures to the suppression', () => {
    const report = triageReport(fresh(), {
      settings: { path: 's', severityOverrides: new Map(), disabled: new Set(), thresholds: {}, targets: [], suppressions: [{ rule: 'logging', reason: 'r', source: at(1) }] },
      baseline: baselineOf(fresh()),
      today: TODAY,
    });
    const syslog = fails(report).find((r) => r.ruleId === 'logging.syslog-disabled')!;
    assert.deepEqual(syslog.suppressed, { reason: 'r' });
    assert.equal(syslog.baselined, undefined);
    assert.equal(report.summary.suppressed, 1);
    assert.equal(report.summary.baselined, report.summary.fail - 1);
  });

  it('refuse a file that is not a baseline, naming it', () => {
    assert.throws(() => parseBaseline('{', 'b.json'), (e: Error) => e instanceof SettingsError && /^b\.json: not a baseline \(invalid JSON/.test(e.message));
    assert.throws(() => parseBaseline('{"version":2,"findings":[]}', 'b.json'), /^SettingsError: b\.json: not a baseline \(expected/);
    // V8's message quoted the text around the mistake: /proc/self/environ, /etc/shadow were echoed.
    for (const text of ['HOME=/root\0TOKEN=ghp_0123456789abcdef\0', 'root:$6$salt$hash:19000:0:99999:7:::\n']) {
      assert.throws(() => parseBaseline(text, 'b.json'), (e: Error) => /^b\.json: not a baseline \(invalid JSON( at line \d+)?\)$/.test(e.message) && !/HOME|root/.test(e.message));
    }
    assert.throws(() => parseBaseline('{"version":1,"findings":[{"ruleId":"x"}]}', 'b.json'), /b\.json: findings\[0\] needs string ruleId, target and fingerprint/);
  });
});

describe('target keys', () => {
  it('identify a server whatever the spelling', () => {
    assert.equal(targetKey('redis://auditor@DB1:6380'), 'db1:6380/0');
    assert.equal(targetKey('rediss://db1:6380'), 'db1:6380/0');
    assert.equal(targetKey('db1:6380'), 'db1:6380/0');
    assert.equal(targetKey('db1'), 'db1:6379/0');
    assert.equal(targetKey('redis://db1:6380/2'), 'db1:6380/2');
    assert.equal(targetKey('[::1]:7000'), '::1:7000/0');
    assert.equal(targetKey('/etc/redis/redis.conf'), '/etc/redis/redis.conf');
  });
});
