import { readdir, realpath } from 'node:fs/promises';
import { lstatOf, statOf } from '../../util/fs-calls.ts';
import { errnoOf } from '../../util/fs-error.ts';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type {
  ConfigMap,
  Fact,
  Facts,
  FactKey,
  HostAbsentFile,
  HostFacts,
  HostFile,
  HostFileRole,
  HostFileState,
  HostLogging,
  HostProcess,
  HostValue,
  Source,
} from '../../facts/types.ts';
import type { PackageFacts } from '../../facts/host.ts';
import { FACT_KEYS } from '../../facts/types.ts';
import { processMode, SERVER_NAMES } from '../../facts/host.ts';
import type { Enricher, EnrichOptions } from '../enrich.ts';
import { isLocalHost } from '../../net/address.ts';
import { effectiveConfig } from '../conf/redis-conf.ts';
import { loadConfFiles } from '../conf/load-files.ts';
import { sharedLookups, statPath } from './files.ts';
import type { IdNames, PathLookups } from './files.ts';
import { createHostDiscovery } from './discovery.ts';
import type { HostDiscovery } from './discovery.ts';
import type { ProcTables } from './proc.ts';
import {
  configFromCmdline,
  deletedTarget,
  hostSource,
  listenersOf,
  openFiles,
  procLink,
  readStatus,
  redactCmdline,
  STATUS_LINE,
} from './proc.ts';
import { fileSecrets } from './secrets.ts';
import { sentinelScripts } from '../conf/sentinel-conf.ts';
import { titleRewritten } from '../../redis/process-title.ts';
import { infoField } from '../../redis/info.ts';
import { configVersion, isAtLeast, majorMinor } from '../../redis/version.ts';
import { hostCommandLine } from '../../redis/command-line.ts';

export { findServerProcesses } from './proc.ts';
export type { ServerProcess } from './proc.ts';
export { createHostDiscovery } from './discovery.ts';
export type { HostDiscovery } from './discovery.ts';

type HostOptions = Pick<EnrichOptions, 'logrotateDir' | 'firewallRuleset' | 'hostDiscovery' | 'signal' | 'configPath'>;

/** The settings that name files, from CONFIG GET or, failing that, from the process's config file. */
interface Settings {
  readonly config: ConfigMap;
  /** Every file the config was read from (the config file and its includes), when read here. */
  readonly files: readonly string[] | undefined;
  /** Each include of `files` to the `include` line that read it. */
  readonly includedBy?: ReadonlyMap<string, Source> | undefined;
  /** `loadmodule` lines of those files, when read here. */
  readonly modules?: readonly Fact<string>[];
  /** A sentinel config's script paths, when read here. */
  readonly scripts?: readonly Fact<string>[];
}

const TLS_ROLES: readonly [string, HostFileRole][] = [
  ['tls-key-file', 'tls-key'],
  ['tls-client-key-file', 'tls-client-key'],
  ['tls-cert-file', 'tls-cert'],
  ['tls-client-cert-file', 'tls-client-cert'],
  ['tls-ca-cert-file', 'tls-ca-file'],
  ['tls-ca-cert-dir', 'tls-ca-dir'],
];

function isSentinel(facts: Facts, process: { name: string; cmdline: readonly string[] }): boolean {
  if (facts.server) return facts.server.mode === 'sentinel';
  return processMode(process) === 'sentinel';
}

/**
 * The config file of the process: its command line (resolved against its directory), else its systemd unit's
 * ExecStart. Never INFO's `config_file`: the server says what it likes there, and redfort runs as root.
 */
export async function configFileOf(
  facts: Facts,
  cmdline: readonly string[],
  cwd: HostValue<string>,
  execStart: readonly string[] | undefined,
  pid: number,
  tables: ProcTables,
  /** The file given with --config, when one was: never advised again. */
  given?: string,
): Promise<HostValue<string | null>> {
  const fromArgs = async (args: readonly string[], where: string): Promise<HostValue<string | null> | undefined> => {
    const named = configFromCmdline(args);
    if (named === undefined) return undefined;
    if (named === null || isAbsolute(named)) return { known: true, value: named, source: hostSource(where) };
    // The server has chdir'ed to `dir` since: a relative name is found again only if it is there.
    if (!cwd.known) return { known: false, reason: `the config file '${named}' is relative and the process's directory is unknown (${cwd.reason})` };
    const path = resolve(cwd.value, named);
    if (await statOf(path).then((s) => s.isFile(), () => false)) return { known: true, value: path, source: hostSource(`${where}, resolved against the process's directory`) };
    return { known: false, reason: `the config file '${named}' is relative to the directory the server started in, which is no longer known` };
  };
  // Only a file the process itself could read: an unprivileged process naming /root/secret.conf on its command line
  // must not make root redfort read and judge it (issue 12).
  const ownReadable = async (found: HostValue<string | null>): Promise<HostValue<string | null>> => {
    if (!found.known || found.value === null) return found;
    const refused = await processCannotRead(found.value, pid, tables);
    return refused === undefined ? found : { known: false, reason: `the config file named by pid ${pid}: ${refused}` };
  };
  const fromCmdline = await fromArgs(cmdline, 'the process command line');
  if (fromCmdline) return ownReadable(fromCmdline);
  const fromUnit = execStart ? await fromArgs(execStart, 'the systemd unit ExecStart') : undefined;
  if (fromUnit) return ownReadable(fromUnit);
  const reported = facts.server?.configFile;
  // The title replaced the arguments and no unit names the file: INFO's word is taken only for a regular file the
  // server's own user can read, so a server cannot make root redfort read what it could not read itself.
  if (reported && isAbsolute(reported) && (await readableByProcess(reported, pid, tables))) {
    return { known: true, value: reported, source: hostSource(`INFO server config_file, a regular file that process ${pid}'s user can read`) };
  }
  const other = reported && isAbsolute(reported) ? await otherFile(reported, pid, tables) : undefined;
  if (other !== undefined) return { known: false, reason: `the server reports ${reported} as its config file, which is not read: ${other}; pass --config with the file it uses` };
  if (reported) {
    return {
      known: false,
      reason: `the server reports ${reported} as its config file, but neither its command line (replaced by its title) nor a systemd unit says so, and redfort reads only a file the process was started with: pass --config`,
    };
  }
  // Before 6.2 there is no set-proc-title: the server always writes its title over its arguments (redis@6.0.20 main).
  const version = majorMinor(facts.server?.version);
  const why = version && facts.server?.product === 'redis' && !isAtLeast(version, 6, 2) ? 'as Redis before 6.2 always does' : 'set-proc-title yes';
  return {
    known: false,
    reason: !titleRewritten(cmdline)
      ? 'the config file is unknown'
      : facts.info
        // INFO was read and its config_file is empty: Redis leaves it empty when started without a file.
        ? given !== undefined
          ? `the server replaced its command line with its title (${why}) and INFO server reports no config_file (started without one?): nothing shows that it reads ${given}, given with --config, so that file is not judged as the server's own (start it with 'set-proc-title no' to have its command line read)`
          : `the server replaced its command line with its title (${why}) and INFO server reports no config_file (started without one?): pass --config if it has one`
        : `the server replaced its command line with its title (${why}) and INFO could not be read, so its config file is unknown`,
  };
}

type MayRead = (path: string) => Promise<string | undefined>;
/** Why the server could not look at `path` itself (with `list`, list it), or undefined ({@link processCannotReach}). */
type MayReach = (path: string, how?: Reach) => Promise<string | undefined>;
/** Why the server's `path` is not this machine's file at `path` (otherFile); undefined when it is. */
type OtherFile = (path: string) => Promise<string | undefined>;

async function settingsOf(facts: Facts, configFile: HostValue<string | null>, sentinel: boolean, signal: AbortSignal | undefined, mayRead: MayRead): Promise<{ settings?: Settings; reason?: string }> {
  if (facts.config) return { settings: { config: facts.config, files: undefined } };
  const live = facts.server ? `CONFIG GET is not available (${facts.unavailable.config ?? 'no answer'})` : 'the server could not be queried';
  if (!configFile.known) return { reason: `${live}, and ${configFile.reason}` };
  if (configFile.value === null) return { reason: `${live}, and the server was started without a config file` };
  try {
    const parsed = await loadConfFiles(configFile.value, { signal, deferErrors: true, mayRead });
    const version = configVersion(facts.server);
    const effective = effectiveConfig(parsed, { ...(version ? { version } : {}), sentinel });
    return { settings: { config: effective.config, files: parsed.files, includedBy: parsed.includedBy, modules: effective.modules, scripts: effective.sentinel ? sentinelScripts(effective.sentinel) : [] } };
  } catch (error) {
    return { reason: `the config file could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function absolute(path: string, dir: string): string {
  return isAbsolute(path) ? path : resolve(dir, path);
}

interface Planned {
  readonly role: HostFileRole;
  readonly path: string;
  readonly origin: Source;
}

/** Which files the server uses, from its settings; absent roles say why. */
async function planFiles(
  facts: Facts,
  settings: Settings | undefined,
  settingsReason: string | undefined,
  configFile: HostValue<string | null>,
  cwd: HostValue<string>,
  sentinel: boolean,
  lookups: PathLookups,
  mayRead: MayRead,
  otherFileOf: OtherFile = async () => undefined,
  unixSockets?: HostValue<readonly string[]>,
  mayReach: MayReach = async () => undefined,
): Promise<{ planned: Planned[]; absent: HostAbsentFile[] }> {
  const planned: Planned[] = [];
  const absent: HostAbsentFile[] = [];
  const configRole: HostFileRole = sentinel ? 'sentinel-config' : 'config';
  if (configFile.known && configFile.value !== null) planned.push({ role: configRole, path: configFile.value, origin: configFile.source });
  else if (configFile.known) absent.push({ role: configRole, unknown: false, reason: 'the server was started without a config file' });
  else absent.push({ role: configRole, unknown: true, reason: configFile.reason });

  const config = settings?.config;
  const get = (name: string): Fact<string> | undefined => config?.get(name);
  const dirFact = get('dir');
  // CONFIG GET gives dir absolute; else the process's directory is dir, since the server chdirs there.
  let dir: { path: string; origin: Source } | undefined;
  if (dirFact && isAbsolute(dirFact.value)) dir = { path: dirFact.value, origin: dirFact.source };
  else if (cwd.known) dir = { path: cwd.value, origin: cwd.source };
  if (dir) planned.push({ role: 'dir', path: dir.path, origin: dir.origin });
  else absent.push({ role: 'dir', unknown: true, reason: cwd.known ? 'dir is unknown' : cwd.reason });

  const configPath = configFile.known ? configFile.value : null;
  // The config-file gatherer's list counts only when it read this server's file (not a copy given with --config).
  const gathered = configPath !== null && facts.files?.paths.includes(configPath) ? facts.files : undefined;
  let includes = settings?.files ?? gathered?.paths;
  let includedBy = settings?.files ? settings.includedBy : gathered?.includedBy;
  let includesReason = 'the includes of the config file were not read';
  // The `loadmodule` lines (QA45-20): from the files as read here or by the config-file gatherer, else read below.
  let modules: readonly Fact<string>[] | undefined = settings?.files ? settings.modules : gathered?.modules;
  let scripts: readonly Fact<string>[] | undefined = settings?.files ? settings.scripts : gathered ? (gathered.scripts ?? []) : undefined;
  if (!includes && configPath !== null) {
    try {
      let directives: readonly { name: string; args: readonly string[]; source: Source }[];
      ({ files: includes, includedBy, directives } = await loadConfFiles(configPath, { mayRead }));
      modules = directives.filter((d) => d.name === 'loadmodule' && d.args.length > 0).map((d) => ({ value: d.args[0]!, source: d.source }));
      const scriptLines = new Set(['notification-script', 'client-reconfig-script']);
      scripts = directives.filter((d) => d.name === 'sentinel' && d.args.length === 3 && scriptLines.has(d.args[0]!.toLowerCase())).map((d) => ({ value: d.args[2]!, source: d.source }));
    } catch (error) {
      includesReason = `the includes of the config file cannot be read: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  const aclFact = get('aclfile');
  const aclPath = aclFact && aclFact.value !== '' && dir ? absolute(aclFact.value, dir.path) : undefined;
  if (includes) {
    for (const path of includes) {
      if (path === configPath || path === aclPath) continue;
      // The include line that read it: the config file's own, or another include's (a file a glob pulled in).
      planned.push({ role: 'include', path, origin: includedBy?.get(path) ?? hostSource(`included by ${configFile.known ? configFile.value : 'the config file'}`) });
    }
  } else if (configPath !== null) {
    absent.push({ role: 'include', unknown: true, reason: includesReason });
  }

  if (!config || !dir) {
    const reason = settingsReason ?? 'the server settings are unknown';
    // The unix socket the process listens on (/proc/net/unix) is its own, whatever its settings say (QA39-6: a
    // socket-only server judged from its host alone).
    const listening = unixSockets?.known ? unixSockets.value : [];
    if (unixSockets?.known) for (const path of listening) planned.push({ role: 'unixsocket', path, origin: unixSockets.source });
    for (const role of ['rdb', 'aof', 'log', 'acl', 'unixsocket', 'tls-key', 'tls-client-key'] as const) if (role !== 'unixsocket' || listening.length === 0) absent.push({ role, unknown: true, reason });
    return { planned, absent };
  }
  const named = (name: string, role: HostFileRole): void => {
    const fact = get(name);
    if (fact && fact.value !== '') planned.push({ role, path: absolute(fact.value, dir.path), origin: fact.source });
    else absent.push({ role, unknown: false, reason: `${name} is not set` });
  };
  // Redis and Valkey take only a name for these (redis-server refuses a path: "can't be a path, just a filename"):
  // a path here is not a server's own (a proxy, a hostile server naming /root/.ssh-x), and is not looked at.
  const notAName = (name: string, role: HostFileRole): boolean => {
    const value = get(name)?.value;
    if (value === undefined || value === '' || (!/[/\\]/.test(value) && value !== '.' && value !== '..')) return false;
    absent.push({ role, unknown: true, reason: `${name} '${value}' is a path, not a name (Redis and Valkey take a name only): not looked at` });
    return true;
  };
  if (!notAName('dbfilename', 'rdb')) named('dbfilename', 'rdb');
  const aofDir = get('appenddirname');
  if (notAName('appenddirname', 'aof-dir')) {
    absent.push({ role: 'aof', unknown: true, reason: 'the AOF directory is not known' });
  } else if (aofDir && aofDir.value !== '') {
    const path = absolute(aofDir.value, dir.path);
    planned.push({ role: 'aof-dir', path, origin: aofDir.source });
    // Redis 7 keeps a manifest and base/incr files in the AOF directory. Listed only when it is one: what describeFiles
    // asks of it anyway says so (a server without AOF has the name set and no such directory); and only when the
    // server's user could list it itself (QA41-58).
    const unlisted = await mayReach(path, 'list');
    if (unlisted !== undefined) absent.push({ role: 'aof', unknown: true, reason: `the AOF directory ${path} is not listed: ${unlisted}` });
    const isDir = unlisted === undefined && (await otherFileOf(path)) === undefined && (await lookups.statParent(path))?.isDirectory() === true;
    for (const name of (isDir ? await readdir(path).catch(() => [] as string[]) : []).sort()) planned.push({ role: 'aof', path: join(path, name), origin: aofDir.source });
  } else if (!notAName('appendfilename', 'aof')) {
    named('appendfilename', 'aof');
  }
  const logfile = get('logfile');
  // `logfile /dev/null` keeps no file: the device's own mode (0666 root:root) is no log file's.
  if (logfile?.value === '/dev/null') absent.push({ role: 'log', unknown: false, reason: "logfile is '/dev/null'" });
  else if (logfile && logfile.value !== '') planned.push({ role: 'log', path: absolute(logfile.value, dir.path), origin: logfile.source });
  else absent.push({ role: 'log', unknown: false, reason: "logfile is ''" });
  named('aclfile', 'acl');
  // A module is native code the server runs in its own process at every start: relative paths are dlopen()ed from
  // its working directory, which is `dir` once the config is read.
  if (modules) for (const m of modules) planned.push({ role: 'module', path: absolute(m.value, dir.path), origin: m.source });
  else if (configPath !== null) absent.push({ role: 'module', unknown: true, reason: `its loadmodule lines are unknown: ${includesReason}` });
  // The scripts a sentinel runs, as its user, at every failover event (QA45-21).
  if (sentinel && scripts) {
    // One script often serves both lines (and every master): looked at once.
    const seen = new Set<string>();
    for (const s of scripts) {
      const path = absolute(s.value, dir.path);
      if (!seen.has(path)) planned.push({ role: 'sentinel-script', path, origin: s.source });
      seen.add(path);
    }
  }
  else if (sentinel && configPath !== null) absent.push({ role: 'sentinel-script', unknown: true, reason: `its script lines are unknown: ${includesReason}` });
  named('unixsocket', 'unixsocket');
  for (const [name, role] of TLS_ROLES) named(name, role);
  return { planned, absent };
}

function loggingOf(settings: Settings | undefined, reason: string | undefined, devLog: boolean | undefined): HostValue<HostLogging> {
  const config = settings?.config;
  const logfile = config?.get('logfile');
  if (!config || !logfile) return { known: false, reason: reason ?? 'logfile is unknown' };
  const yes = (name: string) => config.get(name)?.value.toLowerCase() === 'yes';
  const value = { logfile: logfile.value, syslog: yes('syslog-enabled'), daemonize: yes('daemonize'), ...(devLog === undefined ? {} : { devLog }), source: logfile.source };
  return { known: true, value, source: logfile.source };
}

/** Whether /dev/log exists as the process sees it (its own root: a container has its own /dev). */
async function devLogOf(pid: number): Promise<boolean | undefined> {
  try {
    await lstatOf(`/proc/${pid}/root/dev/log`);
    return true;
  } catch (error) {
    return errnoOf(error) === 'ENOENT' ? false : undefined;
  }
}

async function describeFiles(planned: readonly Planned[], facts: Facts, names: IdNames, lookups: PathLookups, mayRead: MayRead, otherFileOf: OtherFile, mayReach: MayReach = async () => undefined): Promise<HostFile[]> {
  const configRoles: ReadonlySet<HostFileRole> = new Set(['config', 'include', 'acl', 'sentinel-config']);
  return Promise.all(
    planned.map(async (p) => {
      // The data directory and the AOF directory are ones the server works in: it enters them.
      const other = (await otherFileOf(p.path)) ?? (await mayReach(p.path, p.role === 'dir' || p.role === 'aof-dir' ? 'enter' : 'reach'));
      const state: HostFileState = other === undefined ? await statPath(p.path, names, lookups) : { kind: 'unknown', reason: other };
      const file: HostFile = { role: p.role, path: p.path, origin: p.origin, state };
      if (!configRoles.has(p.role) || state.kind !== 'present') return file;
      const refused = await mayRead(p.path);
      if (refused !== undefined) return { ...file, secrets: { known: false, reason: refused } };
      return { ...file, secrets: await fileSecrets(facts, p.path) };
    }),
  );
}

/** Everything about one server process of this machine; `ok: false` only when the process is gone. */
export async function gatherHost(pid: number, facts: Facts, options: HostOptions = {}): Promise<{ ok: true; host: HostFacts } | { ok: false; reason: string }> {
  const discovery = options.hostDiscovery ?? createHostDiscovery();
  const proc = discovery.proc;
  const status = await readStatus(pid, proc);
  if (!status) return { ok: false, reason: `process ${pid} is gone or its /proc/${pid}/status cannot be read` };
  // The machine-wide reads (logrotate, the packet filter: a command) start now and run beside the rest.
  const logrotate = discovery.logrotate(options.logrotateDir);
  const firewall = discovery.firewall(options.firewallRuleset, options.signal);
  const exe = proc.link(pid, 'exe');
  // The package query (a command) starts as soon as the executable is known, and asks only of this machine's file.
  const pkg = exe.then(async (path): Promise<HostValue<PackageFacts | null>> => {
    const other = path.known ? await otherFile(path.value, pid, proc, `/proc/${pid}/exe`) : undefined;
    return other === undefined ? discovery.package(path, status.name, options.signal) : { known: false, reason: `its executable is not looked up: ${other}` };
  });
  // Awaited below; should a step in between throw, their failures are not unhandled rejections.
  for (const started of [logrotate, firewall, pkg]) started.catch(() => undefined);
  const [names, rawCmdline, cwd, stdout, open, sockets, systemd] = await Promise.all([
    discovery.idNames(),
    proc.cmdline(pid),
    proc.link(pid, 'cwd'),
    procLink(pid, 'fd/1'),
    openFiles(pid, proc),
    listenersOf(pid, proc),
    discovery.systemd(pid, options.signal),
  ]);
  const execStart = systemd.known && systemd.value ? systemd.value.execStart : undefined;
  const configFile = await processConfigFile(discovery, facts, pid, () => configFileOf(facts, rawCmdline, cwd, execStart, pid, proc, options.configPath));
  const sentinel = isSentinel(facts, { name: status.name, cmdline: rawCmdline });
  // What the server itself opens (its includes, its aclfile) is read only if it could read it (processCannotRead).
  const mayRead: MayRead = (path) => processCannotRead(path, pid, proc);
  // What it names is statted (listed) only where it could look itself (processCannotReach).
  const mayReach: MayReach = (path, how) => processCannotReach(path, pid, proc, how);
  const { settings, reason } = await settingsOf(facts, configFile, sentinel, options.signal, mayRead);
  // Most of a server's files share one directory (dir), itself one of them: each path is looked at once.
  const lookups = sharedLookups();
  const otherFileOf: OtherFile = (path) => otherFile(path, pid, proc);
  const { planned, absent } = await planFiles(facts, settings, reason, configFile, cwd, sentinel, lookups, mayRead, otherFileOf, sockets.unix, mayReach);
  const [files, logrotateFacts, firewallFacts, pkgFacts] = await Promise.all([describeFiles(planned, facts, names, lookups, mayRead, otherFileOf, mayReach), logrotate, firewall, pkg]);
  const source = hostSource(`pid ${pid} (${status.name})`);
  // Secrets never leave the gatherer: the arguments are masked as this server's version reads them.
  const version = configVersion(facts.server);
  const unit = systemd.known && systemd.value?.execStart ? { ...systemd, value: { ...systemd.value, execStart: redactCmdline(systemd.value.execStart, version) } } : systemd;
  const exePath = await exe;
  // Read once, here, from the arguments as given: the enricher and the rules take the options from the facts.
  const read = hostCommandLine({ cmdline: rawCmdline, pid, exe: exePath }, systemd, version);
  // A unit's ExecStart is read by every user whatever /proc shows.
  const hiddenBy = read.known && !read.fromUnit ? await discovery.procHidepid() : undefined;
  const commandLine = hiddenBy === undefined ? read : { ...read, hiddenBy };
  const process: HostProcess = {
    pid,
    name: status.name,
    uid: status.uid,
    gid: status.gid,
    user: names.users.get(status.uid.effective),
    group: names.groups.get(status.gid.effective),
    cmdline: redactCmdline(rawCmdline, version),
    exe: exePath,
    cwd,
    configFile,
    listeners: sockets.tcp,
    unixSockets: sockets.unix,
    stdout,
    openFiles: open,
    source: hostSource(`/proc/${pid}/status`),
  };
  return {
    ok: true,
    host: { process, commandLine, files, absent, logging: loggingOf(settings, reason, await devLogOf(pid)), logrotate: logrotateFacts, firewall: firewallFacts, systemd: unit, package: pkgFacts, source },
  };
}

/** INFO `process_id`: only a hint for the port owner's search (proc.ts findPortOwner), which checks it against /proc. */
function reportedPid(facts: Facts): number | undefined {
  const text = facts.info ? infoField(facts.info, 'process_id') : undefined;
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * The process that really listens on `host:port` of this machine: `pid` when the caller knows it (`--local`), else the
 * port's owner in /proc ({@link reportedPid} only as a hint).
 */
function listeningProcess(run: HostDiscovery, host: string, port: number, facts: Facts, pid: number | undefined): Promise<{ found: true; pid: number } | { found: false; reason: string }> {
  return pid === undefined ? run.proc.portOwner(host, port, reportedPid(facts)) : Promise.resolve({ found: true, pid });
}

function withoutHost(facts: Facts, reason: string): Facts {
  return { ...facts, unavailable: { ...facts.unavailable, host: reason } };
}

/**
 * Adds host facts when the target is this machine (loopback or one of its addresses): the process listening
 * on the target's port, its files, logrotate, the packet filter, its systemd unit and package. Never throws.
 */
export const hostEnricher: Enricher = async (facts, target, options) => {
  try {
    if (options.noHost) return withoutHost(facts, 'host facts were turned off (--no-host)');
    if (process.platform !== 'linux') return withoutHost(facts, `host facts are read from /proc, which ${process.platform} does not have`);
    let pid = options.hostPid;
    if (pid === undefined) {
      if (!target) return withoutHost(facts, 'no server process to inspect');
      if (!isLocalHost(target.host)) {
        return withoutHost(facts, `${target.host} is not an address of this machine: run redfort on the server's host for host facts`);
      }
      const owner = await (options.hostDiscovery ?? createHostDiscovery()).proc.portOwner(target.host, target.port, reportedPid(facts));
      if (!owner.found) return withoutHost(facts, owner.reason);
      pid = owner.pid;
    }
    const gathered = await gatherHost(pid, facts, options);
    if (!gathered.ok) return withoutHost(facts, gathered.reason);
    const unavailable = { ...facts.unavailable };
    delete unavailable.host;
    return { ...facts, host: gathered.host, sources: new Set([...facts.sources, 'host']), unavailable };
  } catch (error) {
    return withoutHost(facts, `host facts could not be gathered: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/** Every fact but the host's own (and the keyspace sample, which is only ever asked for). */
const NOT_HOST_KEYS: readonly FactKey[] = FACT_KEYS.filter((k) => k !== 'host' && k !== 'sample');

/**
 * Facts about a server that refused the audit connection (or that has no TCP port): the host alone. Every
 * other source is unavailable with `why`.
 */
export async function hostOnlyFacts(target: string, pid: number, why: string, options: HostOptions = {}): Promise<Facts> {
  const unavailable: Partial<Record<FactKey, string>> = {};
  for (const key of NOT_HOST_KEYS) unavailable[key] = why;
  const empty: Facts = { target, sources: new Set(), unavailable };
  const gathered = await gatherHost(pid, empty, options).catch((error: unknown) => ({ ok: false as const, reason: error instanceof Error ? error.message : String(error) }));
  if (!gathered.ok) return { ...empty, unavailable: { ...unavailable, host: gathered.reason } };
  return { ...empty, host: gathered.host, sources: new Set(['host']) };
}

/**
 * The config file of the process that really listens on `host:port` of this machine, found through /proc (its
 * command line and directory, else its systemd unit), never from what the server reports in INFO.
 */
export async function listeningConfigFile(host: string, port: number, facts: Facts, pid?: number, discovery?: HostDiscovery): Promise<HostValue<string | null>> {
  if (process.platform !== 'linux') return { known: false, reason: `the listening process is found through /proc, which ${process.platform} does not have` };
  // The run's discovery (a fresh one without): /proc tables walked once, and what the host stage reads of the same
  // process again (its command line, directory, systemd unit) read once.
  const run = discovery ?? createHostDiscovery();
  const found = await listeningProcess(run, host, port, facts, pid);
  if (!found.found) return { known: false, reason: found.reason };
  const owner = found.pid;
  return processConfigFile(run, facts, owner, async () => {
    const cmdline = await run.proc.cmdline(owner);
    const cwd = await run.proc.link(owner, 'cwd');
    const systemd = configFromCmdline(cmdline) === undefined ? await run.systemd(owner) : undefined;
    const execStart = systemd?.known && systemd.value ? systemd.value.execStart : undefined;
    return configFileOf(facts, cmdline, cwd, execStart, owner, run.proc);
  });
}

/**
 * The executable of the process that really listens on `host:port` of this machine, by the name it runs as: what a
 * systemd drop-in's ExecStart= must start. /proc/PID/exe resolves links, and Debian's /usr/bin/redis-server and
 * redis-sentinel are links to redis-check-rdb, which picks its mode by the name it is started as (started as itself it
 * checks an RDB file): the path named like the process (its status Name) beside the executable is taken when it leads
 * to it; else the executable itself, when it is named as a server. Unknown otherwise (never a guess).
 */
export async function listeningExecutable(host: string, port: number, facts: Facts, discovery?: HostDiscovery): Promise<HostValue<string>> {
  if (process.platform !== 'linux') return { known: false, reason: `the listening process is found through /proc, which ${process.platform} does not have` };
  const run = discovery ?? createHostDiscovery();
  const found = await listeningProcess(run, host, port, facts, undefined);
  if (!found.found) return { known: false, reason: found.reason };
  const pid = found.pid;
  const [status, exe] = await Promise.all([readStatus(pid, run.proc), run.proc.link(pid, 'exe')]);
  if (!exe.known) return exe;
  const other = await otherFile(deletedTarget(exe.value).path, pid, run.proc, `/proc/${pid}/exe`);
  if (other !== undefined) return { known: false, reason: `its executable is not this machine's: ${other}` };
  if (!status) return { known: false, reason: `process ${pid} is gone or its /proc/${pid}/status cannot be read` };
  const { path, deleted } = deletedTarget(exe.value);
  const named = join(dirname(path), status.name);
  if (named !== path && SERVER_NAMES.has(status.name)) {
    // An upgrade that replaced the file (`… (deleted)`): the path now leads to the new one, which the restart runs.
    const real = await realpath(named).catch(() => undefined);
    if (real === path || (deleted && real !== undefined)) return { known: true, value: named, source: hostSource(`/proc/${pid}/exe (${path}), started as ${status.name}`) };
  }
  if (SERVER_NAMES.has(basename(path))) return { known: true, value: path, source: hostSource(`/proc/${pid}/exe`) };
  return { known: false, reason: `process ${pid} runs ${path} as '${status.name}', and no ${status.name} beside it leads there` };
}

/**
 * The directory the process that really listens on `host:port` of this machine is in now (/proc/PID/cwd), where it
 * opened its relative includes unless a `dir` line moved it. Undefined when that process or its directory is unknown.
 */
export async function listeningCwd(host: string, port: number, facts: Facts, pid?: number, discovery?: HostDiscovery): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  const run = discovery ?? createHostDiscovery();
  const found = await listeningProcess(run, host, port, facts, pid);
  if (!found.found) return undefined;
  const cwd = await run.proc.link(found.pid, 'cwd');
  if (cwd.known && (await otherFile(cwd.value, found.pid, run.proc, `/proc/${found.pid}/cwd`)) !== undefined) return undefined;
  return cwd.known ? cwd.value : undefined;
}

/**
 * The options the process that really listens on `host:port` of this machine was started with, as the host stage
 * reads them ({@link gatherHost}: its command line, else its systemd unit), for an audit without host facts that
 * read that process's config file all the same (`--no-host`, the exporter's `host: false`): what overrides the file.
 * Undefined when the process is not found (then its config file was not read either).
 */
export async function listeningCommandLine(host: string, port: number, facts: Facts, options: Pick<EnrichOptions, 'hostPid' | 'hostDiscovery' | 'signal'>): Promise<{ pid: number; commandLine: HostFacts['commandLine'] } | undefined> {
  if (process.platform !== 'linux') return undefined;
  const run = options.hostDiscovery ?? createHostDiscovery();
  const found = await listeningProcess(run, host, port, facts, options.hostPid);
  if (!found.found) return undefined;
  const pid = found.pid;
  const [cmdline, exe] = await Promise.all([run.proc.cmdline(pid), run.proc.link(pid, 'exe')]);
  // The unit is asked only for a command line the server replaced with its title (set-proc-title), as the host stage takes it.
  const systemd = cmdline.length > 0 && !titleRewritten(cmdline) ? { known: false as const, reason: 'not needed: the command line is read' } : await run.systemd(pid, options.signal);
  return { pid, commandLine: hostCommandLine({ cmdline, pid, exe }, systemd, configVersion(facts.server)) };
}

/**
 * Whether a file a local server names in its settings (`tls-cert-file`) may be read here: only when the process that
 * really listens on `host:port` is a Redis or Valkey server of this machine and its own user can read the file as a
 * regular file, as for INFO's `config_file`. A server (or a proxy on its port, run by anyone) cannot make root
 * redfort read, describe or test for a file it could not read itself. Otherwise why not.
 */
export async function serverMayRead(host: string, port: number, path: string, facts: Facts, pid?: number, discovery?: HostDiscovery): Promise<true | string> {
  if (process.platform !== 'linux') return `the listening process is found through /proc, which ${process.platform} does not have`;
  const run = discovery ?? createHostDiscovery();
  const found = await listeningProcess(run, host, port, facts, pid);
  if (!found.found) return found.reason;
  const refused = await processCannotRead(path, found.pid, run.proc);
  if (refused !== undefined) return refused.startsWith(`${path} `) ? `it${refused.slice(path.length)}` : refused;
  return true;
}

/**
 * {@link configFileOf} once per run for a process: besides what /proc says of it (read once per run), the answer
 * depends only on what the server reported (INFO `config_file`, and whether INFO was read at all).
 */
function processConfigFile(discovery: HostDiscovery, facts: Facts, pid: number, find: () => Promise<HostValue<string | null>>): Promise<HostValue<string | null>> {
  return discovery.configFile(`${pid}\0${facts.info ? 'info' : 'no info'}\0${facts.server?.configFile ?? ''}`, find);
}

/**
 * Why `path` as process `pid` sees it is not the file this machine has at `path`: the process runs in another mount
 * namespace (a container: its paths name files of its own root) and its `theirs` (by default `/proc/PID/root` +
 * `path`) is not the same file (device and inode) as `path` here, or exists on one side only. Undefined when it is the
 * same file, when both lack it, and for a process of this mount namespace. A systemd service's sandbox
 * (ProtectSystem=, PrivateTmp=) is a mount namespace of its own that sees the machine's files, /tmp aside: each path
 * is compared, not the namespace alone. Only the path here is ever read, and only when it is the very file.
 */
async function otherFile(path: string, pid: number, tables: ProcTables, theirs = `/proc/${pid}/root${resolve('/', path)}`): Promise<string | undefined> {
  if ((await tables.mountNamespace(pid)) !== 'other') return undefined;
  const [seen, here] = await Promise.all([statOf(theirs).catch(() => undefined), statOf(path).catch(() => undefined)]);
  if (seen === undefined && here === undefined) return undefined;
  if (seen && here && seen.dev === here.dev && seen.ino === here.ino) return undefined;
  const what = seen === undefined ? `has no ${path}` : here === undefined ? `has a ${path} that this machine has not` : `sees another file at ${path} than this machine`;
  return `process ${pid} runs in another mount namespace (a container) and ${what}`;
}

/** Whether the class of `ids` in `info`'s mode grants `bit` (4 read, 1 search), as the kernel picks one class. */
function permits(info: { uid: number; gid: number; mode: number }, uid: number, gids: ReadonlySet<number | undefined>, bit: 4 | 1): boolean {
  if (info.uid === uid) return (info.mode & (bit << 6)) !== 0;
  if (gids.has(info.gid)) return (info.mode & (bit << 3)) !== 0;
  return (info.mode & bit) !== 0;
}

/** The directories a path is reached through: `/a/b/c` → `/`, `/a`, `/a/b`. */
function parents(path: string): string[] {
  const out: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    out.push(dir);
    if (dir === dirname(dir)) return out;
  }
}

/**
 * Why process `pid` could not open `path` for reading, as the kernel decides it from the process's effective ids
 * (/proc/PID/status Uid, Gid, Groups): a regular file whose mode grants its user or group (or others) read, reached
 * through directories that grant it search, both the path's own and those of the file it resolves to (symlinks).
 * Undefined when it could; a process of uid 0 always can. redfort runs as root: it reads for a server only what that
 * server could read itself, never what an unprivileged process names on its command line (/root/secret.conf).
 */
export async function processCannotRead(path: string, pid: number, tables: ProcTables): Promise<string | undefined> {
  const other = await otherFile(path, pid, tables);
  if (other !== undefined) return `${path} is not read: ${other}`;
  const status = (await tables.statusText(pid)) ?? '';
  const ids = (line: RegExp): number[] => (line.exec(status)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  const uid = ids(STATUS_LINE.uid)[1];
  if (uid === undefined) return `${path} is not read: the user of process ${pid} is unknown`;
  const denied = `${path} is not readable by process ${pid} (uid ${uid}): not read`;
  const info = await statOf(path).catch(() => undefined);
  // Missing, a directory, a FIFO: the reader refuses it with its own reason (it reads regular files only).
  if (!info?.isFile()) return undefined;
  if (uid === 0) return undefined;
  const gids = new Set([ids(STATUS_LINE.gid)[1], ...ids(STATUS_LINE.groups)]);
  if (!permits(info, uid, gids, 4)) return denied;
  const real = await realpath(path).catch(() => undefined);
  if (real === undefined) return denied;
  for (const dir of new Set([...parents(resolve(path)), ...parents(real)])) {
    const d = await statOf(dir).catch(() => undefined);
    if (!d || !permits(d, uid, gids, 1)) return denied;
  }
  return undefined;
}

/**
 * Why process `pid` could not look at `path` itself, or undefined when it could: every directory the path is reached
 * through (its own, and those of the file it resolves to) grants the process's user search; to `enter` it, the path
 * (a directory) grants search too; to `list` it, read and search. The host stage stats and lists a server's files with
 * redfort's rights (root): the paths are the server's word (CONFIG GET dir, logfile, appenddirname…), and an
 * unprivileged server naming /root/.ssh-x as its AOF directory had its names and modes listed in the report
 * (QA41-58). A real server's files are ones it reaches (it opens or creates them, works in its dir); a process of uid
 * 0 reaches all. The reason never says whether the path exists.
 */
export async function processCannotReach(path: string, pid: number, tables: ProcTables, how: Reach = 'reach'): Promise<string | undefined> {
  const other = await otherFile(path, pid, tables);
  if (other !== undefined) return other;
  const status = (await tables.statusText(pid)) ?? '';
  const ids = (line: RegExp): number[] => (line.exec(status)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  const uid = ids(STATUS_LINE.uid)[1];
  if (uid === undefined) return `the user of process ${pid} is unknown: not looked at`;
  if (uid === 0) return undefined;
  const gids = new Set([ids(STATUS_LINE.gid)[1], ...ids(STATUS_LINE.groups)]);
  const why = { reach: 'a directory on its way does not let that user search it', enter: 'it, or a directory on its way, does not let that user search it', list: 'it does not let that user read and search it, or a directory on its way does not let it search' }[how];
  const denied = `process ${pid} (uid ${uid}) cannot ${how} it (${why}): not looked at`;
  const real = await realpath(path).catch(() => undefined);
  for (const dir of new Set([...parents(resolve(path)), ...(real === undefined ? [] : parents(real))])) {
    const d = await statOf(dir).catch(() => undefined);
    // A directory on the way that is missing: the path is missing too, and says nothing of what the server reaches.
    if (d !== undefined && !permits(d, uid, gids, 1)) return denied;
  }
  if (how !== 'reach') {
    const d = await statOf(path).catch(() => undefined);
    if (d !== undefined && (!permits(d, uid, gids, 1) || (how === 'list' && !permits(d, uid, gids, 4)))) return denied;
  }
  return undefined;
}

/** What a server must be able to do with a path of its own: reach it (stat it), enter it (a directory it works in), list it. */
export type Reach = 'reach' | 'enter' | 'list';

/** Whether process `pid` could open `path` for reading ({@link processCannotRead}). */
async function readableByProcess(path: string, pid: number, tables: ProcTables): Promise<boolean> {
  return (await processCannotRead(path, pid, tables)) === undefined;
}
