// Where harden writes its output before it is in place, and how: a directory no other user can change the path to,
// files created new in it (never through a link), then one rename (QA41-63). harden often runs as root, and its
// --out is often in a directory the service's user owns (/etc/redis is redis:redis 2770 on Debian): the staging
// directory beside --out was renamed away by that user and replaced with one of links, and root wrote PLAN.md into
// the file a link named and chmod'ed it.
import { constants as fsConstants, lstatSync, readdirSync, realpathSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { lstat, mkdir, mkdtemp, open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoOf } from '../util/fs-error.ts';

/** A directory's mode as `ls` shows the number (`2770`). */
function modeText(info: Stats): string {
  return (info.mode & 0o7777).toString(8).padStart(3, '0');
}

/**
 * Why another user than `me` and root could change what is at a name in `info`'s directory, or undefined: it is
 * theirs, or their group or everyone may write it without the sticky bit (with it, nobody renames or removes an
 * entry of someone else's).
 */
function foreignWriter(info: Stats, me: number): string | undefined {
  if (info.uid !== me && info.uid !== 0) return `is owned by uid ${info.uid}`;
  if ((info.mode & 0o1000) !== 0) return undefined;
  if ((info.mode & 0o002) !== 0) return `is writable by everyone (mode ${modeText(info)})`;
  if ((info.mode & 0o020) !== 0 && info.gid !== 0 && info.gid !== process.getgid?.()) return `is writable by group gid ${info.gid} (mode ${modeText(info)})`;
  return undefined;
}

/**
 * Why `dir` (an existing directory) is no place to stage an output in, or undefined: it or a directory on the way
 * to it (its links resolved) may be changed by another user than `me` and root, who could then rename the staging
 * directory away and put one of links in its place. The path as resolved is in `real`.
 */
export function untrustedDirectory(dir: string, me: number | undefined = process.getuid?.()): { real: string; problem?: string } {
  const real = realpathSync(dir);
  if (me === undefined) return { real };
  for (let at = real; ; at = dirname(at)) {
    const why = foreignWriter(lstatSync(at), me);
    if (why !== undefined) return { real, problem: `${at} ${why}` };
    if (at === dirname(at)) return { real };
  }
}

/**
 * Why `--force` may not remove the output directory `out` (not followed if it is a link), or undefined: a directory
 * in it another user may change, where a recursive remove by path could be led, through a directory swapped for a
 * link, to remove other files.
 */
export function foreignTree(out: string, me: number | undefined = process.getuid?.()): string | undefined {
  if (me === undefined) return undefined;
  const walk = (path: string): string | undefined => {
    const info = lstatSync(path);
    if (!info.isDirectory()) return undefined;
    const why = foreignWriter(info, me) ?? ((info.mode & 0o1000) !== 0 && (info.mode & 0o022) !== 0 ? `is writable by others (mode ${modeText(info)})` : undefined);
    if (why !== undefined) return `${path} ${why}`;
    for (const name of readdirSync(path)) {
      const inner = walk(join(path, name));
      if (inner !== undefined) return inner;
    }
    return undefined;
  };
  return walk(out);
}

/** A staging directory, private to this process's user, and how files go into it. */
export interface Stage {
  readonly path: string;
  /** Writes a new file `name` (a relative path; its directories made as needed), exactly of `mode`. */
  put(name: string, content: string, mode: number): Promise<void>;
  /** Makes the directories of `name` (a relative path) in the stage, each new or one of its own made earlier. */
  dirsFor(name: string): Promise<void>;
}

/**
 * Makes a staging directory in `parent` (checked with {@link untrustedDirectory} first): new (mkdtemp), and checked to be
 * a directory of this user's, mode 0700, before anything goes in.
 */
export async function makeStage(parent: string, out: string): Promise<Stage> {
  const path = await mkdtemp(join(parent, `.${basename(out)}.redfort-`));
  const info = await lstat(path);
  const me = process.getuid?.();
  if (!info.isDirectory() || (me !== undefined && info.uid !== me) || (info.mode & 0o777) !== 0o700) {
    throw new Error(`the staging directory ${path} is not the private directory just made (mode ${modeText(info)}, uid ${info.uid})`);
  }
  const dirsFor = async (name: string): Promise<void> => {
    const parts = dirname(name).split('/').filter((p) => p !== '' && p !== '.');
    let at = path;
    for (const part of parts) {
      if (part === '..') throw new Error(`${name}: not a name inside the staging directory`);
      at = join(at, part);
      try {
        await mkdir(at, { mode: 0o755 });
      } catch (error) {
        if (errnoOf(error) !== 'EEXIST') throw error;
        const there = await lstat(at);
        if (!there.isDirectory()) throw new Error(`${at}: not a directory`);
      }
    }
  };
  const put = async (name: string, content: string, mode: number): Promise<void> => {
    await dirsFor(name);
    // New, and never through a link: O_EXCL refuses any name already there, O_NOFOLLOW says so of a link.
    const handle = await open(join(path, name), fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, mode);
    try {
      await handle.writeFile(content);
      // The umask may have narrowed the mode: exactly `mode`, on the descriptor.
      await handle.chmod(mode);
    } finally {
      await handle.close();
    }
  };
  return { path, put, dirsFor };
}
