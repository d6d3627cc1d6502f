import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import { runRules } from '../../engine/run.ts';
import { ruleContext } from '../context.ts';
import rule from './end-of-life.ts';

/** 2027-01-15, the default server clock of `liveFacts`. */
const redis = (version: string, now?: number) => liveFacts({ version, ...(now ? { now } : {}) });
const valkey = (version: string) => liveFacts({ version, product: 'valkey' });
const JUNE_2026 = Date.parse('2026-06-01T00:00:00Z') / 1000;

ruleTester(rule, {
  pass: [
    { name: 'Redis 7.2', facts: redis('7.2.4'), message: /^Redis 7\.2 is supported \(supported \(extended release\); end of life 2029-12-01\)/ },
    { name: 'Redis 7.4', facts: redis('7.4.11') },
    { name: 'Redis 8.2', facts: redis('8.2.10'), message: /Redis 8\.2 is supported/ },
    { name: 'Redis 6.2 until 2027-04-01', facts: redis('6.2.24'), message: /end of life 2027-04-01/ },
    { name: 'Redis 8.0 before its end of support (2026-12-01)', facts: redis('8.0.6', JUNE_2026), nowSeconds: JUNE_2026 },
    { name: 'Redis 8.0 before its end of support by redfort\'s clock, the server\'s clock a day behind', facts: redis('8.0.6', JUNE_2026 - 86_400), nowSeconds: JUNE_2026 },
    { name: 'a release candidate: 7.3.240 is 7.4-rc', facts: redis('7.3.240'), message: /^Redis 7\.4 is supported/ },
    { name: 'Valkey 8.0', facts: valkey('8.0.1'), message: /^Valkey 8\.0 is supported/ },
    { name: 'Valkey 7.2', facts: valkey('7.2.7') },
  ],
  fail: [
    { name: 'Redis 7.0', facts: redis('7.0.15'), messages: [/^Redis 7\.0 \(running 7\.0\.15\) no longer receives security fixes \(end of life: 2024-07-29\)$/], severity: 'medium' },
    { name: 'Redis 6.0', facts: redis('6.0.20'), messages: [/Redis 6\.0 \(running 6\.0\.20\) no longer receives security fixes/] },
    { name: 'Redis 5.0', facts: redis('5.0.14'), messages: [/Redis 5\.0/] },
    { name: 'Redis 3.2 (covered by <=4.0)', facts: redis('3.2.13'), messages: [/Redis 3\.2 \(running 3\.2\.13\)/] },
    { name: 'Redis 8.0 after 2026-12-01', facts: redis('8.0.6'), messages: [/Redis 8\.0 \(running 8\.0\.6\) no longer receives security fixes \(end of life: 2026-12-01\)/] },
    // TIME from a server (a proxy, a VM) whose clock is behind: redfort's own clock still says the branch ended.
    { name: 'Redis 8.0 after 2026-12-01 by redfort\'s clock, the server\'s clock in June 2026', facts: redis('8.0.6', JUNE_2026), messages: [/Redis 8\.0 \(running 8\.0\.6\) no longer receives security fixes/] },
    { name: 'Redis 8.4, out of support by policy', facts: redis('8.4.6'), messages: [/^Redis 8\.4 \(running 8\.4\.6\) no longer receives security fixes \(support ended ~2026-08-10 by its release policy; end of life: TBD in table; policy: 6 months after 8\.6 GA \(2026-02-10\)\)$/] },
    // A real 8.6.3 (redis_version:8.6.3): the data's end of life is "TBD in table", its status "supported until ~2026-11-25 by policy".
    { name: 'Redis 8.6 after ~2026-11-25', facts: redis('8.6.3'), messages: [/^Redis 8\.6 \(running 8\.6\.3\) no longer receives security fixes \(support ended ~2026-11-25 by its release policy; end of life: TBD/] },
    { name: 'a 6.0 release candidate (5.9.101) is 6.0', facts: redis('5.9.101'), messages: [/Redis 6\.0 \(running 5\.9\.101\)/] },
  ],
  skip: [
    { name: 'unstable build 255.255.255', facts: redis('255.255.255'), message: /255\.255\.255 \(an unstable build\)/ },
    { name: 'a branch without support data', facts: redis('9.9.0'), message: /no support data for redis 9\.9/ },
    { name: 'an unreadable version', facts: redis('unstable'), message: /cannot be read/ },
    { name: 'unknown product', facts: liveFacts({ extra: { server: { product: 'unknown', version: undefined, mode: 'standalone', configFile: undefined, source: { kind: 'live', command: 'INFO server' } } } }), message: /did not report its version/ },
    { name: 'INFO server not readable', facts: liveFacts({ unavailable: { server: 'INFO: NOPERM' } }), message: /NOPERM/ },
  ],
});

// QA36-16: the remediation named "Redis 7.2, 7.4, 8.2 or later" for a dead 8.6 (8.6 is "8.2 or later", so are the
// ended 8.0 and 8.4) and left out 6.2, supported until 2027-04-01: the supported branches now come from the branch
// support data as of the audit's date (the later of redfort's clock and the server's TIME, as the verdict).
describe('version.end-of-life names the branches still supported as of the audit\'s date', () => {
  const remediation = (facts: ReturnType<typeof redis>, nowSeconds = 1_800_000_000) => {
    const [result] = runRules([rule], facts, { context: ruleContext({ nowSeconds }) });
    assert.equal(result?.status, 'fail');
    return result!.remediation;
  };
  const DEC_2026 = Date.parse('2026-12-06T00:00:00Z') / 1000;
  it('a dead 8.6 in December 2026: the newer 8.8 and 8.10 first, then the older ones still supported, 6.2 among them; never 8.0, 8.4 or 8.6', () => {
    assert.equal(
      remediation(redis('8.6.3', DEC_2026), DEC_2026),
      "Upgrade to a branch that still receives security fixes as of 2026-12-06 (redfort's branch support data): Redis 8.8 or 8.10 (newer than 8.6; still supported too: 6.2, 7.2, 7.4, 8.2); Valkey 7.2, 8.0, 8.1, 9.0 or 9.1; and keep to its latest patch release.",
    );
  });
  it('after 2027-04-01 (liveFacts\' clock is 2027-01-15; redfort\'s is later here), 6.2 is no longer named', () => {
    const MAY_2027 = Date.parse('2027-05-01T00:00:00Z') / 1000;
    const text = remediation(redis('7.0.15'), MAY_2027);
    assert.match(text, /^Upgrade to a branch that still receives security fixes as of 2027-05-01 \(redfort's branch support data\): Redis 7\.2, 7\.4, 8\.2, 8\.8 or 8\.10; Valkey /);
    assert.doesNotMatch(text, /6\.2/);
  });
  it('a server whose clock is behind does not bring back an ended branch: 8.0 is not named after 2026-12-01', () => {
    const JAN_2027 = Date.parse('2027-01-02T00:00:00Z') / 1000;
    const text = remediation(redis('7.0.15', JUNE_2026), JAN_2027);
    assert.match(text, /as of 2027-01-02 /);
    assert.doesNotMatch(text.split('; Valkey ')[0]!, /8\.0|8\.4|8\.6/);
    assert.match(text, /Redis 7\.2, 7\.4, 8\.2, 8\.8 or 8\.10 \(newer than 7\.0; still supported too: 6\.2\)/);
  });
  it('a Valkey 8.0 after its end of life (2027-09-15): Valkey\'s branches first, then Redis\'', () => {
    const JAN_2028 = Date.parse('2028-01-01T00:00:00Z') / 1000;
    assert.equal(
      remediation(valkey('8.0.13'), JAN_2028),
      "Upgrade to a branch that still receives security fixes as of 2028-01-01 (redfort's branch support data): Valkey 8.1, 9.0 or 9.1 (newer than 8.0; still supported too: 7.2); Redis 7.2, 7.4, 8.2, 8.8 or 8.10; and keep to its latest patch release.",
    );
  });
});
