import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redfort } from './run.ts';

// QA41-63: harden staged its output beside --out (`.out.redfort-XXXX`, in --out's parent) and wrote into it by path;
// a user who can change that parent (the redis user in /etc/redis, redis:redis 2770 on Debian) renamed the staging
// directory away, put one of links in its place, and root wrote PLAN.md into the file a link named and chmod'ed it.
// harden now writes only where nobody but the runner and root can change the way there, and refuses --out
// elsewhere with one line, before anything is written; --force removes no earlier output another user may change.

const root = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), 'redfort-harden-private-'));
chmodSync(work, 0o755);
after(() => rmSync(work, { recursive: true, force: true }));

const conf = join(work, 'redis.conf');
writeFileSync(conf, 'port 6379\nbind 127.0.0.1\n');
const NOBODY = 65534;

describe('harden stages its output only where no other user can change the path', { skip: root ? false : 'needs root (chown to another user)' }, () => {
  it("refuses an --out whose parent another user owns, and writes nothing there", async () => {
    const parent = join(work, 'theirs');
    mkdirSync(parent);
    chownSync(parent, NOBODY, NOBODY);
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', join(parent, 'out')]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`${parent.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is owned by uid ${NOBODY}`));
    assert.deepEqual(readdirSync(parent), []);
  });

  it('refuses one reached through a link to such a directory', async () => {
    const parent = join(work, 'theirs2');
    mkdirSync(parent);
    chownSync(parent, NOBODY, NOBODY);
    const link = join(work, 'link');
    symlinkSync(parent, link);
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', join(link, 'out')]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /is owned by uid 65534/);
    assert.deepEqual(readdirSync(parent), []);
  });

  it("refuses one whose parent a group may write (Debian's /etc/redis: redis:redis 2770)", async () => {
    const parent = join(work, 'group');
    mkdirSync(parent);
    chownSync(parent, 0, NOBODY);
    chmodSync(parent, 0o2770);
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', join(parent, 'out')]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(`is writable by group gid ${NOBODY} \\(mode 2770\\)`));
    assert.deepEqual(readdirSync(parent), []);
  });

  it('writes into a sticky directory everyone may write (/tmp): nobody renames root\'s entries there', async () => {
    const parent = join(work, 'sticky');
    mkdirSync(parent);
    chmodSync(parent, 0o1777);
    const out = join(parent, 'out');
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', out]);
    assert.notEqual(run.code, 2, run.stdout + run.stderr);
    assert.ok(existsSync(join(out, 'PLAN.md')));
    assert.equal(lstatSync(join(out, 'credentials.env')).mode & 0o777, 0o600);
    assert.equal(lstatSync(join(out, 'redis.conf')).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(parent), ['out']);
  });

  it('--force does not remove an earlier output holding a directory another user may change', async () => {
    const parent = join(work, 'mine');
    mkdirSync(parent);
    const out = join(parent, 'out');
    mkdirSync(join(out, 'host'), { recursive: true });
    writeFileSync(join(out, 'PLAN.md'), 'earlier\n');
    chownSync(join(out, 'host'), NOBODY, NOBODY);
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', out, '--force']);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /host is owned by uid 65534: --force does not remove/);
    assert.equal(readFileSync(join(out, 'PLAN.md'), 'utf8'), 'earlier\n');
    assert.deepEqual(readdirSync(parent), ['out']);
  });
});
