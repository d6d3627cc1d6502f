import type { AuditOptions } from './audit.ts';
import { isUnusedOverrideWarning } from '../topology/override-key.ts';
import { auditTarget, CREDENTIALS_NOT_SENT, NO_CREDENTIALS, reportOf } from './audit.ts';
import { errorResults, isActiveFailure, severityRank } from '../engine/run.ts';
import type { RuleResult, Summary, TargetResult } from '../engine/run.ts';
import type { ReportWarning } from '../engine/report.ts';
import type { Baseline, BaselineFinding } from '../engine/triage/baseline.ts';
import { applyBaseline, baselineOf } from '../engine/triage/baseline.ts';
import { jsonlTargetPieces } from '../report/jsonl.ts';
import { jsonTargetBytes } from '../report/json.ts';
import { triageReport } from '../settings/apply.ts';
import type { Settings } from '../settings/types.ts';
import type { Target } from '../redis/target.ts';
import { createHostDiscovery } from '../gather/host/discovery.ts';
import type { HostDiscovery } from '../gather/host/discovery.ts';
import { BuildTables } from '../gather/live/build-tables.ts';
import type { DeploymentKind } from '../gather/topology/discover.ts';
import { SEVERITIES } from '../rules/define.ts';
import type { Severity } from '../rules/define.ts';
import { RULES } from '../rules/index.ts';
import { AUDIT_CONCURRENCY } from '../util/defaults.ts';
import { AuditPool } from './pool.ts';
import { workerCount } from './pool-machine.ts';
import { dropOfferedWorker } from './pool-offer.ts';
import type { Jobs } from './pool-machine.ts';

/** One entry of a fleet: a server to audit, or why it cannot be (a password file that is missing…). */
export type FleetEntry =
  | { readonly target: Target; readonly labels?: Readonly<Record<string, string>>; readonly kind?: DeploymentKind; readonly nodes?: NodeOverrides }
  | { readonly display: string; readonly error: string; readonly labels?: Readonly<Record<string, string>> };

/**
 * How the nodes of a deployment entry are reached where they differ from its seed: an inventory's `nodeOverrides`
 * and the command line's `--node-override`.
 */
export interface NodeOverrides {
  /** A role (`master`, `replica`, `sentinel`) or `host:port` to the target its nodes are reached with. */
  readonly nodeOverrides: ReadonlyMap<string, Target>;
  /** How a warning names each KEY (`nodeOverrides master (fleet.yaml:7)`); `--node-override KEY` for one not here. */
  readonly overrideNames?: ReadonlyMap<string, string>;
}

export interface FleetOptions extends AuditOptions {
  /** Audits a deployment (`cluster: true` in the inventory); entries with a kind are skipped without it. */
  readonly auditDeployment?: (seed: Target, kind: DeploymentKind, options: AuditOptions, nodes?: NodeOverrides) => Promise<TargetResult[]>;
  /**
   * Threads that audit the targets (`--jobs`): 1 or absent, this one alone; N, this one and N - 1 worker threads;
   * `auto` decides by the fleet and the machine (src/app/pool-machine.ts workerCount). The results are the same.
   */
  readonly jobs?: Jobs;
}

/**
 * What becomes of a target's result where it was audited (in a worker thread, so that only what the run keeps
 * crosses back): triaged with the settings and the baseline, summed up for the fleet's tally, serialized as its
 * JSON Lines line when a `jsonl` output takes it. Plain data: it crosses to the workers.
 */
export interface Finishing {
  readonly settings: Settings | undefined;
  readonly baseline: Baseline | undefined;
  /** Where the baseline was read from (named in warnings about entries that match nothing). */
  readonly baselinePath?: string;
  /** `YYYY-MM-DD`: suppressions expire by it. */
  readonly today: string;
  /** The folder of the run: fingerprints are made relative to it. */
  readonly root: string | undefined;
  /** The severity rank a failure must reach to fail the run; undefined with `--fail-on none`. */
  readonly threshold: number | undefined;
  /** Keep the triaged result itself (a format needs the whole report, or the caller wants each result). */
  readonly keepResult: boolean;
  /** Serialize the target's JSON Lines line. */
  readonly jsonl: boolean;
  /** Serialize the target's entry of the JSON report (src/report/json.ts jsonTargetBytes). */
  readonly json?: boolean;
  /** Record the target's failures for a new baseline (`--baseline-write`); they count as baselined, as in one run. */
  readonly recordBaseline?: boolean;
}

/** One target, finished: see {@link Finishing}. */
export interface Finished {
  readonly tally: TargetTally;
  /** The triage's warnings (a suppression that matched nothing here…). */
  readonly warnings: readonly ReportWarning[];
  /** A failure that counts reached the threshold. */
  readonly failedOn: boolean;
  readonly result?: TargetResult;
  /** The JSON Lines line (line feed included) in UTF-8: a worker thread's, moved to the main thread without a copy. */
  readonly jsonl?: Uint8Array;
  /** The target's entry of the JSON report in UTF-8: a worker thread's, moved likewise. */
  readonly json?: Uint8Array;
  /** With `recordBaseline`: the target's entries of the new baseline. */
  readonly baseline?: readonly BaselineFinding[];
}

/**
 * Triages, tallies and serializes one target's result (labels attached) as `finishing` asks. With `jsonl`, the
 * line is made here (in a worker thread: what crosses back is its bytes, not the result).
 */
export function finishTarget(raw: TargetResult, finishing: Finishing): Finished {
  let triaged = triageReport(reportOf([raw]), {
    settings: finishing.settings,
    baseline: finishing.baseline,
    today: finishing.today,
    ownTargetsOnly: true,
    ...(finishing.root !== undefined ? { root: finishing.root } : {}),
    ...(finishing.baselinePath !== undefined ? { baselinePath: finishing.baselinePath } : {}),
  });
  const root = finishing.root !== undefined ? { root: finishing.root } : {};
  const recorded = finishing.recordBaseline ? baselineOf(triaged, root) : undefined;
  if (recorded) triaged = { ...applyBaseline(triaged, recorded, { ...root, ownTargetsOnly: true }), ...(triaged.warnings ? { warnings: triaged.warnings } : {}) };
  const result = triaged.targets[0]!;
  const { threshold } = finishing;
  let jsonl: Uint8Array | undefined;
  if (finishing.jsonl) {
    const pieces: string[] = [];
    jsonlTargetPieces(result, (piece) => pieces.push(piece), finishing.root);
    jsonl = Buffer.from(pieces.join(''), 'utf8');
  }
  const json = finishing.json ? jsonTargetBytes(result, finishing.root) : undefined;
  return {
    tally: tallyOf(result),
    warnings: triaged.warnings ?? [],
    failedOn: threshold !== undefined && result.results.some((r) => isActiveFailure(r) && severityRank(r.severity) >= threshold),
    ...(finishing.keepResult ? { result } : {}),
    ...(jsonl !== undefined ? { jsonl } : {}),
    ...(json !== undefined ? { json } : {}),
    ...(recorded ? { baseline: recorded.findings } : {}),
  };
}

/** An entry's labels on its result. */
export function labelled(result: TargetResult, labels: Readonly<Record<string, string>> | undefined): TargetResult {
  return labels && Object.keys(labels).length > 0 ? { ...result, labels } : result;
}

/**
 * Audits every entry of a fleet, `concurrency` at a time (16 by default), finishes each result as `finishing`
 * says and hands it to `onFinished` as soon as it is done, in completion order: the caller writes it out and keeps
 * only what it needs, so that a fleet of thousands never sits in memory. Local targets share one look at this
 * machine. With `jobs`, worker threads audit and finish the targets (src/app/pool.ts); the results are the same.
 * Never throws for a target: one that cannot be audited, or not within the deadline, is an error result.
 */
export async function runFleet(
  entries: readonly FleetEntry[],
  options: FleetOptions,
  finishing: Finishing,
  onFinished: (finished: Finished, index: number) => void,
  /** After the last result of entry `index` (a deployment gives several) went to `onFinished`. */
  onEntryDone?: (index: number) => void,
): Promise<void> {
  const hostDiscovery = options.hostDiscovery ?? createHostDiscovery();
  // The servers of a fleet are mostly a few builds: each build's ACL categories are asked of one of them.
  const run: FleetOptions & { hostDiscovery: HostDiscovery } = { ...options, hostDiscovery, buildTables: options.buildTables ?? (entries.length > 1 ? new BuildTables() : undefined) };
  const limit = Math.max(1, options.concurrency ?? AUDIT_CONCURRENCY);
  // Where each entry is in the queue the threads share (pooled entries), or -1.
  const positions: number[] = [];
  const queue: { target: Target; labels: FleetEntry['labels'] }[] = [];
  // The entry of each queue position.
  const entryOf: number[] = [];
  for (const [index, entry] of entries.entries()) {
    const position = pooled(entry) ? queue.push({ target: entry.target, labels: entry.labels }) - 1 : -1;
    positions.push(position);
    if (position >= 0) entryOf[position] = index;
  }
  // Each thread audits its share of the concurrency at once (the run's whole is `limit`), each at least one.
  const workers = Math.min(workerCount(options.jobs, queue.length, !finishing.keepResult && !finishing.json), limit - 1);
  const shares = Array.from({ length: workers + 1 }, (_, i) => Math.floor(limit / (workers + 1)) + (i < limit % (workers + 1) ? 1 : 0));
  // In this thread the caller serializes the result itself (JSON Lines in pieces through its buffer, a JSON entry
  // into its report's): nothing is made here for it.
  const here: Finishing = finishing.jsonl || finishing.json ? { ...finishing, jsonl: false, json: false, keepResult: true } : finishing;
  const finish = (result: TargetResult, labels: FleetEntry['labels']): Finished => finishTarget(labelled(result, labels), here);
  // A worker the CLI started early (src/cli/early-pool.ts) is stopped when this run starts none.
  if (workers === 0) dropOfferedWorker();
  const pool =
    workers > 0
      ? AuditPool.start(shares.slice(1), {
          options: run,
          finishing,
          queue,
          failed: (target, labels, error) => finish(failed(target.display, error), labels),
          onFinished: (position, finished) => {
            const index = entryOf[position]!;
            onFinished(finished, index);
            onEntryDone?.(index);
          },
        })
      : undefined;
  const one = async (index: number): Promise<void> => {
    for (const result of await auditEntry(entries[index]!, run)) onFinished(finish(result, entries[index]!.labels), index);
    onEntryDone?.(index);
  };
  // The next entry this thread audits, in the fleet's order: one that is not pooled, or the queue's next one it
  // claims (the workers claim the others).
  let next = 0;
  const claims = pool?.claims;
  const take = (): number | undefined => {
    if (!claims) return next < entries.length ? next++ : undefined;
    // Once the pool has failed (a result that could not be written), this thread takes nothing more either.
    if (pool?.failed) return undefined;
    while (next < entries.length && positions[next]! >= 0) next++;
    // Read once: a worker may claim between two reads, and the second could then be past the queue.
    const head = claims.next();
    if (next < entries.length && (head >= queue.length || next < entryOf[head]!)) return next++;
    const position = claims.claim();
    if (position !== undefined) return entryOf[position]!;
    return next < entries.length ? next++ : undefined;
  };
  // Each entry in a call of its own: a suspended async function keeps what its frame last held, so a loop that
  // handled the results itself held each worker's previous results (150 to 200 KB a target) through the whole
  // next audit, and V8 moved them to the old generation: 2.7 MB of a 1,000-target run's 11 MB live heap.
  const runner = async (): Promise<void> => {
    for (let index = take(); index !== undefined; index = take()) await one(index);
  };
  try {
    const mine = Promise.all(Array.from({ length: Math.min(pool ? shares[0]! : limit, entries.length) }, runner));
    if (pool) {
      await Promise.race([mine, pool.failure]);
      await pool.settled();
    } else await mine;
  } finally {
    await pool?.close();
    // A program still running for a target that gave up (a worker thread's asks have no deadline here) is killed.
    if (!options.hostDiscovery) hostDiscovery.close();
  }
}

/** A server audited alone (not a deployment, not an entry that failed already): what worker threads take. */
function pooled(entry: FleetEntry): entry is Extract<FleetEntry, { target: Target }> {
  return 'target' in entry && entry.kind === undefined;
}

function failed(display: string, error: string): TargetResult {
  return { target: display, error, results: errorResults(RULES, `${display}: ${error}`) };
}

async function auditEntry(entry: FleetEntry, options: FleetOptions): Promise<TargetResult[]> {
  if (!('target' in entry)) return [failed(entry.display, entry.error)];
  // auditTarget and auditDeployment keep the per-target deadline (targetTimeoutMs) themselves.
  if (entry.kind === undefined) return [await auditTarget(entry.target, options)];
  if (!options.auditDeployment) return [failed(entry.target.display, `${entry.kind} audits are not available here`)];
  return options.auditDeployment(entry.target, entry.kind, options, entry.nodes);
}

/** What the fleet summary keeps of one target: a line of the summary, and its failing rules for the totals. */
export interface TargetLine {
  readonly target: string;
  /**
   * The inventory entry a deployment's node was found from (`cluster of fleet.yaml:3`): a server listed once per
   * node, each entry a deployment, is found by several, and the summary names the one it counts (QA42-8).
   */
  readonly entry?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly error?: string;
  readonly server?: TargetResult['server'];
  /** Failures that count (neither suppressed nor in the baseline), by severity. */
  readonly failBySeverity: Readonly<Record<Severity, number>>;
  readonly failing: number;
  readonly worst: Severity | undefined;
  /** The warning that the target's credentials were withheld (its certificate did not verify): said on stderr. */
  readonly withheld?: string;
  /**
   * The target wants a password and was given none: only what the network shows was audited. Its warning (said on
   * stderr) and how many rules were skipped for it: the summary marks the line, which would otherwise look healthy.
   */
  readonly noCredentials?: { readonly warning: string; readonly skipped: number; readonly reason?: string };
  /**
   * A deployment entry's warnings (a --host-key file that names none of its nodes, a chain of replicas too long to
   * follow): said on stderr, as a single audit says them. Not an unused node override: the run says that once for
   * every entry it applies to (src/app/override-use.ts).
   */
  readonly warnings?: readonly string[];
}

export function targetLine(result: TargetResult): TargetLine {
  const failBySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  let worst: Severity | undefined;
  let failing = 0;
  for (const r of result.results) {
    if (!isActiveFailure(r)) continue;
    failing += 1;
    failBySeverity[r.severity] += 1;
    if (worst === undefined || severityRank(r.severity) > severityRank(worst)) worst = r.severity;
  }
  return {
    target: result.target,
    ...(result.labels ? { labels: result.labels } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
    ...(result.server ? { server: result.server } : {}),
    failBySeverity,
    failing,
    worst,
    ...withheldWarning(result),
    ...noCredentials(result),
    ...deploymentWarnings(result),
  };
}

function deploymentWarnings(result: TargetResult): { warnings?: readonly string[] } {
  if (result.kind !== 'deployment' || !result.warnings) return {};
  const warnings = result.warnings.filter((w) => !isUnusedOverrideWarning(w));
  return warnings.length > 0 ? { warnings } : {};
}

function noCredentials(result: TargetResult): { noCredentials?: TargetLine['noCredentials'] } {
  const warning = result.warnings?.find((w) => w.startsWith(NO_CREDENTIALS));
  if (warning === undefined) {
    // Its credentials were withheld (the certificate did not verify: maybe not the server at all): audited without
    // them as well, and summed up so (QA42-11), not as a nearly clean server at the bottom of the summary.
    const withheld = result.warnings?.find((w) => w.includes(CREDENTIALS_NOT_SENT));
    if (withheld === undefined) return {};
    let skipped = 0;
    for (const r of result.results) if (r.status === 'skip' && r.message.includes('credentials withheld')) skipped += 1;
    return { noCredentials: { warning: withheld, skipped, reason: 'credentials withheld (certificate did not verify)' } };
  }
  // The warning ends with the reason each rule that needed the server's word was skipped for.
  let skipped = 0;
  for (const r of result.results) if (r.status === 'skip' && warning.endsWith(`(${r.message})`)) skipped += 1;
  return { noCredentials: { warning, skipped } };
}

function withheldWarning(result: TargetResult): { withheld?: string } {
  const warning = result.warnings?.find((w) => w.includes(CREDENTIALS_NOT_SENT));
  return warning === undefined ? {} : { withheld: warning };
}

/**
 * Worst first: targets that could not be audited, then those audited without the credentials they want (their
 * failures are what the network shows, not what they have), then by their failures from critical down, then by name.
 */
export function compareLines(a: TargetLine, b: TargetLine): number {
  if ((a.error !== undefined) !== (b.error !== undefined)) return a.error !== undefined ? -1 : 1;
  if ((a.noCredentials !== undefined) !== (b.noCredentials !== undefined)) return a.noCredentials !== undefined ? -1 : 1;
  for (const s of SEVERITIES) {
    if (a.failBySeverity[s] !== b.failBySeverity[s]) return b.failBySeverity[s] - a.failBySeverity[s];
  }
  return a.target < b.target ? -1 : a.target > b.target ? 1 : 0;
}

/** Per rule across a fleet: on how many audited targets it failed (suppressed and baselined failures not counted). */
export interface RuleTotal {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly failed: number;
  /** Targets the rule judged (pass or fail). */
  readonly judged: number;
}

/** What the fleet's tally keeps of one target: its summary line, its counts, the rules it judged and failed. */
export interface TargetTally {
  readonly line: TargetLine;
  readonly statuses: Readonly<Record<RuleResult['status'], number>>;
  /** Failures (suppressed and baselined ones included) by severity. */
  readonly failBySeverity: Readonly<Record<Severity, number>>;
  readonly suppressed: number;
  readonly baselined: number;
  /** Results of rules the settings file turned off (skips). */
  readonly disabled: number;
  /** Rules that passed or failed here, with their severity (a failed rule's: that of its worst failure). */
  readonly judged: readonly (readonly [string, Severity])[];
  /** Rules with a failure that counts here. */
  readonly failed: readonly string[];
}

/** A triaged result as the fleet's tally counts it. */
export function tallyOf(result: TargetResult): TargetTally {
  const statuses = { pass: 0, fail: 0, skip: 0, error: 0, manual: 0 };
  const failBySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  let suppressed = 0;
  let baselined = 0;
  let disabled = 0;
  const failed = new Set<string>();
  const judged = new Map<string, Severity>();
  const worstFailure = new Map<string, Severity>();
  for (const r of result.results) {
    statuses[r.status] += 1;
    if (r.disabled !== undefined) disabled += 1;
    if (r.status === 'fail') {
      failBySeverity[r.severity] += 1;
      if (r.suppressed !== undefined) suppressed += 1;
      else if (r.baselined === true) baselined += 1;
    }
    if (r.status === 'pass' && !judged.has(r.ruleId)) judged.set(r.ruleId, r.severity);
    if (r.status === 'fail') {
      // A failed rule's severity here is that of its worst finding: each finding has its own (a config file that
      // holds a password is high, an include beside it medium).
      const worstSoFar = worstFailure.get(r.ruleId);
      if (worstSoFar === undefined || severityRank(r.severity) > severityRank(worstSoFar)) worstFailure.set(r.ruleId, r.severity);
    }
    if (isActiveFailure(r)) failed.add(r.ruleId);
  }
  for (const [ruleId, severity] of worstFailure) judged.set(ruleId, severity);
  return { line: targetLine(result), statuses, failBySeverity, suppressed, baselined, disabled, judged: [...judged], failed: [...failed] };
}

/**
 * Where a result stands among the results of one server that several inventory entries audited (a cluster listed
 * node by node, `cluster: true` on each): its server's key (a function when it is known only once the run is done:
 * a deployment's is its nodes'), and its order: the entry's index, then its place among the entry's results.
 */
export interface TallyPlace {
  readonly key: string | (() => string);
  readonly entry: number;
  readonly nth: number;
}

/**
 * Sums a fleet as its results arrive; holds a few numbers per rule and one line per target. A result added with its
 * place ({@link FleetTally.hold}) is counted by {@link FleetTally.settle}, once per server: the first entry's
 * (the inventory's order, whichever finished first), the others' are `repeated` (QA42-8).
 */
export class FleetTally {
  readonly lines: TargetLine[] = [];
  readonly #held: { tally: TargetTally; place: TallyPlace }[] = [];
  #repeated = 0;
  readonly #rules = new Map<string, { severity: Severity; failed: number; judged: number }>();
  #summary: { -readonly [K in keyof Summary]: Summary[K] } = {
    targets: 0,
    targetErrors: 0,
    pass: 0,
    fail: 0,
    skip: 0,
    error: 0,
    manual: 0,
    failBySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
    suppressed: 0,
    baselined: 0,
  };
  /** Results of rules turned off: in the summary only when there are some. */
  #disabled = 0;

  add(tally: TargetTally): TargetLine {
    const { line } = tally;
    this.lines.push(line);
    const s = this.#summary;
    s.targets += 1;
    if (line.error !== undefined) s.targetErrors += 1;
    for (const status of ['pass', 'fail', 'skip', 'error', 'manual'] as const) s[status] += tally.statuses[status];
    for (const severity of SEVERITIES) (s.failBySeverity as Record<Severity, number>)[severity] += tally.failBySeverity[severity];
    s.suppressed += tally.suppressed;
    s.baselined += tally.baselined;
    this.#disabled += tally.disabled;
    const failedHere = new Set(tally.failed);
    for (const [ruleId, severity] of tally.judged) {
      const total = this.#rules.get(ruleId) ?? { severity, failed: 0, judged: 0 };
      total.judged += 1;
      // The fleet's line shows the worst failure of the rule: a target where it passed does not set it.
      if (failedHere.has(ruleId)) {
        if (total.failed === 0 || severityRank(severity) > severityRank(total.severity)) total.severity = severity;
        total.failed += 1;
      }
      this.#rules.set(ruleId, total);
    }
    return line;
  }

  /** A result counted once its server's other results are in: see {@link FleetTally.settle}. */
  hold(tally: TargetTally, place: TallyPlace): TargetLine {
    this.#held.push({ tally, place });
    return tally.line;
  }

  /**
   * Counts the results held, one per server key: the earliest entry's (then the first of its results); the others
   * are only counted as `repeated` in the summary. Call once, after the last result.
   */
  settle(): void {
    const held = this.#held.splice(0);
    const first = new Map<string, { tally: TargetTally; place: TallyPlace }>();
    for (const h of held) {
      const key = typeof h.place.key === 'string' ? h.place.key : h.place.key();
      const now = first.get(key);
      if (now === undefined) {
        first.set(key, h);
        continue;
      }
      this.#repeated += 1;
      if (h.place.entry < now.place.entry || (h.place.entry === now.place.entry && h.place.nth < now.place.nth)) first.set(key, h);
    }
    // In the order they came: the lines are sorted for the summary, the totals counted whatever the order.
    const counted = new Set([...first.values()].map((h) => h.tally));
    for (const h of held) if (counted.has(h.tally)) this.add(h.tally);
  }

  get summary(): Summary {
    return {
      ...this.#summary,
      failBySeverity: { ...this.#summary.failBySeverity },
      ...(this.#disabled > 0 ? { disabled: this.#disabled } : {}),
      ...(this.#repeated > 0 ? { repeated: this.#repeated } : {}),
    };
  }

  /**
   * Rules that failed somewhere, worst first as the target lines are: by severity (critical at the top), then the
   * most failed, then by id. By count first, a critical rule failing on two servers sat below nine low ones failing
   * on all of them, where nobody reads (QA42-14).
   */
  totals(): RuleTotal[] {
    return [...this.#rules]
      .filter(([, t]) => t.failed > 0)
      .map(([ruleId, t]) => ({ ruleId, ...t }))
      .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || b.failed - a.failed || (a.ruleId < b.ruleId ? -1 : 1));
  }
}
