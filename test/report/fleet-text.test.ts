import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fleetSummaryText } from '../../src/report/fleet-text.ts';
import type { FleetLine } from '../../src/report/fleet-text.ts';
import type { Summary } from '../../src/engine/run.ts';

const NONE = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };

function summaryOf(targets: number): Summary {
  return { targets, targetErrors: targets, pass: 0, fail: 0, skip: 0, error: 0, manual: 0, failBySeverity: NONE, suppressed: 0, baselined: 0 };
}

describe('fleetSummaryText', () => {
  // A --targets inventory of 200,000 refused targets ran for minutes, then ended in 'redfort: unexpected error: Maximum
  // call stack size exceeded' and no report: the target column's width was Math.max(...) of one argument per target.
  it('prints the summary of 200,000 targets', () => {
    const lines: FleetLine[] = Array.from({ length: 200_000 }, (_, i) => ({ target: `redis://127.0.0.1:${30_000 + (i % 30_000)}`, error: 'connection refused', failBySeverity: NONE, worst: undefined }));
    const text = fleetSummaryText(lines, [], summaryOf(lines.length), { color: false });
    const out = text.split('\n');
    assert.equal(out[0], 'Fleet: 200000 targets, 200000 not audited, 0 with failures');
    assert.equal(out.filter((l) => l.includes('connection refused')).length, 200_000);
  });

  it('pads the target column to the longest target, at most 60 characters', () => {
    const line = (target: string): FleetLine => ({ target, failBySeverity: NONE, worst: undefined });
    const short = fleetSummaryText([line('redis://a:1'), line('redis://bb:1')], [], summaryOf(2), { color: false });
    assert.match(short, /\n {2}ok {7}redis:\/\/a:1 {3}no failure\n/);
    const long = fleetSummaryText([line(`redis://${'x'.repeat(100)}:1`), line('redis://a:1')], [], summaryOf(2), { color: false });
    assert.match(long, new RegExp(`\\n {2}ok {7}redis://a:1 {${60 - 'redis://a:1'.length + 2}}no failure\\n`));
  });

  // A cluster entry gives a target per node and one for the deployment: the count of targets alone read as if the
  // inventory had them all (`Fleet: 8 targets` for an inventory of 2).
  it('names the inventory entries when a deployment made them fewer than the targets', () => {
    const line = (target: string): FleetLine => ({ target, failBySeverity: NONE, worst: undefined });
    const lines = [line('cluster redis://a:1 (3 nodes)'), line('redis://a:1'), line('redis://a:2'), line('redis://a:3'), line('redis://b:1')];
    assert.match(fleetSummaryText(lines, [], summaryOf(5), { color: false, entries: 2 }), /^Fleet: 5 targets of 2 inventory entries, 5 not audited/);
    assert.match(fleetSummaryText(lines.slice(0, 4), [], summaryOf(4), { color: false, entries: 1 }), /^Fleet: 4 targets of 1 inventory entry, /);
    assert.match(fleetSummaryText(lines.slice(0, 2), [], summaryOf(2), { color: false, entries: 2 }), /^Fleet: 2 targets, /);
  });

  // With --summary-only the summary is all a reader sees: rules turned off (not judged anywhere) are named there.
  it('names the rules the settings file turned off', () => {
    const line = (target: string): FleetLine => ({ target, failBySeverity: NONE, worst: undefined });
    const text = fleetSummaryText([line('redis://a:1')], [], summaryOf(1), { color: false, turnedOff: { rules: 13, path: '.redfort.yaml' } });
    assert.match(text, /^Fleet: 1 target, 1 not audited, 0 with failures\n {2}13 rules turned off in \.redfort\.yaml: not judged on any target\n/);
    assert.doesNotMatch(fleetSummaryText([line('redis://a:1')], [], summaryOf(1), { color: false, turnedOff: { rules: 0, path: '.redfort.yaml' } }), /turned off/);
  });
});
