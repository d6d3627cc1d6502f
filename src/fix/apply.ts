import { isAbsolute, resolve as resolvePath } from 'node:path';
import { FileReadError, readTextFile } from '../util/read-file.ts';
import { SERVER_NAMES } from '../facts/host.ts';
import { listeningConfigFile, serverMayRead } from '../gather/host/index.ts';
import { Locks } from './lock.ts';
import type { TargetResult } from '../engine/run.ts';
import { isLocalHost } from '../net/address.ts';
import { ConnectionError } from '../gather/live/resp.ts';
import type { Reply } from '../gather/live/resp.ts';
import type { Target } from '../redis/target.ts';
import { placeFlagsOf, resolveTarget, targetPassword, tlsFlagsOf } from '../redis/target.ts';
import { splitArgs } from '../gather/conf/split-args.ts';
import type { FixGatherOptions, FixState } from './gather.ts';
import { gatherFixState } from './gather.ts';
import type { FixUsers } from './profile.ts';
import { secretVariable } from '../profile/secrets.ts';
import type { Arg, FixPlan, PlanStep, StepClass, Touch } from './types.ts';
import { commandText } from './text.ts';
import { nodeDigest } from './digest.ts';
import type { RecordedFile, RollbackNode, RollbackRecord } from './rollback.ts';
import type { LiveFiles } from './rollback.ts';
import { rendersAclListAnew } from '../acl/limits.ts';
import { ACL_CONTENT_MAX_BYTES, aclLineRules, aclLinesOf, aclUserNames, configValues, FIX_SETTINGS, foreignRecord, mergeRollback, octal, restoreAclLines, restoreFile, rollbackScope, ROLLBACK_WARNING, statOf, writeRollback } from './rollback.ts';
import { sha256Hex } from '../util/hash.ts';
import type { Credential } from './session.ts';
import { canLogIn, CLIENT_NAME, credentialOf, NodeSession, replyError } from './session.ts';
import { LINK_WAIT_MS } from '../util/defaults.ts';
import type { Shape } from '../util/shown.ts';
import { clipped, shown } from '../util/shown.ts';

/** A line of progress for the terminal (never a secret). */
export type Log = (line: string) => void;

export interface ApplyOptions extends FixGatherOptions {
  /** Which classes to apply: `safe`, or `safe` and `disruptive`. */
  readonly classes: ReadonlySet<StepClass>;
  /** User name to password, for every `<generated>` argument. */
  readonly secrets: ReadonlyMap<string, string>;
  readonly users: FixUsers;
  readonly rollbackFile: string;
  /** The earlier record in the rollback file, if any: values it holds are kept. */
  readonly earlierRecord?: RollbackRecord | undefined;
  readonly log?: Log;
  /** Called before each step (tests inject faults here). */
  readonly beforeStep?: (step: PlanStep) => Promise<void> | void;
  /** How long a replica's link may take to come back up after a step (default 10 s). */
  readonly linkWaitMs?: number;
  /**
   * Asked before each step and before the audit after the apply: a reason to stop (`SIGINT`), once the run was asked
   * to. The apply then stops there, as after a failed step: it rolls back what it did (QA40-12).
   */
  readonly interrupted?: () => string | undefined;
}

/** One rule whose status changed between the audit before and the one after. */
export interface RuleChange {
  readonly node: string;
  readonly rule: string;
  readonly before: string;
  readonly after: string;
}

export interface ApplyOutcome {
  readonly ok: boolean;
  /** Step ids applied (and kept, when ok). */
  readonly applied: readonly number[];
  /** What went wrong: `step 7 (127.0.0.1:6379, ACL SETUSER default off resetpass): …`. */
  readonly error?: string;
  readonly changes: readonly RuleChange[];
  /** File modes and owners put back after CONFIG REWRITE / ACL SAVE. */
  readonly restoredFiles: readonly string[];
  /** Everything the rollback did not manage (empty when nothing was rolled back or all was). */
  readonly notRestored: readonly string[];
  /** Nodes the rollback set back but could not log in to afterwards to check (see {@link rollback}). */
  readonly unverified?: readonly string[];
  readonly rolledBack: boolean;
  /** Refused before any change (another fix at work on a node, its lock file, a node already unhealthy). */
  readonly refused?: boolean;
  readonly after?: readonly TargetResult[];
}

/** The applies of `plan` (by its state digest) that an earlier record holds: none without a record. */
export function appliesOf(plan: Pick<FixPlan, 'digest'>, earlier: RollbackRecord | undefined): RollbackRecord['applies'] {
  return (earlier?.applies ?? []).filter((a) => a.plan === plan.digest);
}

/**
 * SHA-256 of what a plan's steps apply (each step's id, node, class, command, config line and touches): what an apply
 * recorded it ran against (see {@link resumedWithOtherSteps}). Not their words (`reason`, `order`, `rules`): a plan
 * saved again of the same state has the same steps whose reason names another line of a rewritten file (QA40-24).
 */
export function stepsDigest(plan: Pick<FixPlan, 'steps'>): string {
  return sha256Hex(JSON.stringify(plan.steps.map(appliedParts)));
}

/** What of a step is applied (its place, class, command, config line, touches), without the words that explain it. */
export function appliedParts(s: PlanStep): readonly unknown[] {
  return [s.id, s.node, s.class, s.command, s.configLine ?? null, s.touches];
}

/** The steps digest of records written before session 41: the steps' JSON, their words included. */
function wholeStepsDigest(plan: Pick<FixPlan, 'steps'>): string {
  return sha256Hex(JSON.stringify(plan.steps));
}

/**
 * Whether a plan an earlier apply started (same state digest) comes back with other steps than that apply was given:
 * a resumed apply cannot be planned again (the deployment moved on), so the steps the first apply was checked against
 * are the only ones it may run. An apply recorded without a steps digest (an older record) decides nothing.
 */
export function resumedWithOtherSteps(plan: FixPlan, earlier: RollbackRecord | undefined): boolean {
  const recorded = appliesOf(plan, earlier).filter((a) => a.stepsDigest !== undefined);
  const digests = [stepsDigest(plan), wholeStepsDigest(plan)];
  return recorded.length > 0 && !recorded.some((a) => digests.includes(a.stepsDigest!));
}

/**
 * Whether the facts each node of a plan was computed from are still those of the server. A node left in the state
 * an earlier apply of the same plan recorded (in the rollback file) is not stale.
 */
export function staleNodes(plan: FixPlan, state: FixState, earlier?: RollbackRecord): string[] {
  const problems: string[] = [];
  const applies = appliesOf(plan, earlier);
  for (const node of plan.nodes) {
    const now = state.nodes.find((n) => n.address === node.address);
    if (!now) {
      problems.push(`${node.address} is no longer part of the deployment`);
      continue;
    }
    const digest = nodeDigest(now.facts, now.role);
    if (digest !== node.digest && !applies.some((a) => a.after[node.address] === digest)) problems.push(`${node.address} changed since the plan was made`);
  }
  for (const n of state.nodes) if (!plan.nodes.some((p) => p.address === n.address)) problems.push(`${n.address} joined the deployment since the plan was made`);
  return problems;
}

/** Each node's digest now (`host:port` to the SHA-256 of its facts), as a plan's nodes carry them. */
export function currentDigests(state: FixState): Map<string, string> {
  return new Map(state.nodes.map((n) => [n.address, nodeDigest(n.facts, n.role)]));
}

/**
 * The steps an apply runs: the chosen classes, minus those an earlier apply of the same plan ran, and each node's
 * persist steps only when something else runs there. Given the nodes' digests now (`current`), a step counts as
 * run only where its node is still in the state that apply left (its `after`): a node set back since (by
 * `fix --rollback`, or by hand) has the plan's state again, and its steps run again (QA40-55: "Applied 0 steps.",
 * exit 0, with none of them on the server).
 */
export function stepsToApply(plan: FixPlan, classes: ReadonlySet<StepClass>, earlier?: RollbackRecord, current?: ReadonlyMap<string, string>): PlanStep[] {
  const isPersist = (s: PlanStep) => s.touches.some((t) => t.kind === 'file');
  const applies = appliesOf(plan, earlier);
  const done = (s: PlanStep) => applies.some((a) => a.steps.includes(s.id) && (current === undefined || (current.has(s.node) && a.after?.[s.node] === current.get(s.node))));
  const chosen = plan.steps.filter((s) => s.class !== 'restart' && classes.has(s.class) && (isPersist(s) || !done(s)));
  const busy = new Set(chosen.filter((s) => !isPersist(s)).map((s) => s.node));
  return chosen.filter((s) => !isPersist(s) || busy.has(s.node) || hashesOnly(plan, s));
}

/**
 * Whether a step is an ACL SAVE on a node where no step of the plan changes a user: the plan makes one only to write
 * the ACL file's clear-text passwords as `#<sha256>` (the running users are the file's own, see plan.ts
 * aclSaveWritesMore), so it runs alone, and a rollback has nothing at run time to undo for it.
 */
export function hashesOnly(plan: FixPlan, step: PlanStep): boolean {
  return step.command[0] === 'ACL' && step.command[1] === 'SAVE' && !plan.steps.some((o) => o.node === step.node && o.touches.some((t) => t.kind === 'user'));
}

/**
 * What a rollback does not give back after a step that took clear-text passwords out of a file, in words for the record.
 * `recorded`: the node's CONFIG GET values before the first change, which a rollback sets back.
 */
export function clearTextNote(plan: FixPlan, step: PlanStep, recorded: Readonly<Record<string, unknown>> = {}): string | undefined {
  if (!step.rules.includes('auth.plaintext-passwords') || !step.touches.some((t) => t.kind === 'file')) return undefined;
  const what = commandText(step);
  const acl = step.touches.some((t) => t.kind === 'file' && t.role === 'acl');
  const file = acl ? (plan.nodes.find((n) => n.address === step.node)?.aclFile ?? 'the ACL file') : (plan.nodes.find((n) => n.address === step.node)?.configFile ?? 'the config file');
  // CONFIG REWRITE writes requirepass and masterauth as they run, in clear text: the rollback sets the recorded ones
  // back and its own CONFIG REWRITE puts them in the file again (QA45-51: the note said no password came back).
  const back = acl ? [] : ['requirepass', 'masterauth'].filter((name) => typeof recorded[name] === 'string' && recorded[name] !== '');
  const except = back.length > 0 ? `, except ${back.join(' and ')}: a rollback sets ${back.length > 1 ? 'them' : 'it'} back as ${back.length > 1 ? 'they' : 'it'} ran, and its CONFIG REWRITE writes ${back.length > 1 ? 'them' : 'it'} into ${file} in clear text again` : '';
  const kept = `the clear-text passwords ${file} held are not written back by a rollback${except} (they are the weakness auth.plaintext-passwords reported; the users log in with the same passwords)`;
  return hashesOnly(plan, step)
    ? `step ${step.id} (${what}) wrote the users to ${file} with their passwords as #<sha256> and changed nothing at run time: a rollback has nothing to undo for it; ${kept}`
    : `step ${step.id} (${what}) wrote ${file} with its passwords as #<sha256>; a rollback writes the restored state the same way: ${kept}`;
}

/**
 * What a rollback leaves after a CONFIG REWRITE that also wrote someone's run-time values into the file (QA40-11): the
 * values stay there (the rollback's own CONFIG REWRITE writes them again), with the file's earlier values to set back.
 */
function alsoWroteNote(plan: FixPlan, step: PlanStep): string | undefined {
  const also = Array.isArray(step.alsoWrites) ? step.alsoWrites.filter((a): a is string => typeof a === 'string') : [];
  if (also.length === 0 || !(step.command[0] === 'CONFIG' && step.command[1] === 'REWRITE')) return undefined;
  const file = plan.nodes.find((n) => n.address === step.node)?.configFile ?? 'the config file';
  return `step ${step.id} (${commandText(step)}) also wrote into ${file} what ran there but was not in it: ${also.join(', ')}; a rollback leaves them in the file (its own CONFIG REWRITE writes what runs): if they were temporary, CONFIG SET them to the file's earlier values and CONFIG REWRITE`;
}

function resolveArgs(command: readonly Arg[], secrets: ReadonlyMap<string, string>): string[] {
  return command.map((a) => {
    if (typeof a === 'string') return a;
    const password = secrets.get(a.secret);
    if (password === undefined) throw new Error(`the secrets file has no password for '${a.secret}' (${secretVariable(a.secret)})`);
    return `${a.prefix}${password}`;
  });
}

export function describeStep(step: PlanStep): string {
  return `step ${step.id} (${step.node}, ${commandText(step)})`;
}

/**
 * The config file of a node of this machine as the host gatherer verified it, never INFO's `config_file` alone (the
 * server's word: a hostile "sentinel" on a local port named /root/other-sentinel.conf, which fix, run as root, read
 * and whose `sentinel auth-pass` it recorded and sent back to it on rollback, QA41-51): the process that listens on
 * the node's port is a Redis or Valkey server or sentinel, and the file is the one it was started with (its command
 * line or systemd unit), or INFO's when that is a regular file its own user can read (gather/host configFileOf,
 * processCannotRead). Null when there is none so known: then nothing is read from a file, and none is recorded.
 */
async function verifiedConfigFile(node: FixState['nodes'][number]): Promise<string | null> {
  const process = node.facts.host?.process;
  if (process !== undefined) return SERVER_NAMES.has(process.name) && process.configFile.known ? process.configFile.value : null;
  // Gathered without host facts (--no-host): the same answer, for this node's port alone.
  const found = await listeningConfigFile(node.host, node.port, node.facts).catch(() => undefined);
  return found?.known ? found.value : null;
}

/**
 * Why the ACL file at `path` (CONFIG GET aclfile, the server's word) is not known to be this node's own, or undefined
 * when it is: the process that listens on the node's port is a Redis or Valkey server (the host gatherer's, else the
 * port's owner in /proc) whose own user can read the file, as a server reads its aclfile at its start (gather/host
 * serverMayRead, processCannotRead). An unprivileged server that put a link to a file of root's at its aclfile's name
 * (its own directory), or a hostile server on a local port naming any path, had fix, run as root, read that file into
 * the rollback record before ACL SAVE, record it as a mode/owner restore target and write its text back on rollback
 * (LEFT-1, as QA41-51 for a sentinel's config file).
 */
async function unverifiedAclFile(node: FixState['nodes'][number], path: string): Promise<string | undefined> {
  const process = node.facts.host?.process;
  if (process !== undefined && !SERVER_NAMES.has(process.name)) return `the process listening on port ${node.port} is '${clipped(process.name)}', not a Redis or Valkey server`;
  const may = await serverMayRead(node.host, node.port, path, node.facts, process?.pid).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
  return may === true ? undefined : may;
}

/** The sentinel.conf `auth-user` / `auth-pass` of each master, when the file is on this machine and readable. */
async function sentinelAuth(path: string | null): Promise<Map<string, string> | undefined> {
  if (!path) return undefined;
  let text: string;
  try {
    text = await readTextFile(path);
  } catch {
    return undefined;
  }
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const args = splitArgs(line);
    if (!Array.isArray(args) || args[0]?.toLowerCase() !== 'sentinel') continue;
    const field = args[1]?.toLowerCase();
    if ((field === 'auth-user' || field === 'auth-pass') && args[2] !== undefined && args[3] !== undefined) out.set(`${args[2]} ${field}`, args[3]);
  }
  return out;
}

/** Other connections named redfort-fix: a fix running from another machine. */
async function otherFix(session: NodeSession): Promise<boolean> {
  const reply = await session.send(['CLIENT', 'LIST']);
  if (typeof reply !== 'string') return false;
  return reply.split('\n').filter((l) => new RegExp(`\\bname=${CLIENT_NAME}\\b`).test(l)).length > 1;
}

/** A target for a node that logs in with `cred` (same address and TLS settings). */
export function withCredential(target: Target, cred: Credential): Target {
  return resolveTarget(undefined, {
    ...placeFlagsOf(target),
    db: target.db,
    ...(cred.user !== undefined && { user: cred.user }),
    ...(cred.password !== undefined && { pass: cred.password }),
    ...tlsFlagsOf(target.tls),
  }, {});
}

interface NodeRun {
  readonly node: FixState['nodes'][number];
  readonly session: NodeSession;
  /** Credentials that must keep working, by label. */
  readonly expected: Map<string, Credential>;
  readonly record: RollbackNode;
}

/**
 * Applies the chosen steps of a plan in order, after recording every value they touch. Stops at the first step
 * that fails, a credential that stops working, a replica whose link does not come back, or a rule that fails
 * after the apply and did not before; then rolls back what it did.
 */
export async function applyPlan(plan: FixPlan, state: FixState, options: ApplyOptions): Promise<ApplyOutcome> {
  const log = options.log ?? (() => {});
  const steps = stepsToApply(plan, options.classes, options.earlierRecord, currentDigests(state));
  const empty: ApplyOutcome = { ok: true, applied: [], changes: [], restoredFiles: [], notRestored: [], rolledBack: false };
  if (steps.length === 0) return empty;
  // An earlier record of other nodes is never replaced nor mixed with this one (QA40-4).
  const foreign = foreignRecord(options.earlierRecord, plan.nodes.map((n) => n.address));
  if (foreign !== undefined) return { ...empty, ok: false, refused: true, error: `${options.rollbackFile}: ${foreign}` };
  const locks = new Locks();
  const runs = new Map<string, NodeRun>();
  const applied: number[] = [];
  const restoredFiles: string[] = [];
  const users = options.users;
  // What the file holds (this apply's record added to an earlier one's) and this apply's own record, which a stop
  // rolls back: an earlier, successful apply (whose users clients may already use) stays (QA40-1).
  let record: RollbackRecord | undefined;
  let own: RollbackRecord | undefined;
  let thisApply: RollbackRecord['applies'][number] | undefined;
  /** Where the apply is (`during step 7 (…)`, `after step 7 (…)`), for an error no step reports itself. */
  let where: string | undefined;
  const save = () => record && writeRollback(options.rollbackFile, record);
  try {
    // Lock and log in to every node the steps touch.
    for (const address of [...new Set(steps.map((s) => s.node))]) {
      const node = state.nodes.find((n) => n.address === address);
      if (!node) return { ...empty, ok: false, error: `${address} is in the plan but not in the deployment` };
      // The one place an apply reaches a node: a sentinel fix may not trust (only gossip named it, or it does not
      // answer as a sentinel of the group) is sent nothing, whatever the plan file says (QA44-56).
      if (node.refused) return { ...empty, ok: false, refused: true, error: `${address}: fix sends this node nothing: ${node.refused.why}` };
      if (isLocalHost(node.host)) {
        const problem = await locks.acquire(node.host, node.port, node.target.socket);
        if (problem) return { ...empty, ok: false, refused: true, error: problem };
      }
      const session = new NodeSession(node.target, address, options);
      // Closed here unless the run keeps it: a refusal below, or a check that throws, leaves no session open.
      let kept = false;
      try {
        const original = credentialOf(node.target);
        const admin = options.secrets.get(users.admin);
        const adminCred: Credential | undefined = admin === undefined || node.role === 'sentinel' ? undefined : { user: users.admin, password: admin, label: `user '${users.admin}'` };
        // The administrator the plan created, when it exists already: later steps may retire the target's credentials.
        await session.open([...(adminCred ? [adminCred] : []), original]);
        if (await otherFix(session)) return { ...empty, ok: false, refused: true, error: `another redfort fix is connected to ${address} (a client named ${CLIENT_NAME} in CLIENT LIST)` };
        // A node that is already unhealthy (a replica whose master is down, a cluster without all its slots) would
        // fail the check after its steps for reasons of its own, once changes were made: nothing is changed instead.
        const unhealthy = await nodeHealth(node, session, 0);
        if (unhealthy) return { ...empty, ok: false, refused: true, error: `${unhealthy} before any change: fix changes nothing on a deployment that is not healthy: repair it, then plan again` };
        const expected = new Map<string, Credential>([[session.credential!.label, session.credential!]]);
        if (session.credential !== original && (await canLogIn(node.target, original, options)) === undefined) expected.set(original.label, original);
        runs.set(address, { node, session, expected, record: await recordNode(node, session, steps.filter((s) => s.node === address), adminCred) });
        kept = true;
      } finally {
        if (!kept) await session.close();
      }
    }
    own = {
      format: 'redfort-fix-rollback',
      version: 1,
      warning: ROLLBACK_WARNING,
      target: plan.target,
      createdAt: new Date().toISOString(),
      nodes: [...runs.values()].map((r) => r.record),
      applies: [],
    };
    const earlierNodes = options.earlierRecord?.nodes.length ?? 0;
    // A copy: the merged record keeps the earliest values, this apply's own record those before this apply.
    record = mergeRollback(options.earlierRecord, JSON.parse(JSON.stringify(own)) as RollbackRecord);
    const entry = { plan: plan.digest, steps: [] as number[], after: {} as Record<string, string>, stepsDigest: stepsDigest(plan) };
    thisApply = entry;
    record.applies.push(entry);
    save();
    log(`recorded the state of ${runs.size} node${runs.size === 1 ? '' : 's'} in ${options.rollbackFile} (mode 0600; it holds the secrets it replaces)${earlierNodes > 0 ? `, added to the record of the earlier apply there (its values kept: \`fix --rollback\` returns to the state before the first apply; a failed step undoes only this apply)` : ''}`);

    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      const run = runs.get(step.node)!;
      where = `during ${describeStep(step)}`;
      const stop = options.interrupted?.();
      if (stop !== undefined) return await abort(`interrupted (${stop})${i > 0 ? ` after ${describeStep(steps[i - 1]!)}` : ' before the first step'}, before ${describeStep(step)}`);
      // The node in the file's record and in this apply's own: each is kept up to date.
      const recs = [record.nodes.find((n) => n.address === step.node)!, run.record];
      // What the step touches, kept before it runs (a step cut short may have run): a rollback restores no more.
      for (const rec of recs) {
        if (rec.touched) for (const t of stepTouches(step)) if (!rec.touched.some((o) => JSON.stringify(o) === JSON.stringify(t))) rec.touched.push(t);
        // The users this node logs in to the others as once the step ran (masteruser, a sentinel's auth-user): a
        // rollback that cannot reach it keeps them on the others (QA40-2).
        for (const u of loginUsers(step)) if (!(rec.uses ?? []).includes(u)) rec.uses = [...(rec.uses ?? []), u];
      }
      save();
      const failure = await runStep(step, run, options, restoredFiles);
      if (failure) return await abort(`${describeStep(step)}: ${failure}`);
      applied.push(step.id);
      entry.steps.push(step.id);
      for (const rec of recs) {
        rec.applied.push(step.id);
        if (step.command[0] === 'CONFIG' && step.command[1] === 'REWRITE') rec.persisted.configRewrite = true;
        if (step.command[0] === 'ACL' && step.command[1] === 'SAVE') rec.persisted.aclSave = true;
        for (const note of [clearTextNote(plan, step, rec.config), alsoWroteNote(plan, step)]) {
          if (note && !(rec.notes ?? []).includes(note)) rec.notes = [...(rec.notes ?? []), note];
        }
      }
      save();
      log(`applied ${describeStep(step)}`);
      // A node is done when the next step is on another node: check that it still serves before moving on.
      const next = steps[i + 1];
      where = `after ${describeStep(step)}`;
      if (!next || next.node !== step.node) {
        where = `after ${describeStep(step)}, checking that ${step.node} still serves`;
        const unhealthy = await nodeHealth(run.node, run.session, options.linkWaitMs ?? LINK_WAIT_MS);
        if (unhealthy) return await abort(`after ${describeStep(step)}: ${unhealthy}`);
      }
    }

    const stop = options.interrupted?.();
    if (stop !== undefined) return await abort(`interrupted (${stop}) after ${describeStep(steps[steps.length - 1]!)}, before the audit after the apply`);
    // Verify: audit again, with credentials that work now, and compare rule by rule.
    where = 'during the audit after the apply';
    const after = await reaudit(state, runs, options);
    if (!after.ok) return await abort(`the audit after the apply failed: ${after.error}`);
    const changes = compare(state, after.state);
    // A failure a step announced (masterauth in clear text) is expected; any other new failure is not. So is the
    // drift of a node whose applied changes no applied step wrote to its files (CONFIG renamed or refused: no CONFIG
    // REWRITE, and no aclfile to ACL SAVE), which the plan's note tells the operator to persist: since QA41-13 the
    // audit compares the file with ACL LIST there, and found the very changes the plan made.
    const ran = (node: string) => steps.filter((st) => st.node === node && applied.includes(st.id));
    const persists = (st: PlanStep) => (st.command[0] === 'CONFIG' && st.command[1] === 'REWRITE') || (st.command[0] === 'ACL' && st.command[1] === 'SAVE');
    const unpersisted = (node: string) => ran(node).length > 0 && !ran(node).some(persists);
    const announced = (c: RuleChange) => ran(c.node).some((st) => st.trips?.includes(c.rule)) || (c.rule === 'config.runtime-drift' && unpersisted(c.node));
    const worse = changes.filter((c) => c.after === 'fail' && c.before !== 'fail' && !announced(c));
    if (worse.length > 0) {
      return await abort(`the audit after the apply shows new failures: ${worse.map((c) => `${c.node} ${c.rule}`).join(', ')}`, changes);
    }
    for (const n of after.state.nodes) entry.after[n.address] = nodeDigest(n.facts, n.role);
    save();
    return { ok: true, applied, changes, restoredFiles, notRestored: [], rolledBack: false, after: after.state.entries };
  } catch (error) {
    // Which node and step (QA40-15): a bare "the connection was lost" named neither. A failover (Sentinel closes the
    // clients of the nodes it reconfigures) shows as a node whose role is not the one planned.
    const message = error instanceof ConnectionError ? lostWords(error) : error instanceof Error ? error.message : String(error);
    const moved = where !== undefined && error instanceof ConnectionError ? await rolesMoved(runs, options) : [];
    return await abort(`${where !== undefined ? `${where}: ` : ''}${message}${moved.length > 0 ? `; the roles changed since the plan (${moved.join(', ')}): a failover, as Sentinel closes the clients of the nodes it reconfigures` : ''}`);
  } finally {
    for (const r of runs.values()) await r.session.close();
    locks.release();
  }

  async function abort(error: string, changes: readonly RuleChange[] = []): Promise<ApplyOutcome> {
    if (!record || !own || applied.length === 0) return { ok: false, applied: [], error, changes, restoredFiles, notRestored: [], rolledBack: false };
    log(`${error}: rolling back this apply's steps`);
    const targets = new Map([...runs.values()].map((r) => [r.node.address, r.node.target]));
    // This apply's own record: what an earlier apply did (recorded in the same file) stays; `fix --rollback FILE`
    // returns to the state before the first apply.
    const result = await rollback(own, targets, { ...options, log });
    // Undone, this apply is no longer one whose steps a later apply of the plan may skip; not all undone, its entry
    // stays (a re-run is then told of an apply that did not finish).
    const at = thisApply ? record.applies.indexOf(thisApply) : -1;
    if (result.notRestored.length === 0 && at >= 0) record.applies.splice(at, 1);
    save();
    return { ok: false, applied, error, changes, restoredFiles, notRestored: result.notRestored, unverified: result.unverified, rolledBack: true };
  }
}

/** A lost connection in words, once: the session's own message says it already, the client's names how. */
function lostWords(error: Error): string {
  return /^the connection was lost\b/.test(error.message) ? error.message : `the connection was lost (${error.message})`;
}

/** The settings and users a command changes (CONFIG SET name value…, ACL SETUSER name, ACL DELUSER name…). */
export function commandTouches(command: readonly Arg[]): Touch[] {
  // A generated secret stands only where a value goes.
  const [verb, sub, ...rest] = command.map((a) => (typeof a === 'string' ? a : ''));
  const is = (a: string, b: string): boolean => verb?.toUpperCase() === a && sub?.toUpperCase() === b;
  if (is('CONFIG', 'SET')) return rest.filter((_, i) => i % 2 === 0).map((name) => ({ kind: 'config', name: name.toLowerCase() }));
  if (is('ACL', 'SETUSER')) return rest.length > 0 ? [{ kind: 'user', name: rest[0]! }] : [];
  if (is('ACL', 'DELUSER')) return rest.map((name) => ({ kind: 'user', name }));
  // SENTINEL SET master field value…: the fields a rollback record keeps.
  if (is('SENTINEL', 'SET') && rest.length > 0) {
    const [master, ...pairs] = rest;
    return pairs.filter((_, i) => i % 2 === 0).flatMap((field): Touch[] => {
      const name = field.toLowerCase();
      return isRestorableSentinelField(name) ? [{ kind: 'sentinel', master: master!, field: name }] : [];
    });
  }
  return [];
}

/** The users a step makes its node log in to the others as: `CONFIG SET masteruser NAME`, `SENTINEL SET m auth-user NAME`. */
export function loginUsers(step: Pick<PlanStep, 'command'>): string[] {
  const words = step.command.map((a) => (typeof a === 'string' ? a : undefined));
  const verb = `${words[0] ?? ''} ${words[1] ?? ''}`.toUpperCase();
  const out: string[] = [];
  const pairs = verb === 'CONFIG SET' ? words.slice(2) : verb === 'SENTINEL SET' ? words.slice(3) : [];
  const field = verb === 'CONFIG SET' ? 'masteruser' : 'auth-user';
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const value = pairs[i + 1];
    if (pairs[i]?.toLowerCase() === field && value) out.push(value);
  }
  return out;
}

/** The SENTINEL SET fields a rollback record reads before the change and so can set back. */
const RESTORABLE_SENTINEL_FIELDS = ['auth-user', 'auth-pass'] as const;

function isRestorableSentinelField(name: string): name is (typeof RESTORABLE_SENTINEL_FIELDS)[number] {
  return (RESTORABLE_SENTINEL_FIELDS as readonly string[]).includes(name);
}

/**
 * The first field of a `SENTINEL SET master field value…` command that a rollback could not set back (any but
 * auth-user and auth-pass; a generated secret where a field name goes), as a message quotes it; undefined for any
 * other command. Plans never make such a step; an edited plan file could.
 */
export function unrestorableSentinelField(command: readonly Arg[]): string | undefined {
  const [verb, sub, , ...pairs] = command;
  if (typeof verb !== 'string' || typeof sub !== 'string' || verb.toUpperCase() !== 'SENTINEL' || sub.toUpperCase() !== 'SET') return undefined;
  for (let i = 0; i < pairs.length; i += 2) {
    const field = pairs[i]!;
    if (typeof field !== 'string') return 'a generated secret';
    if (!isRestorableSentinelField(field.toLowerCase())) return shown(field, SENTINEL_FIELD);
  }
  return undefined;
}

const SENTINEL_FIELD: Shape = { noun: 'sentinel field', pattern: /^[A-Za-z][A-Za-z-]*$/, max: 40 };

/** What a step says it touches, and what its command does touch (a plan file is input: see {@link recordNode}). */
function stepTouches(step: PlanStep): Touch[] {
  return [...step.touches, ...commandTouches(step.command)];
}

/** Reads, before any change, every value the steps of one node will touch. */
async function recordNode(node: FixState['nodes'][number], session: NodeSession, steps: readonly PlanStep[], adminCred: Credential | undefined): Promise<RollbackNode> {
  // What a step says it touches, and what its command does touch: a plan file is input, and a step whose command
  // was edited to `ACL SETUSER default on nopass` with the touches of `CONFIG SET loglevel` was not rolled back.
  const touches = steps.flatMap(stepTouches);
  const configNames = [...new Set(touches.flatMap((t) => (t.kind === 'config' ? [t.name] : [])))];
  const userNames = [...new Set(touches.flatMap((t) => (t.kind === 'user' ? [t.name] : [])))];
  const config = Object.fromEntries(await configValues(session, configNames));
  const users: Record<string, string | null> = {};
  if (userNames.length > 0) {
    const lines = await aclLinesOf(session, userNames, rendersAclListAnew(node.facts.server));
    for (const u of userNames) users[u] = lines.get(u) ?? null;
  }
  const local = isLocalHost(node.host);
  const configFile = local ? await verifiedConfigFile(node) : null;
  const sentinelFile = node.role === 'sentinel' && configFile !== null ? await sentinelAuth(configFile) : undefined;
  const sentinel: RollbackNode['sentinel'] = [];
  for (const t of touches) {
    if (t.kind !== 'sentinel' || !sentinelFile) continue;
    if (sentinel.some((s) => s.master === t.master && s.field === t.field)) continue;
    sentinel.push({ master: t.master, field: t.field, value: sentinelFile.get(`${t.master} ${t.field}`) ?? null });
  }
  const files: RecordedFile[] = [];
  const notes: string[] = [];
  // An ACL SAVE writes only the users the server runs: the file's text is kept, for a rollback to put back the lines
  // it removes (QA40-27: a user added to the file for a later ACL LOAD was gone for good).
  const savesAcl = steps.some((s) => s.command[0] === 'ACL' && s.command[1] === 'SAVE');
  if (local) {
    const named = node.facts.config?.get('aclfile')?.value;
    let aclFile = aclPath(named, node.facts.config?.get('dir')?.value);
    const unverified = aclFile !== undefined ? await unverifiedAclFile(node, aclFile) : undefined;
    if (aclFile !== undefined && unverified !== undefined) {
      notes.push(`the ACL file ${aclFile} (aclfile) was not read nor recorded: ${unverified}; a rollback leaves it as it is: check its mode, owner and users after the apply`);
      aclFile = undefined;
    }
    for (const [role, path] of [['config', configFile], ['acl', aclFile]] as const) {
      const stat = path ? statOf(role, path) : undefined;
      // An ACL file fix cannot place or stat is said, not skipped quietly (QA41-64): an ACL SAVE resets its mode.
      if (!stat && role === 'acl' && named && unverified === undefined) notes.push(`the ACL file '${clipped(named)}' (aclfile) ${path ? `could not be read for its mode and owner at ${path}` : "is relative and the server's directory is unknown"}: they were not recorded, and an ACL SAVE may leave it 0644: check it after the apply`);
      if (!stat) continue;
      if (role !== 'acl' || !savesAcl) {
        files.push(stat);
        continue;
      }
      try {
        files.push({ ...stat, content: await readTextFile(stat.path, { maxBytes: ACL_CONTENT_MAX_BYTES }) });
      } catch (error) {
        files.push(stat);
        notes.push(`${stat.path} could not be kept before ACL SAVE (${error instanceof FileReadError ? error.detail : error instanceof Error ? error.message : String(error)}): a rollback cannot put back the lines of users ACL SAVE removes from it (in the file, not loaded)`);
      }
    }
  }
  return {
    address: node.address,
    host: node.host,
    port: node.port,
    ...(node.target.socket !== undefined ? { socket: node.target.socket } : {}),
    role: node.role,
    credentials: adminCred ? { user: adminCred.user!, password: adminCred.password! } : null,
    config,
    users,
    sentinel,
    files,
    persisted: { configRewrite: false, aclSave: false },
    applied: [],
    ...(notes.length > 0 ? { notes } : {}),
    touched: [],
  };
}

async function runStep(step: PlanStep, run: NodeRun, options: ApplyOptions, restoredFiles: string[]): Promise<string | undefined> {
  await options.beforeStep?.(step);
  const args = resolveArgs(step.command, options.secrets);
  let reply: Reply;
  try {
    reply = await run.session.send(args);
  } catch (error) {
    // The session says "the connection was lost" itself when it found it closed: said once (QA40-3).
    if (error instanceof ConnectionError) return `${lostWords(error)}: whether the step ran is unknown`;
    throw error;
  }
  const refused = replyError(reply);
  if (refused) return `the server refused it: ${refused}`;
  const users = options.users;
  // Log in as the new administrator as soon as it exists: later steps may disable the credentials used so far.
  const created = step.command[0] === 'ACL' && step.command[1] === 'SETUSER' ? String(step.command[2]) : undefined;
  if (created && [users.admin, users.app, users.auditor].includes(created) && step.command.includes('reset')) {
    const password = options.secrets.get(created)!;
    const cred: Credential = { user: created, password, label: `user '${created}'` };
    run.expected.set(cred.label, cred);
    if (created === users.admin) await run.session.open([cred]);
  }
  // Credentials the step means to retire are no longer expected to work.
  const original = credentialOf(run.node.target);
  const retires = (step.command[0] === 'ACL' && step.command[1] === 'SETUSER' && (String(step.command[2]) === (original.user ?? 'default')) && (step.command.includes('off') || step.command.includes('resetpass')));
  if (retires) run.expected.delete(original.label);
  if (step.touches.some((t) => t.kind === 'file') || step.touches.some((t) => t.kind === 'sentinel')) {
    for (const file of run.record.files) {
      const { changed, error, refused } = restoreFile(file);
      if (changed) restoredFiles.push(`${changed} (${step.command.slice(0, 2).join(' ') || 'SENTINEL SET'} had changed it)`);
      // A recorded owner or mode that would give someone more than the file has now: said, not set; the step stands.
      if (refused && !restoredFiles.includes(refused)) restoredFiles.push(refused);
      if (error) return `cannot restore the file's mode and owner: ${error}`;
    }
  }
  for (const cred of run.expected.values()) {
    const problem = await canLogIn(run.node.target, cred, options);
    if (problem) return `authentication lost: ${problem}${await undoSettings(step, run)}`;
  }
  return undefined;
}

/**
 * Sets the settings a step changed back to their recorded values on the connection fix still has, at once: a step that
 * refuses new connections (tls-auth-clients yes refusing fix's own client certificate, protected-mode yes) leaves the
 * connections open, and the rollback, which logs in afresh, could not reach the node otherwise. What it says for the
 * outcome (names only: a recorded value may be a secret).
 */
async function undoSettings(step: PlanStep, run: NodeRun): Promise<string> {
  const names = [...new Set(stepTouches(step).flatMap((t) => (t.kind === 'config' ? [t.name] : [])))].filter((name) => typeof run.record.config[name] === 'string');
  const done: string[] = [];
  const failed: string[] = [];
  for (const name of names) {
    const reply = await run.session.send(['CONFIG', 'SET', name, run.record.config[name]!]).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    const why = reply instanceof Error ? reply.message : replyError(reply);
    if (why === undefined) done.push(name);
    else failed.push(`${name} (${why})`);
  }
  return `${done.length > 0 ? `; ${done.join(', ')} set back on the connection fix still had` : ''}${failed.length > 0 ? `; could not set back ${failed.join(', ')}` : ''}`;
}

/** The data nodes whose role (INFO replication, on a fresh connection) is not the planned one: `host:port master → replica`. */
async function rolesMoved(runs: ReadonlyMap<string, NodeRun>, options: ApplyOptions): Promise<string[]> {
  const moved: string[] = [];
  for (const run of runs.values()) {
    if (run.node.role === 'sentinel') continue;
    const check = new NodeSession(run.node.target, run.node.address, options);
    try {
      await check.open([...run.expected.values()]);
      const info = String(await check.send(['INFO', 'replication']));
      const role = /role:master/.test(info) ? 'master' : /role:slave/.test(info) ? 'replica' : undefined;
      if (role !== undefined && role !== run.node.role) moved.push(`${run.node.address} ${run.node.role} → ${role}`);
    } catch {
      // Unreachable now: nothing to say about its role.
    } finally {
      await check.close();
    }
  }
  return moved;
}

/** A replica's link must be up, a cluster node's state ok. */
async function nodeHealth(node: FixState['nodes'][number], session: NodeSession, waitMs: number): Promise<string | undefined> {
  if (node.role === 'sentinel') return undefined;
  const deadline = Date.now() + waitMs;
  for (;;) {
    let problem: string | undefined;
    const info = String(await session.send(['INFO', 'replication']));
    if (/role:slave/.test(info) && !/master_link_status:up/.test(info)) problem = `replica ${node.address}: master_link_status is not up`;
    if (!problem && node.facts.server?.mode === 'cluster') {
      const cluster = String(await session.send(['CLUSTER', 'INFO']));
      if (!/cluster_state:ok/.test(cluster)) problem = `${node.address}: cluster_state is not ok`;
    }
    if (!problem || Date.now() > deadline) return problem;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function reaudit(state: FixState, runs: ReadonlyMap<string, NodeRun>, options: ApplyOptions): Promise<{ ok: true; state: FixState } | { ok: false; error: string }> {
  const overrides = new Map<string, Target>();
  for (const n of state.nodes) {
    const run = runs.get(n.address);
    const cred = run?.session.credential;
    overrides.set(n.address, cred ? withCredential(n.target, cred) : n.target);
  }
  const seed = state.nodes[0]!;
  const seedTarget = state.deployment === 'single' ? overrides.get(seed.address)! : seedOf(state, overrides);
  return gatherFixState(seedTarget, { ...options, kind: state.deployment === 'single' ? undefined : state.deployment, nodeOverrides: overrides });
}

/** The node the first audit started from (the first entry's target), with the credentials that work now. */
function seedOf(state: FixState, overrides: ReadonlyMap<string, Target>): Target {
  const seedName = state.entries[0]?.target ?? '';
  const found = state.nodes.find((n) => seedName.includes(`${n.target.host}:${n.target.port}`) && n.target.display.length > 0);
  const node = found ?? state.nodes[0]!;
  return overrides.get(node.address) ?? node.target;
}

function compare(before: FixState, after: FixState): RuleChange[] {
  const statusOf = (results: readonly { ruleId: string; status: string }[]) => {
    const out = new Map<string, string>();
    for (const r of results) {
      const old = out.get(r.ruleId);
      // A rule with several findings: fail wins.
      if (old === undefined || r.status === 'fail') out.set(r.ruleId, r.status);
    }
    return out;
  };
  const changes: RuleChange[] = [];
  const pairs: [string, readonly { ruleId: string; status: string }[], readonly { ruleId: string; status: string }[] | undefined][] = before.nodes.map((n) => [n.address, n.results, after.nodes.find((a) => a.address === n.address)?.results]);
  if (before.deploymentResults && after.deploymentResults) pairs.push([before.deploymentResults.target.replace(/ \(.*$/, ''), before.deploymentResults.results, after.deploymentResults.results]);
  for (const [node, b, a] of pairs) {
    if (!a) continue;
    const sb = statusOf(b);
    const sa = statusOf(a);
    for (const [rule, s] of sb) {
      const t = sa.get(rule);
      if (t !== undefined && t !== s) changes.push({ node, rule, before: s, after: t });
    }
  }
  return changes;
}

export interface RollbackOptions {
  readonly connectTimeoutMs?: number | undefined;
  readonly commandTimeoutMs?: number | undefined;
  readonly log?: Log;
}

/**
 * Returns every recorded setting, user, sentinel credential and file mode to its recorded value, in two passes over
 * the nodes in the reverse of the apply order: first the recorded settings, users and sentinel credentials on every
 * node, then the users the fix created are deleted (and the state written to disk). The apply created its users
 * (replication, sentinel) before giving the replicas and sentinels credentials naming them: deleting the master's
 * replication user before a replica has its old masteruser/masterauth back would refuse that replica's next
 * reconnection. Best effort: what it cannot restore is reported, never thrown.
 */
export async function rollback(record: RollbackRecord, targets: ReadonlyMap<string, Target>, options: RollbackOptions = {}): Promise<{ notRestored: string[]; restored: string[]; notes: string[]; unverified: string[] }> {
  const log = options.log ?? (() => {});
  const notRestored: string[] = [];
  const restored: string[] = [];
  // Set back, every command answered OK, but the check afterwards could not log in (QA40-5): said apart.
  const unverified: string[] = [];
  // What the record says a rollback does not undo (and need not): said, not counted as a failure.
  const notes = record.nodes.flatMap((n) => (Array.isArray(n.notes) ? n.notes.filter((x) => typeof x === 'string').map((x) => `${n.address}: ${clipped(x.replace(/[\u0000-\u001f\u007f]/g, '?'), 1000)}`) : []));
  // Data nodes first, in the reverse of the apply's order, then the sentinels: a sentinel given back its old
  // auth-user/auth-pass reconnects with them at once, and authenticates a link only as it connects. Before its node
  // took them again, each link stayed unauthenticated (every PING answered -NOAUTH keeps it open), and the sentinels
  // held the master and its replicas down for good. The fix's users go only in the second pass, after every node.
  const nodes = [...record.nodes].reverse().sort((a, b) => Number(a.role === 'sentinel') - Number(b.role === 'sentinel'));
  const problemsOf = new Map<RollbackNode, NodeProblems>();
  const holdouts: RollbackNode[] = [];
  for (const node of nodes) {
    const target = targets.get(node.address);
    if (!target) {
      notRestored.push(`${node.address}: no target to reach it`);
      holdouts.push(node);
      continue;
    }
    const problems = await restoreNode(node, target, options, restored);
    problemsOf.set(node, problems);
    if (problems.unreachable || problems.linksNotRestored) holdouts.push(node);
  }
  // A node not set back still logs in to the others as fix's replication (or sentinel) user, and its config file
  // says so once CONFIG REWRITE ran: that user stays on the others, or the node could not replicate (WRONGPASS) when
  // it comes back (QA40-2). The next rollback, once it is up, deletes it.
  const created = new Set(record.nodes.flatMap((n) => Object.entries(n.users).filter(([, line]) => line === null).map(([name]) => name)));
  const heldBy = new Map<string, string[]>();
  for (const h of holdouts) for (const u of usesOf(h, created)) heldBy.set(u, [...(heldBy.get(u) ?? []), h.address]);
  const again = 'run the rollback again once it is back up (it then deletes them)';
  for (const [node, problems] of problemsOf) {
    const target = targets.get(node.address)!;
    const { deleted } = nodeRollback(node, target);
    const keep = [...deleted].filter((u) => heldBy.has(u) && !heldBy.get(u)!.every((a) => a === node.address));
    // A node whose restore could not log in keeps the fix's users: they may be its only way in.
    // So does one whose recorded users could not be set back: the recorded way in may be gone (default off).
    if (problems.usersNotRestored) problems.push(`kept the fix's users (${[...deleted].join(', ')}): the recorded users are not back, and they may be the only way in`);
    else if (!problems.unreachable) {
      problems.push(...(await retireNode(node, target, options, restored, unverified, new Set(keep))));
      for (const u of keep) {
        const by = heldBy.get(u)!.filter((a) => a !== node.address);
        problems.push(`kept user '${u}': ${by.join(', ')} ${by.length === 1 ? 'was' : 'were'} not set back and ${by.length === 1 ? 'logs' : 'log'} in to the others as '${u}' (masteruser or auth-user, in its config file too once rewritten): deleted, ${by.length === 1 ? 'it' : 'they'} could not replicate or reach the others when back; ${again}`);
      }
    }
    const uses = holdouts.includes(node) ? usesOf(node, created) : [];
    if (uses.length > 0) problems.push(`when it comes back it still logs in to the others as ${uses.map((u) => `'${u}'`).join(', ')}: kept on the other nodes; ${again}`);
    for (const p of problems) notRestored.push(`${node.address}: ${p}`);
    log(`rolled back ${node.address}${problems.length ? ` (${problems.length} problem${problems.length === 1 ? '' : 's'})` : ''}`);
  }
  return { notRestored, restored, notes, unverified };
}

type NodeProblems = string[] & { unreachable?: boolean; usersNotRestored?: boolean; linksNotRestored?: boolean };

/**
 * The users of `created` (those the record deletes) a node logs in to the others as after the apply: its record's
 * `uses`; in an older record, fix's replication user where its masteruser was touched, its sentinel user where a
 * sentinel's auth-user was (by the names fix gives them).
 */
function usesOf(node: RollbackNode, created: ReadonlySet<string>): string[] {
  if (Array.isArray(node.uses)) return node.uses.filter((u) => typeof u === 'string' && created.has(u));
  const touched = Array.isArray(node.touched) ? node.touched : undefined;
  const masteruser = node.role !== 'sentinel' && (touched === undefined ? 'masteruser' in node.config : touched.some((t) => t?.kind === 'config' && t.name === 'masteruser'));
  const authUser = node.role === 'sentinel' && (touched === undefined ? node.applied.length > 0 : touched.some((t) => t?.kind === 'sentinel' && t.field === 'auth-user'));
  return [...created].filter((u) => (masteruser && u.endsWith('replication')) || (authUser && u.endsWith('sentinel')));
}

interface NodeRollback {
  readonly deleted: Set<string>;
  readonly admin: Credential | undefined;
  /** Ways in once the recorded users are back: the given credentials, the recorded requirepass, none at all. */
  readonly after: Credential[];
}

function nodeRollback(node: RollbackNode, target: Target): NodeRollback {
  const scope = rollbackScope(node);
  const deleted = new Set(Object.entries(node.users).filter(([name, line]) => line === null && scope.user(name, true)).map(([name]) => name));
  const admin: Credential | undefined = node.credentials ? { user: node.credentials.user, password: node.credentials.password, label: `user '${node.credentials.user}'` } : undefined;
  // The recorded requirepass is a way in to try whether or not fix changed it (a stop before its step leaves it in use).
  const recordedPass = typeof node.config['requirepass'] === 'string' && node.config['requirepass'] !== '' ? node.config['requirepass'] : undefined;
  const after: Credential[] = [credentialOf(target), ...(recordedPass ? [{ user: undefined, password: recordedPass, label: 'the recorded requirepass' }] : []), NO_CREDENTIALS].filter((c) => !deleted.has(c.user ?? 'default'));
  return { deleted, admin, after };
}

function sender(session: NodeSession, node: RollbackNode, problems: string[], restored: string[]) {
  return async (args: string[], what: string) => {
    try {
      const refused = replyError(await session.send(args));
      if (refused) problems.push(`${what}: ${refused}`);
      else restored.push(`${node.address}: ${what}`);
    } catch (error) {
      problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

/** First pass: the recorded settings, users and sentinel credentials. The fix's users stay (see {@link rollback}). */
async function restoreNode(node: RollbackNode, target: Target, options: RollbackOptions, restored: string[]): Promise<NodeProblems> {
  const problems: NodeProblems = [];
  const { admin, after } = nodeRollback(node, target);
  const session = new NodeSession(target, node.address, options);
  const send = sender(session, node, problems, restored);
  try {
    await session.open([...(admin ? [admin] : []), ...after]);
  } catch (error) {
    problems.push(`${error instanceof Error ? error.message : String(error)}; not restored: ${describeRecord(node)}`);
    problems.unreachable = true;
    return problems;
  }
  try {
    // Only what fix could have changed here (the record is input: an edited one named `bind`, a backdoor user).
    const scope = rollbackScope(node);
    const config = Object.entries(node.config).sort(([a], [b]) => (a === 'requirepass' ? -1 : b === 'requirepass' ? 1 : 0));
    for (const [name, value] of config) {
      // A setting of a step that never ran is skipped quietly; one fix never sets is reported.
      if (FIX_SETTINGS.has(name) && typeof value === 'string' && !scope.config(name)) continue;
      if (!scope.config(name) || typeof value !== 'string') problems.push(`CONFIG SET ${shown(name, SETTING)}: not a setting fix changed here (the record names it): not restored`);
      else {
        const before = problems.length;
        await send(['CONFIG', 'SET', name, value], `CONFIG SET ${name}`);
        if (problems.length > before && name === 'masteruser') problems.linksNotRestored = true;
      }
    }
    const recordedUsers = Object.entries(node.users).filter(([, line]) => line !== null);
    const existing = recordedUsers.length > 0 ? await aclUserNames(session).catch(() => undefined) : undefined;
    // The recorded users first (default among them: the original credentials work again), then the new ones go.
    for (const [name, line] of Object.entries(node.users).sort(([a]) => (a === 'default' ? -1 : 0))) {
      if (line === null) continue;
      // fix deletes no user: one recorded as there before that is not there now was never fix's to bring back.
      if (typeof line === 'string' && existing?.has(name) && !scope.user(name, false)) continue;
      if (typeof line !== 'string' || !scope.user(name, false) || !existing?.has(name)) {
        problems.push(`ACL SETUSER ${shown(name, USER_NAME)}: ${existing === undefined ? 'ACL USERS failed' : 'not a user fix changed here (the record names it)'}: not restored`);
        // Unknown whether the recorded way in is back: the fix's users stay.
        if (existing === undefined) problems.usersNotRestored = true;
        continue;
      }
      // Not `reset`: it would also set sanitize-payload, which the recorded user may not have had.
      const rules = aclLineRules(line).rules;
      const base = ['ACL', 'SETUSER', name, 'resetpass', 'resetkeys', 'resetchannels', '-@all'];
      // Redis 6 has no selectors (nor clearselectors), 6.0 no channels (nor resetchannels), and ACL SETUSER is
      // all-or-nothing: on a refusal, retry without the words that release does not know.
      const attempts = [[...base.slice(0, 6), 'clearselectors', ...base.slice(6)], base, base.filter((w) => w !== 'resetchannels')];
      let failure: string | undefined;
      for (const words of attempts) {
        const reply = await session.send([...words, ...rules]).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
        failure = reply instanceof Error ? reply.message : replyError(reply);
        if (failure === undefined || reply instanceof Error || !/clearselectors|resetchannels|syntax|unknown/i.test(failure)) break;
      }
      if (failure !== undefined) {
        problems.push(`ACL SETUSER ${name} (as recorded): ${failure}`);
        problems.usersNotRestored = true;
      } else restored.push(`${node.address}: ACL SETUSER ${name} (as recorded)`);
    }
    for (const s of node.sentinel) {
      if ((s.field === 'auth-user' || s.field === 'auth-pass') && !scope.sentinel(s.master, s.field)) continue;
      if (!scope.sentinel(s.master, s.field) || (s.value !== null && typeof s.value !== 'string')) problems.push(`SENTINEL SET ${shown(String(s.master), SETTING)} ${shown(String(s.field), SETTING)}: not a sentinel field fix changed here (the record names it): not restored`);
      else {
        const before = problems.length;
        await send(['SENTINEL', 'SET', s.master, s.field, s.value ?? ''], `SENTINEL SET ${s.master} ${s.field}`);
        if (problems.length > before && s.field === 'auth-user') problems.linksNotRestored = true;
      }
    }
    if (node.role === 'sentinel' && node.sentinel.length === 0 && node.applied.length > 0) {
      problems.push("the sentinel's auth-user / auth-pass were not readable before the change (sentinel.conf not on this machine): set them back by hand");
    }
  } finally {
    await session.close();
  }
  return problems;
}

/** Second pass, once every node has its recorded state: the fix's users go, the state is written to disk, checked. */
async function retireNode(node: RollbackNode, target: Target, options: RollbackOptions, restored: string[], unverified: string[], keep: ReadonlySet<string>): Promise<string[]> {
  const problems: string[] = [];
  const { admin, after } = nodeRollback(node, target);
  const deleted = new Set([...nodeRollback(node, target).deleted].filter((u) => !keep.has(u)));
  const session = new NodeSession(target, node.address, options);
  const send = sender(session, node, problems, restored);
  try {
    await session.open([...(admin ? [admin] : []), ...after]);
  } catch (error) {
    return [`${error instanceof Error ? error.message : String(error)}; not deleted: ${[...deleted].map((u) => `user ${u}`).join(', ') || 'nothing'}`];
  }
  let live: LiveFiles = { config: undefined, acl: undefined };
  try {
    live = await liveFiles(session);
    const own = session.credential?.user;
    for (const name of deleted) if (name !== own) await send(['ACL', 'DELUSER', name], `ACL DELUSER ${name}`);
    const persist: [string[], string][] = [
      ...(node.persisted.configRewrite ? [[['CONFIG', 'REWRITE'], 'CONFIG REWRITE'] as [string[], string]] : []),
      ...(node.persisted.aclSave ? [[['ACL', 'SAVE'], 'ACL SAVE'] as [string[], string]] : []),
    ];
    if (own !== undefined && deleted.has(own)) {
      // Logged in as a user about to go: move to a way in that stays, or delete it last, in one transaction with
      // the writes to disk (the server closes the connection of a deleted user once the transaction has run).
      const moved = await session.open(after).then(() => true, () => false);
      if (moved) {
        await send(['ACL', 'DELUSER', own], `ACL DELUSER ${own}`);
        for (const [args, what] of persist) await send(args, what);
      } else {
        await session.open([...(admin ? [admin] : [])]).catch(() => {});
        try {
          for (const args of [['MULTI'], ['ACL', 'DELUSER', own], ...persist.map(([a]) => a), ['EXEC']]) void session.send(args).catch(() => {});
          await session.send(['PING']).catch(() => {});
        } finally {
          restored.push(`${node.address}: ACL DELUSER ${own}${persist.length ? ` and ${persist.map(([, w]) => w).join(', ')}` : ''} in one transaction (the server then closes the connection of the deleted user)`);
        }
      }
    } else {
      for (const [args, what] of persist) await send(args, what);
    }
  } finally {
    await session.close();
  }
  if (node.files.length > 0 && !isLocalHost(node.host)) problems.push('the server is not on this machine: check the modes and owners of its files by hand');
  const filesTouched = rollbackScope(node).files;
  for (const file of filesTouched && isLocalHost(node.host) ? node.files : []) {
    const { changed, error } = restoreFile(file, live);
    if (changed) restored.push(`${node.address}: ${changed}`);
    if (error) problems.push(error);
    // The lines the apply's ACL SAVE removed (users in the file, not loaded), once the rollback's ACL SAVE ran.
    if (file.role === 'acl' && node.persisted.aclSave && typeof file.content === 'string' && !error) {
      const lines = restoreAclLines(file, live);
      if (lines.changed) restored.push(`${node.address}: ${lines.changed}`);
      if (lines.error) problems.push(lines.error);
    }
  }
  // Check with a fresh connection that the values are back.
  const check = new NodeSession(target, node.address, options);
  try {
    try {
      await check.open(after);
    } catch (error) {
      // Every command above was answered OK: not a value left as it was, a check that could not be made.
      unverified.push(`${node.address}: restored, but not verified: cannot log in to check (${error instanceof Error ? error.message : String(error)}): give the password the apply had (REDISCLI_AUTH, --pass) to have it checked`);
      return problems;
    }
    const now = await configValues(check, Object.keys(node.config));
    for (const [name, value] of Object.entries(node.config)) if (now.get(name) !== value) problems.push(`${name} is not back to its recorded value`);
    // Only where the fix made users: a 6.0 sentinel has no ACL command (its check failed on ACL LIST).
    const names = deleted.size > 0 ? await aclUserNames(check) : new Set<string>();
    for (const name of deleted) if (names.has(name)) problems.push(`user '${name}' is still there`);
  } catch (error) {
    problems.push(`could not check the result: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await check.close();
  }
  return problems;
}

const NO_CREDENTIALS: Credential = { user: undefined, password: undefined, label: 'no credentials' };

const SETTING: Shape = { noun: 'name', pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, max: 60 };
const USER_NAME: Shape = { noun: 'user name', pattern: /^[A-Za-z0-9_.:@-]+$/, max: 60 };

/** The node's config file (INFO config_file) and ACL file (CONFIG GET aclfile; a sentinel has none) as it runs now. */
async function liveFiles(session: NodeSession): Promise<LiveFiles> {
  const info = await session.send(['INFO', 'server']).catch(() => undefined);
  const config = typeof info === 'string' ? /^config_file:(.*)$/m.exec(info)?.[1]?.trim() : undefined;
  const acl = await configValues(session, ['aclfile', 'dir']).then((m) => aclPath(m.get('aclfile'), m.get('dir')), () => undefined);
  return { config: config || undefined, acl: acl || undefined };
}

/**
 * The ACL file a server reads and ACL SAVE writes: `aclfile` as given, or, relative (`aclfile users.acl`), in the
 * server's `dir`, its working directory (not ours: statted as given, it was not found, and no mode was recorded).
 */
function aclPath(aclfile: string | undefined, dir: string | undefined): string | undefined {
  if (!aclfile) return undefined;
  if (isAbsolute(aclfile)) return aclfile;
  return dir !== undefined && isAbsolute(dir) ? resolvePath(dir, aclfile) : undefined;
}

function describeRecord(node: RollbackNode): string {
  const parts = [
    ...Object.keys(node.config).map((k) => `config ${k}`),
    ...Object.keys(node.users).map((u) => `user ${u}`),
    ...node.sentinel.map((s) => `sentinel ${s.master} ${s.field}`),
    ...node.files.map((f) => `${f.path} ${octal(f.mode)}`),
  ];
  return parts.join(', ') || 'nothing';
}

/** Reads the file's password of a target, for messages that must not contain it. */
export function secretsOf(targets: Iterable<Target>): string[] {
  return [...targets].map((t) => targetPassword(t) ?? '').filter(Boolean);
}
