import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditDeployment, discoverAudited } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { expectRule, waitForSentinels } from './live-helpers.ts';

// QA39-11: sentinels with `resolve-hostnames yes` and `announce-hostnames yes` list a peer as it announces itself.
// One announcing `localhost` beside one announcing 127.0.0.1 is two sentinels on one machine, not on two hosts.
after(stopAll);

const FAST = { noHost: true, noProbe: true } as const;
const NAME = 'grp-names';

describe('3 sentinels with resolve-hostnames, one announcing localhost beside one on 127.0.0.1', () => {
  let sentinels: RunningServer[];

  before(async () => {
    const master = await startRedis({ host: '127.0.0.1' });
    await startRedis({ host: '127.0.0.2', conf: `replicaof ${master.host} ${master.port}\nreplica-announce-ip 127.0.0.2` });
    const lines = [
      `sentinel monitor ${NAME} ${master.host} ${master.port} 2`,
      `sentinel down-after-milliseconds ${NAME} 5000`,
      'sentinel resolve-hostnames yes',
      // A sentinel shows its peers by the names they announce only with announce-hostnames (else it shows the address).
      'sentinel announce-hostnames yes',
    ];
    const specs = [['127.0.0.1', 'localhost'], ['127.0.0.1', '127.0.0.1'], ['127.0.0.2', '127.0.0.2']] as const;
    sentinels = await Promise.all(specs.map(([host, announce]) => startRedis({ sentinel: true, host, conf: [...lines, `sentinel announce-ip ${announce}`].join('\n') })));
    await waitForSentinels(sentinels, NAME, 2, 1);
  });

  it('the one announcing localhost counts on host 127.0.0.1: 2 of the 3 sentinels there', async () => {
    const [named, plain] = sentinels;
    const peers = JSON.stringify(await rawCommand(plain!.host, plain!.port, ['SENTINEL', 'SENTINELS', NAME], { timeoutMs: 2000 }));
    assert.match(peers, new RegExp(`"ip","localhost","port","${named!.port}"`), 'the seed lists its peer by the name it announces');
    const seed = resolveTarget(`redis://127.0.0.1:${plain!.port}`, {}, {});
    const [deployment] = await auditDeployment(seed, { ...FAST, kind: 'sentinel' });
    // Before: three hosts (localhost, 127.0.0.1, 127.0.0.2), and a pass.
    expectRule(deployment!, 'cluster.quorum-host-spread', 'fail',
      new RegExp(`^host 127\\.0\\.0\\.1 runs 2 of the 3 sentinels watching master '${NAME}': losing it leaves 1, fewer than the quorum of 2, so no failover can happen$`));
    const finding = deployment!.results.find((r) => r.ruleId === 'cluster.quorum-host-spread')!;
    assert.deepEqual([...(finding.evidence ?? [])].sort(), [`127.0.0.1:${plain!.port}`, `localhost:${named!.port}`].sort());
    expectRule(deployment!, 'sentinel.quorum', 'pass', /^'grp-names': 3 sentinels, quorum 2, CKQUORUM OK/);

    const discovery = await discoverAudited(seed, { ...FAST, kind: 'sentinel' });
    assert.ok(discovery.ok);
    const node = discovery.topology.nodes.find((n) => n.address === `localhost:${named!.port}`)!;
    assert.equal(node.label, '127.0.0.1');
    assert.ok(node.resolved?.value.includes('127.0.0.1'));
    assert.deepEqual(node.resolved?.source, { kind: 'host', detail: 'name lookup of localhost' });
    assert.equal(node.unresolved, undefined);
    assert.equal(discovery.warnings, undefined);
  });
});
