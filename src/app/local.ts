import type { AuditOptions } from './audit.ts';
import { auditTarget, judgeFacts, NO_CREDENTIALS } from './audit.ts';
import type { TargetResult } from '../engine/run.ts';
import { findServerProcesses, hostOnlyFacts } from '../gather/host/index.ts';
import type { ServerProcess } from '../gather/host/index.ts';
import { resolveTarget } from '../redis/target.ts';
import type { TargetFlags } from '../redis/target.ts';
import { addressOf, isLoopbackAddress } from '../net/address.ts';
import { createHostDiscovery } from '../gather/host/index.ts';
import { readIdNames } from '../gather/host/files.ts';
import { TLS_PORT_HINT } from '../gather/live/gather-live.ts';

/** One local server process and how it was audited. */
export interface LocalResult {
  readonly pid: number;
  readonly name: string;
  readonly result: TargetResult;
  /**
   * Set when the server could not be audited over the network (it needs credentials that were not given, or
   * has no TCP port): the result then judges the host alone, and every other rule is `error` with this reason.
   */
  readonly hostOnly?: string;
}

export interface LocalOptions extends AuditOptions {
  /** The processes to audit; default every redis-server, redis-sentinel, valkey-server and valkey-sentinel. */
  readonly processes?: readonly ServerProcess[];
  /** The uid redfort runs as: its own servers get the credentials too (beside root's and the redis and valkey users'). */
  readonly runnerUid?: number | undefined;
}

/** Where a client on this machine reaches each port of the process: loopback when it listens there. */
function candidates(proc: ServerProcess): { host: string; port: number }[] {
  if (!proc.listeners.known) return proc.titleAddress ? [proc.titleAddress] : [];
  const ports = [...new Set(proc.listeners.value.map((l) => l.port))].sort((a, b) => a - b);
  // port + 10000 is the cluster bus: it speaks no RESP.
  return ports
    .filter((port) => !ports.includes(port - 10000))
    .map((port) => {
      const on = proc.listeners.known ? proc.listeners.value.filter((l) => l.port === port) : [];
      const loop = on.find((l) => isLoopbackAddress(l.address));
      const wild = on.find((l) => l.address === '0.0.0.0' || l.address === '::');
      const host = loop?.address ?? (wild ? (wild.address === '::' ? '::1' : '127.0.0.1') : on[0]!.address);
      return { host, port };
    });
}

/**
 * The flags for a plain-text port or a unix socket: without --tls, the TLS flags (`--cacert`, `--cert`…) are for the
 * TLS ports found among the servers (QA45-53). With --tls every TCP port is tried over TLS, as before.
 */
function plainFlags(flags: TargetFlags): TargetFlags {
  if (flags.tls === true) return flags;
  const { cacert: _ca, cacertdir: _dir, cert: _cert, key: _key, sni: _sni, insecure: _insecure, ...plain } = flags;
  return plain;
}

/** The host rules judged, every other rule an `error` with the reason the server itself could not be audited. */
async function hostOnly(display: string, proc: ServerProcess, why: string, options: LocalOptions): Promise<LocalResult> {
  const reason = `${why}; only the host was judged`;
  const facts = await hostOnlyFacts(display, proc.pid, reason, options);
  const judged = judgeFacts(facts, options);
  const results = judged.results.map((r) => (r.status === 'skip' && r.message === reason ? { ...r, status: 'error' as const, message: `${display}: ${reason}` } : r));
  return { pid: proc.pid, name: proc.name, result: { ...judged, results, hostOnly: reason }, hostOnly: reason };
}

/** The accounts Debian's, RHEL's and the upstream packages run the servers as. */
const SERVICE_USERS = new Set(['redis', 'valkey']);

/**
 * Why the credentials are not sent to this process, or undefined when they may be: it runs as root, as a service
 * account of the packages or as redfort's own user. Any user can start a program named redis-server on a port of
 * its own: root running `--local` with REDISCLI_AUTH sent the password to it.
 */
function untrusted(proc: ServerProcess, users: ReadonlyMap<number, string>, runner: number | undefined, url: string | undefined): string | undefined {
  if (proc.uid === 0 || (proc.uid !== undefined && (proc.uid === runner || SERVICE_USERS.has(users.get(proc.uid) ?? '')))) return undefined;
  const name = proc.uid === undefined ? undefined : users.get(proc.uid);
  // A container's server runs as its image's user, which this host may not name: the official image's redis is
  // uid 999, Bitnami's 1001. The uid alone proves nothing of who started it, so the credentials stay withheld.
  const image = proc.uid === 999 || proc.uid === 1001 ? `, as a container's server of the official image (999) or Bitnami's (1001) would` : '';
  const who = proc.uid === undefined ? 'an unknown user' : name ? `${name} (uid ${proc.uid})` : `uid ${proc.uid}, which no user of this host has${image}`;
  const how = url ? `audit it by its URL: redfort audit ${url}, with the same credentials` : 'audit it by its URL';
  return `the credentials were not sent to pid ${proc.pid}: it runs as ${who}, not as root, ${[...SERVICE_USERS].join(' or ')}${runner !== undefined && runner !== 0 ? ' or you' : ''}, and any user may start a program of that name to catch them (to send them, ${how})`;
}

async function auditProcess(proc: ServerProcess, flags: TargetFlags, options: LocalOptions, env: Record<string, string | undefined>, users: ReadonlyMap<number, string>): Promise<LocalResult> {
  const tried: string[] = [];
  const ports = candidates(proc);
  const first = ports[0];
  const firstUrl = first ? `redis://${addressOf(first.host, first.port)}` : undefined;
  const withheld = untrusted(proc, users, options.runnerUid, firstUrl);
  // `these`: the run's flags for this port (see plainFlags), less the credentials when they are withheld.
  const auditOn = async (these: TargetFlags) => {
    const { pass: _p, user: _u, ...theseAnonymous } = these;
    const target = withheld ? resolveTarget(undefined, theseAnonymous, {}) : resolveTarget(undefined, these, env);
    const audited = await auditTarget(target, { ...options, hostPid: proc.pid });
    // Withheld, not missing: the audit's own 'no credentials were given' would contradict the reason.
    return withheld ? { ...audited, warnings: [...(audited.warnings ?? []).filter((w) => !w.startsWith(NO_CREDENTIALS)), withheld] } : audited;
  };
  for (const { host, port } of ports) {
    let result = await auditOn({ ...plainFlags(flags), host, port });
    // A tls-port hangs up on plain text: --local tries it over TLS (with the run's TLS flags, given without --tls
    // for its TLS ports alone), as the user cannot name one server's port as rediss:// here (QA45-53).
    if (result.error?.endsWith(TLS_PORT_HINT) && flags.tls !== true) {
      const overTls = await auditOn({ ...flags, tls: true, host, port });
      result = overTls.error === undefined ? overTls : { ...result, error: `${result.error.slice(0, -TLS_PORT_HINT.length).trimEnd()} in plain text; over TLS: ${overTls.error}` };
    }
    if (result.error === undefined) return { pid: proc.pid, name: proc.name, result: { ...result, target: `${result.target} (pid ${proc.pid})` } };
    tried.push(ports.length > 1 ? `port ${port}: ${result.error}` : result.error);
  }
  if (firstUrl !== undefined) {
    return hostOnly(`${firstUrl} (pid ${proc.pid})`, proc, [...tried, ...(withheld ? [withheld] : [])].join('; '), options);
  }
  // A server on a unix socket alone (GitLab Omnibus: port 0, unixsocket): audited through the socket its process is
  // seen listening on in /proc (never a path the server's own answers name), with the same credentials (QA44-7).
  const sockets = proc.unixSockets.known ? proc.unixSockets.value : [];
  if (sockets.length > 0 && firstUrl === undefined) {
    const socket = sockets[0]!;
    const result = await auditOn({ ...plainFlags({ ...flags, tls: false }), socket });
    if (result.error === undefined) return { pid: proc.pid, name: proc.name, result: { ...result, target: `${result.target} (pid ${proc.pid})` } };
    return hostOnly(`${result.target} (pid ${proc.pid})`, proc, result.error, options);
  }
  const why = proc.listeners.known ? `${proc.name} has no listening socket` : `its listening sockets are unknown (${proc.listeners.reason})`;
  return hostOnly(`${proc.name} (pid ${proc.pid})`, proc, why, options);
}

/**
 * `redfort audit --local`: every Redis and Valkey server process of this machine, found through /proc, audited
 * on its TCP port with the given credentials and with its host facts. A process that refuses the credentials (or
 * has only a unix socket) still gets its host judged: see {@link LocalResult.hostOnly}. `env` is where
 * `REDISCLI_AUTH` is looked up (the CLI passes its own environment; none by default).
 */
export async function auditLocal(flags: TargetFlags, options: LocalOptions = {}, env: Record<string, string | undefined> = {}): Promise<LocalResult[]> {
  const hostDiscovery = options.hostDiscovery ?? createHostDiscovery();
  const run = { ...options, hostDiscovery };
  const [processes, { users }] = await Promise.all([options.processes ?? findServerProcesses(hostDiscovery.proc), readIdNames()]);
  return Promise.all(processes.map((proc) => auditProcess(proc, flags, run, env, users)));
}
