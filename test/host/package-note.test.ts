import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ruleContext } from '../../src/rules/context.ts';
import { runRules } from '../../src/engine/run.ts';
import rule from '../../src/rules/version/known-vulnerabilities.ts';
import { withHost } from './fixtures.ts';
import type { HostSpec } from './fixtures.ts';

const judge = (pkg: HostSpec['package']) => runRules([rule], withHost({ package: pkg }, { version: '7.0.15' }), { context: ruleContext({ nowSeconds: 1_800_000_000 }) });

test('version.known-vulnerabilities names the distribution package of the running executable', () => {
  const results = judge({ manager: 'dpkg', name: 'redis-server', version: '5:7.0.15-1~deb12u10', path: '/usr/bin/redis-server', replaced: false });
  assert.ok(results.length > 0 && results.every((r) => r.status === 'fail'));
  for (const r of results) assert.ok(r.message.endsWith('; distribution build may carry backported fixes (package redis-server 5:7.0.15-1~deb12u10)'), r.message);
});

test('version.known-vulnerabilities says when the packaged executable was replaced since the server started', () => {
  const [first] = judge({ manager: 'rpm', name: 'redis', version: '7.0.15-1.el9', path: '/usr/bin/redis-server', replaced: true });
  assert.match(first!.message, /\(package redis 7\.0\.15-1\.el9, replaced on disk since the server started: restart to run it\)$/);
});

test('version.known-vulnerabilities adds no package note for a source build or without host facts', () => {
  for (const r of [...judge(null), ...judge('neither dpkg nor rpm is installed')]) assert.ok(!r.message.includes('(package '), r.message);
});

// Debian 12's redis-server 5:7.0.15-1~deb12u10 backports the fixes of most advisories for 7.0.15: its changelog names them.
const DEBIAN_FIXED = ['CVE-2024-31227', 'CVE-2024-31228', 'CVE-2024-31449', 'CVE-2024-46981', 'CVE-2024-51741', 'CVE-2025-21605', 'CVE-2025-32023', 'CVE-2025-48367', 'CVE-2025-49844', 'CVE-2025-46817', 'CVE-2025-46818', 'CVE-2025-46819', 'CVE-2026-25243', 'CVE-2026-23631', 'CVE-2026-66373', 'CVE-2026-81934'];
const DEBIAN = { manager: 'dpkg', name: 'redis-server', version: '5:7.0.15-1~deb12u10', path: '/usr/bin/redis-server' } as const;

test('version.known-vulnerabilities does not fail an advisory the package changelog names as fixed', () => {
  const results = judge({ ...DEBIAN, replaced: false, changelogCves: DEBIAN_FIXED });
  const ids = results.map((r) => /^(\S+) /.exec(r.message)?.[1]);
  for (const id of DEBIAN_FIXED) assert.ok(!ids.includes(id), `${id} is fixed by the package but still reported`);
  // What the changelog does not name still fails, saying so.
  const crlf = results.find((r) => r.message.startsWith('REDIS-2026-02-ERRREPLY-CRLF'));
  assert.equal(crlf?.status, 'fail');
  assert.match(crlf!.message, /; the changelog of package redis-server 5:7\.0\.15-1~deb12u10 does not name it as fixed$/);
  assert.ok(crlf!.evidence.some((e) => e === 'CVE-2025-49844: fixed in package redis-server 5:7.0.15-1~deb12u10 (its changelog names it)'), crlf!.evidence.join('\n'));
});

test('version.known-vulnerabilities ignores the changelog of a package replaced on disk since the server started', () => {
  const results = judge({ ...DEBIAN, replaced: true, changelogCves: DEBIAN_FIXED });
  assert.ok(results.some((r) => r.status === 'fail' && r.message.startsWith('CVE-2025-49844 ')), 'the running (older) binary is not known to be fixed');
});

// QA36-15b: Redis's fix of February 2026 for the Lua error reply (REDIS-2026-02-ERRREPLY-CRLF, no CVE from Redis) is
// the fix Valkey published as CVE-2025-67733, and Debian's redis 5:7.0.15-1~deb12u7 names that CVE for the backport
// of Redis's commit: a changelog naming the CVE credits the Redis advisory, saying under which name.
test('version.known-vulnerabilities credits an advisory the changelog names by its alias (CVE-2025-67733)', () => {
  const results = judge({ ...DEBIAN, replaced: false, changelogCves: [...DEBIAN_FIXED, 'CVE-2025-67733'] });
  assert.ok(!results.some((r) => r.message.startsWith('REDIS-2026-02-ERRREPLY-CRLF ')), results.map((r) => r.message).join('\n'));
  const evidence = results.flatMap((r) => r.evidence);
  assert.ok(evidence.includes('REDIS-2026-02-ERRREPLY-CRLF: fixed in package redis-server 5:7.0.15-1~deb12u10 (its changelog names it as CVE-2025-67733)'), evidence.join('\n'));
  assert.ok(evidence.includes('CVE-2025-49844: fixed in package redis-server 5:7.0.15-1~deb12u10 (its changelog names it)'));
});
