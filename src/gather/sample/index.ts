import type { Facts } from '../../facts/types.ts';
import type { Target } from '../../redis/target.ts';
import { targetKey } from '../../engine/triage/target-key.ts';
import type { SampleRequest } from './sample.ts';
import { sampleKeyspace } from './sample.ts';
import { configVersion } from '../../redis/version.ts';

export type { SampleRequest } from './sample.ts';
export { SAMPLE_ACL_GRANTS, SAMPLE_COMMANDS, SAMPLE_DEFAULTS } from './sample.ts';

/** What the library request says about sampling (`--sample-data`, the inventory's `sampleData`, the exporter's modules). */
export interface SampleOptions {
  /** Sample every live target with these budgets; off when absent. */
  readonly sample?: SampleRequest;
  /** Per target (`targetKey` of its URL): a request of its own, or `null` to leave it out. Beats `sample`. */
  readonly sampleTargets?: ReadonlyMap<string, SampleRequest | null>;
  readonly connectTimeoutMs?: number;
  /** The target's deadline: sampling stops (and says so) when it aborts. */
  readonly signal?: AbortSignal | undefined;
}

/** The sampling request for one target, if it is to be sampled. */
export function sampleRequestFor(target: Target, options: SampleOptions): SampleRequest | undefined {
  const own = options.sampleTargets?.get(targetKey(target.display));
  if (own === null) return undefined;
  // The inventory's own budgets beat the command line's; what it leaves out comes from there.
  return own === undefined ? options.sample : { ...options.sample, ...own };
}

function without(facts: Facts, reason: string): Facts {
  return { ...facts, unavailable: { ...facts.unavailable, sample: reason } };
}

/**
 * Adds a keyspace sample to a live target's facts, read from `readFrom` (a replica of the target, when one was
 * preferred) or the target itself. A sample that cannot be taken leaves the reason in `unavailable.sample`.
 */
export async function addSample(facts: Facts, target: Target, request: SampleRequest, options: SampleOptions & { readFrom?: { target: Target; facts: Facts } } = {}): Promise<Facts> {
  const node = options.readFrom ?? { target, facts };
  if (facts.connection?.unauthenticated) return without(facts, 'no credentials were given: the keyspace was not sampled');
  if (node.facts.server?.mode === 'sentinel') return without(facts, 'a sentinel holds no keyspace: sample its masters (or their replicas)');
  const outcome = await sampleKeyspace(node.target, request, {
    info: node.facts.info,
    // valkey-9.1.2 for Valkey: its own releases, not Redis's (CLIENT NO-TOUCH, HRANDFIELD).
    version: configVersion(node.facts.server),
    mode: node.facts.server?.mode,
    replica: options.readFrom !== undefined,
    connectTimeoutMs: options.connectTimeoutMs,
    signal: options.signal,
  });
  return outcome.ok ? { ...facts, sample: outcome.facts } : without(facts, outcome.reason);
}
