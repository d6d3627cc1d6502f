import { createHash } from 'node:crypto';
import { resolveTarget } from '../../redis/target.ts';

/**
 * What identifies a server whatever the spelling: `host:port/db`. `redis://auditor@db1:6380`,
 * `rediss://db1:6380` and `db1:6380` are one server. A target that is not a server address (a
 * file audited on its own) is its own key.
 */
export function targetKey(spec: string): string {
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
  return createHash('sha256').update(`${ruleId}\n${targetKey(target)}\n${normalised}`).digest('hex').slice(0, 32);
}
