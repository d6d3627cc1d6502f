import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeFacts } from '../../src/app/audit.ts';
import { liveFacts } from '../rule-tester.ts';
import { certificate, NOW, tlsPort, withProbe } from '../helpers/probe-facts.ts';

const DAY = 86_400;

// A certificate a day from its end said 'in 1 days'; one expired yesterday '1 days ago'. Whole days elapsed, both ways
// (QA45-11: an expiry 3.5 days ago is 3 days ago, half a day ago less than a day).
describe('tls.certificate counts days in words', () => {
  const message = (validTo: number): string => {
    const facts = withProbe(liveFacts(), { tls: [tlsPort({ certificate: certificate({ validTo }) })] });
    const found = judgeFacts(facts, { nowSeconds: NOW }).results.filter((r) => r.ruleId === 'tls.certificate' && r.status === 'fail');
    assert.equal(found.length, 1, JSON.stringify(found));
    return found[0]!.message;
  };

  it('one day, or several, before and after the end', () => {
    assert.match(message(NOW + 1.5 * DAY), /, in 1 day \(threshold 30\)$/);
    assert.match(message(NOW + 10.5 * DAY), /, in 10 days \(threshold 30\)$/);
    assert.match(message(NOW - 0.5 * DAY), /, less than a day ago: clients that verify it refuse to connect$/);
    assert.match(message(NOW - 1.5 * DAY), /, 1 day ago: clients that verify it refuse to connect$/);
    assert.match(message(NOW - 3.5 * DAY), /, 3 days ago: /);
  });
});
