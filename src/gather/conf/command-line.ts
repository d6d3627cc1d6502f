import type { AclUser, ConfigMap, Fact, Facts, FileFacts, HostFacts, HostFileRole, Source } from '../../facts/types.ts';
import { someReadLive } from '../../facts/live.ts';
import type { Enricher } from '../enrich.ts';
import { dirname, isAbsolute } from 'node:path';
import { effectiveConfig } from './effective.ts';
import type { EffectiveConf } from './effective.ts';
import { loadConfFiles } from './load-files.ts';
import type { ParsedConf } from './includes.ts';
import { parseConfText } from './tokenize.ts';
import { aclFileUsers, usersOf } from './gather-files.ts';
import { tooManyUsers } from '../../acl/limits.ts';
import { commandLineConfig } from '../../redis/command-line.ts';
import { SECRET_DIRECTIVES } from '../../redis/secrets.ts';
import { infoField } from '../../redis/info.ts';
import { configVersion } from '../../redis/version.ts';
import { listeningCommandLine, processCannotRead } from '../host/index.ts';
import { createHostDiscovery } from '../host/discovery.ts';

/**
 * The host facts the file's settings planned (the log, data, ACL and TLS key files, where the server logs), now
 * unknown: the host stage read them from the same file, whose values may not be the running ones.
 */
function withoutFileSettings(host: HostFacts, why: string): HostFacts {
  const fromFile = (origin: Source): boolean => origin.kind === 'file' || origin.kind === 'default';
  // The server chdirs to `dir`: the process's own directory is the running one, whatever started it.
  const cwd = host.process.cwd;
  const kept = host.files.map((f) => (f.role === 'dir' && fromFile(f.origin) && cwd.known && cwd.value === f.path ? { ...f, origin: cwd.source } : f));
  // An include the file names is read whatever the command line adds (its options come after the file's lines): it
  // stays, named by its include line.
  const settled = (f: HostFacts['files'][number]): boolean => f.role === 'include' || !fromFile(f.origin);
  const dropped = kept.filter((f) => !settled(f));
  const roles = [...new Set(dropped.map((f) => f.role))];
  return {
    ...host,
    files: kept.filter(settled),
    absent: [...host.absent.filter((a) => !roles.includes(a.role)), ...roles.map((role) => ({ role, unknown: true, reason: why }))],
    logging: host.logging.known && fromFile(host.logging.source) ? { known: false, reason: why } : host.logging,
  };
}

/** The host files each path setting names (`dir` is the process's own directory, which the host stage reads). */
const PATH_ROLES: Readonly<Record<string, readonly HostFileRole[]>> = {
  logfile: ['log'],
  dbfilename: ['rdb'],
  appenddirname: ['aof-dir', 'aof'],
  appendfilename: ['aof'],
  aclfile: ['acl'],
  unixsocket: ['unixsocket'],
  'tls-key-file': ['tls-key'],
  'tls-client-key-file': ['tls-client-key'],
};

/**
 * The host facts after options given on the command line: where the server logs, from the merged settings; the files
 * a path option names, which the host stage looked for where the file said, are unknown.
 */
function withCommandLinePaths(host: HostFacts, config: ConfigMap, names: readonly string[], from: string): HostFacts {
  const roles = new Set(names.flatMap((name) => PATH_ROLES[name] ?? []));
  const logging = names.some((n) => n === 'logfile' || n === 'syslog-enabled' || n === 'daemonize') && host.logging.known
    ? (() => {
        const logfile = config.get('logfile');
        const yes = (name: string) => config.get(name)?.value.toLowerCase() === 'yes';
        if (!logfile) return host.logging;
        const value = { ...host.logging.value, logfile: logfile.value, syslog: yes('syslog-enabled'), daemonize: yes('daemonize'), source: logfile.source };
        return { known: true as const, value, source: logfile.source };
      })()
    : host.logging;
  if (roles.size === 0) return { ...host, logging };
  const why = `its path is given on ${from}, which overrides the config file the host stage took it from, and this file was not looked at`;
  return {
    ...host,
    logging,
    files: host.files.filter((f) => !roles.has(f.role)),
    absent: [...host.absent.filter((a) => !roles.has(a.role)), ...[...roles].map((role) => ({ role, unknown: true, reason: why }))],
  };
}

/**
 * The file's users with those of `--user` options: redis-server appends them to its config file's `user` lines
 * (redis@7.0.15 ACLAppendUserForLoading, then ACLLoadConfiguredUsers). A name the file has too makes 7.0+ refuse to
 * start, and 6.x apply the later line: replaced.
 */
function withCommandLineUsers(files: FileFacts, users: readonly AclUser[], from: string): FileFacts {
  const given = users.map((u) => ({ ...u, source: { kind: 'host' as const, detail: `${from} (--user ${u.name})` } }));
  const byName = new Map(given.map((u) => [u.name, u]));
  const kept = files.users.map((u) => byName.get(u.name) ?? u);
  const inFile = new Set(files.users.map((u) => u.name));
  return { ...files, users: [...kept, ...given.filter((u) => !inFile.has(u.name))] };
}

/**
 * The file's users with those of `--user` options, as the host stage read them with their passwords (digests); when
 * it could not (the options come from the systemd unit), the users the server was started with are unknown: the
 * file's are marked unread, not judged as if complete.
 */
function commandLineUsers(files: FileFacts, users: readonly AclUser[], started: Extract<HostFacts['commandLine'], { known: true }>): FileFacts {
  if (started.users.known) {
    // The server loads both together: they count together toward the permission sets redfort judges.
    const merged = withCommandLineUsers(files, started.users.value, started.from);
    const many = tooManyUsers(`the config's users with the --user options of ${started.from}`, merged.users);
    return many ? { ...files, users: [], unread: [...(files.unread ?? []), many] } : merged;
  }
  return { ...files, unread: [...(files.unread ?? []), `the server was started with users on ${started.from} (${users.map((u) => u.name).join(', ')}), and ${started.users.reason}`] };
}

/**
 * The file's default user after `--requirepass` on the command line, when that user is the one requirepass makes (no
 * `user` lines, no aclfile: redis@7.0.15 ACLUpdateDefaultUserPassword; a `user default` line or an ACL file sets it
 * at start whatever requirepass says): its password is the option's (`--requirepass ""`: none), as a digest.
 */
function commandLineRequirepass(files: FileFacts, passwords: Extract<HostFacts['commandLine'], { known: true }>['secrets'], from: string): FileFacts {
  const given = passwords?.known ? passwords.value.get('requirepass') : undefined;
  if (!given || files.users.length !== 1 || files.config.get('aclfile')?.value) return files;
  const user = files.users[0]!;
  const filePass = files.secrets.get('requirepass');
  const implicit = user.source.kind === 'default' || (filePass !== undefined && sameSource(user.source, filePass.source));
  if (user.name !== 'default' || !implicit) return files;
  const set = given.value.set;
  return { ...files, users: [{ ...user, nopass: !set, passwords: set ? [given.value] : [], source: { kind: 'host', detail: `${from} (--requirepass)` } }] };
}

function sameSource(a: Source, b: Source): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * `--aclfile` on the command line: the server loaded that file's users, not those of the file its config file names
 * (which the files stage read), nor `user` lines (with both, redis-server refuses to start). Read when its path is
 * absolute (a relative one is taken from the server's directory at start, which may have changed since), as the files
 * stage reads a config file's aclfile ({@link aclFileUsers}: with the default user the server creates when the file
 * defines none); else the users are unread: unknown, not the config file's.
 */
async function commandLineAclFile(files: FileFacts, path: string, from: string, version: string | undefined, signal: AbortSignal | undefined): Promise<FileFacts> {
  const unread = (why: string): FileFacts => ({ ...files, users: [], unread: [...(files.unread ?? []), why] });
  if (!isAbsolute(path)) return unread(`the ACL file '${path}' given on ${from} (--aclfile) is relative to the server's directory at its start, and was not read`);
  try {
    const read = await aclFileUsers(path, version, signal);
    if ('reason' in read) return unread(read.reason);
    const warnings = [...new Set([...(files.warnings ?? []), ...read.warnings])];
    return { ...files, users: read.users, paths: files.paths.includes(path) ? files.paths : [...files.paths, path], ...(warnings.length ? { warnings } : {}) };
  } catch (error) {
    return unread(`the ACL file ${path} given on ${from} (--aclfile) could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The options the server was started with (`redis-server redis.conf --protected-mode no --user app on …`), which
 * override its config file, applied over the facts read from that file, when the server runs on this host and its
 * process was found:
 * - `--user` options are users of the file's ACL (users of `user` lines and of the command line are loaded together),
 *   whether `CONFIG GET` was read or not (config.runtime-drift compares them with ACL LIST);
 * - when `CONFIG GET` could not be read (renamed, NOPERM) and the settings come from the file, the other options are
 *   applied over the file's values; when the command line is not known (set-proc-title, no systemd unit), the file may
 *   not be what runs, and the settings are unknown rather than the file's (a rule would pass on `protected-mode yes`
 *   that the command line turned off).
 */
export const commandLineEnricher: Enricher = async (facts, target, enrichOptions) => {
  const { config, host, files } = facts;
  if (!files || facts.server?.mode === 'sentinel' || !facts.sources.has('live')) return facts;
  const fromFiles = config !== undefined && !someReadLive(config);
  // Read once by the host stage, from the arguments as given (host.commandLine), as this version reads them. Without
  // host facts (`--no-host`, the exporter's `host: false`), the config file of a local server was read all the same:
  // the options of the process found listening on its port are read the same way, as they override that file. A file
  // given (`--config`) is the user's word for what runs: no process is looked up for it, as the files stage looks up none.
  const listening = host
    ? { pid: host.process.pid, commandLine: host.commandLine }
    : target && files.paths.length > 0 && enrichOptions.configPath === undefined
      ? await listeningCommandLine(target.host, target.port, facts, enrichOptions)
      : undefined;
  if (!listening) return facts;
  const unknownConfig = (why: string): Facts => {
    if (!fromFiles) return facts;
    const { config: _config, secrets: _secrets, ...rest } = facts;
    return { ...rest, ...(host ? { host: withoutFileSettings(host, why) } : {}), unavailable: { ...facts.unavailable, config: why, secrets: why } };
  };
  const version = configVersion(facts.server);
  const started = listening.commandLine;
  if (!started.known || started.fromStdin) {
    const unknown = !started.known ? started.reason : `${started.from} reads part of its configuration from standard input ('-')`;
    const port = infoField(facts.info ?? new Map(), 'tcp_port');
    // INFO tcp_port is `port`, or `tls-port` when `port` is 0 (a TLS-only server): that is no sign of an override.
    const filePort = config?.get('port')?.value;
    const fileListens = filePort === '0' ? config?.get('tls-port')?.value : filePort;
    const differs = port !== undefined && fileListens !== undefined && port !== fileListens ? `; they do override it: INFO tcp_port is ${port}, the file gives ${filePort === '0' ? 'port 0 and tls-port' : 'port'} ${fileListens}` : '';
    // Unknown is a skip, even for a file given with --config (a `--protected-mode no` of the start would pass as the
    // file's `yes`): what makes the options readable is said instead.
    const how = !started.known && started.reason.includes('set-proc-title') ? "; to have them judged, start it with 'set-proc-title no' in the file (the command line then stays readable in /proc), or let the auditor run CONFIG GET" : '';
    const unknownFacts = unknownConfig(`CONFIG GET could not be read, and the config file ${files.paths[0] ?? ''} may not hold the running values: the options process ${listening.pid} was started with override it, and they are unknown (${unknown})${how}${differs}`);
    if (!started.known) return unknownFacts;
    // Standard input may hold `user` lines (or an aclfile) the server loaded with the file's: its users are not all known.
    const why = `the server was started with ${started.from} reading part of its configuration from standard input ('-'), whose users redfort cannot see`;
    return { ...unknownFacts, files: { ...files, unread: [...(files.unread ?? []), why] } };
  }
  const { options } = started;
  // `--include extra.conf`: the server appends its options to the config file's text (loadServerConfig), so the file
  // it names is read after the config file's lines, as an include of the file's own is: read here so, with the same
  // bounds (regular files, size caps, cycles), and only a file the process could read itself (QA43-4's rest). Its
  // `user` lines are loaded with the config file's, and an aclfile it sets is the one the server read: the users are
  // those of the config file and the include together, as the files stage finds a file's users (usersOf).
  const named = options.find((o) => o.name === 'include');
  // Started with no config file, its one --include was read as the config file (files-enricher onlyInclude): not twice.
  const include = named !== undefined && named.given[1] !== undefined && files.paths[0] === named.given[1] ? undefined : named;
  const proc = (enrichOptions?.hostDiscovery ?? createHostDiscovery()).proc;
  let withInclude: ParsedConf | undefined;
  let includeUsers: string | undefined;
  let base = files;
  if (include) {
    const main = files.paths[0];
    const unreadWhy = (why: string) => `the server was started with ${include.given.join(' ')} on ${started.from}, a file whose settings and users override the config file's, which redfort could not read (${why})`;
    let failure: string | undefined;
    if (main === undefined) failure = 'no config file was read';
    else {
      try {
        withInclude = await loadConfFiles(main, {
          cwd: dirname(main),
          deferErrors: true,
          appended: { text: started.text, from: started.from },
          mayRead: (path) => processCannotRead(path, listening.pid, proc),
          ...(version ? { version } : {}),
          ...(enrichOptions?.signal ? { signal: enrichOptions.signal } : {}),
        });
        if (withInclude.stopped) failure = withInclude.stopped.error.message;
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
    }
    if (failure !== undefined) {
      const why = unreadWhy(failure);
      const marked = { ...facts, files: { ...files, unread: [...(files.unread ?? []), why] } };
      return fromFiles ? { ...unknownConfig(`CONFIG GET could not be read, and ${why}`), files: marked.files } : marked;
    }
    const included = withInclude!.directives.slice(withInclude!.appendedAt ?? withInclude!.directives.length).filter((d) => d.source.path !== started.from);
    if (included.some((d) => d.name === 'user' || d.name === 'aclfile')) {
      const effective = effectiveConfig(withInclude!, version ? { version } : {});
      // The command line's own `--user` options are applied below, from the host's digests (its text is masked).
      const lines = { ...effective, users: effective.users.filter((u) => !(u.source.kind === 'file' && u.source.path === started.from)) };
      const mayRead = (path: string) => processCannotRead(path, listening.pid, proc);
      const read = await usersOf(lines, { ...(version ? { version } : {}), ...(enrichOptions?.signal ? { signal: enrichOptions.signal } : {}), mayRead }, dirname(main!));
      if (read.acl) {
        const warnings = [...new Set([...(files.warnings ?? []), ...(read.warnings ?? [])])];
        base = { ...files, users: read.acl.users, paths: [...files.paths, ...read.paths.filter((p) => !files.paths.includes(p))], ...(warnings.length ? { warnings } : {}) };
      } else {
        includeUsers = `the server was started with ${include.given.join(' ')} on ${started.from}, which sets its users, and they could not be read: ${read.reason ?? 'unknown'}`;
        base = { ...files, users: [] };
      }
    }
  }
  // With CONFIG GET read, the files are what the running values are compared with (config.runtime-drift): the settings
  // and passwords of the files the --include read join the config file's, each with its own file and line, and the
  // include marks them read (includedBy: the command line).
  const withIncludeRead = (f: FileFacts): FileFacts => {
    if (!withInclude) return f;
    const lines = withInclude.directives.slice(withInclude.appendedAt ?? withInclude.directives.length).filter((d) => d.source.path !== started.from);
    const paths = [...new Set(lines.map((d) => d.source.path))];
    const effective = effectiveConfig(withInclude, version ? { version } : {});
    const fromInclude = (x: Source): boolean => x.kind === 'file' && paths.includes(x.path);
    const config = new Map(f.config);
    for (const [name, fact] of effective.config) if (fromInclude(fact.source)) config.set(name, fact);
    const secrets = new Map(f.secrets);
    for (const [name, fact] of effective.secrets) if (fromInclude(fact.source)) secrets.set(name, fact);
    const by: Source = { kind: 'host', detail: `${started.from} (${include!.given.join(' ')})` };
    const includedBy = new Map(f.includedBy ?? []);
    for (const path of paths) if (!includedBy.has(path)) includedBy.set(path, by);
    return { ...f, config, secrets, paths: [...f.paths, ...paths.filter((p) => !f.paths.includes(p))], includedBy };
  };
  const withIncludeUsers = (f: FileFacts): FileFacts => {
    const read = fromFiles ? f : withIncludeRead(f);
    return includeUsers === undefined ? read : { ...read, unread: [...(read.unread ?? []), includeUsers] };
  };
  // With CONFIG GET read, only the users matter (`--requirepass` makes the default user's password): most command
  // lines (`--supervised systemd --daemonize no`) have none.
  if (options.length === 0 || (!fromFiles && !options.some((o) => o.name === 'user' || o.name === 'aclfile' || o.name === 'requirepass'))) {
    return include === undefined ? facts : { ...facts, files: withIncludeUsers(base) };
  }
  let given: ReturnType<typeof commandLineConfig>;
  try {
    given = commandLineConfig(started, version, started.from);
  } catch (error) {
    return unknownConfig(`CONFIG GET could not be read, and the options of ${started.from}, which override the config file, could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const aclfile = options.some((o) => o.name === 'aclfile') ? given.config.get('aclfile')?.value : undefined;
  // The process's own word for a file: read only if that process could read it itself (an unprivileged server's
  // `--aclfile /root/secret` must not make root redfort read it).
  const refused = aclfile && isAbsolute(aclfile) ? await processCannotRead(aclfile, listening.pid, (enrichOptions?.hostDiscovery ?? createHostDiscovery()).proc) : undefined;
  const passwords = started.secrets;
  const withPass = commandLineRequirepass(base, passwords, started.from);
  const withAcl = !aclfile
    ? withPass
    : refused !== undefined
      ? { ...withPass, users: [], unread: [...(withPass.unread ?? []), `the ACL file given on ${started.from} (--aclfile): ${refused}`] }
      : await commandLineAclFile(withPass, aclfile, started.from, version, enrichOptions?.signal);
  const withUsersRead = given.users.length > 0 ? { ...facts, files: commandLineUsers(withAcl, given.users, started) } : withAcl === files ? facts : { ...facts, files: withAcl };
  const withUsers = include === undefined ? withUsersRead : { ...withUsersRead, files: withIncludeUsers(withUsersRead.files ?? files) };
  if (!fromFiles) return withUsers;
  // redis-server appends the options to the config file's text and loads both (loadServerConfig): a directive a file
  // may repeat adds to the file's lines, as it would to its own (`save` points accumulate, each
  // `client-output-buffer-limit` sets one class, `rename-command`s add up), rather than replacing the file's value.
  const main = files.paths[0];
  let both: EffectiveConf;
  try {
    if (main === undefined) throw new Error('no config file was read');
    if (withInclude) both = effectiveConfig(withInclude, version ? { version } : {});
    else {
      const file = await loadConfFiles(main, { cwd: dirname(main), deferErrors: true, ...(version ? { version } : {}), ...(enrichOptions?.signal ? { signal: enrichOptions.signal } : {}) });
      both = effectiveConfig({ ...file, directives: [...file.directives, ...parseConfText(started.text, started.from)] }, version ? { version } : {});
    }
  } catch (error) {
    return unknownConfig(`CONFIG GET could not be read, and the config file with the options of ${started.from}, which the server loads together, could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const source = { kind: 'host' as const, detail: started.from };
  const merged = new Map<string, Fact<string>>(config);
  // The lines of the files an --include names: decided there, they name their own file and line.
  const included = withInclude ? withInclude.directives.slice(withInclude.appendedAt ?? withInclude.directives.length).filter((d) => d.source.path !== started.from) : [];
  const includedFiles = new Set(included.map((d) => d.source.path));
  const fromInclude = (s: Source): boolean => s.kind === 'file' && includedFiles.has(s.path);
  const names = [...new Set([...options.map((o) => o.name), ...included.map((d) => d.name)])].filter((n) => n !== 'include');
  for (const name of names) {
    const value = both.config.get(name);
    if (value) merged.set(name, fromInclude(value.source) ? value : { value: value.value, source: { ...source, detail: `${started.from} (--${name})` } });
  }
  const renamed = names.includes('rename-command') && withUsers.commands ? { commands: { ...withUsers.commands, renames: both.renames } } : {};
  const host2 = host ? { host: withCommandLinePaths(host, merged, names, started.from) } : {};
  // A password an included file sets replaces the config file's, as its other settings do (a digest, never its value).
  const includedSecrets = [...both.secrets].filter(([, fact]) => fromInclude(fact.source));
  const includeSecrets = new Map(facts.secrets ?? []);
  for (const [name, fact] of includedSecrets) includeSecrets.set(name, fact);
  const withSecrets = includedSecrets.length > 0 ? { ...withUsers, secrets: includeSecrets } : withUsers;
  // A password given there is masked in the host facts, which carry its digest (hostCommandLine): it replaces the
  // file's, as the server loads it after the file; when the digests could not be read, the running one is unknown.
  const secretGiven = options.find((o) => SECRET_DIRECTIVES.has(o.name));
  if (secretGiven && passwords?.known) {
    const secrets = new Map(withSecrets.secrets ?? []);
    for (const [name, fact] of passwords.value) secrets.set(name, fact);
    return { ...withSecrets, ...renamed, config: merged, secrets, ...host2 };
  }
  if (secretGiven) {
    const why = `CONFIG GET could not be read, and --${secretGiven.name} on ${started.from} overrides the config file's value, which redfort does not read from a command line`;
    const { secrets: _secrets, ...rest } = withSecrets;
    return { ...rest, ...renamed, config: merged, ...host2, unavailable: { ...facts.unavailable, secrets: why } };
  }
  return { ...withSecrets, ...renamed, config: merged, ...host2 };
};
