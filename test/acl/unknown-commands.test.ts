import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import { gatherFiles } from '../../src/gather/conf/gather-files.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startRedisExpectingExit, stopAll } from '../harness/servers.ts';
import { redfort } from '../harden/run.ts';

// An ACL rule naming a command, subcommand or category the server does not have: redis-server 7.0.15 refuses to start
// (`Unknown command or category name in ACL`), from an ACL file and from a `user` line, and ACL LOAD refuses the file.
// redfort audited such files without a word. They are now refused as redis-server refuses them: one line naming the
// file and line (exit 2), as for an unknown directive, with no password in it.
const work = mkdtempSync(join(tmpdir(), 'redfort-unknown-commands-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const PASSWORD = 'alice-password-0123456789abcdef';
const REFUSED = ['+nosuchcmd', '-nosuchcmd', '+@nosuchcategory', '+config|nosuchsub', '-get|x'];
// What 7.0.15 accepts: a first argument of a command without subcommands, known subcommands, a rename's original name.
const ACCEPTED = ['+get|x', '+config|get', '-config|set', '+select|0', '+@read', '-flushall'];

function aclText(rule: string): string {
  return `user default on nopass ~* &* +@all\nuser alice on >${PASSWORD} ~* ${rule}\n`;
}

describe('ACL rules naming no command, subcommand or category', () => {
  for (const rule of REFUSED) {
    it(`${rule}: refused by redis-server 7.0.15 and by redfort, naming file:line`, async () => {
      const fromFile = await startRedisExpectingExit({ conf: 'aclfile users.acl\nrename-command flushall ""', files: { 'users.acl': aclText(rule) } });
      assert.notEqual(fromFile.exitCode, 0);
      assert.match(fromFile.output, /Unknown command or category name in ACL/);
      const fromLine = await startRedisExpectingExit({ conf: `user alice on >${PASSWORD} ~* ${rule}` });
      assert.match(fromLine.output, /Unknown command or category name in ACL/);

      const acl = join(fromFile.dir, 'users.acl');
      const file = await auditFiles({ configPath: fromFile.confPath, version: '7.0.15' });
      const escaped = rule.replace(/[|+]/g, '\\$&');
      assert.match(file.error ?? '', new RegExp(`^${acl}:2: Error in (applying operation|ACL SETUSER modifier) '${escaped}': Unknown command or category name in ACL( \\(no command, subcommand or category of Redis 6\\.0-7\\.4 or Valkey 7\\.2-8\\.0 without modules\\))?: redis-server refuses to start with this file, and ACL LOAD refuses it$`));
      const line = await auditFiles({ configPath: fromLine.confPath, version: '7.0.15' });
      assert.match(line.error ?? '', new RegExp(`^${fromLine.confPath}:\\d+: Error in user declaration 'alice': Error in (applying operation|ACL SETUSER modifier) '${rule.replace(/[|+]/g, '\\$&')}': Unknown command`));
      for (const r of [file, line]) assert.ok(!JSON.stringify(r).includes(PASSWORD));
      await fromFile.stop();
      await fromLine.stop();
    });
  }

  it('the forms redis-server 7.0.15 accepts are not refused', async () => {
    for (const rule of ACCEPTED) {
      const server = await startRedis({ conf: 'aclfile users.acl\nrename-command flushall ""', files: { 'users.acl': aclText(rule) }, killOnStop: true });
      const result = await auditFiles({ configPath: join(server.dir, 'redis.conf') });
      assert.equal(result.error, undefined, rule);
      await server.stop();
    }
  });

  it('ACL LOAD refuses such a file: a live audit says the files could not be read', async () => {
    const server = await startRedis({ conf: 'aclfile users.acl', files: { 'users.acl': aclText('+get') }, killOnStop: true });
    writeFileSync(join(server.dir, 'users.acl'), aclText('+nosuchcmd'));
    await assert.rejects(rawCommand(server.host, server.port, ['ACL', 'LOAD']), /Unknown command or category name in ACL/);
    await server.stop();
  });

  it('not judged with a module loaded, or for a version newer than the table', async () => {
    const acl = join(work, 'module.acl');
    writeFileSync(acl, aclText('+json.get'));
    const withModule = join(work, 'module.conf');
    writeFileSync(withModule, `loadmodule /usr/lib/redis/modules/rejson.so\naclfile ${acl}\n`);
    assert.equal((await auditFiles({ configPath: withModule, version: '7.0.15' })).error, undefined);
    const without = join(work, 'plain.conf');
    writeFileSync(without, `aclfile ${acl}\n`);
    assert.match((await auditFiles({ configPath: without, version: '7.0.15' })).error ?? '', /module\.acl:2: Error in applying operation '\+json\.get'/);
    assert.equal((await auditFiles({ configPath: without, version: '8.2.1' })).error, undefined);
    // An ACL file alone: whether modules are loaded is unknown, and a module's dotted name is not judged.
    assert.equal((await auditFiles({ aclPath: acl, version: '7.0.15' })).error, undefined);
    // Beside a live server: modules loaded from its command line (INFO lists them) are in no file; INFO unread, unknown.
    assert.equal((await gatherFiles({ configPath: without, version: '7.0.15', modules: 'loaded' })).ok, true);
    assert.equal((await gatherFiles({ configPath: without, version: '7.0.15', modules: 'unknown' })).ok, true);
    const line = join(work, 'line.conf');
    writeFileSync(line, `user alice on >${PASSWORD} ~* +json.get\n`);
    assert.equal((await gatherFiles({ configPath: line, version: '7.0.15', modules: 'loaded' })).ok, true);
    assert.equal((await gatherFiles({ configPath: line, version: '7.0.15', modules: 'unknown' })).ok, true);
    writeFileSync(line, `user alice on >${PASSWORD} ~* +nosuchcmd\n`);
    assert.match(JSON.stringify(await gatherFiles({ configPath: line, version: '7.0.15', modules: 'unknown' })), /line\.conf:1: Error in user declaration 'alice': Error in applying operation '\+nosuchcmd'/);
  });

  // A file-only audit without --redis-version on a host without the server: the file may be for a Redis 8 that has
  // `HGETEX`. Unknown is never a refusal: the target is audited, with a warning naming the line.
  it('with the version unknown: audited, with a warning, not refused', async () => {
    const conf = join(work, 'unknown-version.conf');
    writeFileSync(conf, `port 6390\nuser alice on >${PASSWORD} ~* +get +hgetex\n`);
    const gathered = await gatherFiles({ configPath: conf });
    assert.equal(gathered.ok, true, JSON.stringify(gathered));
    const warnings = gathered.ok ? (gathered.gathered.files.warnings ?? []) : [];
    assert.ok(warnings.some((w) => w === `${conf}:2: user 'alice': '+hgetex' names no command, subcommand or category of Redis 6.0-7.4 or Valkey 7.2-8.0: those refuse to start with it (the version is unknown: give --redis-version to judge it)`), warnings.join('\n'));
    assert.doesNotMatch(JSON.stringify(gathered), new RegExp(PASSWORD));
    assert.match((await auditFiles({ configPath: conf, version: '7.0.15' })).error ?? '', /unknown-version\.conf:2: .*'\+hgetex'/);
  });

  // The table holds Redis 6.0-7.4 and Valkey 7.2-8.0 releases. Redis 8.0 milestones and RCs report 7.9.2xx (a
  // patch of 100 or more is the next branch's pre-release) and KeyDB reports redis_version 6.3.x: compared by
  // major.minor they were judged against that table, and a valid `+hgetex` (Redis 8.0) was an exit-2 refusal.
  it('judged only for the versions the table holds, never for 7.9.2xx, KeyDB 6.3 or pre-releases', async () => {
    const acl = join(work, 'versions.acl');
    writeFileSync(acl, 'user u on nopass ~* +hgetex\n');
    const line = join(work, 'versions.conf');
    writeFileSync(line, `user alice on >${PASSWORD} ~* +get +hgetex\n`);
    for (const version of ['7.9.240', '7.9.224', '6.3.4', '7.3.240', '7.4.150', '8.0.0', 'valkey-8.1.0', 'valkey-7.9.240']) {
      const result = await auditFiles({ aclPath: acl, version });
      assert.equal(result.error, undefined, version);
      // Not judged, but said: a warning naming the line, as for an unknown version (there was none).
      const why = `(version ${version} is not one whose commands redfort knows, so it is not judged: that server may have it)`;
      assert.deepEqual(result.warnings, [`${acl}:1: user 'u': '+hgetex' names no command, subcommand or category of Redis 6.0-7.4 or Valkey 7.2-8.0: those refuse to start with it ${why}`], version);
      const lines = await auditFiles({ configPath: line, version });
      assert.equal(lines.error, undefined, version);
      assert.ok(lines.warnings?.includes(`${line}:1: user 'alice': '+hgetex' names no command, subcommand or category of Redis 6.0-7.4 or Valkey 7.2-8.0: those refuse to start with it ${why}`), `${version}: ${lines.warnings?.join('\n')}`);
    }
    // An ACL file with the version unknown: the same warning (there was none; `user` lines had it).
    assert.deepEqual((await auditFiles({ aclPath: acl })).warnings, [`${acl}:1: user 'u': '+hgetex' names no command, subcommand or category of Redis 6.0-7.4 or Valkey 7.2-8.0: those refuse to start with it (the version is unknown: give --redis-version to judge it)`]);
    for (const version of ['6.0.20', '6.2.16', '7.0.15', '7.2.6', '7.4.1', 'valkey-7.2.7', 'valkey-8.0.1']) {
      assert.match((await auditFiles({ aclPath: acl, version })).error ?? '', /versions\.acl:1: .*'\+hgetex'/, version);
    }
    const run = await redfort(['audit', '--acl', acl, '--redis-version', '7.9.240', '--format', 'json', '--fail-on', 'none', '--quiet']);
    assert.equal(run.code, 0, run.stderr);
  });

  // CLIENT NO-TOUCH is 7.2's (redis@7.2.0:src/commands/client-no-touch.json; none in 7.0.15) and STRALGO left in 7.0:
  // live 7.0.15 refuses both, 7.2.6, 7.4.1 and Valkey 8.0.1 refuse `+stralgo` (and `rename-command STRALGO x`), from a
  // `user` line and from an ACL file. redfort took them on every release but 6.x and 7.0's STRALGO.
  it('+client|no-touch on 7.0 and +stralgo on 7.0 to 7.4 and Valkey: refused as the release refuses them, exit 2 naming file:line', async () => {
    for (const rule of ['+client|no-touch', '+stralgo']) {
      const fromFile = await startRedisExpectingExit({ conf: 'aclfile users.acl', files: { 'users.acl': aclText(rule) } });
      assert.match(fromFile.output, /Unknown command or category name in ACL/, rule);
      const fromLine = await startRedisExpectingExit({ conf: `user alice on >${PASSWORD} ~* ${rule}` });
      assert.match(fromLine.output, /Unknown command or category name in ACL/, rule);
      const acl = join(fromFile.dir, 'users.acl');
      const escaped = rule.replace(/[|+]/g, '\\$&');
      for (const version of rule === '+stralgo' ? ['7.0.15', '7.2.6', '7.4.1', 'valkey-8.0.1'] : ['7.0.15']) {
        const file = await redfort(['audit', '--config', fromFile.confPath, '--redis-version', version, '--format', 'json']);
        assert.equal(file.code, 2, `${rule} ${version}: ${file.stderr}`);
        assert.match(file.stderr, new RegExp(`^redfort: ${acl}:2: Error in applying operation '${escaped}': Unknown command or category name in ACL \\(a command of other releases, not of (Redis|Valkey) [0-9.]+\\): redis-server refuses to start`), `${rule} ${version}`);
        const alone = await redfort(['audit', '--acl', acl, '--redis-version', version, '--format', 'json']);
        assert.equal(alone.code, 2, `${rule} ${version} alone: ${alone.stderr}`);
        const line = await redfort(['audit', '--config', fromLine.confPath, '--redis-version', version, '--format', 'json']);
        assert.equal(line.code, 2, `${rule} ${version}: ${line.stderr}`);
        assert.match(line.stderr, new RegExp(`^redfort: ${fromLine.confPath}:\\d+: Error in user declaration 'alice': Error in applying operation '${escaped}': Unknown command`), `${rule} ${version}`);
        for (const run of [file, alone, line]) assert.ok(!run.stderr.includes(PASSWORD) && !run.stdout.includes(PASSWORD));
      }
      // 7.2.6 takes `+client|no-touch`, 6.2.16 both (a first argument of CLIENT, and STRALGO is its).
      for (const version of rule === '+stralgo' ? ['6.2.16'] : ['7.2.6', '6.2.16']) {
        const ok = await auditFiles({ configPath: fromFile.confPath, version });
        assert.equal(ok.error, undefined, `${rule} ${version}`);
      }
      await fromFile.stop();
      await fromLine.stop();
    }
  });

  it('harden refuses such input: one line, exit 2', async () => {
    const conf = join(work, 'harden.conf');
    writeFileSync(conf, `port 6390\nuser alice on >${PASSWORD} ~* +config|nosuchsub\n`);
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', join(work, 'out')]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `redfort: ${conf}:2: Error in user declaration 'alice': Error in applying operation '+config|nosuchsub': Unknown command or category name in ACL (no command, subcommand or category of Redis 6.0-7.4 or Valkey 7.2-8.0 without modules) (redis-server refuses to start)\n`);
  });
});
