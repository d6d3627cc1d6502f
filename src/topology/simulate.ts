import type { Copy, Layout, Shard } from './layout.ts';

/** Sentinels of one master left after a loss, against the two thresholds a failover needs. */
export interface SentinelShortfall {
  readonly shard: Shard;
  readonly lost: readonly Copy[];
  readonly up: number;
  readonly total: number;
  readonly quorum: number;
}

/** What losing some failure domains at once, without warning, does to a deployment. */
export interface Loss {
  readonly labels: ReadonlySet<string>;
  /** Cluster: slot-serving masters, failed ones included (Redis counts the majority over all of them). */
  readonly mastersTotal: number;
  /** Healthy masters inside the lost domains. */
  readonly mastersLost: readonly Copy[];
  /** Healthy masters left. */
  readonly mastersUp: number;
  /** Cluster: whether the masters left are still a majority, so replicas of the lost ones can be elected. */
  readonly majorityKept: boolean;
  /** Shards with no healthy copy left. */
  readonly shardsLost: readonly Shard[];
  /** Sentinel: masters whose sentinels left are fewer than the quorum or not a majority. */
  readonly sentinelsShort: readonly SentinelShortfall[];
}

function healthyCopies(shard: Shard): Copy[] {
  return [shard.master, ...shard.replicas].filter((c) => c.healthy);
}

/** Whether a shard keeps a healthy copy outside the lost domains. */
export function keepsACopy(shard: Shard, lost: ReadonlySet<string>): boolean {
  return healthyCopies(shard).some((c) => !lost.has(c.label));
}

/** Sentinels of a shard left outside `lost`, and whether they can still declare the master down and authorize a failover. */
export function sentinelsLeft(shard: Shard, lost: ReadonlySet<string>): { up: number; total: number; enough: boolean } {
  const total = shard.sentinels.length;
  const up = shard.sentinels.filter((s) => s.healthy && !lost.has(s.label)).length;
  // `quorum` sentinels must agree the master is down; a majority of all known sentinels must authorize the failover.
  return { up, total, enough: up >= (shard.quorum ?? 1) && up * 2 > total };
}

/** Simulates losing every node of the given failure domains at once. Pure. */
export function simulateLoss(layout: Layout, labels: ReadonlySet<string>): Loss {
  const masters = layout.shards.map((s) => s.master);
  const mastersLost = masters.filter((m) => m.healthy && labels.has(m.label));
  const mastersUp = masters.filter((m) => m.healthy && !labels.has(m.label)).length;
  const sentinelsShort: SentinelShortfall[] = [];
  if (layout.kind === 'sentinel') {
    for (const shard of layout.shards) {
      const { up, total, enough } = sentinelsLeft(shard, labels);
      const lost = shard.sentinels.filter((s) => s.healthy && labels.has(s.label));
      if (!enough && lost.length > 0) sentinelsShort.push({ shard, lost, up, total, quorum: shard.quorum ?? 1 });
    }
  }
  return {
    labels,
    mastersTotal: masters.length,
    mastersLost,
    mastersUp,
    majorityKept: mastersUp * 2 > masters.length,
    shardsLost: layout.shards.filter((s) => !keepsACopy(s, labels)),
    sentinelsShort,
  };
}
