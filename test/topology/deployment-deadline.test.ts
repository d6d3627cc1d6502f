import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startCluster, startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import type { RespValue } from '../harness/raw.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { startFakeServer } from '../helpers/fake-resp-server.ts';
import type { FakeServer } from '../helpers/fake-resp-server.ts';
import { build, runCli } from '../report/cli-run.ts';
import type { CliRun } from '../report/cli-run.ts';
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
/**
 * What a run may take past it: the report of 1,000 entries (27 MB of JSON), 6.5 s at load 24 on 2 cores, 19 s at
 * load 37 (niced, three other runs' processes beside it). One deadline per node, as before f6f400c, took over 300 s.
 */
const SLACK_MS = 25_000;

// The five runs that wait out the deadline (four of 20 s, one of a silent node's 5 s reply timeout) start together,
// so that the file waits for it once, not five times (about 95 s of one test slot). Each `redfort audit` is a process
// of its own, as a user runs it: side by side in this one process, their reports (27 MB of JSON each, made after the
// deadline) took turns on its one thread and overran the slack under load. reboot-plan, which makes no report, runs
// here. An audit is timed from its first command to its seed (its process started, its deadline set: 7 s of node
// start-up at load 24, four at once) to its end; reboot-plan from its call. Each audit starts once the one before
// reached its seed, so that their deadlines, and the reports made then, come a process start-up apart.

const dir = mkdtempSync(join(tmpdir(), 'redfort-deployment-deadline-'));
let silent: FakeServer;
const proxies: FakeServer[] = [];
let cluster: RunningServer[];

/** Addresses of the silent server: all distinct (127.0.10.1 …), or one address `count` times. */
function silentAddresses(distinct: boolean, count: number): [string, number][] {
  return Array.from({ length: count }, (_, i) => [distinct ? `127.0.${10 + (i >> 8)}.${(i & 255) + 1}` : '127.0.9.9', silent.port]);
}

interface Report {
  targets: { target: string; error?: string; results: unknown[]; warnings?: string[] }[];
}

/** A hostile seed: a proxy in front of a real server, which notes when the run's first command reached it. */
interface Seed {
  readonly proxy: FakeServer;
  /** Resolves at the first command. */
  readonly reached: Promise<void>;
  /** When the first command came: the run's process had started and set its deadline. */
  readonly firstCommandAt: () => number | undefined;
}

/** A proxy in front of `real` whose replies `rewrite` changes. */
async function hostile(real: RunningServer, rewrite: (argv: readonly string[], reply: RespValue) => RespValue): Promise<Seed> {
  let first: number | undefined;
  let reach = (): void => {};
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const proxy = await forwardingProxy(real, {
    local() {
      first ??= performance.now();
      reach();
      return undefined;
    },
    rewrite,
  });
  proxies.push(proxy);
  return { proxy, reached, firstCommandAt: () => first };
}

interface Audit {
  readonly seed: FakeServer;
  /** From the first command to the seed to the end of the run (its process's start is not the deployment's). */
  readonly ms: number;
  readonly run: CliRun;
  readonly out: string;
}

/** `redfort audit --KIND SEED --target-timeout DEADLINE_MS` in a process of its own: how long it took, and its run. */
async function auditSeed(kind: 'cluster' | 'replication' | 'sentinel', seed: Seed, name: string): Promise<Audit> {
  const out = join(dir, `${name}.json`);
  const started = performance.now();
  const run = await runCli(['audit', `--${kind}`, `redis://127.0.0.1:${seed.proxy.port}`, '--target-timeout', String(DEADLINE_MS), '--no-host', '--no-probe', '--quiet', '--fail-on', 'none', '-o', `json=${out}`], { killAfterMs: 4 * DEADLINE_MS });
  return { seed: seed.proxy, ms: performance.now() - (seed.firstCommandAt() ?? started), run, out };
}

/** The run's report, once it is known to have ended in time without a warning. */
function reportOf(audit: Audit): Report {
  assert.ok(audit.ms < DEADLINE_MS + SLACK_MS, `took ${Math.round(audit.ms)} ms (exit ${audit.run.code}): ${audit.run.stderr}`);
  // Each node's listeners on the one signal: past Node's 10, a MaxListenersExceededWarning on stderr.
  assert.doesNotMatch(audit.run.stderr, /Warning/);
  return JSON.parse(readFileSync(audit.out, 'utf8')) as Report;
}

/** A proxy in front of the first cluster node whose CLUSTER NODES also names `addresses`. */
function hostileClusterSeed(addresses: readonly [string, number][]): Promise<Seed> {
  const extra = addresses.map(([host, port], i) => `${i.toString(16).padStart(40, 'f')} ${host}:${port}@1 master - 0 0 0 connected`).join('\n');
  return hostile(cluster[0]!, (argv, reply) => {
    if (argv.map((a) => a.toUpperCase()).join(' ') !== 'CLUSTER NODES' || typeof reply !== 'string') return reply;
    return `${reply.trimEnd()}\n${extra}\n`;
  });
}

/** A proxy in front of a master whose INFO replication also lists `addresses` as its replicas. */
function hostileMaster(master: RunningServer, addresses: readonly [string, number][]): Promise<Seed> {
  const slaves = addresses.map(([host, port], i) => `slave${i}:ip=${host},port=${port},state=online,offset=1,lag=0`).join('\r\n');
  return hostile(master, (argv, reply) => {
    if (argv[0]!.toUpperCase() !== 'INFO' || typeof reply !== 'string') return reply;
    return reply.replace(/connected_slaves:\d+/, `connected_slaves:${addresses.length}\r\n${slaves}`);
  });
}

/** A proxy in front of a sentinel that also lists `sentinels` as its peers and `replicas` as the master's replicas. */
function hostileSentinel(sentinel: RunningServer, sentinels: readonly [string, number][], replicas: readonly [string, number][]): Promise<Seed> {
  const entries = (list: readonly [string, number][], flags: string): RespValue[] =>
    list.map(([host, port]) => ['name', `${host}:${port}`, 'ip', host, 'port', String(port), 'flags', flags, 'master-link-status', 'ok']);
  return hostile(sentinel, (argv, reply) => {
    const command = argv.slice(0, 2).map((a) => a.toUpperCase()).join(' ');
    if (!Array.isArray(reply)) return reply;
    if (command === 'SENTINEL SENTINELS') return [...reply, ...entries(sentinels, 'sentinel')];
    if (command === 'SENTINEL REPLICAS' || command === 'SENTINEL SLAVES') return [...reply, ...entries(replicas, 'slave')];
    return reply;
  });
}

const silentNodes = { distinct: [] as [string, number][], same: [] as [string, number][], replicas: [] as [string, number][], sentinels: [] as [string, number][], sentinelReplicas: [] as [string, number][] };
let replicationMaster: RunningServer;
let sentinelMaster: RunningServer;
let runs: {
  distinct: Audit;
  same: Audit;
  replication: Audit;
  sentinel: Audit;
  plan: { seed: FakeServer; ms: number; outcome: Awaited<ReturnType<typeof planDeployment>> | undefined };
};

before(async () => {
  await build();
  // Accepts on every loopback address (127.0.x.y) and never answers.
  silent = await startFakeServer(() => 'silence', { host: '0.0.0.0' });
  silentNodes.distinct = silentAddresses(true, 997);
  silentNodes.same = silentAddresses(false, 997);
  silentNodes.replicas = silentAddresses(true, 999);
  silentNodes.sentinels = silentAddresses(true, 990);
  silentNodes.sentinelReplicas = silentAddresses(false, 999);
  let sentinel: RunningServer;
  [cluster, replicationMaster, [sentinelMaster, sentinel]] = await Promise.all([
    startCluster({ masters: 3, replicasPerMaster: 0, hosts: [...HOSTS] }).then((c) => c.nodes),
    startRedis({ conf: 'save ""', killOnStop: true }),
    (async (): Promise<[RunningServer, RunningServer]> => {
      const master = await startRedis({ host: '127.0.0.1', conf: 'save ""', killOnStop: true });
      const [one] = await startSentinelsOn(['127.0.0.1'], master, { name: 'mymaster', quorum: 1 });
      await waitForSentinels([one!], 'mymaster', 0, 0);
      return [master, one!];
    })(),
  ]);
  const [distinctSeed, sameSeed, planSeed, replicationSeed, sentinelSeed] = await Promise.all([
    hostileClusterSeed(silentNodes.distinct),
    hostileClusterSeed(silentNodes.same),
    hostileClusterSeed(silentNodes.distinct),
    hostileMaster(replicationMaster, silentNodes.replicas),
    hostileSentinel(sentinel, silentNodes.sentinels, silentNodes.sentinelReplicas),
  ]);
  const plan = async () => {
    const started = performance.now();
    // At most as long as an audit may run (killAfterMs): a plan that outlives it has failed already.
    const guard = new AbortController();
    const outcome = await Promise.race([
      planDeployment(resolveTarget(`redis://127.0.0.1:${planSeed.proxy.port}`, {}, {}), { targetTimeoutMs: DEADLINE_MS }),
      sleep(4 * DEADLINE_MS, undefined, { signal: guard.signal }).catch(() => undefined),
    ]);
    guard.abort();
    return { seed: planSeed.proxy, ms: performance.now() - started, outcome };
  };
  const planned = plan();
  planned.catch(() => undefined); // awaited below, after the audits
  const audits: Promise<Audit>[] = [];
  for (const [kind, seed, name] of [['cluster', distinctSeed, 'distinct'], ['replication', replicationSeed, 'replication'], ['sentinel', sentinelSeed, 'sentinel'], ['cluster', sameSeed, 'same']] as const) {
    const audit = auditSeed(kind, seed, name);
    audits.push(audit);
    await Promise.race([seed.reached, audit]);
  }
  const [distinct, replication, sentinelRun, same] = await Promise.all(audits);
  runs = { distinct: distinct!, same: same!, replication: replication!, sentinel: sentinelRun!, plan: await planned };
});
after(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await silent?.close();
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

/** The deployment's deadline message, as each node out of time says it. */
const OUT_OF_TIME = new RegExp(`\\(the seed and every node together\\) took longer than its ${DEADLINE_MS} ms \\(--target-timeout\\)|timed out`);

function checkSilent(report: Report, addresses: readonly [string, number][]): void {
  const expected = [...new Set(addresses.map(([h, p]) => `redis://${h}:${p}`))];
  const entries = report.targets.filter((t) => expected.includes(t.target));
  assert.equal(entries.length, expected.length, 'each silent address once');
  for (const e of entries) assert.match(e.error ?? '', OUT_OF_TIME, e.target);
}

describe('a cluster seed naming 997 silent nodes (1,000 with its 3 real ones): one deadline for the seed and every node', () => {
  it('a real 3-node cluster: all 3 nodes audited within the deadline', async () => {
    const out = join(dir, 'real.json');
    const run = await redfort(['audit', '--cluster', `redis://${cluster[0]!.host}:${cluster[0]!.port}`, '--target-timeout', String(DEADLINE_MS), '--no-host', '--no-probe', '--quiet', '--fail-on', 'none', '-o', `json=${out}`]);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    assert.equal(run.code, 0, JSON.stringify(report.targets.map((t) => [t.target, t.error])));
    assert.deepEqual(report.targets.map((t) => [t.target, t.error]), [
      [`cluster redis://${cluster[0]!.host}:${cluster[0]!.port} (3 nodes)`, undefined],
      ...cluster.map((n) => [`redis://${n.host}:${n.port}`, undefined]),
    ]);
  });

  for (const distinct of [true, false]) {
    it(`${distinct ? '997 distinct silent addresses' : 'one silent address 997 times'}: done in the deadline; the real nodes audited, each silent one an error`, () => {
      const audit = distinct ? runs.distinct : runs.same;
      const addresses = distinct ? silentNodes.distinct : silentNodes.same;
      const proxy = audit.seed;
      const report = reportOf(audit);
      const count = (distinct ? 997 : 1) + 3;
      assert.deepEqual([report.targets[0]!.target, report.targets[0]!.error], [`cluster redis://127.0.0.1:${proxy.port} (${count} nodes)`, undefined]);
      // The seed (reached through the proxy) and the two other real nodes keep their results.
      for (const target of [`redis://127.0.0.1:${proxy.port}`, `redis://${cluster[1]!.host}:${cluster[1]!.port}`, `redis://${cluster[2]!.host}:${cluster[2]!.port}`]) {
        const entry = report.targets.find((t) => t.target === target);
        assert.ok(entry && entry.error === undefined && entry.results.length > 0, `${target}: ${entry?.error}`);
      }
      checkSilent(report, addresses);
      assert.equal(report.targets.length, 1 + count);
    });
  }

  it('reboot-plan: the nodes asked for their role share one deadline too', () => {
    const { seed, ms, outcome } = runs.plan;
    assert.ok(outcome && ms < DEADLINE_MS + SLACK_MS, `took ${Math.round(ms)} ms`);
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
    assert.equal(outcome.name, `cluster redis://127.0.0.1:${seed.port} (1000 nodes)`);
    assert.equal(outcome.plan.safe, false);
  });
});

describe('a master naming 999 silent replicas in INFO replication', () => {
  it('--replication: done in the deadline; the master audited, each silent replica an error', () => {
    const report = reportOf(runs.replication);
    assert.equal(report.targets[0]!.error, undefined);
    const seed = report.targets.find((t) => t.target === `redis://127.0.0.1:${runs.replication.seed.port}`);
    assert.ok(seed && seed.error === undefined && seed.results.length > 0, seed?.error);
    checkSilent(report, silentNodes.replicas);
    assert.equal(report.targets.length, 2 + silentNodes.replicas.length);
  });
});

describe('a sentinel naming 990 silent sentinels and one silent replica 999 times', () => {
  it('--sentinel: done in the deadline; the sentinel and its master audited, each silent address once, an error', () => {
    const report = reportOf(runs.sentinel);
    assert.equal(report.targets[0]!.error, undefined);
    for (const target of [`redis://127.0.0.1:${runs.sentinel.seed.port}`, `redis://${sentinelMaster.host}:${sentinelMaster.port}`]) {
      const entry = report.targets.find((t) => t.target === target);
      assert.ok(entry && entry.error === undefined && entry.results.length > 0, `${target}: ${entry?.error}`);
    }
    checkSilent(report, [...silentNodes.sentinels, ...silentNodes.sentinelReplicas]);
    assert.equal(report.targets.length, 3 + silentNodes.sentinels.length + 1);
  });
});
