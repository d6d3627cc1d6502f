import type { Copy, Layout, Shard } from './layout.ts';
import { describeLabel, labelsOf, replicasDown } from './layout.ts';
import { keepsACopy, sentinelsLeft } from './simulate.ts';
import { shellQuote } from '../profile/ownership.ts';

/** A failover to trigger by hand before a batch, so that the batch takes no master down with it. */
export interface PlannedFailover {
  /** `slots 0-5460` or `master 'mymaster'`. */
  readonly shard: string;
  /** The master now. */
  readonly from: string;
  /** The replica expected to take over. */
  readonly to: string;
  /** Every replica outside the batch that may take over (Sentinel picks among them itself). */
  readonly candidates: readonly string[];
  /** The node to send the command to, and the command. */
  readonly on: string;
  readonly command: string;
  readonly note: string | undefined;
}

export interface RebootBatch {
  readonly labels: readonly string[];
  /** The nodes that go down, with their role once the failovers are done. */
  readonly nodes: readonly { readonly address: string; readonly role: string }[];
  readonly failovers: readonly PlannedFailover[];
}

/** Why a failure domain cannot be rebooted safely, what it holds, and what to change. */
export interface PlanProblem {
  /** Undefined for a problem of the whole deployment. */
  readonly label: string | undefined;
  readonly holds: readonly string[];
  readonly reason: string;
  readonly fix: string;
}

export interface RebootPlan {
  readonly kind: Layout['kind'];
  readonly hostKey: string | undefined;
  readonly safe: boolean;
  /** In order; empty when no safe plan exists. */
  readonly batches: readonly RebootBatch[];
  readonly problems: readonly PlanProblem[];
  /** Failovers that put the masters back where they were, once every batch is done (cluster only). */
  readonly failback: readonly PlannedFailover[];
}

export interface PlanOptions {
  /** Failure domains rebooted together at most; 1 (one host at a time) by default. */
  readonly maxBatch?: number;
}

interface State {
  readonly master: Copy[];
  readonly replicas: Copy[][];
}

function holdsOn(layout: Layout, label: string, state: State): string[] {
  const roleOf = (address: string): string => {
    const i = state.master.findIndex((m) => m.address === address);
    if (i !== -1) return `master of ${layout.shards[i]!.name}`;
    const j = state.replicas.findIndex((rs) => rs.some((r) => r.address === address));
    if (j !== -1) return `replica of ${layout.shards[j]!.name}`;
    return layout.nodes.find((n) => n.address === address)?.role ?? 'node';
  };
  const rank = (role: string) => (role.startsWith('master') ? 0 : role.startsWith('replica') ? 1 : 2);
  return layout.nodes
    .filter((n) => n.label === label)
    .map((n) => ({ n, role: roleOf(n.address) }))
    .sort((a, b) => rank(a.role) - rank(b.role) || a.n.address.localeCompare(b.n.address, 'en', { numeric: true }))
    .map(({ n, role }) => `${n.address} (${role}${n.healthy ? '' : ', down'})`);
}

function addReplicaFix(layout: Layout, shard: Shard): string {
  if (layout.kind === 'cluster') {
    // The node ID and the address are the server's words (CLUSTER NODES), put into a command the operator runs in a
    // shell: an ID is taken only as Redis makes one (40 hex digits, layout.ts nodeId), and each word is shell-quoted
    // (QA41-50: an ID `$(touch${IFS}/tmp/pwn)` ran as the operator).
    const id = shard.master.id ?? '<master-id>';
    const address = shellQuote(shard.master.address);
    return `give ${shard.name} a replica on another ${layout.hostKey ? 'failure domain' : 'host'}: on a node there run \`CLUSTER REPLICATE ${id}\`, or add one with \`redis-cli --cluster add-node <new-node> ${address} --cluster-slave --cluster-master-id ${shard.master.id === undefined ? id : shellQuote(id)}\``;
  }
  return `start a replica of ${shard.master.address} on another ${layout.hostKey ? 'failure domain' : 'host'} (\`replicaof ${shard.master.address.replace(/:(\d+)$/, ' $1')}\`); the sentinels find it on their own`;
}

/** Problems that no order of batches can avoid. */
function problemsOf(layout: Layout, labels: readonly string[], state: State): PlanProblem[] {
  const problems: PlanProblem[] = [];
  if (layout.kind === 'replication') {
    problems.push({
      label: undefined,
      holds: [],
      reason: 'a master and its replicas without Sentinel or cluster mode have no failover: rebooting the master stops every write',
      fix: 'run the nodes under Sentinel (3 sentinels on different hosts) or as a cluster, or accept the downtime of the master',
    });
    return problems;
  }
  for (const shard of layout.shards) {
    if (!keepsACopy(shard, new Set())) {
      problems.push({ label: undefined, holds: [shard.master.address], reason: `${shard.name} has no healthy copy now`, fix: 'bring the failed nodes back before planning reboots' });
    }
  }
  if (layout.kind === 'cluster') {
    const up = layout.shards.filter((s) => s.master.healthy).length;
    if (up * 2 <= layout.shards.length) {
      problems.push({
        label: undefined,
        holds: [],
        reason: `only ${up} of ${layout.shards.length} masters are up: no failover can be authorized`,
        fix: 'bring the failed masters back (or promote their replicas with CLUSTER FAILOVER TAKEOVER) before planning reboots',
      });
    }
  }
  if (problems.length > 0) return problems;
  for (const label of labels) {
    const lost = new Set([label]);
    const where = describeLabel(label, layout);
    for (const shard of layout.shards) {
      if (keepsACopy(shard, lost)) continue;
      const replicas = shard.replicas.filter((r) => r.healthy);
      problems.push({
        label,
        holds: holdsOn(layout, label, state),
        reason:
          replicas.length === 0
            ? `${shard.name}: master ${shard.master.address} has no replica${replicasDown(shard) ? ` that could take over (${replicasDown(shard)})` : ''}, so its data is unavailable while ${where} reboots`
            : `${where} holds every copy of ${shard.name} (master ${shard.master.address} and replica${replicas.length === 1 ? '' : 's'} ${replicas.map((r) => r.address).join(', ')})`,
        fix: addReplicaFix(layout, shard),
      });
    }
    if (layout.kind === 'sentinel') {
      for (const shard of layout.shards) {
        const { up, total, enough } = sentinelsLeft(shard, lost);
        const here = shard.sentinels.filter((s) => s.label === label).length;
        if (enough || here === 0) continue;
        const quorum = shard.quorum ?? 1;
        // Sentinels already down count for nothing: when they alone make the difference, bringing them back is the
        // fix, not running more sentinels (three on three domains with one down need the third back).
        const down = shard.sentinels.filter((x) => !x.healthy);
        const downText = down.map((x) => `${x.address} (${(x.health ?? []).join(', ') || 'down'})`).join(', ');
        const downOnly = down.length > 0 && sentinelsLeft({ ...shard, sentinels: shard.sentinels.map((x) => ({ ...x, healthy: true })) }, lost).enough;
        problems.push({
          label,
          holds: holdsOn(layout, label, state),
          reason: `${where} runs ${here} of the ${total} sentinels watching ${shard.name}${down.length > 0 ? ` and ${down.length === 1 ? 'sentinel' : 'sentinels'} ${downText} ${down.length === 1 ? 'is' : 'are'} down` : ''}: while it reboots ${up} ${up < quorum ? `are fewer than the quorum of ${quorum}` : `are not a majority of ${total}`}, so no failover can happen`,
          fix: downOnly
            ? `bring sentinel${down.length === 1 ? '' : 's'} ${down.map((x) => x.address).join(', ')} back before any reboot`
            : `${down.length > 0 ? `bring sentinel${down.length === 1 ? '' : 's'} ${down.map((x) => x.address).join(', ')} back, and ` : ''}run an odd number of at least 3 sentinels on as many ${layout.hostKey ? 'failure domains' : 'hosts'}, so that none holds half of them`,
        });
      }
    }
  }
  return problems;
}

function safeTogether(layout: Layout, batch: ReadonlySet<string>): boolean {
  return layout.shards.every((s) => keepsACopy(s, batch) && (layout.kind !== 'sentinel' || sentinelsLeft(s, batch).enough));
}

function failoversFor(layout: Layout, batch: ReadonlySet<string>, done: ReadonlySet<string>, state: State): PlannedFailover[] {
  const failovers: PlannedFailover[] = [];
  layout.shards.forEach((shard, i) => {
    const master = state.master[i]!;
    if (!batch.has(master.label)) return;
    // Prefer a replica on a domain already rebooted: the new master need not move again.
    const candidates = state.replicas[i]!
      .filter((r) => r.healthy && !batch.has(r.label))
      .sort((a, b) => Number(!done.has(a.label)) - Number(!done.has(b.label)) || a.address.localeCompare(b.address, 'en', { numeric: true }));
    const to = candidates[0]!;
    let on = to.address;
    let command = 'CLUSTER FAILOVER';
    let note: string | undefined;
    if (layout.kind === 'sentinel') {
      const byAddress = [...shard.sentinels].sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }));
      const sentinel = byAddress.find((s) => s.healthy && !batch.has(s.label)) ?? byAddress[0];
      on = sentinel?.address ?? '<a sentinel>';
      command = `SENTINEL FAILOVER ${shard.name.replace(/^master '(.*)'$/, '$1')}`;
      const inside = state.replicas[i]!.filter((r) => batch.has(r.label)).map((r) => r.address);
      note =
        (candidates.length > 1 ? `Sentinel picks the replica itself among ${candidates.map((c) => c.address).join(', ')}; the plan assumes ${to.address}` : `Sentinel should pick ${to.address}`) +
        (inside.length > 0 ? `; first set \`CONFIG SET replica-priority 0\` on ${inside.join(', ')} (restore it after the batch) so that it picks none inside the batch` : '');
    }
    failovers.push({ shard: shard.name, from: master.address, to: to.address, candidates: candidates.map((c) => c.address), on, command, note });
    // After the failover the old master follows the new one.
    state.master[i] = to;
    state.replicas[i] = [...state.replicas[i]!.filter((r) => r.address !== to.address), master];
  });
  return failovers;
}

/**
 * Orders the failure domains of a deployment into reboot batches such that no batch takes down every copy of
 * some data or the sentinels a failover needs, and lists the failovers to trigger before each batch so that no
 * batch takes a master down. Pure: it only says what to run.
 */
export function planReboots(layout: Layout, options: PlanOptions = {}): RebootPlan {
  const maxBatch = Math.max(1, options.maxBatch ?? 1);
  const state: State = { master: layout.shards.map((s) => s.master), replicas: layout.shards.map((s) => [...s.replicas]) };
  const labels = labelsOf(layout);
  const problems = problemsOf(layout, labels, state);
  const base = { kind: layout.kind, hostKey: layout.hostKey };
  if (problems.length > 0) return { ...base, safe: false, batches: [], problems, failback: [] };

  // Domains without masters first: they need no failover, and their replicas can take over from the others.
  const mastersOn = (label: string) => state.master.filter((m) => m.label === label).length;
  const order = [...labels].sort((a, b) => mastersOn(a) - mastersOn(b));
  const groups: string[][] = [];
  for (const label of order) {
    const current = groups.at(-1);
    if (current && current.length < maxBatch && safeTogether(layout, new Set([...current, label]))) current.push(label);
    else groups.push([label]);
  }

  const done = new Set<string>();
  const batches: RebootBatch[] = groups.map((labelsInBatch) => {
    const batch = new Set(labelsInBatch);
    const failovers = failoversFor(layout, batch, done, state);
    const nodes = layout.nodes
      .filter((n) => batch.has(n.label))
      .map((n) => ({
        address: n.address,
        role: state.master.some((m) => m.address === n.address)
          ? 'master'
          : state.replicas.some((rs) => rs.some((r) => r.address === n.address))
            ? 'replica'
            : n.role,
      }));
    for (const label of labelsInBatch) done.add(label);
    return { labels: labelsInBatch, nodes, failovers };
  });

  const failback: PlannedFailover[] =
    layout.kind !== 'cluster'
      ? []
      : layout.shards.flatMap((shard, i) => {
          const now = state.master[i]!;
          if (now.address === shard.master.address || !shard.master.healthy) return [];
          return [{ shard: shard.name, from: now.address, to: shard.master.address, candidates: [shard.master.address], on: shard.master.address, command: 'CLUSTER FAILOVER', note: undefined }];
        });
  return { ...base, safe: true, batches, problems: [], failback };
}
