import type { HostValue } from '../facts/types.ts';
import type { HostDiscovery } from '../gather/host/discovery.ts';
import { createHostDiscovery } from '../gather/host/discovery.ts';
import { memo } from '../util/memo.ts';
import { procTables } from '../gather/host/proc.ts';
import type { TcpSocket } from '../gather/host/proc.ts';

/**
 * What an audit worker thread asks its run's host discovery, which lives in the main thread: the machine-wide
 * reads (the socket table, the user table, logrotate, the packet filter, a package per executable), so that a
 * run looks at this machine once however many threads audit its targets. What is one process's own (its
 * /proc entries, its systemd unit) a worker reads itself: each target is audited by one thread.
 */
export type HostAsk =
  | { readonly what: 'tcp' }
  | { readonly what: 'idNames' }
  | { readonly what: 'firewall' }
  | { readonly what: 'logrotate'; readonly dir: string | undefined }
  | { readonly what: 'package'; readonly exe: HostValue<string>; readonly processName: string };

/** The main thread's answer to a worker's {@link HostAsk}, from the run's discovery (each read once per run). */
export function answerHostAsk(discovery: HostDiscovery, ask: HostAsk): Promise<unknown> {
  switch (ask.what) {
    case 'tcp':
      return discovery.proc.tcpSockets();
    case 'idNames':
      return discovery.idNames();
    case 'firewall':
      return discovery.firewall();
    case 'logrotate':
      return discovery.logrotate(ask.dir);
    case 'package':
      return discovery.package(ask.exe, ask.processName);
  }
}

/**
 * A worker thread's host discovery: the machine-wide reads are asked of the main thread, once per worker each
 * (the answer is kept); what is one process's own (its systemd unit, its config file) is read here, and so is a
 * packet-filter text given in the options.
 */
export function sharedHostDiscovery(ask: (question: HostAsk) => Promise<unknown>): HostDiscovery {
  const own = createHostDiscovery();
  const answers = memo<string, Promise<unknown>>();
  const once = <T>(key: string, question: HostAsk): Promise<T> => answers(key, () => ask(question)) as Promise<T>;
  return {
    proc: procTables({ tcpSockets: () => once<readonly TcpSocket[]>('tcp', { what: 'tcp' }) }),
    idNames: () => once('idNames', { what: 'idNames' }),
    // The main thread's programs serve every thread: they end with the run (the pool closes its discovery).
    firewall: (override, signal) => (override ? own.firewall(override, signal) : once('firewall', { what: 'firewall' })),
    logrotate: (dir) => once(`logrotate ${dir ?? ''}`, { what: 'logrotate', dir }),
    package: (exe, processName, signal) => (exe.known ? once(`package ${exe.value}\0${processName}`, { what: 'package', exe, processName }) : own.package(exe, processName, signal)),
    systemdUnit: own.systemdUnit,
    systemd: own.systemd,
    procHidepid: own.procHidepid,
    configFile: own.configFile,
    close: own.close,
  };
}
