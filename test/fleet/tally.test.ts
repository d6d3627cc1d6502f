import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FleetTally, tallyOf } from '../../src/app/fleet.ts';
import type { RuleResult, TargetResult } from '../../src/engine/run.ts';
import type { Severity } from '../../src/rules/define.ts';

// The fleet's "failing rules" lines (`host.config-file-permissions: 2/3 fail (high)`) name the worst failure of
// each rule. A rule fails with findings of their own severity: a config file that holds a password is high, an
// include beside it medium; the line once took the severity of whichever finding came last.

const result = (ruleId: string, status: RuleResult['status'], severity: Severity): RuleResult => ({
  ruleId,
  title: ruleId,
  status,
  severity,
  message: `${status} ${severity}`,
  evidence: [],
  remediation: '',
  source: null,
  checklist: '',
});

const target = (name: string, results: RuleResult[]): TargetResult => ({ target: name, results });

describe('the fleet tally of a rule with findings of several severities', () => {
  it("a target's line for the rule takes its worst finding, whatever their order", () => {
    const a = tallyOf(target('redis://a:6379', [result('host.config-file-permissions', 'fail', 'high'), result('host.config-file-permissions', 'fail', 'medium')]));
    const b = tallyOf(target('redis://b:6379', [result('host.config-file-permissions', 'fail', 'low'), result('host.config-file-permissions', 'fail', 'high'), result('host.config-file-permissions', 'fail', 'medium')]));
    assert.deepEqual(a.judged, [['host.config-file-permissions', 'high']]);
    assert.deepEqual(b.judged, [['host.config-file-permissions', 'high']]);
  });

  it('the fleet total is the worst failure across targets; a target where the rule passed does not raise it', () => {
    const tally = new FleetTally();
    tally.add(tallyOf(target('redis://a:6379', [result('version.known-vulnerabilities', 'pass', 'critical')])));
    tally.add(tallyOf(target('redis://b:6379', [result('version.known-vulnerabilities', 'fail', 'medium'), result('version.known-vulnerabilities', 'fail', 'low')])));
    tally.add(tallyOf(target('redis://c:6379', [result('version.known-vulnerabilities', 'fail', 'low')])));
    tally.add(tallyOf(target('redis://d:6379', [result('host.config-file-permissions', 'fail', 'high'), result('host.config-file-permissions', 'fail', 'medium')])));
    assert.deepEqual(tally.totals(), [
      { ruleId: 'host.config-file-permissions', severity: 'high', failed: 1, judged: 1 },
      { ruleId: 'version.known-vulnerabilities', severity: 'medium', failed: 2, judged: 3 },
    ]);
  });
});

// QA42-14: the totals were ordered by how many targets failed, so a critical rule that failed on two servers came
// below nine low ones that failed on all of them. Severity first, as the target lines above are; then by count.
describe('the order of the fleet totals', () => {
  it('severity first (critical at the top), then the most failed, then by id', () => {
    const tally = new FleetTally();
    for (let i = 0; i < 5; i++) {
      const results = [result('logging.syslog-disabled', 'fail', 'low'), result('persistence.none', 'fail', 'low'), result('network.bind-all', 'fail', 'medium')];
      if (i < 2) results.push(result('auth.no-authentication', 'fail', 'critical'));
      if (i < 3) results.push(result('tls.disabled', 'fail', 'high'));
      if (i === 0) results.push(result('commands.rename', 'fail', 'high'));
      tally.add(tallyOf(target(`redis://h${i}:6379`, results)));
    }
    assert.deepEqual(tally.totals().map((t) => `${t.ruleId} ${t.failed}`), [
      'auth.no-authentication 2',
      'tls.disabled 3',
      'commands.rename 1',
      'network.bind-all 5',
      'logging.syslog-disabled 5',
      'persistence.none 5',
    ]);
  });
});
