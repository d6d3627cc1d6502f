// QA40-23: a config that the package's redis-server.service does not run (Debian's unit runs /etc/redis/redis.conf)
// got a drop-in for that unit and a deploy step `systemctl restart redis-server.service`: it would restart the other
// server, under this config's paths, and leave this one as it ran. PLAN.md now says so and names no such restart.
// This machine has Debian's redis-server package (the test command installs it), whose unit is read here.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-unit-elsewhere-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('harden of a config the package service does not run (QA40-23)', () => {
  it('names no restart of redis-server.service, and says to give the config a unit of its own', async () => {
    assert.ok(existsSync('/lib/systemd/system/redis-server.service'), "Debian's redis-server package: its unit names /etc/redis/redis.conf");
    const dir = join(work, 'by-hand');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'redis.conf'), `port 6390\ndir ${dir}\n`);
    const out = join(dir, 'out');
    const run = await redfort(['harden', '--config', join(dir, 'redis.conf'), '--redis-version', '7.0.15', '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.match(plan, /^4\. Restart the server \(not with `systemctl restart redis-server\.service`, which runs another config file: see "What redfort could not do for you"\)/m);
    const manual = plan.slice(plan.indexOf('## What redfort could not do for you'));
    assert.match(manual, new RegExp(`\\*\\*redis-server\\.service does not run this config:\\*\\* redis-server\\.service's ExecStart= \\([^)]*\\) runs another config file than ${join(dir, 'redis.conf').replace(/[.]/g, '\\.')}\\.`));
    assert.match(manual, /Give this config a unit of its own \(a Debian instance: install it as `\/etc\/redis\/redis-NAME\.conf`, run by `redis-server@NAME\.service`/);
  });

  it("says nothing of it for the package's own config path", async () => {
    const dir = join(work, 'package');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'redis.conf'), `port 6391\ndir ${dir}\n`);
    const out = join(dir, 'out');
    // A Debian instance's path (redis-server@cache runs /etc/redis/redis-cache.conf), as --deployed-path would give it,
    // is checked in test/harden/instances.test.ts; here the stock service's own file.
    const run = await redfort(['harden', '--config', '/etc/redis/redis.conf', '--redis-version', '7.0.15', '--out', out]);
    if (!existsSync('/etc/redis/redis.conf')) assert.fail("Debian's /etc/redis/redis.conf is missing");
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.doesNotMatch(plan, /does not run this config/);
    assert.match(plan, /^4\. Restart the server with `systemctl restart redis-server\.service`/m);
  });
});
