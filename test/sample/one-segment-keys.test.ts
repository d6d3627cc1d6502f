import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditTarget, reportOf } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { REPORTERS } from '../../src/report/index.ts';
import { RULES } from '../../src/rules/index.ts';
import { keyPatterns } from '../../src/sample/key-pattern.ts';
import { rawPipeline } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA38-24: a key of one segment (no `:`) was printed whole, and the first segment of every key kept: issue 16 says
// "never a full key name".
after(stopAll);
const VALUE = '{"ssn":"078-05-1120","password":"plainpw123456"}';
const PLANTED = ['payroll_john_doe', 'JohnDoe-SSN', 'secretproject_cfg', 'admin-contact-email', 'johndoe'];
let server: RunningServer;

before(async () => {
  server = await startRedis({ killOnStop: true });
  await rawPipeline(server.host, server.port, [...PLANTED.map((k) => ['SET', k, VALUE]), ['SET', 'config', VALUE], ['SET', 'session:7', VALUE]]);
});

test('a one-segment key is masked unless it is a generic word; a first segment is kept as the namespace', () => {
  assert.deepEqual(keyPatterns(['payroll_john_doe', 'JohnDoe-SSN', 'acme_corp:42', 'johndoe', 'config', 'session:7', 'user:alice:cart', 'user:bob:cart']),
    ['*', '*', 'acme_corp:*', '*', 'config', 'session:*', 'user:*:cart', 'user:*:cart']);
});

test('no planted key name appears in any report format of a sampled audit', async () => {
  const entry = await auditTarget(resolveTarget(server.url, {}, {}), { noProbe: true, noHost: true, sample: { keys: 1000, timeMs: 30_000 } });
  const failure = entry.results.find((r) => r.ruleId === 'data.client-side-encryption' && r.status === 'fail');
  assert.ok(failure, 'the planted values are found');
  assert.match(failure.message, /config/);
  const report = reportOf([entry]);
  for (const [format, reporter] of REPORTERS) {
    const text = reporter(report, { rules: RULES, color: false });
    for (const key of PLANTED) assert.ok(!text.includes(key), `${format} shows the key name ${key}`);
  }
});
