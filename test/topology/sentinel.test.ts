import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditDeployment, planDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import type { Target } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startSentinels, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { runCli } from './cli.ts';
import { auth, entry, eventually, expectRule, startSentinelsOn, waitForSentinels } from './live-helpers.ts';

// Sentinel groups discovered with --sentinel: SENTINEL MASTERS, REPLICAS, SENTINELS and CKQUORUM on the seed,
// then every sentinel, master and replica audited.
after(stopAll);

const FAST = { noHost: true, noProbe: true } as const;
const at = (s: RunningServer) => `${s.host}:${s.port}`;
const re = (text: string) => text.replace(/[.()[\]]/g, '\\$&');

// The ACL a sentinel needs on the servers it watches (the Sentinel documentation's `sentinel-user`).
const SENTINEL_ACL = 'allchannels +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill';

describe('3 sentinels on 3 hosts, with auth-user and requirepass', () => {
  const MASTER_PASS = 'master-secret-2b7e91c4';
  const SENTINEL_USER_PASS = 'sentinel-user-secret-5d3a';
  const SENTINEL_PASS = 'sentinel-secret-8f0c2e6b';
  let master: RunningServer;
  let replica: RunningServer;
  let sentinels: RunningServer[];
  let seed: Target;
  let overrides: Map<string, Target>;

  before(async () => {
    const common = [`requirepass ${MASTER_PASS}`, `masterauth ${MASTER_PASS}`, `user sentinel-user on >${SENTINEL_USER_PASS} ${SENTINEL_ACL}`];
    master = await startRedis({ host: '127.0.0.1', password: MASTER_PASS, conf: common.join('\n') });
    replica = await startRedis({ host: '127.0.0.2', password: MASTER_PASS, conf: [...common, `replicaof ${master.host} ${master.port}`, 'replica-announce-ip 127.0.0.2'].join('\n') });
    sentinels = await startSentinelsOn(['127.0.0.1', '127.0.0.2', '127.0.0.3'], master, {
      name: 'grp-auth', quorum: 2, authUser: 'sentinel-user', authPass: SENTINEL_USER_PASS, requirepass: SENTINEL_PASS,
    });
    await waitForSentinels(sentinels, 'grp-auth', 2, 1);
    seed = resolveTarget(`redis://:${SENTINEL_PASS}@${at(sentinels[0]!)}`, {}, {});
    // The sentinels' password is not the servers': the servers are reached with theirs, by role.
    const servers = resolveTarget(`redis://:${MASTER_PASS}@${at(master)}`, {}, {});
    overrides = new Map([['master', servers], ['replica', servers]]);
  });

  it('--sentinel: the sentinels, the master and its replica, each audited, and the group judged', async () => {
    const results = await auditDeployment(seed, { ...FAST, kind: 'sentinel', nodeOverrides: overrides });
    assert.deepEqual(results.map((r) => r.error), Array(6).fill(undefined));
    assert.deepEqual(results.slice(1).map((r) => r.target).sort(), [master, replica, ...sentinels].map((s) => `redis://${at(s)}`).sort());
    const [deployment] = results;
    assert.equal(deployment!.target, `sentinel redis://${at(sentinels[0]!)} (5 nodes)`);
    expectRule(deployment!, 'sentinel.quorum', 'pass', /^'grp-auth': 3 sentinels, quorum 2, CKQUORUM OK 3 usable Sentinels\. Quorum and failover authorization can be reached \(OK on each of the 3 sentinels asked\)$/);
    expectRule(deployment!, 'cluster.quorum-host-spread', 'pass', /^1 master on 1 host; every master has a copy on another host and its sentinels keep quorum and a majority when any one is lost$/);
    expectRule(deployment!, 'cluster.master-count', 'skip', /not a cluster: the deployment is a sentinel group/);
    expectRule(deployment!, 'config.inconsistent-nodes', 'pass', /^all 2 nodes and 3 sentinels agree/);
    expectRule(deployment!, 'replication.no-masteruser', 'fail', new RegExp(`^replica ${re(at(replica))} authenticates to its master ${re(at(master))} as the all-powerful default user`));
    for (const sentinel of sentinels) {
      const node = entry(results, `redis://${at(sentinel)}`);
      // Its own password closes the default user; auth-user is read from sentinel.conf when the file is readable.
      assert.notEqual(node.results.find((r) => r.ruleId === 'sentinel.no-auth-user')!.status, 'fail');
      expectRule(node, 'auth.no-authentication', 'pass');
    }
  });

  it('reboot-plan: the master host last, after SENTINEL FAILOVER on a sentinel elsewhere', async () => {
    const outcome = await planDeployment(seed);
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
    assert.equal(outcome.plan.safe, true);
    assert.deepEqual(outcome.plan.batches.map((b) => b.labels), [['127.0.0.2'], ['127.0.0.3'], ['127.0.0.1']]);
    const last = outcome.plan.batches[2]!;
    assert.deepEqual(last.failovers.map((f) => [f.on, f.command, f.from, f.to]), [[at(sentinels[1]!), 'SENTINEL FAILOVER grp-auth', at(master), at(replica)]]);
    const run = await runCli(['reboot-plan', `redis://:${SENTINEL_PASS}@${at(sentinels[0]!)}`]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`Batch 3: host 127\\.0\\.0\\.1\\n.*\\n    on ${re(at(sentinels[1]!))}: SENTINEL FAILOVER grp-auth   \\(master 'grp-auth': ${re(at(master))} -> ${re(at(replica))}\\)`));
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(SENTINEL_PASS));
    // Read-only: the master is still the master.
    assert.match(String(await rawCommand(master.host, master.port, ['INFO', 'replication'], auth(master))), /role:master/);
  });

  it('reboot-plan as the Sentinel auditor without +sentinel|replicas +sentinel|sentinels: no plan, the refusal named (QA40-59)', async () => {
    const AUDITOR_PASS = 'auditor-secret-3c81f0';
    // docs/auditor-user.md's Sentinel auditor, without the optional grants reboot-plan needs.
    await rawCommand(sentinels[0]!.host, sentinels[0]!.port, ['ACL', 'SETUSER', 'auditor', 'reset', 'on', `>${AUDITOR_PASS}`, 'resetkeys', 'resetchannels', '-@all',
      '+sentinel|masters', '+sentinel|config', '+info', '+acl|list', '+acl|cat', '+command|info'], { password: SENTINEL_PASS, timeoutMs: 2000 });
    const url = `redis://auditor:${AUDITOR_PASS}@${at(sentinels[0]!)}`;
    const outcome = await planDeployment(resolveTarget(url, {}, {}));
    assert.ok(!outcome.ok, outcome.ok ? JSON.stringify(outcome.plan.problems) : '');
    assert.equal(outcome.error,
      "no plan: the replicas or sentinels of master 'grp-auth' are unknown, not none: the audit user may not run SENTINEL REPLICAS grp-auth (grant +sentinel|replicas); " +
      'the audit user may not run SENTINEL SENTINELS grp-auth (grant +sentinel|sentinels) (see docs/auditor-user.md)');
    const run = await runCli(['reboot-plan', url]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^redfort: [^\n]*no plan: the replicas or sentinels of master 'grp-auth' are unknown, not none: [^\n]*\+sentinel\|sentinels[^\n]*\n$/);
    assert.doesNotMatch(run.stderr, /has no replica|of the 1 sentinels|run an odd number/);
    assert.doesNotMatch(run.stderr, new RegExp(AUDITOR_PASS));
  });

  it('reboot-plan with a sentinel down: names it, and says to bring it back (3 are configured already)', async () => {
    const gone = sentinels[2]!;
    await gone.stop();
    await eventually('the seed to see the stopped sentinel s_down', async () =>
      /s_down/.test(JSON.stringify(await rawCommand(sentinels[0]!.host, sentinels[0]!.port, ['SENTINEL', 'SENTINELS', 'grp-auth'], { password: SENTINEL_PASS, timeoutMs: 2000 }))), 15_000);
    const run = await runCli(['reboot-plan', `redis://:${SENTINEL_PASS}@${at(sentinels[0]!)}`]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, new RegExp(`runs 1 of the 3 sentinels watching master 'grp-auth' and sentinel ${re(at(gone))} \\(s_down\\) is down: while it reboots 1 are fewer than the quorum of 2`));
    assert.match(run.stdout, new RegExp(`bring sentinel ${re(at(gone))} back before any reboot`));
    assert.doesNotMatch(run.stdout, /run an odd number of at least 3 sentinels/);
  });
});

describe('3 sentinels on one host, without auth-user or requirepass, quorum 4', () => {
  const MASTER_PASS = 'master-secret-open-6a9d';
  let master: RunningServer;
  let sentinels: RunningServer[];
  let overrides: Map<string, Target>;

  before(async () => {
    master = await startRedis({ host: '127.0.0.1', password: MASTER_PASS, conf: `requirepass ${MASTER_PASS}` });
    sentinels = await startSentinels(3, master, { masterName: 'grp-open', authPass: MASTER_PASS, quorum: 4 });
    await waitForSentinels(sentinels, 'grp-open', 2, 0);
    overrides = new Map([['master', resolveTarget(`redis://:${MASTER_PASS}@${at(master)}`, {}, {})]]);
  });

  it('--sentinel: quorum above the count fails CKQUORUM; one host runs every sentinel', async () => {
    const results = await auditDeployment(resolveTarget(`redis://${at(sentinels[0]!)}`, {}, {}), { ...FAST, kind: 'sentinel', nodeOverrides: overrides });
    assert.deepEqual(results.map((r) => r.error), Array(5).fill(undefined));
    const [deployment] = results;
    expectRule(deployment!, 'sentinel.quorum', 'fail',
      /^master 'grp-open' has quorum 4 but only 3 sentinels: it can never be declared down$/,
      /^SENTINEL CKQUORUM grp-open: NOQUORUM 3 usable Sentinels\. Not enough available Sentinels to reach the specified quorum for this master/);
    expectRule(deployment!, 'cluster.quorum-host-spread', 'fail',
      /^master 'grp-open' lives only on host 127\.0\.0\.1 \(a master without replicas\): losing that host loses its data$/,
      /^host 127\.0\.0\.1 runs 3 of the 3 sentinels watching master 'grp-open': losing it leaves 0, fewer than the quorum of 4/);
    expectRule(deployment!, 'replication.no-masteruser', 'skip', /has no replica/);
    for (const sentinel of sentinels) {
      expectRule(entry(results, `redis://${at(sentinel)}`), 'sentinel.no-auth-user', 'fail');
      expectRule(entry(results, `redis://${at(sentinel)}`), 'auth.no-authentication', 'fail');
    }
  });

  it('without --sentinel, one sentinel judges the counts it sees', async () => {
    const { auditTarget } = await import('../../src/app/audit.ts');
    const result = await auditTarget(resolveTarget(`redis://${at(sentinels[1]!)}`, {}, {}), FAST);
    // Its own CKQUORUM too, asked on its connection (QA41-14).
    expectRule(result, 'sentinel.quorum', 'fail', /^master 'grp-open' has quorum 4 but only 3 sentinels/, /^SENTINEL CKQUORUM grp-open: NOQUORUM 3 usable Sentinels/);
  });

  it('reboot-plan: no safe plan, and why', async () => {
    const outcome = await planDeployment(resolveTarget(`redis://${at(sentinels[0]!)}`, {}, {}));
    assert.ok(outcome.ok);
    assert.equal(outcome.plan.safe, false);
    assert.deepEqual(outcome.plan.problems.map((p) => p.reason), [
      "master 'grp-open': master " + at(master) + ' has no replica, so its data is unavailable while host 127.0.0.1 reboots',
      "host 127.0.0.1 runs 3 of the 3 sentinels watching master 'grp-open': while it reboots 0 are fewer than the quorum of 4, so no failover can happen",
    ]);
  });

  it('a sentinel that is down: an error entry, named by sentinel.quorum', async () => {
    await sentinels[2]!.stop();
    const results = await auditDeployment(resolveTarget(`redis://${at(sentinels[0]!)}`, {}, {}), { ...FAST, kind: 'sentinel', nodeOverrides: overrides, connectTimeoutMs: 1000 });
    const down = entry(results, `redis://${at(sentinels[2]!)}`);
    assert.match(down.error ?? '', /refused/);
    const failing = results[0]!.results.filter((r) => r.ruleId === 'sentinel.quorum');
    assert.ok(failing.every((r) => r.evidence.includes(`sentinel ${at(sentinels[2]!)} not reached: ${down.error}`)), JSON.stringify(failing[0]?.evidence));
  });
});

