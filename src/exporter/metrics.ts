import type { Facts } from '../facts/types.ts';
import type { TargetResult } from '../engine/run.ts';
import type { Rule, Severity } from '../rules/define.ts';
import { SEVERITIES } from '../rules/define.ts';
import { shownVersion } from '../redis/version.ts';

/** What one probe found, everything the metrics need and nothing else (no message, no secret). */
export interface ProbeSnapshot {
  readonly success: boolean;
  /** Why the probe failed, for the log only: never a label. */
  readonly reason?: string;
  /** Set when the probe failed because its deadline passed (the log's outcome `timeout`). */
  readonly timedOut?: boolean;
  /** Seconds the audit took (for a reused result: the audit that produced it). */
  readonly durationSeconds: number;
  /** Unix seconds when the audit finished. */
  readonly finishedAt: number;
  readonly rules: readonly RuleState[];
  readonly server?: { readonly product: string; readonly version: string; readonly role: string };
  /** 1 when the release branch no longer receives security fixes, 0 when it does; absent when unknown. */
  readonly endOfLife?: 0 | 1;
  /** One per TLS listener probed (`target`, `tls-port`, `cluster-bus`): the earliest expiry seen. */
  readonly certificates: readonly { readonly listener: string; readonly notAfter: number }[];
  /** PING answered without AUTH from the exporter's address: 1, refused: 0; absent when not probed. */
  readonly unauthenticated?: 0 | 1;
}

export interface RuleState {
  readonly rule: string;
  readonly section: string;
  readonly severity: Severity;
  readonly status: 'pass' | 'fail' | 'skip' | 'error' | 'manual';
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** A version as a label value: {@link shownVersion}, or 'unknown'. */
function versionLabel(version: string | null | undefined): string {
  return version === undefined || version === null ? 'unknown' : shownVersion(version);
}

/**
 * Reduces an audit to what the metrics show: one state per rule (a rule failing with several findings
 * counts once, at the worst severity of its findings), the server identity and role, the end-of-life verdict,
 * each certificate's expiry.
 */
export function snapshotOf(result: TargetResult, facts: Facts | undefined, rules: readonly Rule[], timing: { durationSeconds: number; finishedAt: number }): ProbeSnapshot {
  if (result.error !== undefined) {
    return { success: false, reason: result.error, ...timing, rules: [], certificates: [] };
  }
  const sections = new Map(rules.map((r) => [r.id, r.section]));
  const byRule = new Map<string, RuleState>();
  for (const r of result.results) {
    const seen = byRule.get(r.ruleId);
    if (seen === undefined) {
      byRule.set(r.ruleId, { rule: r.ruleId, section: sections.get(r.ruleId) ?? 'unknown', severity: r.severity, status: r.status });
    } else if (r.status === 'fail' && (seen.status !== 'fail' || SEVERITY_RANK[r.severity] < SEVERITY_RANK[seen.severity])) {
      byRule.set(r.ruleId, { ...seen, status: 'fail', severity: r.severity });
    }
  }
  const eol = byRule.get('version.end-of-life');
  const info = facts?.info;
  const mode = facts?.server?.mode;
  const replicationRole = info?.get('replication')?.get('role');
  const role = mode === 'sentinel' ? 'sentinel' : replicationRole === 'slave' ? 'replica' : replicationRole === 'master' ? 'master' : 'unknown';
  const expiry = new Map<string, number>();
  for (const p of facts?.probe?.tls ?? []) {
    if (p.certificate !== undefined) expiry.set(p.role, Math.min(expiry.get(p.role) ?? Infinity, p.certificate.validTo));
  }
  const certificates = [...expiry].map(([listener, notAfter]) => ({ listener, notAfter }));
  const unauth = facts?.probe?.unauthenticated?.outcome;
  return {
    success: true,
    ...timing,
    rules: [...byRule.values()],
    ...(facts?.server ? { server: { product: facts.server.product, version: versionLabel(result.server?.version ?? facts.server.version), role } } : {}),
    ...(eol?.status === 'fail' ? { endOfLife: 1 as const } : eol?.status === 'pass' ? { endOfLife: 0 as const } : {}),
    certificates,
    ...(unauth === 'open' ? { unauthenticated: 1 as const } : unauth === 'refused' ? { unauthenticated: 0 as const } : {}),
  };
}

export type Exposition = 'text' | 'openmetrics';

export const CONTENT_TYPES: Record<Exposition, string> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** OpenMetrics when the scraper asks for it (Prometheus does, by default), else the classic text format. */
export function expositionFor(accept: string | undefined): Exposition {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept) ? 'openmetrics' : 'text';
}

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(pairs: Record<string, string>): string {
  const parts = Object.entries(pairs).map(([k, v]) => `${k}="${escape(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

class Writer {
  private readonly out: string[] = [];
  constructor(private readonly format: Exposition) {}
  family(name: string, type: 'gauge' | 'info', help: string): void {
    // The classic text format has no info type: an info metric is a gauge named `…_info`.
    const family = type === 'info' && this.format === 'openmetrics' ? name.replace(/_info$/, '') : name;
    this.out.push(`# HELP ${family} ${help}`, `# TYPE ${family} ${type === 'info' && this.format === 'text' ? 'gauge' : type}`);
  }
  sample(name: string, pairs: Record<string, string>, value: number): void {
    this.out.push(`${name}${labels(pairs)} ${Number.isInteger(value) ? value : value.toFixed(6)}`);
  }
  done(): string {
    if (this.format === 'openmetrics') this.out.push('# EOF');
    return `${this.out.join('\n')}\n`;
  }
}

/**
 * Renders one probe in the Prometheus text format or OpenMetrics. Rules that could not be judged (skipped, or a
 * source missing) are absent from `redfort_rule_failed` and listed in `redfort_rule_skipped`, so that `== 1`
 * alerts see failures only and a rule that goes blind is visible on its own.
 */
export function renderProbe(snapshot: ProbeSnapshot, format: Exposition, extra: { cacheAgeSeconds: number }): string {
  const w = new Writer(format);
  w.family('redfort_probe_success', 'gauge', 'Whether the target could be audited (1) or not (0: unreachable, refused, timed out; the reason is in the exporter log).');
  w.sample('redfort_probe_success', {}, snapshot.success ? 1 : 0);
  w.family('redfort_probe_duration_seconds', 'gauge', 'How long the audit of the target took, in seconds.');
  w.sample('redfort_probe_duration_seconds', {}, snapshot.durationSeconds);
  w.family('redfort_probe_cache_age_seconds', 'gauge', 'Age of the audit result served, in seconds (0: audited for this scrape; more: reused within cacheSeconds).');
  w.sample('redfort_probe_cache_age_seconds', {}, extra.cacheAgeSeconds);
  if (!snapshot.success) return w.done();

  w.family('redfort_audit_timestamp_seconds', 'gauge', 'Unix time when the audit result served finished.');
  w.sample('redfort_audit_timestamp_seconds', {}, snapshot.finishedAt);
  const judged = snapshot.rules.filter((r) => r.status === 'pass' || r.status === 'fail');
  w.family('redfort_rule_failed', 'gauge', 'Whether a rule fails on the target (1) or passes (0); rules that could not be judged are in redfort_rule_skipped instead.');
  for (const r of judged) w.sample('redfort_rule_failed', { rule: r.rule, severity: r.severity, section: r.section }, r.status === 'fail' ? 1 : 0);
  const skipped = snapshot.rules.filter((r) => r.status !== 'pass' && r.status !== 'fail');
  w.family('redfort_rule_skipped', 'gauge', 'A rule that could not be judged on the target (status skip: a source is missing, e.g. no permission or no host facts; error; manual: needs a human), always 1.');
  for (const r of skipped) w.sample('redfort_rule_skipped', { rule: r.rule, severity: r.severity, section: r.section, status: r.status }, 1);
  w.family('redfort_failures', 'gauge', 'Failing rules on the target, by severity.');
  for (const severity of SEVERITIES) w.sample('redfort_failures', { severity }, judged.filter((r) => r.status === 'fail' && r.severity === severity).length);
  w.family('redfort_rules', 'gauge', 'Rules of the catalogue by their status on the target (pass, fail, skip, error, manual).');
  for (const status of ['pass', 'fail', 'skip', 'error', 'manual'] as const) w.sample('redfort_rules', { status }, snapshot.rules.filter((r) => r.status === status).length);
  if (snapshot.server) {
    w.family('redfort_server_info', 'info', 'The audited server: product (redis, valkey), version and replication role (master, replica, sentinel), always 1.');
    w.sample('redfort_server_info', { product: snapshot.server.product, version: snapshot.server.version, role: snapshot.server.role }, 1);
  }
  if (snapshot.endOfLife !== undefined) {
    w.family('redfort_version_end_of_life', 'gauge', 'Whether the release branch of the server no longer receives security fixes (1) or still does (0).');
    w.sample('redfort_version_end_of_life', {}, snapshot.endOfLife);
  }
  if (snapshot.unauthenticated !== undefined) {
    w.family('redfort_unauthenticated_access', 'gauge', 'Whether the server answered PING without AUTH from the exporter (1) or refused (0).');
    w.sample('redfort_unauthenticated_access', {}, snapshot.unauthenticated);
  }
  if (snapshot.certificates.length > 0) {
    w.family('redfort_tls_certificate_expiry_timestamp_seconds', 'gauge', 'Unix time when the TLS certificate the server presents expires, by listener (target: the port probed, tls-port, cluster-bus).');
    for (const c of snapshot.certificates) w.sample('redfort_tls_certificate_expiry_timestamp_seconds', { listener: c.listener }, c.notAfter);
  }
  return w.done();
}
