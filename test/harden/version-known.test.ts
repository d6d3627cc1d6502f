// `--redis-version` is the server's version: a directive that release does not have is the line redis-server stops
// at. `redfort audit --config F --redis-version 7.0.15` refuses such a file up front (one line naming file:line, exit
// 2); harden read the same file as a guess, wrote its output and failed its trial (exit 1). Both read it the same way now.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-version-known-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('harden refuses a directive the --redis-version does not have, as audit does', () => {
  it("a redis.conf with 7.2's locale-collate, read as 7.0.15", async () => {
    const conf = join(work, 'redis.conf');
    writeFileSync(conf, 'port 6379\nbind 127.0.0.1\nlocale-collate ""\n');
    const audit = await redfort(['audit', '--config', conf, '--redis-version', '7.0.15', '--format', 'json']);
    assert.equal(audit.code, 2);
    const out = join(work, 'out');
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', out]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr, `redfort: ${conf}:3: 'locale-collate' is not a Redis 7.0 directive: redis-server Redis 7.0 stops at this line (Bad directive or wrong number of arguments)\n`);
    assert.equal(run.stderr, audit.stderr, 'the same line as the audit of the same file');
    assert.equal(run.stdout, '');
    assert.ok(!existsSync(out), 'nothing written');
  });

  it("a sentinel.conf beside a redis.conf with 7.0's sentinel master-reboot-down-after-period, read as 6.2.16", async () => {
    const conf = join(work, 'plain.conf');
    const sentinel = join(work, 'sentinel.conf');
    writeFileSync(conf, 'port 6379\nbind 127.0.0.1\n');
    writeFileSync(sentinel, 'port 26379\nsentinel monitor mymaster 10.0.0.5 6379 2\nsentinel master-reboot-down-after-period mymaster 0\n');
    const out = join(work, 'out-sentinel');
    const run = await redfort(['harden', '--config', conf, '--sentinel-config', sentinel, '--redis-version', '6.2.16', '--out', out]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr, `redfort: ${sentinel}:3: 'sentinel master-reboot-down-after-period' is not a Redis 6.2 Sentinel directive: Sentinel Redis 6.2 stops at this line (Unrecognized sentinel configuration statement)\n`);
    assert.ok(!existsSync(out));
  });
});
