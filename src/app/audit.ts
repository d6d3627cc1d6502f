import type { AllowEntry } from '../exporter/allow.ts';
import type { FactKey, Facts } from '../facts/types.ts';
import { processMode } from '../facts/host.ts';
import type { Severity, Thresholds } from '../rules/define.ts';
import type { Disabled, TargetResult } from '../engine/run.ts';
import { errorResults, runRules, summarize } from '../engine/run.ts';
import { RULES } from '../rules/index.ts';
import { ruleContext } from '../rules/context.ts';
import { gatherLive } from '../gather/live/gather-live.ts';
import type { LiveOptions } from '../gather/live/gather-live.ts';
import type { Target } from '../redis/target.ts';
import { targetPassword, targetProblem } from '../redis/target.ts';
import { majorMinor, shownVersion } from '../redis/version.ts';
import { redact, redactWords, secretForms } from '../util/redact.ts';
import type { AuditReport } from '../report/types.ts';
import type { Enricher, EnrichOptions } from '../gather/enrich.ts';
import { filesEnricher } from '../gather/conf/files-enricher.ts';
import { commandLineEnricher } from '../gather/conf/command-line.ts';
import { runningConfigEnricher } from '../gather/conf/running-config.ts';
import { fileCertificates, probeEnricher } from '../gather/probe/index.ts';
import { createHostDiscovery, hostEnricher } from '../gather/host/index.ts';
import { prefetchHost } from '../gather/host/discovery.ts';
import { BuildTables } from '../gather/live/build-tables.ts';
import { declaredPackageEnricher } from '../gather/declared-package.ts';
import { factsFromFiles, gatherFiles } from '../gather/conf/gather-files.ts';
import type { FileInputs } from '../gather/conf/gather-files.ts';
import { reportTool } from '../package-root.ts';
import { mapBounded } from '../util/map-bounded.ts';
import { abortReason, raceAbort, targetSignal } from '../util/deadline.ts';
import type { DeadlineOptions } from '../util/deadline.ts';
import type { SampleOptions } from '../gather/sample/index.ts';
import { addSample, sampleRequestFor } from '../gather/sample/index.ts';
import { sampleSummary } from '../facts/sample.ts';
import { infoField } from '../redis/info.ts';
import { AUDIT_CONCURRENCY } from '../util/defaults.ts';

/** How a result's warning begins when the target was audited without credentials (src/app/local.ts tells withheld ones apart). */
export const NO_CREDENTIALS = 'no credentials were given';
/** In the warning of a target whose certificate did not verify to a trusted CA (src/gather/live/tls-trust.ts). */
export const CREDENTIALS_NOT_SENT = 'the credentials were not sent to it';

export interface AuditOptions extends LiveOptions, EnrichOptions, SampleOptions, DeadlineOptions {
  readonly thresholds?: Partial<Thresholds>;
  /**
   * `--trust-discovered`: the networks a deployment's discovered nodes must be in to get the run's credentials (see
   * DiscoverOptions.trustDiscovered); every node gets them when unset.
   */
  readonly trustDiscovered?: readonly AllowEntry[] | undefined;
  /**
   * A file-only audit reads the certificates its config names (tls-cert-file, tls-client-cert-file) unless false:
   * harden's re-audit of a live server's own TLS files, which harden never reads.
   */
  readonly fileCertificates?: boolean;
  readonly severityOverrides?: ReadonlyMap<string, Severity>;
  readonly disabled?: ReadonlySet<string>;
  /** Rules a settings file turned off: each a `skip` marked `disabled`, where `disabled` leaves a rule out. */
  readonly turnedOff?: ReadonlyMap<string, Disabled>;
  /** How many targets are audited at once. */
  readonly concurrency?: number;
  /** Unix seconds to judge dates against; now by default. */
  readonly nowSeconds?: number;
}

export { ruleContext };

/** A server as a report shows it: its version only when it is one (shownVersion), else null. */
export function reportedServer(server: Facts['server']): TargetResult['server'] | undefined {
  return server ? { product: server.product, version: server.version ? shownVersion(server.version) : null, mode: server.mode } : undefined;
}

/** Judges gathered facts: every rule of the catalogue appears in the result. */
export function judgeFacts(facts: Facts, options: AuditOptions = {}): TargetResult {
  const results = runRules(RULES, facts, {
    context: ruleContext(options),
    ...(options.severityOverrides ? { severityOverrides: options.severityOverrides } : {}),
    ...(options.disabled ? { disabled: options.disabled } : {}),
    ...(options.turnedOff ? { turnedOff: options.turnedOff } : {}),
  });
  const server = reportedServer(facts.server);
  const warnings = [
    ...connectionWarnings(facts.connection),
    ...(facts.acl?.unreadable ?? []),
    ...(facts.files?.warnings ?? []),
  ];
  const sample = facts.sample ? { sample: sampleSummary(facts.sample) } : {};
  const refused = nothingJudged(facts);
  // A server that takes no command before AUTH is still known by the process listening on its port (host facts).
  const kind = facts.topology ? 'deployment' : facts.server?.mode === 'sentinel' || facts.sentinel ? 'sentinel' : facts.server || facts.config ? 'server' : facts.host ? processMode(facts.host.process) : undefined;
  const infoRole = facts.info ? infoField(facts.info, 'role') : undefined;
  const role = kind === 'sentinel' ? 'sentinel' : infoRole === 'master' ? 'master' : infoRole === 'slave' || infoRole === 'replica' ? 'replica' : undefined;
  // The ACL file alone of a live server whose config file was not found is not where its settings are.
  const configFile = facts.files !== undefined && facts.files.configUnread === undefined ? facts.files.paths[0] : undefined;
  return { target: facts.target, ...(refused ? { error: refused } : {}), ...(server ? { server } : {}), ...(kind ? { kind } : {}), ...(role ? { role } : {}), ...(warnings?.length ? { warnings } : {}), ...sample, ...(configFile !== undefined ? { configFile } : {}), results };
}

/**
 * Why nothing of a live server was judged, when its user was refused every command the audit reads it with (INFO,
 * ACL LIST, CONFIG GET: `-@all`): the target was not audited, as one that cannot be reached is not (an error: exit 2),
 * not a report of skips that exits 0, which a CI gate reads as clean. Undefined when anything was read.
 */
export function nothingJudged(facts: Facts): string | undefined {
  if (!facts.sources.has('live') || facts.topology || facts.connection?.unauthenticated) return undefined;
  if (facts.info || facts.config || facts.acl || facts.server || facts.sentinel || facts.cluster) return undefined;
  const refused: string[] = [];
  for (const key of ['info', 'config', 'acl'] as const) {
    const what = /^the audit user may not run (.+?) \(grant /.exec(facts.unavailable[key] ?? '')?.[1];
    if (what !== undefined) refused.push(what);
  }
  // A sentinel has no CONFIG: INFO and ACL LIST refused are all it had.
  if (refused.length < 2 || !refused.includes('INFO')) return undefined;
  const user = facts.connection?.credential?.user ?? 'the audit user';
  return `${user === 'the audit user' ? user : `user ${user}`} may run none of ${refused.join(', ')}: nothing was judged (the target counts as not audited; grant the auditor's commands: see docs/auditor-user.md)`;
}

/**
 * What the report says of the connection: a certificate that did not verify (and whether the credentials were
 * sent on it: src/gather/live/tls-trust.ts), credentials that were not given. One warning per cause.
 */
function connectionWarnings(connection: Facts['connection']): string[] {
  if (!connection) return [];
  const { tlsUnverified, credentialsWithheld, unauthenticated, untrusted, credential } = connection;
  if (tlsUnverified && credentialsWithheld) {
    const what = unauthenticated ? 'only what the network shows was audited, the rest is skipped' : 'what it answers a client without credentials was audited';
    return [`the server certificate did not verify: ${tlsUnverified}; ${CREDENTIALS_NOT_SENT} (a certificate no trusted CA signed may be anyone's): ${what}; --insecure sends them (see tls.certificate)`];
  }
  const failed = /ALTNAME/.test(tlsUnverified ?? '') ? 'its name' : 'its dates';
  return [
    // Credentials are said sent only when some were (a server that needs none, audited without: no such words).
    ...(tlsUnverified ? [`the server certificate did not verify: ${tlsUnverified}; the audit connected without verifying it${unauthenticated || !credential ? '' : ` and sent the credentials: the chain verified to a trusted CA, only ${failed} did not`} (see tls.certificate)`] : []),
    ...(untrusted ? [`${untrusted}: ${unauthenticated ? 'only what the network shows was audited; the rest is skipped' : 'what it answers a client without credentials was audited'}`] : []),
    ...(unauthenticated && !untrusted ? [`${NO_CREDENTIALS}: only what the network shows was audited; the rest is skipped (${unauthenticated})`] : []),
  ];
}

/**
 * Masks a target's password in its error, in case a server echoed it there: the whole word it stands in, so that a
 * short one ('conn') does not show where it stood ('***ection refused').
 */
export function scrubPassword(text: string, target: Target): string {
  return redactWords(text, [targetPassword(target) ?? '']);
}

/** The shortest password {@link judgeScrubbed} masks in results. */
export const SCRUBBED_MIN_LENGTH = 8;

/**
 * The target's password as the one secret to mask in what its facts put in a result; none when it is shorter than
 * {@link SCRUBBED_MIN_LENGTH}: a word the servers' own texts hold ('redis' in /var/lib/redis, 'yes', '6379'), masked
 * there, showed where it stood. auth.weak-password fails it anyway (shorter than its minPasswordLength of 16), and
 * target errors are still scrubbed of it.
 */
export function scrubbedSecrets(target: Target): string[] {
  const password = targetPassword(target);
  return password !== undefined && password.length >= SCRUBBED_MIN_LENGTH ? [password] : [];
}

/**
 * Judges the facts of `target` ({@link judgeFacts}) with its password masked (`***`) wherever the facts put it in the
 * result: where a server's replies or a file hold it (a hostile server has the password, AUTH sent it, and can echo
 * it in a user name, an INFO field, an error reply); the report's readers do not. Only what was interpolated from
 * the facts is masked, never redfort's own words: masking the finished messages turned a password that is a word of
 * them ('password', 'protected') into `***` in 'a common *** (found in the list of the most used ***s)', which told
 * the reader what it was. When a message holds the password, the facts are judged again with every string of them
 * scrubbed ({@link scrubFacts}) and that message is the one shown (the verdict is the first judgment's). The same
 * result when nothing holds it (the usual case: a few hundred `includes`, no second judgment).
 */
export function judgeScrubbed(facts: Facts, options: AuditOptions, target: Target): TargetResult {
  const judged = judgeFacts(facts, options);
  const secrets = scrubbedSecrets(target);
  if (secrets.length === 0) return judged;
  const holds = holder(secrets);
  // A path that holds the password is no place to show (a report's location is as public as its message).
  const { configFile: _file, ...unlocated } = judged;
  const result = holds(judged.configFile) ? unlocated : judged;
  const dirty = holds(result.server?.version) || result.warnings?.some(holds) || holds(JSON.stringify(result.sample ?? null)) || result.results.some((r) => holds(r.message) || r.evidence.some(holds));
  if (!dirty) return result;
  const clean = judgeFacts(scrubFacts(facts, secrets), options);
  // A rule may give several results (one per user): the two judgments' results pair by position, rule by rule.
  const aligned = clean.results.length === result.results.length && clean.results.every((c, i) => c.ruleId === result.results[i]!.ruleId);
  return {
    ...result,
    ...(clean.server ? { server: clean.server } : {}),
    ...(clean.warnings ? { warnings: clean.warnings } : {}),
    ...(clean.sample ? { sample: clean.sample } : {}),
    ...(clean.error !== undefined ? { error: clean.error } : {}),
    results: result.results.map((r, i) => {
      if (!holds(r.message) && !r.evidence.some(holds)) return r;
      const c = aligned ? clean.results[i] : undefined;
      if (c && c.status === r.status && c.severity === r.severity) return { ...r, message: c.message, evidence: c.evidence };
      // The masked facts judged otherwise (the password is a value the rule compares, e.g. a config's): the old way,
      // the password masked where it stands in the message.
      return { ...r, message: redact(r.message, secrets), evidence: r.evidence.map((e) => redact(e, secrets)) };
    }),
  };
}

/** Whether a text holds one of the secrets, as written, URL-encoded, or in the base64 and hex forms redact masks. */
function holder(secrets: readonly string[]): (text: string | null | undefined) => boolean {
  const forms = secretForms(secrets);
  return (text) => text != null && forms.some((f) => text.includes(f));
}

/**
 * The facts with each secret masked in every string a server or a file put there ({@link redact}: a version
 * `7.0.15-<password>` stays `7.0.15-***`), the same objects where none holds one. Left as they are: the keys of objects and maps (the server's own names of
 * configs, INFO fields, categories; rules look them up) and secret digests (hashes, never a clear text).
 */
export function scrubFacts<T>(facts: T, secrets: readonly string[]): T {
  const holds = holder(secrets);
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return holds(value) ? redact(value, secrets) : value;
    if (Array.isArray(value)) {
      const out = value.map(walk);
      return out.every((v, i) => v === value[i]) ? value : out;
    }
    if (value instanceof Map) {
      const out = new Map([...value].map(([k, v]) => [k, walk(v)]));
      return [...value].every(([k, v]) => out.get(k) === v) ? value : out;
    }
    if (value instanceof Set) {
      const out = [...value].map(walk);
      return out.every((v) => value.has(v)) ? value : new Set(out);
    }
    if (value === null || typeof value !== 'object') return value;
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    if ('sha256' in value && 'set' in value) return value;
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = walk(v);
      if (out[k] !== v) changed = true;
    }
    return changed ? out : value;
  };
  return walk(facts) as T;
}

/**
 * The stages that add facts after the live connection: the config files first (the others read them), then the
 * network probes and the host at once (neither reads what the other adds; the host's commands, dpkg-query and the
 * packet filter, run while the probes wait for the network), then the options of the server's command line, then what
 * the live server shows against the files standing in for CONFIG GET, then the declared package (when the host saw none).
 */
export const ENRICHERS: readonly (Enricher | readonly Enricher[])[] = [filesEnricher, [probeEnricher, hostEnricher], commandLineEnricher, runningConfigEnricher, declaredPackageEnricher];

/**
 * What concurrent stages added to `base`, together: each stage's new or changed keys, the union of the sources,
 * and `unavailable` with each stage's additions and removals. Stages that touch the same key are not run together.
 */
export function mergeStages(base: Facts, outcomes: readonly Facts[]): Facts {
  const merged: Record<string, unknown> = { ...base };
  const sources = new Set(base.sources);
  const unavailable: Record<string, string> = { ...base.unavailable };
  for (const outcome of outcomes) {
    for (const [key, value] of Object.entries(outcome)) {
      if (key !== 'sources' && key !== 'unavailable' && value !== (base as unknown as Record<string, unknown>)[key]) merged[key] = value;
    }
    for (const source of outcome.sources) sources.add(source);
    for (const [key, why] of Object.entries(outcome.unavailable)) if (why !== undefined && why !== base.unavailable[key as FactKey]) unavailable[key] = why;
    for (const key of Object.keys(base.unavailable)) if (!(key in outcome.unavailable)) delete unavailable[key];
  }
  return { ...(merged as unknown as Facts), sources, unavailable };
}

async function gatherNow(target: Target, given: AuditOptions): Promise<Gathered> {
  // One view of this machine per audit at least (a run shares one across its targets): the config-file and host
  // stages both look up the process listening on the target's port.
  const options = given.hostDiscovery ? given : { ...given, hostDiscovery: createHostDiscovery() };
  // What a local target's later stages read of this machine starts now, beside the live connection.
  if (options.hostDiscovery) prefetchHost(options.hostDiscovery, target.host, options);
  const outcome = await gatherLive(target, options);
  if (!outcome.ok) return { ok: false, error: scrubPassword(outcome.error, target) };
  let facts = outcome.facts;
  for (const stage of ENRICHERS) {
    const base = facts;
    facts = typeof stage === 'function' ? await stage(base, target, options) : mergeStages(base, await Promise.all(stage.map((enrich) => enrich(base, target, options))));
    if (stage === filesEnricher) facts = await underRenamedConfig(outcome.facts, facts, target, options);
  }
  return { ok: true, facts };
}

/**
 * CONFIG renamed by the server's config file (`rename-command CONFIG NAME`, the checklist's Account 6; QA44-6): the
 * file read says what it runs as, so the live facts are gathered again with CONFIG GET under that name, on a new
 * connection (every live fact from one reading), and the files merged into them again. Kept only when CONFIG GET
 * answered there; else the first gathering stands (a file renamed since the server started, or a user without it).
 */
async function underRenamedConfig(live: Facts, withFiles: Facts, target: Target, options: AuditOptions): Promise<Facts> {
  if (live.config !== undefined || live.commands?.present.get('config') !== false) return withFiles;
  const name = withFiles.commands?.renames.get('config')?.value;
  if (!name) return withFiles;
  const again = await gatherLive(target, { ...options, configCommand: name });
  if (!again.ok || again.facts.config === undefined) return withFiles;
  return filesEnricher(again.facts, target, options);
}

type Gathered = { ok: true; facts: Facts } | { ok: false; error: string };

/**
 * Runs one target's work under its own signal (the caller's `signal`, the run's `deadline`, `targetTimeoutMs`):
 * when it aborts, the target is an error at once, whatever step it was in, and the other targets go on.
 */
async function underDeadline<T>(options: AuditOptions, work: (options: AuditOptions) => Promise<T>, timedOut: (why: string) => T): Promise<T> {
  const { signal, dispose } = targetSignal(options);
  try {
    return await raceAbort(work(signal ? { ...options, signal } : options), signal);
  } catch (error) {
    if (signal?.aborted) return timedOut(abortReason(signal));
    throw error;
  } finally {
    dispose();
  }
}

/** Gathers everything about one live server; a server that cannot be reached is an error, never an exception. */
export function gatherTarget(target: Target, options: AuditOptions = {}): Promise<Gathered> {
  const problem = targetProblem(target);
  if (problem !== undefined) return Promise.resolve({ ok: false, error: problem });
  return underDeadline(options, (scoped) => gatherNow(target, scoped), (error): Gathered => ({ ok: false, error }));
}

/** Audits one live server; a server that cannot be audited is an error result, never an exception. */
export function auditTarget(target: Target, options: AuditOptions = {}): Promise<TargetResult> {
  const failed = (error: string): TargetResult => ({ target: target.display, error, results: errorResults(RULES, `${target.display}: ${error}`) });
  const problem = targetProblem(target);
  if (problem !== undefined) return Promise.resolve(failed(problem));
  return underDeadline(
    options,
    async (scoped) => {
      const gathered = await gatherNow(target, scoped);
      if (!gathered.ok) return failed(gathered.error);
      const request = sampleRequestFor(target, scoped);
      const facts = request ? await addSample(gathered.facts, target, request, scoped) : gathered.facts;
      return judgeScrubbed(facts, scoped, target);
    },
    failed,
  );
}

/**
 * Audits configuration files without a server; a file redis-server would refuse is an error result. One server's
 * files: a redis.conf (with its ACL file) or a sentinel.conf. Given both, they are two servers (a redis-server and a
 * redis-sentinel, each with its own bind, port, users): see {@link auditFileTargets}, which judges each on its own.
 */
export async function auditFiles(inputs: FileInputs, options: AuditOptions = {}): Promise<TargetResult> {
  const name = inputs.configPath ?? inputs.sentinelConfigPath ?? inputs.aclPath ?? 'config';
  if (inputs.configPath !== undefined && inputs.sentinelConfigPath !== undefined) {
    const error = `${inputs.configPath} and ${inputs.sentinelConfigPath} are the files of two servers (a redis-server and a redis-sentinel): audit them as two targets (auditFileTargets)`;
    return { target: name, error, results: errorResults(RULES, error) };
  }
  // A bare major ('6') would be read as an unknown version, Redis 7.x: 6.0 and 6.2 differ (a 6.0 sentinel loads no
  // ACL users; 6.2 added ACL channels). The CLI refuses it as --redis-version; refused here too, never assumed.
  if (inputs.version && majorMinor(inputs.version) === undefined) {
    const error = `version '${inputs.version}' does not say which release: give it as major.minor or major.minor.patch (e.g. 6.2 or 7.2.4)`;
    return { target: name, error, results: errorResults(RULES, error) };
  }
  // A version given is the server's: a directive it does not have stops it there, as any line it refuses. No server:
  // the directory redis-server starts in (its default `dir`) is not known, unless the caller gave it (`cwd`) or says
  // otherwise (`offline: false`).
  const outcome = await gatherFiles({ versionKnown: true, ...inputs, offline: inputs.offline ?? true });
  if (!outcome.ok) return { target: name, error: outcome.error, results: errorResults(RULES, outcome.error) };
  // The package the user declared (--distro-package) stands for the server the files are for, as --redis-version does:
  // the fixes its changelog names count as fixed, as for a live target (QA39-10: it was silently unused).
  const facts = await declaredPackageEnricher(factsFromFiles(name, outcome.gathered, inputs.version), undefined, options);
  return judgeFacts(options.fileCertificates === false ? facts : await fileCertificates(facts), options);
}

/**
 * The targets a static audit's files make: a redis.conf (with `aclPath`, its ACL file) is one server, a sentinel.conf
 * another; given both (`--config redis.conf --sentinel-config sentinel.conf`), each is judged on its own, in that order,
 * never one file's settings taken for the other's (`cwd` is the server's). An `aclPath` with a sentinel.conf alone is
 * the sentinel's.
 */
export async function auditFileTargets(inputs: FileInputs, options: AuditOptions = {}): Promise<TargetResult[]> {
  if (inputs.configPath === undefined || inputs.sentinelConfigPath === undefined) return [await auditFiles(inputs, options)];
  const { sentinelConfigPath, aclPath: _acl, cwd: _cwd, ...shared } = inputs;
  return [await auditFiles({ ...inputs, sentinelConfigPath: undefined }, options), await auditFiles({ ...shared, configPath: undefined, sentinelConfigPath }, options)];
}

/** A report of target results. */
export function reportOf(results: readonly TargetResult[]): AuditReport {
  return { tool: reportTool(), targets: results, summary: summarize(results) };
}

/** Audits several servers concurrently (16 at once by default) and summarises. */
export async function audit(targets: readonly Target[], options: AuditOptions = {}): Promise<AuditReport> {
  // One look at this machine for the whole run, whatever the number of local targets.
  const discovery = options.hostDiscovery ?? createHostDiscovery();
  // One target has nothing to share with (and needs no node:crypto for build keys).
  const run = { ...options, hostDiscovery: discovery, buildTables: options.buildTables ?? (targets.length > 1 ? new BuildTables() : undefined) };
  try {
    return reportOf(await mapBounded(targets, options.concurrency ?? AUDIT_CONCURRENCY, (t) => auditTarget(t, run)));
  } finally {
    // Nobody waits for a program still running for the run's host facts any more.
    if (!options.hostDiscovery) discovery.close();
  }
}
