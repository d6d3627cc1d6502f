// The lock a fix takes on each node of this machine it changes: a second fix of the same user on the same node is
// refused while the first runs. (A fix from another user or machine is seen in CLIENT LIST instead: apply.ts.)
import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { readTextFile } from '../util/read-file.ts';
import { fsErrorText } from '../util/fs-error.ts';
import { foreignOwner } from '../util/secret-file.ts';
import { sha256Hex } from '../util/hash.ts';
import { addressOf, socketAddress } from '../net/address.ts';

/** A lock file holds a process id, its start time and a newline. */
const MAX_LOCK_BYTES = 64;

/**
 * Why a directory may not hold the locks, or undefined: it must be a directory (not a link to one) of the running
 * user with no group or other bits. Anyone may create a file in /tmp: there, a lock another user planted (naming any
 * live process) kept `fix --apply` off a node for as long as they liked (QA34-17).
 */
export function lockDirProblem(info: Stats, me: number | undefined = process.getuid?.()): string | undefined {
  if (info.isSymbolicLink()) return 'a symbolic link, not a directory';
  if (!info.isDirectory()) return 'not a directory';
  if (me !== undefined && info.uid !== me) return `owned by uid ${info.uid}, not by you (uid ${me})`;
  if ((info.mode & 0o077) !== 0) return `mode ${(info.mode & 0o777).toString(8)}: open to its group or others (chmod 700 it, or remove it)`;
  return undefined;
}

/**
 * The directory of the running user's fix locks: `$XDG_RUNTIME_DIR` when it is set (absolute) and a private
 * directory of the user's (see {@link lockDirProblem}), else `redfort-fix-<uid>` in the temp directory, made with
 * mode 0700 when missing. Anyone can make that name first in /tmp (before the user's first fix, after a reboot):
 * another user's directory, or a link, there is not used, nor taken over; the locks go to a place only the user can
 * make instead (QA41-53: it refused every fix for as long as the planter liked): /run/redfort for root, else
 * ~/.cache/redfort, both made 0700. Every fix of the user sees the same directory, so two on one node still exclude
 * each other. `error` when the user's own directory is not private (mode) or no place is left.
 */
export function lockDir(env: Readonly<Record<string, string | undefined>> = process.env): { path: string } | { error: string } {
  const me = process.getuid?.();
  const runtime = env['XDG_RUNTIME_DIR'];
  if (runtime !== undefined && isAbsolute(runtime)) {
    try {
      if (lockDirProblem(lstatSync(runtime), me) === undefined) return { path: runtime };
    } catch {
      // missing or unreadable: the temp directory's instead
    }
  }
  const path = join(tmpdir(), `redfort-fix-${me ?? 'user'}`);
  const made = privateDir(path, me);
  if (!('foreign' in made)) return made;
  // Another user's directory (or a link) in the temp directory: a place of the user's own instead.
  const own = me === 0 ? '/run/redfort' : join(homedir(), '.cache', 'redfort');
  const fallback = privateDir(own, me, true);
  if ('foreign' in fallback) return { error: `the lock directory ${path} is ${made.foreign}, and ${own} is ${fallback.foreign}: neither is used (remove them, or set TMPDIR to a directory of yours)` };
  return fallback;
}

/**
 * `path` made (mode 0700) when missing and checked ({@link lockDirProblem}): `foreign` when another user owns it or it
 * is a link (someone else chose it), `error` for the user's own directory that is not private, or when it cannot be made.
 */
function privateDir(path: string, me: number | undefined, parents = false): { path: string } | { error: string } | { foreign: string } {
  try {
    if (parents) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return { error: `cannot make the lock directory ${path}: ${fsErrorText(error, path)}` };
  }
  let info: Stats;
  try {
    info = lstatSync(path);
  } catch (error) {
    return { error: `cannot use the lock directory ${path}: ${fsErrorText(error, path)}` };
  }
  const problem = lockDirProblem(info, me);
  if (problem === undefined) return { path };
  if (info.isSymbolicLink() || (me !== undefined && info.uid !== me)) return { foreign: problem };
  return { error: `the lock directory ${path} is ${problem}: not used (remove it, or set TMPDIR to a directory of yours)` };
}

/**
 * When process `pid` started (field 22 of /proc/PID/stat, in clock ticks since boot), or undefined (no such
 * process, or no /proc). With the pid it tells the process that wrote a lock from a later one given its pid.
 */
export function processStart(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself: count after the last.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[22 - 3];
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a lock's text names a process that runs now: its pid, and its start time when /proc gives one (a pid
 * the kernel has since given to another process makes the lock stale). A text of any other shape is no lock.
 */
export function lockHeld(text: string): number | undefined {
  const match = /^(\d+) (\d+|-)\n?$/.exec(text);
  if (!match) return undefined;
  const pid = Number(match[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  const start = processStart(pid);
  if (match[2] === '-' ? start !== undefined : start !== match[2]) return undefined;
  return pid;
}

/** A lock file per local node: a second fix on the same node is refused while the first runs. */
export class Locks {
  readonly #paths: string[] = [];
  readonly #env: Readonly<Record<string, string | undefined>>;

  constructor(env: Readonly<Record<string, string | undefined>> = process.env) {
    this.#env = env;
  }

  /**
   * Takes the lock of `host:port`, or of the unix socket `socket` (every socket was `localhost:0`, one lock for all:
   * SOCKET-NAME); why not, in one line, when another fix holds it or there is no place for it.
   */
  async acquire(host: string, port: number, socket?: string): Promise<string | undefined> {
    const dir = lockDir(this.#env);
    if ('error' in dir) return dir.error;
    const name = socket !== undefined ? `unix-${sha256Hex(socket).slice(0, 16)}` : `${host.replace(/[^A-Za-z0-9.-]/g, '_')}-${port}`;
    const path = join(dir.path, `redfort-fix-${name}.lock`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        try {
          writeSync(fd, `${process.pid} ${processStart(process.pid) ?? '-'}\n`);
        } finally {
          closeSync(fd);
        }
        this.#paths.push(path);
        return undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return `cannot create the lock file ${path}: ${fsErrorText(error, path)}`;
        let owner: number | undefined;
        const held = await readTextFile(path, { maxBytes: MAX_LOCK_BYTES, check: (fd) => void (owner = fstatSync(fd).uid) }).catch((e: unknown) => e as Error);
        // Only a lock of the running user's (or root's) own is believed: another user's never keeps a fix off a node.
        const pid = held instanceof Error || (owner !== undefined && foreignOwner(owner) !== undefined) ? undefined : lockHeld(held);
        if (pid !== undefined) return `another redfort fix (pid ${pid}) is working on ${socket !== undefined ? socketAddress(socket) : addressOf(host, port)} (lock file ${path})`;
        try {
          unlinkSync(path);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return `cannot remove the stale lock file ${path}: ${fsErrorText(e, path)}`;
        }
      }
    }
    return `cannot take the lock file ${path}`;
  }

  release(): void {
    for (const p of this.#paths.splice(0)) {
      try {
        unlinkSync(p);
      } catch {
        // already gone
      }
    }
  }
}
