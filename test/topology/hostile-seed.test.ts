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

// A cluster seed whose CLUSTER NODES names 127.0.0.9:99999 stopped the whole run: one line on stderr about "-p 99999",
// exit 2, and no report at all for the healthy servers of the same inventory.
describe('an inventory with a hostile cluster seed: an error for that target only', () => {
  let real: RunningServer;
  let seed: FakeServer;
  const dir = mkdtempSync(join(tmpdir(), 'redfort-hostile-seed-'));
  before(async () => {
    real = await startRedis({ conf: 'save ""', killOnStop: true });
    // A real 7.0.15 behind a proxy that says it is a cluster node with an impossible peer.
    seed = await forwardingProxy(real, {
      local(argv) {
        const command = argv.map((a) => a.toUpperCase()).join(' ');
        if (command.startsWith('HELLO')) return err('ERR unknown command');
        if (command === 'CLUSTER NODES') {
          return bulk(`a ${real.host}:${real.port}@1 myself,master - 0 0 1 connected 0-16383\nz 127.0.0.9:99999@1 slave a 0 0 1 connected\n`);
        }
        return undefined;
      },
      rewrite(argv, reply) {
        if (argv[0]!.toUpperCase() !== 'INFO' || typeof reply !== 'string') return reply;
        return reply.replace('redis_mode:standalone', 'redis_mode:cluster').replace('cluster_enabled:0', 'cluster_enabled:1');
      },
    });
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
