import { isAbsolute, join, normalize, resolve } from 'node:path';
import { digestPassword, parseAclUser, AclSyntaxError } from '../../acl/parse.ts';
import type { AclUser, ConfigMap, Fact, OverriddenSecret, SecretDigest, SecretMap, Source } from '../../facts/types.ts';
import {
  DIRECTIVES,
  TABLED_LINES,
  defaultFor,
  deprecatedIn,
  directivesJudged,
  existsIn,
  existsInVersion,
  followsRedis6,
  nameExistsInVersion,
  lookupFileDirective,
  resolveVersion,
  sentinelWithoutAcl,
} from '../../redis/directives.ts';
import type { ServerVersion } from '../../redis/directives.ts';
import { SECRET_DIRECTIVES } from '../../redis/secrets.ts';
import { ConfigParseError, Refused, aclErrorText, quotedArg, refuse } from './conf-errors.ts';
import type { ParsedConf } from './includes.ts';
import { withJoinedLine } from './includes.ts';
import { sentinelFromDirectives } from './sentinel-conf.ts';
import type { SentinelConf } from './sentinel-conf.ts';
import { memtoll6 } from './c-numbers.ts';
import { splitArgs } from './split-args.ts';
import { asciiLower, directiveShaped, isKnownDirective, unknownDirective } from './tokenize.ts';
import { addedInPatch, beforeAcl, builtinModuleConfig } from '../../redis/directives.ts';
import { unjudgedWhy } from '../../redis/releases.ts';
import { commandOfEveryRelease, commandsKnown, renameableCommand, sentinelCommand, unjudgedCommandWarning, unknownCommandRule, unknownCommandText } from '../../acl/known-commands.ts';
import type { Directive } from './tokenize.ts';
import {
  applySave,
  bindCommentProblem,
  parseBind,
  parseBool,
  parseBufferLimits,
  parseEnum,
  parseKeyspaceEvents,
  parseNumber,
  parseOomValues,
  parsePercentiles,
  parseReplicaof,
  parseString,
  parseUnixSocketPerm6,
} from './values.ts';

export interface EffectiveConf {
  /** Every config directive in `CONFIG GET` form: from the file where set, else the compiled default. */
  readonly config: ConfigMap;
  /** `requirepass`, `masterauth`, `tls-key-file-pass`, `tls-client-key-file-pass` as digests. */
  readonly secrets: SecretMap;
  /** The inline ACL: `user` lines, in order. Empty when `usersUnread`. */
  readonly users: readonly AclUser[];
  /**
   * Why the `user` lines are not judged: more than redfort reads on one server (ParsedConf.usersPast). The rest of
   * the configuration is read.
   */
  readonly usersUnread?: string;
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
  /** Config directives and secrets set on more than one line (of one file or several): every line, in order; the last wins. */
  readonly repeated: ReadonlyMap<string, readonly Source[]>;
  /** Secrets set on more than one line: each line before the one in `secrets`, in order, as a digest and its spelling. */
  readonly overriddenSecrets: ReadonlyMap<string, readonly OverriddenSecret[]>;
  /** Directives whose deciding line names them by an alias (`primaryauth` for `masterauth`): canonical name to the name written. */
  readonly spelled: ReadonlyMap<string, string>;
  /**
   * Whether `dir` (from a `dir` line) depends on the directory redis-server was started in: every `dir` line up to the
   * last is relative (`dir ./`), so its value here is resolved against an assumed start directory, not necessarily
   * the server's. False when an absolute `dir` line anchors it, or no line sets it.
   */
  readonly dirStartRelative: boolean;
}

export interface EffectiveOptions {
  /** The server version (`7.0.15`, `6.2.16`, `valkey-8.0.1`); decides defaults and version quirks. Default: Redis 7.x. */
  readonly version?: string;
  /** Whether the file is a Sentinel config; default: when it has `sentinel` directives. */
  readonly sentinel?: boolean;
  /** What the running server says of its modules beyond `loadmodule` lines (FileInputs.modules). */
  readonly modules?: 'loaded' | 'unknown';
  /**
   * Whether `version` is the server's own (given by the user, or answered by the running server), so that a directive
   * that version does not have is the line it stops at ({@link ConfigParseError}), as any other line it refuses.
   * Default: a warning.
   */
  readonly versionKnown?: boolean;
  /**
   * Whether the directory redis-server starts in is unknown (an audit of the files alone): `dir` is then the server's
   * working directory as the lines leave it, the default `./` and a chain of relative lines kept relative, not
   * resolved against `parsed.cwd`, which only assumes it (FileInputs.offline).
   */
  readonly startDirUnknown?: boolean;
  /**
   * Told of the last `bind` line when redis-server cannot listen on it ({@link bindCommentProblem}), instead of the
   * {@link ConfigParseError} the file is refused with: for harden, which replaces that line (FileInputs.unlistenableBind).
   */
  readonly unlistenableBind?: (at: UnlistenableBind) => void;
}

/** A `bind` line redis-server cannot listen on, and why. */
export interface UnlistenableBind {
  readonly path: string;
  readonly line: number;
  readonly problem: string;
}

const SAVE_LIMIT_CLASSES = ['normal', 'slave', 'pubsub'] as const;

function fileSource(d: Directive): Source {
  return { kind: 'file', path: d.source.path, line: d.source.line };
}

/**
 * The warning for a directive no release of the tables has, on a version whose directives are not judged
 * ({@link directivesJudged}): the server may have it (a Redis 8.8 directive), or, with a module loaded, a module may
 * (Redis 8 lets a module name its configs without its prefix). In the words of the ACL reader's warning.
 */
function unjudgedDirectiveWarning(d: Directive, version: string | undefined, modules: boolean): string {
  const why = unjudgedWhy(version, 'directives', modules ? 'that server, or a module it loads, may have it' : 'that server may have it');
  return `${d.source.path}:${d.source.line}: ${unknownDirective(d.name)}: not in ${TABLED_LINES}, those refuse to start with it (${why})`;
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
 *
 * A directive the given version does not have is a warning (the version may be a guess), unless a later line (or a
 * check once the file is read) is refused: the server then stops at that directive first, and so does the error.
 */
export function effectiveConfig(parsed: ParsedConf, options: EffectiveOptions = {}): EffectiveConf {
  try {
    return effectiveOf(parsed, options);
  } catch (error) {
    // A glob match's last line joined to the next match's first: the error says so (QA41-109).
    throw withJoinedLine(parsed.joined, error);
  }
}

function effectiveOf(parsed: ParsedConf, options: EffectiveOptions): EffectiveConf {
  const early: EarlyRefusal = {};
  const stopsHere = (first: NonNullable<EarlyRefusal['notInVersion']>, before: string): ConfigParseError =>
    new ConfigParseError(first.path, first.line, `${first.what}: redis-server ${resolveVersion(options.version).label} stops at this line (Bad directive or wrong number of arguments)${before}`);
  let effective: EffectiveConf;
  try {
    effective = readEffective(parsed, options, early);
  } catch (error) {
    const first = early.notInVersion;
    if (!(error instanceof ConfigParseError) || first === undefined) throw error;
    const same = error.path === first.path && error.line === first.line;
    throw stopsHere(first, same ? '' : `, before ${error.message}`);
  }
  const first = early.notInVersion ?? early.sentinelNotInVersion;
  if (options.versionKnown === true && first !== undefined) {
    if (first === early.notInVersion) throw stopsHere(first, '');
    throw new ConfigParseError(first.path, first.line, `${first.what}: Sentinel ${resolveVersion(options.version).label} stops at this line (Unrecognized sentinel configuration statement)`);
  }
  return effective;
}

/** The first line the version refuses that {@link readEffective} only warns about. */
interface EarlyRefusal {
  notInVersion?: { readonly path: string; readonly line: number; readonly what: string };
  /** The same for a `sentinel` line (a sentinel.conf). */
  sentinelNotInVersion?: { readonly path: string; readonly line: number; readonly what: string };
}

function readEffective(parsed: ParsedConf, options: EffectiveOptions, early: EarlyRefusal): EffectiveConf {
  const version = resolveVersion(options.version);
  const six = followsRedis6(version);

  const config = new Map<string, Fact<string>>();
  const secrets = new Map<string, Fact<SecretDigest>>();
  const users: AclUser[] = [];
  const userLines = new Map<string, Directive>();
  /**
   * Every `user` line in order, with its first rule naming no command or category of the version (by the grammar
   * alone): the server applies each line once the file is read, a 6.x user given twice too (`users` keeps the last).
   */
  const userLoads: { readonly user: AclUser; readonly unknown: AclSyntaxError | undefined }[] = [];
  const renames = new Map<string, Fact<string>>();
  /** Each renamed command's name now (lowercased) to its original name: one lookup a line, not a walk of them all. */
  const renamedTo = new Map<string, string>();
  const includes: Fact<string>[] = [];
  const modules: Fact<string>[] = [];
  const sentinelLines: Directive[] = [];
  const warnings: string[] = [];
  const repeated = new Map<string, Source[]>();
  const overriddenSecrets = new Map<string, OverriddenSecret[]>();
  const spelled = new Map<string, string>();

  const startDirUnknown = options.startDirUnknown === true;
  let cwd = startDirUnknown ? undefined : parsed.cwd;
  /** Whether a `dir` line was read, and whether one of them was absolute (then the last one's value is known). */
  let dirLine = false;
  let dirAnchored = false;
  /** Directives no release of the tables has, on a version whose directives are not judged (directivesJudged). */
  const unjudged: Directive[] = [];
  /** The first module config (`name.option`): a 7.0+ server refuses it after reading the file when no module loads. */
  let moduleConfig: Directive | undefined;
  /**
   * Redis 8.0 and later (live 8.0.6, 8.6.3; not 8.0-M01, 7.9.224, whose loadConf refuses it) queue every unknown
   * directive with a value as a module config, checked once the modules are loaded: without a `loadmodule` line it
   * stops the server then ("Module Configuration detected without loadmodule directive"), with one it is the module's
   * to take (redis-full.conf's `search-*`, `ts-*`, `bf-*`). Valkey (9.1.2) keeps 7.x's `module.name` alone.
   */
  const redis8 = options.version !== undefined && version.product === 'redis' && version.major >= 8;
  /** Unknown names with a value that Redis 8 takes for a module's config (`moduleConfig` is the first). */
  const unprefixed: Directive[] = [];
  const loadsModules = options.modules === 'loaded' || parsed.directives.some((d, i) => (!parsed.stopped || i < parsed.stopped.after) && d.name === 'loadmodule' && d.args.length > 0);
  const savePoints: string[] = [];
  let saveSeen = false;
  let lastSave: Source | undefined;
  /** The last `bind` line, when the server cannot listen on what it says (an inline comment, a `#` in an address). */
  let lastBind: { readonly path: string; readonly line: number; readonly problem: string } | undefined;
  const bufferLimits = new Map<string, string>(
    [['normal', '0 0 0'], ['slave', '268435456 67108864 60'], ['pubsub', '33554432 8388608 60']],
  );

  // A Sentinel has its own commands from the start, before the first line (its `sentinel` lines may come later).
  const sentinelMode = options.sentinel ?? parsed.directives.some((d, i) => (!parsed.stopped || i < parsed.stopped.after) && d.name === 'sentinel' && d.args.length > 0);

  const apply = (d: Directive): void => {
    const source = fileSource(d);
    const name = d.name;

    if (name === 'include') {
      includes.push({ value: d.args[0]!, source });
      // Glob includes came with 7.0 (loadConf expands them whatever the version): 6.x fopen()s the pattern itself.
      if (six && /[*?[]/.test(d.args[0]!)) {
        warnings.push(
          `${d.source.path}:${d.source.line}: ${version.label} has no glob includes: it opens ${quotedArg(d.args[0]!)} as one file ` +
            `name, and redis-server refuses to start unless a file has that very name`,
        );
      }
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
      // Modules are loaded after the config is read: at this line the server has its own commands only.
      applyRename(renames, renamedTo, d, commandsKnown(options.version, options.modules ?? 'none'), version, sentinelMode);
      return;
    }
    if (name === 'user') {
      // Redis before 6.0 has no ACL: its loader has no `user` branch and stops at the line (QA41-115), as at aclfile.
      if (options.version !== undefined && beforeAcl(version)) {
        early.notInVersion ??= { path: d.source.path, line: d.source.line, what: `'user' is not a ${version.label} directive` };
        warnings.push(`${d.source.path}:${d.source.line}: 'user' is not a ${version.label} directive (redis-server ${version.label} would refuse it: Bad directive or wrong number of arguments)`);
        return;
      }
      let unknown: AclSyntaxError | undefined;
      const user = parseUserLine(d, options.version, (error) => (unknown ??= error));
      userLoads.push({ user, unknown });
      const previous = userLines.get(user.name);
      if (previous !== undefined) {
        if (!six) {
          refuse(
            `Error in user declaration ${quotedArg(user.name)}: Duplicate user found. A user can only be defined once in ` +
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
    const spec = lookupFileDirective(name);
    if (deprecatedIn(name, version.key) && (!spec || !existsIn(spec, version.key))) return;
    if (!spec) {
      // A module's own config (`module.name`) is checked by the module; any other unknown name stops redis-server.
      if (name.includes('.')) {
        // 6.x has no module configs: an unknown directive. 7.0+ takes them while reading and refuses to start when no
        // module claims them; with no `loadmodule` line before or after, none can ("Module Configuration detected
        // without loadmodule directive or no ApplyConfig call: aborting", live 7.0.15).
        if (six) refuse(`${unknownDirective(name)}: Redis 6.x has no module configs (redis-server refuses to start: Bad directive or wrong number of arguments)`);
        moduleConfig ??= d;
        config.set(name, { value: d.args.join(' '), source });
        return;
      }
      if (!isKnownDirective(name)) {
        // A version redfort has no directives for (newer than its tables, or unknown) may have it: a warning, once
        // every line is read (a `loadmodule` line may come later). A word no directive looks like is refused anyway.
        if (!directivesJudged(options.version) && directiveShaped(name)) {
          unjudged.push(d);
          return;
        }
        // Redis 8 takes any other name with a value as a module's config, as 7.x takes only `module.name`: its
        // modules name theirs without a prefix (redis-full.conf's `search-workers`, `ts-num-threads`).
        if (d.args.length > 0) {
          if (redis8 && builtinModuleConfig(name, version.key)) {
            config.set(name, { value: d.args.join(' '), source });
            return;
          }
          if (redis8) {
            moduleConfig ??= d;
            unprefixed.push(d);
            config.set(name, { value: d.args.join(' '), source });
            return;
          }
          // The version not given: Redis 8 may take it (a module a `loadmodule` line loads, or 8.6's built-in vector
          // sets); every other release stops at this line.
          if (options.version === undefined && directiveShaped(name) && (loadsModules || builtinModuleConfig(name, 'r8.6'))) {
            config.set(name, { value: d.args.join(' '), source });
            return;
          }
        }
        const redis8Too = options.version === undefined && d.args.length > 0 ? '; Redis 8 once it has read the file: Module Configuration detected without loadmodule directive' : '';
        refuse(`${unknownDirective(name)} (not in ${TABLED_LINES}): redis-server refuses to start (Bad directive or wrong number of arguments${redis8Too})`);
      }
      return;
    }
    if (options.version !== undefined && !nameExistsInVersion(name, spec, version) && !directivesJudged(options.version)) {
      // A release newer than the tables (Redis 8.8): judged by the newest table of its line, which it may outgrow.
      const table = `${version.key.startsWith('v') ? 'Valkey' : 'Redis'} ${version.key.slice(1)}`;
      warnings.push(`${d.source.path}:${d.source.line}: ${quotedArg(name)} is not a ${table} directive, the newest release of that line redfort knows (${unjudgedWhy(options.version, 'directives')})`);
    } else if (options.version !== undefined && !nameExistsInVersion(name, spec, version)) {
      // A directive a later patch of this line brought (QA41-16): named with the release, and the first that has it.
      const patch = addedInPatch(spec, version);
      const notA = patch !== undefined ? `${quotedArg(name)} is not a directive of ${version.label}.${version.patch} (added in ${patch})` : `${quotedArg(name)} is not a ${version.label} directive`;
      early.notInVersion ??= { path: d.source.path, line: d.source.line, what: notA };
      warnings.push(
        `${d.source.path}:${d.source.line}: ${notA} ` +
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
        // A name only later lines accept (Redis 8.6's `allkeys-lrm`) is refused by a release judged before them.
        value = parseEnum(args, spec, options.version !== undefined && directivesJudged(options.version) ? version.key : undefined);
        // `loglevel nothing` came with 7.2 (redis@6.2.16:src/config.c:71 has four levels; live 7.0.15 refuses it).
        if (spec.name === 'loglevel' && value === 'nothing' && (six || version.key === 'r7.0')) {
          refuse(`'loglevel': argument(s) must be one of the following: debug, verbose, notice, warning (${version.label} has no 'nothing')`);
        }
        break;
      case 'string':
        value = parseString(args[0]!, spec, {
          version,
          valueSoFar: (n) => config.get(n)?.value,
          sentinel: options.sentinel ?? sentinelLines.length > 0,
        });
        break;
      case 'number':
        if (spec.name === 'client-query-buffer-limit' && version.key === 'r6.0') {
          value = clientQueryBufferLimit60(args[0]!);
          const small = queryLimitWarning(BigInt.asUintN(64, BigInt(value)));
          if (small !== undefined) warnings.push(`${d.source.path}:${d.source.line}: ${small}`);
          break;
        }
        value = spec.name === 'unixsocketperm' && six ? parseUnixSocketPerm6(args[0]!) : parseNumber(args[0]!, spec, six);
        // 7.4 and Valkey 8 bound it to 64 (redis@7.4.1:src/config.c:3163, valkey@8.0.1:3184; 7.2.6: INT_MAX), and so
        // do redis 8.0.6, 8.6.3 and valkey 8.1.1, 9.1.2.
        if (spec.name === 'maxmemory-samples' && !['r6.0', 'r6.2', 'r7.0', 'r7.2', 'v7.2'].includes(version.key) && BigInt(value) > 64n) {
          refuse(`'maxmemory-samples': argument must be between 1 and 64 inclusive (got ${quotedArg(args[0]!)})`);
        }
        break;
      case 'special':
        switch (spec.name) {
          case 'dir':
            // CONFIG GET dir returns the absolute working directory the server chdir'ed into.
            value = resolveDir(cwd, args[0]!, startDirUnknown);
            cwd = value;
            dirLine = true;
            dirAnchored ||= isAbsolute(args[0]!) || /^[A-Za-z]:[\\/]/.test(args[0]!);
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
          case 'bind': {
            value = parseBind(args);
            const problem = bindCommentProblem(args, { six, release: version.label, beforeOptional: options.version !== undefined && version.key === 'r6.0' });
            lastBind = problem === undefined ? undefined : { path: d.source.path, line: d.source.line, problem };
            break;
          }
          case 'replicaof':
            value = parseReplicaof(args);
            break;
          case 'client-output-buffer-limit':
            parseBufferLimits(args, bufferLimits, six);
            value = SAVE_LIMIT_CLASSES.map((c) => `${c} ${bufferLimits.get(c)!}`).join(' ');
            break;
          case 'oom-score-adj-values':
            value = parseOomValues(args);
            break;
          case 'notify-keyspace-events':
            value = parseKeyspaceEvents(args[0]!, version);
            break;
          case 'latency-tracking-info-percentiles':
            value = parsePercentiles(args);
            break;
          default:
            value = args.join(' ');
        }
        break;
    }

    // 6.0 refuses a password longer than CONFIG_AUTHPASS_MAX_LEN, 512 bytes up to its first NUL (strlen,
    // redis@6.0.20:src/config.c:494); 6.2 dropped the check. Live 6.0.20 refuses 513 `p`s and 257 `é`s, takes 512 and
    // 10 bytes, `\x00`, then 600 more; 6.2.16 takes 513.
    if (spec.name === 'requirepass' && version.key === 'r6.0' && Buffer.byteLength(value.split('\0', 1)[0]!, 'utf8') > 512) {
      refuse(`'requirepass': Password is longer than CONFIG_AUTHPASS_MAX_LEN (512 bytes; not shown): ${version.label} refuses to start (6.2 and later take it)`);
    }

    const secret = SECRET_DIRECTIVES.has(spec.name) || SECRET_DIRECTIVES.has(name);
    // Only file lines are in the maps yet (defaults are filled after the last line).
    const earlier = (secret ? secrets : config).get(spec.name)?.source;
    if (earlier !== undefined) {
      const lines = repeated.get(spec.name);
      if (lines) lines.push(source);
      else repeated.set(spec.name, [earlier, source]);
      // The line overridden still holds its password on disk (QA38-9): kept as its digest, with how it was spelled.
      if (secret) {
        const before = { ...secrets.get(spec.name)!, name: spelled.get(spec.name) ?? spec.name };
        overriddenSecrets.set(spec.name, [...(overriddenSecrets.get(spec.name) ?? []), before]);
      }
    }
    if (name !== spec.name) spelled.set(spec.name, name);
    else spelled.delete(spec.name);
    if (secret) {
      secrets.set(spec.name, { value: digestPassword(value), source });
    } else {
      config.set(spec.name, { value, source });
    }
  };

  const stopped = parsed.stopped;
  for (const [i, d] of parsed.directives.entries()) {
    if (stopped && i >= stopped.after) break;
    try {
      apply(d);
    } catch (err) {
      if (err instanceof Refused) throw new ConfigParseError(d.source.path, d.source.line, err.message);
      throw err;
    }
  }
  // The line redis-server stops at when no line before it is refused (loadConf's deferErrors).
  if (stopped) throw stopped.error;
  // Checked once every line is read, as the server does before loading modules.
  if (moduleConfig && modules.length === 0 && options.modules !== 'loaded') {
    const name = unknownDirective(moduleConfig.name).replace(/^unknown directive /, '');
    const what = moduleConfig.name.includes('.')
      ? `module config ${name}`
      : `${unknownDirective(moduleConfig.name)}, which ${version.label} takes for a module's config,`;
    throw new ConfigParseError(moduleConfig.source.path, moduleConfig.source.line, `${what} without a loadmodule line: redis-server refuses to start once it has read the file (Module Configuration detected without loadmodule directive)`);
  }
  // Redis 8 with a module loaded: the name is the module's to declare, else the server stops once it has loaded them.
  for (const line of modules.length > 0 || options.modules === 'loaded' ? unprefixed : []) {
    warnings.push(
      `${line.source.path}:${line.source.line}: ${unknownDirective(line.name)} is no ${version.label} directive: ${version.label} takes it for a module's config, which a module it loads must declare (else redis-server refuses to start once the modules are loaded: Module Configuration detected without loadmodule directive or no ApplyConfig call)`,
    );
  }
  for (const d of unjudged) warnings.push(unjudgedDirectiveWarning(d, options.version, modules.length > 0 || options.modules === 'loaded'));

  if (lastSave) config.set('save', { value: savePoints.join(' '), source: lastSave });

  // The server listens on the bind addresses only with a TCP port: `port 0` and no `tls-port` (the unix socket alone)
  // start with any (live 6.0.20 to 8.0-m01, 7.0.15 and Valkey 8.0.1 with `bind 127.0.0.1#x` or `bind 127.0.0.1 #x`,
  // `port 0` and a unixsocket).
  const listens = (name: 'port' | 'tls-port'): boolean => {
    const value = config.get(name)?.value;
    return value === undefined ? name === 'port' : Number(value) !== 0;
  };
  if (lastBind !== undefined && (listens('port') || listens('tls-port'))) {
    if (!options.unlistenableBind) throw new ConfigParseError(lastBind.path, lastBind.line, lastBind.problem);
    options.unlistenableBind(lastBind);
  }
  // No listener at all: no TCP port (or, 7.0+, `bind ""`: no address for it) and no unix socket. redis-server and
  // redis-sentinel exit once the file is read ('Configured to not listen anywhere, exiting.', exit 1: live 6.0.20,
  // 6.2.16, 7.0.15, 7.2.6, Valkey 8.0.1 with `port 0`; 7.0.15 and 7.2.6 with `bind ""`, port set or not, tls-port too).
  const bind = config.get('bind');
  const noAddress = !six && bind?.value === '' && bind.source.kind === 'file';
  const tcp = (listens('port') || listens('tls-port')) && !noAddress;
  if (!tcp && !config.get('unixsocket')?.value) {
    const port = config.get('port');
    const at = !listens('port') && port?.source.kind === 'file' ? port.source : noAddress && bind.source.kind === 'file' ? bind.source : undefined;
    if (at !== undefined && at.kind === 'file') {
      const what = noAddress ? `bind "" (no address from 7.0 on)${listens('port') || listens('tls-port') ? '' : ', port 0'}` : `port 0${config.get('tls-port') ? ', tls-port 0' : ''}`;
      throw new ConfigParseError(at.path, at.line, `${what} and no unixsocket: ${options.sentinel ?? sentinelLines.length > 0 ? 'Sentinel' : 'redis-server'} listens nowhere and exits once it has read the file (Configured to not listen anywhere, exiting.)`);
    }
  }
  // Unknown version: read as 7.x, `bind ""` with a unix socket starts; 6.x would not.
  if (noAddress && options.version === undefined && (listens('port') || listens('tls-port'))) {
    warnings.push(`${formatAt(bind.source)}: bind "" is no address on Redis 7.0 and later (no TCP listener), but one empty address on 6.x, which fails to listen and exits ('Name or service not known'): give --redis-version to judge it`);
  }
  // Clamped after loading (redis@7.0.15:src/config.c:613, 6.2.16:626): `hz 0` reads back as 1. 6.0 clamps only on
  // CONFIG SET (redis@6.0.20:src/config.c:2144): live 6.0.20 reads `hz 586` back as 586.
  // 6.0 then divides by hz, and by 1000 / hz (run_with_period, redis@6.0.20:src/server.h:465): live 6.0.20 dies of
  // SIGFPE or SIGSEGV in serverCron as it starts with `hz 0` or `hz 1001`, and runs with `hz 1000`.
  const hz60 = version.key === 'r6.0' ? config.get('hz') : undefined;
  if (hz60 !== undefined && hz60.source.kind === 'file' && (BigInt(hz60.value) < 1n || BigInt(hz60.value) > 1000n)) {
    throw new ConfigParseError(
      hz60.source.path,
      hz60.source.line,
      `'hz ${hz60.value}': ${version.label} takes it, then crashes as it starts (serverCron divides by hz and by 1000/hz; ` +
        `6.2 and later clamp hz to 1-500): in effect redis-server refuses to run with it`,
    );
  }
  const hz = version.key === 'r6.0' ? undefined : config.get('hz');
  if (hz !== undefined) {
    const clamped = BigInt(hz.value) < 1n ? '1' : BigInt(hz.value) > 500n ? '500' : hz.value;
    if (clamped !== hz.value) config.set('hz', { value: clamped, source: hz.source });
  }

  const isSentinel = options.sentinel ?? sentinelLines.length > 0;
  if (options.sentinel === false && sentinelLines.length > 0) {
    const d = sentinelLines[0]!;
    throw new ConfigParseError(d.source.path, d.source.line, 'sentinel directive while not in sentinel mode');
  }
  const sentinel = isSentinel ? sentinelFromDirectives(sentinelLines, { version: options.version, warn: (message) => warnings.push(message), notInVersion: (at) => (early.sentinelNotInVersion ??= at) }) : undefined;

  fillDefaults(config, secrets, version, { cwd: startDirUnknown ? undefined : parsed.cwd, startDirUnknown, sentinel: isSentinel });

  // Users are made at start after every line is read (and every module loaded): a rule naming a command, subcommand
  // or category the server does not have stops it there.
  // With the version unknown or one the table does not hold (8.0, KeyDB), the server may have the command: a warning.
  const moduleState = modules.length > 0 ? 'loaded' : (options.modules ?? 'none');
  const judged = commandsKnown(options.version, moduleState);
  // A 6.0 sentinel loads neither `user` lines nor an aclfile (sentinelWithoutAcl).
  const loadsUsers = !(isSentinel && sentinelWithoutAcl(version));
  if (userLoads.length > 0) {
    for (const { user, unknown } of userLoads) {
      // What the grammar alone knows unknown (a category of a version before 7.4, `+`, 6.x's `-config|get`): modules
      // or not, known commands or not.
      if (loadsUsers && unknown !== undefined && user.source.kind === 'file') {
        throw new ConfigParseError(user.source.path, user.source.line, `Error in user declaration ${quotedArg(user.name)}: ${aclErrorText(unknown)} (redis-server refuses to start once it has read the file)`);
      }
      if (moduleState === 'loaded') continue;
      const rule = unknownCommandRule(user, options.version, moduleState, { reader: isSentinel ? 'sentinel' : 'server' });
      if (rule === undefined || user.source.kind !== 'file') continue;
      if (judged) throw new ConfigParseError(user.source.path, user.source.line, `Error in user declaration ${quotedArg(user.name)}: ${unknownCommandText(rule, version.label, { sentinel: isSentinel })} (${isSentinel ? 'Sentinel' : 'redis-server'} refuses to start)`);
      warnings.push(unjudgedCommandWarning(`${user.source.path}:${user.source.line}`, user.name, rule, options.version));
    }
  }

  const aclfile = config.get('aclfile');
  // A 6.0 sentinel loads neither, so it does not check them against each other.
  const past = parsed.usersPast;
  if (loadsUsers && (users.length > 0 || past !== undefined) && aclfile !== undefined && aclfile.value !== '') {
    const first = userLines.values().next().value?.source ?? past!;
    throw new ConfigParseError(
      first.path,
      first.line,
      `'user' lines and 'aclfile' (${formatAt(aclfile.source)}) are both set: redis-server refuses to start ` +
        `(define the users in one place)`,
    );
  }

  return {
    config,
    secrets,
    users: past === undefined ? users : [],
    ...(past === undefined ? {} : { usersUnread: past.reason }),
    renames,
    includes,
    modules,
    ...(sentinel ? { sentinel } : {}),
    warnings,
    repeated,
    overriddenSecrets,
    spelled,
    dirStartRelative: dirLine && !dirAnchored,
  };
}

/**
 * 6.0 reads `client-query-buffer-limit` with its own line: `memtoll(arg, NULL)`, no error and no bounds, what it
 * cannot read is 0 (redis@6.0.20:src/config.c:476; live 6.0.20 answers `-5` as -5 (huge as a size_t), `100` as 100, and `0x10` as 0). 6.2 made it a
 * checked memory config of at least 1mb.
 */
function clientQueryBufferLimit60(arg: string): string {
  return (memtoll6(arg) ?? 0n).toString();
}

/** What a 6.0 query buffer limit below 1mb does: a client whose command is longer is disconnected. */
function queryLimitWarning(limit: bigint): string | undefined {
  if (limit >= 1024n * 1024n) return undefined;
  // Live 6.0.20 with 0 (or what it cannot read) closes the connection of every client at its first command.
  if (limit < 64n) {
    return `'client-query-buffer-limit' is ${limit} bytes: Redis 6.0 takes it unchecked, then closes every client's connection at its first command (in effect it refuses clients; 6.2 and later start only with 1mb or more)`;
  }
  return `'client-query-buffer-limit' is ${limit} bytes: Redis 6.0 takes it unchecked (6.2 and later start only with 1mb or more), and disconnects a client whose command is longer`;
}

function formatAt(source: Source): string {
  return source.kind === 'file' ? `${source.path}:${source.line}` : source.kind;
}

/**
 * Where `dir` leaves the server, as `getcwd()` reports it: absolute and normalised. Windows paths
 * (`c:\data`, from the Windows ports) are kept as written; a relative path stays relative when the
 * starting directory is unknown (`unknownStart`: normalised, and a later relative line joined to it).
 */
function resolveDir(cwd: string | undefined, arg: string, unknownStart = false): string {
  if (/^[A-Za-z]:[\\/]/.test(arg)) return arg;
  if (isAbsolute(arg)) return resolve(arg);
  if (cwd === undefined) return unknownStart ? normalize(arg) : arg;
  return unknownStart && !isAbsolute(cwd) ? join(cwd, arg) : resolve(cwd, arg);
}

function fillDefaults(
  config: Map<string, Fact<string>>,
  secrets: Map<string, Fact<SecretDigest>>,
  version: ServerVersion,
  context: { cwd: string | undefined; startDirUnknown?: boolean; sentinel: boolean },
): void {
  for (const d of compiledDefaults(version, context.sentinel)) {
    if (config.has(d.name) || secrets.has(d.name)) continue;
    if (d.name === 'dir') {
      // The working directory the server was started in: the one default that is not the version's alone.
      if (context.startDirUnknown === true) {
        config.set('dir', { value: './', source: { kind: 'default', note: `${d.note}: the working directory redis-server was started in, which an audit of the files alone does not know` } });
        continue;
      }
      if (context.cwd === undefined) continue;
      config.set('dir', { value: context.cwd, source: { kind: 'default', note: `${d.note}: the working directory redis-server was started in (assumed ${context.cwd})` } });
    } else if (d.secret) secrets.set(d.name, d.fact as Fact<SecretDigest>);
    else config.set(d.name, d.fact as Fact<string>);
  }
}

interface CompiledDefault {
  readonly name: string;
  readonly secret: boolean;
  /** Undefined for `dir`, whose default is the server's working directory. */
  readonly fact: Fact<string> | Fact<SecretDigest> | undefined;
  readonly note: string;
}

/**
 * The compiled defaults of a version, server or sentinel, in the directive table's order, made once and shared by
 * every file of that version a run reads (facts are never changed once made): a fleet fills some 200 defaults per
 * target, each looked up in the version's table, and its secrets digested. Bounded: a server's word makes the
 * version, started afresh when full.
 */
function compiledDefaults(version: ServerVersion, sentinel: boolean): readonly CompiledDefault[] {
  const key = `${version.product} ${version.major}.${version.minor} ${version.key} ${version.label} ${sentinel}`;
  const known = COMPILED_DEFAULTS.get(key);
  if (known) return known;
  const note = `compiled default of ${version.label}`;
  // One source for every plain default (most of some 200 directives a config file leaves out), not one each.
  const compiled: Source = { kind: 'default', note };
  const made: CompiledDefault[] = [];
  for (const spec of DIRECTIVES) {
    if (!existsInVersion(spec, version)) continue;
    const secret = SECRET_DIRECTIVES.has(spec.name);
    if (spec.name === 'dir') {
      made.push({ name: spec.name, secret, fact: undefined, note });
      continue;
    }
    let value = defaultFor(spec, version.key);
    let why = note;
    if (spec.name === 'save' && version.key === 'r6.0') {
      why = `${note}: 6.0 drops its save points whenever it is started with a config file`;
    } else if (sentinel && spec.name === 'port') {
      value = '26379';
      why = `Sentinel default of ${version.label} (initSentinelConfig)`;
    } else if (sentinel && spec.name === 'protected-mode') {
      value = 'no';
      why = `Sentinel default of ${version.label}: initSentinelConfig turns protected mode off`;
    }
    const source: Source = why === note ? compiled : { kind: 'default', note: why };
    made.push({ name: spec.name, secret, fact: secret ? { value: digestPassword(value), source } : { value, source }, note });
  }
  if (COMPILED_DEFAULTS.size >= MAX_COMPILED_DEFAULTS) COMPILED_DEFAULTS.clear();
  COMPILED_DEFAULTS.set(key, made);
  return made;
}

const COMPILED_DEFAULTS = new Map<string, readonly CompiledDefault[]>();
const MAX_COMPILED_DEFAULTS = 64;

/** `deferUnknown`: given a rule naming no command or category, which the server checks once the file is read. */
function parseUserLine(d: Directive, version: string | undefined, deferUnknown: (error: AclSyntaxError) => void): AclUser {
  const name = d.args[0]!;
  if (/[ \t\r\n]/.test(name)) refuse('Spaces not allowed in ACL usernames (redis-server refuses to start)');
  try {
    return parseAclUser(name, d.args.slice(1), fileSource(d), version === undefined ? { deferUnknown } : { version, deferUnknown });
  } catch (err) {
    if (err instanceof AclSyntaxError) {
      return refuse(`Error in user declaration ${quotedArg(name)}: ${aclErrorText(err)} (redis-server refuses to start)`);
    }
    throw err;
  }
}

function applyRename(
  renames: Map<string, Fact<string>>,
  renamedTo: Map<string, string>,
  d: Directive,
  judged: boolean,
  version: ServerVersion,
  sentinel: boolean,
): void {
  const from = asciiLower(d.args[0]!);
  const to = d.args[1]!;
  // After a rename the command lives under its new name only; renaming the old name again fails.
  const original = renamedTo.get(from) ?? from;
  if (original === from && renames.has(from)) {
    refuse(`No such command in rename-command: ${quotedArg(from)} was already renamed or removed (redis-server refuses to start)`);
  }
  // `judged`: the version's commands are known (commandsKnown), so a command no release has is refused here too.
  // A Sentinel's commands are its own (sentinelCommand), not the server's of its release.
  if (original === from && judged && sentinel && !sentinelCommand(from, version.key)) {
    refuse(`No such command in rename-command: ${quotedArg(from)} is no command of a ${version.label} Sentinel (redis-server refuses to start)`);
  }
  if (original === from && judged && !sentinel && !renameableCommand(from, version.key)) {
    const elsewhere = renameableCommand(from) ? `: a command of other releases, not of ${version.label}` : '';
    refuse(`No such command in rename-command: ${quotedArg(from)} is no command of this server${elsewhere} (redis-server refuses to start)`);
  }
  const lowerTo = asciiLower(to);
  if (to !== '') {
    const holder = renamedTo.get(lowerTo);
    if (holder !== undefined && holder !== original) refuse(`Target command name already exists: ${quotedArg(to)} (redis-server refuses to start)`);
    // A command every release has, still under its own name (not renamed away on an earlier line, nor this one).
    const taken = sentinel ? sentinelCommand(lowerTo, version.key) : commandOfEveryRelease(lowerTo);
    if (holder === undefined && judged && lowerTo !== original && taken && !renames.has(lowerTo)) {
      refuse(`Target command name already exists: ${quotedArg(to)} is a command of the ${sentinel ? 'Sentinel' : 'server'} (redis-server refuses to start)`);
    }
  }
  const before = renames.get(original)?.value;
  if (before !== undefined && before !== '') renamedTo.delete(asciiLower(before));
  renames.set(original, { value: to, source: fileSource(d) });
  if (to !== '') renamedTo.set(lowerTo, original);
}
