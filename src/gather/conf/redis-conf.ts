import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { digestPassword, parseAclUser, AclSyntaxError } from '../../acl/parse.ts';
import type { AclUser, ConfigMap, Fact, SecretDigest, SecretMap, Source } from '../../facts/types.ts';
import { atoi, formatPercentile, memtoull, string2ll, strtoll } from './c-numbers.ts';
import {
  DEPRECATED_DIRECTIVES,
  DIRECTIVES,
  NON_CONFIG_DIRECTIVES,
  defaultFor,
  existsIn,
  existsInVersion,
  lookupDirective,
  resolveVersion,
} from '../../redis/directives.ts';
import type { DirectiveSpec, ServerVersion } from '../../redis/directives.ts';
import { sentinelFromDirectives } from './sentinel-conf.ts';
import type { SentinelConf } from './sentinel-conf.ts';
import { splitArgs } from './split-args.ts';
import { globSegmentRegExp } from '../../util/glob.ts';
import { SECRET_DIRECTIVES } from '../../redis/secrets.ts';

/**
 * A line redis-server would refuse (or that cannot be read as a config at all, e.g. an unrendered
 * template). The message is `path:line: reason` and never contains a secret.
 */
export class ConfigParseError extends Error {
  readonly path: string;
  readonly line: number;
  readonly reason: string;

  constructor(path: string, line: number, reason: string) {
    super(`${path}:${line}: ${reason}`);
    this.name = 'ConfigParseError';
    this.path = path;
    this.line = line;
    this.reason = reason;
  }
}

/** One non-blank, non-comment line of a redis.conf, split as the server splits it. */
export interface Directive {
  /** Lowercased, as written (`slaveof` stays `slaveof`; `effectiveConfig` maps legacy names). */
  readonly name: string;
  readonly args: readonly string[];
  readonly source: { readonly kind: 'file'; readonly path: string; readonly line: number };
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
  /** Things the server would do differently or refuse but that should not stop an audit (unknown directives...). */
  readonly warnings: readonly string[];
  /** The working directory relative paths were resolved against (the server's cwd at startup), when known. */
  readonly cwd?: string;
}

export interface EffectiveConf {
  /** Every config directive in `CONFIG GET` form: from the file where set, else the compiled default. */
  readonly config: ConfigMap;
  /** `requirepass`, `masterauth`, `tls-key-file-pass`, `tls-client-key-file-pass` as digests. */
  readonly secrets: SecretMap;
  /** The inline ACL: `user` lines, in order. */
  readonly users: readonly AclUser[];
  /** `rename-command`: original command (lowercase) to its new name; `''` means removed. */
  readonly renames: ReadonlyMap<string, Fact<string>>;
  /** `include` arguments as written. */
  readonly includes: readonly Fact<string>[];
  /** `loadmodule` paths. */
  readonly modules: readonly Fact<string>[];
  /** Present when the file is a Sentinel config (`sentinel` directives). */
  readonly sentinel?: SentinelConf;
  /** Lines the server would treat differently from what they seem to say (e.g. a 6.x one-line `save`). */
  readonly warnings: readonly string[];
}

const TEMPLATE_PATTERNS: readonly RegExp[] = [
  /\{\{.*?(\}\}|$)/, // Jinja, Go templates, Helm
  /\{%.*?(%\}|$)/, // Jinja blocks
  /\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+=-][^}]*)?\}/, // envsubst, shell, docker-compose
  /@[A-Z_][A-Z0-9_]*@/, // sed / autoconf placeholders, upper case so `+@all` never matches
];

const TEMPLATE_KINDS: readonly string[] = ['{{ … }}', '{% … %}', '${…}', '@…@'];

/** Why a line with a template placeholder cannot be read; the placeholder is not quoted where it may be a secret. */
function templateReason(line: string): string | undefined {
  for (let i = 0; i < TEMPLATE_PATTERNS.length; i++) {
    const m = TEMPLATE_PATTERNS[i]!.exec(line);
    if (!m) continue;
    const words = line.split(/[ \t]+/);
    const name = asciiLower(words[0] ?? '');
    if (holdsSecret(name, words.slice(1))) {
      return `unrendered template placeholder ${TEMPLATE_KINDS[i]!} in '${name}' (not shown: it may hold a secret): render the template first`;
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

/** `sdstolower`: ASCII only, like the server. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Names whose arguments may hold a password: their values are never quoted in messages. */
function holdsSecret(name: string, args: readonly string[]): boolean {
  const spec = lookupDirective(name);
  if (spec && (SECRET_DIRECTIVES.has(spec.name) || spec.sensitive)) return true;
  if (name === 'user') return true;
  if (name === 'sentinel') {
    const sub = asciiLower(args[0] ?? '');
    return sub === 'auth-pass' || sub === 'sentinel-pass' || sub === 'auth-user' || sub === 'sentinel-user';
  }
  return false;
}

function wrongArgs(name: string, args: readonly string[], expected: string): string {
  const comment = args.findIndex((a) => a.startsWith('#'));
  if (comment > 0) {
    return (
      `wrong number of arguments: '${name}' takes ${expected}, and redis.conf has no inline comments ` +
      `(the '#' and every word after it are read as more arguments; redis-server refuses to start)`
    );
  }
  return `wrong number of arguments: '${name}' takes ${expected}, got ${args.length} (redis-server refuses to start)`;
}

/**
 * Splits a redis.conf text into directives exactly as `loadServerConfigFromString` (redis@7.0.15:src/config.c:442)
 * does, without following `include`: lines split on `\n` and trimmed of ` \t\r\n` (so CRLF files work),
 * `#` comments only at the start of a line, arguments by {@link splitArgs}, names lowercased.
 * Throws {@link ConfigParseError} for what the server refuses at this stage (unbalanced quotes, a wrong
 * number of arguments for a one-value directive) and for unrendered template placeholders. A leading
 * UTF-8 byte-order mark is dropped (redis-server itself would refuse that first line: see `loadConf`).
 */
export function parseConfText(text: string, path: string): Directive[] {
  const directives: Directive[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = trimConfLine(lines[i]!);
    if (line === '' || line.startsWith('#')) continue;

    const template = templateReason(line);
    if (template !== undefined) throw new ConfigParseError(path, lineNo, template);

    const split = splitArgs(line);
    if (!Array.isArray(split)) {
      throw new ConfigParseError(path, lineNo, 'Unbalanced quotes in configuration line (redis-server refuses to start)');
    }
    if (split.length === 0) continue;

    const name = asciiLower(split[0]!);
    const args = split.slice(1);
    checkArity(name, args, path, lineNo);
    directives.push({ name, args, source: { kind: 'file', path, line: lineNo } });
  }
  return directives;
}

/** The argument-count checks the loader makes before looking at any value. */
function checkArity(name: string, args: readonly string[], path: string, line: number): void {
  const bad = (reason: string): never => {
    throw new ConfigParseError(path, line, reason);
  };
  const spec = lookupDirective(name);
  if (spec) {
    if (!spec.multiArg && args.length !== 1) bad(wrongArgs(name, args, 'exactly one argument'));
    return;
  }
  const badDirective = `Bad directive or wrong number of arguments: '${name}'`;
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
      if (name.includes('.') && args.length < 1) bad(`Module config specified without value: '${name}'`);
  }
}

function isKnownDirective(name: string): boolean {
  return (
    lookupDirective(name) !== undefined ||
    NON_CONFIG_DIRECTIVES.has(name) ||
    DEPRECATED_DIRECTIVES.has(name) ||
    name.includes('.')
  );
}

const GLOB_CHARS = /[*?[]/;


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

function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  // The one reader's refusals (a FIFO, a device, too large) have no errno: their reason, without the path.
  if (err && typeof err === 'object' && 'detail' in err && typeof err.detail === 'string') return err.detail;
  return err instanceof Error ? err.message : String(err);
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
  const maxDepth = options.maxDepth ?? 32;
  const top = isAbsolute(path) ? path : resolve(options.cwd ?? process.cwd(), path);
  let cwd = options.cwd ?? dirname(top);
  const startCwd = cwd;

  const directives: Directive[] = [];
  const files: string[] = [];
  const warnings: string[] = [];

  const noteFile = (file: string): void => {
    if (!files.includes(file)) files.push(file);
  };

  const checkBom = (text: string, file: string): void => {
    if (text.startsWith('\uFEFF')) {
      warnings.push(
        `${file}:1: starts with a UTF-8 byte-order mark; it was ignored here, but redis-server reads it as part ` +
          `of the first line and refuses to start (Bad directive or wrong number of arguments)`,
      );
    }
  };

  const expand = (parsed: readonly Directive[], chain: readonly string[]): void => {
    for (const d of parsed) {
      directives.push(d);
      const at = `${d.source.path}:${d.source.line}`;
      if (d.name === 'dir' && d.args.length === 1) {
        cwd = resolve(cwd, d.args[0]!);
      } else if (d.name === 'include') {
        include(d, chain);
      } else if (!isKnownDirective(d.name)) {
        warnings.push(
          `${at}: unknown directive '${d.name.slice(0, 60)}' (not in Redis 6.0-8.0 or Valkey 7.2-8.0; ` +
            `redis-server would refuse it: Bad directive or wrong number of arguments)`,
        );
      }
    }
  };

  const include = (d: Directive, chain: readonly string[]): void => {
    const arg = d.args[0]!;
    const target = isAbsolute(arg) ? arg : resolve(cwd, arg);
    const fail = (reason: string): never => {
      throw new ConfigParseError(d.source.path, d.source.line, reason);
    };
    if (chain.length > maxDepth) fail(`include nested more than ${maxDepth} levels deep: ${chain.join(' -> ')}`);

    const enter = (file: string): readonly string[] => {
      if (chain.includes(file)) {
        fail(`include cycle: ${[...chain.slice(chain.indexOf(file)), file].join(' -> ')} (redis-server would recurse until it crashes)`);
      }
      return [...chain, file];
    };

    if (!GLOB_CHARS.test(arg)) {
      const next = enter(target);
      let text: string;
      try {
        text = readFile(target);
      } catch (err) {
        if (err instanceof NeedInput) throw err;
        return fail(`include: can't open config file '${target}': ${errorCode(err)} (redis-server refuses to start)`);
      }
      noteFile(target);
      checkBom(text, target);
      expand(parseConfText(text, target), next);
      return;
    }

    let matches: string[];
    try {
      matches = glob(target);
    } catch (err) {
      if (err instanceof NeedInput) throw err;
      return fail(`include '${arg}': ${err instanceof Error ? err.message : String(err)}`);
    }
    if (matches.length === 0) {
      warnings.push(`${d.source.path}:${d.source.line}: include '${arg}' matched no file (skipped, as redis-server does)`);
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
      noteFile(file);
    }
    for (let k = 0; k < matches.length; k++) {
      let text = texts[k]!;
      checkBom(text, matches[k]!);
      if (k + 1 < matches.length && text !== '' && !text.endsWith('\n')) {
        const cut = text.lastIndexOf('\n') + 1;
        texts[k + 1] = text.slice(cut) + texts[k + 1]!;
        text = text.slice(0, cut);
        warnings.push(
          `${matches[k]}: no newline at end of file: redis-server joins its last line to the first line of ` +
            `${matches[k + 1]} (glob include)`,
        );
      }
      expand(parseConfText(text, matches[k]!), [...chain, matches[k]!]);
    }
  };

  let text: string;
  try {
    text = readFile(top);
  } catch (err) {
    if (err instanceof NeedInput) throw err;
    throw new ConfigParseError(top, 0, `can't open config file: ${errorCode(err)}`);
  }
  noteFile(top);
  checkBom(text, top);
  expand(parseConfText(text, top), [top]);
  return { directives, files, warnings, cwd: startCwd };
}

/** A value the server refuses; `effectiveConfig` reports it at the line of the directive being applied. */
class Refused extends Error {}

function refuse(reason: string): never {
  throw new Refused(reason);
}

export interface EffectiveOptions {
  /** The server version (`7.0.15`, `6.2.16`, `valkey-8.0.1`); decides defaults and version quirks. Default: Redis 7.x. */
  readonly version?: string;
  /** Whether the file is a Sentinel config; default: when it has `sentinel` directives. */
  readonly sentinel?: boolean;
}

const SAVE_LIMIT_CLASSES = ['normal', 'slave', 'pubsub'] as const;

function fileSource(d: Directive): Source {
  return { kind: 'file', path: d.source.path, line: d.source.line };
}

/**
 * The configuration the server ends up with, in `CONFIG GET` form, following Redis 7.0.15's `src/config.c`
 * (with the 6.x differences when `options.version` says 6.x):
 * last wins for one-value directives; `save` accumulates (the first `save` line drops the compiled
 * default, `save ""` clears); the last `bind` replaces earlier ones; a single quoted argument of a
 * multi-argument directive is split again (7.0+); booleans and enums are lowercased to the server's
 * canonical name; memory units become bytes; legacy and Valkey names map to the modern Redis name.
 * Directives not set get the compiled default of the version. Secrets go to `secrets` as digests only.
 * Throws {@link ConfigParseError} for values the server refuses.
 */
export function effectiveConfig(parsed: ParsedConf, options: EffectiveOptions = {}): EffectiveConf {
  const version = resolveVersion(options.version);
  const six = version.key === 'r6.0' || version.key === 'r6.2';
  const aclVersion = version.product === 'valkey' ? '7.2' : options.version;

  const config = new Map<string, Fact<string>>();
  const secrets = new Map<string, Fact<SecretDigest>>();
  const users: AclUser[] = [];
  const userLines = new Map<string, Directive>();
  const renames = new Map<string, Fact<string>>();
  const includes: Fact<string>[] = [];
  const modules: Fact<string>[] = [];
  const sentinelLines: Directive[] = [];
  const warnings: string[] = [];

  let cwd = parsed.cwd;
  const savePoints: string[] = [];
  let saveSeen = false;
  let lastSave: Source | undefined;
  const bufferLimits = new Map<string, string>(
    [['normal', '0 0 0'], ['slave', '268435456 67108864 60'], ['pubsub', '33554432 8388608 60']],
  );

  const apply = (d: Directive): void => {
    const source = fileSource(d);
    const name = d.name;

    if (name === 'include') {
      includes.push({ value: d.args[0]!, source });
      return;
    }
    if (name === 'loadmodule') {
      modules.push({ value: d.args[0]!, source });
      return;
    }
    if (name === 'sentinel') {
      // redis-server stops at the first line it refuses: this one, before any later bad line (issue 11).
      if (options.sentinel === false && d.args.length > 0) refuse('sentinel directive while not in sentinel mode');
      if (d.args.length > 0) sentinelLines.push(d);
      return;
    }
    if (name === 'rename-command') {
      applyRename(renames, d);
      return;
    }
    if (name === 'user') {
      const user = parseUserLine(d, aclVersion);
      const previous = userLines.get(user.name);
      if (previous !== undefined) {
        if (!six) {
          refuse(
            `Error in user declaration '${user.name}': Duplicate user found. A user can only be defined once in ` +
              `config files (first defined at line ${previous.source.line}; redis-server refuses to start)`,
          );
        }
        // 6.x resets the user and applies the later line.
        users.splice(users.findIndex((u) => u.name === user.name), 1, user);
      } else {
        users.push(user);
      }
      userLines.set(user.name, d);
      return;
    }
    const spec = lookupDirective(name);
    if (DEPRECATED_DIRECTIVES.has(name) && (!spec || !existsIn(spec, version.key))) return;
    if (!spec) {
      // A module's own config (`module.name`) is checked by the module; any other unknown name stops redis-server.
      if (name.includes('.')) {
        config.set(name, { value: d.args.join(' '), source });
        return;
      }
      if (!isKnownDirective(name)) {
        refuse(`unknown directive '${name.slice(0, 60)}' (not in Redis 6.0-8.0 or Valkey 7.2-8.0): redis-server refuses to start (Bad directive or wrong number of arguments)`);
      }
      return;
    }
    if (options.version !== undefined && !existsInVersion(spec, version)) {
      warnings.push(
        `${d.source.path}:${d.source.line}: '${name}' is not a ${version.label} directive ` +
          `(redis-server ${version.label} would refuse it: Bad directive or wrong number of arguments)`,
      );
    }

    let args = d.args;
    if (spec.multiArg && !six && args.length === 1 && args[0] !== '') {
      const again = splitArgs(args[0]!);
      args = Array.isArray(again) ? again : [];
    }

    let value: string;
    switch (spec.kind) {
      case 'bool':
        value = parseBool(args[0]!, spec);
        break;
      case 'enum':
        value = parseEnum(args, spec);
        break;
      case 'string':
        value = parseString(args[0]!, spec);
        break;
      case 'number':
        value = parseNumber(args[0]!, spec);
        break;
      case 'special':
        switch (spec.name) {
          case 'dir':
            // CONFIG GET dir returns the absolute working directory the server chdir'ed into.
            value = resolveDir(cwd, args[0]!);
            cwd = value;
            break;
          case 'save': {
            const result = applySave(args, { six, first: !saveSeen, points: savePoints });
            saveSeen = true;
            if (result.ignored) {
              warnings.push(
                `${d.source.path}:${d.source.line}: ${version.label} takes one 'save <seconds> <changes>' pair per ` +
                  `line and ignores this line (the first 'save' line has already dropped the default save points)`,
              );
            }
            // Joined once, after the last line: joining at every line is quadratic in the number of save lines.
            value = '';
            lastSave = source;
            break;
          }
          case 'bind':
            value = parseBind(args);
            break;
          case 'replicaof':
            value = parseReplicaof(args);
            break;
          case 'client-output-buffer-limit':
            parseBufferLimits(args, bufferLimits);
            value = SAVE_LIMIT_CLASSES.map((c) => `${c} ${bufferLimits.get(c)!}`).join(' ');
            break;
          case 'oom-score-adj-values':
            value = parseOomValues(args);
            break;
          case 'notify-keyspace-events':
            value = parseKeyspaceEvents(args[0]!);
            break;
          case 'latency-tracking-info-percentiles':
            value = parsePercentiles(args);
            break;
          default:
            value = args.join(' ');
        }
        break;
    }

    if (SECRET_DIRECTIVES.has(spec.name) || SECRET_DIRECTIVES.has(name)) {
      secrets.set(spec.name, { value: digestPassword(value), source });
    } else {
      config.set(spec.name, { value, source });
    }
  };

  for (const d of parsed.directives) {
    try {
      apply(d);
    } catch (err) {
      if (err instanceof Refused) throw new ConfigParseError(d.source.path, d.source.line, err.message);
      throw err;
    }
  }

  if (lastSave) config.set('save', { value: savePoints.join(' '), source: lastSave });

  // Clamped after loading (redis@7.0.15:src/config.c:613): `hz 0` reads back as 1.
  const hz = config.get('hz');
  if (hz !== undefined) {
    const clamped = BigInt(hz.value) < 1n ? '1' : BigInt(hz.value) > 500n ? '500' : hz.value;
    if (clamped !== hz.value) config.set('hz', { value: clamped, source: hz.source });
  }

  const isSentinel = options.sentinel ?? sentinelLines.length > 0;
  if (options.sentinel === false && sentinelLines.length > 0) {
    const d = sentinelLines[0]!;
    throw new ConfigParseError(d.source.path, d.source.line, 'sentinel directive while not in sentinel mode');
  }
  const sentinel = isSentinel ? sentinelFromDirectives(sentinelLines, { version: options.version }) : undefined;

  fillDefaults(config, secrets, version, { cwd: parsed.cwd, sentinel: isSentinel });

  const aclfile = config.get('aclfile');
  if (users.length > 0 && aclfile !== undefined && aclfile.value !== '') {
    const first = userLines.values().next().value!;
    throw new ConfigParseError(
      first.source.path,
      first.source.line,
      `'user' lines and 'aclfile' (${formatAt(aclfile.source)}) are both set: redis-server refuses to start ` +
        `(define the users in one place)`,
    );
  }

  return {
    config,
    secrets,
    users,
    renames,
    includes,
    modules,
    ...(sentinel ? { sentinel } : {}),
    warnings,
  };
}

function formatAt(source: Source): string {
  return source.kind === 'file' ? `${source.path}:${source.line}` : source.kind;
}

/**
 * Where `dir` leaves the server, as `getcwd()` reports it: absolute and normalised. Windows paths
 * (`c:\data`, from the Windows ports) are kept as written; a relative path stays relative when the
 * starting directory is unknown.
 */
function resolveDir(cwd: string | undefined, arg: string): string {
  if (/^[A-Za-z]:[\\/]/.test(arg)) return arg;
  if (isAbsolute(arg)) return resolve(arg);
  return cwd === undefined ? arg : resolve(cwd, arg);
}

function fillDefaults(
  config: Map<string, Fact<string>>,
  secrets: Map<string, Fact<SecretDigest>>,
  version: ServerVersion,
  context: { cwd: string | undefined; sentinel: boolean },
): void {
  const note = `compiled default of ${version.label}`;
  for (const spec of DIRECTIVES) {
    if (!existsInVersion(spec, version)) continue;
    if (config.has(spec.name) || secrets.has(spec.name)) continue;
    let value = defaultFor(spec, version.key);
    let why = note;
    if (spec.name === 'dir') {
      if (context.cwd === undefined) continue;
      value = context.cwd;
      why = `${note}: the working directory redis-server was started in (assumed ${context.cwd})`;
    } else if (spec.name === 'save' && version.key === 'r6.0') {
      why = `${note}: 6.0 drops its save points whenever it is started with a config file`;
    } else if (context.sentinel && spec.name === 'port') {
      value = '26379';
      why = `Sentinel default of ${version.label} (initSentinelConfig)`;
    } else if (context.sentinel && spec.name === 'protected-mode') {
      value = 'no';
      why = `Sentinel default of ${version.label}: initSentinelConfig turns protected mode off`;
    }
    const source: Source = { kind: 'default', note: why };
    if (SECRET_DIRECTIVES.has(spec.name)) secrets.set(spec.name, { value: digestPassword(value), source });
    else config.set(spec.name, { value, source });
  }
}

function parseUserLine(d: Directive, version: string | undefined): AclUser {
  const name = d.args[0]!;
  if (/[ \t\r\n]/.test(name)) refuse('Spaces not allowed in ACL usernames (redis-server refuses to start)');
  try {
    return parseAclUser(name, d.args.slice(1), fileSource(d), version === undefined ? {} : { version });
  } catch (err) {
    if (err instanceof AclSyntaxError) {
      return refuse(`Error in user declaration '${name}': ${aclErrorText(err)} (redis-server refuses to start)`);
    }
    throw err;
  }
}

/**
 * The ACL parser's message, except that a word it cannot read as a rule at all is not quoted: such a
 * word is often a password written without its `>`.
 */
export function aclErrorText(err: AclSyntaxError): string {
  if (err.rule !== undefined && err.reason === 'Syntax error' && !/^[~%&+\-()!#<>]/.test(err.rule)) {
    return "Syntax error in a word that is no ACL rule (not shown: it may be a password written without '>')";
  }
  return err.message;
}

function applyRename(
  renames: Map<string, Fact<string>>,
  d: Directive,
): void {
  const from = asciiLower(d.args[0]!);
  const to = d.args[1]!;
  // After a rename the command lives under its new name only; renaming the old name again fails.
  let original = from;
  for (const [orig, fact] of renames) {
    if (fact.value !== '' && asciiLower(fact.value) === from) original = orig;
  }
  if (original === from && renames.has(from)) {
    refuse(`No such command in rename-command: '${from}' was already renamed or removed (redis-server refuses to start)`);
  }
  if (to !== '') {
    const lowerTo = asciiLower(to);
    for (const [orig, fact] of renames) {
      if (orig !== original && fact.value !== '' && asciiLower(fact.value) === lowerTo) {
        refuse(`Target command name already exists: '${to}' (redis-server refuses to start)`);
      }
    }
  }
  renames.set(original, { value: to, source: fileSource(d) });
}

function parseBool(arg: string, spec: DirectiveSpec): string {
  const lower = asciiLower(arg);
  if (lower !== 'yes' && lower !== 'no') refuse(`'${spec.name}': argument must be 'yes' or 'no', got '${arg}'`);
  return lower;
}

function parseEnum(args: readonly string[], spec: DirectiveSpec): string {
  const values = spec.values!;
  const names = Object.keys(values);
  const oneOf = `argument(s) must be one of the following: ${names.join(', ')}`;
  if (!spec.bitflags) {
    if (args.length !== 1) refuse(wrongArgs(spec.name, args, 'exactly one argument'));
    const canonical = values[asciiLower(args[0]!)];
    if (canonical === undefined) refuse(`'${spec.name}': ${oneOf}; got '${args[0]!}'`);
    return canonical;
  }
  // shutdown-on-sig*: flags; CONFIG GET lists the set ones in table order, `default` alone for none.
  if (args.length === 0) refuse(`'${spec.name}': ${oneOf}`);
  const chosen = new Set<string>();
  for (const a of args) {
    const canonical = values[asciiLower(a)];
    if (canonical === undefined) refuse(`'${spec.name}': ${oneOf}; got '${a}'`);
    if (canonical !== 'default') chosen.add(canonical);
  }
  if (chosen.has('save') && chosen.has('nosave')) {
    refuse(`'${spec.name}': shutdown options SAVE and NOSAVE can't be used simultaneously`);
  }
  return chosen.size === 0 ? 'default' : names.filter((n) => chosen.has(n)).join(' ');
}

const BASENAME_ONLY: Readonly<Record<string, string>> = {
  dbfilename: "dbfilename can't be a path, just a filename",
  appendfilename: "appendfilename can't be a path, just a filename",
  appenddirname: "appenddirname can't be a path, just a dirname",
};

function parseString(arg: string, spec: DirectiveSpec): string {
  const pathError = BASENAME_ONLY[spec.name];
  if (pathError !== undefined) {
    if (arg === '' && spec.name !== 'dbfilename') refuse(`${spec.name} can't be empty`);
    if (arg.includes('/') || arg.includes('\\')) refuse(`${pathError} (got '${arg}')`);
  }
  return arg;
}

/** `numericParseString` + `numericBoundaryCheck` (redis@7.0.15:src/config.c:2076-2166). */
function parseNumber(arg: string, spec: DirectiveSpec): string {
  const shown = holdsSecret(spec.name, []) ? '' : ` (got '${arg}')`;
  let ll: bigint | undefined;
  if (spec.memory) {
    const v = memtoull(arg);
    if (v !== undefined) ll = BigInt.asIntN(64, v);
  }
  if (ll === undefined && spec.percent && arg.length > 1 && arg.endsWith('%')) {
    const v = string2ll(arg.slice(0, -1));
    if (v !== undefined && v >= 0n) ll = -v;
  }
  if (ll === undefined && spec.octal) {
    const r = strtoll(arg, 8);
    if (!r.overflow && r.rest === '') ll = r.value;
  }
  if (ll === undefined && !spec.memory && !spec.percent && !spec.octal) ll = string2ll(arg);
  if (ll === undefined) {
    const what =
      spec.memory && spec.percent
        ? 'a memory or percent value'
        : spec.memory
          ? 'a memory value (a number with an optional unit b, k, kb, m, mb, g, gb)'
          : spec.octal
            ? 'an octal number'
            : 'an integer';
    return refuse(`'${spec.name}': argument must be ${what}${shown}`);
  }

  const min = BigInt(spec.min!);
  const max = BigInt(spec.max!);
  const range = spec.octal
    ? `between ${min.toString(8)} and ${max.toString(8)}`
    : `between ${min} and ${max}`;
  if (spec.unsigned) {
    const u = BigInt.asUintN(64, ll);
    if (u > max || u < min) refuse(`'${spec.name}': argument must be ${range} inclusive${shown}`);
  } else if (spec.percent && ll < 0n) {
    if (ll < min) refuse(`'${spec.name}': percentage argument must be less or equal to ${-min}${shown}`);
  } else if (ll > max || ll < min) {
    refuse(`'${spec.name}': argument must be ${range} inclusive${shown}`);
  }

  if (spec.percent && ll < 0n) return `${-ll}%`;
  if (spec.memory) return BigInt.asUintN(64, ll).toString();
  if (spec.octal) return ll.toString(8);
  return ll.toString();
}

/**
 * `setConfigSaveOption` (7.0+) or the 6.x special case (redis@6.2.16:src/config.c:468), which silently
 * ignores lines that are neither one pair nor `save ""`.
 */
function applySave(
  args: readonly string[],
  state: { six: boolean; first: boolean; points: string[] },
): { ignored: boolean } {
  const points = state.points;
  if (state.first) points.length = 0;
  if (state.six) {
    if (args.length === 2) {
      const seconds = atoi(args[0]!);
      const changes = atoi(args[1]!);
      if (seconds < 1 || changes < 0) refuse('Invalid save parameters');
      points.push(`${seconds} ${changes}`);
      return { ignored: false };
    }
    if (args.length === 1 && args[0] === '') {
      points.length = 0;
      return { ignored: false };
    }
    return { ignored: true };
  }
  let list = args;
  if (list.length === 1 && list[0] === '') {
    points.length = 0;
    list = [];
  }
  if (list.length % 2 === 1) refuse(invalidSave(args));
  const pairs: string[] = [];
  for (let j = 0; j < list.length; j += 2) {
    const seconds = strtoll(list[j]!);
    const changes = strtoll(list[j + 1]!);
    if (seconds.rest !== '' || seconds.value < 1n || changes.rest !== '' || changes.value < 0n) {
      refuse(invalidSave(args));
    }
    // `changes` is an int in the server.
    pairs.push(`${seconds.value} ${BigInt.asIntN(32, changes.value)}`);
  }
  for (const pair of pairs) points.push(pair);
  return { ignored: false };
}

function invalidSave(args: readonly string[]): string {
  const hint = args.some((a) => a.startsWith('#'))
    ? ": redis.conf has no inline comments (the '#' and every word after it are read as more arguments)"
    : ': save takes <seconds> <changes> pairs, seconds >= 1 and changes >= 0';
  return `Invalid save parameters${hint}`;
}

function parseBind(args: readonly string[]): string {
  if (args.length > 16) refuse('Too many bind addresses specified (at most 16)');
  if (args.length === 1 && args[0] === '') return '';
  const comment = args.find((a) => a.startsWith('#'));
  if (comment !== undefined) {
    refuse(
      `bind address '${comment}' is not an address: redis.conf has no inline comments, so the '#' and every ` +
        `word after it are read as more addresses (redis-server fails to listen and exits)`,
    );
  }
  return args.join(' ');
}

function parseReplicaof(args: readonly string[]): string {
  if (args.length !== 2) refuse(wrongArgs('replicaof', args, 'a host and a port (or "no one")'));
  if (asciiLower(args[0]!) === 'no' && asciiLower(args[1]!) === 'one') return '';
  const port = strtoll(args[1]!);
  const asInt = BigInt.asIntN(32, port.value);
  if (port.rest !== '' || asInt < 0n || asInt > 65535n) refuse(`Invalid master port '${args[1]!}'`);
  return `${args[0]!} ${asInt}`;
}

const CLIENT_CLASSES: Readonly<Record<string, string>> = {
  normal: 'normal',
  slave: 'slave',
  replica: 'slave',
  pubsub: 'pubsub',
};

function parseBufferLimits(args: readonly string[], limits: Map<string, string>): void {
  if (args.length % 4 !== 0) refuse('Wrong number of arguments in buffer limit configuration.');
  const staged = new Map<string, string>();
  for (let j = 0; j < args.length; j += 4) {
    const cls = CLIENT_CLASSES[asciiLower(args[j]!)];
    if (cls === undefined) refuse(`Invalid client class specified in buffer limit configuration: '${args[j]!}'`);
    const hard = memtoull(args[j + 1]!);
    const soft = memtoull(args[j + 2]!);
    const seconds = strtoll(args[j + 3]!);
    if (hard === undefined || soft === undefined || seconds.rest !== '' || seconds.value < 0n) {
      refuse('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    }
    staged.set(cls, `${hard} ${soft} ${BigInt.asIntN(64, seconds.value)}`);
  }
  for (const [cls, v] of staged) limits.set(cls, v);
}

function parseOomValues(args: readonly string[]): string {
  if (args.length !== 3) refuse(wrongArgs('oom-score-adj-values', args, 'three values'));
  return args
    .map((a) => {
      const v = strtoll(a);
      if (v.rest !== '' || v.value < -2000n || v.value > 2000n) {
        refuse('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
      }
      return v.value.toString();
    })
    .join(' ');
}

/** `keyspaceEventsStringToFlags` / `keyspaceEventsFlagsToString` (src/notify.c). */
function parseKeyspaceEvents(arg: string): string {
  const classes = 'g$lshzxetdn';
  const set = new Set<string>();
  for (const c of arg) {
    if (c === 'A') for (const a of 'g$lshzxetd') set.add(a);
    else if (classes.includes(c) || 'KEm'.includes(c)) set.add(c);
    else refuse(`Invalid event class character '${c}' in notify-keyspace-events. Use 'Ag$lshzxeKEtmdn'.`);
  }
  // `A` stands for every class but `n` (new keys), which the server then no longer shows.
  const all = [...'g$lshzxetd'].every((c) => set.has(c));
  let out = all ? 'A' : [...'g$lshzxetdn'].filter((c) => set.has(c)).join('');
  for (const c of 'KEm') if (set.has(c)) out += c;
  return out;
}

function parsePercentiles(args: readonly string[]): string {
  if (args.length === 1 && args[0] === '') return '';
  return args
    .map((a) => {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(a)) refuse('Invalid latency-tracking-info-percentiles parameters');
      const v = Number(a);
      if (v > 100 || v < 0) refuse('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
      return formatPercentile(v);
    })
    .join(' ');
}
