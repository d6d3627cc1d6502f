import { gatherTarget, judgeScrubbed, scrubPassword } from '../app/audit.ts';
import type { AuditOptions } from '../app/audit.ts';
import { BuildTables } from '../gather/live/build-tables.ts';
import { errorResults } from '../engine/run.ts';
import { resolveTarget, TargetError, targetPassword, tlsFlagsOf, withoutPassword } from '../redis/target.ts';
import type { Target, TargetFlags } from '../redis/target.ts';
import { RULES } from '../rules/index.ts';
import { addSample, SAMPLE_DEFAULTS, sampleRequestFor } from '../gather/sample/index.ts';
import type { AllowEntry } from './allow.ts';
import { isAllowed } from './allow.ts';
import type { ModuleConfig } from './config.ts';
import type { InventoryTargets } from './inventory.ts';
import { inventoryKey } from './inventory.ts';
import type { ProbeSnapshot } from './metrics.ts';
import { snapshotOf } from './metrics.ts';
import { CONNECT_TIMEOUT_MS } from '../util/defaults.ts';
import { addressOf } from '../net/address.ts';
import { createHostDiscovery } from '../gather/host/discovery.ts';
import type { SharedTcpTables } from '../gather/host/proc.ts';
import type { DeclaredPackage } from '../redis/distro-package.ts';

export type TargetLookup =
  | { readonly ok: true; readonly target: Target }
  | { readonly ok: false; readonly status: 400 | 403; readonly reason: string };

const MAX_TARGET_LENGTH = 512;

/** The module's connection settings as redis-cli-style flags; TLS files only for a TLS target. */
function moduleFlags(module: ModuleConfig, tls: boolean): TargetFlags {
  const flags: TargetFlags = {};
  if (module.user !== undefined) flags.user = module.user;
  if (module.password !== undefined) flags.pass = module.password;
  if (module.tls !== undefined) flags.tls = module.tls;
  if (tls || module.tls === true) {
    for (const name of ['cacert', 'cacertdir', 'cert', 'key', 'sni'] as const) {
      if (module[name] !== undefined) flags[name] = module[name];
    }
    if (module.insecure !== undefined) flags.insecure = module.insecure;
  }
  return flags;
}

function withoutUserInfo(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^@]*@/, '$1');
}

/**
 * A scrape's target as the exporter's log and replies show it: without any user info, password, query or fragment.
 * redis-cli reads `redis://secret@host` as a password (redfort as a user name): a scrape carries no credentials, so
 * whatever stands before the `@` is shown by neither.
 */
export function shownTarget(spec: string): string {
  return withoutUserInfo(withoutPassword(spec.trim()));
}

/**
 * Turns a scrape's `target=` into a server to audit, or refuses it. The target names an address only:
 * credentials in it are refused (they belong in a module of the exporter's config or in the inventory), and a
 * target neither on the allowlist nor in the inventory is refused before anything connects to it.
 */
export function lookupTarget(spec: string, module: ModuleConfig, allow: readonly AllowEntry[], inventory?: InventoryTargets): TargetLookup {
  const text = spec.trim();
  if (text === '') return { ok: false, status: 400, reason: 'target is empty' };
  if (text.length > MAX_TARGET_LENGTH) return { ok: false, status: 400, reason: `target is longer than ${MAX_TARGET_LENGTH} characters` };
  let given: Target;
  try {
    // No environment: REDISCLI_AUTH of the exporter's own shell must never reach a scraped target.
    given = resolveTarget(text, {}, {});
  } catch (error) {
    if (error instanceof TargetError) return { ok: false, status: 400, reason: error.message.replace(withoutPassword(text), shownTarget(text)) };
    throw error;
  }
  if (given.username !== undefined || given.hasPassword) {
    return { ok: false, status: 400, reason: `target '${withoutUserInfo(given.display)}': credentials in a target are refused; put them in a module of the exporter config` };
  }
  // A socket is no address of the allowlist nor of an inventory (both are TCP): refused, saying so, not as port 0.
  if (given.socket !== undefined) return { ok: false, status: 400, reason: `target '${given.display}': a unix socket is not scraped: the exporter reaches only the TCP addresses of its allowlist or inventory` };
  const listed = inventory?.get(inventoryKey(given.host, given.port));
  // A scrape that names a scheme the inventory's entry does not have is refused: `rediss://` of a server the
  // inventory lists as `redis://` was audited in plain text with the inventory's password, a TLS scrape silently
  // downgraded. A server listens for TLS or for plain text on a port, not both: one of the two is wrong, and which
  // one is not the exporter's to guess with credentials in hand. `host:port` names no scheme: the inventory's applies.
  const scheme = SCHEME.exec(text);
  if (listed && scheme && (given.tls !== undefined) !== (listed.tls !== undefined)) {
    const address = addressOf(given.host, given.port);
    return {
      ok: false,
      status: 400,
      reason: `target '${given.display}': the scheme differs from the inventory's entry, which lists ${address} as ${listed.tls ? 'rediss:// (TLS)' : 'redis:// (plain text)'}; scrape it as ${address} or fix the inventory`,
    };
  }
  // The scrape's database (`redis://host:port/5`) is kept; without one, the inventory's.
  const db = scheme && /^[^/]*:\/\/[^/]*\/./.test(text) ? given.db : listed?.db;
  // An inventory server is allowed, and reached with its own credentials when the inventory gives some.
  if (listed && (listed.hasPassword || listed.username !== undefined)) {
    return db === listed.db ? { ok: true, target: listed } : resolved(() => withDb(listed, db!));
  }
  if (!listed && !isAllowed(allow, given.host, given.port)) {
    return { ok: false, status: 403, reason: `target '${given.display}' is not on the allowlist` };
  }
  // A server the inventory names rediss:// is reached over TLS with the inventory's TLS files (the module's fill
  // the gaps) and the module's credentials. Scraped as `host:port`, as file_sd lists targets, it was reached in
  // plain text, its TLS files ignored, when the inventory held no password for it.
  if (listed?.tls) return resolved(() => resolveTarget(listed.display, { ...moduleFlags(module, true), ...tlsFlagsOf(listed.tls), db: db! }, {}));
  return resolved(() => resolveTarget(text, { ...moduleFlags(module, given.tls !== undefined), ...(listed ? { db: db! } : {}) }, {}));
}

/** A URL's scheme (`redis://`, `rediss://` …): a scrape written `host:port` has none. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** The inventory's target on another database, with its password. */
function withDb(listed: Target, db: number): Target {
  const password = targetPassword(listed);
  return resolveTarget(
    undefined,
    {
      host: listed.host,
      port: listed.port,
      db,
      ...(listed.username !== undefined ? { user: listed.username } : {}),
      ...(password !== undefined ? { pass: password } : {}),
      ...tlsFlagsOf(listed.tls),
    },
    {},
    listed.tls?.from ? { tlsFrom: listed.tls.from } : {},
  );
}

function resolved(make: () => Target): TargetLookup {
  try {
    return { ok: true, target: make() };
  } catch (error) {
    if (error instanceof TargetError) return { ok: false, status: 400, reason: error.message };
    throw error;
  }
}

/**
 * The ACL categories of the server builds this exporter met: a build's are asked once, not at every scrape of every
 * server (src/gather/live/build-tables.ts).
 */
const EXPORTER_BUILDS = new BuildTables();

export function auditOptionsFor(module: ModuleConfig, remainingMs: number): AuditOptions {
  const budget = Math.max(1, Math.floor(remainingMs));
  return {
    connectTimeoutMs: Math.min(CONNECT_TIMEOUT_MS, budget),
    commandTimeoutMs: budget,
    noHost: !module.host,
    noProbe: !module.probe,
    thresholds: module.thresholds,
    disabled: module.disabled,
    // A sample never takes more than half of what is left of the scrape.
    ...(module.sample ? { sample: { ...module.sample, timeMs: Math.max(1, Math.min(module.sample.timeMs ?? SAMPLE_DEFAULTS.timeMs, Math.floor(budget / 2))) } } : {}),
  };
}

export interface ProbeContext {
  /** Aborts the audit (the exporter is shutting down). */
  readonly signal?: AbortSignal;
  /**
   * The exporter's socket tables (`recentTcpSockets`: one read shared by its scrapes for a few seconds), where a
   * local target's port is looked up; each probe still reads the rest of /proc for itself (src/exporter/server.ts).
   */
  readonly sockets?: SharedTcpTables;
  /**
   * Whether the network probes may connect to a port of the target's host that its configuration names (its
   * `tls-port`, cluster bus, plaintext `port`): the allowlist's word, never the server's ({@link probeAllowance}).
   */
  readonly mayConnect?: (host: string, port: number) => string | undefined;
  /**
   * The distribution package declared for this server (its inventory entry's `distroPackage`, else its module's):
   * judged as `audit --distro-package` judges it, never beating a package the host facts saw.
   */
  readonly distroPackage?: DeclaredPackage;
}

/**
 * The allowlist as the network probes see it: a port the audited server's configuration names (its `tls-port`,
 * cluster bus, or plaintext `port` beside TLS) is probed only when the allowlist or the inventory allows it too. A
 * scrape connects only where the exporter's own config says it may; a hostile server on an allowed address cannot
 * send the exporter's handshakes to the other ports of its host.
 */
export function probeAllowance(allow: readonly AllowEntry[], inventory?: InventoryTargets): (host: string, port: number) => string | undefined {
  return (host, port) =>
    isAllowed(allow, host, port) || inventory?.has(inventoryKey(host, port)) ? undefined : `port ${port} is not on the exporter's allowlist: no connection was made`;
}

/**
 * Audits one target for the exporter by `deadline` (epoch ms) and reduces the result to a snapshot. Never throws:
 * a server that cannot be audited in time is a snapshot with `success: false` and the reason.
 */
export async function probeTarget(target: Target, module: ModuleConfig, deadline: number, context: ProbeContext = {}): Promise<ProbeSnapshot> {
  const started = performance.now();
  const { signal } = context;
  // A view of this machine for this probe alone, but for the socket table the exporter's probes share.
  const hostDiscovery = createHostDiscovery(context.sockets);
  // The deadline aborts every stage (connect, commands, probes, sample) through the target's signal.
  const options: AuditOptions = {
    ...auditOptionsFor(module, deadline - Date.now()),
    buildTables: EXPORTER_BUILDS,
    hostDiscovery,
    deadline,
    ...(signal ? { signal } : {}),
    ...(context.mayConnect ? { mayConnect: context.mayConnect } : {}),
    ...(context.distroPackage ? { distroPackage: context.distroPackage } : {}),
  };
  const timing = () => ({ durationSeconds: (performance.now() - started) / 1000, finishedAt: Date.now() / 1000 });
  try {
    const gathered = await gatherTarget(target, options);
    if (!gathered.ok) {
      if (ranOut(deadline)) return timedOut(timing());
      return snapshotOf({ target: target.display, error: gathered.error, results: errorResults(RULES, gathered.error) }, undefined, RULES, timing());
    }
    // As auditTarget does, keeping the facts: the metrics need the certificate and the replication role.
    const request = sampleRequestFor(target, options);
    const facts = request ? await addSample(gathered.facts, target, request, options) : gathered.facts;
    return snapshotOf(judgeScrubbed(facts, options, target), facts, RULES, timing());
  } catch (error) {
    if (ranOut(deadline)) return timedOut(timing());
    // Scrubbed as target errors are: an error of the audit may quote what a server said, which may hold the password.
    return { success: false, reason: scrubPassword(`unexpected error: ${error instanceof Error ? error.message : String(error)}`, target), ...timing(), rules: [], certificates: [] };
  } finally {
    // Nobody waits for a program still running for this probe's host facts any more.
    hostDiscovery.close();
  }
}

/** The answer for a probe whose deadline passed, wherever it was. */
/**
 * Whether an audit that failed ran out of the scrape's time: at its deadline, or so near it that the command
 * timeout (the time left, counted from when a command was sent) fired a moment before the deadline's own timer. A
 * server that never answers was then told 'failed' instead of 'timeout', now and then, on a loaded machine.
 */
function ranOut(deadline: number): boolean {
  return Date.now() >= deadline - DEADLINE_SLACK_MS;
}

/** How near the deadline a failed audit counts as one that ran out of time. */
const DEADLINE_SLACK_MS = 250;

export function timedOut(timing: { durationSeconds: number; finishedAt: number }): ProbeSnapshot {
  return { success: false, timedOut: true, reason: `timed out after ${timing.durationSeconds.toFixed(1)} s (the scrape's deadline)`, ...timing, rules: [], certificates: [] };
}
