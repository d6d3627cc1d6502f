import type { FirewallFacts, HostValue, LogrotateFacts, PackageFacts, SystemdFacts } from '../../facts/types.ts';
import { readIdNames } from './files.ts';
import type { IdNames } from './files.ts';
import { readFirewall } from './firewall.ts';
import type { FirewallOverride } from './firewall.ts';
import { readLogrotate } from './logrotate.ts';
import { readPackage } from './package.ts';
import { procTables } from './proc.ts';
import type { ProcTables } from './proc.ts';

/**
 * What the host of a run is, read once and shared by every local target of the run: one walk of /proc, one read
 * of the packet filter, of logrotate and of the user table, one package query per executable, one systemctl
 * call per unit. A run makes one (`audit()` does); a long-running process makes one per run, never one for
 * its lifetime, so that nothing it reports is stale.
 */
export interface HostDiscovery {
  readonly proc: ProcTables;
  idNames(): Promise<IdNames>;
  firewall(override?: FirewallOverride): Promise<HostValue<FirewallFacts>>;
  logrotate(dir?: string): Promise<HostValue<LogrotateFacts>>;
  package(exe: HostValue<string>, processName: string): Promise<HostValue<PackageFacts | null>>;
  systemdUnit(unit: string, read: () => Promise<HostValue<SystemdFacts | null>>): Promise<HostValue<SystemdFacts | null>>;
}

/** A fresh discovery for one run; see {@link HostDiscovery}. */
export function createHostDiscovery(): HostDiscovery {
  const cache = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, make: () => Promise<T>): Promise<T> => {
    let value = cache.get(key) as Promise<T> | undefined;
    if (!value) cache.set(key, (value = make()));
    return value;
  };
  // An override (tests, a saved ruleset) is its own object: keyed by identity, not by text.
  const overrides = new WeakMap<FirewallOverride, Promise<HostValue<FirewallFacts>>>();
  return {
    proc: procTables(),
    idNames: () => once('idNames', readIdNames),
    firewall: (override) => {
      if (!override) return once('firewall', () => readFirewall());
      let value = overrides.get(override);
      if (!value) overrides.set(override, (value = readFirewall(override)));
      return value;
    },
    logrotate: (dir) => once(`logrotate ${dir ?? ''}`, () => readLogrotate({ logrotateDir: dir })),
    package: (exe, processName) => (exe.known ? once(`package ${exe.value}\0${processName}`, () => readPackage(exe, processName)) : readPackage(exe, processName)),
    systemdUnit: (unit, read) => once(`systemd ${unit}`, read),
  };
}
