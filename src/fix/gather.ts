import type { TargetResult } from '../engine/run.ts';
import type { AuditOptions } from '../app/audit.ts';
import { gatherTarget, judgeFacts } from '../app/audit.ts';
import { deploymentFacts, deploymentName, discoverAudited, nodeOptions } from '../app/deployment.ts';
import type { Target } from '../redis/target.ts';
import type { DeploymentKind } from '../gather/topology/discover.ts';
import type { FixNodeInput } from './plan.ts';
import type { FixPlan } from './types.ts';
import { credentialOf, login } from './session.ts';
import { infoField } from '../redis/info.ts';
import { addressKey, addressOf, targetAddress } from '../net/address.ts';
import { clipped } from '../util/shown.ts';
import { terminalSafe } from '../report/common.ts';
import type { Facts, SentinelGroup } from '../facts/types.ts';
import { errorResults } from '../engine/run.ts';
import { RULES } from '../rules/index.ts';
import { abortReason, raceAbort, targetSignal } from '../util/deadline.ts';

/** What the audit before a plan (or an apply) found: every node's facts and results, and how to reach it. */
export interface FixState {
  readonly deployment: FixPlan['deployment'];
  readonly nodes: readonly (FixNodeInput & { readonly target: Target })[];
  /** The deployment entry's results (deployment audits only). */
  readonly deploymentResults?: TargetResult;
  /** The report entries, as `redfort audit` would print them. */
  readonly entries: readonly TargetResult[];
  /** What the person running fix should know (a `--node-override` that reached no node). */
  readonly warnings?: readonly string[];
}

export interface FixGatherOptions extends AuditOptions {
  readonly kind?: DeploymentKind | undefined;
  /** `host:port` (or a role) to the target that reaches that node; see `--node-override`. */
  readonly nodeOverrides?: ReadonlyMap<string, Target> | undefined;
  /**
   * `--trust-sentinel HOST:PORT` (as {@link addressKey}s): the sentinels besides the seed (and a `--node-override` by
   * address) that may be given the generated sentinel password; see {@link sentinelRefusal}.
   */
  readonly trustSentinels?: ReadonlySet<string> | undefined;
}


/**
 * How many connections named `sentinel-…` (Sentinel names its links so) a data node has: a node monitored by
 * sentinels the plan does not know of must not start requiring authentication. Read-only (CLIENT LIST).
 */
async function sentinelClients(target: Target, options: FixGatherOptions): Promise<number | string> {
  try {
    const conn = await login(target, credentialOf(target), options);
    try {
      const reply = await conn.command(['CLIENT', 'LIST']);
      if (typeof reply !== 'string') return `CLIENT LIST: ${String(reply)}`;
      return reply.split('\n').filter((l) => /\bname=sentinel-/.test(l)).length;
    } finally {
      await conn.close();
    }
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Audits a server (or a whole deployment) the way `redfort audit` does, keeping the facts: read-only.
 * Nodes that cannot be audited make the whole gathering fail: a plan over part of a deployment is not safe.
 */
export async function gatherFixState(seed: Target, options: FixGatherOptions): Promise<{ ok: true; state: FixState } | { ok: false; error: string }> {
  // One deadline for the target, a deployment's seed and every node together, as audit's (--target-timeout, the
  // run's deadline, the caller's signal): a dead or silent node is an error that names it once the time is up,
  // whatever step it was in. Each node's gathering stops at once then (src/app/audit.ts underDeadline), so the nodes
  // not done are named; should anything else hold the gathering, it ends DEADLINE_GRACE_MS later all the same.
  const what = options.kind === undefined ? 'this target' : `${options.kind} ${seed.display} (the seed and every node together)`;
  const { signal, dispose } = targetSignal(options, what);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const scoped: FixGatherOptions = { ...options, signal, targetTimeoutMs: undefined, deadline: undefined };
    const work = options.kind === undefined ? gatherSingle(seed, scoped, signal) : gatherDeployment(seed, scoped, options.kind, signal);
    if (!signal) return await work;
    const late = new Promise<{ ok: false; error: string }>((resolve) => {
      onAbort = () => {
        timer = setTimeout(() => resolve({ ok: false, error: abortReason(signal) }), DEADLINE_GRACE_MS);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    dispose();
  }
}

/** How long a gathering may run on past its deadline for the nodes out of time to be named. */
const DEADLINE_GRACE_MS = 500;

/** `sentinelClients` within the deadline: undefined when the time is up. */
async function watchedBy(target: Target, options: FixGatherOptions, signal: AbortSignal | undefined): Promise<number | string | undefined> {
  try {
    return await raceAbort(sentinelClients(target, options), signal);
  } catch (error) {
    if (signal?.aborted) return undefined;
    throw error;
  }
}

async function gatherSingle(seed: Target, options: FixGatherOptions, signal: AbortSignal | undefined): Promise<{ ok: true; state: FixState } | { ok: false; error: string }> {
  const gathered = await gatherTarget(seed, options);
  if (!gathered.ok) return { ok: false, error: gathered.error };
  const facts = gathered.facts;
  // Every rule skips then, and the plan said "Nothing to change: every rule fix can close passes".
  if (facts.connection?.unauthenticated) return { ok: false, error: facts.connection.unauthenticated };
  const judged = judgeFacts(facts, options);
  const mode = facts.server?.mode;
  const role = mode === 'sentinel' ? 'sentinel' : facts.info && infoField(facts.info, 'role') === 'slave' ? 'replica' : 'master';
  let watched = {};
  if (role !== 'sentinel') {
    const clients = await watchedBy(seed, options, signal);
    if (clients === undefined) return { ok: false, error: abortReason(signal!) };
    watched = { sentinelClients: clients };
  }
  return {
    ok: true,
    state: {
      deployment: 'single',
      nodes: [{ address: targetAddress(seed), host: seed.host, port: seed.port, role, facts, results: judged.results, target: seed, ...watched }],
      entries: [judged],
    },
  };
}

async function gatherDeployment(seed: Target, options: FixGatherOptions, kind: DeploymentKind, signal: AbortSignal | undefined): Promise<{ ok: true; state: FixState } | { ok: false; error: string }> {
  const discovery = await discoverAudited(seed, { ...options, kind });
  if (!discovery.ok) return { ok: false, error: `cannot discover the deployment: ${discovery.error}` };
  const name = deploymentName(kind, seed, discovery.nodes.length);
  const deployment = judgeFacts(deploymentFacts(name, discovery), options);
  const nodes: (FixNodeInput & { target: Target })[] = [];
  const entries: TargetResult[] = [deployment];
  for (const { node, target, outcome } of discovery.nodes) {
    const failed = !outcome.ok ? outcome.error : outcome.facts.connection?.unauthenticated;
    // QA44-56's rest: a sentinel besides the seed that cannot be audited (down, refusing the run's credentials, or not
    // answering as Redis: an address a hello message on the master named) is an error for it alone. It is sent
    // nothing, and whether it watches the data nodes with their default user is unknown: that stays on (see plan.ts).
    if (failed !== undefined && target.withheld === undefined && kind === 'sentinel' && node.role === 'sentinel' && target !== seed) {
      entries.push({ target: target.display, error: failed, results: errorResults(RULES, `${target.display} (${node.role} of ${name}): ${failed}`) });
      const facts: Facts = { target: target.display, sources: new Set(), unavailable: { server: failed } };
      nodes.push({ address: node.address, host: node.host, port: node.port, role: 'sentinel', facts, results: [], target, refused: { why: `it could not be audited: ${escaped(failed)}`, watching: true, unaudited: true } });
      continue;
    }
    if (!outcome.ok) return { ok: false, error: `${node.address} (${node.role}): ${outcome.error}` };
    // A node outside --trust-discovered got no credentials: fix neither plans for it nor sends it a generated password.
    if (target.withheld !== undefined) return { ok: false, error: `${node.address} (${node.role}): the run's credentials were not sent to it (outside --trust-discovered): fix plans only for nodes it logs in to; widen --trust-discovered or give --node-override ${node.address}=URL` };
    if (outcome.facts.connection?.unauthenticated) return { ok: false, error: `${node.address} (${node.role}): ${outcome.facts.connection.unauthenticated}` };
    const judged = judgeFacts({ ...outcome.facts, target: target.display }, options);
    entries.push(judged);
    // The node's own INFO says what it is now (the discovery source may lag behind a failover).
    const own = outcome.facts.info ? infoField(outcome.facts.info, 'role') : undefined;
    const role = node.role === 'sentinel' ? 'sentinel' : own === 'slave' ? 'replica' : own === 'master' ? 'master' : node.role;
    let watched = {};
    if (kind === 'replication' && role !== 'sentinel') {
      const clients = await watchedBy(target, nodeOptions(options), signal);
      if (clients === undefined) return { ok: false, error: `${node.address} (${node.role}): ${abortReason(signal!)}` };
      watched = { sentinelClients: clients };
    }
    const refused = kind === 'sentinel' && role === 'sentinel' ? sentinelRefusal(node.address, target === seed, outcome.facts, discovery.topology.groups, options) : undefined;
    // A node reached through its socket (the seed of unix:///path) is named by it, as the audit names it: `localhost:0` was
    // every socket's name, and two sockets' records were one node's (SOCKET-NAME).
    const address = target === seed && seed.socket !== undefined ? targetAddress(seed) : node.address;
    nodes.push({ address, host: node.host, port: node.port, role, facts: outcome.facts, results: judged.results, target, ...watched, ...(refused ? { refused } : {}) });
  }
  return { ok: true, state: { deployment: kind, nodes, deploymentResults: deployment, entries, ...(discovery.warnings ? { warnings: discovery.warnings } : {}) } };
}

/**
 * Why fix must send a sentinel of the group nothing (QA44-56), or undefined when it may change it. A sentinel learns
 * of its peers only from the hello messages on each master's `__sentinel__:hello` channel, which anyone who may
 * PUBLISH on the master can send: SENTINEL SENTINELS is the word of whoever published last, not of the operator. So a
 * sentinel gets the generated password (SENTINEL SET … auth-pass) only when it answered the plan's audit as a sentinel
 * (INFO redis_mode:sentinel) that monitors every master of the group at the address the seed has for it, and the
 * person running fix named it: the seed, a `--node-override` for its `host:port`, or `--trust-sentinel HOST:PORT`.
 * `watching` says whether it answered as a sentinel of the group (then the data nodes keep their default user: it
 * would lose its way in); a node that does not is no sentinel of the group and loses nothing. Pure.
 */
export function sentinelRefusal(
  address: string,
  isSeed: boolean,
  facts: Facts,
  groups: readonly SentinelGroup[],
  options: Pick<FixGatherOptions, 'nodeOverrides' | 'trustSentinels'>,
): { readonly why: string; readonly watching: boolean } | undefined {
  if (isSeed) return undefined;
  const mode = facts.server?.mode;
  if (mode !== 'sentinel') return { why: `it does not answer as a sentinel (INFO redis_mode: ${mode ?? 'unknown'}), though SENTINEL SENTINELS lists it (a hello message on the master, which anyone who may PUBLISH there can send)`, watching: false };
  const masters = facts.sentinel?.masters ?? [];
  for (const g of groups) {
    const own = masters.find((m) => m.name === g.name);
    if (!own) return { why: `its SENTINEL MASTERS has no master '${escaped(g.name)}', which the seed monitors`, watching: false };
    const [host, port] = splitAddress(g.master);
    if (addressKey(own.host, own.port) !== addressKey(host, port)) return { why: `it has master '${escaped(g.name)}' at ${escaped(addressOf(own.host, own.port))}, not at ${escaped(g.master)} as the seed has`, watching: false };
  }
  const [host, port] = splitAddress(address);
  const key = addressKey(host, port);
  const named = options.trustSentinels?.has(key) === true || [...(options.nodeOverrides?.keys() ?? [])].some((k) => k.includes(':') && addressKey(...splitAddress(k)) === key);
  if (named) return undefined;
  return { why: 'a sentinel known only from SENTINEL SENTINELS, that is from hello messages on the master, which anyone who may PUBLISH there can send: it gets no password until you name it with --trust-sentinel HOST:PORT (or --node-override HOST:PORT=URL)', watching: true };
}

/** A server's text as a plan line quotes it: clipped, control characters as `\\u000a` (the reports' terminalSafe). */
function escaped(text: string): string {
  return terminalSafe(clipped(text, 100));
}

/** `host:port` (an IPv6 host in brackets) as its host and port. */
function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), Number(address.slice(i + 1))];
}
