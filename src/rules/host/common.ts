import type { HostFacts, HostFile, HostFileRole, HostStat, Source } from '../../facts/types.ts';

/** `0o640` -> `640`, `0o2750` -> `2750`. */
export function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(3, '0');
}

/** `redis:redis`, or the numeric ids when /etc/passwd and /etc/group do not name them. */
export function ownership(stat: HostStat): string {
  return `${stat.owner ?? stat.uid}:${stat.group ?? stat.gid}`;
}

/** What a mode grants beyond `mask`, in words: `others may read it`, `its group may write it`. */
export function excessRights(mode: number, mask = 0o027): string[] {
  const out: string[] = [];
  const bits = mode & mask;
  if (bits & 0o020) out.push('its group may write it');
  if (bits & 0o010) out.push('its group may execute or enter it');
  const others = [bits & 0o004 ? 'read' : '', bits & 0o002 ? 'write' : '', bits & 0o001 ? 'execute or enter' : ''].filter((w) => w !== '');
  if (others.length > 0) out.push(`others may ${others.join(', ')} it`);
  return out;
}

/** The finding source of a file: the file itself, as the host shows it. */
export function fileSource(file: HostFile): Source {
  return { kind: 'host', detail: `stat ${file.path}` };
}

/** The path, and where the symlink leads when it is one. */
export function shownPath(file: HostFile): string {
  return file.state.kind === 'present' && file.state.stat.symlink ? `${file.path} (-> ${file.state.stat.realPath})` : file.path;
}

export const ROLE_NAMES: Readonly<Record<HostFileRole, string>> = {
  config: 'config file',
  include: 'included config file',
  acl: 'ACL file',
  'sentinel-config': 'sentinel config file',
  dir: 'data directory',
  rdb: 'RDB file',
  'aof-dir': 'AOF directory',
  aof: 'AOF file',
  log: 'log file',
  unixsocket: 'unix socket',
  'tls-key': 'tls-key-file',
  'tls-client-key': 'tls-client-key-file',
  'tls-cert': 'tls-cert-file',
  'tls-client-cert': 'tls-client-cert-file',
  'tls-ca-file': 'tls-ca-cert-file',
  'tls-ca-dir': 'tls-ca-cert-dir',
  module: 'loadmodule file',
  'sentinel-script': 'sentinel script',
};

/** The files of some roles, and why the others could not be known. */
export function filesOf(host: HostFacts, roles: readonly HostFileRole[]): { files: HostFile[]; unknown: string[]; absent: string[] } {
  const files = host.files.filter((f) => roles.includes(f.role));
  const unknown = [
    ...host.absent.filter((a) => roles.includes(a.role) && a.unknown).map((a) => `${ROLE_NAMES[a.role]}: ${a.reason}`),
    ...files.flatMap((f) => (f.state.kind === 'unknown' ? [`${f.path}: ${f.state.reason}`] : [])),
  ];
  const absent = host.absent.filter((a) => roles.includes(a.role) && !a.unknown).map((a) => a.reason);
  return { files, unknown: [...new Set(unknown)], absent };
}

/** `pid 123 (redis-server) runs as redis`: the user named in ownership rules. */
export function processUser(host: HostFacts): string {
  const p = host.process;
  return p.user ?? `uid ${p.uid.effective}`;
}

type DirStat = NonNullable<HostStat['parent']>;

/**
 * Who besides root and the server's user may change a file itself, in words (empty when none): others, a group other
 * than root's and the server's (write bit), an owner neither root nor the server's user (`neither` names the latter).
 * The directories on its path are {@link replacersOf}'s.
 */
export function fileWriters(stat: HostStat, server: { readonly uid: number; readonly gid: number }, neither: string): string[] {
  return [
    ...(stat.mode & 0o002 ? ['others may write it'] : []),
    ...(stat.mode & 0o020 && stat.gid !== 0 && stat.gid !== server.gid ? [`its group ${stat.group ?? stat.gid} may write it`] : []),
    ...(stat.uid !== 0 && stat.uid !== server.uid ? [`it is owned by ${stat.owner ?? `uid ${stat.uid}`}, neither root nor ${neither}`] : []),
  ];
}

/**
 * Who besides root and the server's user may replace a file through the directories on its path (QA45-19, 22, 24):
 * a directory whose owner is neither root nor the server's user (its owner may rename what it holds, or chmod it), or
 * that others, or a group other than root's and the server's, may write without the sticky bit. A sticky directory
 * (`/tmp`, 1777) lets them add names there but not rename or remove an entry of root's or the server's user (nor, on
 * Linux, lets the server follow their symlinks there: fs.protected_symlinks), so it is said, not counted. The
 * file's own mode is the caller's. `unknown` when the directories up to `/` were not all seen.
 */
export interface Replacers {
  /** Each directory that lets someone else replace the file, in words; empty when none. */
  readonly ways: readonly string[];
  /** Its own directory when sticky and others (or a foreign group) may write it: said, not counted. */
  readonly sticky: readonly string[];
  /** Why the directories on its path could not all be judged. */
  readonly unknown?: string;
}

export function replacersOf(stat: HostStat, server: { readonly uid: number; readonly gid: number }): Replacers {
  const trustedUid = (uid: number) => uid === 0 || uid === server.uid;
  const trustedGid = (gid: number) => gid === 0 || gid === server.gid;
  if (!stat.parent) return { ways: [], sticky: [], unknown: `the directory holding ${stat.realPath} could not be read` };
  const dirs: DirStat[] = [stat.parent, ...(stat.ancestors ?? [])];
  const top = dirs[dirs.length - 1]!;
  const ways: string[] = [];
  const sticky: string[] = [];
  let child = stat.realPath;
  for (const dir of dirs) {
    const where = dir === stat.parent ? `its directory ${dir.path}` : `${dir.path}, above it,`;
    const what = dir === stat.parent ? 'it' : `${child} and so it`;
    const stickyBit = (dir.mode & 0o1000) !== 0;
    const writers = [dir.mode & 0o002 ? 'any local user' : '', dir.mode & 0o020 && !trustedGid(dir.gid) ? `group ${dir.gid}` : ''].filter(Boolean);
    if (!trustedUid(dir.uid)) ways.push(`${where} is owned by uid ${dir.uid}, neither root nor the server's user, who may replace ${what}`);
    else if (writers.length > 0 && !stickyBit) ways.push(`${where} (mode ${octal(dir.mode)}) lets ${writers.join(' and ')} replace ${what}`);
    // Said of its own directory only: a sticky directory further up (`/tmp` above `/tmp/redis/`) is the usual case.
    else if (writers.length > 0 && dir === stat.parent) sticky.push(`${dir.path} (mode ${octal(dir.mode)}) is sticky: ${writers.join(' and ')} may add files there but not replace it (owned by root or the server's user)`);
    child = dir.path;
  }
  const unknown = top.path === '/' ? undefined : `the directories above ${top.path} could not be read`;
  return { ways, sticky, ...(unknown !== undefined && { unknown }) };
}
