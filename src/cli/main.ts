import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { audit } from '../audit.ts';
import { exitCode } from '../engine/run.ts';
import { resolveTarget, TargetError, redact } from '../gather/live/target.ts';
import type { Target, TargetFlags } from '../gather/live/target.ts';
import { REPORTERS } from '../report/index.ts';
import { RULES, findRule } from '../rules/index.ts';
import type { Severity } from '../rules/define.ts';
import { SEVERITIES } from '../rules/define.ts';
import { packageRoot, packageVersion } from '../package-root.ts';

/** A usage problem: one line on stderr, exit 2. */
class UsageError extends Error {}

interface AuditFlags extends TargetFlags {
  format: string;
  output?: string;
  failOn: string;
  connectTimeout: string;
  timeout: string;
  concurrency: string;
  color: boolean;
  uri?: string;
  a?: string;
}

function integer(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not '${value}'`);
  return n;
}

function targetsOf(specs: readonly string[], flags: AuditFlags): Target[] {
  const all = [...(flags.uri ? [flags.uri] : []), ...specs];
  const pass = flags.pass ?? flags.a;
  const shared: TargetFlags = { ...flags, ...(pass !== undefined ? { pass } : {}) };
  if (all.length === 0) return [resolveTarget(undefined, shared, process.env)];
  // Host and port flags address one server: with several targets they would all collapse into one.
  if (all.length > 1 && (flags.host !== undefined || flags.port !== undefined)) {
    throw new UsageError('-h/--host and -p/--port apply to a single target: give URLs instead when auditing several');
  }
  return all.map((spec) => resolveTarget(spec, shared, process.env));
}

async function runAudit(specs: string[], flags: AuditFlags): Promise<number> {
  const reporter = REPORTERS.get(flags.format);
  if (!reporter) throw new UsageError(`unknown format '${flags.format}' (choose from ${[...REPORTERS.keys()].join(', ')})`);
  const failOn = flags.failOn as Severity | 'none';
  if (failOn !== 'none' && !SEVERITIES.includes(failOn)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}, none`);
  if (flags.a !== undefined || flags.pass !== undefined) {
    process.stderr.write('Warning: a password on the command line is visible to other users of this machine (ps); prefer REDISCLI_AUTH.\n');
  }
  const targets = targetsOf(specs, flags);
  const report = await audit(targets, {
    connectTimeoutMs: integer(flags.connectTimeout, '--connect-timeout', 1, 600_000),
    commandTimeoutMs: integer(flags.timeout, '--timeout', 1, 600_000),
    concurrency: integer(flags.concurrency, '--concurrency', 1, 10_000),
  });
  const color = flags.color && !flags.output && process.stdout.isTTY === true && !process.env.NO_COLOR;
  const text = reporter(report, { rules: RULES, color });
  if (flags.output) writeFileSync(flags.output, text);
  else process.stdout.write(text);
  for (const t of report.targets) {
    if (t.error !== undefined) process.stderr.write(`redfort: ${t.target}: ${t.error}\n`);
  }
  return exitCode(report.targets, failOn);
}

function listRules(format: string): void {
  if (format === 'json') {
    const rules = RULES.map(({ id, title, severity, checklist, sources, remediation }) => ({ id, title, severity, checklist, sources, remediation }));
    process.stdout.write(`${JSON.stringify(rules, null, 2)}\n`);
    return;
  }
  const width = Math.max(...RULES.map((r) => r.id.length));
  for (const r of RULES) process.stdout.write(`${r.id.padEnd(width)}  ${r.severity.padEnd(8)}  ${r.checklist.padEnd(16)}  ${r.title}\n`);
}

function explain(id: string): void {
  if (!findRule(id)) throw new UsageError(`unknown rule '${id}' (see 'redfort rules')`);
  const doc = join(packageRoot(), 'docs', 'rules', `${id}.md`);
  if (!existsSync(doc)) throw new UsageError(`rule '${id}' has no documentation page`);
  process.stdout.write(readFileSync(doc, 'utf8'));
}

function program(): Command {
  const cli = new Command('redfort')
    .description('Audit Redis and Valkey deployments against a production security checklist')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError(false)
    .exitOverride();

  cli
    .command('audit')
    .description('audit live servers: redis://[user[:password]@]host[:port][/db], rediss://…, host:port')
    .argument('[targets...]', 'servers to audit (default 127.0.0.1:6379)')
    .helpOption('--help', 'display help for command')
    .option('-u, --uri <url>', 'server URI, as redis-cli takes it')
    .option('-h, --host <host>', 'server hostname (redis-cli -h)')
    .addOption(new Option('-p, --port <port>', 'server port (redis-cli -p)').argParser((v) => integer(v, '--port', 1, 65535)))
    .option('--user <user>', 'ACL user to authenticate as')
    .option('--pass <password>', 'password (prefer the REDISCLI_AUTH environment variable)')
    .option('-a <password>', 'password, as redis-cli -a')
    .addOption(new Option('-n <db>', 'database number').argParser((v) => integer(v, '-n', 0, 1_000_000)).hideHelp())
    .option('--tls', 'connect with TLS')
    .option('--cacert <file>', 'CA certificate file to verify the server with')
    .option('--cacertdir <dir>', 'directory of trusted CA certificates')
    .option('--cert <file>', 'client certificate to authenticate with')
    .option('--key <file>', 'private key of the client certificate')
    .option('--sni <name>', 'server name for SNI')
    .option('--insecure', 'do not verify the server certificate')
    .option('-f, --format <format>', `report format: ${[...REPORTERS.keys()].join(', ')}`, 'text')
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('--fail-on <severity>', `exit 1 when a failure is at or above: ${SEVERITIES.join(', ')}, none`, 'high')
    .option('--connect-timeout <ms>', 'connect timeout in milliseconds', '3000')
    .option('--timeout <ms>', 'per-command timeout in milliseconds', '5000')
    .option('--concurrency <n>', 'targets audited at once', '16')
    .option('--no-color', 'no colours in the text report')
    .action(async (specs: string[], flags: AuditFlags & { n?: number }) => {
      const { n, ...rest } = flags;
      process.exitCode = await runAudit(specs, { ...rest, ...(n !== undefined ? { db: n } : {}) });
    });

  cli
    .command('rules')
    .description('list the rule catalogue')
    .option('-f, --format <format>', 'text or json', 'text')
    .action((flags: { format: string }) => listRules(flags.format));

  cli
    .command('explain')
    .description("print a rule's documentation")
    .argument('<rule-id>')
    .action((id: string) => explain(id));

  return cli;
}

/** Runs the CLI; every failure is one line on stderr and an exit code, never a stack trace. */
export async function main(argv: readonly string[]): Promise<void> {
  const secrets = [process.env.REDISCLI_AUTH ?? ''];
  for (let i = 0; i < argv.length; i++) {
    if (['-a', '--pass'].includes(argv[i]!) && argv[i + 1]) secrets.push(argv[i + 1]!);
    const url = /^[a-z]+s?:\/\/[^:@/]*:([^@/]+)@/i.exec(argv[i]!);
    if (url?.[1]) secrets.push(decodeURIComponent(url[1]));
  }
  try {
    await program().parseAsync(argv as string[], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const message = error instanceof UsageError || error instanceof TargetError ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`redfort: ${redact(message, secrets)}\n`);
    process.exitCode = 2;
  }
}
