import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { build, runCli } from '../report/cli-run.ts';

// QA41-103: a config whose `include` names a deploy-time path outside the checkout (Bitnami's chart: `include
// /opt/bitnami/redis/etc/overrides.conf`) or a path relative to the directory the server starts in could not be
// audited in CI at all: exit 2, and nothing said how to read it. --path-map DEPLOYED=DIR reads a deploy-time
// directory from the checkout (includes and aclfile), --start-dir DIR gives the server's start directory, and the
// error of a missing include names the flag.

const base = mkdtempSync(join(tmpdir(), 'redfort-outside-'));
after(() => rmSync(base, { recursive: true, force: true }));
const DEPLOYED = '/opt/bitnami/redis/etc';

const resultOf = (r: TargetResult, id: string) => r.results.find((x) => x.ruleId === id);

function checkout(name: string): string {
  const dir = join(base, name);
  mkdirSync(join(dir, 'chart'), { recursive: true });
  mkdirSync(join(dir, 'conf'), { recursive: true });
  mkdirSync(join(dir, 'run'), { recursive: true });
  writeFileSync(join(dir, 'conf', 'redis.conf'), `port 6379\nbind 127.0.0.1\ninclude ${DEPLOYED}/overrides.conf\n`);
  writeFileSync(join(dir, 'chart', 'overrides.conf'), `protected-mode no\nbind 0.0.0.0\naclfile ${DEPLOYED}/users.acl\n`);
  writeFileSync(join(dir, 'chart', 'users.acl'), 'user default on nopass ~* &* +@all\n');
  // Written for the server's working directory: base.conf is in run/, where the server starts, not beside master.conf.
  writeFileSync(join(dir, 'conf', 'master.conf'), 'port 6380\ninclude base.conf\n');
  writeFileSync(join(dir, 'run', 'base.conf'), 'bind 0.0.0.0\nprotected-mode no\n');
  return dir;
}

describe('an include outside the checkout', () => {
  it('a deploy-time include: the error names --path-map; with it, the checkout file is read (and the aclfile it names)', async () => {
    assert.equal(existsSync(DEPLOYED), false, `${DEPLOYED} exists on this machine: the test needs it absent`);
    const dir = checkout('bitnami');
    const refused = await auditFiles({ configPath: join(dir, 'conf', 'redis.conf'), version: '7.2.6', offline: true });
    assert.match(refused.error ?? '', /redis\.conf:3: include: can't open config file '\/opt\/bitnami\/redis\/etc\/overrides\.conf': no such file .*read it from the checkout with --path-map \/opt\/bitnami\/redis\/etc=DIR/);
    assert.doesNotMatch(refused.error ?? '', /\n/);
    const mapped = await auditFiles({ configPath: join(dir, 'conf', 'redis.conf'), version: '7.2.6', offline: true, pathMap: [[DEPLOYED, join(dir, 'chart')]] });
    assert.equal(mapped.error, undefined);
    assert.equal(resultOf(mapped, 'network.bind-all-interfaces')?.status, 'fail');
    assert.deepEqual(resultOf(mapped, 'network.bind-all-interfaces')?.source, { kind: 'file', path: join(dir, 'chart', 'overrides.conf'), line: 2 });
    // The aclfile at the deploy-time path is read from the checkout too: its nopass default user is judged.
    assert.equal(resultOf(mapped, 'auth.no-authentication')?.status, 'fail');
    assert.equal(resultOf(mapped, 'auth.acl-file-missing')?.status, 'pass');
  });

  it('a relative include: the error says the directory was an assumption and names --start-dir; with it, the start directory is read', async () => {
    const dir = checkout('relative');
    const refused = await auditFiles({ configPath: join(dir, 'conf', 'master.conf'), version: '7.2.6', offline: true });
    assert.match(refused.error ?? '', /master\.conf:2: include: can't open config file '.*\/conf\/base\.conf': no such file .*looked for relative to the config file's directory, an assumption: .*--start-dir DIR/);
    const started = await auditFiles({ configPath: join(dir, 'conf', 'master.conf'), version: '7.2.6', offline: true, cwd: join(dir, 'run') });
    assert.equal(started.error, undefined);
    assert.deepEqual(resultOf(started, 'network.bind-all-interfaces')?.source, { kind: 'file', path: join(dir, 'run', 'base.conf'), line: 1 });
  });

  it('the CLI: one line naming the flag, exit 2; --path-map and --start-dir read them; neither goes with a live server', async () => {
    await build();
    const dir = checkout('cli');
    const refused = await runCli(['audit', '--config', 'conf/redis.conf', '--redis-version', '7.2.6'], { cwd: dir });
    assert.equal(refused.code, 2);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /--path-map \/opt\/bitnami\/redis\/etc=DIR/);
    const mapped = await runCli(['audit', '--config', 'conf/redis.conf', '--redis-version', '7.2.6', '--path-map', `${DEPLOYED}=chart`, '--format', 'json'], { cwd: dir });
    assert.equal(mapped.code, 1, mapped.stderr);
    const started = await runCli(['audit', '--config', 'conf/master.conf', '--redis-version', '7.2.6', '--start-dir', 'run', '--format', 'json'], { cwd: dir });
    assert.equal(started.code, 1, started.stderr);
    const live = await runCli(['audit', 'redis://127.0.0.1:1', '--config', 'conf/redis.conf', '--start-dir', 'run'], { cwd: dir });
    assert.equal(live.code, 2);
    assert.match(live.stderr, /^redfort: --start-dir describes where the server of a file-only audit starts/);
    const bad = await runCli(['audit', '--config', 'conf/redis.conf', '--path-map', 'relative=chart'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^redfort: --path-map must be DEPLOYED=DIR/);
  });
});
