import { sha256Hex } from '../../util/hash.ts';
import { resolveTarget } from '../../redis/target.ts';
import { findRule } from '../../rules/index.ts';

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

/** `cluster redis://db1:6379 (6 nodes)`: a deployment entry's name, kind and seed, with its node count for display. */
const DEPLOYMENT_NAME = /^(cluster|sentinel|replication) (\S+)(?: \(\d+ nodes?\))?$/;

/**
 * A deployment entry's name without its node count (`cluster redis://db1:6379`): what identifies the deployment.
 * One node added or lost must not make every finding of the deployment a new one. Other names are returned as they are.
 */
export function stableTargetName(name: string): string {
  const m = DEPLOYMENT_NAME.exec(name);
  return m ? `${m[1]} ${m[2]}` : name;
}

function keyOf(spec: string): string {
  const deployment = DEPLOYMENT_NAME.exec(spec);
  if (deployment) return `${deployment[1]} ${keyOf(deployment[2]!)}`;
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
  const key = stableKeyOf(ruleId, message);
  return key === undefined ? printOf(ruleId, targetKey(target), message) : keyPrintOf(ruleId, targetKey(target), key);
}

/**
 * The fingerprint redfort gave a finding by its whole message before its rule had a `fingerprintKey` (the
 * advisory of version.known-vulnerabilities): baselines and suppressions written then still match by it.
 * `undefined` for a finding fingerprinted by its message anyway.
 */
export function messageFingerprint(ruleId: string, target: string, message: string): string | undefined {
  return stableKeyOf(ruleId, message) === undefined ? undefined : printOf(ruleId, targetKey(target), message);
}

/** The stable key a finding's rule names for it (RuleMeta.fingerprintKey), if any. */
function stableKeyOf(ruleId: string, message: string): string | undefined {
  return findRule(ruleId)?.fingerprintKey?.(message);
}

/** The fingerprint of a finding by its rule's stable key: the key as it is (an advisory id's numbers are the id). */
function keyPrintOf(ruleId: string, key: string, stableKey: string): string {
  return sha256Hex(`${ruleId}\n${key}\nkey ${stableKey}`).slice(0, 32);
}

/** The fingerprint of a finding of the target known by `key`: its message with every number made 0. */
function printOf(ruleId: string, key: string, message: string): string {
  return sha256Hex(`${ruleId}\n${key}\n${message.replace(/\d+/g, '0')}`).slice(0, 32);
}

/**
 * The fingerprint redfort 0.1 gave a finding of a deployment entry, before {@link targetKey} knew deployments:
 * keyed on the whole name, node count included. Baselines and suppressions written then still match by it.
 * `undefined` for any other target, whose fingerprint has not changed.
 */
export function legacyFingerprint(ruleId: string, target: string, message: string): string | undefined {
  if (!DEPLOYMENT_NAME.test(target)) return undefined;
  return printOf(ruleId, target, message);
}
