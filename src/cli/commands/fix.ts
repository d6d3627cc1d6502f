import type { Command } from 'commander';
import { Option } from 'commander';
import { connectionOptions, withDefault } from '../kit.ts';
import type { FixFlags } from './fix-run.ts';
import { CONNECT_TIMEOUT_MS, FIX_COMMAND_TIMEOUT_MS } from '../../util/defaults.ts';

/** `redfort fix`: plan, apply, verify and roll back hardening on running servers. */
export function registerFix(cli: Command): void {
  connectionOptions(cli
    .command('fix'))
    .description('plan, apply, verify and roll back hardening on running servers (the plan is read-only; only --apply changes a server)')
    .argument('[target]', 'a server, or any node of the deployment with --cluster, --sentinel or --replication')
    .option('--plan', 'audit, then print the ordered plan: each step classed safe, disruptive or restart, with why')
    .option('--apply [plan.json]', 'apply the safe steps of the saved plan (or of a fresh one), then re-audit')
    .option('--rollback <file>', 'restore the state recorded in a rollback file')
    .option('--cluster', 'the whole cluster of the target, one node at a time')
    .option('--replication', 'the target master (or replica) and every replica')
    .option('--sentinel', 'the sentinels, masters and replicas the target sentinel knows')
    .addOption(withDefault('-f, --format <format>', 'plan output: text or json', 'text'))
    .option('--out <file>', 'save the plan as JSON, for --apply <file>')
    .addOption(withDefault('--secrets <file>', 'where the generated passwords go (mode 0600)', 'redfort-secrets.env'))
    .addOption(withDefault('--rollback-file <file>', 'where --apply records the state it changes (mode 0600; holds secrets)', 'redfort-rollback.json'))
    .option('--include-disruptive', 'also apply the disruptive steps (asks for confirmation on a terminal)')
    .option('--yes', 'do not ask for the confirmation of --include-disruptive')
    .addOption(new Option('--user-prefix <prefix>', 'prefix of the generated user names').hideHelp())
    .option('--no-probe', 'skip the network probes of the audit')
    .addOption(withDefault('--connect-timeout <ms>', 'connect timeout in milliseconds', String(CONNECT_TIMEOUT_MS)))
    .addOption(withDefault('--timeout <ms>', 'per-command timeout in milliseconds', String(FIX_COMMAND_TIMEOUT_MS)))
    .addHelpText('after', `
Examples:
  redfort fix redis://admin@db1:6379 --plan --out plan.json
  redfort fix redis://admin@db1:6379 --apply plan.json
  redfort fix redis://db1:6379 --apply plan.json --include-disruptive --yes
  redfort fix redis://10.0.5.11:6379 --cluster --plan
  redfort fix --rollback redfort-rollback.json

Exit codes: 0 done; 1 a step failed and was rolled back (or a rollback was
incomplete); 2 bad usage, a target that cannot be audited, a stale plan, or
another fix running.`)
    .action(async (spec: string | undefined, flags: FixFlags) => {
      if ((flags.host as unknown) === false) delete flags.host;
      process.exitCode = await (await import('./fix-run.ts')).runFix(spec, flags);
    });
}
