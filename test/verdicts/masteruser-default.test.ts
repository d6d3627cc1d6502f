import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { audit, expectStatus } from '../probe/helpers.ts';
import { startRedis, startReplica, startSentinels, stopAll } from '../harness/servers.ts';

// The Valkey Helm chart (valkey-io/valkey-helm, replica.replicationUser: "default", sentinel.monitorUser defaulting to
// it) writes `masteruser default` on every node and, with another monitor user, `sentinel auth-user <set> <user>`.
// `masteruser default` logs in as the user `AUTH <password>` does: masterauth is then the master's admin password,
// the case these rules fail for `masterauth` alone. They passed it ("authenticates to its master as 'default'").
const PASSWORD = 'masteruser-default-0123456789abcdef';
const MASTER_CONF = `user default on >${PASSWORD} ~* &* +@all`;

describe("masteruser 'default' and sentinel auth-user 'default'", () => {
  after(stopAll);

  it('fail as masterauth alone does, on the replica and across the deployment', async () => {
    const master = await startRedis({ conf: MASTER_CONF, password: PASSWORD, killOnStop: true });
    const replica = await startReplica(master, { masteruser: 'default', masterauth: PASSWORD, conf: MASTER_CONF, password: PASSWORD, killOnStop: true });
    const { results } = await audit(replica.url, { pass: PASSWORD }, { noProbe: true, noHost: true });
    const [own] = expectStatus(results, 'replication.no-masteruser', 'fail');
    assert.match(own!.message, /^masteruser is 'default': this replica authenticates to its master as the default user/);
    assert.match(own!.remediation, /ACL SETUSER replication on/);

    const deployment = await auditDeployment(resolveTarget(master.url, { pass: PASSWORD }, {}), { kind: 'replication', noHost: true, noProbe: true });
    const group = deployment.find((r) => r.kind === 'deployment');
    const found = group?.results.filter((r) => r.ruleId === 'replication.no-masteruser') ?? [];
    assert.deepEqual(found.map((r) => r.status), ['fail'], found.map((r) => r.message).join('\n'));
    assert.match(found[0]!.message, /as the all-powerful default user \(masterauth set, masteruser 'default'\)/);

    const sentinels = await startSentinels(1, master, { authUser: 'default', authPass: PASSWORD, quorum: 1 });
    const { results: watched } = await audit(sentinels[0]!.url, {}, { noProbe: true, noHost: true });
    const findings = watched.filter((r) => r.ruleId === 'sentinel.no-auth-user' && r.status === 'fail');
    assert.ok(findings.some((r) => /^master 'mymaster' is reached as auth-user 'default'/.test(r.message)), findings.map((r) => r.message).join('\n'));
  });
});
