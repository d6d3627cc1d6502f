import { Command, CommanderError } from 'commander';
import { TargetError } from '../redis/target.ts';
import { AuditRequestError } from '../app/targets.ts';
import { terminalSafe } from '../report/common.ts';
import { clipped } from '../util/shown.ts';
import { SettingsError } from '../settings/types.ts';
import { packageVersion } from '../package-root.ts';
import { ExporterConfigError } from '../exporter/errors.ts';
import { redactWords } from '../util/redact.ts';
import { UsageError, say } from './kit.ts';
import { guardStdout } from './stdout.ts';

/** Adds one command, its options and its action, to the program. */
type Register = (cli: Command) => void;

/**
 * Each command's module, in the order of the help: loaded only when that command runs (or when the whole list is
 * needed: the help, a typo), so that `redfort rules` does not load the audit pipeline, nor `redfort audit` fix
 * and harden.
 */
const COMMANDS: ReadonlyMap<string, () => Promise<Register>> = new Map([
  ['audit', async () => (await import('./commands/audit.ts')).registerAudit],
  ['reboot-plan', async () => (await import('./commands/reboot-plan.ts')).registerRebootPlan],
  ['rules', async () => (await import('./commands/rules.ts')).registerRules],
  ['explain', async () => (await import('./commands/explain.ts')).registerExplain],
  ['fix', async () => (await import('./commands/fix.ts')).registerFix],
  ['exporter', async () => (await import('./commands/exporter.ts')).exporterCommand],
  ['harden', async () => (await import('./commands/harden.ts')).registerHarden],
]);

/** The commands `argv` needs: the one it names first, else all of them. */
async function commandsFor(argv: readonly string[]): Promise<Register[]> {
  const named = argv[0] === undefined ? undefined : COMMANDS.get(argv[0]);
  return Promise.all(named ? [named()] : [...COMMANDS.values()].map((load) => load()));
}

function program(commands: readonly Register[]): Command {
  const cli = new Command('redfort')
    .description('Audit Redis and Valkey deployments against a production security checklist')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError(false)
    // `redfort: unknown option '--bogus'`, like every other error of the CLI; what it quotes of the command line clipped.
    .configureOutput({ outputError: (text, write) => write(`redfort: ${terminalSafe(text.replace(/^error: /, '').replace(/\n\(Did you mean/, ' (did you mean').replace(/'([^']*)'/g, (_, quoted: string) => `'${clipped(quoted)}'`).trimEnd())}\n`) })
    .exitOverride()
    .addHelpText('after', `
Examples:
  redfort audit redis://127.0.0.1:6379
  redfort audit --help
  redfort explain auth.dangerous-commands-allowed`);

  for (const register of commands) register(cli);
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
  // A reader that stops early (`redfort audit … | head`) is not an error of the audit; a full disk is one line, exit 2.
  guardStdout();
  const secrets = [process.env.REDISCLI_AUTH ?? ''];
  for (let i = 0; i < argv.length; i++) {
    if (['-a', '--pass'].includes(argv[i]!) && argv[i + 1]) secrets.push(argv[i + 1]!);
    // A URL alone or after `KEY=` (--node-override sentinel=redis://:pw@host).
    const url = /^(?:[^=\s]*=)?[a-z]+s?:\/\/[^:@/]*:([^@/]+)@/i.exec(argv[i]!);
    if (url?.[1]) secrets.push(url[1], decodedOrSelf(url[1]));
  }
  try {
    await program(await commandsFor(argv)).parseAsync(argv as string[], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const message = error instanceof UsageError || error instanceof AuditRequestError || error instanceof TargetError || error instanceof SettingsError || error instanceof ExporterConfigError ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    // Whole words: a short password masked inside a word ('su***orted', '***ection refused') told what it was.
    say(redactWords(message, secrets));
    process.exitCode = 2;
  }
}

export { declareFleetV8Flags, offerPoolWorker } from '../app/pool-offer.ts';

/** An audit worker thread of a fleet run (src/cli/worker.ts starts it from this bundle; src/app/pool.ts). */
export async function poolWorker(): Promise<void> {
  (await import('../app/pool-worker.ts')).runPoolWorker();
}
