import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { bulk, err } from '../helpers/fake-resp-server.ts';
import type { FakeServer } from '../helpers/fake-resp-server.ts';
import { redfort } from '../harden/run.ts';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { MAX_DEPLOYMENT_NODES } from '../../src/util/defaults.ts';

/** A real server behind a proxy that says it is a cluster node (INFO, no HELLO) whose CLUSTER NODES is `nodes`. */
function clusterSeed(real: RunningServer, nodes: string): Promise<FakeServer> {
  return forwardingProxy(real, {
    local(argv) {
      const command = argv.map((a) => a.toUpperCase()).join(' ');
      if (command.startsWith('HELLO')) return err('ERR unknown command');
      if (command === 'CLUSTER NODES') return bulk(nodes);
      return undefined;
    },
    rewrite(argv, reply) {
      if (argv[0]!.toUpperCase() !== 'INFO' || typeof reply !== 'string') return reply;
      return reply.replace('redis_mode:standalone', 'redis_mode:cluster').replace('cluster_enabled:0', 'cluster_enabled:1');
    },
  });
}

// A cluster seed whose CLUSTER NODES names 127.0.0.9:99999 stopped the whole run: one line on stderr about "-p 99999",
// exit 2, and no report at all for the healthy servers of the same inventory.
describe('an inventory with a hostile cluster seed: an error for that target only', () => {
  let real: RunningServer;
  let seed: FakeServer;
  const dir = mkdtempSync(join(tmpdir(), 'redfort-hostile-seed-'));
  before(async () => {
    real = await startRedis({ conf: 'save ""', killOnStop: true });
    // A real 7.0.15 behind a proxy that says it is a cluster node with an impossible peer.
    seed = await clusterSeed(real, `a ${real.host}:${real.port}@1 myself,master - 0 0 1 connected 0-16383\nz 127.0.0.9:99999@1 slave a 0 0 1 connected\n`);
  });
  after(async () => {
    await seed?.close();
    await real?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the deployment is an error naming CLUSTER NODES; the healthy server is still audited and reported', async () => {
    const inventory = join(dir, 'fleet.yaml');
    writeFileSync(inventory, `targets:\n  - { url: "redis://127.0.0.1:${seed.port}", cluster: true }\n  - { url: "redis://${real.host}:${real.port}" }\n`);
    const out = join(dir, 'report.json');
    const run = await redfort(['audit', '--targets', inventory, '--no-host', '--no-probe', '--quiet', '--fail-on', 'none', '-o', `json=${out}`]);
    assert.equal(run.code, 2, run.stderr);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { targets: { target: string; error?: string; results: unknown[] }[] };
    const deployment = report.targets.find((t) => t.target.startsWith('cluster '));
    assert.match(deployment?.error ?? '', /CLUSTER NODES names 127\.0\.0\.9:99999, which is no address redfort can connect to \(port must be 1-65535\)/);
    const healthy = report.targets.find((t) => t.target === `redis://${real.host}:${real.port}`);
    assert.ok(healthy && healthy.error === undefined && healthy.results.length > 0, JSON.stringify(report.targets.map((t) => [t.target, t.error])));
  });
});

// A cluster node's CLUSTER NODES is its word: 150,000 nodes (within 16 MiB) made cluster.quorum-host-spread simulate the
// loss of each of their hosts over all of them: a single node's audit (and --cluster's, judging its seed first) ran for
// minutes. More nodes than a deployment may have are not taken: the cluster rules skip and say why.
describe('a cluster node whose CLUSTER NODES lists more nodes than a cluster may have', () => {
  let real: RunningServer;
  let seed: FakeServer;
  before(async () => {
    real = await startRedis({ conf: 'save ""', killOnStop: true });
    const lines = [`a ${real.host}:${real.port}@1 myself,master - 0 0 1 connected 0-16383`];
    for (let i = 0; i < MAX_DEPLOYMENT_NODES; i++) lines.push(`n${i} 10.9.${i >> 8}.${i & 255}:6379@16379 master - 0 0 1 connected`);
    seed = await clusterSeed(real, `${lines.join('\n')}\n`);
  });
  after(async () => {
    await seed?.close();
    await real?.stop();
  });

  it('skips the cluster rules, naming the count', async () => {
    const result = await auditTarget(resolveTarget(`redis://127.0.0.1:${seed.port}`, {}, {}), { commandTimeoutMs: 10_000, noHost: true, noProbe: true });
    assert.equal(result.error, undefined);
    const spread = result.results.filter((r) => r.ruleId === 'cluster.quorum-host-spread');
    assert.deepEqual(spread.map((r) => [r.status, r.message]), [['skip', `CLUSTER NODES lists ${MAX_DEPLOYMENT_NODES + 1} nodes: more than the ${MAX_DEPLOYMENT_NODES} redfort audits in one deployment (a broken or hostile server?)`]]);
  });
});
