import { sentinelScripts } from './sentinel-conf.ts';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { realpath } from 'node:fs/promises';
import { shown, type Shape } from '../../util/shown.ts';
import type {
  AclState,
  AclUser,
  CommandSurface,
  ConfigMap,
  Fact,
  Facts,
  FactKey,
  FileFacts,
  SecretDigest,
  SecretMap,
  SentinelFacts,
  ServerIdentity,
  Source,
} from '../../facts/types.ts';
import { bundledTableOf } from '../../acl/categories.ts';
import { ConfigParseError, effectiveConfig } from './redis-conf.ts';
import { loadConfFiles } from './load-files.ts';
import { FileReadError, readTextFile } from '../../util/read-file.ts';
import type { EffectiveConf } from './redis-conf.ts';
import type { UnlistenableBind } from './effective.ts';
import { parseAclFile } from './acl-file.ts';
import { readsAsEmpty } from './includes.ts';
import type { Modules, RulesReader } from '../../acl/known-commands.ts';
import { sentinelCommand } from '../../acl/known-commands.ts';
import { aclWords, pastTheBounds, tooManyToJudge, tooManyUsers, tooManyWords } from '../../acl/limits.ts';
import { beforeAcl, resolveVersion, sentinelWithoutAcl, sentinelWithoutAclUsers } from '../../redis/directives.ts';
import type { VersionKey } from '../../redis/directives.ts';
import { formatSource } from '../../facts/source.ts';
import { ADMIN_COMMANDS } from '../../redis/commands.ts';
import { errnoText } from '../../util/fs-error.ts';

export interface FileInputs {
  /** redis.conf (or a sentinel config) to read with its includes. */
  readonly configPath?: string | undefined;
  /** An ACL file; default: the config's `aclfile`. */
  readonly aclPath?: string | undefined;
  /** A sentinel.conf, read as a Sentinel config. */
  readonly sentinelConfigPath?: string | undefined;
  /** The server version the files are for (defaults and grammar); Redis 7.x when unknown. */
  readonly version?: string | undefined;
  /**
   * Whether `version` is the server's own (`--redis-version`, or the running server's INFO), not a guess: a directive
   * it does not have is then the line redis-server stops at, an error, not a warning (EffectiveOptions.versionKnown).
   */
  readonly versionKnown?: boolean | undefined;
  /** The server's working directory, against which relative paths resolve; default: the config file's directory. */
  readonly cwd?: string | undefined;
  /**
   * Deploy-time directories and the directories read for them (`--path-map FROM=TO`, both absolute): an `include`
   * or `aclfile` path at or below FROM is read below TO instead (a chart's `include /opt/bitnami/redis/etc/…`
   * audited from its checkout). The longest FROM that matches wins.
   */
  readonly pathMap?: readonly (readonly [from: string, to: string])[] | undefined;
  /**
   * The directory the running server is in now (/proc/PID/cwd), when its config file is that process's: the
   * directory it started in, and so the one a relative `include` is opened from, when no `dir` line moved it.
   */
  readonly processCwd?: string | undefined;
  /**
   * What the running server says of its modules, when it says more than the files: `loaded` (INFO lists modules, which
   * may come from `--loadmodule` on its command line), `unknown` (INFO was not read). An ACL rule naming a command
   * redfort does not know is then not refused as the server's (src/acl/known-commands.ts).
   */
  readonly modules?: 'loaded' | 'unknown' | undefined;
  /** The target's signal: stops reading when it aborts. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Why a file the configuration leads to (an include, its aclfile) may not be read, if it may not: for the config of
   * a running process, what that process could not open itself. Not for the files given (configPath, aclPath).
   */
  readonly mayRead?: ((path: string) => Promise<string | undefined>) | undefined;
  /**
   * The files are read without a server (an audit of the files alone): when `cwd` is not given, the directory
   * redis-server starts in is unknown (systemd's `/` or WorkingDirectory=, a container's WORKDIR, a shell's), not the
   * config file's. The default `dir` (`./`) and a relative `dir` line are then kept relative, as the server's working
   * directory, rather than taken as the config's directory (a redis.conf in /etc made `dir` '/etc'). Relative includes
   * and the aclfile are still read from the config's directory, with a warning. Not for harden (it writes files the
   * server starts from) nor a live server.
   */
  readonly offline?: boolean | undefined;
  /**
   * Files read alone where they are not deployed, whose missing include's error names --start-dir and --path-map
   * (set by `offline` too): harden's, which is not `offline` for `dir`.
   */
  readonly flagHints?: boolean | undefined;
  /**
   * Told of a last `bind` line redis-server cannot listen on, which is then no refusal of the files (harden replaces
   * it); without it, the files are refused naming that line, as redis-server refuses them.
   */
  readonly unlistenableBind?: ((at: UnlistenableBind) => void) | undefined;
}

/** What the configuration files say, as facts. */
export interface FileGathering {
  readonly files: FileFacts;
  readonly config?: ConfigMap;
  readonly secrets?: SecretMap;
  readonly acl?: AclState;
  readonly sentinel?: SentinelFacts;
  readonly renames: ReadonlyMap<string, Fact<string>>;
  readonly mode: ServerIdentity['mode'];
  readonly unavailable: Partial<Record<FactKey, string>>;
}

export type FileOutcome =
  | { readonly ok: true; readonly gathered: FileGathering }
  /** `refused`: the line redis-server stops at and why, when the error is one (not a file that cannot be read). */
  | { readonly ok: false; readonly error: string; readonly refused?: { readonly path: string; readonly line: number; readonly reason: string } };

/** `inputs.pathMap` as a function of a path (the path itself where no FROM matches). */
export function pathMapper(pathMap: FileInputs['pathMap']): (path: string) => string {
  if (pathMap === undefined || pathMap.length === 0) return (path) => path;
  const longestFirst = [...pathMap].map(([from, to]) => [from.replace(/\/+$/, '') || '/', to] as const).sort((a, b) => b[0].length - a[0].length);
  return (path) => {
    for (const [from, to] of longestFirst) {
      if (path === from) return to;
      const prefix = from === '/' ? '/' : `${from}/`;
      if (path.startsWith(prefix)) return join(to, path.slice(prefix.length));
    }
    return path;
  };
}

function fileSource(path: string, line = 1): Source {
  return { kind: 'file', path, line };
}

/** Why the config's aclfile may not be read (inputs.mayRead), if it may not; one given with --acl always may. */
async function refusedAcl(inputs: FileInputs, path: string): Promise<string | undefined> {
  return inputs.aclPath ? undefined : inputs.mayRead?.(path);
}

/** The default user as redis-server makes it when no `user default` line or ACL file defines one. */
function implicitDefaultUser(requirepass: Fact<SecretDigest> | undefined, why: string): AclUser {
  const set = requirepass?.value.set === true;
  return {
    name: 'default',
    enabled: true,
    nopass: !set,
    passwords: set ? [requirepass!.value] : [],
    plaintextPasswords: 0,
    rules: ['~*', '&*', '+@all'],
    selectors: [],
    source: set ? requirepass!.source : { kind: 'default', note: why },
  };
}

/** Strict, as the server loads it: one line it would refuse makes it refuse the whole file. */
async function readAcl(path: string, version: string | undefined, signal: AbortSignal | undefined, modules: Modules, reader: RulesReader): Promise<{ users: AclUser[]; warnings: string[] } | string> {
  const text = await readTextFile(path, { signal });
  // Counted before they are parsed, and their selectors after: see MAX_PERMISSION_SETS. A user is a line whose first
  // word is `user` (parseAclFile): blank lines are skipped, and any other line makes the parser refuse the file.
  let userLines = 0;
  for (const _ of text.matchAll(/^[ \t\r]*user /gm)) userLines++;
  const many = tooManyToJudge(`the ACL file ${path}`, userLines) ?? tooManyWords(`the ACL file ${path}`, aclWords(text));
  if (many) return many;
  const { users, warnings } = parseAclFile(text, path, { ...(version ? { version } : {}), modules, reader });
  return tooManyUsers(`the ACL file ${path}`, users) ?? { users, warnings };
}

/**
 * The users an ACL file gives the server (redis@7.0.15 `ACLLoadFromFile`): its lines, read strictly, and a missing
 * `default` line means `default on nopass ~* &* +@all` whatever `requirepass` says. A file that cannot be read (missing,
 * permission denied, not a regular file), or one with too many users to judge, is a reason (`missing`: redis-server,
 * or redis-sentinel for a Sentinel's, refuses to start without it: a live 7.0.15 sentinel 'Aborting Redis startup
 * because of ACL errors'); a file the server would refuse throws. `reader`: whose file it is (a redis-server's, a
 * Sentinel's, either), for the commands its rules may name (src/acl/known-commands.ts).
 */
export async function aclFileUsers(path: string, version: string | undefined, signal: AbortSignal | undefined, modules: Modules = 'unknown', reader: RulesReader = 'either'): Promise<{ users: AclUser[]; warnings: string[] } | { reason: string; missing: boolean }> {
  let users: AclUser[];
  let warnings: string[];
  try {
    const read = await readAcl(path, version, signal, modules, reader);
    if (typeof read === 'string') return { reason: read, missing: false };
    ({ users, warnings } = read);
  } catch (error) {
    const empty = readsAsEmpty(path, error);
    if (empty !== undefined) {
      // fopen() of a directory (or /dev/null) succeeds and fgets() returns nothing: the server loads no user and
      // starts with default 'on nopass ~* &* +@all', requirepass ignored (6.2.16, 7.0.15, 8.6.3, valkey 9.1.2).
      // The reader never opens it: modelled as an empty file.
      const user = implicitDefaultUser(undefined, `compiled default: the ACL file ${path} is ${empty}, from which redis-server reads no user, so it creates default 'on nopass ~* &* +@all' (requirepass is ignored)`);
      return { users: [user], warnings: [`the ACL file ${path} is ${empty}: redis-server reads no user from it and starts with default 'on nopass ~* &* +@all' (requirepass is ignored)`] };
    }
    if (error instanceof FileReadError && error.reason === 'missing') {
      return { reason: `the ACL file ${path} could not be read (${reader === 'sentinel' ? 'redis-sentinel' : 'redis-server'} refuses to start without it)`, missing: true };
    }
    // Unreadable here (permission denied to redfort's user, not a regular file): its users are unknown, the config's
    // settings are not. As a missing one, and as an --aclfile of the command line.
    if (error instanceof FileReadError) return { reason: `the ACL file ${path} could not be read: ${error.detail}`, missing: false };
    throw error;
  }
  if (!users.some((u) => u.name === 'default')) {
    users.unshift(implicitDefaultUser(undefined, `compiled default: ${path} defines no default user, so redis-server creates it 'on nopass ~* &* +@all' (requirepass is ignored)`));
  }
  return { users, warnings };
}

/**
 * The users the server ends up with (redis@7.0.15 `ACLLoadUsersAtStartup`): `user` lines of redis.conf, else the
 * ACL file, where a missing `default` line means `default on nopass ~* &* +@all` whatever `requirepass` says;
 * else the default user that `requirepass` makes.
 */
export async function usersOf(
  effective: EffectiveConf | undefined,
  inputs: FileInputs,
  cwd: string,
): Promise<{ acl?: AclState; reason?: string; paths: string[]; warnings?: string[]; /** The file's users when the server ignores them. */ written?: readonly AclUser[]; /** The config's aclfile, as looked for, when there is no such file. */ missing?: string }> {
  const aclfile = inputs.aclPath ? resolve(inputs.aclPath) : (effective?.config.get('aclfile')?.value || undefined);
  const requirepass = effective?.secrets.get('requirepass');
  if (effective && !inputs.aclPath && beforeAcl(resolveVersion(inputs.version))) {
    // Redis before 6.0 has no ACL: as a live audit of such a server sees it, the only user is `default`,
    // with every command and key, guarded by requirepass alone (no `user` lines or aclfile to read).
    const user: AclUser = {
      ...implicitDefaultUser(requirepass, 'compiled default: no requirepass (and no ACL before Redis 6.0), so any client runs every command'),
      rules: ['~*', '+@all'],
    };
    return { acl: { users: [user], origin: 'requirepass', rewritten: false, source: user.source }, paths: [] };
  }
  if (effective?.sentinel && resolveVersion(inputs.version).key === 'r6.0') {
    // A Redis 6.0 sentinel has no ACL: it loads no `user` line and no aclfile (ACLLoadUsersAtStartup runs outside
    // sentinel mode only, redis@6.0.20:src/server.c main; a real 6.0.20 sentinel given `user default on >pw`, or an
    // aclfile holding it, answers PING without AUTH). Its only user is default, with requirepass.
    const user: AclUser = {
      ...implicitDefaultUser(requirepass, "compiled default: a Redis 6.0 sentinel loads no user lines or aclfile, and requirepass is empty, so the default user is 'on nopass'"),
      rules: ['~*', '+@all'],
    };
    const ignored = effective.users.map((u) =>
      u.name === 'default'
        ? `${formatSource(u.source)}: a Redis 6.0 sentinel does not load user lines: its default user takes requirepass, not this line`
        : `${formatSource(u.source)}: a Redis 6.0 sentinel does not load user lines: user '${u.name}' does not exist there (its only user is default, with requirepass)`,
    );
    // The ACL file (the config's aclfile, or --acl) is not loaded either; its users, as the user lines, stay the
    // files' own (their clear-text passwords are on disk for auth.plaintext-passwords), never the server's.
    let fileUsers: readonly AclUser[] = [];
    if (aclfile) {
      const path = isAbsolute(aclfile) ? aclfile : resolve(cwd, aclfile);
      const where = inputs.aclPath ? path : formatSource(effective.config.get('aclfile')!.source);
      ignored.push(`${where}: a Redis 6.0 sentinel does not load an ACL file: its only user is default, with requirepass`);
      const read = (await refusedAcl(inputs, path)) ? { reason: '' } : await aclFileUsers(path, inputs.version, inputs.signal, 'none');
      if (!('reason' in read)) fileUsers = read.users.filter((u) => u.source.kind === 'file');
    }
    return { acl: { users: [user], origin: 'file', rewritten: false, source: user.source }, paths: [], warnings: ignored, written: [...effective.users, ...fileUsers] };
  }
  // Past the users' bounds the user lines were not all read (ParsedConf.usersPast): unknown, as an ACL file past them.
  if (effective?.usersUnread !== undefined && !inputs.aclPath) return { reason: effective.usersUnread, paths: [] };
  if (effective && effective.users.length > 0 && !inputs.aclPath) {
    const many = tooManyUsers('the user lines of the config', effective.users);
    if (many) return { reason: many, paths: [] };
    const users = [...effective.users];
    if (!users.some((u) => u.name === 'default')) users.unshift(implicitDefaultUser(requirepass, "compiled default: no `user default` line and no requirepass, so the default user is 'on nopass ~* &* +@all'"));
    return { acl: { users, origin: 'file', rewritten: false, source: users[0]!.source }, paths: [] };
  }
  if (aclfile) {
    const path = inputs.aclPath ? aclfile : pathMapper(inputs.pathMap)(isAbsolute(aclfile) ? aclfile : resolve(cwd, aclfile));
    const fromFiles: Modules = !effective ? 'unknown' : effective.modules.length > 0 ? 'loaded' : 'none';
    const modules: Modules = fromFiles === 'none' && inputs.modules ? inputs.modules : fromFiles === 'unknown' && inputs.modules === 'loaded' ? 'loaded' : fromFiles;
    // The server its config file makes, or a Sentinel; read alone, either.
    const reader: RulesReader = !effective ? 'either' : effective.sentinel ? 'sentinel' : 'server';
    const refused = await refusedAcl(inputs, path);
    if (refused !== undefined) return { reason: `the ACL file ${refused}`, paths: [] };
    const read = await aclFileUsers(path, inputs.version, inputs.signal, modules, reader);
    if ('reason' in read) return { reason: read.reason, paths: read.missing ? [] : [path], ...(read.missing && !inputs.aclPath ? { missing: path } : {}) };
    return { acl: { users: read.users, origin: 'file', rewritten: false, source: fileSource(path) }, paths: [path], warnings: read.warnings };
  }
  if (!effective) return { reason: 'no configuration file or ACL file was read', paths: [] };
  const user = implicitDefaultUser(requirepass, "compiled default: no requirepass, user line or aclfile, so the default user is 'on nopass ~* &* +@all'");
  return { acl: { users: [user], origin: 'file', rewritten: false, source: user.source }, paths: [] };
}

function sentinelFacts(effective: EffectiveConf, main: string): SentinelFacts | undefined {
  const conf = effective.sentinel;
  if (!conf) return undefined;
  const config = new Map<string, Fact<string>>();
  for (const [name, fact] of [
    ['resolve-hostnames', conf.resolveHostnames],
    ['announce-hostnames', conf.announceHostnames],
    ['announce-ip', conf.announceIp],
    ['announce-port', conf.announcePort],
    ['sentinel-user', conf.sentinelUser],
  ] as const) {
    if (fact) config.set(name, fact);
  }
  return {
    masters: [...conf.masters.values()].map((m) => ({
      name: m.name.value,
      host: m.host,
      port: m.port,
      quorum: m.quorum,
      flags: '',
      numOtherSentinels: m.knownSentinels.length,
      numReplicas: m.knownReplicas.length,
      authUser: m.authUser,
      authPass: m.authPass,
      // A sentinel that ran rewrote its file: every rewrite (sentinelFlushConfig, CONFIG REWRITE) writes `sentinel
      // current-epoch` and each master's `config-epoch` (redis@7.0.15 sentinel.c rewriteConfigSentinelOption), and its
      // peers once met. A `sentinel myid` alone is no sign: deployment tools pre-set it (kolla-ansible, the redis-ha
      // chart, GitLab Omnibus), and a sentinel started with one does not rewrite its file (sentinelIsRunning flushes
      // only when myid was empty). Without an epoch or a peer, the file does not say how many sentinels watch.
      ...(m.knownSentinels.length === 0 && conf.currentEpoch === undefined
        ? { othersUnknown: `sentinel.conf has no known-sentinel line for '${m.name.value}' and no sentinel current-epoch or config-epoch: a running sentinel writes its epochs into the file (its peers once it has met them), so this file never ran, or not as it is now, and does not say how many sentinels watch it (a package's, a template or a deployment tool's)${conf.myid !== undefined ? '; its sentinel myid is no sign of a run: deployment tools write one, and a sentinel given one leaves the file as it is' : ''}` }
        : {}),
      source: m.name.source,
    })),
    config,
    sentinelPass: conf.sentinelPass,
    denyScriptsReconfig: conf.denyScriptsReconfig,
    masterAuthKnown: true,
    source: fileSource(main),
  };
}

/** Secrets of the files, with sentinel passwords under `sentinel auth-pass <master>` and `sentinel-pass`. */
function allSecrets(effective: EffectiveConf | undefined): SecretMap {
  const secrets = new Map(effective?.secrets ?? []);
  for (const m of effective?.sentinel?.masters.values() ?? []) {
    if (m.authPass) secrets.set(`sentinel auth-pass ${m.name.value}`, m.authPass);
  }
  if (effective?.sentinel?.sentinelPass) secrets.set('sentinel-pass', effective.sentinel.sentinelPass);
  return secrets;
}

const INCLUDE_PATH: Shape = { noun: 'file path', pattern: /^[^'"]+$/ };

/** Reads the configuration files as redis-server would; a file the server would refuse is an error. */
export async function gatherFiles(inputs: FileInputs): Promise<FileOutcome> {
  let refusedLine: ConfigParseError | undefined;
  try {
    // Paths given by the user are relative to where redfort runs; only paths inside the files are relative to
    // the server's directory (resolving `dir/redis.conf` against `dir/` would read `dir/dir/redis.conf`).
    const configPath = inputs.configPath === undefined ? undefined : resolve(inputs.configPath);
    const sentinelConfigPath = inputs.sentinelConfigPath === undefined ? undefined : resolve(inputs.sentinelConfigPath);
    // A redis.conf and a sentinel.conf are two servers' files: the sentinel's `sentinel` lines merged into the
    // server's settings judged the server's bind, port and users as the sentinel's, and lost the sentinel's own.
    if (configPath !== undefined && sentinelConfigPath !== undefined) {
      return { ok: false, error: `${inputs.configPath} and ${inputs.sentinelConfigPath} are the files of two servers (a redis-server and a redis-sentinel): read each on its own` };
    }
    const main = configPath ?? sentinelConfigPath;
    let effective: EffectiveConf | undefined;
    const paths: string[] = [];
    let includedBy: ReadonlyMap<string, Source> | undefined;
    const warnings: string[] = [];
    let cwd = inputs.cwd ?? (main ? dirname(resolve(main)) : process.cwd());
    if (main) {
      // In an audit of the files alone, a missing include may be a path of the deployed server (a chart's /opt/…) or
      // one relative to a start directory redfort assumed: the error names the flag that reads it (QA41-103).
      const missingInclude = inputs.offline === true || inputs.flagHints === true
        ? ({ arg, relative }: { readonly arg: string; readonly relative: boolean }): string =>
            relative && inputs.cwd === undefined && inputs.processCwd === undefined
              ? `looked for relative to the config file's directory, an assumption: redis-server opens it from the directory it starts in (give that with --start-dir DIR)`
              : `here, not necessarily where the server runs: read it from the checkout with --path-map ${isAbsolute(arg) ? dirname(arg) : 'DEPLOYED_DIR'}=DIR`
        : undefined;
      const load = (from: string) => loadConfFiles(main, { cwd: from, signal: inputs.signal, deferErrors: true, mayRead: inputs.mayRead, ...(inputs.version ? { version: inputs.version } : {}), ...(inputs.pathMap?.length ? { mapPath: pathMapper(inputs.pathMap) } : {}), ...(missingInclude ? { missingInclude } : {}) });
      let parsed = await load(cwd);
      // redis-server opens a relative include from the directory it was started in (or the one a `dir` line before
      // it moved to), not the config file's. A running server no `dir` line moved is still in that directory.
      const { processCwd } = inputs;
      const started = inputs.cwd === undefined && processCwd !== undefined && parsed.startRelative && !parsed.moved && processCwd !== cwd ? processCwd : undefined;
      if (started !== undefined) {
        cwd = started;
        parsed = await load(cwd);
      }
      const startKnown = inputs.cwd !== undefined || (processCwd !== undefined && !parsed.moved);
      const startWarnings: string[] = [];
      if (!startKnown) {
        for (const d of parsed.startRelative ?? []) {
          const where = processCwd !== undefined ? 'which redfort cannot know, since a `dir` line has moved the server' : 'not necessarily the config file\'s';
          startWarnings.push(`${d.source.path}:${d.source.line}: include ${shown(d.args[0]!, INCLUDE_PATH)} is relative: redis-server opens it from the directory it was started in, ${where}; read from ${cwd} (an absolute path removes the doubt)`);
        }
      }
      try {
        effective = effectiveConfig(parsed, {
          ...(inputs.version ? { version: inputs.version } : {}),
          ...(inputs.modules ? { modules: inputs.modules } : {}),
          ...(sentinelConfigPath && !configPath ? { sentinel: true } : {}),
          ...(inputs.versionKnown === true && inputs.version ? { versionKnown: true } : {}),
          ...(inputs.offline === true && inputs.cwd === undefined && processCwd === undefined ? { startDirUnknown: true } : {}),
          ...(inputs.unlistenableBind ? { unlistenableBind: inputs.unlistenableBind } : {}),
        });
      } catch (error) {
        // A line the server refuses, as opposed to a file that could not be read or an include redfort stopped at
        // (read from a directory that may not be the server's): the file does not start the server.
        if (error instanceof ConfigParseError && error !== parsed.stopped?.error) refusedLine = error;
        throw error;
      }
      paths.push(...parsed.files);
      includedBy = parsed.includedBy;
      warnings.push(...parsed.warnings, ...startWarnings, ...effective.warnings);
      cwd = parsed.cwd ?? cwd;
    }
    // A 6.0 sentinel loads neither, so it does not check them against each other (a real 6.0.20 sentinel starts).
    const loadsUsers = !(effective?.sentinel !== undefined && sentinelWithoutAcl(resolveVersion(inputs.version)));
    if (effective && loadsUsers && effective.users.length > 0 && (effective.config.get('aclfile')?.value || inputs.aclPath)) {
      const line = effective.users[0]!.source;
      const where = line.kind === 'file' ? `${line.path}:${line.line}` : main;
      // --acl says the server loads that file: with the config's own `user` lines it would not start either, and
      // judging one set alone left the other's clear-text passwords and grants out of the report without a word.
      if (!effective.config.get('aclfile')?.value) return { ok: false, error: `${where}: users defined in the config file, and --acl ${inputs.aclPath} given as its ACL file: redis-server refuses to start with users in both (define them in one place; without --acl the config's users are judged)` };
      return { ok: false, error: `${where}: users defined in redis.conf together with aclfile: redis-server refuses to start` };
    }
    // The server loads its aclfile after the whole config, from where the last `dir` line left it.
    const finalDir = effective?.config.get('dir')?.value;
    // A relative one (the start directory unknown offline) is read from the assumed start, as the includes are.
    const aclBase = finalDir === undefined || /^[A-Za-z]:[\\/]/.test(finalDir) ? cwd : resolve(cwd, finalDir);
    const { acl, reason, paths: aclPaths, warnings: aclWarnings, written, missing } = await usersOf(effective, inputs, aclBase);
    const aclLine = effective?.config.get('aclfile');
    if (inputs.offline === true && missing !== undefined && aclLine) {
      // As a missing include (QA41-108): the server does not start without it, and every user rule would be a skip
      // behind an exit 0. A deploy-time path (the server's /etc/redis/users.acl) is read with --acl or --path-map.
      const named = aclLine.value;
      const hint = !isAbsolute(named) && inputs.cwd === undefined && inputs.processCwd === undefined
        ? `looked for relative to the config file's directory, an assumption: redis-server opens it from the directory it starts in (give that with --start-dir DIR, or the file with --acl FILE)`
        : `here, not necessarily where the server runs: give the file with --acl FILE, or read it from the checkout with --path-map ${isAbsolute(named) ? dirname(named) : 'DEPLOYED_DIR'}=DIR`;
      const server = effective?.sentinel ? 'redis-sentinel' : 'redis-server';
      return { ok: false, error: `${formatSource(aclLine.source)}: aclfile: can't open the ACL file ${shown(missing, INCLUDE_PATH)}: no such file (${server} refuses to start without it); ${hint}` };
    }
    if (inputs.offline === true && reason !== undefined && !acl && aclLine?.value && !inputs.aclPath) {
      // Unreadable here (permission denied to redfort's user): the users go unjudged, which a CI log should show. Past
      // the bounds (src/acl/limits.ts) giving the file with --acl changes nothing (QA44-5): no such hint then.
      const hint = pastTheBounds(reason) ? '' : '; give the file with --acl FILE';
      warnings.push(`${formatSource(aclLine.source)}: ${reason}: the users it defines are not judged (every auth.* rule about them is a skip)${hint}`);
    }
    paths.push(...aclPaths);
    warnings.push(...(aclWarnings ?? []));
    const secrets = allSecrets(effective);
    const overriddenSecrets = new Map([...(effective?.overriddenSecrets ?? []), ...(effective?.sentinel?.overriddenSecrets ?? [])]);
    const users = written ?? acl?.users.filter((u) => u.source.kind === 'file') ?? [];
    const unavailable: Partial<Record<FactKey, string>> = {};
    if (!effective) unavailable.config = unavailable.secrets = 'no configuration file was read (pass --config)';
    if (!acl && reason) unavailable.acl = reason;
    const sentinel = effective ? sentinelFacts(effective, main!) : undefined;
    if (!sentinel) unavailable.sentinel = 'not a sentinel configuration';
    // The file's absolute `dir` as the server's getcwd() gives it (symlinks resolved), to compare with CONFIG GET dir.
    const fileDir = effective?.config.get('dir');
    const dirReal = inputs.offline !== true && fileDir?.source.kind === 'file' && !effective!.dirStartRelative && isAbsolute(fileDir.value)
      ? await realpath(fileDir.value).catch(() => undefined)
      : undefined;
    const mode: ServerIdentity['mode'] = sentinel ? 'sentinel' : effective?.config.get('cluster-enabled')?.value === 'yes' ? 'cluster' : 'standalone';
    return {
      ok: true,
      gathered: {
        files: {
          paths,
          ...(includedBy && includedBy.size > 0 ? { includedBy } : {}),
          config: effective?.config ?? new Map(),
          secrets,
          users,
          ...(warnings.length ? { warnings: [...new Set(warnings)] } : {}),
          ...(effective && effective.repeated.size > 0 ? { repeated: effective.repeated } : {}),
          ...(overriddenSecrets.size > 0 ? { overriddenSecrets } : {}),
          ...(effective && effective.spelled.size > 0 ? { spelled: effective.spelled } : {}),
          ...(!acl && reason && effective ? { unread: [reason] } : {}),
          ...(effective?.dirStartRelative ? { dirStartRelative: true as const } : {}),
          ...(dirReal !== undefined ? { dirReal } : {}),
          ...(effective ? { modules: effective.modules } : {}),
          ...(effective?.sentinel ? { scripts: sentinelScripts(effective.sentinel) } : {}),
          source: fileSource(paths[0] ?? main ?? inputs.aclPath ?? ''),
        },
        ...(effective ? { config: effective.config, secrets } : {}),
        ...(acl ? { acl } : {}),
        ...(sentinel ? { sentinel } : {}),
        renames: effective?.renames ?? new Map(),
        mode,
        unavailable,
      },
    };
  } catch (error) {
    if (error instanceof ConfigParseError) {
      // Line 0 is the file itself (it cannot be opened): `path: reason`, not `path:0: reason`.
      if (error.line === 0) return { ok: false, error: `${error.path}: ${error.reason.replace(/\b(E[A-Z]+)$/, (code) => errnoText(code) ?? code)}` };
      if (error !== refusedLine) return { ok: false, error: error.message };
      return { ok: false, error: error.message, refused: { path: error.path, line: error.line, reason: error.reason } };
    }
    if (error instanceof FileReadError) return { ok: false, error: `${error.path}: ${error.detail}` };
    const e = error as NodeJS.ErrnoException;
    if (e.code && e.path) return { ok: false, error: `${e.path}: ${errnoText(e.code) ?? e.message}` };
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The admin commands the files' server has under their own name: those the files do not rename away, and, for a
 * Sentinel (`sentinelRelease`), only those of a Sentinel's command table. `redis-server --sentinel` swaps the server's
 * table for its own 15 commands (sentinelCommand): live 6.2.16, 7.0.15, 7.2.6, 8.6.3 and Valkey 9.1.2 sentinels answer
 * COMMAND INFO for SHUTDOWN and ACL alone of these (6.0.20: SHUTDOWN), `ERR unknown command` to CONFIG, FLUSHALL,
 * MONITOR, REPLICAOF, DEBUG; so a file-only audit judges what the live one does (QA43-1). An unknown version is read
 * as a later one, with ACL.
 */
function surface(renames: ReadonlyMap<string, Fact<string>>, source: Source, sentinelRelease: VersionKey | undefined): CommandSurface {
  const has = (c: string) => !renames.has(c) && (sentinelRelease === undefined || sentinelCommand(c, sentinelRelease));
  return { present: new Map(ADMIN_COMMANDS.map((c) => [c, has(c)])), renames, source };
}

/** Facts of a static audit: the files alone, no server. */
export function factsFromFiles(target: string, gathered: FileGathering, version: string | undefined): Facts {
  const product = version && /valkey/i.test(version) ? 'valkey' : 'redis';
  const server: ServerIdentity = {
    product,
    // The product and what parseVersion allows after it ('redis v7.2.4', 'valkey_8.0.1', 'Redis  7.2'): the version.
    version: version?.replace(/^\s*[a-z]*[\s/_-]*v?(?=\d)/i, '').trim() || undefined,
    mode: gathered.mode,
    configFile: gathered.files.paths[0],
    // No line of the files names the version: when it is given, findings about it point at the option, not at line 1.
    source: version ? { kind: 'default', note: `version ${version} as given with --redis-version (the files do not name it)` } : gathered.files.source,
  };
  const { config, secrets, acl, sentinel, unavailable } = gathered;
  return {
    target,
    sources: new Set(['config']),
    server,
    ...(config ? { config } : {}),
    ...(secrets ? { secrets } : {}),
    ...(acl ? { acl } : {}),
    ...(sentinel ? { sentinel } : {}),
    categories: bundledTableOf(server),
    commands: surface(gathered.renames, gathered.files.source, gathered.mode === 'sentinel' ? resolveVersion(version).key : undefined),
    files: gathered.files,
    unavailable: {
      ...unavailable,
      // Run on the server's host or not, the files alone name no process: what the host rules judge is found from the running server.
      host: 'a file-only audit looks at no process: the user it runs as, the modes of its files, its service, log rotation and firewall are judged when auditing the running server on its host (redfort audit redis://127.0.0.1:PORT, with --config FILE if its config file is not found)',
      info: 'a static audit has no running server: INFO is judged only live',
      now: 'a static audit has no server clock',
      cluster: 'a static audit sees no cluster nodes',
    },
  };
}

/** Adds what the files say to a live audit's facts: the files themselves, and what the server does not show. */
export function mergeFiles(facts: Facts, gathered: FileGathering): Facts {
  const unavailable = { ...facts.unavailable };
  const merged: { -readonly [K in keyof Facts]?: Facts[K] } = { ...facts, files: gathered.files, sources: new Set([...facts.sources, 'config']) };
  delete unavailable.files;
  // CONFIG renamed, NOPERM or a sentinel: the files are the best remaining source of the settings.
  if (!facts.config && gathered.config) {
    merged.config = gathered.config;
    merged.secrets = gathered.secrets;
    delete unavailable.config;
    delete unavailable.secrets;
  }
  if (facts.sentinel && gathered.sentinel) {
    const byName = new Map(gathered.sentinel.masters.map((m) => [m.name, m]));
    const { configUnavailable: _known, ...live } = facts.sentinel; // sentinel.conf says whether sentinel-pass is set
    merged.sentinel = {
      ...live,
      // SENTINEL MASTERS refused: the file's masters, rather than none (the rules then judge what the file says).
      masters: facts.sentinel.mastersUnavailable !== undefined
        ? gathered.sentinel.masters
        : facts.sentinel.masters.map((m) => ({ ...m, authUser: byName.get(m.name)?.authUser, authPass: byName.get(m.name)?.authPass })),
      denyScriptsReconfig: gathered.sentinel.denyScriptsReconfig,
      sentinelPass: facts.sentinel.sentinelPass ?? gathered.sentinel.sentinelPass,
      masterAuthKnown: true,
    };
  }
  if (facts.commands && gathered.renames.size > 0) merged.commands = { ...facts.commands, renames: gathered.renames };
  // A 6.0 sentinel has no ACL LIST (no ACL command) nor CONFIG: its one user is what sentinel.conf's requirepass makes
  // it (usersOf), which nothing changes at run time.
  if (sentinelWithoutAclUsers(facts.server)) {
    if (!facts.acl && gathered.acl) {
      // Read without a password (INFO answered, no AUTH sent): the running sentinel's default user has none, whatever
      // the file says (a requirepass added since it started, or another sentinel's file).
      const open = facts.server !== undefined && facts.connection?.credential === undefined && facts.connection?.unauthenticated === undefined;
      merged.acl = open ? passwordless(gathered.acl) : gathered.acl;
      delete unavailable.acl;
    }
    // Nor COMMAND: which admin commands it has is its command table and the file's rename-command lines, as file-only.
    if (!facts.commands) {
      merged.commands = surface(gathered.renames, gathered.files.source, 'r6.0');
      delete unavailable.commands;
    }
  }
  const disabledAcl = !facts.acl ? usersOfDisabledAcl(facts, gathered) : undefined;
  if (disabledAcl) {
    merged.acl = disabledAcl;
    delete unavailable.acl;
  }
  return { ...(merged as Facts), unavailable };
}

/**
 * The users of a server whose config file renames ACL to "" (QA45-12): it answered ACL LIST with "unknown command",
 * and nothing at run time can change its users (no ACL SETUSER, DELUSER, LOAD) but CONFIG SET requirepass, which
 * sets the default user's password and which CONFIG GET requirepass shows. So its users are the files' (the ones it
 * started with), the default user's password as CONFIG GET shows it when that differs from the file's. Undefined
 * unless the server itself says ACL is unknown and CONFIG GET was read (or CONFIG is disabled too: nothing changes).
 */
function usersOfDisabledAcl(facts: Facts, gathered: FileGathering): AclState | undefined {
  const acl = gathered.acl;
  if (!acl || acl.origin !== 'file' || gathered.files.configUnread !== undefined || gathered.files.unread?.length) return undefined;
  if (gathered.renames.get('acl')?.value !== '' || !/^ACL LIST is not available on this server/.test(facts.unavailable.acl ?? '')) return undefined;
  if (facts.commands?.present.get('acl') === true) return undefined;
  const live = facts.secrets?.get('requirepass');
  const configDisabled = gathered.renames.get('config')?.value === '';
  if (live?.source.kind !== 'live') return configDisabled ? acl : undefined;
  const written = gathered.secrets?.get('requirepass');
  const same = written !== undefined ? written.value.set === live.value.set && written.value.sha256 === live.value.sha256 : !live.value.set;
  if (same) return acl;
  // CONFIG SET requirepass ran since the start: `resetpass` then `>pw` (or `nopass` for '') on the default user.
  return {
    ...acl,
    users: acl.users.map((u): AclUser => (u.name === 'default'
      ? { ...u, nopass: !live.value.set, passwords: live.value.set ? [live.value] : [], source: live.source }
      : u)),
  };
}

/** A Redis 6.0 sentinel's users (its default alone) as they are when it answered without a password: nopass. */
function passwordless(acl: AclState): AclState {
  const source: Source = { kind: 'live', command: 'INFO (answered without AUTH)' };
  return { ...acl, users: acl.users.map((u): AclUser => (u.name === 'default' ? { ...u, enabled: true, nopass: true, passwords: [], source } : u)) };
}
