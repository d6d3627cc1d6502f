// QA38-18: a config is hardened on a machine that is not its host (a CI runner hardening a container's redis.conf),
// so its paths need not exist there. redis-server acts on `dir` while it reads the file (a chdir), before the
// trial's `--dir` on the command line overrides it: `dir /data` (Docker's) made harden exit 1, "did not start with
// the generated files: … >>> 'dir /data' / No such file or directory". The files are fine; only this machine lacks
// the directory. Real redis-server and redis-sentinel (Debian's 7.0.15).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-trial-paths-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('the trial start of a config whose paths this machine lacks (QA38-18)', () => {
  it('starts the files with a dir, logfile, pidfile, unixsocket and aclfile that do not exist here, and keeps them in the output', async () => {
    const absent = join(work, 'absent');
    const conf = join(work, 'docker.conf');
    const acl = join(work, 'users.acl');
    writeFileSync(acl, 'user default on nopass ~* &* +@all\n');
    writeFileSync(conf, ['bind 0.0.0.0', 'protected-mode no', 'port 6379', `dir ${absent}/data`, `logfile ${absent}/log/redis.log`, `pidfile ${absent}/run/redis.pid`, `unixsocket ${absent}/run/redis.sock`, `aclfile ${absent}/etc/users.acl`, 'appendonly yes', ''].join('\n'));
    const out = join(work, 'out');
    const run = await redfort(['harden', '--config', conf, '--acl', acl, '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const line = /^Trial start: .*$/m.exec(run.stdout)?.[0] ?? '';
    assert.match(line, /^Trial start: passed: redis-server \S+ started on 127\.0\.0\.1:\d+ with the generated files/, run.stdout);
    // The generated redis.conf has the provenance header above the input's lines: the note names its line.
    const hardened = readFileSync(join(out, 'redis.conf'), 'utf8').split('\n');
    const dirLine = hardened.indexOf(`dir ${absent}/data`) + 1;
    assert.ok(dirLine > 0, 'the output keeps its own dir line');
    assert.ok(line.includes(`(dir ${absent}/data (line ${dirLine}) does not exist on this machine: the trial started a copy with that line set to its own directory; the output keeps it)`), line);
    for (const kept of [`logfile ${absent}/log/redis.log`, `pidfile ${absent}/run/redis.pid`, `unixsocket ${absent}/run/redis.sock`, `aclfile ${absent}/etc/users.acl`]) assert.ok(hardened.includes(kept), kept);
    assert.match(readFileSync(join(out, 'PLAN.md'), 'utf8'), /Trial start: \*\*passed\*\*: .*does not exist on this machine/);
    assert.ok(!existsSync(absent), 'the trial wrote nothing outside its own directory');
  });

  it("starts a sentinel.conf whose dir does not exist here", async () => {
    const absent = join(work, 'absent-sentinel');
    const conf = join(work, 'sentinel.conf');
    writeFileSync(conf, `port 26379\ndir ${absent}\nsentinel monitor mymaster 10.0.0.5 6379 2\n`);
    const out = join(work, 'out-sentinel');
    const run = await redfort(['harden', '--sentinel-config', conf, '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^Trial start: passed: redis-sentinel \S+ started .*\(dir \S+absent-sentinel \(line \d+\) does not exist on this machine: the trial started a copy/m, run.stdout);
    assert.ok(readFileSync(join(out, 'sentinel.conf'), 'utf8').includes(`dir ${absent}\n`));
    assert.ok(!existsSync(absent));
  });

  it('starts the file as it is when its dir exists here, and says nothing of it', async () => {
    const conf = join(work, 'here.conf');
    writeFileSync(conf, `bind 127.0.0.1\nport 6379\ndir ${work}\n`);
    const run = await redfort(['harden', '--config', conf, '--out', join(work, 'out-here')]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^Trial start: passed: /m);
    assert.doesNotMatch(run.stdout, /started a copy/);
  });
});
