// Which executable the systemd drop-in's ExecStart= starts (QA36-14). The drop-in replaces the unit's ExecStart when a
// secret must reach the server on its command line (masterauth, Sentinel's auth-pass): `/usr/bin/redis-server` for
// every server started a build from /tmp/builds, /usr/local/bin or another version on the same host, or none at all.
import { posix, resolve } from 'node:path';
import type { Facts } from '../facts/types.ts';
import { listeningExecutable } from '../gather/host/index.ts';
import { parseUnitFiles, readUnit, readUnitFiles } from '../gather/host/systemd.ts';
import { isLocalHost } from '../net/address.ts';
import { infoField } from '../redis/info.ts';
import type { Target } from '../redis/target.ts';
import { findProgram } from '../util/run-program.ts';
import { clipped } from '../util/shown.ts';
import { resolveVersion } from '../redis/directives.ts';
import type { ServerVersion } from '../redis/directives.ts';
import { binaryLabel, findBinary, notTheTarget, trialBinaries } from './trial.ts';

/** The program a drop-in's ExecStart= runs, and how harden knows it (PLAN.md says which). */
export interface Executable {
  /** An absolute path. */
  readonly path: string;
  /**
   * `running`: the running server's own (its process, on this machine); `unit`: the ExecStart= of the unit that runs
   * this config; `reported`: the server's INFO `executable` (its word, another machine's path); `trial`: the binary the
   * trial started (this machine's PATH); `unknown`: the package's path, which harden could not check.
   */
  readonly how: 'running' | 'unit' | 'reported' | 'trial' | 'unknown';
  /** Where it was read, or why nothing better was known. */
  readonly from: string;
}

export interface ExecutableQuery {
  readonly kind: 'server' | 'sentinel';
  readonly product: 'redis' | 'valkey';
  /** The version the files are for: a local binary of another product, or older, is not this server's. */
  readonly version?: ServerVersion;
  /** The systemd unit the drop-in is for (`redis-server`, `redis-server@cache`), without `.service`. */
  readonly unit: string;
  /** The config path the unit must run (where the hardened file is installed). */
  readonly conf: string;
  /** The live target, when it is this server (not a redis.conf beside a live sentinel). */
  readonly live?: { readonly target: Target; readonly facts: Facts };
  /** Where unit files are read instead of systemctl and the usual directories (tests). */
  readonly unitDirs?: readonly string[];
}

/** An absolute path a drop-in can name: no control character (checkHostPaths refuses them), at most 4096 bytes. */
function usable(path: string | undefined): path is string {
  return path !== undefined && path.startsWith('/') && path.length <= 4096 && !/[\x00-\x1f\x7f]/.test(path);
}

/**
 * The unit's ExecStart= program, when that ExecStart= runs `conf` (its `%i`/`%I` the instance's name): a unit whose
 * command names another config file (the package's service, taken for any other path) says nothing of this server.
 */
async function unitProgram(unit: string, conf: string, dirs: readonly string[] | undefined): Promise<{ path: string; from: string } | { why: string; other?: true }> {
  let argv: readonly string[] | undefined;
  let from = '';
  if (dirs === undefined) {
    const read = await readUnit(`${unit}.service`);
    if (read.known && read.value?.execStart) {
      argv = read.value.execStart;
      from = read.source.kind === 'host' ? read.source.detail : `${unit}.service`;
    }
  }
  if (argv === undefined) {
    const files = await readUnitFiles(`${unit}.service`, ...(dirs ? [dirs] : []));
    if (files) {
      argv = parseUnitFiles(unit, files.text).execStart;
      from = files.paths.join(', ');
    }
  }
  if (argv === undefined || argv.length === 0) return { why: `no ${unit}.service with an ExecStart= on this machine` };
  const instance = unit.includes('@') ? unit.slice(unit.indexOf('@') + 1) : '';
  const wanted = posix.normalize(conf);
  const names = argv.slice(1).some((word) => posix.normalize(word.replace(/%[iI]/g, instance)) === wanted);
  if (!names) return { why: `${unit}.service's ExecStart= (${from}) runs another config file than ${conf}`, other: true };
  if (!usable(argv[0])) return { why: `${unit}.service's ExecStart= (${from}) does not start an absolute path` };
  return { path: argv[0], from };
}

/**
 * Why the unit of this machine that a drop-in for `conf` is written for (the package's service, taken for any path that
 * is no Debian instance's) runs another config file: its ExecStart= names another. Undefined when it runs `conf`, or
 * when no such unit is on this machine (nothing to say).
 */
export async function unitRunsOther(unit: string, conf: string, dirs?: readonly string[]): Promise<string | undefined> {
  const found = await unitProgram(unit, conf, dirs).catch(() => undefined);
  return found && 'other' in found ? found.why : undefined;
}

/**
 * The executable of the server the drop-in is for: the running process's (a live target on this machine), the
 * ExecStart= of the unit that runs this config, the server's INFO `executable` (a live target elsewhere), else the
 * binary harden's trial starts (this machine's PATH); the package's path only when none is known, said as unchecked.
 */
export async function executableOf(q: ExecutableQuery): Promise<Executable> {
  const names = q.product === 'valkey' ? { server: 'valkey-server', sentinel: 'valkey-sentinel' } : { server: 'redis-server', sentinel: 'redis-sentinel' };
  const why: string[] = [];
  const local = q.live === undefined || isLocalHost(q.live.target.host);
  if (q.live && local) {
    const running = await listeningExecutable(q.live.target.host, q.live.target.port, q.live.facts).catch((error: unknown) => ({ known: false as const, reason: error instanceof Error ? error.message : String(error) }));
    if (running.known && usable(running.value)) return { path: running.value, how: 'running', from: running.source.kind === 'host' ? running.source.detail : '/proc' };
    why.push(running.known ? 'the running process\'s executable is no path a drop-in can name' : running.reason);
  }
  // The units of this machine: a live target elsewhere runs under its own host's.
  if (local) {
    const unit = await unitProgram(q.unit, q.conf, q.unitDirs).catch((error: unknown) => ({ why: error instanceof Error ? error.message : String(error) }));
    if ('path' in unit) return { path: unit.path, how: 'unit', from: unit.from };
    why.push(unit.why);
  }
  if (q.live) {
    const reported = q.live.facts.info ? infoField(q.live.facts.info, 'executable') : undefined;
    if (usable(reported)) return { path: reported, how: 'reported', from: 'INFO server executable' };
    why.push(reported === undefined ? 'INFO has no executable field (Redis 6.2 and later report it)' : `INFO's executable '${clipped(reported)}' is no absolute path`);
  }
  const found = await findBinary(trialBinaries(q.kind === 'sentinel' ? 'sentinel' : 'redis', q.product));
  const path = found ? await findProgram(found.binary) : undefined;
  // The trial's binary stands for the server only when it is of its product and no older (what the trial validates).
  const other = found && q.version && notTheTarget(resolveVersion(found.version), q.version);
  if (found && other) why.push(`the local ${binaryLabel(found.binary, found.version)} is not ${q.version!.label}`);
  if (found && !other && path !== undefined) return { path: resolve(path), how: 'trial', from: `${found.binary} ${found.version}, the one harden's trial starts, first on this machine's PATH (${why.join('; ')})` };
  return { path: `/usr/bin/${q.kind === 'sentinel' ? names.sentinel : names.server}`, how: 'unknown', from: why.join('; ') || 'nothing said which' };
}
