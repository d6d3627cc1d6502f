// Which executable the systemd drop-in's ExecStart= starts (QA36-14). The drop-in replaces the unit's ExecStart when a
// secret must reach the server on its command line (masterauth, Sentinel's auth-pass): `/usr/bin/redis-server` for
// every server started a build from /tmp/builds, /usr/local/bin or another version on the same host, or none at all.
// A server's word never becomes that program (QA41-57): not a remote server's INFO `executable`, not a local process's
// program that a user other than root can change or that sits in /tmp, a home or the data directory.
import { lstat, realpath } from 'node:fs/promises';
import { dirname, posix, resolve } from 'node:path';
import type { Facts } from '../facts/types.ts';
import { listeningExecutable } from '../gather/host/index.ts';
import { parseUnitFiles, readUnit, readUnitFiles } from '../gather/host/systemd.ts';
import { isLocalHost } from '../net/address.ts';
import { infoField } from '../redis/info.ts';
import type { Target } from '../redis/target.ts';
import { findProgram } from '../util/run-program.ts';
import { resolveVersion } from '../redis/directives.ts';
import type { ServerVersion } from '../redis/directives.ts';
import { binaryLabel, findBinary, notTheTarget, trialBinaries } from './trial.ts';

/** The program a drop-in's ExecStart= runs, and how harden knows it (PLAN.md says which). */
export interface Executable {
  /** An absolute path. */
  readonly path: string;
  /**
   * `running`: the running server's own (its process, on this machine); `unit`: the ExecStart= of the unit that runs
   * this config; `trial`: the binary the trial started (this machine's PATH); `unknown`: the package's path, which
   * harden could not check. Never the server's word: INFO's `executable` is only said ({@link Executable.reported}).
   */
  readonly how: 'running' | 'unit' | 'trial' | 'unknown';
  /** Where it was read, or why nothing better was known. */
  readonly from: string;
  /**
   * The path the server's INFO `executable` reports, for a server of another machine: its word (a server may report
   * any path), said in PLAN.md as a difference to check, never started (QA41-57); with why that place is suspect.
   */
  readonly reported?: { readonly path: string; readonly suspect?: string };
  /**
   * The running server's program (/proc/PID/exe) when the drop-in does not start it: a user other than root can change
   * it (`changeable`), or it is where no service's program belongs (/tmp, a home, the data directory). PLAN.md says to
   * treat the server as compromised.
   */
  readonly refused?: { readonly path: string; readonly why: string; readonly from: string; readonly changeable: boolean };
}

/** Places where no service's program belongs: anyone may write there, or a user. */
const SUSPECT_PLACES: readonly [string, string][] = [
  ['/tmp/', 'under /tmp, where any user may put files'],
  ['/var/tmp/', 'under /var/tmp, where any user may put files'],
  ['/dev/shm/', 'under /dev/shm, where any user may put files'],
  ['/run/user/', "under /run/user, a user's own directory"],
  ['/home/', 'in a home directory (/home)'],
  ['/root/', "in root's home directory"],
];

/**
 * Why `path` (absolute) is, by its name alone, where no service's program belongs, or undefined: a data directory of
 * `dataDirs` (which the server itself writes: `CONFIG SET dir` and a save put anything there), /tmp, /var/tmp,
 * /dev/shm or a home.
 */
export function suspectPlace(path: string, dataDirs: readonly (string | undefined)[] = []): string | undefined {
  const p = posix.normalize(path);
  for (const dataDir of dataDirs) {
    if (dataDir === undefined || !dataDir.startsWith('/')) continue;
    const dir = posix.normalize(dataDir).replace(/(.)\/+$/, '$1');
    if (dir !== '/' && p.startsWith(`${dir}/`)) return `is in the server's data directory (${dir}), which the server itself writes`;
  }
  for (const [prefix, why] of SUSPECT_PLACES) if (p.startsWith(prefix)) return `is ${why}`;
  return undefined;
}

/** Why a file or directory lets a user other than root change it (its owner, a group's or everyone's write bit), or undefined. */
function nonRootWriter(info: { mode: number; uid: number; gid: number }, directory: boolean): string | undefined {
  if (info.uid !== 0) return `is owned by uid ${info.uid}, who can change it`;
  const mode = (info.mode & 0o7777).toString(8);
  // A sticky directory (/tmp) lets others add files, not replace root's.
  if (directory && (info.mode & 0o1000) !== 0) return undefined;
  if ((info.mode & 0o002) !== 0) return `is writable by everyone (mode ${mode})`;
  if ((info.mode & 0o020) !== 0 && info.gid !== 0) return `is writable by group gid ${info.gid} (mode ${mode})`;
  return undefined;
}

/**
 * Why the program at `path` (the running server's, on this machine) is not one a service's drop-in may start, or
 * undefined: a user other than root can change it (it, or a directory on the way to it, is theirs or writable by
 * them: `changeable`), or it is in a suspect place ({@link suspectPlace}). Its path and where its links lead are judged.
 */
export async function programProblem(path: string, dataDirs: readonly (string | undefined)[] = []): Promise<{ why: string; changeable: boolean } | undefined> {
  const real = await realpath(path).catch(() => undefined);
  if (real === undefined) return { why: 'cannot be looked at (gone, or its directory cannot be searched)', changeable: false };
  const file = await lstat(real);
  const own = nonRootWriter(file, false);
  if (own !== undefined) return { why: real === path ? own : `leads to ${real}, which ${own}`, changeable: true };
  for (const start of new Set([dirname(real), await realpath(dirname(path)).catch(() => dirname(real))])) {
    for (let at = start; ; at = dirname(at)) {
      const why = nonRootWriter(await lstat(at), true);
      if (why !== undefined) return { why: `is in ${at}, which ${why} (and so can replace the program)`, changeable: true };
      if (at === dirname(at)) break;
    }
  }
  for (const name of new Set([path, real])) {
    const place = suspectPlace(name, dataDirs);
    if (place !== undefined) return { why: name === path ? place : `leads to ${real}, which ${place}`, changeable: false };
  }
  return undefined;
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
  /** The server's data directory (`dir`): no program of its belongs in it. */
  readonly dataDir?: string;
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
 * The executable of the server the drop-in is for: the running process's (a live target on this machine, when no
 * user but root can change it and it is in no suspect place), the ExecStart= of the unit that runs this config, else
 * the binary harden's trial starts (this machine's PATH); the package's path when none is known (always for a server
 * of another machine), said as unchecked. A server's word never becomes a program path (QA41-57): INFO's
 * `executable` is only said, as a difference to check.
 */
export async function executableOf(q: ExecutableQuery): Promise<Executable> {
  const names = q.product === 'valkey' ? { server: 'valkey-server', sentinel: 'valkey-sentinel' } : { server: 'redis-server', sentinel: 'redis-sentinel' };
  const why: string[] = [];
  const local = q.live === undefined || isLocalHost(q.live.target.host);
  // The data directory the hardened file names and the one the server runs in now (it writes both).
  const dataDirs = [q.dataDir, q.live?.facts.config?.get('dir')?.value];
  let refused: Executable['refused'];
  if (q.live && local) {
    const running = await listeningExecutable(q.live.target.host, q.live.target.port, q.live.facts).catch((error: unknown) => ({ known: false as const, reason: error instanceof Error ? error.message : String(error) }));
    if (running.known && usable(running.value)) {
      const from = running.source.kind === 'host' ? running.source.detail : '/proc';
      const problem = await programProblem(running.value, dataDirs).catch((error: unknown) => ({ why: `cannot be looked at (${error instanceof Error ? error.message : String(error)})`, changeable: false }));
      if (problem === undefined) return { path: running.value, how: 'running', from };
      refused = { path: running.value, from, ...problem };
      why.push(`the running server's program ${running.value} ${problem.why}: the drop-in does not start it`);
    } else {
      why.push(running.known ? 'the running process\'s executable is no path a drop-in can name' : running.reason);
    }
  }
  const withRefused = refused ? { refused } : {};
  // The units of this machine: a live target elsewhere runs under its own host's.
  if (local) {
    const unit = await unitProgram(q.unit, q.conf, q.unitDirs).catch((error: unknown) => ({ why: error instanceof Error ? error.message : String(error) }));
    if ('path' in unit) return { path: unit.path, how: 'unit', from: unit.from, ...withRefused };
    why.push(unit.why);
  }
  const packaged = `/usr/bin/${q.kind === 'sentinel' ? names.sentinel : names.server}`;
  if (q.live && !local) {
    // Another machine's server: its INFO `executable` is its word, which never becomes the program a service starts.
    const text = q.live.facts.info ? infoField(q.live.facts.info, 'executable') : undefined;
    const said = usable(text) ? posix.normalize(text) : undefined;
    const suspect = said !== undefined ? suspectPlace(said, dataDirs) : undefined;
    why.push('the server is on another machine, where harden cannot look (the path its INFO reports is its own word)');
    const reported = said !== undefined && said !== packaged ? { reported: { path: said, ...(suspect !== undefined ? { suspect } : {}) } } : {};
    return { path: packaged, how: 'unknown', from: why.join('; '), ...reported };
  }
  const found = await findBinary(trialBinaries(q.kind === 'sentinel' ? 'sentinel' : 'redis', q.product));
  const path = found ? await findProgram(found.binary) : undefined;
  // The trial's binary stands for the server only when it is of its product and no older (what the trial validates).
  const other = found && q.version && notTheTarget(resolveVersion(found.version), q.version);
  if (found && other) why.push(`the local ${binaryLabel(found.binary, found.version)} is not ${q.version!.label}`);
  // Not the refused program itself, found again on PATH.
  const same = refused !== undefined && path !== undefined && (await samePrograms(resolve(path), refused.path));
  if (found && same) why.push(`the local ${binaryLabel(found.binary, found.version)} first on PATH is that program`);
  if (found && !other && !same && path !== undefined) return { path: resolve(path), how: 'trial', from: `${found.binary} ${found.version}, the one harden's trial starts, first on this machine's PATH (${why.join('; ')})`, ...withRefused };
  return { path: packaged, how: 'unknown', from: why.join('; ') || 'nothing said which', ...withRefused };
}

/** Whether two paths lead to the same file. */
async function samePrograms(a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  const [ra, rb] = await Promise.all([realpath(a).catch(() => a), realpath(b).catch(() => b)]);
  return ra === rb;
}
