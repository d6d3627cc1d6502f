import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { TABLED_LINES, directivesJudged, followsRedis6, resolveVersion } from '../../redis/directives.ts';
import { globSegmentRegExp } from '../../util/glob.ts';
import { FileReadError } from '../../util/read-file.ts';
import { ConfigParseError, errorCode, quotedArg } from './conf-errors.ts';
import { directiveShaped, isKnownDirective, MAX_DIRECTIVES, MAX_WORDS, NO_USERS, parseConfLines, tooMuchConfig, unknownDirective } from './tokenize.ts';
import type { Directive, UsersHeld } from './tokenize.ts';
import { MAX_ACL_WORDS, MAX_PERMISSION_SETS } from '../../acl/limits.ts';

/**
 * What an unreadable path is when redis-server would read it as an empty file: a directory (fopen() succeeds on
 * Linux, fgets() returns nothing) or /dev/null. Undefined for any other read error (missing, denied, a FIFO...).
 */
export function readsAsEmpty(path: string, error: unknown): string | undefined {
  if (!(error instanceof FileReadError) || error.reason !== 'not-regular') return undefined;
  if (error.detail === 'is a directory') return 'a directory';
  if (path === '/dev/null') return '/dev/null';
  return undefined;
}

export interface ParsedConf {
  /**
   * Every directive in the order the server applies them; an `include` line is followed by its files' lines.
   * Arguments are as written, passwords included: keep a `ParsedConf` inside the gatherer and hand on the
   * `EffectiveConf`, which holds digests only.
   */
  readonly directives: readonly Directive[];
  /** Every file read, absolute, in the order first read. */
  readonly files: readonly string[];
  /** Each included file (every one of `files` but the first) to the `include` line that first read it. */
  readonly includedBy?: ReadonlyMap<string, Directive['source']>;
  /** Things the server would do differently or refuse but that should not stop an audit (unknown directives...). */
  readonly warnings: readonly string[];
  /** The working directory relative paths were resolved against (the server's cwd at startup), when known. */
  readonly cwd?: string;
  /**
   * With `deferErrors`: the first line the server refuses while reading the files (unbalanced quotes, a wrong number
   * of arguments, an include it cannot open...), which `directives` stop before; `effectiveConfig` applies those,
   * then throws this unless one of them is refused first, as redis-server, which reads and applies a line at a time,
   * would be. `after` is how many of `directives` come before it.
   */
  readonly stopped?: { readonly error: ConfigParseError; readonly after: number };
  /**
   * Set when the `user` lines pass the users' bounds (MAX_PERMISSION_SETS lines, MAX_ACL_WORDS words): where, and why
   * the users are not judged. That line and every later `user` line are not in `directives`; the rest is.
   */
  readonly usersPast?: { readonly path: string; readonly line: number; readonly reason: string };
  /**
   * The `include` lines with a relative path read before any `dir` line moved the server: redis-server opens them
   * from the directory it was started in, which `cwd` only assumes unless the caller knew it.
   */
  readonly startRelative?: readonly Directive[];
  /** Whether a `dir` line moved the server (chdir) while the files were read. */
  readonly moved?: boolean;
  /** With `appended`: the index of its first directive in `directives` (what came before is the file's). */
  readonly appendedAt?: number;
  /**
   * Glob matches without a final newline: `path:line` of the last line, which redis-server joins to the first line of
   * the next match (that line is read here as this one's end), and the sentence that says so.
   */
  readonly joined?: ReadonlyMap<string, string>;
}

const GLOB_CHARS = /[*?[]/;

/**
 * A file's text split into directives, kept across the loads of one configuration (LoadConfOptions.parsed), with the
 * `user` lines held before it and with it ({@link UsersHeld}).
 */
export interface ParsedText {
  readonly text: string;
  readonly directives: readonly Directive[];
  readonly error?: ConfigParseError | undefined;
  /** The `user` lines held before it, when it has any (what it keeps depends on them); undefined when it has none. */
  readonly usersBefore: UsersHeld | undefined;
  readonly users: UsersHeld;
}

function sameUsers(a: UsersHeld, b: UsersHeld): boolean {
  return a.lines === b.lines && a.words === b.words && a.past?.path === b.past?.path && a.past?.line === b.past?.line;
}


/**
 * glob(3) as the server calls it (no flags): sorted matches, hidden files only when the pattern's segment
 * starts with a dot. Directories are left out: the server opens them but reads nothing from them.
 */
function fsGlob(pattern: string): string[] {
  const segments = pattern.split('/');
  let bases = [segments[0] === '' ? '/' : '.'];
  for (let s = segments[0] === '' ? 1 : 0; s < segments.length; s++) {
    const seg = segments[s]!;
    if (seg === '') continue;
    // No name in a directory is longer than NAME_MAX (255 bytes) on Linux, and a segment of a megabyte made a regular
    // expression as long: such a segment matches nothing, as glob(3) finds.
    if (seg.length > 255 * 4) return [];
    const next: string[] = [];
    for (const base of bases) {
      if (!GLOB_CHARS.test(seg)) {
        next.push(join(base, seg));
        continue;
      }
      let entries: string[];
      try {
        entries = readdirSync(base);
      } catch {
        continue;
      }
      const re = globSegmentRegExp(seg);
      for (const e of entries) {
        if (e.startsWith('.') && !seg.startsWith('.')) continue;
        if (re.test(e)) next.push(join(base, e));
      }
    }
    bases = next;
  }
  return bases
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    })
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Thrown by the readers of `loadFiles` (load-files.ts) when a file or a glob has not been read yet: it is read
 * asynchronously and the load starts again. Never escapes `loadFiles`.
 */
export class NeedInput extends Error {
  constructor(readonly kind: 'file' | 'glob', readonly path: string) {
    super(`${kind} ${path} not read yet`);
  }
}

export interface LoadConfOptions {
  /** Reads a file as text; default `fs.readFileSync(p, 'utf8')`. */
  readonly readFile?: (p: string) => string;
  /** Expands an absolute glob pattern to sorted file paths; default a glob(3) equivalent on the real file system. */
  readonly glob?: (pattern: string) => string[];
  /**
   * The working directory of the server process, which relative `include` paths (and the top file, when
   * relative) resolve against, exactly as redis-server does. Default: the directory of the top file, the
   * usual layout (`cd /etc/redis && redis-server redis.conf`, or includes written relative to the file);
   * pass the real cwd when known (e.g. from the service unit's WorkingDirectory).
   */
  readonly cwd?: string;
  /** Nested include depth at which loading stops with an error (default 32). */
  readonly maxDepth?: number;
  /**
   * The text the includes expand to, a file counted each time it is included (default 64 MiB, as much as the
   * files of one configuration may hold): a file that includes the next one twice, 25 levels deep, is 2^25 copies
   * of the last one, and the load never ended.
   */
  readonly maxExpandedBytes?: number;
  /** Files included, a file counted each time (default 1,024: four times the files one configuration may read). */
  readonly maxInclusions?: number;
  /**
   * Directives of the whole configuration other than `user` lines, a file's counted each time it is included (default
   * {@link MAX_DIRECTIVES}).
   */
  readonly maxDirectives?: number;
  /** Their words (names and arguments), counted likewise (default {@link MAX_WORDS}). */
  readonly maxWords?: number;
  /**
   * `user` lines, and their words, past which they are left out and the users not judged (`usersPast`; defaults
   * MAX_PERMISSION_SETS and MAX_ACL_WORDS, as for an ACL file).
   */
  readonly maxUserLines?: number;
  readonly maxUserWords?: number;
  /**
   * The directives of each file's text, kept across loads by a caller that loads the same configuration again (as
   * `loadConfFiles` does once per file it has to read first): each text is split into directives once, not once per
   * load. Only texts split without an error are kept.
   */
  readonly parsed?: Map<string, ParsedText>;
  /**
   * Return what was read before the first line refused (with `stopped`) instead of throwing: for a caller that hands
   * the result to `effectiveConfig`, which then reports whichever line redis-server would stop at first.
   */
  readonly deferErrors?: boolean;
  /**
   * The server's version, when known (`6.2.16`, `valkey-8.0.1`). 6.x has no glob includes: a pattern names one
   * file there, read if a file has that very name, else the include is refused as a missing file is.
   */
  readonly version?: string;
  /**
   * A path an `include` names as the file read for it: a deploy-time path (`/opt/bitnami/redis/etc/overrides.conf`)
   * as the file of a checkout that stands for it (`--path-map`). Default: the path itself.
   */
  readonly mapPath?: (path: string) => string;
  /**
   * What to add to the error of an `include` whose file does not exist: how to read it in an audit of the files alone
   * (`relative`: its path was relative, opened from the assumed start directory, no `dir` line before it).
   */
  readonly missingInclude?: (include: { readonly arg: string; readonly path: string; readonly relative: boolean }) => string | undefined;
  /**
   * The options of the server's command line as config text (`from` names it in sources): redis-server appends them
   * to the top file's text and loads both (loadServerConfig), so they come after the file's lines, an `--include`
   * among them read as a file's include is, from the directory the file's `dir` lines left.
   */
  readonly appended?: { readonly text: string; readonly from: string };
}

/** The absolute path {@link loadConf} reads first for `path`: resolved against `cwd`, else the process's. */
export function topConfPath(path: string, cwd: string | undefined): string {
  return isAbsolute(path) ? path : resolve(cwd ?? process.cwd(), path);
}

/**
 * Reads a redis.conf (or sentinel.conf) and every file it includes, as `loadServerConfig` does on Redis 7.0:
 * `include` is expanded in place; relative paths resolve against the process cwd, which an earlier
 * `dir` changes (the server `chdir`s while parsing); a path with `*`, `?` or `[` is a glob whose matches
 * are read in sorted order and a glob matching nothing is skipped; a missing plain file is an error naming
 * the including line; include cycles (which would make the server recurse until it crashes) are errors
 * naming the chain. Redis 6.x has no glob includes: there such a path names one literal file.
 * Line numbers are per file; the server's own messages count lines of the concatenated text instead.
 */
export function loadConf(path: string, options: LoadConfOptions = {}): ParsedConf {
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const glob = options.glob ?? fsGlob;
  const noGlobs = options.version !== undefined && followsRedis6(resolveVersion(options.version));
  // An unknown directive of a version whose directives redfort does not know is the config reader's warning alone.
  const judged = directivesJudged(options.version);
  const given = options.version === undefined ? undefined : resolveVersion(options.version);
  const redis8 = given !== undefined && given.product === 'redis' && given.major >= 8;
  const maxDepth = options.maxDepth ?? 32;
  const maxExpandedBytes = options.maxExpandedBytes ?? 64 * 1024 * 1024;
  const maxInclusions = options.maxInclusions ?? 1024;
  const maxDirectives = options.maxDirectives ?? MAX_DIRECTIVES;
  const maxWords = options.maxWords ?? MAX_WORDS;
  const maxUserLines = options.maxUserLines ?? MAX_PERMISSION_SETS;
  const maxUserWords = options.maxUserWords ?? MAX_ACL_WORDS;
  let words = 0;
  /** Directives other than `user` lines so far (`words` are theirs). */
  let counted = 0;
  /**
   * Directives other than `user` lines split and not expanded yet, and their words: the rest of each file whose
   * include is being expanded. A file is split whole before its includes are expanded, so a text's bound counts them
   * too: else each of 32 nested includes could hold one bound's worth before the first was counted.
   */
  let pending = 0;
  let pendingWords = 0;
  /** The `user` lines held: those of every text split so far (a text's are held from its split to the end). */
  let users: UsersHeld = NO_USERS;
  let expandedBytes = 0;
  let inclusions = 0;
  const expandedBy = (text: string, d: Directive | undefined): void => {
    expandedBytes += text.length;
    if (d) inclusions += 1;
    if (expandedBytes <= maxExpandedBytes && inclusions <= maxInclusions) return;
    const where = d ? d.source : { path: top, line: 0 };
    const what = inclusions > maxInclusions ? `read more than ${maxInclusions} files` : `expand to more than ${maxExpandedBytes} bytes`;
    throw new ConfigParseError(where.path, where.line, `the includes ${what}, a file counted each time it is included: redfort stops there (redis-server would read them all)`);
  };
  const top = topConfPath(path, options.cwd);
  let cwd = options.cwd ?? dirname(top);
  const startCwd = cwd;
  let moved = false;
  const startRelative: Directive[] = [];

  const directives: Directive[] = [];
  let appendedAt: number | undefined;
  const files: string[] = [];
  const includedBy = new Map<string, Directive['source']>();
  const warnings: string[] = [];
  const joined = new Map<string, string>();

  const noteFile = (file: string, by?: Directive): void => {
    if (files.includes(file)) return;
    files.push(file);
    if (by) includedBy.set(file, by.source);
  };

  // Every release refuses it (6.0.20, 7.0.15, valkey 9.1.2: Bad directive; 8.6.3: taken for a module's config,
  // aborting): the line the server stops at, as any other it refuses (QA41-105), not a warning the exit code hides.
  const checkBom = (text: string, file: string): void => {
    if (text.startsWith('\uFEFF')) {
      throw new ConfigParseError(file, 1, 'starts with a UTF-8 byte-order mark, which redis-server reads as part of the first line: Bad directive or wrong number of arguments (redis-server refuses to start; save the file without it)');
    }
  };

  const expand = (parsed: readonly Directive[], chain: readonly string[]): void => {
    for (const d of parsed) {
      // `user` lines were counted as their text was split (parse), and those past their bounds left out there.
      if (d.name !== 'user') {
        pending--;
        pendingWords -= 1 + d.args.length;
        if (counted >= maxDirectives) throw tooMuchConfig(d.source.path, d.source.line, 'directives', maxDirectives);
        counted++;
        words += 1 + d.args.length;
        if (words > maxWords) throw tooMuchConfig(d.source.path, d.source.line, 'words', maxWords);
      }
      directives.push(d);
      const at = `${d.source.path}:${d.source.line}`;
      if (d.name === 'dir' && d.args.length === 1) {
        cwd = resolve(cwd, d.args[0]!);
        moved = true;
      } else if (d.name === 'include') {
        if (!moved && d.args.length > 0 && !isAbsolute(d.args[0]!)) startRelative.push(d);
        include(d, chain);
      } else if (!isKnownDirective(d.name) && (judged || !directiveShaped(d.name)) && !(redis8 && d.args.length > 0)) {
        // Redis 8 takes an unknown name with a value for a module's config: the effective config judges it
        // (src/gather/conf/effective.ts: refused without a `loadmodule` line, else the module's to take).
        const module = given === undefined && d.args.length > 0 && directiveShaped(d.name) ? "; Redis 8 takes it for a module's config, which a module it loads must declare" : '';
        warnings.push(
          `${at}: ${unknownDirective(d.name)} (not in ${TABLED_LINES}; ` +
            `redis-server would refuse it: Bad directive or wrong number of arguments${module})`,
        );
      }
    }
  };

  const include = (d: Directive, chain: readonly string[]): void => {
    const arg = d.args[0]!;
    const named = isAbsolute(arg) ? arg : resolve(cwd, arg);
    const target = options.mapPath ? options.mapPath(named) : named;
    const fail = (reason: string): never => {
      throw new ConfigParseError(d.source.path, d.source.line, reason);
    };
    /** The hint for a file that is not there, if the caller has one. */
    const missing = (err: unknown, path: string): string => {
      if (!/no such file/i.test(errorCode(err))) return '';
      const hint = options.missingInclude?.({ arg, path, relative: !isAbsolute(arg) && !moved });
      return hint === undefined ? '' : `; ${hint}`;
    };
    if (chain.length > maxDepth) fail(`include nested more than ${maxDepth} levels deep: ${chain.join(' -> ')}`);

    const enter = (file: string): readonly string[] => {
      if (chain.includes(file)) {
        fail(`include cycle: ${[...chain.slice(chain.indexOf(file)), file].join(' -> ')} (redis-server would recurse until it crashes)`);
      }
      return [...chain, file];
    };

    // Redis 6.x (and before) fopen()s a pattern as one file name: no matches read, and no such file stops it
    // (6.0.20, 6.2.16: "Fatal error, can't open config file '…/conf.d/*.conf'"), unless a file has that very name.
    const literalPattern = noGlobs && GLOB_CHARS.test(arg);
    if (!GLOB_CHARS.test(arg) || literalPattern) {
      const next = enter(target);
      let text: string;
      try {
        text = readFile(target);
      } catch (err) {
        if (err instanceof NeedInput) throw err;
        const empty = readsAsEmpty(target, err);
        if (empty !== undefined) {
          // fopen() of a directory (or /dev/null) succeeds on Linux and fgets() returns nothing: redis-server adds
          // no setting and starts (6.2.16, 7.0.15, 8.6.3, valkey 9.1.2). The reader never opens it: modelled empty.
          warnings.push(`${d.source.path}:${d.source.line}: include ${quotedArg(target)} is ${empty}: redis-server reads nothing from it (no setting added)`);
          return;
        }
        if (literalPattern) {
          return fail(`include: can't open config file ${quotedArg(target)}: ${errorCode(err)} (redis-server refuses to start: ${resolveVersion(options.version).label} has no glob includes, it opens the pattern as one file name; glob includes came with Redis 7.0)`);
        }
        return fail(`include: can't open config file ${quotedArg(target)}: ${errorCode(err)} (redis-server refuses to start)${missing(err, target)}`);
      }
      noteFile(target, d);
      expandedBy(text, d);
      checkBom(text, target);
      expandText(text, target, next);
      return;
    }

    let matches: string[];
    try {
      matches = glob(target);
    } catch (err) {
      if (err instanceof NeedInput) throw err;
      const why = err instanceof Error ? err.message : String(err);
      return fail(`include ${quotedArg(arg)}: ${why.length <= 300 ? why : 'the pattern cannot be expanded'}`);
    }
    if (matches.length === 0) {
      warnings.push(`${d.source.path}:${d.source.line}: include ${quotedArg(arg)} matched no file (skipped, as redis-server does)`);
      return;
    }
    // The server concatenates every match into one string before parsing it, so a file without a final
    // newline has its last line joined to the first line of the next match.
    const texts: string[] = [];
    for (const file of matches) {
      enter(file);
      try {
        texts.push(readFile(file));
      } catch (err) {
        if (err instanceof NeedInput) throw err;
        return fail(`include: can't open config file '${file}': ${errorCode(err)} (redis-server refuses to start)`);
      }
      noteFile(file, d);
      expandedBy(texts[texts.length - 1]!, d);
    }
    for (let k = 0; k < matches.length; k++) {
      let text = texts[k]!;
      checkBom(text, matches[k]!);
      if (text !== '' && !text.endsWith('\n')) {
        // The joined line is read where it starts (QA41-109: it was read as the next file's line 1): the first line
        // of the next match (of each next one, while a whole file has no line feed) is moved to the end of this
        // file, and left empty there, so that every other line keeps its own file and number.
        const last = text.split('\n').length;
        const joinedTo: string[] = [];
        for (let j = k + 1; j < matches.length && !text.endsWith('\n'); j++) {
          const next = texts[j]!;
          if (next === '') continue;
          const feed = next.indexOf('\n');
          joinedTo.push(matches[j]!);
          text += feed < 0 ? next : next.slice(0, feed);
          texts[j] = feed < 0 ? '' : next.slice(feed);
          if (feed >= 0) break;
        }
        if (joinedTo.length > 0) {
          const why = `${matches[k]} has no newline at its end: redis-server joins its last line (line ${last}) to the first line of ${joinedTo.join(', then of ')} (glob include)`;
          joined.set(`${matches[k]}:${last}`, why);
          warnings.push(`${matches[k]}:${last}: ${why}`);
        }
      }
      expandText(text, matches[k]!, [...chain, matches[k]!]);
    }
  };

  const expandText = (text: string, file: string, chain: readonly string[]): void => {
    const { directives: lines, error } = parse(text, file);
    for (const d of lines) {
      if (d.name === 'user') continue;
      pending++;
      pendingWords += 1 + d.args.length;
    }
    expand(lines, chain);
    if (error) throw error;
  };

  /**
   * A file's directives: from `options.parsed` when this text was split before, else split now, up to the bounds with
   * what came before it (the same directive passes them here as in expand(), with the same error).
   */
  const parse = (text: string, file: string): { readonly directives: readonly Directive[]; readonly error?: ConfigParseError | undefined } => {
    // Which `user` lines a text keeps depends on those held before it: the same in each of loadConfFiles' loads.
    const kept = options.parsed?.get(file);
    if (kept !== undefined && kept.text === text && (kept.usersBefore === undefined || sameUsers(kept.usersBefore, users))) {
      if (kept.usersBefore !== undefined) users = kept.users;
      return kept;
    }
    const usersBefore = users;
    const result = parseConfLines(text, file, { maxDirectives, maxWords, directivesBefore: counted + pending, wordsBefore: words + pendingWords, maxUserLines, maxUserWords, usersBefore });
    users = result.users;
    if (result.error === undefined) options.parsed?.set(file, { text, directives: result.directives, usersBefore: result.withUsers ? usersBefore : undefined, users: result.users });
    return result;
  };

  try {
    let text: string;
    try {
      text = readFile(top);
    } catch (err) {
      if (err instanceof NeedInput) throw err;
      throw new ConfigParseError(top, 0, `can't open config file: ${errorCode(err)}`);
    }
    noteFile(top);
    expandedBy(text, undefined);
    checkBom(text, top);
    expandText(text, top, [top]);
    if (options.appended) {
      appendedAt = directives.length;
      // Not within the top file: `redis-server a.conf --include a.conf` reads a.conf twice, no cycle.
      expandText(options.appended.text, options.appended.from, []);
    }
  } catch (caught) {
    const error = withJoinedLine(joined, caught);
    if (!(options.deferErrors && error instanceof ConfigParseError)) throw error;
    return { directives, files, includedBy, warnings, cwd: startCwd, stopped: { error, after: directives.length }, ...(appendedAt !== undefined ? { appendedAt } : {}), ...(users.past ? { usersPast: users.past } : {}), ...(startRelative.length > 0 ? { startRelative } : {}), ...(moved ? { moved } : {}), ...(joined.size > 0 ? { joined } : {}) };
  }
  return { directives, files, includedBy, warnings, cwd: startCwd, ...(appendedAt !== undefined ? { appendedAt } : {}), ...(users.past ? { usersPast: users.past } : {}), ...(startRelative.length > 0 ? { startRelative } : {}), ...(moved ? { moved } : {}), ...(joined.size > 0 ? { joined } : {}) };
}

/**
 * `error` with the reason its line is what it is, when it is a glob match's last line that redis-server joins to the
 * next match's first ({@link ParsedConf.joined}): the warning that says so is not printed when the run stops there.
 */
export function withJoinedLine(joined: ReadonlyMap<string, string> | undefined, error: unknown): unknown {
  if (!(error instanceof ConfigParseError) || joined === undefined) return error;
  const why = joined.get(`${error.path}:${error.line}`);
  if (why === undefined || error.reason.includes(why)) return error;
  return new ConfigParseError(error.path, error.line, `${error.reason}; ${why}`);
}
