import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, startSentinels, stopAll } from '../harness/servers.ts';

// cluster.quorum-host-spread gave a Sentinel group on one host the cluster's fix text (`CLUSTER REPLICATE` /
// `redis-cli --cluster`), which such a server refuses, for a replica on its master's host and for sentinels on one host.
describe('cluster.quorum-host-spread on a Sentinel group on one host', () => {
  after(stopAll);

  it('says REPLICAOF for the replica and where to run the sentinels, not CLUSTER REPLICATE', async () => {
    const master = await startRedis({ killOnStop: true });
    await startReplica(master, { killOnStop: true });
    const sentinels = await startSentinels(3, master);
    // What the old text asked for does not work here.
    await assert.rejects(rawCommand(master.host, master.port, ['CLUSTER', 'REPLICATE', 'x']), /cluster support disabled/);
    const results = await auditDeployment(resolveTarget(sentinels[0]!.url, {}, {}), { kind: 'sentinel', noHost: true, noProbe: true });
    const found = results.flatMap((r) => r.results).filter((r) => r.ruleId === 'cluster.quorum-host-spread' && r.status === 'fail');
    const replica = found.find((r) => /lives only on host/.test(r.message));
    const spread = found.find((r) => /sentinels watching/.test(r.message));
    assert.ok(replica && spread, found.map((r) => r.message).join('\n'));
    assert.match(replica.remediation ?? '', /`replicaof <master-host> <port>`.*retire the replica that shares the master's host/);
    assert.match(spread.remediation ?? '', /at least three hosts .*SENTINEL RESET/);
    for (const r of found) assert.doesNotMatch(r.remediation ?? '', /CLUSTER REPLICATE|redis-cli --cluster/, r.message);
  });

  it('a master without a replica is told to add one, not to retire one it does not have', async () => {
    const master = await startRedis({ killOnStop: true });
    const results = await auditDeployment(resolveTarget(master.url, {}, {}), { kind: 'replication', noHost: true, noProbe: true });
    const [lonely] = results.flatMap((r) => r.results).filter((r) => r.ruleId === 'cluster.quorum-host-spread' && r.status === 'fail');
    assert.ok(lonely, 'a master alone on its host fails');
    assert.match(lonely.remediation ?? '', /`replicaof <master-host> <port>`.*wait until it is in sync/);
    assert.doesNotMatch(lonely.remediation ?? '', /retire/);
  });
});
