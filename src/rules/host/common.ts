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
