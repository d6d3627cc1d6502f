import { passwordPattern } from './password-pattern.ts';
import { wholeValueTemplate } from '../util/templates.ts';
import { sha256Hex } from '../util/hash.ts';
import type { AclUser, SecretDigest, Source } from '../facts/types.ts';
import { isAtLeast, majorMinor, parseVersion } from '../redis/version.ts';
import { REDIS_6_0_CATEGORIES } from './data/categories-redis-6.x.ts';

/**
 * An ACL rule the server would refuse. The message follows the server's wording
 * (`Error in ACL SETUSER modifier '%Q~x': Syntax error`), with password tokens redacted.
 */
export class AclSyntaxError extends Error {
  /** The offending rule, redacted when it carries a password or hash. */
  readonly rule: string | undefined;
  /** The server's explanation, e.g. `Syntax error`. */
  readonly reason: string;
  /** redfort's word on why, where the server's says little (a rule of another release). */
  readonly note: string | undefined;

  constructor(reason: string, rule?: string, note?: string) {
    super(`${rule === undefined ? reason : `Error in ACL SETUSER modifier '${rule}': ${reason}`}${note === undefined ? '' : ` (${note})`}`);
    this.name = 'AclSyntaxError';
    this.rule = rule;
    this.reason = reason;
    this.note = note;
  }
}

// The server's messages (ACLSetUserStringError, redis@7.0.15:src/acl.c:1337).
const SYNTAX = 'Syntax error';
const UNKNOWN = 'Unknown command or category name in ACL';
const KEY_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. " +
  "Try 'resetkeys' to start with an empty list of patterns";
const CHANNEL_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. " +
  "Try 'resetchannels' to start with an empty list of channels";
const NO_SUCH_PASSWORD = 'The password you are trying to remove from the user does not exist';
const BAD_HASH =
  'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
const FIRST_ARG_OF_SUBCOMMAND = 'Allowing first-arg of a subcommand is not supported';
// Valkey 9.1+ (ERANGE, valkey@9.1.2:src/acl.c ACLSetUserStringError).
const DB_OUT_OF_RANGE = 'The provided database ID is out of range';
// 6.0 only (redis@6.0.20:src/acl.c:913, EBUSY): 6.2 dropped the check.
const SUBCOMMAND_OF_ALLOWED =
  'Adding a subcommand of a command already fully added is not allowed. Remove the command to start. ' +
  'Example: -DEBUG +DEBUG|DIGEST';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

// The 21 categories of Redis 6.0-7.2 (ACLCommandCategories); 8.0 adds the module ones.
export const KNOWN_CATEGORIES: ReadonlySet<string> = new Set([
  'all', 'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap',
  'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous',
  'connection', 'transaction', 'scripting',
]);

/** Hashes a clear-text password the way Redis stores it (unsalted SHA-256 of the bytes). */
export function digestPassword(clear: string): SecretDigest {
  return {
    set: clear.length > 0,
    length: Buffer.byteLength(clear, 'utf8'),
    // An unset secret (CONFIG GET gives every one) needs no hashing: its digest is known.
    sha256: clear === '' ? EMPTY_SHA256 : sha256Hex(clear),
    ...(passwordPattern(clear) !== undefined && { pattern: passwordPattern(clear) }),
    ...(wholeValueTemplate(clear) !== undefined && { placeholder: wholeValueTemplate(clear) }),
  };
}

function digestFromHash(hash: string): SecretDigest {
  // The one hash whose clear text is known: the empty password.
  return hash === EMPTY_SHA256
    ? { set: false, length: 0, sha256: hash }
    : { set: true, length: undefined, sha256: hash };
}

/** Which rule forms the server version accepts. Unknown versions get the newest grammar. */
interface Grammar {
  readonly channels: boolean; // & allchannels resetchannels, 6.2+
  readonly sanitize: boolean; // (skip-)sanitize-payload, 6.2+
  readonly keyPermissions: boolean; // %R~ %W~ %RW~, 7.0+
  readonly selectors: boolean; // ( ) clearselectors, -cmd|sub, 7.0+
  /**
   * Only the 21 built-in categories exist: module categories arrived in Redis 7.4 (RM_AddACLCategory) and Valkey 8.0
   * (ValkeyModule_AddACLCategory, valkey@8.0.1:src/module.c:1498; Valkey 7.2 is Redis 7.2's).
   */
  readonly closedCategories: boolean;
  /** `+cmd|sub` is refused while `cmd` is fully allowed (6.0). */
  readonly busySubcommands: boolean;
  /** `db=<ids>`, `alldbs`, `resetdbs`: Valkey 9.1+ (valkey-io/valkey#2309, "Database-level access control", 9.1.0). */
  readonly databases: boolean;
}

function grammarFor(version: string | undefined): Grammar {
  const parsed = majorMinor(version);
  const atLeast = (ma: number, mi: number): boolean => parsed === undefined || isAtLeast(parsed, ma, mi);
  // By product (`valkey-8.0.1`): a Valkey release is no Redis release of the same number.
  const valkey = parseVersion(version)?.product === 'valkey' || /valkey/i.test(version ?? '');
  return {
    channels: atLeast(6, 2),
    sanitize: atLeast(6, 2),
    keyPermissions: atLeast(7, 0),
    selectors: atLeast(7, 0),
    closedCategories: parsed !== undefined && (valkey ? !atLeast(8, 0) : !atLeast(7, 4)),
    busySubcommands: parsed !== undefined && !atLeast(6, 2),
    databases: parsed === undefined || (valkey && atLeast(9, 1)),
  };
}

/** Hides the secret part of `>pw`, `<pw`, `#hash`, `!hash`, also inside a selector. */
function redact(op: string): string {
  if (op.startsWith('(')) {
    return op.replace(/(^\(|\s)([><#!])[^\s)]*/g, '$1$2<redacted>');
  }
  return /^[><#!]/.test(op) ? `${op[0]}<redacted>` : op;
}

function fail(reason: string, op: string): never {
  throw new AclSyntaxError(reason, redact(op));
}

/**
 * Joins selectors split across tokens, like ACLMergeSelectorArguments (redis@7.0.15:src/acl.c:1935):
 * a token starting with `(` and not ending with `)` opens a selector that runs to the next token ending with `)`.
 */
function mergeSelectorTokens(tokens: readonly string[]): string[] {
  const merged: string[] = [];
  let open: string | undefined;
  let opening = '';
  for (const token of tokens) {
    if (open === undefined && token.startsWith('(') && !token.endsWith(')')) {
      open = token;
      opening = token;
      continue;
    }
    if (open !== undefined) {
      open += ` ${token}`;
      if (token.endsWith(')')) {
        merged.push(open);
        open = undefined;
      }
      continue;
    }
    merged.push(token);
  }
  if (open !== undefined) {
    throw new AclSyntaxError(`Unmatched parenthesis in acl selector starting at '${redact(opening)}'.`);
  }
  return merged;
}

/** The key and channel state that decides whether a later pattern is refused. */
interface SelectorState {
  allKeys: boolean;
  allChannels: boolean;
  readonly rules: string[];
}

/**
 * The database ids of `db=<ids>` as Valkey 9.1 reads them (ACLSetSelectorDatabasePermissions, valkey@9.1.2:src/acl.c):
 * a comma list of strtoll numbers (leading whitespace and a sign allowed, nothing after the digits), no empty item,
 * each 0..2147483647 (an id past `databases` is accepted: it opens nothing). Rendered as the server renders it in
 * ACL LIST: sorted, each once (`db=3,1,1` is `db=1,3`). A later `db=` replaces the list, it does not add to it.
 */
function databaseRule(op: string): string {
  const list = op.slice(3);
  if (list === '' || list.startsWith(',') || list.endsWith(',')) fail(SYNTAX, op);
  const ids = new Set<number>();
  for (const item of list.split(',')) {
    const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(item);
    if (!m) fail(SYNTAX, op);
    const digits = m[2]!.replace(/^0+(?=\d)/, '');
    const negative = m[1] === '-' && /[1-9]/.test(digits);
    if (negative || digits.length > 10 || Number(digits) > 2147483647) fail(DB_OUT_OF_RANGE, op);
    ids.add(Number(digits));
  }
  return `db=${[...ids].sort((a, b) => a - b).join(',')}`;
}

function hasSpace(text: string): boolean {
  return /[ \t\r\n]/.test(text);
}

/** One key, channel or command rule (ACLSetSelector); returns false when `op` is none of those. */
function applySelectorRule(state: SelectorState, op: string, grammar: Grammar): boolean {
  const lower = op.toLowerCase();
  const channelRule = lower === 'allchannels' || lower === 'resetchannels' || op.startsWith('&');
  if (channelRule && !grammar.channels) fail(SYNTAX, op);

  if (lower === 'allkeys' || op === '~*') {
    state.allKeys = true;
    state.rules.push(lower);
  } else if (lower === 'resetkeys') {
    state.allKeys = false;
    state.rules.push(lower);
  } else if (lower === 'allchannels' || op === '&*') {
    state.allChannels = true;
    state.rules.push(lower);
  } else if (lower === 'resetchannels') {
    state.allChannels = false;
    state.rules.push(lower);
  } else if (lower === 'alldbs' || lower === 'resetdbs' || lower.startsWith('db=')) {
    if (!grammar.databases) {
      // Named only when it is a database rule for sure: another word may be a password written without `>`.
      if (/^(alldbs|resetdbs|db=\d+(,\d+)*)$/i.test(op)) throw new AclSyntaxError(SYNTAX, op, 'database rules (db=, alldbs, resetdbs) are Valkey 9.1+');
      fail(SYNTAX, op);
    }
    state.rules.push(lower.startsWith('db=') ? databaseRule(op) : lower);
  } else if (lower === 'allcommands' || lower === '+@all' || lower === 'nocommands' || lower === '-@all') {
    state.rules.push(lower);
  } else if (op.startsWith('~') || op.startsWith('%')) {
    if (op.startsWith('%') && !grammar.keyPermissions) fail(SYNTAX, op);
    if (state.allKeys) fail(KEY_AFTER_ALL, op);
    state.rules.push(keyRule(op));
    state.allKeys = false;
  } else if (op.startsWith('&')) {
    if (state.allChannels) fail(CHANNEL_AFTER_ALL, op);
    if (hasSpace(op)) fail(SYNTAX, op);
    state.rules.push(op);
  } else if ((op.startsWith('+') || op.startsWith('-')) && op[1] === '@') {
    const category = lower.slice(2);
    if (category === '' || (grammar.closedCategories && !KNOWN_CATEGORIES.has(category))) fail(UNKNOWN, op);
    state.rules.push(lower);
  } else if (op.startsWith('+')) {
    state.rules.push(`+${allowedCommand(op, grammar)}`);
  } else if (op.startsWith('-')) {
    const name = lower.slice(1);
    // 6.x has no `-cmd|sub`; 7.0+ looks `cmd|sub` up as a subcommand, which has one `|` at most.
    const pipes = name.split('|').length - 1;
    if (name === '' || pipes > 1 || (pipes === 1 && !grammar.selectors)) fail(UNKNOWN, op);
    state.rules.push(lower);
  } else {
    return false;
  }
  return true;
}

/** `~pat`, `%R~pat`, `%W~pat`, `%RW~pat` (letters in any case and order), normalised to `%R~`, `%W~`, `%RW~`. */
function keyRule(op: string): string {
  let offset = 1;
  let read = false;
  let write = false;
  if (op.startsWith('%')) {
    for (; offset < op.length; offset++) {
      const c = op[offset]!.toUpperCase();
      if (c === 'R' && !read) read = true;
      else if (c === 'W' && !write) write = true;
      // Debian's 7.0.15 and 7.2+ refuse `%~x` (no permission letter); `%R` alone is an empty read pattern.
      else if (c === '~' && (read || write)) {
        offset++;
        break;
      } else fail(SYNTAX, op);
    }
    if (!read && !write) fail(SYNTAX, op);
  }
  const pattern = op.slice(offset);
  if (hasSpace(pattern)) fail(SYNTAX, op);
  if (!op.startsWith('%')) return `~${pattern}`;
  return `%${read ? 'R' : ''}${write ? 'W' : ''}~${pattern}`;
}

/** The name part of `+cmd`, `+cmd|sub` or `+cmd|first-arg`, lowercased, checked like the server checks it. */
function allowedCommand(op: string, grammar: Grammar): string {
  const name = op.slice(1).toLowerCase();
  const pipe = name.indexOf('|');
  if (pipe === -1) {
    if (name === '') fail(UNKNOWN, op);
    return name;
  }
  // 7.0+ splits at the last `|` and refuses a first-arg of a subcommand; 6.x splits at the first.
  const last = name.lastIndexOf('|');
  const command = grammar.selectors ? name.slice(0, last) : name.slice(0, pipe);
  const argument = grammar.selectors ? name.slice(last + 1) : name.slice(pipe + 1);
  if (command === '') fail(UNKNOWN, op);
  if (grammar.selectors && command.includes('|')) fail(FIRST_ARG_OF_SUBCOMMAND, op);
  if (argument === '') fail(SYNTAX, op);
  return name;
}

function parseSelector(op: string, grammar: Grammar): string[] {
  const state: SelectorState = { allKeys: false, allChannels: false, rules: [] };
  // The inside is split like sdssplitargs does it: on any whitespace.
  for (const inner of op.slice(1, -1).split(/[ \t\r\n]+/)) {
    if (inner === '') continue;
    try {
      if (!applySelectorRule(state, inner, grammar)) fail(SYNTAX, op);
    } catch (error) {
      // The server names the whole selector, whichever rule in it it refused (live 7.0.15 `(~* ~a)`, Valkey 9.1.2 `(~x db=a +get)`).
      if (!(error instanceof AclSyntaxError) || error.rule === redact(op)) throw error;
      throw new AclSyntaxError(error.reason, redact(op), error.note);
    }
  }
  return state.rules;
}

let commands60: { readonly all: ReadonlySet<string>; readonly byCategory: ReadonlyMap<string, ReadonlySet<string>> } | undefined;

/** Redis 6.0.20's commands, and those of each category (src/acl/data/categories-redis-6.x.ts), made when first asked. */
function redis60Commands(): NonNullable<typeof commands60> {
  if (commands60 === undefined) {
    const byCategory = new Map<string, ReadonlySet<string>>();
    const all = new Set<string>();
    for (const [category, words] of Object.entries(REDIS_6_0_CATEGORIES)) {
      const members = new Set(words.split(/\s+/).filter(Boolean).map((w) => w.toLowerCase()));
      byCategory.set(category, members);
      for (const m of members) all.add(m);
    }
    byCategory.set('all', all);
    commands60 = { all, byCategory };
  }
  return commands60;
}

/**
 * Redis 6.0's refusal of `+cmd|sub` while `cmd` is fully allowed (`+@all +config|get`, live 6.0.20: "Adding a
 * subcommand of a command already fully added is not allowed"): the command bits of the commands some `+cmd|sub`
 * names, followed rule by rule. A rule naming no 6.0 command or category changes no bit (the server skips it while
 * reading the file and refuses it once the file is read). Undefined when no rule names a subcommand.
 */
function busySubcommandCheck(ops: readonly string[]): ((op: string) => void) | undefined {
  const { all, byCategory } = redis60Commands();
  const bits = new Map<string, boolean>();
  for (const op of ops) {
    const m = /^\+([^@|][^|]*)\|/.exec(op.toLowerCase());
    if (m && all.has(m[1]!)) bits.set(m[1]!, false);
  }
  if (bits.size === 0) return undefined;
  const setEvery = (members: ReadonlySet<string>, on: boolean): void => {
    for (const command of bits.keys()) if (members.has(command)) bits.set(command, on);
  };
  return (op) => {
    const lower = op.toLowerCase();
    const sign = lower[0];
    if (lower === 'allcommands') setEvery(all, true);
    else if (lower === 'nocommands' || lower === 'reset') setEvery(all, false);
    else if ((sign === '+' || sign === '-') && lower[1] === '@') {
      const members = byCategory.get(lower.slice(2));
      if (members) setEvery(members, sign === '+');
    } else if (sign === '+' || sign === '-') {
      const name = lower.slice(1);
      const pipe = name.indexOf('|');
      const command = pipe === -1 ? name : name.slice(0, pipe);
      if (!bits.has(command)) return;
      if (pipe === -1) bits.set(command, sign === '+');
      else if (sign === '+') {
        if (bits.get(command)) fail(SUBCOMMAND_OF_ALLOWED, op);
        bits.set(command, false);
      }
    }
  };
}

interface StoredPassword {
  readonly digest: SecretDigest;
  readonly plaintext: boolean;
}

function buildUser(name: string, ops: readonly string[], source: Source, grammar: Grammar, deferUnknown?: (error: AclSyntaxError) => void): AclUser {
  let enabled = false;
  let nopass = false;
  // By hash, in the order added: the server keeps one entry per hash, so a repeated password is not counted twice.
  const passwords = new Map<string, StoredPassword>();
  let selectors: string[][] = [];
  const root: SelectorState = { allKeys: false, allChannels: false, rules: [] };
  const busy = grammar.busySubcommands ? busySubcommandCheck(ops) : undefined;

  const addPassword = (stored: StoredPassword): void => {
    if (!passwords.has(stored.digest.sha256)) passwords.set(stored.digest.sha256, stored);
    nopass = false;
  };
  const removePassword = (sha256: string, op: string): void => {
    if (!passwords.delete(sha256)) fail(NO_SUCH_PASSWORD, op);
  };

  const applyOp = (op: string): void => {
    const lower = op.toLowerCase();
    if (lower === 'on') enabled = true;
    else if (lower === 'off') enabled = false;
    else if (lower === 'sanitize-payload' || lower === 'skip-sanitize-payload') {
      if (!grammar.sanitize) fail(SYNTAX, op);
    } else if (lower === 'nopass') {
      nopass = true;
      passwords.clear();
    } else if (lower === 'resetpass') {
      nopass = false;
      passwords.clear();
    } else if (op.startsWith('>')) {
      addPassword({ digest: digestPassword(op.slice(1)), plaintext: true });
    } else if (op.startsWith('#')) {
      const hash = op.slice(1);
      if (!/^[0-9a-f]{64}$/.test(hash)) fail(BAD_HASH, op);
      addPassword({ digest: digestFromHash(hash), plaintext: false });
    } else if (op.startsWith('<')) {
      removePassword(digestPassword(op.slice(1)).sha256, op);
    } else if (op.startsWith('!')) {
      const hash = op.slice(1);
      if (!/^[0-9a-f]{64}$/.test(hash)) fail(BAD_HASH, op);
      removePassword(hash, op);
    } else if (grammar.selectors && op.startsWith('(') && op.endsWith(')') && op.length >= 2) {
      selectors.push(parseSelector(op, grammar));
    } else if (grammar.selectors && lower === 'clearselectors') {
      selectors = [];
    } else if (lower === 'reset') {
      // resetpass resetkeys resetchannels [allchannels] [alldbs, Valkey 9.1+] off sanitize-payload clearselectors -@all
      passwords.clear();
      nopass = false;
      enabled = false;
      selectors = [];
      root.allKeys = false;
      root.allChannels = false;
      root.rules.push('reset');
    } else if (!applySelectorRule(root, op, grammar)) {
      fail(SYNTAX, op);
    }
  };

  for (const op of ops) {
    if (op === '') continue;
    if (deferUnknown === undefined) applyOp(op);
    else {
      try {
        applyOp(op);
      } catch (error) {
        // The server's "Unknown command or category name" (ENOENT): a rule it skips while reading redis.conf.
        if (!(error instanceof AclSyntaxError) || error.reason !== UNKNOWN) throw error;
        deferUnknown(error);
        continue;
      }
    }
    busy?.(op);
  }

  return {
    name,
    enabled,
    nopass,
    passwords: [...passwords.values()].map((p) => p.digest),
    plaintextPasswords: [...passwords.values()].filter((p) => p.plaintext).length,
    rules: root.rules,
    selectors,
    source,
  };
}

/**
 * Applies ACL rules left to right to a new user (off, no passwords, no keys, `-@all`), exactly as
 * `ACL SETUSER` does (Redis 6.0-8.x, Valkey). Throws {@link AclSyntaxError} where the server would refuse.
 * Passwords become digests; their clear text is kept nowhere in the result.
 *
 * `options.version` (e.g. `6.2.16`) restricts the grammar to what that version accepts; without it the
 * newest grammar is used. Selectors split across tokens are merged (7.0+).
 *
 * `options.deferUnknown`: a rule naming no command or category (`+@nosuchcategory`, `+`, 6.x's `-config|get`) is
 * given to it and skipped, not thrown, as a `user` line of redis.conf is read: redis-server checks those rules only
 * once it has read the whole file (ACLAppendUserForLoading skips ENOENT; live 6.0.20, 6.2.16, 7.0.15, 7.2.6, 7.4.1,
 * Valkey 8.0.1 name a later refused line first).
 */
export function parseAclUser(
  name: string,
  tokens: readonly string[],
  source: Source,
  options: { version?: string; deferUnknown?: (error: AclSyntaxError) => void } = {},
): AclUser {
  const grammar = grammarFor(options.version);
  const ops = grammar.selectors ? mergeSelectorTokens(tokens) : tokens;
  return buildUser(name, ops, source, grammar, options.deferUnknown);
}

/**
 * Parses one `user <name> <rules…>` line of `ACL LIST` output or of an ACL file, split on single
 * spaces as the ACL file loader does (quotes are not interpreted). Accepts every rendering from 6.0 to 8.x and Valkey 9.1.
 */
export function parseAclListLine(line: string, source: Source, options: { version?: string } = {}): AclUser {
  const grammar = grammarFor(options.version);
  const argv = line.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '').split(' ');
  // The loader compares `user` case-sensitively (strcmp), unlike redis.conf.
  if (argv[0] !== 'user' || argv.length < 2) {
    throw new AclSyntaxError('should start with user keyword followed by the username');
  }
  const tokens = argv.slice(2);
  const merged = grammar.selectors ? mergeSelectorTokens(tokens) : tokens;
  // ACLLoadFromFile trims tabs and line ends from every (merged) argument.
  const ops = merged.map((op) => op.replace(/^[\t\r\n]+|[\t\r\n]+$/g, ''));
  return buildUser(argv[1]!, ops, source, grammar);
}
