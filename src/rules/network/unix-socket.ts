import type { Facts, HostFile, HostStat, Source } from '../../facts/types.ts';
import { formatSource } from '../../facts/types.ts';
import type { Severity } from '../define.ts';
import { octal, ownership, replacersOf } from '../host/common.ts';
import { clipped } from '../../util/shown.ts';

/**
 * Who may connect to the unix socket: connecting needs write permission on the socket file and search permission on
 * its directories (unix(7)), so its mode says it, and its directory may narrow it. `others`: any local user;
 * `group`: its owner, its group and root; `owner`: its owner (the server's user) and root.
 */
export type SocketReach = 'others' | 'group' | 'owner';

/** The unix socket of a server and who may open it, or why that is unknown. */
export interface UnixSocketAccess {
  /** As configured (`unixsocket`). */
  readonly path: string;
  /** Undefined when the mode is unknown: `unixsocketperm 0` leaves it to the server's umask, and the host was not seen. */
  readonly reach: SocketReach | undefined;
  /** `mode 770, redis:redis` (the host's stat) or `unixsocketperm 770` (the setting); the reason when unknown. */
  readonly detail: string;
  /** Where the mode was read: the socket file (`stat`) or the setting. */
  readonly source: Source;
  /** The group that may connect, when the reach is `group` and it is known. */
  readonly group?: string;
  /**
   * True when the reach is the setting's alone: the socket's directory, which may keep others out whatever its mode
   * (GitLab Omnibus: 777 in a 0750 directory), was not seen (a file-only audit, or no host facts) (QA44-7).
   */
  readonly directoryUnseen?: true;
  /**
   * What the host shows of the directories on the socket's path (QA45-24): those that let someone besides root and the
   * server's user remove the socket and bind their own at its path (replacersOf). Absent when the host was not seen.
   */
  readonly replacers?: { readonly ways: readonly string[]; readonly sticky: readonly string[]; readonly unknown?: string };
}

/** The socket file as the host shows it, when it is there and a socket. */
function socketStat(facts: Facts): { file: HostFile; stat: HostStat } | undefined {
  const file = facts.host?.files.find((f) => f.role === 'unixsocket');
  if (!file || file.state.kind !== 'present' || file.state.stat.type !== 'socket') return undefined;
  return { file, stat: file.state.stat };
}

function reachOf(mode: number): SocketReach {
  return mode & 0o002 ? 'others' : mode & 0o020 ? 'group' : 'owner';
}

/**
 * The unix socket the configuration opens and who may connect to it: from the socket file's mode and its directory when
 * the host was seen, else from `unixsocketperm` (which the server applies with chmod after it binds; 0, the default,
 * leaves the umask's mode: unknown here). Undefined when no unix socket is configured or the settings are unknown.
 */
export function unixSocketAccess(facts: Facts): UnixSocketAccess | undefined {
  const seen = socketStat(facts);
  // The host's file where the settings are unknown (a server audited by its host alone): the path it was seen at.
  const path = facts.config?.get('unixsocket')?.value ?? seen?.file.path ?? '';
  if (path === '') return undefined;
  if (seen) {
    const { stat } = seen;
    let reach = reachOf(stat.mode);
    let narrowed = '';
    // The directory's search bit keeps out those it denies, whatever the socket's own mode (only the parent is seen).
    const parent = stat.parent;
    if (parent && reach === 'others' && !(parent.mode & 0o001)) {
      reach = stat.mode & 0o020 && parent.mode & 0o010 ? 'group' : 'owner';
      narrowed = `, in ${parent.path} (mode ${octal(parent.mode)}), which others may not enter`;
    } else if (parent && reach === 'group' && !(parent.mode & 0o011)) {
      reach = 'owner';
      narrowed = `, in ${parent.path} (mode ${octal(parent.mode)}), which its group may not enter`;
    }
    return {
      path,
      reach,
      detail: `mode ${octal(stat.mode)}, ${ownership(stat)}${narrowed}`,
      source: { kind: 'host', detail: `stat ${seen.file.path}` },
      ...(reach === 'group' ? { group: stat.group ?? String(stat.gid) } : {}),
      replacers: replacersOf(stat, { uid: facts.host!.process.uid.effective, gid: facts.host!.process.gid.effective }),
    };
  }
  const perm = facts.config?.get('unixsocketperm');
  const mode = perm ? parseInt(perm.value, 8) : NaN;
  const groupSetting = facts.config?.get('unixsocketgroup')?.value;
  if (perm && Number.isInteger(mode) && mode > 0 && mode <= 0o777) {
    const reach = reachOf(mode);
    return {
      path,
      reach,
      detail: `unixsocketperm ${clipped(perm.value)}`,
      source: perm.source,
      ...(reach !== 'owner' ? { directoryUnseen: true as const } : {}),
      ...(reach === 'group' && groupSetting ? { group: clipped(groupSetting) } : {}),
    };
  }
  const why = perm
    ? `unixsocketperm is '${clipped(perm.value)}', so the socket gets the mode the server's umask leaves, which the audit did not see (${formatSource(perm.source)})`
    : 'unixsocketperm is unknown';
  return { path, reach: undefined, detail: why, source: perm?.source ?? facts.config?.get('unixsocket')?.source ?? { kind: 'default', note: 'unixsocket' } };
}

/**
 * How bad a password-less way in through the socket is: any local user is as bad as an open port; its group, less; its
 * owner alone (the server's user, who reads the data files anyway) and root, least. Unknown: judged as any local user.
 */
export const SOCKET_SEVERITY: Readonly<Record<SocketReach, Severity>> = { others: 'critical', group: 'medium', owner: 'low' };

/**
 * {@link SOCKET_SEVERITY} of what is known: a socket whose mode admits any local user, in a directory not seen, is open to
 * those who may enter that directory, which may be no one else (QA44-7): high, not critical, on the setting alone.
 */
export function socketSeverity(access: UnixSocketAccess): Severity {
  if (!access.reach) return 'critical';
  return access.reach === 'others' && access.directoryUnseen ? 'high' : SOCKET_SEVERITY[access.reach];
}

/** Who may open the socket, in words: `any local user may open it (unixsocketperm 777)`. */
export function whoMayOpen(access: UnixSocketAccess): string {
  switch (access.reach) {
    case 'others':
      return access.directoryUnseen
        ? `any local user who may enter its directory may open it (${access.detail}; the directory, which may keep others out, is not visible to this audit)`
        : `any local user may open it (${access.detail})`;
    case 'group':
      return `its owner, its group${access.group !== undefined ? ` (${access.group})` : ''} and root may open it (${access.detail})`;
    case 'owner':
      return `only its owner (the server's user) and root may open it (${access.detail})`;
    default:
      return `who may open it is unknown (${access.detail}), so any local user may, for all the audit knows`;
  }
}
