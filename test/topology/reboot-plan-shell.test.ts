// QA41-50: reboot-plan's fix for a master without a replica pasted the server's CLUSTER NODES words into a command the
// operator runs in a shell: a node whose ID is `$(touch${IFS}/tmp/pwn)` got `redis-cli --cluster add-node <new-node>
// 127.0.0.1:P --cluster-slave --cluster-master-id $(touch${IFS}/tmp/pwn)`. A node ID is taken only as Redis makes one
// (40 hex digits), else the fix says `<master-id>`; every server word in a shell command is shell-quoted.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { bulk, err } from '../helpers/fake-resp-server.ts';
import type { FakeServer } from '../helpers/fake-resp-server.ts';
import { redfort } from '../harden/run.ts';
import { layoutFromCluster } from '../../src/topology/layout.ts';
import { planReboots } from '../../src/topology/reboot-plan.ts';
import { parseClusterNodes } from '../../src/gather/live/parse-replies.ts';
import type { ClusterFacts, ClusterNode } from '../../src/facts/live.ts';

const clusterOf = (nodes: readonly ClusterNode[]): ClusterFacts => ({ nodes, myId: nodes[0]?.id, state: 'ok', source: { kind: 'live', command: 'CLUSTER NODES' } });

/** A real server behind a proxy that says it is a cluster node whose CLUSTER NODES is `nodes()`. */
function clusterSeed(real: RunningServer, nodes: (port: number) => string): Promise<FakeServer> {
  let port = 0;
  const seed = forwardingProxy(real, {
    local(argv) {
      const command = argv.map((a) => a.toUpperCase()).join(' ');
      if (command.startsWith('HELLO')) return err('ERR unknown command');
      if (command === 'CLUSTER NODES') return bulk(nodes(port));
      return undefined;
    },
    rewrite(argv, reply) {
      if (argv[0]!.toUpperCase() !== 'INFO' || typeof reply !== 'string') return reply;
      return reply.replace('redis_mode:standalone', 'redis_mode:cluster').replace('cluster_enabled:0', 'cluster_enabled:1');
    },
  });
  return seed.then((s) => ((port = s.port), s));
}

describe('reboot-plan: no server word runs in the shell of the fix line (QA41-50)', () => {
  let real: RunningServer;
  const dir = mkdtempSync(join(tmpdir(), 'redfort-reboot-shell-'));
  const pwn = join(dir, 'pwn');
  before(async () => {
    real = await startRedis({ conf: 'save ""', killOnStop: true });
  });
  after(async () => {
    await real?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a node ID that is no 40-hex ID is not pasted: the fix says <master-id>, in text and JSON", async () => {
    const hostile = `$(touch\${IFS}${pwn})`;
    const seed = await clusterSeed(real, (port) => `${hostile} 127.0.0.1:${port}@1 myself,master - 0 0 1 connected 0-16383\n`);
    try {
      for (const format of ['text', 'json']) {
        const run = await redfort(['reboot-plan', `redis://127.0.0.1:${seed.port}`, '--format', format]);
        const out = run.stdout + run.stderr;
        assert.match(out, /--cluster-slave --cluster-master-id <master-id>/, out);
        assert.match(out, /CLUSTER REPLICATE <master-id>/, out);
        assert.doesNotMatch(out, /touch/, out);
      }
    } finally {
      await seed.close();
    }
    assert.equal(existsSync(pwn), false);
  });

  it('a real ID is kept; an address with shell syntax is quoted', () => {
    const id = 'a'.repeat(40);
    const nodes = parseClusterNodes(`${id} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383\n`);
    const fix = planReboots(layoutFromCluster(clusterOf(nodes))).problems.map((p) => p.fix).join('\n');
    assert.match(fix, new RegExp(`CLUSTER REPLICATE ${id}.*add-node <new-node> 127\\.0\\.0\\.1:7000 --cluster-slave --cluster-master-id ${id}`), fix);
    const evil = parseClusterNodes(`${id} $(id)x;rm:7000@17000 myself,master - 0 0 1 connected 0-16383\n`);
    const quoted = planReboots(layoutFromCluster(clusterOf(evil))).problems.map((p) => p.fix).join('\n');
    assert.match(quoted, /add-node <new-node> '\$\(id\)x;rm:7000' --cluster-slave/, quoted);
  });
});
