import { DEPRECATED_DIRECTIVES, DIRECTIVES, NON_CONFIG_DIRECTIVES, lookupDirective, lookupFileDirective } from '../../redis/directives.ts';
import { SECRET_DIRECTIVES } from '../../redis/secrets.ts';
import { ConfigParseError, quotedArg, wrongArgs } from './conf-errors.ts';
import { argCount, splitArgs } from './split-args.ts';
import { MAX_ACL_WORDS } from '../../acl/limits.ts';
import type { Shape } from '../../util/shown.ts';
import { quotable, shown } from '../../util/shown.ts';
import { asciiLower } from '../../util/ascii.ts';
import { TEMPLATES } from '../../util/templates.ts';

/** One non-blank, non-comment line of a redis.conf, split as the server splits it. */
export interface Directive {
  /** Lowercased, as written (`slaveof` stays `slaveof`; `effectiveConfig` maps legacy names). */
  readonly name: string;
  readonly args: readonly string[];
  readonly source: { readonly kind: 'file'; readonly path: string; readonly line: number };
}

/** Why a line with a template placeholder cannot be read; the placeholder is not quoted where it may be a secret. */
function templateReason(line: string): string | undefined {
  for (const { pattern, kind, wholeSecret, secretLine } of TEMPLATES) {
    const m = pattern.exec(line);
    if (!m) continue;
    const words = line.split(/[ \t]+/);
    const name = asciiLower(words[0] ?? '');
    if (holdsSecret(name, words.slice(1))) {
      if (secretLine && !secretLine.test(line)) continue;
      // The values as the server reads them (quotes, escapes); a user line's password is the word after `>`.
      const values = wholeSecret ? splitArgs(line) : undefined;
      if (wholeSecret && Array.isArray(values) && !values.slice(1).some((v) => wholeSecret.test(v.replace(/^>/, '')))) continue;
      return `unrendered template placeholder ${kind} in '${name}' (not shown: it may hold a secret): render the template first`;
    }
    const shown = m[0].length > 60 ? `${m[0].slice(0, 57)}...` : m[0];
    return `unrendered template placeholder '${shown}': render the template first`;
  }
  return undefined;
}

/** `sdstrim(line, " \t\r\n")`. */
function trimConfLine(line: string): string {
  return line.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
}

/** `sdstolower`: ASCII only, like the server (src/util/ascii.ts). */
export { asciiLower };

/** Names whose arguments may hold a password: their values are never quoted in messages. */
export function holdsSecret(name: string, args: readonly string[]): boolean {
  const spec = lookupFileDirective(name);
  if (spec && (SECRET_DIRECTIVES.has(spec.name) || spec.sensitive)) return true;
  if (name === 'user') return true;
  if (name === 'sentinel') {
    const sub = asciiLower(args[0] ?? '');
    return sub === 'auth-pass' || sub === 'sentinel-pass' || sub === 'auth-user' || sub === 'sentinel-user';
  }
  return false;
}

/**
 * A NUL byte in a config or ACL file: the server reads the file with `fgets` and appends each line with `sdscat`,
 * which stops at the NUL, so the rest of the line and its line feed are lost and the next line is read as part of
 * this one. What the server would run is not what the file shows.
 */
export const NUL_BYTE = 'a NUL byte (a binary or damaged file?): redis-server drops the rest of this line and reads the next line as part of it';

/**
 * Splits a redis.conf text into directives exactly as `loadServerConfigFromString` (redis@7.0.15:src/config.c:442)
 * does, without following `include`: lines split on `\n` and trimmed of ` \t\r\n` (so CRLF files work),
 * `#` comments only at the start of a line, arguments by {@link splitArgs}, names lowercased.
 * Throws {@link ConfigParseError} for what the server refuses at this stage (unbalanced quotes, a wrong
 * number of arguments for a one-value directive) and for unrendered template placeholders. A leading
 * UTF-8 byte-order mark is dropped (redis-server itself would refuse that first line: see `loadConf`).
 */
export function parseConfText(text: string, path: string): Directive[] {
  const { directives, error } = parseConfLines(text, path);
  if (error) throw error;
  return directives;
}

/**
 * {@link parseConfText} that stops at the first line it refuses and returns the lines before it with the error:
 * redis-server reads and applies one line at a time, so a value it refuses on an earlier line stops it first.
 * `users`: the `user` lines held with those of this text ({@link UsersHeld}).
 */
export function parseConfLines(text: string, path: string, bounds: ConfBounds = UNBOUNDED): { directives: Directive[]; users: UsersHeld; withUsers: boolean; error?: ConfigParseError } {
  const directives: Directive[] = [];
  const held = { users: bounds.usersBefore, seen: false };
  try {
    parseAll(text, path, directives, bounds, held);
    return { directives, users: held.users, withUsers: held.seen };
  } catch (error) {
    if (!(error instanceof ConfigParseError)) throw error;
    return { directives, users: held.users, withUsers: held.seen, error };
  }
}

/**
 * The directives other than `user` lines one configuration may hold: redis-server reads any number, but each costs
 * redfort some 400 bytes and a few microseconds until it is judged: 2 million `port 1` lines (14 MB) held 800 MB for
 * 10 s. Real files hold at most a few hundred (the largest of test/fixtures/corpus/: 78). `user` lines have bounds of
 * their own (MAX_PERMISSION_SETS, MAX_ACL_WORDS), past which they are left out and the users not judged.
 */
export const MAX_DIRECTIVES = 100_000;

/**
 * The words (directive names and arguments) of the directives other than `user` lines one configuration may hold: a
 * `user` line of 3.3 million rules in each of four includes (16 MiB each) held 2.1 GB for 36 s, and the words of any
 * other directive cost as much. As many as the words of ACL rules redfort reads on one server (MAX_ACL_WORDS), which
 * bound the `user` lines apart.
 */
export const MAX_WORDS = MAX_ACL_WORDS;

/**
 * The `user` lines held so far: their count and words (`user`, the name and the rules). Past MAX_PERMISSION_SETS lines
 * or MAX_ACL_WORDS words, the users are not judged (as those of an ACL file or an ACL LIST reply past them): that line
 * and every later `user` line are left out (checked as the server reads them, quotes and arity, but not kept), and
 * `past` says where and why; the rest of the configuration is read and judged. A real server starts with them all
 * (6,000 users of 85 words, 6.3 MB: live 7.2.6).
 */
export interface UsersHeld {
  readonly lines: number;
  readonly words: number;
  readonly past?: { readonly path: string; readonly line: number; readonly reason: string };
}

export const NO_USERS: UsersHeld = { lines: 0, words: 0 };

/** How much a configuration may hold, and how much of it came before the text being split. */
export interface ConfBounds {
  readonly maxDirectives: number;
  readonly maxWords: number;
  /** Directives other than `user` lines before this text, and their words. */
  readonly directivesBefore: number;
  readonly wordsBefore: number;
  readonly maxUserLines: number;
  readonly maxUserWords: number;
  readonly usersBefore: UsersHeld;
}

const UNBOUNDED: ConfBounds = {
  maxDirectives: Infinity,
  maxWords: Infinity,
  directivesBefore: 0,
  wordsBefore: 0,
  maxUserLines: Infinity,
  maxUserWords: Infinity,
  usersBefore: NO_USERS,
};

/** The error at the directive that passes a bound of {@link ConfBounds} (MAX_DIRECTIVES, MAX_WORDS or a test's). */
export function tooMuchConfig(path: string, line: number, what: 'directives' | 'words', max: number): ConfigParseError {
  return new ConfigParseError(path, line, `more than ${max} ${what} in one configuration (its files and includes together, \`user\` lines apart): redfort stops there (redis-server would read them all)`);
}

/**
 * The longest line (trimmed, comments apart) redfort splits. redis-server has no such bound: it reads the whole file
 * into one string and splits it on line feeds (redis@7.0.15:src/config.c loadServerConfig, sdssplitlen in
 * loadServerConfigFromString), so it starts with a line of any length. Real lines are short (the longest of
 * test/fixtures/corpus/: 137 characters; a user line of a thousand command rules, some 15,000), but one 16 MiB line was split into
 * its 8 million words (273 MB), or a quoted one into an array of its characters (620 MB), before any bound could
 * refuse it. Past it the line is refused, said so; a `user` line is left out, and the users not judged.
 */
export const MAX_LINE_CHARS = 1024 * 1024;

/** A line whose first word is `user` (any case), unquoted: a `user` directive, told without splitting the line. */
const USER_LINE = /^user[ \t]/i;

/**
 * Appends the directives of `text` to `directives`; throws at the first line the server refuses, and at the directive
 * past a bound. Line by line without splitting the text first: an array of 16 million empty lines cost 270 MB. A
 * `user` line past the users' bounds is left out ({@link UsersHeld}); a plain one is not split at all.
 */
function parseAll(text: string, path: string, directives: Directive[], bounds: ConfBounds, held: { users: UsersHeld; seen: boolean }): void {
  const body = text.replace(/^\uFEFF/, '');
  let words = bounds.wordsBefore;
  let counted = bounds.directivesBefore;
  for (let start = 0, i = 0; start <= body.length; i++) {
    const newline = body.indexOf('\n', start);
    const end = newline === -1 ? body.length : newline;
    const raw = body.slice(start, end);
    start = end + 1;
    const lineNo = i + 1;
    // Comments too: the server's reader would join the next line to this one.
    if (raw.includes('\0')) throw new ConfigParseError(path, lineNo, NUL_BYTE);
    const line = trimConfLine(raw);
    if (line === '' || line.startsWith('#')) continue;
    if (line.length > MAX_LINE_CHARS) {
      const tooLong = `a line of ${line.length} characters, more than the ${MAX_LINE_CHARS} redfort reads of one line`;
      if (!USER_LINE.test(line)) throw new ConfigParseError(path, lineNo, `${tooLong}: redfort stops there (redis-server would read it)`);
      // A user line is left out as one past the users' bounds is: the users are not judged, the rest is.
      held.seen = true;
      if (argCount(line) === undefined) throw new ConfigParseError(path, lineNo, 'Unbalanced quotes in configuration line (redis-server refuses to start)');
      if (held.users.past === undefined) held.users = { ...held.users, past: { path, line: lineNo, reason: `${path}:${lineNo} is ${tooLong}, so the users are not judged` } };
      continue;
    }

    const template = templateReason(line);
    if (template !== undefined) throw new ConfigParseError(path, lineNo, template);

    // A user line is counted before it is split, and one left out is not split at all (it may be 16 MiB long).
    if (USER_LINE.test(line)) {
      held.seen = true;
      const users = held.users;
      const count = argCount(line);
      if (count === undefined) throw new ConfigParseError(path, lineNo, 'Unbalanced quotes in configuration line (redis-server refuses to start)');
      // Trimmed, the line is `user`, a blank and more: a name at least, as the server asks.
      if (users.past !== undefined) continue;
      if (pastUsers(users, count, bounds)) {
        held.users = { ...users, past: { path, line: lineNo, reason: usersPastReason(users, count, bounds, `${path}:${lineNo}`) } };
        continue;
      }
    }

    const split = splitArgs(line);
    if (!Array.isArray(split)) {
      throw new ConfigParseError(path, lineNo, 'Unbalanced quotes in configuration line (redis-server refuses to start)');
    }
    if (split.length === 0) continue;

    const name = asciiLower(split[0]!);
    const args = split.slice(1);
    checkArity(name, args, path, lineNo);
    if (name === 'user') {
      // A `user` line USER_LINE did not tell (`"user" a`): counted here.
      held.seen = true;
      const users = held.users;
      if (users.past !== undefined) continue;
      if (pastUsers(users, split.length, bounds)) {
        held.users = { ...users, past: { path, line: lineNo, reason: usersPastReason(users, split.length, bounds, `${path}:${lineNo}`) } };
        continue;
      }
      held.users = { lines: users.lines + 1, words: users.words + split.length };
      directives.push({ name, args, source: { kind: 'file', path, line: lineNo } });
      continue;
    }
    if (counted >= bounds.maxDirectives) throw tooMuchConfig(path, lineNo, 'directives', bounds.maxDirectives);
    counted++;
    words += split.length;
    if (words > bounds.maxWords) throw tooMuchConfig(path, lineNo, 'words', bounds.maxWords);
    directives.push({ name, args, source: { kind: 'file', path, line: lineNo } });
  }
}

/** Whether one more `user` line of `words` words passes the users' bounds. */
function pastUsers(users: UsersHeld, words: number, bounds: ConfBounds): boolean {
  return users.lines + 1 > bounds.maxUserLines || users.words + words > bounds.maxUserWords;
}

function usersPastReason(users: UsersHeld, words: number, bounds: ConfBounds, at: string): string {
  const n = (count: number) => count.toLocaleString('en-US');
  return users.lines + 1 > bounds.maxUserLines
    ? `the user lines of the config hold more than ${n(bounds.maxUserLines)} users (past it at ${at}): more than the ${n(bounds.maxUserLines)} permission sets (a user's rules, or one of its selectors) redfort judges on one server, so its users are not judged`
    : `the user lines of the config hold more than ${n(bounds.maxUserWords)} words of ACL rules (past it at ${at}): more than the ${n(bounds.maxUserWords)} redfort reads on one server, so its users are not judged`;
}

/** The argument-count checks the loader makes before looking at any value. */
function checkArity(name: string, args: readonly string[], path: string, line: number): void {
  const bad = (reason: string): never => {
    throw new ConfigParseError(path, line, reason);
  };
  const spec = lookupFileDirective(name);
  if (spec) {
    if (!spec.multiArg && args.length !== 1) bad(wrongArgs(name, args, 'exactly one argument'));
    return;
  }
  const badDirective = `Bad directive or wrong number of arguments: ${quotedArg(name)}`;
  switch (name) {
    case 'include':
      if (args.length !== 1) bad(`${badDirective} (include takes one path; redis-server refuses to start)`);
      return;
    case 'rename-command':
      if (args.length !== 2) bad(`${badDirective} (rename-command takes a command and a new name)`);
      return;
    case 'user':
    case 'loadmodule':
      if (args.length < 1) bad(`${badDirective} (${name} needs at least one argument)`);
      return;
    default:
      if (DEPRECATED_DIRECTIVES.has(name) && args.length !== 1) bad(wrongArgs(name, args, 'exactly one argument'));
      if (name.includes('.') && args.length < 1) bad(`Module config specified without value: ${shownName(name)}`);
  }
}

/**
 * An unknown directive as a message names it: never by the word itself, unless that word is a directive name redfort
 * knows (of some release: another release's, Redis 2.4's `vm-enabled`; a dotted word, which may be a module's config
 * or content, is not). A file that is
 * no redis.conf (`--config /etc/shadow`, a password file, a path a server named) has lines whose first word is content:
 * a password (`TlsSecretPw-77` is shaped like a name), a hash, a key; redfort never echoes file contents. Its length
 * is said instead, with the nearest known directive when one is a typo away (`maxmemroy`: 'maxmemory').
 */
export function unknownDirective(name: string): string {
  if (!directiveShaped(name)) return `unknown directive ${shownName(name)}`;
  // A dotted word is no more a name than another (`S3cret.pw` of a password file): named only when redfort knows it.
  if (namedDirective(name)) return `unknown directive '${name}'`;
  const near = nearestDirective(name);
  return `unknown directive (not shown: a word of ${name.length} characters${near === undefined ? ' that is no Redis or Valkey directive' : `; did you mean '${near}'?`})`;
}

/**
 * Directive names of Redis before 2.6 that every later release refuses (redis@2.4.18:src/config.c; see
 * beforeRedis26 in src/redis/directives.ts): named in messages as any known directive is.
 */
const REDIS_24_DIRECTIVES: ReadonlySet<string> = new Set([
  'vm-enabled', 'vm-swap-file', 'vm-max-memory', 'vm-page-size', 'vm-pages', 'vm-max-threads', 'really-use-vm',
  'hash-max-zipmap-entries', 'hash-max-zipmap-value', 'glueoutputbuf',
]);

/** Whether a message may name the word: a directive (or alias) of some release redfort knows. */
function namedDirective(name: string): boolean {
  const lower = name.toLowerCase();
  return lookupDirective(lower) !== undefined || NON_CONFIG_DIRECTIVES.has(lower) || DEPRECATED_DIRECTIVES.has(lower) || REDIS_24_DIRECTIVES.has(lower);
}

/** The known directive a typo away from `name` (one edit in 4 to 7 characters, two from 8), or undefined. */
function nearestDirective(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower.length < 4) return undefined;
  const limit = lower.length >= 8 ? 2 : 1;
  let best: { name: string; distance: number } | undefined;
  for (const spec of DIRECTIVES) {
    for (const known of [spec.name, ...(spec.aliases ?? [])]) {
      if (Math.abs(known.length - lower.length) > limit) continue;
      const distance = editDistance(lower, known);
      if (distance <= limit && (best === undefined || distance < best.distance)) best = { name: known, distance };
    }
  }
  return best?.name;
}

/** Edits (insert, delete, replace, swap of two neighbours) from `a` to `b`: the optimal string alignment distance. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

/** A directive's name quoted, or how long it is when it is no name (see unknownDirective). */
export function shownName(name: string): string {
  return shown(name, DIRECTIVE_NAME);
}

const DIRECTIVE_NAME: Shape = { noun: 'directive name', pattern: /^[A-Za-z][A-Za-z0-9_.-]*$/, max: 60 };

/**
 * Whether the name is shaped like a directive (letters, digits, `-`, `_`, `.`; at most 60 characters), so that a newer
 * release may have it: a first word that is none (`root:$6$...` of /etc/shadow) is no server's directive.
 */
export function directiveShaped(name: string): boolean {
  return quotable(name, DIRECTIVE_NAME);
}

export function isKnownDirective(name: string): boolean {
  return (
    lookupFileDirective(name) !== undefined ||
    NON_CONFIG_DIRECTIVES.has(name) ||
    DEPRECATED_DIRECTIVES.has(name) ||
    name.includes('.')
  );
}
