import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { audit, auditFiles, reportOf } from '../audit.ts';
import { exitCode } from '../engine/run.ts';
import { resolveTarget, TargetError, redact } from '../gather/live/target.ts';
import type { Target, TargetFlags } from '../gather/live/target.ts';
import { REPORTERS } from '../report/index.ts';
import { planOutputs } from '../report/outputs.ts';
import { auditOptionsOf, today, triageReport } from '../settings/apply.ts';
import { applyBaseline, baselineOf } from '../settings/baseline.ts';
import { loadSettings, readBaseline, writeBaseline } from '../settings/load.ts';
import { flagsFor } from '../settings/targets.ts';
import type { Settings } from '../settings/types.ts';
import { SettingsError } from '../settings/types.ts';
import { RULES, findRule } from '../rules/index.ts';
import type { Severity } from '../rules/define.ts';
import { SEVERITIES } from '../rules/define.ts';
import { packageRoot, packageVersion } from '../package-root.ts';

/** A usage problem: one line on stderr, exit 2. */
class UsageError extends Error {}

interface AuditFlags extends TargetFlags {
  format?: string[];
  output?: string[];
  failOn?: string;
  configFile?: string;
  baseline?: string;
  baselineWrite?: string;
  connectTimeout: string;
  timeout: string;
  concurrency: string;
  color: boolean;
  uri?: string;
  a?: string;
  config?: string;
  acl?: string;
  sentinelConfig?: string;
  redisVersion?: string;
}

function integer(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not '${value}'`);
  return n;
}

function targetsOf(specs: readonly string[], flags: AuditFlags, settings?: Settings): Target[] {
  const given = [...(flags.uri ? [flags.uri] : []), ...specs];
  // With no target on the command line, the settings file's targets are the inventory.
  const all = given.length === 0 && flags.host === undefined && flags.port === undefined && settings ? settings.targets.map((t) => t.spec) : given;
  const pass = flags.pass ?? flags.a;
  const shared: TargetFlags = { ...flags, ...(pass !== undefined ? { pass } : {}) };
  const resolve = (spec: string | undefined) => resolveTarget(spec, flagsFor(spec, shared, settings, process.env), process.env);
  if (all.length === 0) return [resolve(undefined)];
  // Host and port flags address one server: with several targets they would all collapse into one.
  if (all.length > 1 && (flags.host !== undefined || flags.port !== undefined)) {
    throw new UsageError('-h/--host and -p/--port apply to a single target: give URLs instead when auditing several');
  }
  return all.map(resolve);
}

function liveTargets(specs: readonly string[], flags: AuditFlags, settings?: Settings): Target[] {
  const targets = targetsOf(specs, flags, settings);
  if (targets.length > 1 && (flags.config || flags.acl || flags.sentinelConfig)) {
    throw new UsageError('--config, --acl and --sentinel-config describe one server: audit one target with them');
  }
  return targets;
}

async function runAudit(specs: string[], flags: AuditFlags): Promise<number> {
  const plan = planOutputs(flags.format, flags.output ?? [], [...REPORTERS.keys()]);
  if (typeof plan === 'string') throw new UsageError(plan);
  const settings = loadSettings(flags.configFile, RULES.map((r) => r.id));
  const baseline = flags.baseline !== undefined ? readBaseline(flags.baseline) : undefined;
  const failOn = (flags.failOn ?? settings?.failOn ?? 'high') as Severity | 'none';
  if (failOn !== 'none' && !SEVERITIES.includes(failOn)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}, none`);
  if (flags.a !== undefined || flags.pass !== undefined) {
    process.stderr.write('Warning: a password on the command line is visible to other users of this machine (ps); prefer REDISCLI_AUTH.\n');
  }
  const options = {
    connectTimeoutMs: integer(flags.connectTimeout, '--connect-timeout', 1, 600_000),
    commandTimeoutMs: integer(flags.timeout, '--timeout', 1, 600_000),
    concurrency: integer(flags.concurrency, '--concurrency', 1, 10_000),
    ...auditOptionsOf(settings),
    ...(flags.config ? { configPath: flags.config } : {}),
    ...(flags.acl ? { aclPath: flags.acl } : {}),
    ...(flags.sentinelConfig ? { sentinelConfigPath: flags.sentinelConfig } : {}),
  };
  const fileOnly = specs.length === 0 && !flags.uri && !flags.host && flags.port === undefined && (flags.config || flags.acl || flags.sentinelConfig);
  const audited = fileOnly
    ? reportOf([auditFiles({ configPath: flags.config, aclPath: flags.acl, sentinelConfigPath: flags.sentinelConfig, version: flags.redisVersion }, options)])
    : await audit(liveTargets(specs, flags, settings), options);
  let report = triageReport(audited, { settings, baseline, today: today() });
  if (flags.baselineWrite !== undefined) {
    // The failures just recorded are the baseline from now on, this run included.
    const written = baselineOf(report);
    writeBaseline(flags.baselineWrite, written);
    report = applyBaseline(report, written);
  }
  const formats = [...(plan.stdout ? [plan.stdout] : []), ...plan.files.map((f) => f.format)];
  const docs = formats.includes('sarif') ? ruleDocs() : undefined;
  for (const file of plan.files) {
    writeFileSync(file.path, REPORTERS.get(file.format)!(report, { rules: RULES, color: false, ...(docs ? { docs } : {}) }));
  }
  if (plan.stdout) {
    const color = flags.color && plan.stdout === 'text' && process.stdout.isTTY === true && !process.env.NO_COLOR;
    process.stdout.write(REPORTERS.get(plan.stdout)!(report, { rules: RULES, color, ...(docs ? { docs } : {}) }));
  }
  for (const t of report.targets) {
    if (t.error !== undefined) process.stderr.write(`redfort: ${t.target}: ${t.error}\n`);
  }
  for (const w of report.warnings ?? []) process.stderr.write(`redfort: warning: ${w.message}\n`);
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

/** Each rule's docs/rules/<id>.md, for the reporters that embed help (SARIF). */
function ruleDocs(): Map<string, string> {
  const docs = new Map<string, string>();
  for (const rule of RULES) {
    const path = join(packageRoot(), 'docs', 'rules', `${rule.id}.md`);
    if (existsSync(path)) docs.set(rule.id, readFileSync(path, 'utf8'));
  }
  return docs;
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
    .argument('[targets...]', 'servers to audit (default 127.0.0.1:6379, or the files of --config alone)')
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
    .option('--config <file>', "the server's redis.conf (read with its includes); alone, audits the files without a server")
    .option('--acl <file>', 'an ACL file (default: the config\'s aclfile)')
    .option('--sentinel-config <file>', "a sentinel's sentinel.conf")
    .option('--redis-version <version>', 'the version the files are for, in a file-only audit (e.g. 7.2.4, valkey-8.0.1)')
    .option('-f, --format <formats>', `report formats, comma-separated or repeated: ${[...REPORTERS.keys()].join(', ')} (default: text)`, collect)
    .option('-o, --output <[format=]file>', 'write a report to a file: FORMAT=FILE, repeatable; a plain FILE takes the --format report', collect)
    .option('--fail-on <severity>', `exit 1 when a failure that counts is at or above: ${SEVERITIES.join(', ')}, none (default: high, or failOn of the settings)`)
    .option('--config-file <file>', 'settings file (default: .redfort.yaml in the current directory, when present)')
    .option('--baseline <file>', 'failures recorded in this baseline do not fail the run: only new ones do')
    .option('--baseline-write <file>', "record this run's failures as the baseline")
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

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
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
    const message = error instanceof UsageError || error instanceof TargetError || error instanceof SettingsError ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`redfort: ${redact(message, secrets)}\n`);
    process.exitCode = 2;
  }
}
