import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditDeployment, planDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { bulk } from '../helpers/fake-resp-server.ts';
import { loadRecording, startRecordedServer } from '../helpers/recorded-server.ts';
import type { RecordedServer } from '../helpers/recorded-server.ts';
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

// The master and its replica, shared by both cases (each has a sentinel of its own, under its own master name, so that
// neither lists the other as a peer).
let master: RunningServer;
let replica: RunningServer;
before(async () => {
  master = await startRedis({ host: '127.0.0.1' });
  replica = await startRedis({ host: '127.0.0.1', conf: `replicaof ${master.host} ${master.port}\nreplica-announce-ip 127.0.0.1` });
});

describe('a replica a sentinel lists by host name and by IP (stale known-replica)', () => {
  let sentinel: RunningServer;

  before(async () => {
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

  // REBOOT-DUP: reboot-plan gathers no replica, so it had no run_id to compare and planned the one replica as two
  // ('(4 nodes)', both names held by the host). The sentinel's own `runid` of each listing is what it read there.
  it('reboot-plan counts it once too, from the run_id the sentinel read at each address', async () => {
    const seed = resolveTarget(`redis://127.0.0.1:${sentinel.port}`, {}, {});
    const outcome = await planDeployment(seed);
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
    assert.equal(outcome.name, `sentinel redis://127.0.0.1:${sentinel.port} (3 nodes)`);
    // One host holds all: no plan, and the problems name what it holds, the replica once.
    const held = outcome.plan.problems.flatMap((p) => p.holds).filter((h) => h.includes(`:${replica.port} `));
    assert.ok(held.length > 0, JSON.stringify(outcome.plan.problems));
    assert.deepEqual([...new Set(held)], [`127.0.0.1:${replica.port} (replica of master '${NAME}')`]);
    assert.equal(held.length, outcome.plan.problems.length, JSON.stringify(outcome.plan.problems));
    assert.ok(outcome.warnings.some((w) => w.includes(`localhost:${replica.port}`) && /same run_id/.test(w) && /counted once/.test(w) && !/audited/.test(w)), JSON.stringify(outcome.warnings));
  });
});

// RUNID-TRUST: QA43-7's merge took one run_id for one server. Another server that answers with a real node's run_id
// took that node's place when its address ranked first: here the master, known to the sentinel by name (localhost),
// was dropped for a stranger listed by IP, which was then audited as the master. An answer is the word of the server
// that gives it: two addresses are one server only when they are one address once resolved.
describe("a server that answers with another node's run_id, at an address that is not that node's", () => {
  const OTHER = 'other';
  let sentinel: RunningServer;
  let stranger: RecordedServer;

  before(async () => {
    const info = String(await rawCommand(master.host, master.port, ['INFO', 'server'], { timeoutMs: 2000 }));
    const runId = /run_id:([0-9a-f]{40})/.exec(info)![1]!;
    // Another server (a recorded 6.2.16) that says it is a replica of the master and answers with the master's run_id.
    const recording = loadRecording('redis-6.2.16-default');
    const recorded = new Map(recording.replies.filter((e) => e.command[0] === 'INFO').map((e) => [e.command.join(' ').toUpperCase(), e.reply]));
    stranger = await startRecordedServer(recording, {
      override: (argv) => {
        const reply = recorded.get(argv.join(' ').toUpperCase());
        if (argv[0]?.toUpperCase() !== 'INFO' || reply === undefined) return undefined;
        const body = reply.slice(reply.indexOf('\r\n') + 2, -2)
          .replace(/run_id:\w+/, `run_id:${runId}`)
          .replace('role:master', `role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:${master.port}\r\nmaster_link_status:up`);
        return bulk(body);
      },
    });
    sentinel = await startRedis({
      sentinel: true,
      host: '127.0.0.1',
      conf: [
        'sentinel resolve-hostnames yes',
        'sentinel announce-hostnames yes',
        `sentinel monitor ${OTHER} localhost ${master.port} 1`,
        `sentinel down-after-milliseconds ${OTHER} 60000`,
        `sentinel known-replica ${OTHER} 127.0.0.1 ${stranger.port}`,
      ].join('\n'),
    });
    await eventually('the sentinel to list the stranger as a replica', async () => {
      const reply = (await rawCommand(sentinel.host, sentinel.port, ['SENTINEL', 'REPLICAS', OTHER], { timeoutMs: 2000 })) as unknown[][];
      return reply.some((e) => String(e[e.indexOf('port') + 1]) === String(stranger.port));
    });
  });
  after(async () => {
    await stranger?.close();
  });

  it('both are audited, the master at its own address, and a warning names both', async () => {
    const seed = resolveTarget(`redis://127.0.0.1:${sentinel.port}`, {}, {});
    const results = await auditDeployment(seed, { ...FAST, kind: 'sentinel' });
    const [deployment, ...nodes] = results;
    const targets = nodes.map((n) => n.target);
    assert.ok(targets.includes(`redis://localhost:${master.port}`), JSON.stringify(targets));
    assert.ok(targets.includes(`redis://127.0.0.1:${stranger.port}`), JSON.stringify(targets));
    assert.equal(nodes.find((n) => n.target === `redis://localhost:${master.port}`)!.role, 'master');
    const warnings = deployment!.warnings ?? [];
    assert.ok(
      warnings.some((w) => w.includes(`localhost:${master.port}`) && w.includes(`127.0.0.1:${stranger.port}`) && /same run_id/.test(w) && /each is audited and counted as a node of its own/.test(w)),
      JSON.stringify(warnings),
    );
    assert.ok(!warnings.some((w) => /one server at/.test(w) && w.includes(`:${stranger.port}`)), JSON.stringify(warnings));
  });
});
