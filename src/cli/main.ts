import { Command, CommanderError } from 'commander';
import { TargetError } from '../redis/target.ts';
import { terminalSafe } from '../report/common.ts';
import { SettingsError } from '../settings/types.ts';
import { packageVersion } from '../package-root.ts';
import { ExporterConfigError } from '../exporter/errors.ts';
import { redact } from '../util/redact.ts';
import { KIT, UsageError, say } from './kit.ts';
import { registerAudit } from './commands/audit.ts';
import { registerRebootPlan } from './commands/reboot-plan.ts';
import { registerRules } from './commands/rules.ts';
import { registerExplain } from './commands/explain.ts';
import { registerFix } from './commands/fix.ts';
import { exporterCommand } from './commands/exporter.ts';
import { registerHarden } from './commands/harden.ts';

function program(): Command {
  const cli = new Command('redfort')
    .description('Audit Redis and Valkey deployments against a production security checklist')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError(false)
    // `redfort: unknown option '--bogus'`, like every other error of the CLI.
    .configureOutput({ outputError: (text, write) => write(`redfort: ${terminalSafe(text.replace(/^error: /, '').replace(/\n\(Did you mean/, ' (did you mean').trimEnd())}\n`) })
    .exitOverride()
    .addHelpText('after', `
Examples:
  redfort audit redis://127.0.0.1:6379
  redfort audit --help
  redfort explain auth.dangerous-commands-allowed`);

  registerAudit(cli);
  registerRebootPlan(cli);
  registerRules(cli);
  registerExplain(cli);
  registerFix(cli, KIT);
  exporterCommand(cli);
  registerHarden(cli, KIT);
  return cli;
}

/** A percent-decoded URL part; a malformed escape (`%zz`) is left as it is for the target parser to report. */
function decodedOrSelf(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Runs the CLI; every failure is one line on stderr and an exit code, never a stack trace. */
export async function main(argv: readonly string[]): Promise<void> {
  // A reader that stops early (`redfort audit … | head`) is not an error of the audit: stop quietly, as cat does.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const secrets = [process.env.REDISCLI_AUTH ?? ''];
  for (let i = 0; i < argv.length; i++) {
    if (['-a', '--pass'].includes(argv[i]!) && argv[i + 1]) secrets.push(argv[i + 1]!);
    // A URL alone or after `KEY=` (--node-override sentinel=redis://:pw@host).
    const url = /^(?:[^=\s]*=)?[a-z]+s?:\/\/[^:@/]*:([^@/]+)@/i.exec(argv[i]!);
    if (url?.[1]) secrets.push(url[1], decodedOrSelf(url[1]));
  }
  try {
    await program().parseAsync(argv as string[], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const message = error instanceof UsageError || error instanceof TargetError || error instanceof SettingsError || error instanceof ExporterConfigError ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    say(redact(message, secrets));
    process.exitCode = 2;
  }
}
