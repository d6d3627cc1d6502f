// What `redfort fix` runs, for the CLI and the library alike: the terminal (the plan and outcome texts, notices,
// the confirmation of disruptive steps) is the caller's, through FixIo. Loaded only when the command runs
// (src/cli/commands/fix.ts imports it then): an audit never loads it.
import { parseTrustedNetwork } from '../exporter/allow.ts';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { nodeCrypto } from '../util/builtin.ts';
import { resolveTarget } from '../redis/target.ts';
import type { Target, TargetFlags } from '../redis/target.ts';
import type { DeploymentKind } from '../gather/topology/discover.ts';
import { overriddenTarget, unusedOverrides } from '../gather/topology/discover.ts';
import { appliedParts, appliesOf, applyPlan, currentDigests, resumedWithOtherSteps, rollback, staleNodes, unrestorableSentinelField } from './apply.ts';
import { gatherFixState } from './gather.ts';
import type { FixGatherOptions } from './gather.ts';
import { buildPlan } from './plan.ts';
import { fixUsers } from './profile.ts';
import { generatePassword, readSecretsFile, validUserPrefix, writeSecretsFile } from '../profile/index.ts';
import type { RollbackRecord } from './rollback.ts';
import { foreignRecord, readRollback, RollbackFileError, writeRollback } from './rollback.ts';
import { formatApplyText, formatPlanText } from './text.ts';
import { FileReadError, readTextFile } from '../util/read-file.ts';
import { fsErrorText } from '../util/fs-error.ts';
import { FileWriteError, checkOutputPath, writeOutputFile } from '../util/write-file.ts';
import { outputClash, planOutProblem } from './outputs.ts';
import type { FixPlan, PlanStep, StepClass } from './types.ts';
import { clipped } from '../util/shown.ts';
import { addressKey } from '../net/address.ts';
import { sha256Hex } from '../util/hash.ts';
import { TARGET_TIMEOUT_MS } from '../util/defaults.ts';

/** Bad input to fix (flags, a plan or secrets file): nothing is changed; the CLI reports it as a usage error. */
export class FixInputError extends Error {}

/** Why --out cannot take the plan, in one line (fix has no --force: a link or a FIFO there is refused). */
function planWriteError(path: string, error: unknown): FixInputError {
  const why = error instanceof FileWriteError ? (error.refused !== undefined ? `${error.refused}: refused` : error.detail) : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
  return new FixInputError(`cannot write the plan to '${path}': ${why}`);
}

/** The terminal of a fix run: what it prints, its notices, and the question before disruptive steps. */
export interface FixIo {
  /** The plan and outcome texts (standard output, for the CLI). */
  readonly out: (text: string) => void;
  /** One-line notices (standard error, for the CLI). */
  readonly say: (line: string) => void;
  /** Whether a person may be asked (a terminal); without one, --include-disruptive needs --yes. */
  readonly interactive: boolean;
  /** Asks whether to apply the disruptive steps of the plan. */
  readonly confirm: (plan: FixPlan) => Promise<boolean>;
  /** Said once the request is checked: a password on the command line (src/cli/kit.ts commandLinePasswordWarning). */
  readonly commandLineWarning?: string | undefined;
  /**
   * Subscribes `handler` to the run's interrupts (the CLI: SIGINT and SIGTERM) until the function it returns is called.
   * Without it (the library), an apply is not interrupted: the process and its signals are the caller's.
   */
  readonly interrupts?: ((handler: (signal: string) => void) => () => void) | undefined;
  /** Ends the run at once with `code` (the CLI: the process's exit): a second interrupt's. */
  readonly stopNow?: ((code: number) => void) | undefined;
}

/** What `redfort fix` is asked: its flags, with the timeouts as numbers and the environment that holds REDISCLI_AUTH. */
export interface FixRequest extends TargetFlags {
  uri?: string;
  a?: string;
  plan?: boolean;
  apply?: string | boolean;
  rollback?: string;
  cluster?: boolean;
  replication?: boolean;
  sentinel?: boolean;
  format: string;
  out?: string;
  secrets: string;
  rollbackFile: string;
  includeDisruptive?: boolean;
  yes?: boolean;
  userPrefix?: string;
  probe: boolean;
  /**
   * `--node-override KEY=URL` as audit parses it (src/app/targets.ts): the nodes to reach with other credentials, by
   * `host:port` or role. Used wherever fix connects: the plan's audit, an apply (and its re-audit), a rollback.
   */
  nodeOverrides?: ReadonlyMap<string, Target> | undefined;
  /** `--trust-sentinel HOST:PORT` (repeatable, or comma-separated): the sentinels besides the seed that may get the generated sentinel password. */
  trustSentinel?: string[] | undefined;
  /** `--trust-discovered NET` (repeatable, or comma-separated): the discovered nodes that may get the run's credentials. */
  trustDiscovered?: string[] | undefined;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /**
   * `--target-timeout`, as audit's: the longest the audit of the target (a deployment: its seed and every node
   * together) may take, before the plan and after an apply; default TARGET_TIMEOUT_MS. The steps of an apply and a
   * rollback are not cut short by it (each command has --timeout): a change stopped half-way is worse than a slow one.
   */
  targetTimeoutMs?: number;
  /** Where REDISCLI_AUTH is read from (the process's environment, for the CLI). */
  env: Readonly<Record<string, string | undefined>>;
}

async function readPlan(path: string): Promise<FixPlan> {
  let plan: FixPlan;
  try {
    plan = JSON.parse(await readTextFile(path)) as FixPlan;
  } catch (error) {
    throw new FixInputError(`${path}: cannot read the plan: ${error instanceof FileReadError ? error.detail : 'not JSON'}`);
  }
  if (plan?.format !== 'redfort-fix-plan' || plan.version !== 1 || !Array.isArray(plan.steps) || !Array.isArray(plan.nodes)) {
    throw new FixInputError(`${path}: not a redfort fix plan (save one with --plan --out ${path})`);
  }
  // A rollback restores only what its record read before the change: a step it could not undo is never applied.
  plan.steps.forEach((step, i) => {
    const field = Array.isArray(step?.command) ? unrestorableSentinelField(step.command) : undefined;
    if (field === undefined) return;
    const id = Number.isInteger(step.id) ? step.id : i + 1;
    throw new FixInputError(`${path}: step ${id}: SENTINEL SET of ${field} cannot be rolled back (a rollback restores only auth-user and auth-pass): fix makes no such step; make a new plan with --plan`);
  });
  return plan;
}

/** The passwords the secrets file holds, by user (empty when there is no file yet). */
async function readSecrets(path: string): Promise<Map<string, string>> {
  const secrets = new Map<string, string>();
  if (!existsSync(path)) return secrets;
  try {
    for (const s of await readSecretsFile(path)) secrets.set(s.user, s.password);
  } catch (error) {
    throw new FixInputError(`${path}: cannot read the secrets file: ${fsErrorText(error, path)}`);
  }
  return secrets;
}

/** Passwords for every user the plan names: the secrets file's (`known`, read once), generated (and written) when missing. */
async function secretsFor(plan: FixPlan, path: string, generate: boolean, known: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  const secrets = new Map(known);
  const missing = plan.secrets.filter((u) => !secrets.has(u));
  if (missing.length === 0) return secrets;
  if (!generate) throw new FixInputError(`${path}: no password for ${missing.join(', ')}: give the secrets file written with the plan (--secrets FILE)`);
  for (const u of missing) secrets.set(u, generatePassword());
  // The profile's writer creates a new file (never through a link) with mode 0600; a rename replaces the old one at
  // once. Its name is not guessable: a file planted at the pid's name in a directory anyone writes stopped the run.
  const tmp = `${path}.${process.pid}-${nodeCrypto().randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeSecretsFile(tmp, [...secrets].map(([user, password]) => ({ user, password })), ['redfort fix: passwords of the users its plans create (mode 0600: keep it private)']);
    try {
      renameSync(tmp, path);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    }
  } catch (error) {
    throw new FixInputError(`cannot write the secrets file '${path}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return secrets;
}

/**
 * The scheme and user of a rollback record's target (the URL the apply was given, without its password), when it is a
 * redis:// or rediss:// URL: a rollback reaches the nodes as the apply did unless flags say otherwise.
 */
export function recordedConnection(target: string): { readonly tls: boolean; readonly user?: string } {
  const scheme = /^(rediss?):\/\//i.exec(target)?.[1]?.toLowerCase();
  if (scheme === undefined) return { tls: false };
  try {
    const url = new URL(target);
    const user = url.username ? decodeURIComponent(url.username) : undefined;
    return { tls: scheme === 'rediss', ...(user !== undefined ? { user } : {}) };
  } catch {
    return { tls: scheme === 'rediss' };
  }
}

/** `--trust-sentinel`'s HOST:PORT as an address key; anything else is bad input naming it. */
function trustedSentinelKey(value: string): string {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:\[\]]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) throw new FixInputError(`--trust-sentinel '${clipped(value)}' is not HOST:PORT (an IPv6 address in brackets: [::1]:26379)`);
  return addressKey(m[1] ?? m[2]!, port);
}

/** Plans, applies or rolls back; the exit code (0 done, 1 a step failed or a rollback was incomplete, 2 not applied). */
export async function runFix(spec: string | undefined, flags: FixRequest, io: FixIo): Promise<number> {
  const say = io.say;
  const modes = [flags.plan, flags.apply !== undefined, flags.rollback !== undefined].filter(Boolean).length;
  if (modes !== 1) throw new FixInputError('give exactly one of --plan, --apply [plan.json] or --rollback FILE');
  if (flags.format !== 'text' && flags.format !== 'json') throw new FixInputError(`--format must be text or json, not '${clipped(flags.format)}'`);
  if (flags.format === 'json' && !flags.plan) throw new FixInputError('--format json is for --plan');
  if (flags.out !== undefined && !flags.plan) throw new FixInputError('--out saves a plan: use it with --plan');
  const kinds = (['cluster', 'sentinel', 'replication'] as const).filter((k) => flags[k] === true);
  if (kinds.length > 1) throw new FixInputError(`--${kinds[0]} and --${kinds[1]} exclude each other`);
  const kind: DeploymentKind | undefined = kinds[0];
  // As in audit: the overrides name nodes of a deployment (a rollback file lists its nodes itself).
  if (flags.nodeOverrides && kind === undefined && flags.rollback === undefined) throw new FixInputError('--node-override needs --cluster, --sentinel or --replication (or --rollback FILE)');
  if (io.commandLineWarning !== undefined) say(io.commandLineWarning);
  const { nodeOverrides, trustSentinel, trustDiscovered: trustedNets, ...connection } = flags;
  if (trustedNets !== undefined && kind === undefined) throw new FixInputError('--trust-discovered needs --cluster, --sentinel or --replication');
  const trustDiscovered = trustedNets?.flatMap((v) => v.split(',')).map((v) => {
    const entry = parseTrustedNetwork(v);
    if (typeof entry === 'string') throw new FixInputError(`--trust-discovered ${clipped(entry, 240)}`);
    return entry;
  });
  if (trustSentinel !== undefined && kind !== 'sentinel') throw new FixInputError('--trust-sentinel needs --sentinel');
  const trustSentinels = trustSentinel === undefined ? undefined : new Set(trustSentinel.flatMap((v) => v.split(',')).map((v) => trustedSentinelKey(v.trim())));
  const pass = flags.pass ?? flags.a;
  const targetFlags: TargetFlags = { ...connection, ...(pass !== undefined ? { pass } : {}) };
  const timeouts = { connectTimeoutMs: flags.connectTimeoutMs, commandTimeoutMs: flags.commandTimeoutMs };
  const log = (line: string) => say(line);

  if (flags.rollback !== undefined) {
    let record: RollbackRecord;
    try {
      record = await readRollback(flags.rollback);
    } catch (error) {
      if (error instanceof RollbackFileError) throw new FixInputError(error.message);
      throw error;
    }
    if (record.nodes.length === 0) {
      say(`${flags.rollback}: records no node: nothing to roll back`);
      return 0;
    }
    const { host: _h, port: _p, ...given } = targetFlags;
    // TLS and the user the apply was given (the record's target: a URL without its password), unless flags say otherwise.
    const recorded = recordedConnection(record.target);
    const shared: TargetFlags = { ...given, ...(given.tls === undefined && recorded.tls ? { tls: true } : {}), ...(given.user === undefined && recorded.user !== undefined ? { user: recorded.user } : {}) };
    // Each recorded node as discovery would reach it: its override (by address, else by its recorded role), else the flags.
    const targets = new Map<string, Target>(record.nodes.map((n) => [n.address, overriddenTarget(n, nodeOverrides) ?? resolveTarget(undefined, { ...shared, ...(n.socket !== undefined ? { socket: n.socket } : { host: n.host, port: n.port }) }, flags.env)]));
    for (const w of unusedOverrides(nodeOverrides, record.nodes)) say(`warning: ${w}`);
    const result = await rollback(record, targets, { ...timeouts, log });
    for (const r of result.restored) io.out(`restored ${r}\n`);
    for (const n of result.notRestored) io.out(`NOT restored: ${n}\n`);
    for (const n of result.unverified) io.out(`${n}\n`);
    for (const n of result.notes) io.out(`not undone: ${n}\n`);
    // Everything set back: no apply recorded there is one whose steps a later apply of the plan may skip (QA40-12's
    // advice, roll back then plan again, would otherwise apply nothing). Its values stay, for a later apply to add to.
    if (result.notRestored.length === 0 && record.applies.length > 0) {
      try {
        writeRollback(flags.rollback, { ...record, applies: [] });
      } catch (error) {
        say(`${flags.rollback}: rolled back, but the file could not be marked so (${fsErrorText(error, flags.rollback)}): move it away before the next apply`);
      }
    }
    if (result.notRestored.length > 0) {
      const how = `${shared.tls ? 'over TLS' : 'without TLS'}${shared.user !== undefined ? ` as user '${shared.user}'` : ' as the default user'}`;
      say(`the record's target is ${record.target}: the rollback connected ${how}; give the connection flags the apply had (--tls, --cacert, --cert, --key, --user, --pass or REDISCLI_AUTH) where they differ, or --node-override for a node reached otherwise`);
    }
    return result.notRestored.length === 0 ? 0 : 1;
  }

  if (flags.includeDisruptive && flags.apply === undefined) throw new FixInputError('--include-disruptive goes with --apply');
  if (flags.includeDisruptive && !flags.yes && !io.interactive) throw new FixInputError('--include-disruptive asks for a confirmation on a terminal: add --yes to apply without one');
  const target = resolveTarget(flags.uri ?? spec, targetFlags, flags.env);
  const options: FixGatherOptions = { ...timeouts, targetTimeoutMs: flags.targetTimeoutMs ?? TARGET_TIMEOUT_MS, kind, ...(nodeOverrides ? { nodeOverrides } : {}), ...(trustSentinels ? { trustSentinels } : {}), ...(trustDiscovered ? { trustDiscovered } : {}), ...(flags.probe === false ? { noProbe: true } : {}) };
  const userPrefix = flags.userPrefix ?? '';
  if (!validUserPrefix(userPrefix)) throw new FixInputError(`--user-prefix '${clipped(userPrefix)}' may hold only letters, digits and _ . : -`);
  // A plan that cannot be saved is known before the servers are read and the secrets file is written.
  if (flags.plan && flags.out !== undefined) {
    await checkOutputPath(flags.out).catch((error: unknown) => Promise.reject(planWriteError(flags.out!, error)));
    const problem = await planOutProblem(flags.out);
    if (problem !== undefined) throw new FixInputError(`--out ${flags.out}: ${problem}`);
  }
  const gathered = await gatherFixState(target, options);
  if (!gathered.ok) {
    say(`${target.display}: ${gathered.error}`);
    return 2;
  }
  const state = gathered.state;
  for (const w of state.warnings ?? []) say(`warning: ${w}`);
  // The files this run may write, none of them a node's own (its redis.conf, ACL file, includes) nor another of them.
  const outputs: [string, string][] = [...(flags.plan && flags.out !== undefined ? [['--out', flags.out] as [string, string]] : []), ['--secrets', flags.secrets], ...(flags.apply !== undefined ? [['--rollback-file', flags.rollbackFile] as [string, string]] : [])];
  const clash = outputClash(outputs, state);
  if (clash !== undefined) throw new FixInputError(clash);
  const known = await readSecrets(flags.secrets);
  // The plan's users whose password the file held before this run: the text says reused, not new.
  const reused = [...known.keys()];
  const own = new Map([...known].map(([user, password]) => [user, sha256Hex(password)]));
  const fresh = () => buildPlan({ target: target.display, deployment: state.deployment, nodes: state.nodes, deploymentResults: state.deploymentResults?.results, userPrefix, ownPasswords: own, pathExists: existsSync });

  if (flags.plan) {
    const plan = fresh();
    await secretsFor(plan, flags.secrets, true, known);
    const json = `${JSON.stringify(plan, null, 2)}\n`;
    if (flags.out !== undefined) {
      // Looked at again: the audit took a while, and the file may have come since.
      const problem = await planOutProblem(flags.out);
      if (problem !== undefined) throw new FixInputError(`--out ${flags.out}: ${problem}`);
      try {
        await writeOutputFile(flags.out, json);
      } catch (error) {
        throw planWriteError(flags.out, error);
      }
    }
    io.out(flags.format === 'json' ? json : formatPlanText(plan, { secretsFile: flags.secrets, reused }));
    return 0;
  }

  // --apply [plan.json]
  const planFile = typeof flags.apply === 'string' ? flags.apply : undefined;
  const plan = planFile !== undefined ? await readPlan(planFile) : fresh();
  const earlier = existsSync(flags.rollbackFile) ? await safeRead(flags.rollbackFile) : undefined;
  // A record of another deployment is neither replaced nor mixed with this one (QA40-4): refused before any change.
  const foreign = foreignRecord(earlier, state.nodes.map((n) => n.address));
  if (foreign !== undefined) throw new FixInputError(`--rollback-file ${flags.rollbackFile}: ${foreign}`);
  if (planFile !== undefined) {
    if (plan.target !== target.display) say(`note: the plan was made for ${plan.target}; applying it to ${target.display}`);
    const stale = staleNodes(plan, state, earlier);
    if (stale.length > 0) {
      // The nodes changed because an apply of this very plan stopped half-way (interrupted, killed): say that, and
      // the way back, rather than "changed since the plan was made" (QA40-12).
      const unfinished = appliesOf(plan, earlier).filter((a) => a.steps.length > 0 && Object.keys(a.after ?? {}).length === 0);
      if (unfinished.length > 0) {
        const ran = unfinished.flatMap((a) => a.steps);
        say(`${flags.rollbackFile} records an apply of this plan that did not finish (step${ran.length === 1 ? '' : 's'} ${ran.join(', ')} ran, then it was stopped or its rollback was incomplete): the nodes are no longer as planned; run: redfort fix --rollback ${flags.rollbackFile} (with the apply's connection flags), then plan again with --plan`);
        return 2;
      }
      say(`plan is stale: ${stale.join('; ')}: make a new plan with --plan`);
      return 2;
    }
    // The deployment is as it was planned for: the plan redfort makes of it now is the one it showed then, step for
    // step. A step it would not make (a value edited in the file: CONFIG SET protected-mode no) is refused, not run.
    // (Resuming a partly applied plan, the deployment is no longer the planned one: that apply's record decides.)
    // Resumed: a node is in the state an earlier apply of this plan left (one set back since is planned again).
    const now = currentDigests(state);
    const resumed = appliesOf(plan, earlier).some((a) => [...now].some(([address, digest]) => a.after?.[address] === digest));
    // Resumed, the steps must be those the earlier apply was given (and checked as above), not edited since.
    if (resumed && resumedWithOtherSteps(plan, earlier)) {
      say(`${planFile}: its steps are not those the earlier apply of this plan recorded in ${flags.rollbackFile} (edited after that apply): make a new plan with --plan`);
      return 2;
    }
    const expected = resumed ? undefined : fresh();
    const strange = expected && foreignStep(plan, expected);
    if (strange) {
      say(`${planFile}: step ${strange.id} (${strange.node}) is not a step redfort plans for this deployment (edited after --plan, or planned with another --user-prefix or other connection flags: fix plans no step that would cut off its own connection, such as tls-auth-clients yes without --cert and --key): make a new plan with --plan`);
      return 2;
    }
    // Every step in its place too (QA41-54): a plan with `ACL SETUSER default off` taken out ran `CONFIG SET
    // requirepass ""` on a default user still on, a server open to anyone until the re-audit rolled it back.
    const gap = expected && missingOrMoved(plan, expected);
    if (gap) {
      say(`${planFile}: ${gap} (edited after --plan): the steps run whole and in the order planned; make a new plan with --plan`);
      return 2;
    }
  } else {
    io.out(formatPlanText(plan, { secretsFile: flags.secrets, reused }));
  }
  const secrets = await secretsFor(plan, flags.secrets, planFile === undefined, known);
  const classes = new Set<StepClass>(['safe']);
  if (flags.includeDisruptive && plan.steps.some((s) => s.class === 'disruptive')) {
    if (!flags.yes) {
      // Declined (or no answer): nothing was tried, as when a plan is stale or another fix is at work: 2, not the 1
      // of a step that failed (QA40-26).
      if (!(await io.confirm(plan))) {
        say('declined: nothing applied');
        return 2;
      }
    }
    classes.add('disruptive');
  }
  const outcome = await withInterrupts(io, flags.rollbackFile, (interrupted) => applyPlan(plan, state, { ...options, classes, secrets, users: fixUsers(userPrefix), rollbackFile: flags.rollbackFile, earlierRecord: earlier, log, interrupted }));
  io.out(formatApplyText(outcome));
  if (!outcome.ok && outcome.rolledBack && outcome.notRestored.length > 0) say(`what is not restored is still recorded: run redfort fix --rollback ${flags.rollbackFile} (with the apply's connection flags) once the nodes named are reachable`);
  // Refused before any change, as a stale plan is: 2; a step that failed (rolled back or not): 1.
  if (!outcome.ok) return outcome.refused ? 2 : 1;
  const pending = plan.steps.filter((s) => s.class === 'disruptive' && !classes.has('disruptive')).length;
  if (pending > 0) say(`${pending} disruptive step${pending === 1 ? '' : 's'} not applied: add --include-disruptive`);
  return 0;
}

/**
 * Runs an apply with SIGINT and SIGTERM caught (QA40-12: either one ended it between two steps, silently, the
 * default user off and nothing rewritten): the first lets the step under way finish, then the apply stops and rolls
 * back what it did, as after a failed step; a second one stops at once, saying how to roll back. Every step is in the
 * rollback file before it runs, so that either way it can be undone.
 */
async function withInterrupts<T>(io: FixIo, rollbackFile: string, run: (interrupted: () => string | undefined) => Promise<T>): Promise<T> {
  if (!io.interrupts) return run(() => undefined);
  let signal: string | undefined;
  const stop = io.interrupts((name) => {
    if (signal === undefined) {
      signal = name;
      io.say(`${name}: stopping after the step under way, then rolling back what this apply did (send it again to stop at once)`);
      return;
    }
    io.say(`${name} again: stopped at once; what this apply did is recorded in ${rollbackFile}: run redfort fix --rollback ${rollbackFile} (with the apply's connection flags)`);
    io.stopNow?.(1);
  });
  try {
    return await run(() => signal);
  } finally {
    stop();
  }
}

async function safeRead(path: string): Promise<RollbackRecord> {
  try {
    return await readRollback(path);
  } catch (error) {
    if (error instanceof RollbackFileError) throw new FixInputError(`${error.message}: give another --rollback-file, or move it away`);
    throw error;
  }
}

const stepKey = (s: PlanStep) => JSON.stringify(appliedParts(s));

/** The first step of `plan` that `expected` (the plan made now of the same deployment) does not hold as it is. */
function foreignStep(plan: FixPlan, expected: FixPlan): PlanStep | undefined {
  const known = new Set(expected.steps.map(stepKey));
  return plan.steps.find((s) => !known.has(stepKey(s)));
}

/**
 * What `plan`, each of whose steps `expected` holds (foreignStep), lacks or has out of place: a step taken out,
 * repeated or moved changes what the others do (the order of `default off` and `requirepass ""` is the plan's point).
 */
function missingOrMoved(plan: FixPlan, expected: FixPlan): string | undefined {
  const given = plan.steps.map(stepKey);
  const have = new Set(given);
  const missing = expected.steps.filter((s) => !have.has(stepKey(s)));
  if (missing.length > 0) {
    const first = missing[0]!;
    return `step ${first.id} (${first.node}) that redfort plans for this deployment is missing${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`;
  }
  for (const [i, key] of given.entries()) {
    const want = expected.steps[i];
    if (want !== undefined && key === stepKey(want)) continue;
    const step = plan.steps[i]!;
    return given.indexOf(key) < i ? `step ${step.id} (${step.node}) is given more than once` : `step ${step.id} (${step.node}) is out of the order redfort plans`;
  }
  return undefined;
}
