import type { Command } from 'commander';
import { formatPlanText } from '../../topology/plan-text.ts';
import { terminalLines } from '../../report/common.ts';
import { resolveTarget } from '../../redis/target.ts';
import type { TargetFlags } from '../../redis/target.ts';
import { packageVersion } from '../../package-root.ts';
import { UsageError, connectionOptions, trustDiscoveredOf, trustDiscoveredOption, integer, namedError, once, refuseFileTargets, say, timeoutsOf, withDefault } from '../kit.ts';
import { readHostKeyFile } from '../../app/targets.ts';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS } from '../../util/defaults.ts';
import { clipped } from '../../util/shown.ts';

interface RebootPlanFlags extends TargetFlags {
  uri?: string;
  a?: string;
  hostKey?: string;
  trustDiscovered?: string[];
  maxBatch: string;
  format: string;
  connectTimeout: string;
  timeout: string;
}

/** 0 when a safe plan exists, 1 when none does, 2 when the deployment cannot be read. */
async function runRebootPlan(spec: string | undefined, flags: RebootPlanFlags): Promise<number> {
  if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError(`--format must be text or json, not '${clipped(flags.format)}'`);
  const pass = flags.pass ?? flags.a;
  refuseFileTargets([flags.uri, spec]);
  const target = resolveTarget(flags.uri ?? spec, { ...flags, ...(pass !== undefined ? { pass } : {}) }, process.env);
  const { planDeployment } = await import('../../app/deployment.ts');
  const outcome = await planDeployment(target, {
    hostKey: await readHostKeyFile(flags.hostKey),
    maxBatch: integer(flags.maxBatch, '--max-batch', 1, 1000),
    ...(flags.trustDiscovered !== undefined ? { trustDiscovered: trustDiscoveredOf(flags.trustDiscovered) } : {}),
    ...timeoutsOf(flags),
  });
  if (!outcome.ok) {
    say(namedError(target.display, outcome.error));
    return 2;
  }
  const { name, plan } = outcome;
  // A --host-key file that names none of the nodes, say: the plan is by host address instead.
  for (const w of outcome.warnings) say(`warning: ${w}`);
  process.stdout.write(
    flags.format === 'json'
      ? `${JSON.stringify({ tool: { name: 'redfort', version: packageVersion() }, deployment: name, ...plan }, null, 2)}\n`
      : terminalLines(formatPlanText(plan, `Reboot plan for ${name}`)),
  );
  return plan.safe ? 0 : 1;
}

export function registerRebootPlan(cli: Command): void {
  connectionOptions(cli
    .command('reboot-plan'))
    .description('plan the reboot of a cluster or sentinel-managed group host by host, keeping quorum (read-only: it runs nothing)')
    .argument('[target]', 'any node of the cluster, or a sentinel (default 127.0.0.1:6379)')
    .option('--host-key <file>', 'failure domain of each node: lines of `<host or host:port> <label>` (default: its IP address)', once('--host-key'))
    .addOption(trustDiscoveredOption())
    .addOption(withDefault('--max-batch <n>', 'failure domains rebooted together at most', '1'))
    .addOption(withDefault('-f, --format <format>', 'text or json', 'text'))
    .addOption(withDefault('--connect-timeout <ms>', 'connect timeout in milliseconds', String(CONNECT_TIMEOUT_MS)))
    .addOption(withDefault('--timeout <ms>', 'per-command timeout in milliseconds', String(COMMAND_TIMEOUT_MS)))
    .option('--no-color', 'no colours (the plan is plain text; accepted like audit\'s)')
    .addHelpText('after', `
Examples:
  redfort reboot-plan redis://10.0.5.11:6379 --host-key zones.txt --max-batch 2
  REDISCLI_AUTH=secret redfort reboot-plan redis://10.0.5.21:26379 --format json

Exit codes: 0 a safe plan, 1 no safe plan exists, 2 the deployment could not be read.`)
    .action(async (spec: string | undefined, flags: RebootPlanFlags) => {
      process.exitCode = await runRebootPlan(spec, flags);
    });
}
