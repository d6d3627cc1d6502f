import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runRules } from '../src/engine/run.ts';
import { defineRule, pass } from '../src/rules/define.ts';
import { ruleContext } from '../src/rules/context.ts';
import { deepFreeze, liveFacts, ruleTester } from './rule-tester.ts';

const META = { title: 't', severity: 'low', section: 'Foundation', checklist: 'Foundation 1', sources: ['live'], remediation: 'r' } as const;

describe('the rule tester', () => {
  it('hands a rule frozen facts: a rule that changes them fails', () => {
    const mutations = {
      'a field': (f: ReturnType<typeof liveFacts>) => Object.assign(f.server!, { version: '9.9.9' }),
      'a Map': (f: ReturnType<typeof liveFacts>) => (f.config as Map<string, unknown>).set('bind', 'x'),
      'a Set': (f: ReturnType<typeof liveFacts>) => (f.sources as Set<string>).add('host'),
      'an array': (f: ReturnType<typeof liveFacts>) => (f.acl!.users as unknown[]).push({}),
    };
    for (const [what, mutate] of Object.entries(mutations)) {
      const rule = defineRule({ ...META, id: 'test.mutates', requires: ['server', 'config', 'acl'], check: (facts) => (mutate(facts), pass('changed')) });
      const [result] = runRules([rule], deepFreeze(liveFacts()), { context: ruleContext({ nowSeconds: 1_800_000_000 }) });
      assert.equal(result!.status, 'error', `${what}: ${result!.message}`);
    }
  });

  it('refuses two cases of one table with the same name', () => {
    const rule = defineRule({ ...META, id: 'test.names', requires: [], check: () => pass('ok') });
    const c = { name: 'same', facts: liveFacts() };
    assert.throws(() => ruleTester(rule, { pass: [c], skip: [c] }), /test\.names: two cases are named 'same'/);
  });
});
