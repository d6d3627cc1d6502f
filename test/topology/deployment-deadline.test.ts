import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCluster, startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import type { RespValue } from '../harness/raw.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { startFakeServer } from '../helpers/fake-resp-server.ts';
import type { FakeServer } from '../helpers/fake-resp-server.ts';
import { redfort } from '../harden/run.ts';
import { planDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { HOSTS, startSentinelsOn, waitForSentinels } from './live-helpers.ts';

// --target-timeout bounds a deployment as a whole: the seed and every node it names, together. Each node counted its
// own, so a hostile seed naming 999 silent nodes (or one silent node 999 times) held one `redfort audit --cluster` for
// 999 of them, 16 at a time: 321 s at --target-timeout 5000, 66 s at 1000. Real servers behind a proxy that adds the
// silent nodes to their replies (no real server names nodes it does not have).

/** The deadline of the runs below: room for the real nodes' audits on a loaded 2-core machine. */
const DEADLINE_MS = 20_000;
/** What a run may take past it: the report of 1,000 entries (27 MB of JSON), 6.5 s at load 24 on 2 cores. */
const SLACK_MS = 15_000;

const dir = mkdtempSync(join(tmpdir(), 'redfort-deployment-deadline-'));
let silent: FakeServer;
before(async () => {
  // Accepts on every loopback address (127.0.x.y) and never answers.
  silent = await startFakeServer(() => 'silence', { host: '0.0.0.0' });
});
after(async () => {
  await silent?.close();
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

/** Addresses of the silent server: all distinct (127.0.10.1 …), or one address `count` times. */
function silentAddresses(distinct: boolean, count: number): [string, number][] {
  return Array.from({ length: count }, (_, i) => [distinct ? `127.0.${10 + (i >> 8)}.${(i & 255) + 1}` : '127.0.9.9', silent.port]);
}

interface Report {
  targets: { target: string; error?: string; results: unknown[]; warnings?: string[] }[];
}

/** `redfort audit --KIND SEED --target-timeout DEADLINE_MS`: its report, and how long it took. */
async function auditSeed(kind: 'cluster' | 'replication' | 'sentinel', seed: string, extra: readonly string[] = []): Promise<{ report: Report; ms: number; code: number }> {
  const out = join(dir, `${kind}-${Date.now()}.json`);
  const started = performance.now();
  const run = await redfort(['audit', `--${kind}`, seed, '--target-timeout', String(DEADLINE_MS), '--no-host', '--no-probe', '--quiet', '--fail-on', 'none', '-o', `json=${out}`, ...extra]);
  const ms = performance.now() - started;
  // Each node's listeners on the one signal: past Node's 10, a MaxListenersExceededWarning on stderr.
  assert.doesNotMatch(run.stderr, /Warning/);
  return { report: JSON.parse(readFileSync(out, 'utf8')) as Report, ms, code: run.code };
}

/** The deployment's deadline message, as each node out of time says it. */
const OUT_OF_TIME = new RegExp(`\\(the seed and every node together\\) took longer than its ${DEADLINE_MS} ms \\(--target-timeout\\)|timed out`);

function checkSilent(report: Report, addresses: readonly [string, number][]): void {
  const expected = [...new Set(addresses.map(([h, p]) => `redis://${h}:${p}`))];
  const entries = report.targets.filter((t) => expected.includes(t.target));
  assert.equal(entries.length, expected.length, 'each silent address once');
  for (const e of entries) assert.match(e.error ?? '', OUT_OF_TIME, e.target);
}

describe('a cluster seed naming 997 silent nodes (1,000 with its 3 real ones): one deadline for the seed and every node', () => {
  let nodes: RunningServer[];
  let seed: FakeServer | undefined;
  before(async () => {
    nodes = (await startCluster({ masters: 3, replicasPerMaster: 0, hosts: [...HOSTS] })).nodes;
  });
  after(() => seed?.close());

  /** A proxy in front of the first node whose CLUSTER NODES also names the silent addresses. */
  async function hostileSeed(addresses: readonly [string, number][]): Promise<FakeServer> {
    await seed?.close();
    const extra = addresses.map(([host, port], i) => `${i.toString(16).padStart(40, 'f')} ${host}:${port}@1 master - 0 0 0 connected`).join('\n');
    seed = await forwardingProxy(nodes[0]!, {
      rewrite(argv, reply) {
        if (argv.map((a) => a.toUpperCase()).join(' ') !== 'CLUSTER NODES' || typeof reply !== 'string') return reply;
        return `${reply.trimEnd()}\n${extra}\n`;
      },
    });
    return seed;
  }

  it('a real 3-node cluster: all 3 nodes audited within the deadline', async () => {
    const { report, code } = await auditSeed('cluster', `redis://${nodes[0]!.host}:${nodes[0]!.port}`);
    assert.equal(code, 0, JSON.stringify(report.targets.map((t) => [t.target, t.error])));
    assert.deepEqual(report.targets.map((t) => [t.target, t.error]), [
      [`cluster redis://${nodes[0]!.host}:${nodes[0]!.port} (3 nodes)`, undefined],
      ...nodes.map((n) => [`redis://${n.host}:${n.port}`, undefined]),
    ]);
  });

  for (const distinct of [true, false]) {
    it(`${distinct ? '997 distinct silent addresses' : 'one silent address 997 times'}: done in the deadline; the real nodes audited, each silent one an error`, { timeout: 4 * DEADLINE_MS }, async () => {
      const addresses = silentAddresses(distinct, 997);
      const proxy = await hostileSeed(addresses);
      const { report, ms } = await auditSeed('cluster', `redis://127.0.0.1:${proxy.port}`);
      assert.ok(ms < DEADLINE_MS + SLACK_MS, `took ${Math.round(ms)} ms`);
      const count = (distinct ? 997 : 1) + 3;
      assert.deepEqual([report.targets[0]!.target, report.targets[0]!.error], [`cluster redis://127.0.0.1:${proxy.port} (${count} nodes)`, undefined]);
      // The seed (reached through the proxy) and the two other real nodes keep their results.
      for (const target of [`redis://127.0.0.1:${proxy.port}`, `redis://${nodes[1]!.host}:${nodes[1]!.port}`, `redis://${nodes[2]!.host}:${nodes[2]!.port}`]) {
        const entry = report.targets.find((t) => t.target === target);
        assert.ok(entry && entry.error === undefined && entry.results.length > 0, `${target}: ${entry?.error}`);
      }
      checkSilent(report, addresses);
      assert.equal(report.targets.length, 1 + count);
    });
  }

  it('reboot-plan: the nodes asked for their role share one deadline too', { timeout: 4 * DEADLINE_MS }, async () => {
    const proxy = await hostileSeed(silentAddresses(true, 997));
    const started = performance.now();
    const outcome = await planDeployment(resolveTarget(`redis://127.0.0.1:${proxy.port}`, {}, {}), { targetTimeoutMs: DEADLINE_MS });
    const ms = performance.now() - started;
    assert.ok(ms < DEADLINE_MS + SLACK_MS, `took ${Math.round(ms)} ms`);
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
    assert.equal(outcome.name, `cluster redis://127.0.0.1:${proxy.port} (1000 nodes)`);
    assert.equal(outcome.plan.safe, false);
  });
});

describe('a master naming 999 silent replicas in INFO replication', () => {
  it('--replication: done in the deadline; the master audited, each silent replica an error', { timeout: 4 * DEADLINE_MS }, async () => {
    const master = await startRedis({ conf: 'save ""', killOnStop: true });
    const addresses = silentAddresses(true, 999);
    const slaves = addresses.map(([host, port], i) => `slave${i}:ip=${host},port=${port},state=online,offset=1,lag=0`).join('\r\n');
    const proxy = await forwardingProxy(master, {
      rewrite(argv, reply) {
        if (argv[0]!.toUpperCase() !== 'INFO' || typeof reply !== 'string') return reply;
        return reply.replace(/connected_slaves:\d+/, `connected_slaves:${addresses.length}\r\n${slaves}`);
      },
    });
    try {
      const { report, ms } = await auditSeed('replication', `redis://127.0.0.1:${proxy.port}`);
      assert.ok(ms < DEADLINE_MS + SLACK_MS, `took ${Math.round(ms)} ms`);
      assert.equal(report.targets[0]!.error, undefined);
      const seed = report.targets.find((t) => t.target === `redis://127.0.0.1:${proxy.port}`);
      assert.ok(seed && seed.error === undefined && seed.results.length > 0, seed?.error);
      checkSilent(report, addresses);
      assert.equal(report.targets.length, 2 + addresses.length);
    } finally {
      await proxy.close();
    }
  });
});

describe('a sentinel naming 990 silent sentinels and one silent replica 999 times', () => {
  it('--sentinel: done in the deadline; the sentinel and its master audited, each silent address once, an error', { timeout: 4 * DEADLINE_MS }, async () => {
    const master = await startRedis({ host: '127.0.0.1', conf: 'save ""', killOnStop: true });
    const [sentinel] = await startSentinelsOn(['127.0.0.1'], master, { name: 'mymaster', quorum: 1 });
    await waitForSentinels([sentinel!], 'mymaster', 0, 0);
    const sentinels = silentAddresses(true, 990);
    const replicas = silentAddresses(false, 999);
    const entries = (list: readonly [string, number][], flags: string): RespValue[] =>
      list.map(([host, port]) => ['name', `${host}:${port}`, 'ip', host, 'port', String(port), 'flags', flags, 'master-link-status', 'ok']);
    const proxy = await forwardingProxy(sentinel!, {
      rewrite(argv, reply) {
        const command = argv.slice(0, 2).map((a) => a.toUpperCase()).join(' ');
        if (!Array.isArray(reply)) return reply;
        if (command === 'SENTINEL SENTINELS') return [...reply, ...entries(sentinels, 'sentinel')];
        if (command === 'SENTINEL REPLICAS' || command === 'SENTINEL SLAVES') return [...reply, ...entries(replicas, 'slave')];
        return reply;
      },
    });
    try {
      const { report, ms } = await auditSeed('sentinel', `redis://127.0.0.1:${proxy.port}`);
      assert.ok(ms < DEADLINE_MS + SLACK_MS, `took ${Math.round(ms)} ms`);
      assert.equal(report.targets[0]!.error, undefined);
      for (const target of [`redis://127.0.0.1:${proxy.port}`, `redis://${master.host}:${master.port}`]) {
        const entry = report.targets.find((t) => t.target === target);
        assert.ok(entry && entry.error === undefined && entry.results.length > 0, `${target}: ${entry?.error}`);
      }
      checkSilent(report, [...sentinels, ...replicas]);
      assert.equal(report.targets.length, 3 + sentinels.length + 1);
    } finally {
      await proxy.close();
    }
  });
});
