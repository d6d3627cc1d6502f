import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SCRUBBED_MIN_LENGTH, scrubResult } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';

/** A result whose texts hold `word`, as a server's replies (or redfort's own words) put it there. */
function resultWith(word: string): TargetResult {
  return {
    target: 'redis://127.0.0.1:6379',
    server: { product: 'redis', version: '7.0.15', mode: 'standalone' },
    warnings: [`a warning about ${word}`],
    results: [{ ruleId: 'auth.weak-password', title: 't', severity: 'high', status: 'fail', message: `${word}-server 7.0.15 reads /etc/${word}/${word}.conf`, evidence: [`user ${word}`] }],
  } as unknown as TargetResult;
}

test('a password a server echoes is masked in every text of the result', () => {
  const password = 'Echo-Secret-9876';
  const scrubbed = scrubResult(resultWith(password), resolveTarget(`redis://:${password}@127.0.0.1:6379`, {}, {}));
  assert.ok(!JSON.stringify(scrubbed).includes(password), JSON.stringify(scrubbed));
  assert.match(scrubbed.results[0]!.message, /^\*\*\*-server 7\.0\.15/);
});

test("a password shorter than 8 characters ('redis') is a word of the report: the texts stay whole", () => {
  assert.equal(SCRUBBED_MIN_LENGTH, 8);
  const result = resultWith('redis');
  const scrubbed = scrubResult(result, resolveTarget('redis://:redis@127.0.0.1:6379', {}, {}));
  assert.equal(scrubbed, result);
  assert.equal(scrubbed.results[0]!.message, 'redis-server 7.0.15 reads /etc/redis/redis.conf');
});
