import { realpath } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { errnoOf } from '../../util/fs-error.ts';
import { lstatOf, statOf } from '../../util/fs-calls.ts';
import { memo } from '../../util/memo.ts';
import { readTextFile } from '../../util/read-file.ts';
import { dirname } from 'node:path';
import type { HostFileState, HostStat } from '../../facts/types.ts';
import { fsReason } from './proc.ts';

/** id -> name from /etc/passwd or /etc/group (`name:x:id:...`); the first entry of an id wins, as getpwuid does. */
export function parseIdNames(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const fields = line.split(':');
    if (fields.length < 3) continue;
    const id = Number(fields[2]);
    if (fields[0] && Number.isInteger(id) && !names.has(id)) names.set(id, fields[0]);
  }
  return names;
}

export interface IdNames {
  readonly users: ReadonlyMap<number, string>;
  readonly groups: ReadonlyMap<number, string>;
}

/** User and group names from /etc/passwd and /etc/group (NSS sources such as LDAP are not consulted). */
export async function readIdNames(): Promise<IdNames> {
  const read = (path: string) => readTextFile(path).catch(() => '');
  const [passwd, group] = await Promise.all([read('/etc/passwd'), read('/etc/group')]);
  return { users: parseIdNames(passwd), groups: parseIdNames(group) };
}

function typeOf(mode: number): HostStat['type'] {
  const format = mode & 0o170000;
  if (format === 0o100000) return 'file';
  if (format === 0o040000) return 'dir';
  if (format === 0o140000) return 'socket';
  return 'other';
}

/** How {@link statPath} looks paths up: a caller describing several files shares answers between them. */
export interface PathLookups {
  /** lstat of a path. */
  readonly lstat: (path: string) => Promise<Stats>;
  /** stat of a parent directory, undefined when it cannot be read. */
  readonly statParent: (path: string) => Promise<Stats | undefined>;
}

const FRESH_LOOKUPS: PathLookups = { lstat: lstatOf, statParent: (p) => statOf(p).catch(() => undefined) };

/**
 * What lstat says of a path, asked once; stat of a directory taken from it unless it is a symlink (lstat and
 * stat of anything else say the same). The files of a server mostly lie in its `dir`, itself one of them: its
 * lstat as a file and its stat as their parent are one system call.
 */
export function sharedLookups(): PathLookups {
  const lstats = memo<string, Promise<Stats>>();
  const parents = memo<string, Promise<Stats | undefined>>();
  const lstat = (path: string): Promise<Stats> =>
    lstats(path, () => {
      const info = lstatOf(path);
      // Asked again by whoever needs it: a failure is theirs to see, not an unhandled rejection here.
      info.catch(() => undefined);
      return info;
    });
  const statParent = (path: string): Promise<Stats | undefined> =>
    parents(path, () => lstat(path).then((l) => (l.isSymbolicLink() ? statOf(path) : l)).catch(() => undefined));
  return { lstat, statParent };
}

/**
 * lstat + stat of a path: its mode, owner and group with symlinks resolved; missing and unreadable are explicit.
 * `lookups` may share answers between the files of one server (see {@link sharedLookups}).
 */
export async function statPath(path: string, names: IdNames, lookups: PathLookups = FRESH_LOOKUPS): Promise<HostFileState> {
  const { statParent } = lookups;
  let link;
  try {
    link = await lookups.lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unknown', reason: fsReason(error, `cannot stat ${path}`) };
  }
  try {
    const target = link.isSymbolicLink() ? await statOf(path) : link;
    const realPath = link.isSymbolicLink() ? await realpath(path) : path;
    const parentPath = dirname(realPath);
    const parent = await statParent(parentPath).then((p) => (p ? { path: parentPath, mode: p.mode & 0o7777, uid: p.uid, gid: p.gid } : undefined));
    const ancestors: { path: string; mode: number; uid: number; gid: number }[] = [];
    for (let d = parentPath; parent && d !== dirname(d); ) {
      d = dirname(d);
      const above = await statParent(d);
      if (!above) break;
      ancestors.push({ path: d, mode: above.mode & 0o7777, uid: above.uid, gid: above.gid });
    }
    return {
      kind: 'present',
      stat: {
        type: typeOf(target.mode),
        mode: target.mode & 0o7777,
        uid: target.uid,
        gid: target.gid,
        owner: names.users.get(target.uid),
        group: names.groups.get(target.gid),
        realPath,
        symlink: link.isSymbolicLink(),
        parent,
        ...(ancestors.length > 0 && { ancestors }),
      },
    };
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { kind: 'unknown', reason: `${path} is a dangling symlink` };
    return { kind: 'unknown', reason: fsReason(error, `cannot stat ${path}`) };
  }
}
