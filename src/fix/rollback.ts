import { closeSync, constants as fsConstants, fchmodSync, fchownSync, fstatSync, fsyncSync, lstatSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { nodeCrypto } from '../util/builtin.ts';
import { readTextFile } from '../util/read-file.ts';
import { fsErrorText } from '../util/fs-error.ts';
import { dirname, basename, join, resolve } from 'node:path';
import { refuseUnlessPrivateAt } from '../util/secret-file.ts';
import { ReplyError } from '../gather/live/resp.ts';
import type { Reply } from '../gather/live/resp.ts';
import type { NodeSession } from './session.ts';
import { aclListBound, aclListStallSeconds } from '../acl/limits.ts';
import { addressOf, socketAddress } from '../net/address.ts';
import type { NodeRole, Touch } from './types.ts';

export const ROLLBACK_WARNING =
  'This file holds secrets: the passwords and masterauth values that redfort fix replaced, and the password of the admin user it created. Keep it private (mode 0600) and delete it once you no longer need to roll back.';

export interface RecordedFile {
  readonly role: 'config' | 'acl';
  readonly path: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /**
   * The ACL file's text before the first ACL SAVE of an apply (role `acl`, a regular file of at most
   * {@link ACL_CONTENT_MAX_BYTES}): ACL SAVE writes only the users the server runs, and removes the file's other lines
   * (users added for a later ACL LOAD, QA40-27); a rollback puts them back (see {@link restoreAclLines}). It holds
   * password hashes: it is never shown, only kept in this (0600) file.
   */
  content?: string;
}

/** The largest ACL file whose text a rollback record keeps: far above any real one. */
export const ACL_CONTENT_MAX_BYTES = 1024 * 1024;

export interface RollbackNode {
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** The unix socket the apply reached the node through (then `address` is `unix:///path`, `host` and `port` `localhost` and 0): absent for TCP. */
  readonly socket?: string;
  readonly role: NodeRole;
  /** A user the fix created that can log in when the original credentials no longer can. */
  credentials: { user: string; password: string } | null;
  /** `CONFIG GET` values before the first change (clear text: secrets included). */
  readonly config: Record<string, string>;
  /** The `ACL LIST` line of each touched user before the first change; null when the user did not exist. */
  readonly users: Record<string, string | null>;
  /** A sentinel's `auth-user` / `auth-pass` per master: null when unset, absent when unknown. */
  readonly sentinel: { master: string; field: 'auth-user' | 'auth-pass'; value: string | null }[];
  /** Mode and owner of the server's files before the first change (servers on this machine only). */
  readonly files: RecordedFile[];
  /** Whether an apply ran CONFIG REWRITE / ACL SAVE here (a rollback then persists the restored state too). */
  persisted: { configRewrite: boolean; aclSave: boolean };
  /** Step ids applied, in order. */
  applied: number[];
  /**
   * What a rollback does not undo here, and why, in words (a step that took clear-text passwords out of a file: they
   * are not written back). Absent when there is nothing to say.
   */
  notes?: string[];
  /**
   * What the steps run here touch (each added before its step runs, so that a step cut short counts): a rollback
   * restores nothing else. Absent in records written before session 34: see {@link rollbackScope}.
   */
  touched?: Touch[];
  /**
   * The users this node logs in to the other nodes as once its steps ran (`masteruser`, a sentinel's `auth-user`),
   * each added before its step runs. A rollback that cannot set this node back keeps them on the others: deleted, the
   * node (its config file rewritten) could not replicate or watch them when it came back (QA40-2). Absent in records
   * written before session 40: see the rollback's reading of `touched`.
   */
  uses?: string[];
}

export interface RollbackRecord {
  readonly format: 'redfort-fix-rollback';
  readonly version: 1;
  readonly warning: string;
  readonly target: string;
  readonly createdAt: string;
  readonly nodes: RollbackNode[];
  /**
   * Each apply of a plan: its digest, the steps it ran, and each node's digest after it. A later apply of the same
   * plan accepts a node in that state (its own earlier apply changed it) and skips the steps already run.
   * `stepsDigest` (records written since stop 29): the SHA-256 of the plan's steps that apply was given (what they apply, not their words, since session 41), so that a
   * resumed apply runs only the steps the first one was checked against, not steps edited into the file since.
   */
  readonly applies: { plan: string; steps: number[]; after: Record<string, string>; stepsDigest?: string }[];
}

/** A rollback record that cannot be read, or is not the running user's (or root's) own. */
export class RollbackFileError extends Error {
  override readonly name = 'RollbackFileError';
}

/**
 * Writes the record with mode 0600 through a temp file and a rename, so that it is never half-written. The temp file
 * is new (created exclusively, under a name nobody can guess): the rollback file's directory may be anyone's (the
 * current directory, /tmp), and a link planted at a temp name of the pid's sent the record (and its chmod) into
 * the file it named.
 */
export function writeRollback(path: string, record: RollbackRecord): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}-${nodeCrypto().randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      writeSync(fd, `${JSON.stringify(record, null, 2)}\n`);
      fchmodSync(fd, 0o600);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // gone already
    }
    throw error;
  }
}

/** Reads a rollback file through the one reader: a regular file within the cap (a FIFO is refused, not waited on). */
export async function readRollback(path: string): Promise<RollbackRecord> {
  let text: string;
  try {
    // The record says what to chown, chmod, CONFIG SET and ACL SETUSER: only the running user's (or root's) own,
    // private file is believed. root ran a record another user had planted or edited and handed a file to that user.
    text = await readTextFile(path, { check: refuseUnlessPrivateAt(path) });
  } catch (error) {
    throw new RollbackFileError(`${path}: cannot read the rollback file: ${fsErrorText(error)}`);
  }
  let record: RollbackRecord;
  try {
    record = JSON.parse(text) as RollbackRecord;
  } catch {
    throw new RollbackFileError(`${path}: not a rollback file (not JSON)`);
  }
  if (record?.format !== 'redfort-fix-rollback' || record.version !== 1 || !Array.isArray(record.nodes)) {
    throw new RollbackFileError(`${path}: not a redfort fix rollback file`);
  }
  // Each node as apply writes it: a record is input, and a node without its config or users stopped the rollback
  // with "unexpected error: Cannot convert undefined or null to object" (QA40-18). Fields of later record formats
  // (persisted, applied, sentinel, files) may be absent: none.
  const nodes: RollbackNode[] = [];
  // Records written before SOCKET-NAME named a node reached through its unix socket `localhost:0` (its host and port
  // then): it is named by its socket now, as an apply names it, so that a later apply adds to the record.
  const renamed = new Map<string, string | null>();
  for (const [i, n] of (record.nodes as unknown[]).entries()) {
    const problem = nodeShapeProblem(n);
    if (problem !== undefined) throw new RollbackFileError(`${path}: not a redfort fix rollback file (node ${i + 1} ${problem})`);
    const node = n as RollbackNode;
    let address = node.address;
    if (node.socket !== undefined && address === addressOf(node.host, node.port)) {
      address = socketAddress(node.socket);
      renamed.set(node.address, renamed.has(node.address) ? null : address);
    }
    nodes.push({ ...node, address, sentinel: node.sentinel ?? [], files: node.files ?? [], applied: node.applied ?? [], persisted: node.persisted ?? { configRewrite: false, aclSave: false }, credentials: node.credentials ?? null });
  }
  if (typeof record.target !== 'string') throw new RollbackFileError(`${path}: not a redfort fix rollback file (no target)`);
  // `applies` came in a later record format: absent is none; anything but a list of objects is not a record of ours.
  if (record.applies === undefined) return { ...record, nodes, applies: [] };
  if (!Array.isArray(record.applies) || !record.applies.every((a) => typeof a === 'object' && a !== null && typeof a.plan === 'string' && Array.isArray(a.steps) && (a.after === undefined || isObject(a.after)))) {
    throw new RollbackFileError(`${path}: not a redfort fix rollback file (its 'applies' is not a list of applies)`);
  }
  // An apply's digests after it, by node: under the socket's name too (two sockets both `localhost:0`: left as they are).
  const after = (a: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(a).map(([k, v]) => [renamed.get(k) ?? k, v]));
  return { ...record, nodes, applies: record.applies.map((a) => ({ ...a, after: after(a.after ?? {}) })) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a recorded node lacks of the shape apply writes, in words (`has no config, users`), or undefined. */
function nodeShapeProblem(n: unknown): string | undefined {
  if (!isObject(n)) return 'is not an object';
  const missing: string[] = [];
  if (typeof n['address'] !== 'string') missing.push('address');
  if (typeof n['host'] !== 'string') missing.push('host');
  if (!Number.isInteger(n['port'])) missing.push('port');
  if (n['socket'] !== undefined && typeof n['socket'] !== 'string') missing.push('socket');
  if (!['master', 'replica', 'sentinel'].includes(n['role'] as string)) missing.push('role');
  if (!isObject(n['config'])) missing.push('config');
  if (!isObject(n['users'])) missing.push('users');
  for (const list of ['sentinel', 'files', 'applied', 'notes', 'touched', 'uses']) if (n[list] !== undefined && !Array.isArray(n[list])) missing.push(list);
  if (n['persisted'] !== undefined && !isObject(n['persisted'])) missing.push('persisted');
  if (n['credentials'] !== undefined && n['credentials'] !== null && !(isObject(n['credentials']) && typeof n['credentials']['user'] === 'string' && typeof n['credentials']['password'] === 'string')) missing.push('credentials');
  return missing.length > 0 ? `has no valid ${missing.join(', ')}` : undefined;
}

/**
 * Why an apply to `addresses` may not add to the earlier record, or undefined: a record of other nodes (another
 * deployment) is never written over nor mixed with this one's; the operator rolls it back or moves it away, or gives
 * another --rollback-file. A record of the same deployment is added to whatever URL reached it (QA40-4: a second
 * apply as `admin@`, as one must once the default user is off, dropped the first apply's record).
 */
export function foreignRecord(earlier: RollbackRecord | undefined, addresses: Iterable<string>): string | undefined {
  if (!earlier || earlier.nodes.length === 0) return undefined;
  const mine = new Set(addresses);
  if (earlier.nodes.some((n) => mine.has(n.address))) return undefined;
  const theirs = earlier.nodes.map((n) => n.address);
  return `it records an apply to other nodes (${theirs.slice(0, 3).join(', ')}${theirs.length > 3 ? ', …' : ''}, target ${earlier.target}), which a rollback may still need: roll that back or move the file away, or give another --rollback-file`;
}

/**
 * Adds what `fresh` recorded to an earlier record of the same deployment (a node in common, whatever the URL, its
 * user or scheme): values recorded earlier are kept, so that a rollback returns to the state before the first apply.
 * The target becomes the latest apply's (the way in that worked last: an earlier one's credentials may be retired).
 * A record of other nodes only is refused (see {@link foreignRecord}): it is never silently replaced.
 */
export function mergeRollback(earlier: RollbackRecord | undefined, fresh: RollbackRecord): RollbackRecord {
  if (!earlier) return fresh;
  const foreign = foreignRecord(earlier, fresh.nodes.map((n) => n.address));
  if (foreign !== undefined) throw new RollbackFileError(foreign);
  // A node of an older record that ran steps without keeping what they touched stays without (its scope is then
  // the older, wider one): what the new steps touch is not all that may need restoring.
  const nodes = earlier.nodes.map((n) => {
    const { touched, ...rest } = n;
    const keep = touched !== undefined || n.applied.length === 0;
    return { ...rest, config: { ...n.config }, users: { ...n.users }, sentinel: [...n.sentinel], files: [...n.files], ...(keep ? { touched: [...(touched ?? [])] } : {}) };
  });
  for (const f of fresh.nodes) {
    const old = nodes.find((n) => n.address === f.address);
    if (!old) {
      nodes.push(f);
      continue;
    }
    for (const [k, v] of Object.entries(f.config)) if (!(k in old.config)) old.config[k] = v;
    for (const [k, v] of Object.entries(f.users)) if (!(k in old.users)) old.users[k] = v;
    for (const s of f.sentinel) if (!old.sentinel.some((o) => o.master === s.master && o.field === s.field)) old.sentinel.push(s);
    for (const file of f.files) {
      const known = old.files.findIndex((o) => o.path === file.path);
      if (known < 0) old.files.push(file);
      // Recorded earlier without its text (no ACL SAVE then, so the file is still as it was): this apply's text is it.
      else if (old.files[known]!.content === undefined && file.content !== undefined) old.files[known] = { ...old.files[known]!, content: file.content };
    }
    for (const note of f.notes ?? []) if (!(old.notes ?? []).includes(note)) old.notes = [...(old.notes ?? []), note];
    old.credentials = f.credentials ?? old.credentials;
  }
  return { ...earlier, target: fresh.target, nodes, applies: [...(earlier.applies ?? []), ...fresh.applies] };
}

/** Splits an ACL LIST line (`user name on #… ~* (+get ~k*)`) into the rules after the name; selectors stay whole. */
export function aclLineRules(line: string): { name: string; rules: string[] } {
  const tokens: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of line.trim()) {
    if (ch === ' ' && depth === 0) {
      if (current) tokens.push(current);
      current = '';
      continue;
    }
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    current += ch;
  }
  if (current) tokens.push(current);
  const [, name = '', ...rules] = tokens;
  return { name, rules };
}

export function statOf(role: RecordedFile['role'], path: string): RecordedFile | undefined {
  try {
    const s = statSync(path);
    return { role, path, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid };
  } catch {
    return undefined;
  }
}

/**
 * The settings a fix plan may CONFIG SET (src/fix/plan.ts; test/fix/fix-trust.test.ts checks the two agree): a
 * rollback sets back no other, whatever its record says (a record edited to `bind 0.0.0.0`, `protected-mode no`
 * names settings, bind, fix never sets).
 */
export const FIX_SETTINGS: ReadonlySet<string> = new Set(['masteruser', 'masterauth', 'loglevel', 'tls-prefer-server-ciphers', 'protected-mode', 'requirepass', 'tls-protocols', 'tls-ciphers', 'tls-auth-clients']);

/** The role names fix gives the users it creates (with --user-prefix before them): an older record deletes no other. */
const FIX_ROLE_NAMES = ['admin', 'app', 'replication', 'sentinel', 'auditor'];

/** What a rollback may restore on one node of its record: only what fix itself could have changed there. */
export interface RollbackScope {
  readonly config: (name: string) => boolean;
  /** A recorded user set back (it must exist now too: fix deletes no user) or, recorded as absent, deleted. */
  readonly user: (name: string, recordedAbsent: boolean) => boolean;
  readonly sentinel: (master: string, field: string) => boolean;
  /** Whether a step that rewrites a file (CONFIG REWRITE, ACL SAVE, SENTINEL SET) ran, so its mode and owner may be set back. */
  readonly files: boolean;
}

/**
 * What fix touched on a node, by the record's `touched` (what its steps touch, as apply recorded them before each
 * step); an older record without it is read conservatively: the settings fix sets, users deleted only when named as
 * fix names its own users, files only where it persisted. Always: settings fix may set, sentinel auth-user/auth-pass.
 */
export function rollbackScope(node: RollbackNode): RollbackScope {
  const touched = Array.isArray(node.touched) ? node.touched : undefined;
  const has = (test: (t: Touch) => boolean) => touched === undefined || touched.some((t) => typeof t === 'object' && t !== null && test(t));
  return {
    config: (name) => FIX_SETTINGS.has(name) && has((t) => t.kind === 'config' && t.name === name),
    user: (name, recordedAbsent) => {
      if (touched !== undefined) return has((t) => t.kind === 'user' && t.name === name);
      return !recordedAbsent || FIX_ROLE_NAMES.some((role) => name === role || name.endsWith(role));
    },
    sentinel: (master, field) => (field === 'auth-user' || field === 'auth-pass') && has((t) => t.kind === 'sentinel' && t.master === master && t.field === field),
    files: touched !== undefined ? touched.some((t) => t?.kind === 'file' || t?.kind === 'sentinel') : node.persisted?.configRewrite === true || node.persisted?.aclSave === true || node.role === 'sentinel',
  };
}

/** The node's own files now: INFO's config_file, CONFIG GET aclfile. */
export interface LiveFiles {
  readonly config: string | undefined;
  readonly acl: string | undefined;
}

/**
 * Why a recorded file's mode and owner are not set back, or undefined: a rollback restores what fix's CONFIG
 * REWRITE / ACL SAVE could have changed, and nothing else: the node's own config or ACL file only (not any path a
 * record names: with `live`, a rollback from a record), and, for apply's own restore right after its rewrite too, its
 * owner only to root or the file's owner now (a rewrite gives it to the server's user), and never a mode that gives
 * more than the file has now beyond its owner's read and write (a rewrite makes it 0644 or less): whatever file the
 * path leads to, nobody gets a file or a right to it that they did not have (QA38-19).
 */
export function fileRestoreProblem(file: RecordedFile, now: RecordedFile, live?: LiveFiles): string | undefined {
  if (live) {
    const own = file.role === 'config' ? live.config : file.role === 'acl' ? live.acl : undefined;
    if (own === undefined || own === '' || resolve(own) !== resolve(file.path)) {
      return `${file.path}: not the node's ${file.role === 'acl' ? 'ACL' : 'config'} file now: its mode and owner were not restored`;
    }
  }
  const ids = [file.uid, file.gid, file.mode];
  if (!ids.every((n) => Number.isInteger(n) && n >= 0)) return `${file.path}: the recorded mode or owner is not a number: not restored`;
  if ((file.uid !== 0 && file.uid !== now.uid) || (file.gid !== 0 && file.gid !== now.gid)) {
    return `${file.path}: the recorded owner ${file.uid}:${file.gid} is neither root nor the file's owner now (${now.uid}:${now.gid}): not restored; set it by hand if it is right`;
  }
  const added = file.mode & ~now.mode & ~0o600;
  if (added !== 0) return `${file.path}: the recorded mode ${octal(file.mode)} gives more than the file has now (${octal(now.mode)}): not restored; set it by hand if it is right`;
  return undefined;
}

/**
 * Puts a file's mode and owner back; returns what was changed, or why it could not be: `error` when the path is no
 * longer a regular file of its own (gone, a symbolic link, a hard link, a FIFO: the server's user may have put it
 * there, in a directory it owns, to have root give it another file), `refused` when {@link fileRestoreProblem} keeps
 * the recorded values. The file is opened without following a link and changed through that descriptor (fchown,
 * fchmod), so what is checked is what is changed. With `live` (a rollback from a record), only the node's own files.
 */
export function restoreFile(file: RecordedFile, live?: LiveFiles): { changed: string | undefined; error: string | undefined; refused?: string } {
  let fd: number;
  try {
    fd = openSync(file.path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { changed: undefined, error: `${file.path}: no longer there` };
    if (code === 'ELOOP') return { changed: undefined, error: `${file.path}: a symbolic link now, not the file the server wrote: its mode and owner were not restored (check who put it there)` };
    // Not readable by this user (not root): nothing to do when the mode and owner are the recorded ones already.
    const same = code === 'EACCES' ? lstatOrUndefined(file.path) : undefined;
    if (same?.isFile() && (same.mode & 0o7777) === file.mode && same.uid === file.uid && same.gid === file.gid) return { changed: undefined, error: undefined };
    return { changed: undefined, error: `${file.path}: ${code ?? (error as Error).message}` };
  }
  try {
    const s = fstatSync(fd);
    if (!s.isFile()) return { changed: undefined, error: `${file.path}: not a regular file now: its mode and owner were not restored (check who put it there)` };
    if (s.nlink !== 1) return { changed: undefined, error: `${file.path}: ${s.nlink} hard links to it now, not the file the server wrote: its mode and owner were not restored (check who put it there)` };
    const now: RecordedFile = { role: file.role, path: file.path, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid };
    const refused = fileRestoreProblem(file, now, live);
    if (refused) return { changed: undefined, error: live ? refused : undefined, refused };
    const parts: string[] = [];
    if (now.uid !== file.uid || now.gid !== file.gid) {
      fchownSync(fd, file.uid, file.gid);
      parts.push(`owner ${now.uid}:${now.gid} → ${file.uid}:${file.gid}`);
    }
    if (now.mode !== file.mode) {
      fchmodSync(fd, file.mode);
      parts.push(`mode ${octal(now.mode)} → ${octal(file.mode)}`);
    }
    return { changed: parts.length ? `${file.path}: ${parts.join(', ')}` : undefined, error: undefined };
  } catch (error) {
    return { changed: undefined, error: `${file.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  } finally {
    closeSync(fd);
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Whether an ACL file line sets a clear-text password (`>pw`), which a rollback does not write back. */
function clearTextLine(line: string): boolean {
  return aclLineRules(line).rules.some((r) => r.startsWith('>'));
}

/**
 * The ACL file as a rollback leaves it: its recorded lines (`recorded`, before the apply's ACL SAVE), each user's
 * recorded line in place of the one the rollback's ACL SAVE wrote (`now`) unless it holds a clear-text password (not
 * written back: see the record's notes), a user's recorded line that is not there now (in the file, never loaded:
 * ACL SAVE had removed it) always; then the users of `now` the record does not hold (run at the time, never saved).
 * The names of the users whose lines come back (`added`: missing now, `replaced`: another line now).
 */
export function mergedAclText(recorded: string, now: string): { text: string; added: string[]; replaced: string[] } {
  const parse = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((line) => ({ line, name: aclLineRules(line).name }));
  const before = parse(recorded);
  const current = parse(now);
  const currentBy = new Map(current.map((c) => [c.name, c.line]));
  const out: string[] = [];
  const added: string[] = [];
  const replaced: string[] = [];
  for (const r of before) {
    const line = currentBy.get(r.name);
    if (line === undefined) {
      out.push(r.line);
      added.push(r.name);
    } else if (line !== r.line && !clearTextLine(r.line)) {
      out.push(r.line);
      replaced.push(r.name);
    } else out.push(line);
  }
  const names = new Set(before.map((r) => r.name));
  for (const c of current) if (!names.has(c.name)) out.push(c.line);
  return { text: out.length > 0 ? `${out.join('\n')}\n` : '', added, replaced };
}

/**
 * Puts back the lines of a node's ACL file that the apply's ACL SAVE removed or replaced (its recorded text, see
 * {@link mergedAclText}), after the rollback's own ACL SAVE: the node's own ACL file only (`live`), a regular file
 * with one link of at most {@link ACL_CONTENT_MAX_BYTES}, written whole through a new file in its directory (its mode
 * and owner) and a rename. Never a byte of the file in what it returns: user names only.
 */
export function restoreAclLines(file: RecordedFile, live: LiveFiles): { changed?: string; error?: string } {
  const recorded = file.content;
  if (typeof recorded !== 'string' || recorded.length > ACL_CONTENT_MAX_BYTES) return {};
  const own = live.acl;
  if (own === undefined || own === '' || resolve(own) !== resolve(file.path)) return { error: `${file.path}: not the node's ACL file now: the lines the apply's ACL SAVE removed from it were not put back` };
  let fd: number;
  try {
    fd = openSync(file.path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
  } catch (error) {
    return { error: `${file.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}: the lines the apply's ACL SAVE removed from it were not put back` };
  }
  let now: string;
  let stat: Stats;
  try {
    stat = fstatSync(fd);
    if (!stat.isFile() || stat.nlink !== 1 || stat.size > ACL_CONTENT_MAX_BYTES) return { error: `${file.path}: ${!stat.isFile() ? 'not a regular file now' : stat.nlink !== 1 ? `${stat.nlink} hard links to it now` : 'larger than a rollback writes'}: the lines the apply's ACL SAVE removed from it were not put back (check who put it there)` };
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < stat.size) {
      const n = readSync(fd, buffer, read, stat.size - read, read);
      if (n === 0) break;
      read += n;
    }
    now = buffer.subarray(0, read).toString('utf8');
  } catch (error) {
    return { error: `${file.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}: the lines the apply's ACL SAVE removed from it were not put back` };
  } finally {
    closeSync(fd);
  }
  const merged = mergedAclText(recorded, now);
  if (merged.text === now || (merged.added.length === 0 && merged.replaced.length === 0)) return {};
  const tmp = join(dirname(file.path), `.${basename(file.path)}.${process.pid}-${nodeCrypto().randomBytes(6).toString('hex')}.tmp`);
  try {
    const out = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(out, merged.text);
      if (stat.uid !== process.getuid?.() || stat.gid !== process.getgid?.()) fchownSync(out, stat.uid, stat.gid);
      fchmodSync(out, stat.mode & 0o7777);
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    renameSync(tmp, file.path);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // never made, or gone already
    }
    return { error: `${file.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}: the lines the apply's ACL SAVE removed from it were not put back` };
  }
  const words = [
    ...(merged.added.length > 0 ? [`the line${merged.added.length === 1 ? '' : 's'} of ${userWords(merged.added)} that ACL SAVE had removed (in the file, not loaded)`] : []),
    ...(merged.replaced.length > 0 ? [`the file's earlier line${merged.replaced.length === 1 ? '' : 's'} of ${userWords(merged.replaced)}`] : []),
  ];
  return { changed: `${file.path}: put back ${words.join(', and ')}` };
}

/**
 * A server's word (a user name, a field, an error) shown in fix's messages: printable ASCII only (spaces too when
 * `spaces`), each other character a '?', clipped to `max` characters.
 */
function printable(text: string, max: number, spaces = false): string {
  return text.replace(spaces ? /[^\x20-\x7e]/g : /[^\x21-\x7e]/g, '?').slice(0, max);
}

function userWords(names: readonly string[]): string {
  const shownNames = names.slice(0, 10).map((n) => `'${printable(n, 60)}'`);
  return `${names.length === 1 ? 'user' : 'users'} ${shownNames.join(', ')}${names.length > 10 ? ` and ${names.length - 10} more` : ''}`;
}

export function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

/** The ACL LIST lines of a server by user name. Unbounded: see {@link aclLinesOf} and {@link aclUserNames}. */
export async function aclLines(session: NodeSession): Promise<Map<string, string>> {
  const reply = await session.send(['ACL', 'LIST']);
  if (!Array.isArray(reply)) throw new Error(`ACL LIST failed: ${String(reply)}`);
  return new Map(reply.map((l) => String(l)).map((l) => [aclLineRules(l).name, l]));
}

/**
 * The server's user names (ACL USERS: a microsecond a user, where ACL LIST renders each user anew on Redis before 7.2,
 * 0.16 ms each, serving no other client meanwhile; QA44-5). An ACL USERS refused (a user granted `+acl|list` alone)
 * falls back to ACL LIST's names, as the audit's gather does.
 */
export async function aclUserNames(session: NodeSession): Promise<Set<string>> {
  const reply = await session.send(['ACL', 'USERS']);
  if (Array.isArray(reply)) return new Set(reply.map((u) => String(u)));
  return new Set((await aclLines(session)).keys());
}

/**
 * The ACL LIST lines of the users `names` that exist (a name left out: no such user), read before a change for a
 * rollback. ACL USERS first: when none of them exists, ACL LIST is not asked at all; else only while the server's
 * users are within the audit's bound (ACL_LIST_BOUNDS: 500 on a server that renders ACL LIST anew, `rewrites`).
 * Past it, each of those users alone is read with ACL GETUSER (one user's rules: FIX-500) and its line made from the
 * reply ({@link aclLineOfUser}), as ACL LIST would write it.
 *
 * @throws Error naming the user and why, when a user's rules cannot be read or written back exactly: before any change.
 */
export async function aclLinesOf(session: NodeSession, names: readonly string[], rewrites: boolean): Promise<Map<string, string>> {
  const reply = await session.send(['ACL', 'USERS']);
  if (!Array.isArray(reply)) return aclLines(session);
  const present = new Set(reply.map((u) => String(u)));
  const existing = names.filter((n) => present.has(n));
  if (existing.length === 0) return new Map();
  const bound = aclListBound(rewrites);
  if (present.size <= bound) {
    const lines = await aclLines(session);
    return new Map(existing.flatMap((n) => (lines.has(n) ? [[n, lines.get(n)!] as const] : [])));
  }
  const n = (count: number) => count.toLocaleString('en-US');
  const how = rewrites ? `a server before Redis 7.2 renders every user anew for it, some 0.16 ms of CPU each: ${aclListStallSeconds(present.size)} s or more here` : 'redfort reads no more on one server';
  const out = new Map<string, string>();
  for (const name of existing) {
    const user = await session.send(['ACL', 'GETUSER', name]);
    // Gone since ACL USERS: nothing to record (as ACL LIST would have said).
    if (user === null) continue;
    try {
      out.set(name, aclLineOfUser(name, user));
    } catch (error) {
      throw new Error(`ACL USERS holds ${n(present.size)} users: more than the ${n(bound)} whose ACL LIST fix asks (${how}), and ACL GETUSER, asked instead for each user a step changes, did not give the rules of ${userWords([name])} (${error instanceof Error ? error.message : String(error)}), which must be recorded before fix changes them, for a rollback: nothing was changed (change that user by hand)`);
    }
  }
  return out;
}

/** The fields of an ACL GETUSER reply (a flat list of names and values, or a RESP3 map) by name. */
function replyFields(reply: Reply, what: string): Map<string, Reply> {
  if (reply instanceof ReplyError) throw new Error(`refused: ${printable(reply.message, 200, true)}`);
  const out = new Map<string, Reply>();
  if (reply instanceof Map) {
    for (const [k, v] of reply) out.set(String(k), v);
    return out;
  }
  if (!Array.isArray(reply) || reply.length % 2 !== 0) throw new Error(`${what} is not a list of fields`);
  for (let i = 0; i < reply.length; i += 2) {
    const k = reply[i];
    if (typeof k !== 'string') throw new Error(`${what} is not a list of fields`);
    out.set(k, reply[i + 1]!);
  }
  return out;
}

/**
 * Whether a word of a rule (or a user name) is one word of an ACL LIST line as {@link aclLineRules} reads it back: no
 * space or control character, and its parentheses balanced (an open one would take the words after it into a selector).
 */
function isRuleWord(word: string): boolean {
  if (!/^[^\s\x00-\x1f\x7f]+$/.test(word)) return false;
  let depth = 0;
  for (const ch of word) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

function ruleWords(value: Reply | undefined, field: string, prefix = ''): string[] {
  if (value === undefined) throw new Error(`no ${field}`);
  // Redis 7.0+ write a field as ACL LIST does (`~a %R~b`); 6.0 and 6.2 list the bare patterns.
  const words = typeof value === 'string' ? value.split(' ').filter((w) => w !== '') : Array.isArray(value) && value.every((w) => typeof w === 'string') ? value.map((w) => `${prefix}${w as string}`) : undefined;
  if (words === undefined) throw new Error(`${field} is neither a string nor a list of strings`);
  for (const w of words) if (!isRuleWord(w)) throw new Error(`a word of ${field} that ACL SETUSER would not take back as one`);
  return words;
}

/** The flags ACL GETUSER gives (6.0 to 8.x, Valkey): the last three are said again by the keys, channels and commands. */
const USER_FLAGS = new Set(['on', 'off', 'nopass', 'sanitize-payload', 'skip-sanitize-payload', 'allkeys', 'allchannels', 'allcommands']);
const SAID_ELSEWHERE = new Set(['allkeys', 'allchannels', 'allcommands']);

/**
 * A permission set (the user's own, or one selector) as ACL LIST writes it: keys, channels (`&*`, or `resetchannels`
 * and the patterns; none before 6.2), Valkey's databases (`alldbs` left unsaid), commands.
 */
function permissionWords(fields: Map<string, Reply>, flags: ReadonlySet<string>, known: ReadonlySet<string>): string[] {
  for (const k of fields.keys()) if (!known.has(k)) throw new Error(`a field '${printable(k, 40)}' redfort cannot write back`);
  const keys = ruleWords(fields.get('keys'), 'keys', '~');
  const out = flags.has('allkeys') && !keys.includes('~*') ? ['~*', ...keys] : keys;
  if (fields.has('channels')) {
    const channels = ruleWords(fields.get('channels'), 'channels', '&');
    if (flags.has('allchannels') || (channels.length === 1 && channels[0] === '&*')) out.push('&*');
    else out.push('resetchannels', ...channels);
  }
  if (fields.has('databases')) {
    const dbs = ruleWords(fields.get('databases'), 'databases');
    if (!(dbs.length === 1 && dbs[0] === 'alldbs')) out.push(...dbs);
  }
  out.push(...ruleWords(fields.get('commands'), 'commands'));
  return out;
}

const USER_FIELDS = new Set(['flags', 'passwords', 'commands', 'keys', 'channels', 'databases', 'selectors']);
const SELECTOR_FIELDS = new Set(['commands', 'keys', 'channels', 'databases']);

/**
 * The ACL LIST line (`user NAME rules…`) of one user from its ACL GETUSER reply, which a rollback sets back as it does
 * a line ACL LIST gave: flags, password hashes (`#…`), keys, channels, commands, selectors (7.0+). The reply's shape
 * differs by version: 6.0 and 6.2 give flags such as `allkeys` and lists of bare patterns (6.0 no channels), 7.0+ the
 * rules as strings and the selectors; Valkey 9 adds databases. On each, the line is the one ACL LIST writes
 * (test/builds/acl-getuser-line.test.ts compares them on real 6.0, 6.2, 7.2 and Valkey; test/fix/acl-list-bound on 7.0).
 *
 * @throws Error saying what in the reply cannot be written back exactly (a field or flag not known, a word with a space).
 */
export function aclLineOfUser(name: string, reply: Reply): string {
  if (!isRuleWord(name)) throw new Error('a user name ACL SETUSER would not take back as one word');
  const fields = replyFields(reply, 'the reply');
  const flagList = fields.get('flags');
  if (!Array.isArray(flagList) || !flagList.every((f) => typeof f === 'string')) throw new Error('no list of flags');
  const flags = new Set(flagList as string[]);
  for (const f of flags) if (!USER_FLAGS.has(f)) throw new Error(`a flag '${printable(f, 40)}' redfort cannot write back`);
  const passwords = fields.get('passwords');
  if (!Array.isArray(passwords) || !passwords.every((p) => typeof p === 'string' && /^[0-9a-f]{64}$/.test(p))) throw new Error('passwords that are not SHA-256 hashes');
  const root = new Map([...fields].filter(([k]) => k !== 'flags' && k !== 'passwords' && k !== 'selectors'));
  const words = [...(flagList as string[]).filter((f) => !SAID_ELSEWHERE.has(f)), ...(passwords as string[]).map((p) => `#${p}`), ...permissionWords(root, flags, USER_FIELDS)];
  const selectors = fields.get('selectors');
  if (selectors !== undefined) {
    if (!Array.isArray(selectors)) throw new Error('selectors that are not a list');
    for (const selector of selectors) words.push(`(${permissionWords(replyFields(selector, 'a selector'), new Set(), SELECTOR_FIELDS).join(' ')})`);
  }
  return ['user', name, ...words].join(' ');
}

/** CONFIG GET of each name, as a map; a missing value is absent. */
export async function configValues(session: NodeSession, names: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of names) {
    const reply: Reply = await session.send(['CONFIG', 'GET', name]);
    if (reply instanceof ReplyError) throw new Error(`CONFIG GET ${name} failed: ${reply.message}`);
    if (Array.isArray(reply)) {
      for (let i = 0; i + 1 < reply.length; i += 2) if (String(reply[i]).toLowerCase() === name) out.set(name, String(reply[i + 1]));
    } else if (reply instanceof Map) {
      for (const [k, v] of reply) if (String(k).toLowerCase() === name) out.set(name, String(v));
    }
  }
  return out;
}
