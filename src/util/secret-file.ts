import { fstatSync, lstatSync, readlinkSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Stats } from 'node:fs';
import { readTextFile } from './read-file.ts';

/**
 * The secret a password or token file holds: its first line, without the line ending (`\n` or `\r\n`); the rest
 * of the file is not read as the secret. The inventory's `passwordFile` and the exporter's `passwordFile` and
 * `bearerTokenFile` follow this one rule.
 *
 * A control character (a NUL: `/proc/self/environ`, given by mistake) is in no password or token anyone types:
 * such a file is refused, and so never sent to a server or compared with a request's header; so is a PEM file (a
 * key or certificate). A leading byte order mark is dropped.
 */
export function secretOfFile(text: string): { ok: true; value: string } | { ok: false; reason: string } {
  // A byte order mark (an editor's, saving "UTF-8 with BOM") is no part of what was typed: sent, it made AUTH fail.
  const value = text.split(/\r?\n/, 1)[0]!.replace(/^\uFEFF/, '');
  if (value === '') return { ok: false, reason: 'is empty' };
  // `passwordFile: /etc/redis/tls/client.key` (the TLS key named in the wrong field): its armour line was sent as the
  // password, and the server said only WRONGPASS. No password starts so.
  if (value.startsWith('-----BEGIN ')) return { ok: false, reason: 'is a PEM file (a key or a certificate), not a password file' };
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(value)) return { ok: false, reason: 'holds a control character on its first line: not a password file' };
  return { ok: true, value };
}

/** A password or token file as read: its text, and what about its mode or owner lets others have it, if anything. */
export interface SecretFileText {
  readonly text: string;
  /** E.g. `has mode 644: its group and others may read it (chmod 600)`; never a byte of the file. */
  readonly exposure?: string;
}

/**
 * What about a secret file's mode or owner lets someone else have the secret, or undefined: readable by its group or
 * by others (libpq ignores such a ~/.pgpass, ssh refuses such a key), or owned by a user who is neither the one
 * running redfort nor root (that user may read it, and change the password redfort sends). Used, with a warning:
 * the file's exposure is the host's, whether redfort reads it or not, and a Kubernetes or Docker secret is mounted
 * 0644 or 0444 unless told otherwise.
 */
export function secretFileExposure(info: { readonly mode: number; readonly uid: number }, me: number | undefined): string | undefined {
  const problems: string[] = [];
  const readers = [(info.mode & 0o040) !== 0 ? 'its group' : '', (info.mode & 0o004) !== 0 ? 'others' : ''].filter((w) => w !== '');
  if (readers.length > 0) problems.push(`has mode ${(info.mode & 0o7777).toString(8).padStart(3, '0')}: ${readers.join(' and ')} may read it (chmod 600)`);
  const owner = foreignOwner(info.uid, me);
  if (owner !== undefined) problems.push(`is ${owner}: that user may read it and change it`);
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/** Why a file of owner `uid` is not the running user's nor root's (`owned by uid 65534, not by root`); undefined when it is, or where there are no uids. */
export function foreignOwner(uid: number, me: number | undefined = process.getuid?.()): string | undefined {
  if (me === undefined || uid === me || uid === 0) return undefined;
  return `owned by uid ${uid}, ${me === 0 ? 'not by root' : `neither you (uid ${me}) nor root`}`;
}

/**
 * Why a file that decides what redfort changes (a secrets file whose passwords fix and harden give their users, a
 * fix rollback record) may not be trusted, or undefined: owned by a user who is neither the one running redfort nor
 * root, or open to its group or others at all (any of the 0o077 bits). Such a file is refused, not used with a
 * warning: root running `redfort fix` where another user can write (the current directory, /tmp) gave its admin the
 * password of a `redfort-secrets.env` that user planted, and restored the "previous state" a planted record named.
 */
export function privateFileProblem(info: { readonly mode: number; readonly uid: number }, me: number | undefined = process.getuid?.()): string | undefined {
  const owner = foreignOwner(info.uid, me);
  if (owner !== undefined) return `${owner}: not trusted (another user may have planted or changed it)`;
  if ((info.mode & 0o077) !== 0) return `mode ${(info.mode & 0o777).toString(8)} lets others read it; chmod 600 it first`;
  return undefined;
}

/** Thrown by {@link refuseUnlessPrivate}: its message is the reason alone, never the path or a byte of the file. */
export class NotPrivateError extends Error {}

/**
 * A `check` for the one reader (readTextFile's option) that refuses a file unless it is private
 * ({@link privateFileProblem}). The open descriptor is judged, not the path: a file swapped in after a look at the
 * path is caught too.
 */
export function refuseUnlessPrivate(fd: number): void {
  const problem = privateFileProblem(fstatSync(fd));
  if (problem !== undefined) throw new NotPrivateError(problem);
}

/**
 * {@link refuseUnlessPrivate} for the file opened at `path`, and the symbolic links that led there: each link on the
 * way (the file's own name or a directory of its path) must be the running user's or root's, as for `.redfort.yaml`.
 * Whoever made a link chose the file read: another user's link at `redfort-secrets.env` in a shared directory, leading
 * to a private secrets file of root's other deployment, gave fix that deployment's passwords for this target (QA41-59);
 * the file itself, root's and 0600, passed. The path is walked again after the open, and must lead to the file opened
 * (a link removed or changed in between is refused, not passed).
 */
export function refuseUnlessPrivateAt(path: string): (fd: number) => void {
  return (fd) => {
    refuseUnlessPrivate(fd);
    const me = process.getuid?.();
    if (me === undefined) return;
    const walked = walkLinks(path, (uid) => uid === me || uid === 0);
    if ('foreign' in walked) {
      const { link, uid } = walked.foreign;
      throw new NotPrivateError(`reached through ${link}, a symbolic link ${foreignOwner(uid, me)!}: not trusted (another user may have planted it)`);
    }
    const opened = fstatSync(fd);
    if (walked.end === undefined || walked.end.dev !== opened.dev || walked.end.ino !== opened.ino) {
      throw new NotPrivateError('its path changed while it was read: not trusted (read it again)');
    }
  };
}

/** At most this many links on one path, as the kernel's ELOOP. */
const MAX_LINKS = 40;

/**
 * The path resolved one name at a time, as the kernel does: the first symbolic link on the way (the file's own name,
 * a directory of its path, a link a link leads to) whose owner is not `trusted`, else what the path leads to now
 * (undefined when a name is missing or the links loop). Whoever owns a link chose where it leads: the one walk of
 * every check of a file another user may have led redfort to (here; settings/load.ts for `.redfort.yaml` and
 * `--targets`, which trust the user who ran sudo too).
 */
export function walkLinks(path: string, trusted: (uid: number) => boolean): { foreign: { link: string; uid: number } } | { end: { dev: number; ino: number } | undefined } {
  const absolute = resolve(path);
  let names = absolute.split('/');
  let at = '/';
  let links = 0;
  let info: { dev: number; ino: number; isSymbolicLink(): boolean; uid: number } | undefined;
  try {
    info = lstatSync('/');
    while (names.length > 0) {
      const name = names.shift()!;
      if (name === '' || name === '.') continue;
      if (name === '..') {
        at = resolve(at, '..');
        info = lstatSync(at);
        continue;
      }
      const next = at === '/' ? `/${name}` : `${at}/${name}`;
      info = lstatSync(next);
      if (!info.isSymbolicLink()) {
        at = next;
        continue;
      }
      if (!trusted(info.uid)) return { foreign: { link: next, uid: info.uid } };
      if (++links > MAX_LINKS) return { end: undefined };
      const target = readlinkSync(next);
      if (isAbsolute(target)) at = '/';
      names = [...target.split('/'), ...names];
    }
  } catch {
    return { end: undefined };
  }
  return { end: info };
}

/**
 * Reads a password or token file (a regular file only: a FIFO or a device is refused before it is opened, as libpq
 * refuses a ~/.pgpass that is not a plain file) and judges the mode and owner of the file that was read (its open
 * descriptor, not a path that may have changed since).
 */
export async function readSecretFile(path: string, maxBytes: number): Promise<SecretFileText> {
  let info: Stats | undefined;
  let link: string | undefined;
  const text = await readTextFile(path, {
    maxBytes,
    check: (fd) => {
      info = fstatSync(fd);
      link = foreignLinkOn(path);
    },
  });
  const problems = [info === undefined ? undefined : secretFileExposure(info, process.getuid?.()), link].filter((p) => p !== undefined);
  return problems.length === 0 ? { text } : { text, exposure: problems.join('; ') };
}

/**
 * Why the way to a secret file is another user's, or undefined: a symbolic link on its path (its own name or a
 * directory's) owned by neither the running user nor root. That user may point it at any file the running user can
 * read, and so choose the password sent (QA42-21: a passwordFile at another user's link in a shared directory was
 * read without a word, though a file that user owns is warned of).
 */
function foreignLinkOn(path: string): string | undefined {
  const me = process.getuid?.();
  if (me === undefined) return undefined;
  const walked = walkLinks(path, (uid) => uid === me || uid === 0);
  if (!('foreign' in walked)) return undefined;
  const { link, uid } = walked.foreign;
  return `is reached through ${link}, a symbolic link ${foreignOwner(uid, me)!}: that user may point it at another file`;
}
