import { sha256Hex } from '../../util/hash.ts';
import { resolveTarget } from '../../redis/target.ts';

/**
 * What identifies a server whatever the spelling: `host:port/db`. `redis://auditor@db1:6380`,
 * `rediss://db1:6380` and `db1:6380` are one server. A target that is not a server address (a
 * file audited on its own) is its own key.
 */
export function targetKey(spec: string): string {
  let key = knownKeys.get(spec);
  if (key === undefined) {
    key = keyOf(spec);
    if (knownKeys.size >= MAX_KNOWN_KEYS) knownKeys.clear();
    knownKeys.set(spec, key);
  }
  return key;
}

/**
 * Keys already made: a report fingerprints every failure of a target (tens per target, thousands in a fleet), each
 * with the same target, and parsing it again each time was most of a fingerprint's cost. Bounded, started afresh when full.
 */
const knownKeys = new Map<string, string>();
const MAX_KNOWN_KEYS = 4096;

function keyOf(spec: string): string {
  try {
    const target = resolveTarget(spec, {}, {});
    return `${target.host.toLowerCase()}:${target.port}/${target.db}`;
  } catch {
    return spec;
  }
}

/**
 * Identifies a finding across runs: rule, server and message with every number replaced, so that a
 * line number, a count or a version in the message does not make it a new finding. SARIF's
 * `partialFingerprints` and baselines use it.
 */
export function fingerprint(ruleId: string, target: string, message: string): string {
  const normalised = message.replace(/\d+/g, '0');
  return sha256Hex(`${ruleId}\n${targetKey(target)}\n${normalised}`).slice(0, 32);
}
