import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { redfort } from './run.ts';

// QA40-21: a server that ran as root leaves root:root data files (dump.rdb, the AOF, a cluster node's nodes.conf);
// harden's drop-in runs it as the redis user, and permissions.sh only chmodded the RDB/AOF: the restarted server did
// not start ("Fatal error loading the DB: Permission denied", "Can't open nodes.conf"). QA40-22: permissions.sh gave
// every directory in the data dir to redis (0750), another owner's folder included. Here a real redis-server writes
// its files as root, permissions.sh is run for real as root, and the hardened file is started as redis.

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-data-owner-'));
chmodSync(work, 0o755);
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const ids = (user: string): { uid: number; gid: number } => ({
  uid: Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim()),
  gid: Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim()),
});
const owner = (path: string): [number, number, number] => {
  const s = statSync(path);
  return [s.uid, s.gid, s.mode & 0o7777];
};

describe('permissions.sh gives the data files to the service user, and only the server\'s own directories', { skip: process.getuid?.() !== 0 && 'needs root: runs the script, which chowns' }, () => {
  it('a root-run cluster node with RDB and AOF starts as redis after permissions.sh; other folders in dir are left alone', async () => {
    const base = mkdtempSync(join(work, 'node-'));
    chmodSync(base, 0o755);
    const data = join(base, 'data');
    const etc = join(base, 'etc');
    mkdirSync(data);
    mkdirSync(etc);
    // The server as it ran before: root, its files written in data/.
    const root = await startRedis({ conf: `dir ${data}\ncluster-enabled yes\nappendonly yes\n` });
    await rawCommand(root.host, root.port, ['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
    const id = await rawCommand(root.host, root.port, ['CLUSTER', 'MYID']);
    for (let i = 0; ; i++) {
      const set = await rawCommand(root.host, root.port, ['SET', 'k', 'v']).catch((e: Error) => e);
      if (!(set instanceof Error)) break;
      assert.ok(i < 50, set.message);
      await sleep(100);
    }
    await rawCommand(root.host, root.port, ['SAVE']);
    await root.stop();
    for (const name of ['dump.rdb', 'nodes.conf', 'appendonlydir']) assert.equal(statSync(join(data, name)).uid, 0, name);
    // Other owners' folders beside them.
    const nobody = ids('nobody');
    const daemon = ids('daemon');
    mkdirSync(join(data, 'backups'), { mode: 0o755 });
    chownSync(join(data, 'backups'), nobody.uid, nobody.gid);
    mkdirSync(join(data, 'other-app'));
    chmodSync(join(data, 'other-app'), 0o2775);
    chownSync(join(data, 'other-app'), daemon.uid, daemon.gid);
    writeFileSync(join(data, 'other-app', 'their.rdb'), 'x', { mode: 0o644 });
    chownSync(join(data, 'other-app', 'their.rdb'), daemon.uid, daemon.gid);

    const conf = join(etc, 'redis.conf');
    writeFileSync(conf, `port 6390\nbind 127.0.0.1\ndir ${data}\ncluster-enabled yes\nappendonly yes\nlogfile ""\n`);
    const out = join(base, 'out');
    const run = await redfort(['harden', '--config', conf, '--out', out]);
    assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
    // Deploy as PLAN.md says: the files in place, then permissions.sh as root.
    copyFileSync(join(out, 'redis.conf'), conf);
    copyFileSync(join(out, 'users.acl'), join(etc, 'users.acl'));
    const script = spawnSync('sh', [join(out, 'host', 'permissions.sh')], { encoding: 'utf8' });
    assert.equal(script.status, 0, script.stdout + script.stderr);

    const redis = ids('redis');
    const files = ['dump.rdb', 'nodes.conf', ...readdirSync(join(data, 'appendonlydir')).map((f) => join('appendonlydir', f))];
    assert.ok(files.length > 3, files.join(' '));
    for (const f of files) assert.deepEqual(owner(join(data, f)), [redis.uid, redis.gid, 0o640], f);
    assert.deepEqual(owner(join(data, 'appendonlydir')), [redis.uid, redis.gid, 0o750]);
    assert.deepEqual(owner(data), [redis.uid, redis.gid, 0o750]);
    assert.deepEqual(owner(join(data, 'backups')), [nobody.uid, nobody.gid, 0o755]);
    assert.deepEqual(owner(join(data, 'other-app')), [daemon.uid, daemon.gid, 0o2775]);
    assert.deepEqual(owner(join(data, 'other-app', 'their.rdb')), [daemon.uid, daemon.gid, 0o644]);

    // The hardened server starts as the drop-in's User=redis and has its data.
    const password = /^REDFORT_PASSWORD_admin=(.*)$/m.exec(readFileSync(join(out, 'credentials.env'), 'utf8'))?.[1]?.replace(/^'|'$/g, '');
    assert.ok(password, 'no admin password in credentials.env');
    const hardened = await startRedis({ confText: (port) => `include ${conf}\nport ${port}\n`, user: 'redis', username: 'admin', password });
    assert.equal(await rawCommand(hardened.host, hardened.port, ['CLUSTER', 'MYID'], { user: 'admin', password }), id);
    assert.equal(await rawCommand(hardened.host, hardened.port, ['DBSIZE'], { user: 'admin', password }), 1);
    await hardened.stop();
  });
});
