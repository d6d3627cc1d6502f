import { resolve } from 'node:path';
import type { FileInputs } from '../../gather/conf/gather-files.ts';
import { Command, Option } from 'commander';
import { runAuditDetailed } from '../../app/run.ts';
import { CREDENTIALS_NOT_SENT } from '../../app/audit.ts';
import { MAX_JOBS, POOL_MIN_TARGETS } from '../../app/pool-machine.ts';
import type { Jobs } from '../../app/pool-machine.ts';
import type { AuditScope } from '../../app/run.ts';
import { nodeOverrides, readHostKeyFile, resolveTargets } from '../../app/targets.ts';
import type { DeploymentKind } from '../../gather/topology/discover.ts';
import { exitCode } from '../../engine/run.ts';
import type { Target, TargetFlags } from '../../redis/target.ts';
import { MAX_DB, targetPassword, targetProblem, withoutUsername } from '../../redis/target.ts';
import type { FleetOptions } from '../../app/fleet.ts';
import type { LoadedInventory } from '../../app/inventory.ts';
import { FORMATS, loadReporter } from '../../report/load.ts';
import { planOutputs } from '../../report/outputs.ts';
import { auditOptionsOf, samplingOf } from '../../settings/apply.ts';
import { loadSettings, readBaseline, writeBaseline } from '../../settings/load.ts';
import { writeOutputFile } from '../../util/write-file.ts';
import { parseDeclaredPackage } from '../../redis/distro-package.ts';
import type { Settings } from '../../settings/types.ts';
import { RULES } from '../../rules/index.ts';
import type { Severity } from '../../rules/define.ts';
import { SEVERITIES } from '../../rules/define.ts';
import type { ReportView } from '../../report/types.ts';
import type { SampleRequest } from '../../gather/sample/index.ts';
import { UsageError, collect, once, commandLinePasswordWarning, placementOf, placementOptions, connectionOptions, integer, nodeOverrideOption, trustDiscoveredOf, trustDiscoveredOption, namedError, plainNumber, refuseFileTargets, say, timeoutsOf, withDefault } from '../kit.ts';
import { checkReadable, checkWritable, refuseBaselineOverOutput, refuseOutputsRead, ruleDocs } from '../files.ts';
import { recordReads } from '../../util/read-file.ts';
import { fsErrorText } from '../../util/fs-error.ts';
import { AUDIT_CONCURRENCY, COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, TARGET_TIMEOUT_MS } from '../../util/defaults.ts';
import { isVersionText, parseVersion } from '../../redis/version.ts';
import { clipped } from '../../util/shown.ts';
import { repositoryRoot, sourceRootProblem } from '../../util/repository-root.ts';

interface AuditFlags extends TargetFlags {
  format?: string[];
  output?: string[];
  failOn?: string;
  configFile?: string;
  baseline?: string;
  baselineWrite?: string;
  /** --source-root DIR: the repository's root, which SARIF's paths are relative to (default: the checkout redfort runs in). */
  sourceRoot?: string;
  /** --force: write outputs through a symlink or into a non-regular file. */
  force?: boolean;
  targetTimeout: string;
  connectTimeout: string;
  timeout: string;
  concurrency: string;
  /** --jobs N|auto: worker threads of a --targets run; absent, auto. */
  jobs?: string;
  color: boolean;
  uri?: string;
  a?: string;
  /** --config, repeatable: without a server, each file is a target of its own. */
  config?: string[];
  acl?: string;
  /** --sentinel-config, repeatable as --config. */
  sentinelConfig?: string[];
  /** --start-dir DIR: the directory the server starts in (relative includes, `dir`, aclfile), in a file-only audit. */
  startDir?: string;
  /** --path-map DEPLOYED=DIR, repeatable: read a deploy-time path of an include or aclfile from the checkout. */
  pathMap?: string[];
  redisVersion?: string;
  cluster?: boolean;
  sentinel?: boolean;
  replication?: boolean;
  hostKey?: string;
  nodeOverride?: string[];
  trustDiscovered?: string[];
  /** false with --no-probe. */
  probe: boolean;
  probeCredentials?: boolean;
  probeIntrusive?: boolean;
  /** --distro-package [NAME=]VERSION: the distribution package the targets run. */
  distroPackage?: string;
  /** --local: every Redis/Valkey process of this machine. */
  local?: boolean;
  /** --no-host: no host facts (commander's `host: false`, read apart from -h/--host). */
  noHost?: boolean;
  /** --sample-data [keys]: true when given without a number. */
  sampleData?: string | true;
  sampleDatabases?: string;
  sampleTime?: string;
  sampleBytes?: string;
  /** --targets FILE (or `-`): an inventory, one URL a line or YAML. */
  targets?: string;
  summaryOnly?: boolean;
  quiet?: boolean;
  sort?: string;
  onlyFailures?: boolean;
  minSeverity?: string;
  maxFindings?: string;
}

/** `--sort`, `--only-failures`, `--min-severity`, `--max-findings` as the view of the text and Markdown reports. */
function reportView(flags: AuditFlags): ReportView {
  const sort = flags.sort ?? 'severity';
  if (sort !== 'severity' && sort !== 'checklist') throw new UsageError(`--sort must be severity or checklist, not '${clipped(sort)}'`);
  if (flags.minSeverity !== undefined && !SEVERITIES.includes(flags.minSeverity as Severity)) {
    throw new UsageError(`--min-severity must be one of ${SEVERITIES.join(', ')}`);
  }
  const max = flags.maxFindings === undefined ? undefined : (plainNumber(flags.maxFindings) ?? Number.NaN);
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new UsageError(`--max-findings must be a positive whole number, not '${clipped(flags.maxFindings ?? '')}'`);
  return {
    sort,
    ...(flags.onlyFailures ? { onlyFailures: true } : {}),
    ...(flags.minSeverity !== undefined ? { minSeverity: flags.minSeverity as Severity } : {}),
    ...(max !== undefined ? { maxFindingsPerRule: max } : {}),
  };
}

/** `--sample-data [N]`, `--sample-databases`, `--sample-time`, `--sample-bytes` as a sampling request. */
function sampleRequest(flags: AuditFlags, inventory: boolean): SampleRequest | undefined {
  const tuning = (['sampleDatabases', 'sampleTime', 'sampleBytes'] as const).filter((f) => flags[f] !== undefined);
  if (flags.sampleData === undefined) {
    if (tuning.length > 0 && !inventory) {
      throw new UsageError(`--${tuning[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} tunes the keyspace sample: add --sample-data`);
    }
  }
  const request: { keys?: number; databases?: number[]; timeMs?: number; bytes?: number } = {};
  if (typeof flags.sampleData === 'string') request.keys = integer(flags.sampleData, '--sample-data', 1, 10_000_000);
  if (flags.sampleDatabases !== undefined) {
    request.databases = flags.sampleDatabases.split(',').map((db) => integer(db.trim(), '--sample-databases', 0, 1_000_000));
  }
  if (flags.sampleTime !== undefined) {
    const seconds = plainNumber(flags.sampleTime, true) ?? Number.NaN;
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new UsageError(`--sample-time must be seconds from 0 to 3600, not '${clipped(flags.sampleTime)}'`);
    request.timeMs = Math.round(seconds * 1000);
  }
  if (flags.sampleBytes !== undefined) request.bytes = integer(flags.sampleBytes, '--sample-bytes', 1024, 2 ** 40);
  return flags.sampleData === undefined && Object.keys(request).length === 0 ? undefined : request;
}

function deploymentKind(flags: AuditFlags): DeploymentKind | undefined {
  const kinds = (['cluster', 'sentinel', 'replication'] as const).filter((k) => flags[k] === true);
  if (kinds.length > 1) throw new UsageError(`--${kinds[0]} and --${kinds[1]} exclude each other`);
  return kinds[0];
}

/** The targets the command line names (or the settings file's), resolved with their flags and settings. */
function liveTargets(specs: readonly string[], flags: AuditFlags, settings?: Settings): Target[] {
  const pass = flags.pass ?? flags.a;
  const shared: TargetFlags = { ...flags, ...(pass !== undefined ? { pass } : {}) };
  const named = [...(flags.uri ? [flags.uri] : []), ...specs];
  const targets = resolveTargets({ specs: named, flags: shared, settings, env: process.env });
  // redis-cli reads `redis://secret@host` as a password, redfort (as URLs do) as a user name that every report showed
  // (QA45-63). When no password comes from anywhere it may well be one: said, without it, and left out of the target
  // (without a password no AUTH is sent: the name changed nothing but the reports).
  for (const [i, target] of targets.slice(0, named.length).entries()) {
    if (target.username !== undefined && flags.user === undefined && targetPassword(target) === undefined && targetProblem(target) === undefined) {
      say(`warning: the URL of ${target.host}:${target.port} names a user and gives no password: redis-cli would read what precedes '@' as the password, so it is left out (not sent, not in any output); for a password write redis://:PASSWORD@host or set REDISCLI_AUTH, for a user without one --user NAME`);
      targets[i] = withoutUsername(target);
    }
  }
  if (targets.length > 1 && (flags.config || flags.acl || flags.sentinelConfig)) {
    throw new UsageError('--config, --acl and --sentinel-config describe one server: audit one target with them');
  }
  return targets;
}

/**
 * The file targets of a file-only audit: every `--config` a server of its own (with `--acl` when it is the one
 * config), every `--sentinel-config` a sentinel, in that order; `--acl` alone is its own target. Several files are
 * what a CI job lists (as trivy or eslint take them): before, commander kept the last `--config` and the others were
 * dropped without a word (QA41-100). With a live target the files are that one server's: each flag once.
 */
function fileTargets(flags: AuditFlags, specs: readonly string[]): FileInputs[] {
  const configs = flags.config ?? [];
  const sentinels = flags.sentinelConfig ?? [];
  for (const [flag, paths] of [['--config', configs], ['--sentinel-config', sentinels]] as const) {
    const seen = new Set<string>();
    for (const path of paths) {
      const key = resolve(path);
      if (seen.has(key)) throw new UsageError(`${flag} names '${clipped(path)}' twice: give each file once`);
      seen.add(key);
    }
  }
  const live = specs.length > 0 || flags.uri !== undefined || flags.host !== undefined || flags.port !== undefined || flags.socket !== undefined || flags.local === true;
  const where = placementOf(flags, live || flags.targets !== undefined, configs.length > 0 || sentinels.length > 0, 'a file-only audit');
  if (live || flags.targets !== undefined) {
    for (const [flag, paths] of [['--config', configs], ['--sentinel-config', sentinels]] as const) {
      if (paths.length > 1) throw new UsageError(`${flag} is given ${paths.length} times: with a server it names that server's one file (several files are audited without a server, each a target of its own)`);
    }
    // QA45-28: taken without a word, a CI job auditing its files beside the deployed server believed them judged as that version.
    if (flags.redisVersion !== undefined) say(`warning: --redis-version ${clipped(flags.redisVersion.trim())} is for file-only audits: each server is judged by the version it reports (INFO), its files with it`);
    return [];
  }
  const version = flags.redisVersion?.trim();
  const acl = flags.acl;
  if (acl !== undefined && (configs.length > 1 || (configs.length === 0 && sentinels.length > 1))) {
    throw new UsageError(`--acl is the ACL file of one server: with ${configs.length > 1 ? `${configs.length} --config files` : `${sentinels.length} --sentinel-config files`} say which by auditing it in a run of its own (or name it in the config's aclfile)`);
  }
  const sets: FileInputs[] = [
    ...configs.map((configPath) => ({ configPath, ...(acl !== undefined ? { aclPath: acl } : {}), version, ...where })),
    ...sentinels.map((sentinelConfigPath) => ({ sentinelConfigPath, ...(acl !== undefined && configs.length === 0 ? { aclPath: acl } : {}), version, ...where })),
  ];
  return sets.length === 0 && acl !== undefined ? [{ aclPath: acl, version }] : sets;
}

/** The settings file's targets as a fleet's inventory: each resolved as for one run (a `passwordEnv` not set is its error). */
function settingsInventory(targets: readonly Target[], options: FleetOptions): LoadedInventory {
  return {
    entries: targets.map((target) => ({ target })),
    options,
    warnings: [],
    secrets: [process.env.REDISCLI_AUTH ?? '', ...targets.map((t) => targetPassword(t) ?? '')],
  };
}

/**
 * The repository's root the reports' files are located from (QA41-106): `--source-root DIR`, as CodeQL names it, else
 * the checkout the working directory lies in (the nearest folder above it with `.git`), else none (the working
 * directory serves).
 */
function sourceRootOf(given: string | undefined): string | undefined {
  if (given === undefined) return repositoryRoot(process.cwd());
  const dir = resolve(given);
  const problem = sourceRootProblem(dir);
  if (problem !== undefined) throw new UsageError(`--source-root ${clipped(given)}: ${problem}`);
  return dir;
}

/** `--jobs`: `auto` (also when not given) or a whole number of threads. */
function jobsOf(value: string | undefined): Jobs {
  if (value === undefined || value === 'auto') return 'auto';
  const n = plainNumber(value) ?? Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_JOBS) throw new UsageError(`--jobs must be auto or a whole number from 1 to ${MAX_JOBS}, not '${clipped(value)}'`);
  return n;
}

/** The audit command: its flags checked, the run asked of src/app, the reports written and printed; the exit code. */
async function auditCommand(specs: string[], flags: AuditFlags): Promise<number> {
  // Every file read from here on: no report is written over one of them.
  const reads = recordReads();
  const plan = planOutputs(flags.format, flags.output ?? [], [...FORMATS]);
  if (typeof plan === 'string') throw new UsageError(plan);
  // Checked before the audit, so that a typo in a path does not cost a whole run.
  const force = flags.force === true;
  for (const file of plan.files) await checkWritable(file.path, force);
  if (flags.baselineWrite !== undefined) await checkWritable(flags.baselineWrite, force, 'the baseline');
  refuseBaselineOverOutput(plan, flags.baselineWrite);
  const sourceRoot = sourceRootOf(flags.sourceRoot);
  const roots = { root: process.cwd(), ...(sourceRoot !== undefined ? { sourceRoot } : {}) };
  // The whole value, in parseVersion's grammar ('redis v7.2.4', 'valkey_8.0.1'): '7.2.4; x' passed a check of its
  // start, and the audit then said 'the version the server reports cannot be read'.
  if (flags.redisVersion !== undefined && !isVersionText(flags.redisVersion)) {
    throw new UsageError(`--redis-version must be a version such as 7.2.4 or valkey-8.0.1, not '${clipped(flags.redisVersion)}'`);
  }
  // A bare number is Redis's: Valkey's 9.x given without its name is read as a Redis no one has released.
  const told = flags.redisVersion === undefined ? undefined : parseVersion(flags.redisVersion);
  if (told !== undefined && told.product !== 'valkey' && told.major >= 9) {
    say(`warning: --redis-version ${flags.redisVersion!.trim()} is read as Redis ${told.major}.${told.minor ?? 0}, newer than any redfort knows; for Valkey write valkey-${flags.redisVersion!.trim()}`);
  }
  refuseFileTargets([flags.uri, ...specs], 'audit a config file with --config FILE (a sentinel.conf with --sentinel-config, an ACL file with --acl)');
  const fileSets = fileTargets(flags, specs);
  for (const config of flags.config ?? []) await checkReadable(config, '--config');
  await checkReadable(flags.acl, '--acl');
  for (const config of flags.sentinelConfig ?? []) await checkReadable(config, '--sentinel-config');
  const settings = await loadSettings(flags.configFile, RULES.map((r) => r.id));
  const baseline = flags.baseline !== undefined ? await readBaseline(flags.baseline) : undefined;
  // Its failures are judged against a baseline, read or recorded (SARIF's baselineState).
  const againstBaseline = baseline !== undefined || flags.baselineWrite !== undefined;
  // The files read so far (the audit's files, settings, baseline); those the audit reads are looked at after it.
  refuseOutputsRead(plan, flags.baselineWrite, flags.baseline, reads);
  const failOn = (flags.failOn ?? settings?.failOn ?? 'high') as Severity | 'none';
  const view = reportView(flags);
  if (failOn !== 'none' && !SEVERITIES.includes(failOn)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}, none`);
  // A password in a URL on the command line is in `ps` as much as one after -a (redis-cli warns for both).
  const passwordWarning = commandLinePasswordWarning(flags, [flags.uri, ...specs], flags.nodeOverride);
  // Said once the --node-override specs are read (a malformed one is the run's one line), at once without any.
  const warnPassword = () => {
    if (passwordWarning !== undefined) say(passwordWarning);
  };
  if (flags.nodeOverride === undefined) warnPassword();
  const distroPackage = flags.distroPackage === undefined ? undefined : parseDeclaredPackage(flags.distroPackage, '--distro-package');
  if (typeof distroPackage === 'string') throw new UsageError(`--distro-package: ${distroPackage}`);
  const given = {
    ...timeoutsOf(flags),
    concurrency: integer(flags.concurrency, '--concurrency', 1, 10_000),
    jobs: jobsOf(flags.jobs),
    targetTimeoutMs: integer(flags.targetTimeout, '--target-timeout', 1, 86_400_000),
    ...auditOptionsOf(settings),
    ...(flags.config?.[0] !== undefined ? { configPath: flags.config[0] } : {}),
    ...(flags.acl ? { aclPath: flags.acl } : {}),
    ...(flags.sentinelConfig?.[0] !== undefined ? { sentinelConfigPath: flags.sentinelConfig[0] } : {}),
    ...(flags.probe === false ? { noProbe: true } : {}),
    ...(flags.trustDiscovered !== undefined ? { trustDiscovered: trustDiscoveredOf(flags.trustDiscovered) } : {}),
    ...(flags.probeCredentials ? { probeCredentials: true } : {}),
    ...(flags.probeIntrusive ? { probeIntrusive: true } : {}),
    ...(flags.noHost ? { noHost: true } : {}),
    ...(distroPackage ? { distroPackage } : {}),
  };
  const inventorySamples = settings?.targets.some((t) => t.defaults.sampleData) === true;
  const options = { ...given, ...samplingOf(settings, sampleRequest(flags, inventorySamples), flags.sampleData !== undefined) };
  const fileOnly = specs.length === 0 && !flags.uri && !flags.host && flags.port === undefined && flags.socket === undefined && (flags.config || flags.acl || flags.sentinelConfig);
  const kind = deploymentKind(flags);
  // With --targets they apply to the inventory's entries marked cluster, sentinel or replication.
  if (kind === undefined && flags.targets === undefined && (flags.hostKey !== undefined || flags.nodeOverride !== undefined)) {
    throw new UsageError('--host-key and --node-override need --cluster, --sentinel or --replication (or --targets with such entries)');
  }
  if (kind === undefined && flags.targets === undefined && flags.trustDiscovered !== undefined) {
    throw new UsageError('--trust-discovered needs --cluster, --sentinel or --replication (or --targets with such entries): only discovered nodes are judged by it');
  }
  // The settings file's targets are the inventory when no target is given: with the fleet's own flags, a fleet.
  const settingsFleet =
    flags.targets === undefined && (flags.summaryOnly === true || flags.jobs !== undefined) && kind === undefined && !flags.local && !fileOnly &&
    specs.length === 0 && !flags.uri && flags.host === undefined && flags.port === undefined && flags.socket === undefined && (settings?.targets.length ?? 0) > 0;
  if (flags.targets !== undefined || settingsFleet) {
    if (specs.length > 0 || flags.uri || flags.host !== undefined || flags.port !== undefined || flags.socket !== undefined || flags.local || flags.config || flags.acl || flags.sentinelConfig) {
      throw new UsageError('--targets names every target: give no target, -h/-p, --local or --config with it');
    }
    // --summary-only shortens the text report on standard output; a machine format there is every target's whole
    // report, and was printed as such with --summary-only silently dropped (a 600 KB JSON where one line a target was
    // asked for).
    if (flags.summaryOnly === true && plan.stdout !== 'text') {
      const shown = plan.stdout ?? plan.files.find((f) => f.path === '/dev/stdout')?.format;
      const there = shown !== undefined ? `the ${shown} report (every target's results)` : 'no report (each goes to a file)';
      throw new UsageError(`--summary-only applies to the text report on standard output, and here standard output gets ${there}: drop --summary-only, or print text (--format text) and write the other formats with --output FORMAT=FILE`);
    }
    const { runFleetAudit } = await import('../fleet.ts');
    const pass = flags.pass ?? flags.a;
    const connection: TargetFlags = {};
    for (const name of ['user', 'tls', 'cacert', 'cacertdir', 'cert', 'key', 'sni', 'insecure', 'db'] as const) {
      if (flags[name] !== undefined) Object.assign(connection, { [name]: flags[name] });
    }
    if (pass !== undefined) connection.pass = pass;
    const hostKey = await readHostKeyFile(flags.hostKey);
    // Every deployment entry's nodes, where the entry's own nodeOverrides says nothing of the same KEY.
    const overrides = nodeOverrides(flags.nodeOverride, connection, process.env);
    if (flags.nodeOverride !== undefined) warnPassword();
    const docs = [...(plan.stdout ? [plan.stdout] : []), ...plan.files.map((f) => f.format)].includes('sarif') ? ruleDocs() : undefined;
    return runFleetAudit(
      {
        inventory: flags.targets ?? settingsInventory(liveTargets(specs, flags, settings), options),
        flags: connection,
        kind,
        hostKey,
        ...(overrides ? { nodeOverrides: overrides } : {}),
        options,
        plan,
        settings,
        baseline,
        ...(flags.baseline ? { baselinePath: flags.baseline } : {}),
        ...(flags.baselineWrite !== undefined ? { baselineWrite: { path: flags.baselineWrite, force } } : {}),
        failOn,
        summaryOnly: flags.summaryOnly === true,
        quiet: flags.quiet === true,
        color: flags.color && process.stdout.isTTY === true && !process.env.NO_COLOR,
        env: process.env,
      },
      {
        render: async (format, report, forStdout) => {
          const tty = forStdout && process.stdout.isTTY === true;
          const color = tty && flags.color && format === 'text' && !process.env.NO_COLOR;
          const width = tty && process.stdout.columns > 0 ? { width: process.stdout.columns } : {};
          return (await loadReporter(format))(report, { rules: RULES, color, ...width, ...(docs ? { docs } : {}), view, ...roots, baseline: againstBaseline });
        },
        renderChunks: async (format, report) => {
          if (format !== 'json') return undefined;
          const { jsonReportChunks } = await import('../../report/json.ts');
          return jsonReportChunks(report, process.cwd());
        },
        writeStdout: (text) => process.stdout.write(text),
        drainStdout: () =>
          new Promise((resolve) => {
            // A reader that went away (EPIPE) never drains: its end is as good.
            const done = (): void => {
              for (const event of ['drain', 'close', 'error'] as const) process.stdout.off(event, done);
              resolve();
            };
            for (const event of ['drain', 'close', 'error'] as const) process.stdout.once(event, done);
          }),
        say,
      },
    );
  }
  if (flags.summaryOnly) throw new UsageError('--summary-only goes with --targets');
  if (flags.jobs !== undefined) throw new UsageError('--jobs goes with --targets');
  let scope: AuditScope;
  if (flags.local) {
    if (specs.length > 0 || flags.uri || flags.host !== undefined || flags.port !== undefined || flags.socket !== undefined || fileOnly || kind !== undefined) {
      throw new UsageError('--local finds the servers of this machine itself: give no target, --config, --cluster, --sentinel or --replication with it');
    }
    if (flags.noHost) throw new UsageError('--local audits the host: it cannot be combined with --no-host');
    const pass = flags.pass ?? flags.a;
    scope = { local: { flags: { ...flags, ...(pass !== undefined ? { pass } : {}) }, env: process.env, runnerUid: process.getuid?.() } };
  } else if (kind !== undefined) {
    if (fileOnly) throw new UsageError(`--${kind} discovers a live deployment: give the URL of one of its nodes`);
    const targets = liveTargets(specs, flags, settings);
    if (targets.length !== 1) throw new UsageError(`--${kind} starts from one node: give exactly one target`);
    const hostKey = await readHostKeyFile(flags.hostKey);
    const overrides = nodeOverrides(flags.nodeOverride, flags, process.env);
    if (flags.nodeOverride !== undefined) warnPassword();
    scope = { deployment: { seed: targets[0]!, kind, hostKey, nodeOverrides: overrides } };
  } else if (fileOnly) {
    scope = { files: fileSets };
  } else {
    scope = { targets: liveTargets(specs, flags, settings) };
  }
  // Settings already shaped the options above (sampling per target); runAudit adds their rule overrides.
  const run = await runAuditDetailed({
    ...scope,
    options,
    settings,
    baseline,
    root: process.cwd(),
    ...(flags.baseline ? { baselinePath: flags.baseline } : {}),
    recordBaseline: flags.baselineWrite !== undefined,
    // --quiet leaves out the lines about one target (a server of --local judged from its host alone), as below.
    onNotice: (message, target) => {
      if (target === undefined || flags.quiet !== true) say(message);
    },
  });
  const { report, hostOnly } = run;
  refuseOutputsRead(plan, flags.baselineWrite, flags.baseline, reads);
  if (flags.baselineWrite !== undefined && run.recordedBaseline) await writeBaseline(flags.baselineWrite, run.recordedBaseline, { force });
  const formats = [...(plan.stdout ? [plan.stdout] : []), ...plan.files.map((f) => f.format)];
  const docs = formats.includes('sarif') ? ruleDocs() : undefined;
  for (const file of plan.files) {
    // JSON and SARIF go out as they are made, 64 KiB at a time (the same bytes as their reporters' texts): made whole, a
    // 38 MB JSON report (10,000 users that may each run 75 @dangerous commands) took 150 MB more memory on its way.
    const content =
      file.format === 'json'
        ? (await import('../../report/json.ts')).jsonReportChunks(report, process.cwd())
        : file.format === 'sarif'
          ? (await import('../../report/sarif.ts')).sarifReportChunks(report, { rules: RULES, ...(docs ? { docs } : {}), ...roots, baseline: againstBaseline })
          : (await loadReporter(file.format))(report, { rules: RULES, color: false, ...(docs ? { docs } : {}), view, ...roots, baseline: againstBaseline });
    try {
      await writeOutputFile(file.path, content, { force });
    } catch (error) {
      const why = fsErrorText(error);
      throw new UsageError(`cannot write the ${file.format} report to '${file.path}': ${why}`);
    }
  }
  if (plan.stdout) {
    const tty = process.stdout.isTTY === true;
    const color = flags.color && plan.stdout === 'text' && tty && !process.env.NO_COLOR;
    const width = tty && process.stdout.columns > 0 ? { width: process.stdout.columns } : {};
    process.stdout.write((await loadReporter(plan.stdout))(report, { rules: RULES, color, ...width, ...(docs ? { docs } : {}), view, ...roots, baseline: againstBaseline }));
  }
  // A warning about one target of several names it: --local on a machine of 11 servers wanting a password printed
  // 'warning: no credentials were given: …' 11 times, none saying which.
  const several = report.targets.length > 1;
  for (const t of report.targets) {
    // A file target's error names the file already (`redis.conf:12: …`). --quiet leaves the per-target error lines
    // out here as with --targets (they are in the report): a --cluster seed naming 900 dead nodes printed 900. Not the
    // warnings: stderr is where a terminal user sees them (every report format carries them too since QA41-113).
    if (t.error !== undefined && flags.quiet !== true) say(namedError(t.target, t.error));
    // Credentials withheld from a certificate that did not verify: named even alone, the target being the point.
    for (const w of t.warnings ?? []) say(`warning: ${several || w.includes(CREDENTIALS_NOT_SENT) ? `${t.target}: ` : ''}${w}`);
  }
  for (const w of report.warnings ?? []) say(`warning: ${w.message}`);
  // A server audited from its host alone (--local without its credentials) was not fully audited.
  return hostOnly > 0 ? 2 : exitCode(report.targets, failOn);
}

export function registerAudit(cli: Command): void {
  const [startDir, pathMap] = placementOptions('file-only audit');
  connectionOptions(cli
    .command('audit'))
    .description('audit live servers (redis://[user[:password]@]host[:port][/db], rediss://…, host:port), or their config files')
    .argument('[targets...]', 'servers to audit (default 127.0.0.1:6379, or the files of --config alone)')
    .addOption(new Option('-n <db>', 'database number (redis-cli -n)').argParser((v) => integer(v, '-n', 0, MAX_DB)))
    .option('--config <file>', "the server's redis.conf (read with its includes); alone, audits the files without a server: repeatable, each file a target", collect)
    .option('--acl <file>', 'an ACL file (default: the config\'s aclfile); once, for one --config', once('--acl'))
    .option('--sentinel-config <file>', "a sentinel's sentinel.conf; alone, repeatable as --config", collect)
    .option('--redis-version <version>', 'the version the files are for, in a file-only audit (e.g. 7.2.4, valkey-8.0.1)')
    .addOption(startDir)
    .addOption(pathMap)
    .option('--cluster', 'audit every node of the cluster the target belongs to, and the cluster as a whole')
    .option('--sentinel', 'audit the sentinels, masters and replicas the target sentinel knows, and the group as a whole')
    .option('--replication', 'audit the target master (or replica), its master and every replica, and the group as a whole')
    .option('--host-key <file>', 'failure domain of each node: lines of `<host or host:port> <label>` (default: its IP address)', once('--host-key'))
    .addOption(nodeOverrideOption())
    .addOption(trustDiscoveredOption())
    .option('-f, --format <formats>', `report formats, comma-separated or repeated: ${[...FORMATS].join(', ')} (default: text)`, collect)
    .option('-o, --output <[format=]file>', 'write a report to a file: FORMAT=FILE, repeatable; a plain FILE takes the --format report (without --format, r.json and the like are refused: write json=r.json)', collect)
    .option('--fail-on <severity>', `exit 1 when a failure that counts is at or above: ${SEVERITIES.join(', ')}, none (default: high, or failOn of the settings)`)
    .option('--config-file <file>', 'settings file (default: .redfort.yaml in the current directory, when present)', once('--config-file'))
    .option('--baseline <file>', 'failures recorded in this baseline do not fail the run: only new ones do', once('--baseline'))
    .option('--baseline-write <file>', "record this run's failures as the baseline", once('--baseline-write'))
    .option('--source-root <dir>', "the repository's root: SARIF locates files relative to it (%SRCROOT%), as code scanning reads them; the text, JUnit, Markdown and HTML reports name a file in it as given (default: the git checkout the current directory is in, found by its .git)", once('--source-root'))
    .addOption(withDefault('--connect-timeout <ms>', 'connect timeout in milliseconds', String(CONNECT_TIMEOUT_MS)))
    .addOption(withDefault('--timeout <ms>', 'per-command timeout in milliseconds', String(COMMAND_TIMEOUT_MS)))
    .addOption(withDefault('--concurrency <n>', 'targets audited at once', String(AUDIT_CONCURRENCY)))
    .option('--jobs <n>', `with --targets: threads that audit the targets, 1 to ${MAX_JOBS}: the main thread and N-1 worker threads; auto: two for ${POOL_MIN_TARGETS} targets or more whose whole report is kept (not jsonl or --summary-only alone) when the load average leaves a core idle, else one (default: auto)`)
    .addOption(withDefault('--target-timeout <ms>', 'the longest one target may take, everything included (a --cluster, --sentinel or --replication deployment: its seed and every node together); a target out of time is reported as an error and the others still are', String(TARGET_TIMEOUT_MS)))
    .option('--force', 'write -o and --baseline-write files through a symlink or into a FIFO or block device (refused by default; /dev/null and /dev/stdout need no --force)')
    .option('--no-probe', 'skip the network probes (unauthenticated PING, TLS versions, ciphers, client certificates, certificate)')
    .option('--probe-credentials', 'intrusive: try 4 default passwords with AUTH (the server logs the failures)')
    .option('--probe-intrusive', 'intrusive: run EVAL "return type(package)" 0 to test CVE-2022-0543')
    .option('--sample-data [keys]', 'opt in: read a bounded, read-only sample of the keyspace (KEYS per database, default 1000) as evidence for data.client-side-encryption; values are never shown')
    .option('--sample-databases <list>', 'the databases to sample, e.g. 0,1 (default: every non-empty one)')
    .option('--sample-time <seconds>', 'time budget of the sample (default: 5)')
    .option('--sample-bytes <bytes>', 'byte budget of the sample: replies read in all (default: 33554432)')
    .option('--no-color', 'no colours in the text report')
    .option('--sort <order>', 'order of the text and Markdown reports: severity (failures first, most severe first; the default) or checklist')
    .option('--only-failures', 'text and Markdown reports: show the findings only')
    .option('--min-severity <severity>', `text and Markdown reports: show findings at or above this severity only (${SEVERITIES.join(', ')})`)
    .option('--max-findings <n>', 'text and Markdown reports: at most N findings per rule and target (default: all)')
    .option('--distro-package <package>', "the Debian/Ubuntu package the servers run, as dpkg-query prints it (redis-server=5:7.0.15-1~deb12u10, or the version alone), for servers whose package redfort cannot see: fixes its changelog names count as fixed; inventories set it per target (distroPackage)")
    .option('--local', 'audit every redis-server, redis-sentinel, valkey-server and valkey-sentinel process of this machine, with its host (credentials apply to each)')
    .option('--no-host', 'do not inspect the host of a local server (process, file modes, logrotate, firewall, systemd, package)')
    .option('--targets <file>', 'audit the servers of an inventory: one URL a line, or YAML with per-target credentials and labels (- for standard input; see docs/inventory.md)', once('--targets'))
    .option('--summary-only', 'with --targets and the text report on standard output: print the fleet summary (one line per target, totals per rule) without the details (a usage error when another format goes to standard output)')
    .option('-q, --quiet', 'no progress line and no per-target error lines on standard error')
    .addHelpText('after', `
Examples:
  REDISCLI_AUTH=secret redfort audit redis://auditor@db1:6380
  redfort audit rediss://db1:6380 --cacert ca.crt --format json -o report.json
  redfort audit redis://a:6379 redis://b:6379 --fail-on critical -o html=r.html
  redfort audit --config /etc/redis/redis.conf --redis-version 7.2.4
  redfort audit redis://10.0.5.11:6379 --cluster
  redfort audit --targets fleet.yaml --summary-only
  redfort audit --targets fleet.yaml --format jsonl -o fleet.jsonl

Exit codes: 0 no failure at or above --fail-on; 1 there is one; 2 bad usage, or\na target could not be audited.`)
    .action(async (specs: string[], flags: AuditFlags & { n?: number }, command: Command) => {
      const { n, ...rest } = flags;
      // --no-host and -h/--host share commander's `host` attribute: read --no-host from the arguments.
      const noHost = ((command.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? []).includes('--no-host');
      if ((rest.host as unknown) === false) delete rest.host;
      process.exitCode = await auditCommand(specs, { ...rest, ...(noHost ? { noHost } : {}), ...(n !== undefined ? { db: n } : {}) });
    });
}
