import type { FirewallFacts, HostValue, LogrotateFacts, PackageFacts, SystemdFacts } from '../../facts/types.ts';
import { readIdNames } from './files.ts';
import type { IdNames } from './files.ts';
import { readFirewall } from './firewall.ts';
import type { FirewallOverride } from './firewall.ts';
import { readLogrotate } from './logrotate.ts';
import { readPackage } from './package.ts';
import { procTables } from './proc.ts';
import type { SharedTcpTables } from './proc.ts';
import { readSystemd } from './systemd.ts';
import { isLocalHost } from '../../net/address.ts';
import { abandonableMemo, memo } from '../../util/memo.ts';
import type { ProcTables } from './proc.ts';
import { procHidesProcesses } from './proc-mount.ts';

/**
 * What the host of a run is, read once and shared by every local target of the run: one walk of /proc, one read
 * of the packet filter, of logrotate and of the user table, one package query per executable, one systemctl
 * call per unit. A run makes one (`audit()` does); a long-running process makes one per run, never one for
 * its lifetime, so that nothing it reports is stale.
 */
export interface HostDiscovery {
  readonly proc: ProcTables;
  idNames(): Promise<IdNames>;
  /**
   * The reads that run a program (the packet filter, the package, systemctl) take the asking target's signal: a
   * program is killed when every target waiting for it has given up (its deadline), and started anew for the next.
   */
  firewall(override?: FirewallOverride, signal?: AbortSignal): Promise<HostValue<FirewallFacts>>;
  logrotate(dir?: string): Promise<HostValue<LogrotateFacts>>;
  package(exe: HostValue<string>, processName: string, signal?: AbortSignal): Promise<HostValue<PackageFacts | null>>;
  systemdUnit(unit: string, read: (signal?: AbortSignal) => Promise<HostValue<SystemdFacts | null>>, signal?: AbortSignal): Promise<HostValue<SystemdFacts | null>>;
  /** The systemd service of process `pid` (its cgroup, then the unit's answer, shared per unit), once per process. */
  systemd(pid: number, signal?: AbortSignal): Promise<HostValue<SystemdFacts | null>>;
  /**
   * The config file of a process, found by `find` once per `key` (the process and what decides the answer besides
   * /proc): the config-file and host stages of a local target both ask.
   */
  /** How this machine's /proc hides processes from other users (proc-mount.ts), read once. */
  procHidepid(): Promise<string | undefined>;
  configFile(key: string, find: () => Promise<HostValue<string | null>>): Promise<HostValue<string | null>>;
  /** Kills the programs still running for the run's reads (the run is over: nobody waits for them any more). */
  close(): void;
}

/**
 * A fresh discovery for one run; see {@link HostDiscovery}. `shared` gives its /proc tables this process's socket
 * table from elsewhere (src/gather/host/proc.ts procTables): the exporter's scrapes share a recent one.
 */
export function createHostDiscovery(shared?: SharedTcpTables): HostDiscovery {
  const cached = memo<string, Promise<unknown>>();
  const once = <T>(key: string, make: () => Promise<T>): Promise<T> => cached(key, make) as Promise<T>;
  const programs = abandonableMemo<string, unknown>();
  const program = <T>(key: string, make: (signal: AbortSignal) => Promise<T>, signal: AbortSignal | undefined): Promise<T> => programs(key, make, signal) as Promise<T>;
  // An override (tests, a saved ruleset) is its own object: keyed by identity, not by text.
  const overrides = new WeakMap<FirewallOverride, Promise<HostValue<FirewallFacts>>>();
  const discovery: HostDiscovery = {
    proc: procTables(shared),
    idNames: () => once('idNames', readIdNames),
    firewall: (override, signal) => {
      if (!override) return program('firewall', (s) => readFirewall(undefined, s), signal);
      let value = overrides.get(override);
      if (!value) overrides.set(override, (value = readFirewall(override)));
      return value;
    },
    logrotate: (dir) => once(`logrotate ${dir ?? ''}`, () => readLogrotate({ logrotateDir: dir })),
    package: (exe, processName, signal) => (exe.known ? program(`package ${exe.value}\0${processName}`, (s) => readPackage(exe, processName, s), signal) : readPackage(exe, processName)),
    systemdUnit: (unit, read, signal) => program(`systemd ${unit}`, (s) => read(s), signal),
    systemd: (pid, signal) => program(`systemd pid ${pid}`, (s) => readSystemd(pid, (unit, read) => discovery.systemdUnit(unit, read, s)), signal),
    procHidepid: () => once('procHidepid', procHidesProcesses),
    configFile: (key, find) => once(`config file ${key}`, find),
    close: () => programs.abandon(),
  };
  return discovery;
}

/**
 * Starts, beside the live connection, what the later stages of a local target read of this machine whatever the
 * server says: the socket table (the config-file and host stages look the port's process up in it, unless the
 * config file is given and host facts are off) and, with host facts, the user table, logrotate and the packet
 * filter (a command). The run's discovery keeps the results, so the stages find them done: nothing is read twice,
 * nothing is kept past the run.
 */
export function prefetchHost(
  discovery: HostDiscovery,
  host: string,
  options: {
    readonly noHost?: boolean;
    readonly hostPid?: number;
    readonly configPath?: string;
    readonly sentinelConfigPath?: string;
    readonly logrotateDir?: string;
    readonly firewallRuleset?: FirewallOverride;
    readonly signal?: AbortSignal | undefined;
  },
): void {
  if (process.platform !== 'linux' || !isLocalHost(host)) return;
  const started: Promise<unknown>[] = [];
  // The port's owner is looked up in the recent table first (the run's own table without one); the host stage lists
  // the process's listeners from the run's own.
  const fileGiven = options.configPath !== undefined || options.sentinelConfigPath !== undefined;
  if (options.hostPid === undefined && (!options.noHost || !fileGiven)) started.push(discovery.proc.recentTcpSockets());
  if (!options.noHost) started.push(discovery.proc.tcpSockets(), discovery.idNames(), discovery.logrotate(options.logrotateDir), discovery.firewall(options.firewallRuleset, options.signal));
  // Awaited, and their failures reported, by the stages that use them.
  for (const promise of started) promise.catch(() => undefined);
}
