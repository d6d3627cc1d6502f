import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { eventually } from './live-helpers.ts';

// QA43-7: a sentinel with `resolve-hostnames yes` and a `known-replica` line by name (as Bitnami's start-sentinel.sh
// writes it) lists the one replica twice: by the name of that line and by the IP the replica announces. It is one
// server (one run_id): audited once, counted once, and the double listing said.
after(stopAll);

const NAME = 'mymaster';
const FAST = { noHost: true, noProbe: true } as const;

/** `ip:port` of each replica the sentinel lists and has read the INFO of (its link to the master up), sorted. */
async function listed(sentinel: RunningServer): Promise<string[]> {
  const reply = (await rawCommand(sentinel.host, sentinel.port, ['SENTINEL', 'REPLICAS', NAME], { timeoutMs: 2000 })) as unknown[][];
  const field = (e: unknown[], name: string) => String(e[e.indexOf(name) + 1]);
  return reply
    .filter((e) => field(e, 'master-link-status') === 'ok' && !/down|disconnected/.test(field(e, 'flags')))
    .map((e) => `${field(e, 'ip')}:${field(e, 'port')}`)
    .sort();
}

describe('a replica a sentinel lists by host name and by IP (stale known-replica)', () => {
  let master: RunningServer;
  let replica: RunningServer;
  let sentinel: RunningServer;

  before(async () => {
    master = await startRedis({ host: '127.0.0.1' });
    replica = await startRedis({ host: '127.0.0.1', conf: `replicaof ${master.host} ${master.port}\nreplica-announce-ip 127.0.0.1` });
    sentinel = await startRedis({
      sentinel: true,
      host: '127.0.0.1',
      conf: [
        'sentinel resolve-hostnames yes',
        'sentinel announce-hostnames yes',
        `sentinel monitor ${NAME} localhost ${master.port} 1`,
        `sentinel down-after-milliseconds ${NAME} 5000`,
        `sentinel known-replica ${NAME} localhost ${replica.port}`,
      ].join('\n'),
    });
    // The sentinel lists the name from its file at once, the IP once it has read the master's INFO; each is a usable
    // copy to it only once it has read that replica's own INFO (every 10 s at first).
    const both = [`127.0.0.1:${replica.port}`, `localhost:${replica.port}`].sort();
    await eventually('the sentinel to list the replica by name and by IP, both linked', async () => JSON.stringify(await listed(sentinel)) === JSON.stringify(both), 30_000);
    // The replica's own link is up (else it is no usable copy under either name).
    await eventually('the replica to be in sync', async () => /master_link_status:up/.test(String(await rawCommand(replica.host, replica.port, ['INFO', 'replication'], { timeoutMs: 2000 }))));
  });

  it('is one node: audited once, one replica of the master, and a warning naming both addresses', async () => {
    const seed = resolveTarget(`redis://127.0.0.1:${sentinel.port}`, {}, {});
    const results = await auditDeployment(seed, { ...FAST, kind: 'sentinel' });
    const [deployment, ...nodes] = results;
    assert.equal(deployment!.target, `sentinel redis://127.0.0.1:${sentinel.port} (3 nodes)`);
    const replicas = nodes.filter((n) => n.target.endsWith(`:${replica.port}`)).map((n) => n.target);
    assert.deepEqual(replicas, [`redis://127.0.0.1:${replica.port}`]);
    const spread = deployment!.results.filter((r) => r.ruleId === 'cluster.quorum-host-spread').map((r) => r.message);
    assert.ok(spread.some((m) => /its 1 replica/.test(m)), JSON.stringify(spread));
    assert.ok(spread.every((m) => !/2 replicas/.test(m)), JSON.stringify(spread));
    const warnings = deployment!.warnings ?? [];
    assert.ok(
      warnings.some((w) => w.includes(`localhost:${replica.port}`) && w.includes(`127.0.0.1:${replica.port}`) && /same run_id/.test(w) && /known-replica/.test(w)),
      JSON.stringify(warnings),
    );
  });
});
