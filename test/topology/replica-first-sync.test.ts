import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { auth, entry, eventually, expectRule } from './live-helpers.ts';

// replication.no-masteruser on replicas still taking their first full copy: master_link_status stays 'down' until
// the copy is loaded (master_sync_in_progress:1). A replica that sends no credentials was failed as if its master
// might refuse it, until its link came up; then passed on master_sync_in_progress:1, which a master that refuses it
// shows too for a moment (QA41-9): the deployment entry judges it by the master's ACL, its own entry skips.

const FAST = { noHost: true, noProbe: true } as const;
const REPL_PASS = 'repl-secret-5d0c9e21a7';
const DEFAULT_PASS = 'default-secret-83b6f0d4c2';
// Slow copies: each key makes the master's RDB child wait (microseconds), so the replicas stay mid-sync for the test.
const SLOW = 'rdb-key-save-delay 400000\nrepl-diskless-sync-delay 1';

const replicas: RunningServer[] = [];
after(async () => {
  // Replicas first: the master's diskless child then loses its readers and ends, instead of outliving the test.
  await Promise.all(replicas.map((r) => r.stop()));
  await stopAll();
});

async function slowMaster(conf: string, password?: string): Promise<RunningServer> {
  const master = await startRedis({ conf: `${conf}\n${SLOW}`, ...(password ? { password } : {}), killOnStop: true });
  const keys = Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v']).flat();
  assert.equal(await rawCommand(master.host, master.port, ['MSET', ...keys], auth(master)), 'OK');
  return master;
}

async function inFirstSync(replica: RunningServer): Promise<void> {
  await eventually(`replica ${replica.port} in its first sync`, async () => {
    const info = String(await rawCommand(replica.host, replica.port, ['INFO', 'replication'], auth(replica)));
    return /master_sync_in_progress:1/.test(info) && /master_link_status:down/.test(info);
  });
}

describe('replicas in their first sync', () => {
  let open: RunningServer;
  let bare: RunningServer;
  let withUser: RunningServer;
  let locked: RunningServer;
  let asDefault: RunningServer;

  before(async () => {
    // A master that requires no password, and one whose default user has one (and a replication user).
    open = await slowMaster(`user repl on >${REPL_PASS} -@all +psync +replconf +ping`);
    locked = await slowMaster(`user default on >${DEFAULT_PASS} ~* &* +@all\nuser repl on >${REPL_PASS} -@all +psync +replconf +ping`, DEFAULT_PASS);
    [bare, withUser, asDefault] = await Promise.all([
      startReplica(open, { waitForSync: false, killOnStop: true }),
      startReplica(open, { waitForSync: false, killOnStop: true, masteruser: 'repl', masterauth: REPL_PASS }),
      startReplica(locked, { waitForSync: false, killOnStop: true, masterauth: DEFAULT_PASS }),
    ]);
    replicas.push(bare, withUser, asDefault);
    await Promise.all([bare, withUser, asDefault].map(inFirstSync));
  });

  it("no credentials to a master that requires none: the deployment passes by the master's ACL, the replica alone cannot tell", async () => {
    const own = await auditTarget(resolveTarget(`redis://${bare.host}:${bare.port}`, {}, {}), FAST);
    expectRule(own, 'replication.no-masteruser', 'skip', /^this replica has no masterauth and is in a sync with its master \(master_sync_in_progress:1\), which a master that refuses it shows too/);
    const results = await auditDeployment(resolveTarget(`redis://${open.host}:${open.port}`, {}, {}), { ...FAST, kind: 'replication' });
    expectRule(results[0]!, 'replication.no-masteruser', 'pass', /^2 of 2 replicas judged/);
    expectRule(entry(results, `redis://${bare.host}:${bare.port}`), 'replication.no-masteruser', 'skip');
    expectRule(entry(results, `redis://${withUser.host}:${withUser.port}`), 'replication.no-masteruser', 'pass', /authenticates to its master as 'repl'/);
    // Still mid-sync: the verdicts above were not given on a link that had come up meanwhile.
    await inFirstSync(bare);
  });

  it('masterauth without masteruser: still the default user, mid-sync too', async () => {
    const results = await auditDeployment(resolveTarget(`redis://:${DEFAULT_PASS}@${locked.host}:${locked.port}`, {}, {}), { ...FAST, kind: 'replication' });
    expectRule(results[0]!, 'replication.no-masteruser', 'fail', /^replica \S+ authenticates to its master \S+ as the all-powerful default user/);
    expectRule(entry(results, `redis://${asDefault.host}:${asDefault.port}`), 'replication.no-masteruser', 'fail', /masterauth is set but masteruser is ''/);
  });
});

describe('a replica without credentials whose master requires a password (QA41-9)', () => {
  it('fails the deployment in every run, and never passes alone, though it keeps retrying its sync', async () => {
    const master = await startRedis({ conf: `user default on >${DEFAULT_PASS} ~* &* +@all`, password: DEFAULT_PASS });
    // No masterauth: the master answers -NOAUTH; the replica retries every second, and while its SYNC fallback waits
    // for that answer INFO says master_sync_in_progress:1.
    // Its own password is the master's (as QA41-9 found it): seeded there, the audit reads the master's ACL with it.
    const replica = await startReplica(master, { waitForSync: false, killOnStop: true, password: DEFAULT_PASS, conf: `user default on >${DEFAULT_PASS} ~* &* +@all` });
    replicas.push(replica);
    const seen = new Set<string>();
    for (let round = 0; round < 12; round += 1) {
      // Seeded at the replica: the master lists no replica it refused.
      const results = await auditDeployment(resolveTarget(`redis://:${DEFAULT_PASS}@${replica.host}:${replica.port}`, {}, {}), { ...FAST, kind: 'replication' });
      expectRule(results[0]!, 'replication.no-masteruser', 'fail', /^replica \S+ sends no credentials \(no masterauth\) and its master \S+ requires them \(its default user has a password\)/);
      const own = await auditTarget(resolveTarget(`redis://:${DEFAULT_PASS}@${replica.host}:${replica.port}`, {}, {}), FAST);
      const verdict = own.results.find((r) => r.ruleId === 'replication.no-masteruser');
      assert.notEqual(verdict?.status, 'pass', verdict?.message);
      seen.add(verdict!.status);
      await new Promise((done) => setTimeout(done, 150));
    }
    assert.ok(seen.has('fail'), 'the link down is seen between retries');
  });
});

describe('a replica whose master refuses its masteruser (QA41-20)', () => {
  it('is not said to authenticate on its own entry; the deployment entry fails it', async () => {
    const master = await startRedis({});
    // 'repl' does not exist on the master: every handshake ends at AUTH (-WRONGPASS), before PSYNC.
    const replica = await startReplica(master, { waitForSync: false, killOnStop: true, masteruser: 'repl', masterauth: REPL_PASS });
    replicas.push(replica);
    await eventually(`replica ${replica.port} refused`, async () => {
      const info = String(await rawCommand(replica.host, replica.port, ['INFO', 'replication']));
      return /master_link_status:down/.test(info) && /master_sync_in_progress:0/.test(info);
    });
    const own = await auditTarget(resolveTarget(`redis://${replica.host}:${replica.port}`, {}, {}), FAST);
    expectRule(own, 'replication.no-masteruser', 'skip', /^masteruser 'repl' is set, but the link to its master is down.*: whether the master accepts that user is not known here; audit with --replication/);
    const results = await auditDeployment(resolveTarget(`redis://${replica.host}:${replica.port}`, {}, {}), { ...FAST, kind: 'replication' });
    expectRule(results[0]!, 'replication.no-masteruser', 'fail', /logs in as 'repl', which does not exist on its master/);
  });
});
