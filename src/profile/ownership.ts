/**
 * The file ownership model (COORDINATION: one source of truth for the host rules, `host/permissions.sh` and
 * `fix`'s rollback). The server must be able to `CONFIG REWRITE` redis.conf and `ACL SAVE` its ACL file; both
 * write a temporary file next to the target and rename it, so the directory is writable by the service user.
 */

export type FileKind = 'config-dir' | 'config' | 'acl' | 'sentinel-config' | 'data-dir' | 'data' | 'log-dir' | 'log' | 'tls-key' | 'tls-cert';

export interface Ownership {
  readonly owner: string;
  readonly group: string;
  /** The mode `permissions.sh` sets. */
  readonly mode: number;
  /** Other modes the host rules accept (Debian ships /etc/redis as 2770). */
  readonly accepted: readonly number[];
  /** Other owner:group pairs the host rules accept. */
  readonly acceptedOwners?: readonly string[];
}

export const SERVICE_USER = 'redis';

export const OWNERSHIP: Readonly<Record<FileKind, Ownership>> = Object.freeze({
  'config-dir': { owner: 'redis', group: 'redis', mode: 0o750, accepted: [0o750, 0o2770, 0o2750, 0o770, 0o700] },
  config: { owner: 'redis', group: 'redis', mode: 0o640, accepted: [0o640, 0o600] },
  acl: { owner: 'redis', group: 'redis', mode: 0o640, accepted: [0o640, 0o600] },
  'sentinel-config': { owner: 'redis', group: 'redis', mode: 0o640, accepted: [0o640, 0o600] },
  'data-dir': { owner: 'redis', group: 'redis', mode: 0o750, accepted: [0o750, 0o700] },
  data: { owner: 'redis', group: 'redis', mode: 0o640, accepted: [0o640, 0o600] },
  'log-dir': { owner: 'redis', group: 'adm', mode: 0o2750, accepted: [0o2750, 0o750, 0o700], acceptedOwners: ['redis:redis'] },
  log: { owner: 'redis', group: 'adm', mode: 0o640, accepted: [0o640, 0o600], acceptedOwners: ['redis:redis'] },
  'tls-key': { owner: 'root', group: 'redis', mode: 0o640, accepted: [0o640, 0o600, 0o400, 0o440], acceptedOwners: ['redis:redis'] },
  'tls-cert': { owner: 'root', group: 'root', mode: 0o644, accepted: [0o644, 0o640, 0o600, 0o444] },
});

/** A word as sh reads it: bare when it can be, else single-quoted. */
export function shellQuote(path: string): string {
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `set_ OWNER MODE PATH` line that puts one path into the model (what `host/permissions.sh` lists: its `set_`
 * changes a path only when it is no symbolic link). `user` is the service's user and group when it is not `redis`
 * (Valkey's packages run it as `valkey`).
 */
export function ownershipCommand(kind: FileKind, path: string, options: { readonly user?: string } = {}): string {
  const o = OWNERSHIP[kind];
  const name = (n: string): string => (n === SERVICE_USER && options.user ? options.user : n);
  return `set_ ${name(o.owner)}:${name(o.group)} ${o.mode.toString(8).padStart(4, '0')} ${shellQuote(path)}`;
}

/** Whether an observed mode passes the model (the host rules' test). */
export function modeAccepted(kind: FileKind, mode: number): boolean {
  const m = mode & 0o7777;
  const o = OWNERSHIP[kind];
  if (o.accepted.includes(m)) return true;
  // Anything at least as strict as the model's mode is fine, as long as the owner can still read it.
  return (m & ~o.mode & 0o777) === 0 && (m & 0o400) !== 0;
}

/** `redis:redis 0640 or 0600`: how a fix text names a kind's owner and modes (the model's first, then the others). */
export function ownershipText(kind: FileKind, options: { alternatives?: number } = {}): string {
  const o = OWNERSHIP[kind];
  const mode = (m: number) => m.toString(8).padStart(4, '0');
  const others = o.accepted.filter((m) => m !== o.mode).slice(0, options.alternatives ?? 1);
  return `${o.owner}:${o.group} ${mode(o.mode)}${others.length > 0 ? ` or ${others.map(mode).join(', ')}` : ''}`;
}
