import { dirname, resolve } from 'node:path';
import { FileReadError, readTextFile } from '../util/read-file.ts';
import { readSecretFile } from '../util/secret-file.ts';
import { FleetTally, compareLines, runFleet } from './fleet.ts';
import type { Finishing, FleetEntry, FleetOptions, NodeOverrides, RuleTotal, TargetLine } from './fleet.ts';
import { reportOf } from './audit.ts';
import type { TargetResult } from '../engine/run.ts';
import { isActiveFailure, severityRank } from '../engine/run.ts';
import type { AuditReport, InventoryWarning, ReportWarning } from '../engine/report.ts';
import { inventoryWarning } from '../engine/report.ts';
import type { Baseline, BaselineFinding } from '../engine/triage/baseline.ts';
import { baselineEntriesOutside, unusedBaselineWarnings } from '../engine/triage/baseline.ts';
import { targetKey } from '../engine/triage/target-key.ts';
import type { Target, TargetFlags } from '../redis/target.ts';
import { targetPassword } from '../redis/target.ts';
import type { DeploymentKind } from '../gather/topology/discover.ts';
import type { HostKeyMap } from '../topology/host-key.ts';
import type { Severity } from '../rules/define.ts';
import { triageReport, today } from '../settings/apply.ts';
import { MAX_INVENTORY_BYTES, MAX_INVENTORY_SECRET_BYTES, parseInventory, resolveInventory } from '../settings/inventory.ts';
import { flagsFor } from '../settings/targets.ts';
import type { Settings, SettingsSource } from '../settings/types.ts';
import { OverrideUse } from './override-use.ts';
import { inventoryOverrideName, overrideName } from '../topology/override-key.ts';
import { SettingsError } from '../settings/types.ts';
import { reportTool } from '../package-root.ts';
import { jsonlTargetPieces } from '../report/jsonl.ts';
import { FirstThenCount } from '../util/words.ts';



/** An inventory (`--targets`) as read: its text, the name messages give it, the folder its relative paths start from. */
export interface InventoryText {
  readonly text: string;
  /** The file as the user named it, or `<stdin>`. */
  readonly name: string;
  /** Where `passwordFile` and certificate paths of the inventory are relative to. */
  readonly baseDir: string;
}

export interface InventoryLoadOptions {
  /** Connection flags of the command line: they win over the inventory's. */
  readonly flags: TargetFlags;
  /** The deployment kind the command line asks for; an entry's own kind wins. */
  readonly kind: DeploymentKind | undefined;
  /** Where `passwordEnv` and `REDISCLI_AUTH` are looked up. */
  readonly env: Record<string, string | undefined>;
  /**
   * The settings file (`.redfort.yaml`): its `targets`' connection for a server the inventory lists too, under the
   * inventory's own (QA39-58: it applied to a server named on the command line, not to the same one in a list).
   */
  readonly settings?: Settings | undefined;
  /** The run's options: the inventory's per-target `sampleData` and `distroPackage` are merged into them. */
  readonly options: FleetOptions;
  /** Failure domains of the nodes of the deployments the inventory names (`kind`). */
  readonly hostKey?: HostKeyMap | undefined;
  /**
   * The command line's `--node-override`: how the nodes of every deployment entry are reached, where the entry's own
   * `nodeOverrides` says nothing of the same KEY (the entry's wins).
   */
  readonly nodeOverrides?: ReadonlyMap<string, Target> | undefined;
}

/** An inventory ready to audit: its entries, the options with its per-target settings, what to scrub from messages. */
export interface LoadedInventory {
  readonly entries: readonly FleetEntry[];
  readonly options: FleetOptions;
  /** Problems with the inventory that do not stop the run: their messages, as stderr says them. */
  readonly warnings: readonly string[];
  /**
   * The same warnings, each with its kind and the inventory line it is about, as they were made: the report has them
   * (QA42-16). Without it (an inventory made by hand), the report has `warnings` as of kind `inventory`.
   */
  readonly inventoryWarnings?: readonly InventoryWarning[];
  /** The passwords the entries use, to redact from anything shown. */
  readonly secrets: readonly string[];
  /** After the run: the node overrides that reached no node of any deployment entry they apply to. */
  readonly overrideWarnings?: () => readonly ReportWarning[];
  /** Each entry's line in the inventory, by index (the warning of a deployment audited twice names them: QA42-8). */
  readonly entrySources?: readonly SettingsSource[];
}

/** A library caller's defaults: no command-line flags or deployment kind, no environment (pass `env` for `passwordEnv`). */
const LIBRARY_LOAD: InventoryLoadOptions = { flags: {}, kind: undefined, env: {}, options: {} };

/** The inventory's text: read from a path (a regular file, bounded as `--targets` is), or as given. */
async function inventoryText(file: InventoryText | string): Promise<InventoryText> {
  if (typeof file === 'string') {
    try {
      return { text: await readTextFile(file, { maxBytes: MAX_INVENTORY_BYTES }), name: file, baseDir: dirname(resolve(file)) };
    } catch (error) {
      throw new SettingsError(`${file}: cannot read the inventory: ${error instanceof FileReadError ? error.detail : (error as Error).message}`);
    }
  }
  if (typeof file !== 'object' || file === null || typeof file.text !== 'string' || typeof file.name !== 'string' || typeof file.baseDir !== 'string') {
    throw new SettingsError('loadInventory takes a file path, or { text, name, baseDir } (the inventory, its name in messages, the folder its relative paths are in)');
  }
  return file;
}

/**
 * Parses and resolves an inventory: each target with its credentials (`passwordEnv`, `passwordFile`, inline) and
 * labels; a target whose password cannot be had is an entry that fails alone.
 *
 * @param file the inventory's path (read as `--targets` reads it), or its text with its name and folder.
 * @param given what the command line adds (flags, deployment kind, settings...); `env` is where `passwordEnv` is looked up
 *   (none by default: pass `process.env`).
 * @throws {SettingsError} naming file:line when the inventory is invalid or has no targets.
 */
export async function loadInventory(file: InventoryText | string, given: Partial<InventoryLoadOptions> = {}): Promise<LoadedInventory> {
  const input = await inventoryText(file);
  const load: InventoryLoadOptions = { ...LIBRARY_LOAD, ...given };
  const inventory = parseInventory(input.text, input.name, { baseDir: input.baseDir });
  if (inventory.targets.length === 0) throw new SettingsError(`${input.name}: the inventory has no targets`);
  const warnings: InventoryWarning[] = [...inventory.warnings];
  const deployment = (entry: { readonly kind?: DeploymentKind }) => (entry.kind ?? load.kind) !== undefined;
  // A target's own nodeOverrides names nodes of a deployment: without one it would be dropped without a word.
  const stray = inventory.targets.find((t) => t.ownNodeOverrides !== undefined && !deployment(t));
  if (stray) {
    throw new SettingsError(`${input.name}:${stray.ownNodeOverrides}: nodeOverrides says how to reach the nodes of a deployment, and this target is audited alone: add cluster, sentinel or replication: true (or give --cluster, --sentinel or --replication)`);
  }
  const cli = load.nodeOverrides && load.nodeOverrides.size > 0 ? load.nodeOverrides : undefined;
  const flagged = [...(cli ? ['--node-override'] : []), ...(load.hostKey ? ['--host-key'] : [])];
  if (flagged.length > 0 && !inventory.targets.some(deployment)) {
    throw new SettingsError(`${input.name}: ${flagged.join(' and ')} ${flagged.length > 1 ? 'apply' : 'applies'} to the inventory's entries marked cluster, sentinel or replication, and it has none (or give --cluster, --sentinel or --replication)`);
  }
  const settings = load.settings;
  const defaults = settings && settings.targets.length > 0 ? { defaults: (spec: string, flags: TargetFlags) => flagsFor(spec, flags, settings, load.env) } : {};
  const resolved = await resolveInventory(inventory, load.flags, load.env, (path) => readSecretFile(path, MAX_INVENTORY_SECRET_BYTES), (w) => warnings.push(w), { nodeOverrides: deployment, ...defaults });
  const secrets = [
    load.env.REDISCLI_AUTH ?? '',
    ...resolved.flatMap((r) => (r.ok ? [r.password ?? '', ...(r.nodeOverridePasswords ?? [])] : [])),
    ...[...(cli?.values() ?? [])].map((t) => targetPassword(t) ?? ''),
  ];
  const overrideSources = new Map<string, SettingsSource>();
  const entries: FleetEntry[] = resolved.map((r) => {
    const labels = Object.keys(r.entry.labels).length > 0 ? { labels: r.entry.labels } : {};
    if (!r.ok) return { display: r.display, error: r.error, ...labels };
    const kind = r.entry.kind ?? load.kind;
    if (!kind) return { target: r.target, ...labels };
    const nodes = nodeOverridesOf(r.nodeOverrides, r.nodeOverrideSources, cli);
    for (const [key, source] of r.nodeOverrideSources ?? []) if (nodes) overrideSources.set(overrideName(key, nodes.overrideNames), source);
    return { target: r.target, ...labels, kind, ...(nodes ? { nodes } : {}) };
  });
  // Deployments (an entry's kind) are audited by app/deployment.ts, loaded only when one is.
  const hostKey = load.hostKey;
  const auditDeployment: NonNullable<FleetOptions['auditDeployment']> =
    load.options.auditDeployment ?? (async (seed, kind, o, nodes) => (await import('./deployment.ts')).auditDeployment(seed, { ...o, kind, hostKey, ...nodes }));
  // Whether each node override reached a node, told by the deployment entries (audited in this thread).
  const used = entries.some((e) => 'nodes' in e && e.nodes !== undefined) ? new OverrideUse(overrideSources) : undefined;
  const options: FleetOptions = used
    ? {
        ...load.options,
        auditDeployment: async (seed, kind, o, nodes) => {
          const results = await auditDeployment(seed, kind, o, nodes);
          used.saw(results[0], nodes);
          return results;
        },
      }
    : { ...load.options, auditDeployment };
  // `sampleData` of the inventory, per target: its own budgets over the command line's, or `false` to leave it out.
  const sampleTargets = new Map(options.sampleTargets ?? []);
  for (const r of resolved) {
    if (!r.ok || r.entry.sampleData === undefined) continue;
    sampleTargets.set(targetKey(r.target.display), r.entry.sampleData === null ? null : { ...options.sample, ...r.entry.sampleData });
  }
  // `distroPackage` of the inventory, per target: beats --distro-package.
  const distroPackageTargets = new Map(options.distroPackageTargets ?? []);
  for (const r of resolved) if (r.ok && r.entry.distroPackage) distroPackageTargets.set(targetKey(r.target.display), r.entry.distroPackage);
  return {
    entries,
    options: { ...options, ...(sampleTargets.size > 0 ? { sampleTargets } : {}), ...(distroPackageTargets.size > 0 ? { distroPackageTargets } : {}) },
    warnings: warnings.map((w) => w.message),
    inventoryWarnings: warnings,
    secrets,
    entrySources: resolved.map((r) => r.entry.source),
    ...(used ? { overrideWarnings: () => used.warnings() } : {}),
  };
}

/**
 * How a deployment entry's nodes are reached: the command line's `--node-override` KEYs, each replaced by the
 * entry's own `nodeOverrides` of the same KEY; undefined with neither.
 */
function nodeOverridesOf(own: ReadonlyMap<string, Target> | undefined, sources: ReadonlyMap<string, SettingsSource> | undefined, cli: ReadonlyMap<string, Target> | undefined): NodeOverrides | undefined {
  if (!own && !cli) return undefined;
  const nodeOverrides = new Map([...(cli ?? []), ...(own ?? [])]);
  const overrideNames = new Map([...(sources ?? [])].map(([key, at]) => [key, inventoryOverrideName(key, at)]));
  return { nodeOverrides, ...(overrideNames.size > 0 ? { overrideNames } : {}) };
}

export interface InventoryAuditOptions {
  readonly settings: Settings | undefined;
  readonly baseline: Baseline | undefined;
  /** Where the baseline was read from (named in warnings about entries that match nothing). */
  readonly baselinePath?: string;
  /** Record the fleet's failures as a new baseline (`recordedBaseline`), as `--baseline-write` asks. */
  readonly recordBaseline?: boolean;
  /** The severity a failure must reach to fail the run (`failedOn`). */
  readonly failOn: Severity | 'none';
  /** Keep every target's result for the returned report (formats that need the whole report); lines only otherwise. */
  readonly keepResults: boolean;
  /** Today as `YYYY-MM-DD` (suppressions expire by it); the current UTC date by default. */
  readonly today?: string;
  /** The folder of the run: fingerprints of suppressions match with paths below it made relative. */
  readonly root?: string | undefined;
  /** Each target's triaged result and its summary line, as soon as it is done (in completion order). */
  readonly onTarget?: (result: TargetResult, line: TargetLine) => void;
  /**
   * Each target's triaged result in the inventory's order (the report's), as soon as it and every one before it are
   * done: what a report written as the run goes needs, the results between held only until then.
   */
  readonly onResultInOrder?: (result: TargetResult) => void;
  /**
   * Each target's entry of the JSON report in the inventory's order, as {@link InventoryAuditOptions.onResultInOrder}
   * hands results: its bytes when a worker thread made them (src/report/json.ts jsonTargetBytes), else its result
   * (the caller serializes it): a JSON report written as the run goes, without the results crossing threads.
   */
  readonly onJsonInOrder?: (entry: JsonEntry) => void;
  /**
   * Each target's summary line as soon as it is done, with its JSON Lines line when `jsonl` is set: what a
   * streaming caller needs without the result itself (with worker threads, the result then never crosses back).
   * `entry` is the index of its inventory entry: a deployment's entry gives several targets.
   */
  readonly onLine?: (line: TargetLine, jsonl: JsonlLine | undefined, entry: number) => void;
  /** After the last target of inventory entry `entry` (a deployment gives several) went to the callbacks above. */
  readonly onEntryDone?: (entry: number) => void;
  readonly jsonl?: boolean;
}

/**
 * A target's JSON Lines line: its bytes (made by the worker thread that audited it), or a function that writes it
 * in pieces (a target audited in this thread, serialized as it is written).
 */
export type JsonlLine = Uint8Array | ((add: (piece: string) => void) => void);

/** A target's entry of the JSON report: its bytes, made by the worker thread that audited it, or its result. */
export type JsonEntry = Uint8Array | TargetResult;

/** A fleet's outcome: the report (its targets only when kept), the summary lines worst first, the totals per rule. */
export interface InventoryAuditRun {
  readonly report: AuditReport;
  readonly lines: readonly TargetLine[];
  readonly totals: readonly RuleTotal[];
  /** A failure that counts reached `failOn`. */
  readonly failedOn: boolean;
  /** With `recordBaseline`: the failures of the fleet, in the inventory's order. */
  readonly recordedBaseline?: Baseline;
}

/** A library caller's defaults: no settings or baseline, failures of high severity fail, the whole report kept. */
const LIBRARY_AUDIT: InventoryAuditOptions = { settings: undefined, baseline: undefined, failOn: 'high', keepResults: true };

/**
 * Audits a loaded inventory, triaging each target (suppressions, baseline) as it finishes, and sums the fleet:
 * the summary, the lines worst first, the totals per rule, the settings warnings (a suppression for every target
 * is unused only when no audited target used it). Prints nothing: `onTarget` gets each result.
 */
export async function auditInventory(inventory: LoadedInventory, given: Partial<InventoryAuditOptions> = {}): Promise<InventoryAuditRun> {
  const request: InventoryAuditOptions = { ...LIBRARY_AUDIT, ...given };
  const tally = new FleetTally();
  const kept: { index: number; result: TargetResult }[] = [];
  // By the first target that gave each: the same order whichever thread finished first.
  const warningCounts = new Map<string, { warning: ReportWarning; count: number; first: number }>();
  const finishing: Finishing = {
    settings: request.settings,
    baseline: request.baseline,
    ...(request.baselinePath !== undefined ? { baselinePath: request.baselinePath } : {}),
    today: request.today ?? today(),
    root: request.root,
    threshold: request.failOn === 'none' ? undefined : severityRank(request.failOn),
    keepResult: request.keepResults || request.onTarget !== undefined || request.onResultInOrder !== undefined,
    jsonl: request.onLine !== undefined && request.jsonl === true,
    ...(request.onJsonInOrder !== undefined ? { json: true } : {}),
    ...(request.recordBaseline ? { recordBaseline: true } : {}),
  };
  const recorded: { index: number; findings: readonly BaselineFinding[] }[] = [];
  let failedOn = false;
  let audited = 0;
  // The servers each entry audited (a deployment's nodes, a plain entry's server), by entry: QA42-8. A deployment
  // entry's first result is the deployment's own (auditDeployment gives it first, then its nodes'), not a server.
  const servers = new Map<number, Set<string>>();
  // Whether two entries may audit one server: a deployment entry's nodes are known only as it is audited; plain
  // entries of one server are the parser's "listed twice". Held results are many numbers a target: only then.
  const repeats = inventory.entries.some(isDeployment) || plainRepeats(inventory.entries);
  // Every target's name, a repeated one's too: the baseline's entries of none of them are said to match nothing.
  const targetNames = request.baseline ? new Set<string>() : undefined;
  const handed = new Map<number, number>();
  const inOrder = request.onResultInOrder === undefined ? undefined : new InOrder(request.onResultInOrder);
  const jsonInOrder = request.onJsonInOrder === undefined ? undefined : new InOrder(request.onJsonInOrder);
  await runFleet(inventory.entries, inventory.options, finishing, (finished, index) => {
    for (const w of finished.warnings) {
      const seen = warningCounts.get(w.message);
      if (seen) {
        seen.count += 1;
        seen.first = Math.min(seen.first, index);
      } else warningCounts.set(w.message, { warning: w, count: 1, first: index });
    }
    const nth = handed.get(index) ?? 0;
    handed.set(index, nth + 1);
    targetNames?.add(finished.tally.line.target);
    const entry = inventory.entries[index]!;
    const deploymentItself = nth === 0 && isDeployment(entry);
    const key = deploymentItself ? undefined : targetKey(finished.tally.line.target);
    if (key !== undefined) {
      const set = servers.get(index);
      if (set) set.add(key);
      else servers.set(index, new Set([key]));
    }
    // A deployment's node names the entry it was found from: several entries may find it (QA42-8).
    const source = inventory.entrySources?.[index];
    const named = nth > 0 && source !== undefined && 'kind' in entry && entry.kind !== undefined ? { ...finished.tally, line: { ...finished.tally.line, entry: `${entry.kind} of ${source.path}:${source.line}` } } : finished.tally;
    // Where an entry may audit a server another audits too, each server is counted once, when all are in.
    const line = repeats ? tally.hold(named, { key: key ?? (() => deploymentKey(entry, index, servers)), entry: index, nth }) : tally.add(named);
    if (line.error === undefined) audited += 1;
    if (finished.failedOn) failedOn = true;
    if (finished.baseline) recorded.push({ index, findings: finished.baseline });
    if (request.keepResults) kept.push({ index, result: finished.result! });
    if (request.onTarget) request.onTarget(finished.result!, line);
    inOrder?.add(index, finished.result!);
    jsonInOrder?.add(index, finished.json ?? finished.result!);
    if (request.onLine) {
      const { result } = finished;
      request.onLine(line, finished.jsonl ?? (finishing.jsonl && result ? (add) => jsonlTargetPieces(result, add, finishing.root) : undefined), index);
    }
  }, inOrder || jsonInOrder || request.onEntryDone ? (index) => {
    inOrder?.done(index);
    jsonInOrder?.done(index);
    request.onEntryDone?.(index);
  } : undefined);
  tally.settle();
  // A suppression for every target is unused only when no audited target used it.
  const warnings = [...warningCounts.values()]
    .sort((a, b) => a.first - b.first)
    .filter(({ warning, count }) => {
      if (warning.kind !== 'suppression-unused') return true;
      const s = request.settings?.suppressions.find((x) => x.source.line === warning.source?.line && x.source.path === warning.source?.path);
      return s?.target !== undefined || count >= audited;
    })
    .map(({ warning }) => warning);
  // Each target said which of its own entries matched nothing; the entries of targets not in the fleet are said here.
  if (request.baseline) {
    const outside = baselineEntriesOutside(request.baseline, targetNames ?? new Set(), request.root);
    warnings.push(...unusedBaselineWarnings(outside, request.baselinePath));
  }
  warnings.push(...(inventory.overrideWarnings?.() ?? []));
  warnings.push(...auditedTwice(inventory, servers));
  // The inventory's own warnings, said on stderr as it was read, are in the report too: in CI only the artefacts are
  // read, and these are the ones about the credentials' exposure (QA42-16). First, as they were said first.
  warnings.unshift(...(inventory.inventoryWarnings ?? inventory.warnings.map((message) => inventoryWarning('inventory', undefined, message))));
  const report: AuditReport = {
    tool: reportTool(),
    summary: tally.summary,
    ...(warnings.length > 0 ? { warnings } : {}),
    targets: kept.sort((a, b) => a.index - b.index).map((k) => k.result),
  };
  const recordedBaseline: Baseline | undefined = request.recordBaseline ? { version: 1, findings: recorded.sort((x, y) => x.index - y.index).flatMap((r) => r.findings) } : undefined;
  return { report, lines: [...tally.lines].sort(compareLines), totals: tally.totals(), failedOn, ...(recordedBaseline ? { recordedBaseline } : {}) };
}

/** Hands results on in the order of their entries' indexes, each as soon as every entry before its own is done. */
class InOrder<T> {
  readonly #use: (result: T) => void;
  /** Results of entries after the next one to hand on, by index; and entries done, not yet handed on. */
  readonly #waiting = new Map<number, T[]>();
  readonly #done = new Set<number>();
  #next = 0;

  constructor(use: (result: T) => void) {
    this.#use = use;
  }

  add(index: number, result: T): void {
    if (index === this.#next) this.#use(result);
    else {
      const waiting = this.#waiting.get(index);
      if (waiting) waiting.push(result);
      else this.#waiting.set(index, [result]);
    }
  }

  done(index: number): void {
    this.#done.add(index);
    while (this.#done.delete(this.#next)) {
      this.#next += 1;
      const ready = this.#waiting.get(this.#next);
      if (ready === undefined) continue;
      this.#waiting.delete(this.#next);
      for (const result of ready) this.#use(result);
    }
  }
}

/** Two entries audited alone of one server (by its key). */
function plainRepeats(entries: readonly FleetEntry[]): boolean {
  const keys = new Set<string>();
  for (const e of entries) {
    const key = targetKey('target' in e ? e.target.display : e.display);
    if (keys.has(key)) return true;
    keys.add(key);
  }
  return false;
}

/**
 * What identifies a deployment entry's own result among the fleet's: its kind and the servers it audited, so that
 * one cluster found from each of its nodes is counted once; an entry that audited none (its discovery failed) is
 * its own.
 */
function deploymentKey(entry: FleetEntry, index: number, servers: ReadonlyMap<number, ReadonlySet<string>>): string {
  const kind = 'kind' in entry ? entry.kind : undefined;
  const mine = servers.get(index);
  return mine && mine.size > 0 ? `${kind} ${[...mine].sort().join(' ')}` : `entry ${index}`;
}

/** An entry audited as a deployment (`cluster: true`…): its results are the deployment's own, then its nodes'. */
function isDeployment(entry: FleetEntry): boolean {
  return 'kind' in entry && entry.kind !== undefined;
}
/** The most "audited twice" warnings of deployments said; the rest are counted. */
const TWICE_SHOWN = 5;

/**
 * An entry whose servers are among an earlier one's, one of the two a deployment: a cluster listed node by node with
 * `cluster: true` on each was audited once per entry, N×N, with no word (QA42-8). A warning naming both lines (two
 * plain entries of one server are the parser's "listed twice"); both are still audited, and counted.
 */
function auditedTwice(inventory: LoadedInventory, servers: ReadonlyMap<number, ReadonlySet<string>>): ReportWarning[] {
  const sources = inventory.entrySources;
  if (sources === undefined) return [];
  const kindOf = (i: number): string | undefined => {
    const e = inventory.entries[i];
    return e && 'kind' in e ? e.kind : undefined;
  };
  const seedOf = (i: number): string => {
    const e = inventory.entries[i]!;
    return 'target' in e ? e.target.display : e.display;
  };
  const warnings = new FirstThenCount<InventoryWarning>(TWICE_SHOWN);
  const indexes = [...servers.keys()].sort((a, b) => a - b);
  // Two plain entries of one server are the inventory's 'listed twice': only a pair with a deployment entry is
  // looked for here, so a fleet without one costs nothing (it copied the earlier indexes for every entry: quadratic).
  const deployments = indexes.filter((i) => kindOf(i) !== undefined);
  if (deployments.length === 0) return [];
  for (const j of indexes) {
    const mine = servers.get(j)!;
    let earlier: number | undefined;
    for (const i of kindOf(j) !== undefined ? indexes : deployments) {
      if (i >= j) break;
      if ([...servers.get(i)!].some((k) => mine.has(k))) {
        earlier = i;
        break;
      }
    }
    if (earlier === undefined) continue;
    warnings.add(() => {
      const seed = seedOf(j);
      const kind = kindOf(j);
      const theirs = kindOf(earlier);
      const what = kind ? 'its deployment is' : 'it is';
      const text = theirs && servers.get(earlier)!.has(targetKey(seed))
        ? `${seed} is a node of the ${theirs} of line ${sources[earlier]!.line}: ${what} audited twice`
        : theirs
          ? `the ${kind} of ${seed} shares nodes with the ${theirs} of line ${sources[earlier]!.line}: they are audited twice`
          : `${seedOf(earlier)} of line ${sources[earlier]!.line} is a node of the ${kind} of ${seed}: it is audited twice`;
      return inventoryWarning('listed-twice', sources[j]!, text);
    });
  }
  return warnings.lines((more) => inventoryWarning('listed-twice', { path: sources[0]!.path }, `${more} more ${more === 1 ? 'entry is' : 'entries are'} a node of a deployment listed earlier: audited twice`));
}
