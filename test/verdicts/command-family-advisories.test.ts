import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import type { RuleResult } from '../../src/engine/run.ts';
import { advisoryFinding, audit } from '../probe/helpers.ts';
import { rawCommand, rawPipeline } from '../harness/raw.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';

// version.known-vulnerabilities lowers the advisories reached through RESTORE or the HyperLogLog commands when no user
// that can log in may run them (8aaf2f3). These are the ways in that no ACL on those commands closes, each on a real
// server: the replication link (vdiff V1), PFDEBUG (review R3), REPLICAOF/SLAVEOF and DEBUG RELOAD (review R4).
// Redis 7.0.15 (Debian's) is affected by CVE-2026-25243 (RESTORE) and CVE-2025-32023 (HyperLogLog), fixed on no 7.0.
const RESTORE = 'CVE-2026-25243';
const HLL = 'CVE-2025-32023';
const AUDITOR = 'user auditor on >auditpw resetkeys resetchannels -@all +info +config|get +acl|list +acl|cat +command|info +time +cluster|nodes';
const url = (server: RunningServer) => `redis://auditor:auditpw@${server.host}:${server.port}`;

async function judged(server: RunningServer): Promise<{ restore: RuleResult; hll: RuleResult }> {
  const { results } = await audit(url(server), {}, { noProbe: true, noHost: true });
  return { restore: advisoryFinding(results, RESTORE), hll: advisoryFinding(results, HLL) };
}

function lowered(r: RuleResult): void {
  assert.equal(r.severity, 'low', r.message);
  assert.match(r.message, /; lowered: it needs .* and no user that can log in may run them/);
}

describe('version.known-vulnerabilities: the ways to RESTORE and HyperLogLog code that no ACL on them closes', () => {
  after(stopAll);

  it('a replica applies what its master sends without ACL checks: not lowered, live and file-only (V1)', async () => {
    const users = `user default on nopass ~* &* +@all -@dangerous -@hyperloglog +info\n${AUDITOR}`;
    const master = await startRedis({ killOnStop: true });
    const replica = await startReplica(master, { conf: users, killOnStop: true });
    // What the replica's users may not run arrives from its master all the same.
    await rawCommand(master.host, master.port, ['SET', 'k', 'v']);
    await rawCommand(master.host, master.port, ['EVAL', "return redis.call('RESTORE', KEYS[2], 0, redis.call('DUMP', KEYS[1]))", '2', 'k', 'k2']);
    await rawCommand(master.host, master.port, ['PFADD', 'h2', 'b']);
    await eventually('RESTORE and PFADD replicated', async () => (await rawCommand(replica.host, replica.port, ['EXISTS', 'k2', 'h2'])) === 2);
    await assert.rejects(rawCommand(replica.host, replica.port, ['PFADD', 'h3', 'b']), /NOPERM/);
    await assert.rejects(rawCommand(replica.host, replica.port, ['RESTORE', 'k3', '0', 'x']), /NOPERM/);

    const onReplica = await judged(replica);
    for (const r of [onReplica.restore, onReplica.hll]) {
      assert.equal(r.severity, 'high', r.message);
      assert.match(r.message, new RegExp(`; not lowered: no user that can log in may run .*, but it is a replica of ${master.host}:${master.port}, and a replica applies its master's`));
      assert.match(r.remediation, new RegExp(`Until then: .* On the master ${master.host}:${master.port} too`));
    }
    // The same users on a server that replicates from no one: lowered.
    const standalone = await startRedis({ conf: users, killOnStop: true });
    const alone = await judged(standalone);
    lowered(alone.restore);
    lowered(alone.hll);

    // File-only: `replicaof` (or `slaveof`) in the file says the same.
    const dir = mkdtempSync(join(tmpdir(), 'redfort-replica-files-'));
    try {
      writeFileSync(join(dir, 'users.acl'), `${users.replace('nopass', '#' + 'a'.repeat(64))}\n`);
      for (const directive of ['replicaof', 'slaveof']) {
        writeFileSync(join(dir, 'replica.conf'), `port 6380\n${directive} ${master.host} ${master.port}\naclfile ${join(dir, 'users.acl')}\n`);
        const files = await auditFiles({ configPath: join(dir, 'replica.conf'), version: '7.0.15' });
        for (const id of [RESTORE, HLL]) {
          const r = advisoryFinding(files.results, id);
          assert.equal(r.severity, 'high', r.message);
          assert.match(r.message, new RegExp(`but it is a replica of ${master.host}:${master.port}`));
        }
      }
      writeFileSync(join(dir, 'alone.conf'), `port 6380\naclfile ${join(dir, 'users.acl')}\n`);
      const files = await auditFiles({ configPath: join(dir, 'alone.conf'), version: '7.0.15' });
      lowered(advisoryFinding(files.results, RESTORE));
      lowered(advisoryFinding(files.results, HLL));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PFDEBUG reaches the sparse-to-dense conversion: a user with +pfdebug keeps the HyperLogLog advisory (R3)', async () => {
    const server = await startRedis({ conf: `user default on nopass ~* &* -@all +get +ping +exists\nuser ops on >opspw ~* -@all +set +pfdebug\n${AUDITOR}`, killOnStop: true });
    // A sparse HLL of the user's own bytes (header, XZERO 16256, ZERO 64, ZERO 64), turned dense by PFDEBUG.
    const ops = { user: 'ops', password: 'opspw' };
    await rawCommand(server.host, server.port, ['SET', 'h', `HYLL\x01\0\0\0${'\0'.repeat(8)}\x7f\x7f\x3f\x3f`], ops);
    assert.equal(await rawCommand(server.host, server.port, ['PFDEBUG', 'ENCODING', 'h'], ops), 'sparse');
    assert.equal(await rawCommand(server.host, server.port, ['PFDEBUG', 'TODENSE', 'h'], ops), 1);
    await assert.rejects(rawCommand(server.host, server.port, ['PFADD', 'h', 'x'], ops), /NOPERM/);
    const { restore, hll } = await judged(server);
    assert.equal(hll.severity, 'high', hll.message);
    assert.doesNotMatch(hll.message, /lowered/);
    lowered(restore);
    assert.match(restore.message, /RESTORE and no user/);
  });

  it('a user who may run REPLICAOF can make the server load a master of theirs: not lowered (R4)', async () => {
    const server = await startRedis({ conf: `user default on nopass ~* &* -@all +get +ping +exists\nuser ops on >opspw ~* -@all +set +replicaof\n${AUDITOR}`, killOnStop: true });
    const { restore, hll } = await judged(server);
    for (const r of [restore, hll]) {
      assert.equal(r.severity, 'high', r.message);
      assert.match(r.message, /; not lowered: no user that can log in may run .*, but user 'ops' may run REPLICAOF\/SLAVEOF/);
      assert.match(r.remediation, /-replicaof -slaveof/);
    }
    // What it says: ops points the server at a master, whose RESTORE and PFADD it then applies.
    const rogue = await startRedis({ killOnStop: true });
    await rawCommand(rogue.host, rogue.port, ['SET', 'k', 'v']);
    await rawCommand(rogue.host, rogue.port, ['EVAL', "return redis.call('RESTORE', KEYS[2], 0, redis.call('DUMP', KEYS[1]))", '2', 'k', 'k2']);
    await rawCommand(server.host, server.port, ['REPLICAOF', rogue.host, String(rogue.port)], { user: 'ops', password: 'opspw' });
    await eventually('the rogue master synced', async () => (await rawCommand(server.host, server.port, ['EXISTS', 'k2'])) === 1);
    await rawCommand(rogue.host, rogue.port, ['PFADD', 'h2', 'b']);
    await eventually('PFADD replicated', async () => (await rawCommand(server.host, server.port, ['EXISTS', 'h2'])) === 1);
  });

  it('on a cluster node, a user who may run CLUSTER MEET and CLUSTER REPLICATE can make it replicate a node of theirs: not lowered (R7)', async () => {
    const server = await startRedis({ conf: `cluster-enabled yes\nuser default on nopass ~* &* -@all +get +ping +exists +readonly\nuser ops on >opspw ~* -@all +cluster\n${AUDITOR}`, killOnStop: true });
    const { restore, hll } = await judged(server);
    for (const r of [restore, hll]) {
      assert.equal(r.severity, 'high', r.message);
      assert.match(r.message, /; not lowered: no user that can log in may run .*, but user 'ops' may run CLUSTER MEET and CLUSTER REPLICATE/);
      assert.match(r.remediation, /-cluster\|meet -cluster\|replicate/);
    }
    // What it says: ops meets a node of its own that holds every slot, and replicates it.
    const rogue = await startRedis({ conf: 'cluster-enabled yes', killOnStop: true });
    await rawCommand(rogue.host, rogue.port, ['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']);
    const rogueId = String(await rawCommand(rogue.host, rogue.port, ['CLUSTER', 'MYID']));
    const ops = { user: 'ops', password: 'opspw' };
    assert.equal(await rawCommand(server.host, server.port, ['CLUSTER', 'MEET', rogue.host, String(rogue.port)], ops), 'OK');
    await eventually('the nodes met', async () => String(await rawCommand(server.host, server.port, ['CLUSTER', 'NODES'], ops)).includes(rogueId));
    await eventually('CLUSTER REPLICATE accepted', async () => (await rawCommand(server.host, server.port, ['CLUSTER', 'REPLICATE', rogueId], ops)) === 'OK');
    await eventually('the cluster is up', async () => String(await rawCommand(rogue.host, rogue.port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok'));
    assert.equal(await rawCommand(rogue.host, rogue.port, ['SET', '{t}k', 'v']), 'OK');
    await rawCommand(rogue.host, rogue.port, ['EVAL', "return redis.call('RESTORE', KEYS[2], 0, redis.call('DUMP', KEYS[1]))", '2', '{t}k', '{t}k2']);
    await eventually('the RESTORE replicated', async () => (await rawPipeline(server.host, server.port, [['READONLY'], ['EXISTS', '{t}k2']]))[1] === 1);
  });

  it('DEBUG RELOAD loads the RDB file unless enable-debug-command is no; lowered, the RDB half of the mitigation stays (R4)', async () => {
    const users = `user default on nopass ~* &* -@all +get +ping +exists\nuser dbg on >dbgpw ~* -@all +set +debug\n${AUDITOR}`;
    const open = await startRedis({ conf: `enable-debug-command yes\n${users}`, killOnStop: true });
    const kept = await judged(open);
    assert.equal(kept.restore.severity, 'high', kept.restore.message);
    assert.match(kept.restore.message, /but user 'dbg' may run DEBUG, whose DEBUG RELOAD NOSAVE loads the RDB file on disk/);
    assert.match(kept.restore.remediation, /-debug/);
    // An HLL read from a file is a string until a PF* command runs on it: DEBUG is no way to that code.
    lowered(kept.hll);

    const closed = await startRedis({ conf: users, killOnStop: true });
    await assert.rejects(rawCommand(closed.host, closed.port, ['DEBUG', 'RELOAD'], { user: 'dbg', password: 'dbgpw' }), /DEBUG command not allowed/);
    const { restore } = await judged(closed);
    lowered(restore);
    assert.match(restore.remediation, /Not reachable as it runs now \(it needs RESTORE and no user that can log in may run them\): keep it so until then, and do not load RDB files\/replicate from untrusted sources\.$/);
  });
});
