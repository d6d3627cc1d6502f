import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type * as Sarif from 'sarif';
import { auditFiles, auditTarget, reportOf } from '../../src/app/audit.ts';
import type { AuditOptions } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { sarifReporter } from '../../src/report/sarif.ts';
import { RULES } from '../../src/rules/index.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { freePort, startRedis, stopAll } from '../harness/servers.ts';
import { errorsOf, sarifValidator } from './validators.ts';

// QA41-102: GitHub code scanning refuses a whole SARIF upload when one result's location has no
// `physicalLocation.artifactLocation.uri` ("locationFromSarifResult: expected artifact location"; the SARIF
// validator's rule GH1001). A finding from a compiled default (a line the file lacks) and every live finding had a
// logical location only, so the first real config's upload failed. Real files and a real server here.

after(stopAll);
const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function sarifOf(results: readonly TargetResult[], root?: string): Sarif.Log {
  const log = JSON.parse(sarifReporter(reportOf(results), { rules: RULES, color: false, ...(root !== undefined ? { root } : {}) })) as Sarif.Log;
  const validate = sarifValidator();
  assert.ok(validate(log), errorsOf(validate));
  return log;
}

/** GitHub's ingestion rule: every result's first location (and every notification's) has a physical artifact URI. */
function assertGithubLocated(log: Sarif.Log): void {
  const run = log.runs[0]!;
  assert.ok((run.results ?? []).length > 0, 'no result to check');
  for (const result of run.results ?? []) {
    const uri = result.locations?.[0]?.physicalLocation?.artifactLocation?.uri;
    assert.ok(typeof uri === 'string' && uri !== '', `${result.ruleId} has no physicalLocation.artifactLocation.uri: ${JSON.stringify(result.locations)}`);
    // The target stays its logical location.
    assert.ok((result.locations![0]!.logicalLocations ?? []).length > 0, `${result.ruleId} lost its logical location`);
  }
  for (const note of run.invocations?.[0]?.toolExecutionNotifications ?? []) {
    for (const location of note.locations ?? []) assert.ok(location.physicalLocation?.artifactLocation?.uri, `notification without an artifact URI: ${JSON.stringify(note)}`);
  }
}

describe('SARIF for GitHub code scanning: every result has an artifact URI', () => {
  it('a config-only audit: findings from compiled defaults are located at the config file, line 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redfort-sarif-gh-'));
    made.push(dir);
    // Debian-like: most failures come from lines the file lacks (tls, requirepass, rename-command, aclfile).
    writeFileSync(join(dir, 'redis.conf'), 'port 6379\nbind 0.0.0.0\nprotected-mode no\n');
    const result = await auditFiles({ configPath: join(dir, 'redis.conf'), version: '7.0.15' });
    assert.equal(result.error, undefined);
    const log = sarifOf([result], dir);
    assertGithubLocated(log);
    const results = log.runs[0]!.results!;
    // A finding of a line: its line. One of a compiled default: the file, line 1, the message naming the default.
    const bind = results.find((r) => r.ruleId === 'network.bind-all-interfaces')!;
    assert.deepEqual(bind.locations![0]!.physicalLocation, { artifactLocation: { uri: 'redis.conf', uriBaseId: '%SRCROOT%' }, region: { startLine: 2 } });
    const tls = results.find((r) => r.ruleId === 'tls.disabled')!;
    assert.deepEqual(tls.locations![0]!.physicalLocation, { artifactLocation: { uri: 'redis.conf', uriBaseId: '%SRCROOT%' }, region: { startLine: 1 } });
  });

  it('a sentinel.conf audited alone, and a config redis-server refuses (its notification at file:line)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redfort-sarif-gh-'));
    made.push(dir);
    writeFileSync(join(dir, 'sentinel.conf'), 'port 26379\nsentinel monitor mymaster 127.0.0.1 6379 2\n');
    writeFileSync(join(dir, 'bad.conf'), 'port 6379\nbind 127.0.0.1\nno-such-directive yes\n');
    const sentinel = await auditFiles({ sentinelConfigPath: join(dir, 'sentinel.conf'), version: '7.0.15' });
    const bad = await auditFiles({ configPath: join(dir, 'bad.conf'), version: '7.0.15' });
    assert.match(bad.error ?? '', /bad\.conf:3: /);
    const log = sarifOf([sentinel, bad], dir);
    assertGithubLocated(log);
    const note = log.runs[0]!.invocations![0]!.toolExecutionNotifications!.find((n) => n.message.text!.includes('bad.conf'))!;
    assert.deepEqual(note.locations![0]!.physicalLocation, { artifactLocation: { uri: 'bad.conf', uriBaseId: '%SRCROOT%' }, region: { startLine: 3 } });
  });

  it('a live audit: at the config file read (INFO config_file, --config), else at the stable redfort-target/ URI', async () => {
    const server = await startRedis({ conf: 'bind 127.0.0.1\nprotected-mode no' });
    const target = resolveTarget(server.url, {}, {});
    const options: AuditOptions = { noHost: true };
    const withFile = sarifOf([await auditTarget(target, options)]);
    assertGithubLocated(withFile);
    const located = withFile.runs[0]!.results!.find((r) => r.ruleId === 'tls.disabled')!;
    assert.deepEqual(located.locations![0]!.physicalLocation, { artifactLocation: { uri: `file://${server.confPath}` }, region: { startLine: 1 } });
    // A server started without a config file: every result at the target's own URI, the same from run to run.
    const port = await freePort();
    const bare = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { cwd: made[0] ?? tmpdir(), stdio: 'ignore' });
    try {
      const url = `redis://127.0.0.1:${port}`;
      for (let i = 0; i < 100 && (await auditTarget(resolveTarget(url, {}, {}), { ...options, noProbe: true })).error !== undefined; i++) await new Promise((r) => setTimeout(r, 100));
      const log = sarifOf([await auditTarget(resolveTarget(url, {}, {}), options)]);
      assertGithubLocated(log);
      const uris = new Set(log.runs[0]!.results!.map((r) => r.locations![0]!.physicalLocation!.artifactLocation!.uri));
      assert.deepEqual([...uris], [`redfort-target/redis:%2F%2F127.0.0.1:${port}`]);
    } finally {
      bare.kill('SIGKILL');
    }
    // An error target (a dead port) is a notification with a location GitHub takes.
    const dead = await auditTarget(resolveTarget(`redis://127.0.0.1:${await freePort()}`, {}, {}), options);
    assert.ok(dead.error);
    assertGithubLocated(sarifOf([await auditTarget(target, options), dead]));
  });
});
