import { terminalLines } from '../../report/common.ts';
import { Option } from 'commander';
import type { Command } from 'commander';
import { UsageError, collect, commandLinePasswordWarning, connectionOptions, integer, nodeOverrideOption, trustDiscoveredOption, once, onceOptional, refuseFileTargets, say, timeoutsOf, withDefault } from '../kit.ts';
import { nodeOverrides } from '../../app/targets.ts';
import type { FixRequest } from '../../fix/run.ts';
import type { FixPlan } from '../../fix/types.ts';
import { CONNECT_TIMEOUT_MS, FIX_COMMAND_TIMEOUT_MS, TARGET_TIMEOUT_MS } from '../../util/defaults.ts';
import { loadBuiltin } from '../../util/builtin.ts';

type FixFlags = Omit<FixRequest, 'connectTimeoutMs' | 'commandTimeoutMs' | 'targetTimeoutMs' | 'env' | 'nodeOverrides'> & { connectTimeout: string; timeout: string; targetTimeout: string; nodeOverride?: string[]; trustSentinel?: string[] };

/**
 * What the confirmation shows of the disruptive steps. A step names a server's user, and a plan file given to
 * --apply is anyone's text: no terminal control of theirs reaches the screen.
 */
export function confirmationText(plan: FixPlan): string {
  const disruptive = plan.steps.filter((s) => s.class === 'disruptive');
  const lines = disruptive.map((s) => `  ${s.id}. ${s.node}: ${s.reason}\n`).join('');
  return `\n${disruptive.length} disruptive step${disruptive.length === 1 ? '' : 's'} may lock out or break clients:\n${terminalLines(lines)}`;
}

/** SIGINT and SIGTERM, for `handler`, until the function returned is called (an apply's interrupts: src/fix/run.ts). */
function interrupts(handler: (signal: string) => void): () => void {
  const on = (name: NodeJS.Signals): void => handler(name);
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return () => {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  };
}

/** Lists the disruptive steps on standard error and asks for "yes" on the terminal. */
async function confirm(plan: FixPlan): Promise<boolean> {
  process.stderr.write(confirmationText(plan));
  // Loaded here: the CLI registers every command at start, and only this question needs readline.
  const { createInterface } = loadBuiltin<typeof import('node:readline/promises')>('node:readline/promises');
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

/** The fix command: its timeouts checked, the run asked of src/fix with this terminal; the exit code. */
async function fixCommand(spec: string | undefined, flags: FixFlags): Promise<number> {
  refuseFileTargets([flags.uri, spec]);
  const { connectTimeout, timeout, targetTimeout, nodeOverride, ...rest } = flags;
  const timeouts = { ...timeoutsOf({ connectTimeout, timeout }), targetTimeoutMs: integer(targetTimeout, '--target-timeout', 1, 86_400_000) };
  // Parsed as audit parses it (a malformed spec is a usage error naming it, its password masked).
  const overrides = nodeOverrides(nodeOverride, rest, process.env);
  const request: FixRequest = { ...rest, ...timeouts, env: process.env, ...(overrides ? { nodeOverrides: overrides } : {}) };
  const { runFix, FixInputError } = await import('../../fix/run.ts');
  try {
    const commandLineWarning = commandLinePasswordWarning(rest, [flags.uri, spec], nodeOverride);
    return await runFix(spec, request, { out: (text) => process.stdout.write(terminalLines(text)), say, interactive: process.stdin.isTTY === true, confirm, commandLineWarning, interrupts, stopNow: (code) => process.exit(code) });
  } catch (error) {
    if (error instanceof FixInputError) throw new UsageError(error.message);
    throw error;
  }
}

/** `redfort fix`: plan, apply, verify and roll back hardening on running servers. */
export function registerFix(cli: Command): void {
  connectionOptions(cli
    .command('fix'))
    .description('plan, apply, verify and roll back hardening on running servers (the plan is read-only; only --apply changes a server)')
    .argument('[target]', 'a server, or any node of the deployment with --cluster, --sentinel or --replication')
    .option('--plan', 'audit, then print the ordered plan: each step classed safe, disruptive or restart, with why')
    .option('--apply [plan.json]', 'apply the safe steps of the saved plan (or of a fresh one), then re-audit')
    .on('option:apply', onceOptional('--apply', 'one plan file'))
    .option('--rollback <file>', 'restore the state recorded in a rollback file', once('--rollback'))
    .option('--cluster', 'the whole cluster of the target, one node at a time')
    .option('--replication', 'the target master (or replica) and every replica')
    .option('--sentinel', 'the sentinels, masters and replicas the target sentinel knows')
    .addOption(nodeOverrideOption())
    .addOption(trustDiscoveredOption())
    .addOption(new Option('--trust-sentinel <addr>', 'with --sentinel: HOST:PORT of a sentinel besides the target that may get the generated sentinel password (peers known only from SENTINEL SENTINELS get none), repeatable').argParser(collect))
    .addOption(withDefault('-f, --format <format>', 'plan output: text or json', 'text'))
    .option('--out <file>', 'save the plan as JSON, for --apply <file> (replaces only a plan saved before)', once('--out'))
    .addOption(withDefault('--secrets <file>', 'where the generated passwords go (mode 0600)', 'redfort-secrets.env').argParser(once('--secrets')))
    .addOption(withDefault('--rollback-file <file>', 'where --apply records the state it changes (mode 0600; holds secrets)', 'redfort-rollback.json').argParser(once('--rollback-file')))
    .option('--include-disruptive', 'also apply the disruptive steps (asks for confirmation on a terminal)')
    .option('--yes', 'do not ask for the confirmation of --include-disruptive')
    .option('--user-prefix <prefix>', 'prefix of the generated user names (admin, replication, sentinel, auditor, app)')
    .option('--no-probe', 'skip the network probes of the audit')
    .addOption(withDefault('--connect-timeout <ms>', 'connect timeout in milliseconds', String(CONNECT_TIMEOUT_MS)))
    .addOption(withDefault('--timeout <ms>', 'per-command timeout in milliseconds', String(FIX_COMMAND_TIMEOUT_MS)))
    .addOption(withDefault('--target-timeout <ms>', "the longest the audit of the target may take, everything included (a --cluster, --sentinel or --replication deployment: its seed and every node together), before the plan and after an apply; a node out of time is an error that names it, and nothing is planned or applied", String(TARGET_TIMEOUT_MS)))
    .addHelpText('after', `
Examples:
  redfort fix redis://admin@db1:6379 --plan --out plan.json
  redfort fix redis://admin@db1:6379 --apply plan.json
  redfort fix redis://db1:6379 --apply plan.json --include-disruptive --yes
  redfort fix redis://10.0.5.11:6379 --cluster --plan
  redfort fix redis://10.0.5.21:26379 --sentinel --plan \\
    --node-override master=redis://admin:PW@x \\
    --node-override replica=redis://admin:PW@x \\
    --trust-sentinel 10.0.5.22:26379 --trust-sentinel 10.0.5.23:26379
  redfort fix --rollback redfort-rollback.json

Exit codes: 0 done; 1 a step failed and was rolled back (or a rollback was
incomplete); 2 bad usage, a target that cannot be audited, a stale plan, or
another fix running.`)
    .action(async (spec: string | undefined, flags: FixFlags) => {
      if ((flags.host as unknown) === false) delete flags.host;
      process.exitCode = await fixCommand(spec, flags);
    });
}
