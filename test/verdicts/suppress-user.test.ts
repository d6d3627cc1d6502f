import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { auditFiles, reportOf } from '../../src/app/audit.ts';
import { baselineOf } from '../../src/engine/triage/baseline.ts';
import { applySuppressions } from '../../src/engine/triage/suppressions.ts';
import type { Suppression } from '../../src/settings/types.ts';

// Issue 11: "suppress the admin user's finding" by rule + target also hid a new +@all user, with exit 0.
const dir = mkdtempSync(join(tmpdir(), 'redfort-suppress-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a suppression by user or by fingerprint covers that finding only', async () => {
  writeFileSync(join(dir, 'redis.conf'), `aclfile ${join(dir, 'users.acl')}\n`);
  writeFileSync(join(dir, 'users.acl'), `user default off\nuser admin on #${'a'.repeat(64)} ~* &* +@all\nuser intruder on #${'b'.repeat(64)} ~* &* +@all\n`);
  const report = reportOf([await auditFiles({ configPath: join(dir, 'redis.conf'), version: '7.0.15' })]);
  const source = { kind: 'file' as const, path: '.redfort.yaml', line: 1 };
  const dangerous = (r: typeof report) => r.targets[0]!.results.filter((x) => x.ruleId === 'auth.dangerous-commands-allowed' && x.status === 'fail');
  assert.equal(dangerous(report).length, 2);

  const byUser: Suppression = { rule: 'auth.dangerous-commands-allowed', user: 'admin', reason: 'break-glass', source };
  const user = dangerous(applySuppressions(report, [byUser], '2026-12-04'));
  assert.deepEqual(user.map((r) => [r.message.split(' ')[1], r.suppressed !== undefined]), [["'admin'", true], ["'intruder'", false]]);

  const print = baselineOf(report).findings.find((f) => f.ruleId === 'auth.dangerous-commands-allowed')!.fingerprint;
  const byPrint: Suppression = { rule: 'auth.dangerous-commands-allowed', fingerprint: print, reason: 'accepted', source };
  assert.deepEqual(dangerous(applySuppressions(report, [byPrint], '2026-12-04')).map((r) => r.suppressed !== undefined), [true, false]);
});
