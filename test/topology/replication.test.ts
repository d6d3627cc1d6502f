import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import type { Target } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { runCli } from './cli.ts';
import { auth, entry, eventually, expectRule } from './live-helpers.ts';

// A master and its replicas, discovered through INFO replication (--replication): with and without masteruser,
// with and without TLS.
after(stopAll);

const FAST = { noHost: true, noProbe: true } as const;
const MASTER_PASS = 'master-secret-4c1d8e7a';
const REPL_PASS = 'repl-secret-9b2f6a30';
const WEAK_PASS = 'weak-secret-1e7c5d42';

async function linkUp(replica: RunningServer, up = true): Promise<void> {
  await eventually(`replica ${replica.host}:${replica.port} link ${up ? 'up' : 'down'}`, async () =>
    /master_link_status:up/.test(String(await rawCommand(replica.host, replica.port, ['INFO', 'replication'], auth(replica)))) === up,
  );
}

const at = (s: RunningServer, port = s.port) => `${s.host}:${port}`;

describe('a master and 3 replicas over 3 hosts, no TLS', () => {
  let master: RunningServer;
  let withUser: RunningServer;
  let asDefault: RunningServer;
  let weakUser: RunningServer;

  before(async () => {
    master = await startRedis({
      host: '127.0.0.1',
      password: MASTER_PASS,
      conf: [`requirepass ${MASTER_PASS}`, `user repl on >${REPL_PASS} -@all +psync +replconf +ping`, `user weak on >${WEAK_PASS} -@all +ping`].join('\n'),
    });
    // replica-announce-ip: the master would otherwise list each replica by its connection's source, 127.0.0.1.
    const replicaOf = (host: string) => `replicaof ${master.host} ${master.port}\nreplica-announce-ip ${host}`;
    [withUser, asDefault, weakUser] = await Promise.all([
      startRedis({ host: '127.0.0.2', conf: `${replicaOf('127.0.0.2')}\nmasteruser repl\nmasterauth ${REPL_PASS}` }),
      startRedis({ host: '127.0.0.3', conf: `${replicaOf('127.0.0.3')}\nmasterauth ${MASTER_PASS}` }),
      // 'weak' may not PSYNC: this replica never syncs, and the master does not list it.
      startRedis({ host: '127.0.0.1', conf: `${replicaOf('127.0.0.1')}\nmasteruser weak\nmasterauth ${WEAK_PASS}` }),
    ]);
    await Promise.all([linkUp(withUser), linkUp(asDefault)]);
  });

  it('--replication from the replica that cannot sync: its master, the listed replicas and itself', async () => {
    const results = await auditDeployment(resolveTarget(`redis://:${MASTER_PASS}@${at(weakUser)}`, {}, {}), { ...FAST, kind: 'replication' });
    assert.deepEqual(results.map((r) => r.target).slice(1).sort(), [master, withUser, asDefault, weakUser].map((s) => `redis://${at(s)}`).sort());
    assert.deepEqual(results.map((r) => r.error), Array(5).fill(undefined));
    const [deployment] = results;
    assert.equal(deployment!.target, `replication redis://${at(weakUser)} (4 nodes)`);
    expectRule(deployment!, 'replication.no-masteruser', 'fail',
      new RegExp(`^replica ${at(asDefault).replace(/\./g, '\\.')} authenticates to its master ${at(master).replace(/\./g, '\\.')} as the all-powerful default user`),
      new RegExp(`^'weak' on master ${at(master).replace(/\./g, '\\.')} may not run PSYNC, REPLCONF: replica ${at(weakUser).replace(/\./g, '\\.')} cannot replicate as that user$`));
    expectRule(deployment!, 'tls.replication-plaintext', 'skip', /TLS is enabled neither/);
    // The replica that cannot sync is no copy; the two others are on other hosts than the master.
    expectRule(deployment!, 'cluster.quorum-host-spread', 'pass', /^1 master on 1 host; every master has a copy on another host$/);
    expectRule(deployment!, 'cluster.master-count', 'skip', /not a cluster/);
    const inconsistent = expectRule(deployment!, 'config.inconsistent-nodes', 'fail');
    assert.ok(inconsistent.includes(`requirepass is 'set' on ${at(master)} but 'not set' on the other 3 nodes`), inconsistent.join('\n'));
    assert.ok(inconsistent.includes(`ACL users are '{default,repl,weak}' on ${at(master)} but '{default}' on the other 3 nodes`), inconsistent.join('\n'));
    // Each replica's own entry judges it alone.
    expectRule(entry(results, `redis://${at(withUser)}`), 'replication.no-masteruser', 'pass', /authenticates to its master as 'repl'/);
    expectRule(entry(results, `redis://${at(asDefault)}`), 'replication.no-masteruser', 'fail', /masterauth is set but masteruser is ''/);
  });

  it('--replication from the master finds the replicas it lists', async () => {
    const results = await auditDeployment(resolveTarget(`redis://:${MASTER_PASS}@${at(master)}`, {}, {}), { ...FAST, kind: 'replication' });
    assert.equal(results[0]!.target, `replication redis://${at(master)} (3 nodes)`);
    expectRule(results[0]!, 'replication.no-masteruser', 'fail', /^replica 127\.0\.0\.3:\d+ authenticates to its master/);
  });

  it('--cluster on a standalone server is an error entry, and the server is still audited', async () => {
    const results = await auditDeployment(resolveTarget(`redis://:${MASTER_PASS}@${at(master)}`, {}, {}), { ...FAST, kind: 'cluster' });
    assert.equal(results.length, 2);
    assert.match(results[0]!.error ?? '', /^cannot discover the deployment: --cluster needs a cluster node, but redis:\/\/127\.0\.0\.1:\d+ runs in standalone mode$/);
    assert.equal(results[1]!.error, undefined);
  });
});

describe('a TLS master, one replica over TLS and one in clear text', () => {
  let master: RunningServer;
  let overTls: RunningServer;
  let plain: RunningServer;
  let seed: Target;
  let overrides: Map<string, Target>;

  before(async () => {
    master = await startRedis({ host: '127.0.0.1', tls: { plaintextPort: true }, conf: 'tls-replication yes' });
    const certs = master.certs!;
    [overTls, plain] = await Promise.all([
      startRedis({ host: '127.0.0.2', tls: { certs, plaintextPort: true }, conf: `replicaof ${master.host} ${master.tlsPort}\nreplica-announce-ip 127.0.0.2\ntls-replication yes` }),
      startRedis({ host: '127.0.0.3', tls: { certs, plaintextPort: true }, conf: `replicaof ${master.host} ${master.port}\nreplica-announce-ip 127.0.0.3\ntls-replication no` }),
    ]);
    await Promise.all([linkUp(overTls), linkUp(plain)]);
    const tlsFlags = { cacert: certs.ca, cert: certs.clientCert, key: certs.clientKey };
    seed = resolveTarget(`rediss://${at(master, master.tlsPort)}`, tlsFlags, {});
    // A replica announces its TLS port only with tls-replication yes: the other is reached in clear text.
    overrides = new Map([[at(plain), resolveTarget(`redis://${at(plain)}`, {}, {})]]);
  });

  it('--replication over TLS: the clear-text replica fails tls.replication-plaintext, and differs from the rest', async () => {
    const results = await auditDeployment(seed, { ...FAST, kind: 'replication', nodeOverrides: overrides });
    assert.deepEqual(results.map((r) => r.error), [undefined, undefined, undefined, undefined]);
    assert.deepEqual(results.slice(1).map((r) => r.target).sort(), [`rediss://${at(master, master.tlsPort)}`, `rediss://${at(overTls, overTls.tlsPort)}`, `redis://${at(plain)}`].sort());
    const [deployment] = results;
    expectRule(deployment!, 'tls.replication-plaintext', 'fail',
      new RegExp(`^replica ${at(plain).replace(/\./g, '\\.')} replicates from ${at(master, master.tlsPort).replace(/\./g, '\\.')} in clear text: tls-replication is 'no' although TLS is enabled on this replica and its master`));
    expectRule(deployment!, 'replication.no-masteruser', 'pass', /^2 of 2 replicas judged/);
    expectRule(deployment!, 'config.inconsistent-nodes', 'fail', new RegExp(`^tls-replication is 'no' on ${at(plain).replace(/\./g, '\\.')} but 'yes' on the other 2 nodes$`));
    expectRule(entry(results, `rediss://${at(overTls, overTls.tlsPort)}`), 'tls.replication-plaintext', 'pass');
    expectRule(entry(results, `redis://${at(plain)}`), 'tls.replication-plaintext', 'fail');
  });

  it('the CLI: --node-override with a redis:// URL reaches that node in clear text beside --tls flags', async () => {
    const certs = master.certs!;
    const run = await runCli([
      'audit', `rediss://${at(master, master.tlsPort)}`, '--replication', '--cacert', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey,
      '--node-override', `${at(plain)}=redis://${at(plain)}`, '--format', 'json', '--fail-on', 'none', '--no-probe',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { targets: { target: string; error?: string }[] };
    assert.deepEqual(report.targets.map((t) => t.error), [undefined, undefined, undefined, undefined]);
    assert.ok(report.targets.some((t) => t.target === `redis://${at(plain)}`));
  });
});

// Without the password nothing is read, and discovery said "--replication needs a standalone master or replica, but
// … runs in an unknown mode" (reboot-plan too): the reason is the missing password.
describe('a deployment audit without the password the seed wants', () => {
  it('says it needs credentials, not that the mode is unknown', async () => {
    const locked = await startRedis({ conf: 'requirepass seed-locked-7b3e', password: 'seed-locked-7b3e' });
    const results = await auditDeployment(resolveTarget(`redis://${locked.host}:${locked.port}`, {}, {}), { kind: 'replication', noHost: true, noProbe: true });
    assert.match(results[0]!.error ?? '', /^cannot discover the deployment: needs credentials: the server requires a password/);
    const plan = await runCli(['reboot-plan', `redis://${locked.host}:${locked.port}`]);
    assert.equal(plan.code, 2);
    assert.match(plan.stderr, /needs credentials: the server requires a password/);
  });
});

describe('a replica named by host name or by another address of its own (QA41-19)', () => {
  let master: RunningServer;
  let replica: RunningServer;

  before(async () => {
    master = await startRedis({ host: '127.0.0.1' });
    // Also bound to 127.0.0.6: its master lists it as 127.0.0.1 (the source of its link), the seed names 127.0.0.6.
    replica = await startRedis({ host: '127.0.0.1', conf: `bind 127.0.0.1 127.0.0.6\nreplicaof ${master.host} ${master.port}` });
    await linkUp(replica);
  });

  it('seeded by localhost: the seed and the master\'s 127.0.0.1 entry are one node', async () => {
    const results = await auditDeployment(resolveTarget(`redis://localhost:${replica.port}`, {}, {}), { ...FAST, kind: 'replication' });
    assert.equal(results[0]!.target, `replication redis://localhost:${replica.port} (2 nodes)`);
    assert.deepEqual(results.map((r) => r.target).slice(1).sort(), [`redis://${at(master)}`, `redis://localhost:${replica.port}`].sort());
    expectRule(results[0]!, 'config.inconsistent-nodes', 'pass', /^all 2 nodes agree/);
  });

  it('seeded by an address the master does not list: the same run_id is the same node', async () => {
    const results = await auditDeployment(resolveTarget(`redis://127.0.0.6:${replica.port}`, {}, {}), { ...FAST, kind: 'replication' });
    assert.equal(results[0]!.target, `replication redis://127.0.0.6:${replica.port} (2 nodes)`);
    assert.deepEqual(results.map((r) => r.target).slice(1).sort(), [`redis://${at(master)}`, `redis://127.0.0.6:${replica.port}`].sort());
  });
});
