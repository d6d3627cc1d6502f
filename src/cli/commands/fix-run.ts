// What `redfort fix` runs, loaded only when the command runs (src/cli/commands/fix.ts registers it): an
// audit never loads it.
import { existsSync, renameSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { resolveTarget } from '../../redis/target.ts';
import type { Target, TargetFlags } from '../../redis/target.ts';
import type { DeploymentKind } from '../../gather/topology/discover.ts';
import { applyPlan, rollback, staleNodes } from '../../fix/apply.ts';
import { gatherFixState } from '../../fix/gather.ts';
import type { FixGatherOptions } from '../../fix/gather.ts';
import { buildPlan } from '../../fix/plan.ts';
import { fixUsers } from '../../fix/profile.ts';
import { generatePassword, readSecretsFile, validUserPrefix, writeSecretsFile } from '../../profile/index.ts';
import type { RollbackRecord } from '../../fix/rollback.ts';
import { readRollback, RollbackFileError } from '../../fix/rollback.ts';
import { formatApplyText, formatPlanText } from '../../fix/text.ts';
import { FileReadError, readTextFile } from '../../util/read-file.ts';
import { fsErrorText } from '../../util/fs-error.ts';
import { FileWriteError, writeOutputFile } from '../../util/write-file.ts';
import type { FixPlan, StepClass } from '../../fix/types.ts';
import { UsageError, integer, say } from '../kit.ts';


export interface FixFlags extends TargetFlags {
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
  connectTimeout: string;
  timeout: string;
}

async function readPlan(path: string): Promise<FixPlan> {
  let plan: FixPlan;
  try {
    plan = JSON.parse(await readTextFile(path)) as FixPlan;
  } catch (error) {
    throw new UsageError(`${path}: cannot read the plan: ${error instanceof FileReadError ? error.detail : 'not JSON'}`);
  }
  if (plan?.format !== 'redfort-fix-plan' || plan.version !== 1 || !Array.isArray(plan.steps) || !Array.isArray(plan.nodes)) {
    throw new UsageError(`${path}: not a redfort fix plan (save one with --plan --out ${path})`);
  }
  return plan;
}

/** Passwords for every user the plan names: from the secrets file, generated (and written) when missing. */
async function secretsFor(plan: FixPlan, path: string, generate: boolean): Promise<Map<string, string>> {
  const secrets = new Map<string, string>();
  if (existsSync(path)) {
    try {
      for (const s of await readSecretsFile(path)) secrets.set(s.user, s.password);
    } catch (error) {
      throw new UsageError(`${path}: cannot read the secrets file: ${fsErrorText(error, path)}`);
    }
  }
  const missing = plan.secrets.filter((u) => !secrets.has(u));
  if (missing.length === 0) return secrets;
  if (!generate) throw new UsageError(`${path}: no password for ${missing.join(', ')}: give the secrets file written with the plan (--secrets FILE)`);
  for (const u of missing) secrets.set(u, generatePassword());
  // The profile's writer creates a new file with mode 0600; a rename replaces the old one at once.
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeSecretsFile(tmp, [...secrets].map(([user, password]) => ({ user, password })), ['redfort fix: passwords of the users its plans create (mode 0600: keep it private)']);
    renameSync(tmp, path);
  } catch (error) {
    throw new UsageError(`cannot write the secrets file '${path}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return secrets;
}

async function confirm(plan: FixPlan): Promise<boolean> {
  const disruptive = plan.steps.filter((s) => s.class === 'disruptive');
  process.stderr.write(`\n${disruptive.length} disruptive step${disruptive.length === 1 ? '' : 's'} may lock out or break clients:\n`);
  for (const s of disruptive) process.stderr.write(`  ${s.id}. ${s.node}: ${s.reason}\n`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question('Apply them? Type "yes" to continue: ');
    return answer.trim().toLowerCase() === 'yes';
  } catch {
    say('no answer: nothing applied');
    return false;
  } finally {
    rl.close();
  }
}

export async function runFix(spec: string | undefined, flags: FixFlags): Promise<number> {
  const modes = [flags.plan, flags.apply !== undefined, flags.rollback !== undefined].filter(Boolean).length;
  if (modes !== 1) throw new UsageError('give exactly one of --plan, --apply [plan.json] or --rollback FILE');
  if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError(`--format must be text or json, not '${flags.format}'`);
  if (flags.format === 'json' && !flags.plan) throw new UsageError('--format json is for --plan');
  if (flags.out !== undefined && !flags.plan) throw new UsageError('--out saves a plan: use it with --plan');
  const kinds = (['cluster', 'sentinel', 'replication'] as const).filter((k) => flags[k] === true);
  if (kinds.length > 1) throw new UsageError(`--${kinds[0]} and --${kinds[1]} exclude each other`);
  const kind: DeploymentKind | undefined = kinds[0];
  const pass = flags.pass ?? flags.a;
  const targetFlags: TargetFlags = { ...flags, ...(pass !== undefined ? { pass } : {}) };
  const timeouts = {
    connectTimeoutMs: integer(flags.connectTimeout, '--connect-timeout', 1, 600_000),
    commandTimeoutMs: integer(flags.timeout, '--timeout', 1, 600_000),
  };
  const log = (line: string) => say(line);

  if (flags.rollback !== undefined) {
    let record: RollbackRecord;
    try {
      record = await readRollback(flags.rollback);
    } catch (error) {
      if (error instanceof RollbackFileError) throw new UsageError(error.message);
      throw error;
    }
    const { host: _h, port: _p, ...shared } = targetFlags;
    const targets = new Map<string, Target>(record.nodes.map((n) => [n.address, resolveTarget(undefined, { ...shared, host: n.host, port: n.port }, process.env)]));
    const result = await rollback(record, targets, { ...timeouts, log });
    for (const r of result.restored) process.stdout.write(`restored ${r}\n`);
    for (const n of result.notRestored) process.stdout.write(`NOT restored: ${n}\n`);
    return result.notRestored.length === 0 ? 0 : 1;
  }

  if (flags.includeDisruptive && flags.apply === undefined) throw new UsageError('--include-disruptive goes with --apply');
  if (flags.includeDisruptive && !flags.yes && !process.stdin.isTTY) throw new UsageError('--include-disruptive asks for a confirmation on a terminal: add --yes to apply without one');
  const target = resolveTarget(flags.uri ?? spec, targetFlags, process.env);
  const options: FixGatherOptions = { ...timeouts, kind, ...(flags.probe === false ? { noProbe: true } : {}) };
  const userPrefix = flags.userPrefix ?? '';
  if (!validUserPrefix(userPrefix)) throw new UsageError(`--user-prefix '${userPrefix}' may hold only letters, digits and _ . : -`);
  const gathered = await gatherFixState(target, options);
  if (!gathered.ok) {
    say(`${target.display}: ${gathered.error}`);
    return 2;
  }
  const state = gathered.state;
  const fresh = () => buildPlan({ target: target.display, deployment: state.deployment, nodes: state.nodes, deploymentResults: state.deploymentResults?.results, userPrefix });

  if (flags.plan) {
    const plan = fresh();
    await secretsFor(plan, flags.secrets, true);
    const json = `${JSON.stringify(plan, null, 2)}\n`;
    if (flags.out !== undefined) {
      try {
        await writeOutputFile(flags.out, json);
      } catch (error) {
        throw new UsageError(`cannot write the plan to '${flags.out}': ${error instanceof FileWriteError ? error.message : ((error as NodeJS.ErrnoException).code ?? (error as Error).message)}`);
      }
    }
    process.stdout.write(flags.format === 'json' ? json : formatPlanText(plan, { secretsFile: flags.secrets }));
    return 0;
  }

  // --apply [plan.json]
  const planFile = typeof flags.apply === 'string' ? flags.apply : undefined;
  const plan = planFile !== undefined ? await readPlan(planFile) : fresh();
  const earlier = existsSync(flags.rollbackFile) ? await safeRead(flags.rollbackFile) : undefined;
  if (planFile !== undefined) {
    if (plan.target !== target.display) say(`note: the plan was made for ${plan.target}; applying it to ${target.display}`);
    const stale = staleNodes(plan, state, earlier);
    if (stale.length > 0) {
      say(`plan is stale: ${stale.join('; ')}: make a new plan with --plan`);
      return 2;
    }
  } else {
    process.stdout.write(formatPlanText(plan, { secretsFile: flags.secrets }));
  }
  const secrets = await secretsFor(plan, flags.secrets, planFile === undefined);
  const classes = new Set<StepClass>(['safe']);
  if (flags.includeDisruptive && plan.steps.some((s) => s.class === 'disruptive')) {
    if (!flags.yes) {
      if (!(await confirm(plan))) {
        say('nothing applied');
        return 1;
      }
    }
    classes.add('disruptive');
  }
  const outcome = await applyPlan(plan, state, { ...options, classes, secrets, users: fixUsers(userPrefix), rollbackFile: flags.rollbackFile, earlierRecord: earlier, log });
  process.stdout.write(formatApplyText(outcome));
  if (!outcome.ok) return outcome.applied.length === 0 && !outcome.rolledBack && /another redfort fix|lock file/.test(outcome.error ?? '') ? 2 : 1;
  const pending = plan.steps.filter((s) => s.class === 'disruptive' && !classes.has('disruptive')).length;
  if (pending > 0) say(`${pending} disruptive step${pending === 1 ? '' : 's'} not applied: add --include-disruptive`);
  return 0;
}

async function safeRead(path: string): Promise<RollbackRecord> {
  try {
    return await readRollback(path);
  } catch (error) {
    if (error instanceof RollbackFileError) throw new UsageError(`${error.message}: give another --rollback-file, or move it away`);
    throw error;
  }
}
