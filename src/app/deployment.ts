import { FACT_KEYS } from '../facts/types.ts';
import type { Facts, FactKey } from '../facts/types.ts';
import type { RuleResult, TargetResult } from '../engine/run.ts';
import { errorResults } from '../engine/run.ts';
import { RULES } from '../rules/index.ts';
import type { AuditOptions } from './audit.ts';
import { createHostDiscovery } from '../gather/host/index.ts';
import { BuildTables } from '../gather/live/build-tables.ts';
import { gatherTarget, judgeScrubbed, reportedServer, scrubbedSecrets, scrubFacts, scrubPassword } from './audit.ts';
import type { Target } from '../redis/target.ts';
import { gatherLive } from '../gather/live/gather-live.ts';
import type { DeploymentKind, Discovery } from '../gather/topology/discover.ts';
import { discoverDeployment } from '../gather/topology/discover.ts';
import type { HostKeyMap } from '../topology/host-key.ts';
import { layoutFromTopology } from '../topology/layout.ts';
import type { RebootPlan } from '../topology/reboot-plan.ts';
import { planReboots } from '../topology/reboot-plan.ts';
import { addSample, sampleRequestFor } from '../gather/sample/index.ts';
import { mapBounded } from '../util/map-bounded.ts';
import { AUDIT_CONCURRENCY, TARGET_TIMEOUT_MS } from '../util/defaults.ts';
import { targetSignal } from '../util/deadline.ts';

export interface DeploymentOptions extends AuditOptions {
  readonly kind: DeploymentKind;
  /** Failure domains of the nodes (`--host-key`); by default nodes are grouped by IP address. */
  readonly hostKey?: HostKeyMap | undefined;
  /** `host:port` or a role (`master`, `replica`, `sentinel`) to the target to reach those nodes with. */
  readonly nodeOverrides?: ReadonlyMap<string, Target> | undefined;
  /** How the warning about an override that reached no node names its KEY (an inventory's line); `--node-override KEY` else. */
  readonly overrideNames?: ReadonlyMap<string, string> | undefined;
}

/**
 * The rules of `scope: 'deployment'`, whose verdict concerns the deployment as a whole: judged once in the
 * deployment entry, where the topology (and the host-key labels) are known, rather than once per node from each
 * node's partial view.
 */
export const DEPLOYMENT_RULES: ReadonlySet<string> = new Set(RULES.filter((r) => r.scope === 'deployment').map((r) => r.id));

/** Facts the deployment entry does not mark as per node: its own, and the keyspace sample (see `sampling` below). */
const DEPLOYMENT_FACTS: ReadonlySet<FactKey> = new Set(['cluster', 'sentinel', 'topology', 'sample']);

const PER_NODE =
  "the deployment entry judges the deployment as a whole: this node-level fact is judged in each node's own entry";

/** `cluster redis://10.0.0.1:6379 (6 nodes)`. */
export function deploymentName(kind: DeploymentKind, seed: Target, nodes: number): string {
  return `${kind} ${seed.display} (${nodes} node${nodes === 1 ? '' : 's'})`;
}

/** The facts the deployment entry is judged on: the topology, plus the seed's own view of the cluster or sentinel. */
export function deploymentFacts(name: string, discovery: Extract<Discovery, { ok: true }>): Facts {
  const { seedFacts, topology } = discovery;
  const unavailable: Partial<Record<FactKey, string>> = {};
  for (const key of FACT_KEYS) if (!DEPLOYMENT_FACTS.has(key)) unavailable[key] = PER_NODE;
  if (!seedFacts.cluster) unavailable.cluster = seedFacts.unavailable.cluster ?? 'not a cluster';
  if (!seedFacts.sentinel) unavailable.sentinel = seedFacts.unavailable.sentinel ?? 'not a sentinel deployment';
  return {
    target: name,
    sources: new Set(['topology', 'live']),
    ...(seedFacts.cluster ? { cluster: seedFacts.cluster } : {}),
    ...(seedFacts.sentinel ? { sentinel: seedFacts.sentinel } : {}),
    topology,
    unavailable,
  };
}

function deferred(results: readonly RuleResult[], name: string, options: AuditOptions): RuleResult[] {
  const out: RuleResult[] = [];
  for (const r of results) {
    // A rule turned off is not judged on the node either: it keeps the settings file's word.
    if (!DEPLOYMENT_RULES.has(r.ruleId) || r.disabled !== undefined) {
      out.push(r);
      continue;
    }
    // A failing rule gives one result per finding: the node keeps one skip in their place.
    if (out.some((o) => o.ruleId === r.ruleId)) continue;
    const overrides = options.severityOverrides;
    const severity = overrides?.get(r.ruleId) ?? overrides?.get(r.ruleId.split('.')[0]!) ?? RULES.find((x) => x.id === r.ruleId)?.severity ?? r.severity;
    out.push({ ...r, status: 'skip', severity, message: `judged once for the whole deployment, in the entry '${name}'`, evidence: [], source: null, remediation: RULES.find((x) => x.id === r.ruleId)?.remediation ?? r.remediation });
  }
  return out;
}

/** Node-level options: the seed's config-file paths describe the seed only. */
export function nodeOptions<O extends AuditOptions>(options: O): Omit<O, 'configPath' | 'aclPath' | 'sentinelConfigPath'> {
  const { configPath: _c, aclPath: _a, sentinelConfigPath: _s, ...rest } = options;
  return rest;
}

/**
 * Discovers the deployment `seed` belongs to, each node gathered as an audit gathers it (the seed with the
 * config-file paths given for it, the other nodes without): the one way in for the audit of a deployment and fix's.
 */
export function discoverAudited(seed: Target, options: AuditOptions & Omit<DeploymentOptions, keyof AuditOptions>): Promise<Discovery> {
  const perNode = nodeOptions(options);
  return discoverDeployment(seed, {
    kind: options.kind,
    gather: (target, isSeed, extra) => gatherTarget(target, { ...(isSeed ? options : perNode), ...extra }),
    signal: options.signal,
    hostKey: options.hostKey,
    nodeOverrides: options.nodeOverrides,
    overrideNames: options.overrideNames,
    trustDiscovered: options.trustDiscovered,
    concurrency: options.concurrency,
    connectTimeoutMs: options.connectTimeoutMs,
    commandTimeoutMs: options.commandTimeoutMs,
  });
}

/**
 * Audits a whole deployment from one of its nodes: discovers every node (a cluster's node list, a sentinel's
 * masters, replicas and peers, or a master's replicas), audits each like `auditTarget` (concurrently, same
 * credentials and TLS settings unless overridden), and judges the deployment as a whole.
 *
 * @returns the deployment entry first, then one entry per node; a node that cannot be reached is an error entry.
 */
export async function auditDeployment(seed: Target, given: DeploymentOptions): Promise<TargetResult[]> {
  // One deadline for the seed and every node together (--target-timeout, the run's deadline, the caller's signal):
  // each node counted its own, so a seed naming 999 silent nodes held the run for 999 of them, 16 at a time (321 s
  // at --target-timeout 5000). A node not done by then is an error of its own; the nodes done keep their results.
  const { signal, dispose } = targetSignal(given, `${given.kind} ${seed.display} (the seed and every node together)`);
  try {
    // Local nodes share one look at this machine.
    // The nodes are mostly one build: its ACL categories are asked of one node (src/gather/live/build-tables.ts).
    return await auditDiscovered(seed, {
      ...given,
      signal,
      targetTimeoutMs: undefined,
      deadline: undefined,
      hostDiscovery: given.hostDiscovery ?? createHostDiscovery(),
      buildTables: given.buildTables ?? new BuildTables(),
    });
  } finally {
    dispose();
  }
}

async function auditDiscovered(seed: Target, options: DeploymentOptions): Promise<TargetResult[]> {
  const discovery = await discoverAudited(seed, options);
  if (!discovery.ok) {
    const name = `${options.kind} ${seed.display}`;
    const message = `cannot discover the deployment: ${discovery.error}`;
    const entry: TargetResult = { target: name, error: message, results: errorResults(RULES, message) };
    return discovery.seedFacts ? [entry, judgeScrubbed(discovery.seedFacts, options, seed)] : [entry];
  }
  const name = deploymentName(options.kind, seed, discovery.nodes.length);
  const whole = deploymentFacts(name, discovery);
  // With sampling asked for, the keyspace is judged in the masters' entries, not as a manual item here.
  const sampling = options.sample !== undefined || [...(options.sampleTargets?.values() ?? [])].some((r) => r !== null);
  const deployment = judgeScrubbed(sampling ? { ...whole, unavailable: { ...whole.unavailable, sample: "the keyspace is sampled per master: see the masters' entries" } } : whole, options, seed);
  // The seed's identity and the walk's warnings (which name the nodes' addresses, as the servers gave them) are
  // scrubbed of its password as the facts are (judgeScrubbed), redfort's words left whole.
  const secrets = scrubbedSecrets(seed);
  const server = scrubFacts(discovery.seedFacts.server, secrets);
  // A --node-override that reached no node is said in the deployment entry (the CLI prints its warnings).
  const warnings = [...(deployment.warnings ?? []), ...scrubFacts(discovery.warnings ?? [], secrets)];
  const entries: TargetResult[] = [{ ...deployment, ...(server ? { server: reportedServer(server) } : {}), ...(warnings.length > 0 ? { warnings } : {}) }];
  const sampled = await sampleDeployment(discovery, options);
  for (const [i, { node, target, outcome }] of discovery.nodes.entries()) {
    if (!outcome.ok) {
      entries.push({ target: target.display, error: outcome.error, results: errorResults(RULES, `${target.display} (${node.role} of ${name}): ${outcome.error}`) });
      continue;
    }
    const judged = judgeScrubbed({ ...(sampled.get(i) ?? outcome.facts), target: target.display }, options, target);
    entries.push({ ...judged, results: deferred(judged.results, name, options) });
  }
  return entries;
}

/**
 * `--sample-data` on a deployment: each master's keyspace is sampled once, on one of its healthy replicas when it
 * has one. Sampling costs the server CPU (SCAN and the reads run on its main thread), and a replica serves no
 * writes; it holds the same data. Replicas then point at their master's entry; a master without a reachable
 * replica is sampled itself.
 */
async function sampleDeployment(discovery: Extract<Discovery, { ok: true }>, options: DeploymentOptions): Promise<Map<number, Facts>> {
  const nodes = discovery.nodes;
  const result = new Map<number, Facts>();
  const healthyReplicaOf = (address: string) =>
    nodes.find(
      (n) =>
        n.node.role === 'replica' && n.node.masterAddress === address && n.outcome.ok && n.node.health.length === 0 &&
        (n.outcome.facts.info?.get('replication')?.get('master_link_status') ?? 'up') === 'up',
    );
  await mapBounded([...nodes.entries()], options.concurrency ?? AUDIT_CONCURRENCY, async ([i, { node, target, outcome }]) => {
    if (!outcome.ok) return;
    const request = sampleRequestFor(target, options);
    if (!request) return;
    const facts = outcome.facts;
    if (node.role === 'replica') {
      const master = nodes.find((n) => n.node.address === node.masterAddress && n.outcome.ok);
      if (master && sampleRequestFor(master.target, options)) {
        result.set(i, { ...facts, unavailable: { ...facts.unavailable, sample: `the keyspace is sampled once per master: see the entry of ${master.target.display}` } });
        return;
      }
      result.set(i, await addSample(facts, target, request, options));
      return;
    }
    const replica = node.role === 'master' ? healthyReplicaOf(node.address) : undefined;
    const readFrom = replica && replica.outcome.ok ? { target: replica.target, facts: replica.outcome.facts } : undefined;
    result.set(i, await addSample(facts, target, request, { ...options, ...(readFrom ? { readFrom } : {}) }));
  });
  return result;
}

export interface RebootPlanOptions extends AuditOptions {
  readonly hostKey?: HostKeyMap | undefined;
  /** Failure domains rebooted together at most (default 1). */
  readonly maxBatch?: number | undefined;
}

/**
 * Plans the reboot of a cluster or a sentinel-managed group, found from one of its nodes. Read-only: only the
 * seed is asked (CLUSTER NODES, or SENTINEL MASTERS/REPLICAS/SENTINELS); the plan says which failovers to run.
 */
export async function planDeployment(
  seed: Target,
  options: RebootPlanOptions = {},
): Promise<{ ok: true; name: string; plan: RebootPlan; warnings: readonly string[] } | { ok: false; error: string }> {
  // One deadline for the seed and the cluster nodes asked for their role, an audit's default (reboot-plan has no
  // --target-timeout): a seed naming 997 silent nodes held it 5 s for each, 16 at a time. A node not asked in time
  // keeps the role the seed gives it.
  const { signal, dispose } = targetSignal(
    { signal: options.signal, deadline: options.deadline, targetTimeoutMs: options.targetTimeoutMs ?? TARGET_TIMEOUT_MS },
    `the deployment of ${seed.display} (the seed and every node together)`,
  );
  let discovery: Discovery;
  try {
    const live = { ...options, signal };
    discovery = await discoverDeployment(seed, {
      kind: 'auto',
      auditNodes: false,
      signal,
      // The topology is all the plan needs: the live facts of the seed, without the other gathering stages.
      gather: async (target, _seed, extra) => {
        const outcome = await gatherLive(target, { ...live, ...extra });
        return outcome.ok ? outcome : { ok: false, error: scrubPassword(outcome.error, target) };
      },
      hostKey: options.hostKey,
      trustDiscovered: options.trustDiscovered,
      connectTimeoutMs: options.connectTimeoutMs,
      commandTimeoutMs: options.commandTimeoutMs,
    });
  } finally {
    dispose();
  }
  if (!discovery.ok) return { ok: false, error: discovery.error };
  const { topology } = discovery;
  if (topology.kind === 'replication') {
    return { ok: false, error: `${seed.display} is neither a cluster node nor a sentinel: reboot-plan needs one to know how failovers happen` };
  }
  // Unknown is not none: a group whose replicas or peer sentinels the seed would not list (NOPERM) would be planned
  // as "no replica" and "1 of the 1 sentinels", false facts with wrong advice (QA40-59). No plan, and why.
  const unlisted = topology.groups.flatMap((g) => [g.replicasUnavailable, g.sentinelsUnavailable].filter((why): why is string => why !== undefined));
  if (unlisted.length > 0) {
    const names = topology.groups.filter((g) => g.replicasUnavailable !== undefined || g.sentinelsUnavailable !== undefined).map((g) => `'${g.name}'`);
    return {
      ok: false,
      error: `no plan: the replicas or sentinels of ${names.length === 1 ? 'master' : 'masters'} ${names.join(', ')} are unknown, not none: ${unlisted.join('; ')} (see docs/auditor-user.md)`,
    };
  }
  const name = deploymentName(topology.kind, seed, topology.nodes.length);
  return { ok: true, name, plan: planReboots(layoutFromTopology(topology), { maxBatch: options.maxBatch ?? 1 }), warnings: discovery.warnings ?? [] };
}
