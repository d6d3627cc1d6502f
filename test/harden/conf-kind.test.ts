import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redfort } from './run.ts';

// QA40-28: a redis.conf (even the --config file) given as --sentinel-config was hardened as a sentinel's: the
// "sentinel.conf" kept masterauth in clear text and the server's aclfile. QA40-29: a `sentinel` line in a redis.conf
// (redis-server refuses it) gave an error row per rule and the same error once per rule, exit 1, files written.
// Both are bad input: one line, exit 2, nothing written. The sentinel.conf that is one still hardens (its trial starts
// a real redis-sentinel).

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-conf-kind-'));
after(() => rmSync(work, { recursive: true, force: true }));

const serverConf = (dir: string): string => {
  const path = join(dir, 'redis.conf');
  writeFileSync(path, `port 6379\nbind 127.0.0.1\ndir ${dir}\nrequirepass ConfKindPassword-2026\nmasterauth ConfKindPassword-2026\n`);
  return path;
};

describe('harden refuses a config of the other kind', () => {
  it('--sentinel-config naming the --config file', async () => {
    const dir = mkdtempSync(join(work, 'same-'));
    const conf = serverConf(dir);
    const out = join(dir, 'out');
    const run = await redfort(['harden', '--config', conf, '--sentinel-config', conf, '--out', out]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr.trim(), `redfort: --sentinel-config ${conf}: is the --config file: give the sentinel's own config file`);
    assert.equal(existsSync(out), false);
  });

  it('--sentinel-config naming a redis.conf with no sentinel line', async () => {
    const dir = mkdtempSync(join(work, 'other-'));
    const conf = serverConf(dir);
    const other = join(dir, 'other.conf');
    writeFileSync(other, 'port 6380\nbind 127.0.0.1\nmasterauth ConfKindPassword-2026\n');
    const run = await redfort(['harden', '--config', conf, '--sentinel-config', other, '--out', join(dir, 'out')]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr.trim(), `redfort: --sentinel-config ${other}: has no 'sentinel' line (sentinel monitor …): not a sentinel config`);
    assert.doesNotMatch(run.stdout + run.stderr, /ConfKindPassword/);
  });

  it("a redis.conf with a 'sentinel' directive: one line naming file:line", async () => {
    const dir = mkdtempSync(join(work, 'mixed-'));
    const mixed = join(dir, 'mixed.conf');
    writeFileSync(mixed, 'port 21999\nsentinel monitor x 127.0.0.1 1 2\n');
    const out = join(dir, 'out');
    const run = await redfort(['harden', '--config', mixed, '--out', out]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr.trim(), `redfort: ${mixed}:2: 'sentinel' directive in a redis-server config (redis-server refuses it; pass a sentinel's file with --sentinel-config)`);
    assert.equal(run.stdout, '');
    assert.equal(existsSync(out), false);
  });

  it('still hardens a real sentinel.conf beside its master', async () => {
    const dir = mkdtempSync(join(work, 'ok-'));
    const conf = serverConf(dir);
    const sentinel = join(dir, 'sentinel.conf');
    writeFileSync(sentinel, `port 26379\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor mm 127.0.0.1 6379 2\nsentinel auth-pass mm ConfKindPassword-2026\n`);
    const run = await redfort(['harden', '--config', conf, '--sentinel-config', sentinel, '--out', join(dir, 'out')]);
    assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
    assert.match(run.stdout, /redis-sentinel .*started/);
  });
});
