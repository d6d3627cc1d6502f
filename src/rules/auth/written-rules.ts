import type { AclState, AclUser, CategoryTable, FileFacts, ServerIdentity } from '../../facts/types.ts';
import { analyzeDangerous, effectiveKey, isCommandRule } from '../../acl/permissions.ts';
import type { DangerousReport } from '../../acl/permissions.ts';
import type { DatabaseScope } from '../../acl/databases.ts';
import { allowedDatabases, hasDatabaseRules } from '../../acl/databases.ts';
import { isKeyRule, keyAccess, keyAccessOf, keysShown } from '../../acl/keys.ts';
import type { KeyAccess } from '../../acl/keys.ts';
import { parseAclListLine } from '../../acl/parse.ts';
import { roleRules } from '../../profile/index.ts';
import type { Role } from '../../profile/index.ts';
import { resolveVersion } from '../../redis/directives.ts';

/** Whether two renderings of a user allow exactly the same commands. */
export function sameCommands(a: AclUser, b: AclUser, table: CategoryTable): boolean {
  return effectiveKey(a, table) === effectiveKey(b, table);
}

/** Whether two renderings of a user have the same command rules, word for word (root and selectors). */
function sameRules(a: AclUser, b: AclUser): boolean {
  const words = (u: AclUser): string => JSON.stringify([u.rules, ...u.selectors].map((rules) => rules.filter(isCommandRule).map((r) => r.toLowerCase())));
  return words(a) === words(b);
}

// Per category table and version: what each profile role may run, computed once (a run may judge many users).
// `parsed`: the role's rules as a user, parsed once here (a Sentinel's admin is compared with each user word for word).
type Form = { role: Role; rules: readonly string[]; parsed: AclUser; key: string; everything: boolean };
const FORMS = new WeakMap<CategoryTable, Map<string, readonly Form[]>>();

function profileForms(table: CategoryTable, server: ServerIdentity | undefined): readonly Form[] {
  const version = resolveVersion(server?.version);
  let byVersion = FORMS.get(table);
  if (!byVersion) FORMS.set(table, (byVersion = new Map()));
  // A Sentinel's profile users are its own (src/profile/users.ts: the admin keeps SENTINEL, ACL, SHUTDOWN… by name).
  const mode = server?.mode === 'sentinel' ? 'sentinel' : 'server';
  const key = `${version.product} ${version.major}.${version.minor} ${mode}`;
  let forms = byVersion.get(key);
  if (!forms) {
    const parse = (rules: readonly string[]) => parseAclListLine(`user x on nopass ${rules.join(' ')}`, { kind: 'default', note: 'the hardening profile' }, { version: server?.version });
    // A role that comes to every command of this table (a Sentinel's admin: +@all -@dangerous, then its few
    // dangerous commands back by name) is recognised only by its rules word for word: by what it allows, a `+@all`
    // user (a sentinel.conf's default) would pass as it.
    const all = effectiveKey(parse(['+@all']), table);
    forms = PROFILE_ROLES.map((role) => {
      const rules = roleRules(role, version, mode);
      const parsed = parse(rules);
      const key = effectiveKey(parsed, table);
      return { role, rules, parsed, key, everything: key === all };
    });
    byVersion.set(key, forms);
  }
  return forms;
}

/**
 * The hardening profile's users recognised by what they allow (src/profile/): admin and app start from every command
 * and take `-@dangerous` away; the sentinel user holds the few commands Sentinel sends, SLAVEOF among them (QA37-3).
 */
const PROFILE_ROLES: readonly Role[] = ['admin', 'app', 'sentinel'];

/**
 * Read-only commands that Redis's Sentinel documentation grants the sentinel user beside what Sentinel sends
 * ("Redis Sentinel and ACL": `+role`), none of which Sentinel needs or a stolen password could misuse.
 */
const SENTINEL_DOC_EXTRAS: readonly string[] = ['role'];

/** A profile role matched: `exact` when the user allows what the role allows and nothing else. */
type Match = { readonly form: Form; readonly exact: boolean };

/**
 * The profile role a user's rules are, when they are one: by what they allow, or word for word for a role that
 * allows everything. A data node's user that runs all that Sentinel sends and nothing else but
 * {@link SENTINEL_DOC_EXTRAS} is the sentinel user too, as Redis's documentation writes it (QA44-1).
 */
function profileFormOf(user: AclUser, table: CategoryTable, server: ServerIdentity | undefined): Match | undefined {
  const own = effectiveKey(user, table);
  const forms = profileForms(table, server);
  const form = forms.find((p) => p.key === own && (!p.everything || sameRules(user, p.parsed)));
  if (form) return { form, exact: true };
  const sentinel = server?.mode === 'sentinel' ? undefined : forms.find((p) => p.role === 'sentinel');
  if (!sentinel || own === '') return undefined;
  return nearSentinel(own, sentinel) ? { form: sentinel, exact: false } : undefined;
}

/**
 * Whether the effective key `own` is the sentinel form's and {@link SENTINEL_DOC_EXTRAS} at most, remembered per
 * form (a form is made once per category table): each user of each target asked it up to four times, splitting its
 * key of hundreds of commands into a Set each time, a fifth of a fleet's allocation (MEM-27's profiles). Bounded,
 * started afresh when full.
 */
function nearSentinel(own: string, sentinel: Form): boolean {
  let known = NEAR_SENTINEL.get(sentinel);
  if (!known) NEAR_SENTINEL.set(sentinel, (known = new Map()));
  let near = known.get(own);
  if (near === undefined) {
    const units = new Set(own.split(' '));
    const needed = sentinel.key.split(' ');
    const extra = [...units].filter((u) => !needed.includes(u));
    near = needed.every((u) => units.has(u)) && extra.every((u) => SENTINEL_DOC_EXTRAS.includes(u));
    if (known.size >= MAX_NEAR_SENTINEL) known.clear();
    known.set(own, near);
  }
  return near;
}
const NEAR_SENTINEL = new WeakMap<Form, Map<string, boolean>>();
const MAX_NEAR_SENTINEL = 256;

function profileNote({ form: p, exact }: Match): string {
  if (!exact) return `a sentinel user as Redis's Sentinel documentation writes it: what Sentinel sends, SLAVEOF among it, with nothing but ${SENTINEL_DOC_EXTRAS.map((c) => c.toUpperCase()).join(', ')} beside`;
  return `the hardening profile's ${p.role} user (${p.rules.filter((r) => /^[-+]/.test(r)).slice(0, 3).join(' ')} …), which it allows exactly`;
}

// The file's users by name, made once per file facts: each live user looks its own up (a scan per user was quadratic).
const BY_NAME = new WeakMap<readonly AclUser[], ReadonlyMap<string, AclUser>>();

/** The first file user of each name, as `find` would return it. */
function fileUsers(users: readonly AclUser[]): ReadonlyMap<string, AclUser> {
  let byName = BY_NAME.get(users);
  if (!byName) {
    const made = new Map<string, AclUser>();
    for (const u of users) if (!made.has(u.name)) made.set(u.name, u);
    BY_NAME.set(users, (byName = made));
  }
  return byName;
}

export interface WrittenUser {
  readonly user: AclUser;
  /** Still the server's rendering (Redis 7.0), whose categories say nothing of how a command was granted. */
  readonly rewritten: boolean;
  /** Where the rules as written came from, when not from the server. */
  readonly note?: string;
  /** The hardening profile's role the user is, when `note` says so. */
  readonly role?: Role;
}

/**
 * A user with its rules as written, where they can be known. Redis 6.x and 7.0 render `ACL LIST` (and what ACL SAVE
 * writes) from the command bitmap: `+@all -@dangerous +config` comes back as `+@all -flushall -keys …`. The rules
 * as written are taken from the hardening profile when the user allows exactly what the profile's admin or app user
 * allows (what `fix` and `harden` create; `note` says so, on every version), else from the ACL file when it still
 * allows the same commands.
 */
export function writtenUser(live: AclUser, acl: AclState, files: FileFacts | undefined, table: CategoryTable, server: ServerIdentity | undefined): WrittenUser {
  const p = profileFormOf(live, table, server);
  // Only the exact role is rendered back to the profile's rules; a near sentinel user grants every command by name
  // (it starts from -@all), which every rendering keeps as written.
  if (p?.exact) return { user: { ...live, rules: p.form.parsed.rules, selectors: p.form.parsed.selectors }, rewritten: false, note: profileNote(p), role: p.form.role };
  if (p) return { user: live, rewritten: false, note: profileNote(p), role: p.form.role };
  if (!acl.rewritten) return { user: live, rewritten: false };
  // The ACL file, when it still allows what the server allows (an ACL SETUSER not yet saved makes it stale).
  const file = files?.users ? fileUsers(files.users).get(live.name) : undefined;
  // A file line whose command rules are the rendering itself was written by the server (ACL SAVE, CONFIG REWRITE, a
  // sentinel's rewrite of sentinel.conf at start): it says no more than ACL LIST of how the commands were granted.
  if (file && !sameRules(file, live) && sameCommands(file, live, table)) {
    // A Sentinel 7.0 renders its profile admin (`+@all -@dangerous +sentinel +acl …`: every command of its table) as
    // `+@all`, which only its ACL file's line, word for word, tells from a plain `+@all` user (QA37-3: the live audit
    // failed what the audit of its files passed).
    const written = profileFormOf(file, table, server);
    return { user: { ...live, rules: file.rules, selectors: file.selectors, source: file.source }, rewritten: false, ...(written ? { note: profileNote(written), role: written.form.role } : {}) };
  }
  return { user: live, rewritten: true };
}

/**
 * {@link analyzeDangerous} on the user's rules as written, where they can be known (see {@link writtenUser}); with
 * `databases` (Valkey 9.1+: databaseScope in src/acl/databases.ts), less what the user's database rules bar.
 */
export function dangerousOf(live: AclUser, acl: AclState, files: FileFacts | undefined, table: CategoryTable, server: ServerIdentity | undefined, databases?: DatabaseScope): DangerousReport & { readonly user: string; readonly keys: string; readonly source: AclUser['source']; readonly note?: string; readonly role?: Role } {
  const w = writtenUser(live, acl, files, table, server);
  // The rules as written come from the profile or the file for their commands; the databases are the server's own.
  const withDatabases = databases === undefined || w.user === live || !hasDatabaseRules(live) ? w.user : withDatabasesOf(w.user, live);
  // QA44-3: so are the keys (the profile's or the file's key rules may differ from the running user's).
  // A set with no key rule holds no key (a new user or selector), but the model reads it as unknown unless the rules
  // are the server's own rendering (ACL LIST renders no key rule for none) or the files' lines: then it is said.
  const keysOf = acl.origin === 'acl-list' || acl.origin === 'file' ? withoutKeysSaid(live) : live;
  const user = sameKeys(withDatabases, keysOf) ? withDatabases : withKeysOf(withDatabases, keysOf);
  return { ...analyzeDangerous(user, table, { rewritten: w.rewritten, databases }), keys: keysShown(user), source: w.user.source, ...(w.note ? { note: w.note } : {}), ...(w.role ? { role: w.role } : {}) };
}

/** `user` with each permission set's databases those of `live` (its root's and its selectors' by place). */
function withDatabasesOf(user: AclUser, live: AclUser): AclUser {
  const rule = (rules: readonly string[]): string => {
    const allowed = allowedDatabases(rules);
    return allowed === 'all' ? 'alldbs' : allowed.size === 0 ? 'resetdbs' : `db=${[...allowed].join(',')}`;
  };
  const strip = (rules: readonly string[]) => rules.filter((r) => !/^(alldbs|resetdbs|db=)/i.test(r));
  return {
    ...user,
    rules: [...strip(user.rules), rule(live.rules)],
    selectors: user.selectors.map((rules, i) => (live.selectors[i] === undefined ? rules : [...strip(rules), rule(live.selectors[i]!)])),
  };
}

function sameKeys(a: AclUser, b: AclUser): boolean {
  const x = keyAccessOf(a);
  const y = keyAccessOf(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Key rules that give exactly `access` (see src/acl/keys.ts): what the permission model reads of them. */
function keyRulesFor(access: KeyAccess): string[] {
  if (access === 'all') return ['allkeys'];
  if (access === 'r') return ['resetkeys', '%R~*'];
  if (access === 'w') return ['resetkeys', '%W~*'];
  if (access === 'r w') return ['resetkeys', '%R~*', '%W~?*'];
  return ['resetkeys'];
}

/** `user` with each permission set's key permissions those of `live` (its root's and its selectors' by place). */
function withKeysOf(user: AclUser, live: AclUser): AclUser {
  const strip = (rules: readonly string[]) => rules.filter((r) => !isKeyRule(r));
  return {
    ...user,
    rules: [...strip(user.rules), ...keyRulesFor(keyAccess(live.rules))],
    selectors: user.selectors.map((rules, i) => (live.selectors[i] === undefined ? rules : [...strip(rules), ...keyRulesFor(keyAccess(live.selectors[i]!))])),
  };
}

/** `user` with `resetkeys` said in each permission set that names no key rule (it holds no key). */
function withoutKeysSaid(user: AclUser): AclUser {
  const said = (rules: readonly string[]) => (rules.some(isKeyRule) ? rules : ['resetkeys', ...rules]);
  if (user.rules.some(isKeyRule) && user.selectors.every((rules) => rules.some(isKeyRule))) return user;
  return { ...user, rules: said(user.rules), selectors: user.selectors.map(said) };
}
