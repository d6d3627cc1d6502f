import assert from 'node:assert/strict';
import type { AuditOptions } from '../../src/app/audit.ts';
import { gatherTarget, judgeFacts } from '../../src/app/audit.ts';
import type { RuleResult } from '../../src/engine/run.ts';
import type { Facts, TlsPortProbe } from '../../src/facts/types.ts';
import type { TargetFlags } from '../../src/redis/target.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import type { Status } from '../../src/rules/define.ts';

export interface Audited {
  readonly facts: Facts;
  readonly results: readonly RuleResult[];
  /** Wall time of the whole audit (live gather, probes, judgement). */
  readonly ms: number;
}

/** `auditTarget`, keeping the facts: gatherTarget then judgeFacts, exactly what auditTarget does. */
export async function audit(url: string, flags: TargetFlags = {}, options: AuditOptions = {}): Promise<Audited> {
  const started = performance.now();
  const gathered = await gatherTarget(resolveTarget(url, flags, {}), options);
  assert.ok(gathered.ok, `${url} could not be audited: ${gathered.ok ? '' : gathered.error}`);
  const { results } = judgeFacts(gathered.facts, options);
  return { facts: gathered.facts, results, ms: performance.now() - started };
}

/** Every result of a rule, all with the expected status. */
export function expectStatus(results: readonly RuleResult[], ruleId: string, status: Status): RuleResult[] {
  const entries = results.filter((r) => r.ruleId === ruleId);
  assert.ok(entries.length > 0, `no result for ${ruleId}`);
  assert.ok(
    entries.every((r) => r.status === status),
    `${ruleId}: expected ${status}, got\n  ${entries.map((r) => `${r.status} ${r.severity} ${r.message}`).join('\n  ')}`,
  );
  return entries;
}

/** The one probed TLS port with this role. */
/** The version.known-vulnerabilities finding of one advisory (by id), which must be there. */
export function advisoryFinding(results: readonly RuleResult[], id: string): RuleResult {
  const found = results.find((r) => r.ruleId === 'version.known-vulnerabilities' && r.message.startsWith(`${id} `));
  assert.ok(found, `no finding for ${id}`);
  return found;
}

export function port(facts: Facts, role: TlsPortProbe['role']): TlsPortProbe {
  const found = (facts.probe?.tls ?? []).filter((p) => p.role === role);
  assert.equal(found.length, 1, `probed ports: ${JSON.stringify(facts.probe?.tls.map((p) => [p.role, p.port]))}; unavailable: ${facts.unavailable.probe}`);
  return found[0]!;
}

/** Version -> status, e.g. `{ TLSv1: 'accepted', ... }`. */
export function versionMap(probe: TlsPortProbe): Record<string, string> {
  return Object.fromEntries(probe.versions.map((v) => [v.version, v.status]));
}
