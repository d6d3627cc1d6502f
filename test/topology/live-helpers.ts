import assert from 'node:assert/strict';
import { eventually as poll } from '../harness/wait.ts';
import type { RuleResult, TargetResult } from '../../src/engine/run.ts';
import type { Status } from '../../src/rules/define.ts';
import { rawCommand } from '../harness/raw.ts';
import type { RawOptions } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

export const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'] as const;

export function auth(server: RunningServer, password = server.password): RawOptions {
  return { ...(password !== undefined ? { password } : {}), ...(server.rawTls ? { tls: server.rawTls } : {}), timeoutMs: 2000 };
}

/** Polls until `check` holds (errors count as not yet), at most `timeoutMs`. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  await poll(what, check, { timeoutMs });
}

export async function nodeId(node: RunningServer): Promise<string> {
  return String(await rawCommand(node.host, node.port, ['CLUSTER', 'MYID'], auth(node)));
}

/**
 * Waits until every node's CLUSTER NODES shows each replica following the expected master (node ids) and
 * every replica's link is up: `redis-cli --cluster create` returns before gossip has spread the roles.
 */
export async function waitForLayout(nodes: readonly RunningServer[], replicaOf: ReadonlyMap<number, number>): Promise<void> {
  const ids = await Promise.all(nodes.map(nodeId));
  await eventually('every node to agree on the cluster layout', async () => {
    for (const node of nodes) {
      const view = String(await rawCommand(node.host, node.port, ['CLUSTER', 'NODES'], auth(node)));
      const lines = new Map(view.trim().split('\n').map((l) => [l.split(' ')[0]!, l.split(' ')]));
      for (let i = 0; i < nodes.length; i++) {
        const fields = lines.get(ids[i]!);
        if (!fields || /fail|handshake|noaddr/.test(fields[2]!)) return false;
        const master = replicaOf.get(i);
        if (master === undefined ? !fields[2]!.includes('master') : fields[3] !== ids[master]) return false;
      }
      if (!/cluster_state:ok/.test(String(await rawCommand(node.host, node.port, ['CLUSTER', 'INFO'], auth(node))))) return false;
    }
    for (const i of replicaOf.keys()) {
      const info = String(await rawCommand(nodes[i]!.host, nodes[i]!.port, ['INFO', 'replication'], auth(nodes[i]!)));
      if (!/master_link_status:up/.test(info)) return false;
    }
    return true;
  }, 30_000);
}

/** Makes node `replica` follow node `master` (`CLUSTER REPLICATE`), when it does not already. */
export async function replicate(nodes: readonly RunningServer[], replica: number, master: number): Promise<void> {
  const replicaNode = nodes[replica]!;
  await rawCommand(replicaNode.host, replicaNode.port, ['CLUSTER', 'REPLICATE', await nodeId(nodes[master]!)], auth(replicaNode));
}

export interface ClusterSpec {
  readonly host: string;
  /** Index of the master this node replicates; masters have none. */
  readonly replicaOf?: number;
}

/**
 * A cluster in any shape, built by hand (CLUSTER MEET, ADDSLOTSRANGE, REPLICATE): `redis-cli --cluster create`
 * refuses fewer than 3 masters, and the 4-node case has 2.
 */
export async function buildCluster(specs: readonly ClusterSpec[], options: { password?: string } = {}): Promise<RunningServer[]> {
  const settled = await Promise.allSettled(
    specs.map((spec) =>
      startRedis({
        host: spec.host,
        password: options.password,
        conf: [
          'cluster-enabled yes',
          'cluster-config-file nodes.conf',
          'cluster-node-timeout 5000',
          `cluster-announce-ip ${spec.host}`,
          ...(options.password ? [`requirepass ${options.password}`, `masterauth ${options.password}`] : []),
        ].join('\n'),
      }),
    ),
  );
  const nodes = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw failed.reason;
  }
  try {
    const [first] = nodes;
    for (const node of nodes.slice(1)) await rawCommand(first!.host, first!.port, ['CLUSTER', 'MEET', node.host, node.port], auth(first!));
    const masters = specs.flatMap((s, i) => (s.replicaOf === undefined ? [i] : []));
    const size = Math.ceil(16384 / masters.length);
    for (const [k, i] of masters.entries()) {
      const node = nodes[i]!;
      await rawCommand(node.host, node.port, ['CLUSTER', 'ADDSLOTSRANGE', k * size, Math.min(16383, (k + 1) * size - 1)], auth(node));
    }
    await eventually('every node to know the others', async () => {
      for (const node of nodes) {
        const info = String(await rawCommand(node.host, node.port, ['CLUSTER', 'INFO'], auth(node)));
        if (!info.includes(`cluster_known_nodes:${nodes.length}`)) return false;
      }
      return true;
    });
    const replicaOf = new Map(specs.flatMap((s, i) => (s.replicaOf === undefined ? [] : [[i, s.replicaOf] as [number, number]])));
    // A new node must have learnt its master through gossip before CLUSTER REPLICATE accepts it.
    for (const [replica, master] of replicaOf) await eventually(`node ${replica} to replicate node ${master}`, async () => (await replicate(nodes, replica, master), true));
    await waitForLayout(nodes, replicaOf);
    return nodes;
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw error;
  }
}

/** Sentinels bound to the given hosts, one each, with the harness's settings (startSentinels binds all to 127.0.0.1). */
export async function startSentinelsOn(
  hosts: readonly string[],
  master: RunningServer,
  options: { name: string; quorum: number; authUser?: string; authPass?: string; requirepass?: string },
): Promise<RunningServer[]> {
  const lines = [`sentinel monitor ${options.name} ${master.host} ${master.port} ${options.quorum}`, `sentinel down-after-milliseconds ${options.name} 5000`];
  if (options.authUser) lines.push(`sentinel auth-user ${options.name} ${options.authUser}`);
  if (options.authPass) lines.push(`sentinel auth-pass ${options.name} ${options.authPass}`);
  if (options.requirepass) lines.push(`requirepass ${options.requirepass}`);
  // announce-ip: peers would otherwise learn each sentinel by its connection's source address, 127.0.0.1.
  const settled = await Promise.allSettled(
    hosts.map((host) => startRedis({ sentinel: true, host, conf: [...lines, `sentinel announce-ip ${host}`].join('\n'), password: options.requirepass })),
  );
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => s.stop()));
    throw failed.reason;
  }
  return started;
}

/** `flags` of each entry of SENTINEL SENTINELS / REPLICAS (flat field-value arrays). */
function flagsOf(reply: unknown): string[] {
  return (reply as unknown[][]).map((entry) => String(entry[entry.indexOf('flags') + 1]));
}

/** Waits until every sentinel knows `peers` others and the master's replicas, none of them down or unlinked. */
export async function waitForSentinels(sentinels: readonly RunningServer[], name: string, peers: number, replicas: number): Promise<void> {
  await eventually(`sentinels of '${name}' to find each other and the replicas`, async () => {
    for (const s of sentinels) {
      const known = flagsOf(await rawCommand(s.host, s.port, ['SENTINEL', 'SENTINELS', name], auth(s)));
      const found = flagsOf(await rawCommand(s.host, s.port, ['SENTINEL', 'REPLICAS', name], auth(s)));
      if (known.length !== peers || found.length !== replicas) return false;
      if ([...known, ...found].some((f) => /down|disconnected/.test(f))) return false;
    }
    return true;
  }, 30_000);
}

export function entry(results: readonly TargetResult[], target: string | RegExp): TargetResult {
  const found = results.find((r) => (typeof target === 'string' ? r.target === target : target.test(r.target)));
  assert.ok(found, `no entry for ${target} among ${results.map((r) => r.target).join(', ')}`);
  return found;
}

function show(results: readonly RuleResult[]): string {
  return results.map((r) => `${r.status} ${r.message}`).join('\n  ');
}

/** The results of one rule in one entry, all of the given status; returns their messages. */
export function expectRule(result: TargetResult, ruleId: string, status: Status, ...patterns: RegExp[]): string[] {
  const results = result.results.filter((r) => r.ruleId === ruleId);
  assert.ok(results.length > 0, `${result.target}: no result for ${ruleId}`);
  assert.ok(results.every((r) => r.status === status), `${result.target} ${ruleId}: expected ${status}, got\n  ${show(results)}`);
  const messages = results.map((r) => r.message);
  if (patterns.length > 0) {
    assert.equal(messages.length, patterns.length, `${result.target} ${ruleId}:\n  ${messages.join('\n  ')}`);
    patterns.forEach((p, i) => assert.match(messages[i]!, p, `${result.target} ${ruleId}`));
  }
  return messages;
}
