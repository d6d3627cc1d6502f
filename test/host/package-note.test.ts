import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ruleContext } from '../../src/audit.ts';
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
