import { dirname, posix } from 'node:path';
import type { FileKind, Provenance, Secret, TlsFiles } from '../profile/index.ts';
import { ownershipCommand, provenanceLines, SECRET_PREFIX, secretVariable, shellQuote } from '../profile/index.ts';
import type { HardenResult, SecretArg } from './harden.ts';
import type { Executable } from './executable.ts';
import { clipped } from '../util/shown.ts';
import { markdownText } from '../report/markdown.ts';
import { systemDirectory } from '../rules/persistence/system-path.ts';

/** Before/after status of one rule, as the CLI prints it and PLAN.md lists it. */
export interface RuleOutcome {
  readonly rule: string;
  readonly before: string;
  readonly after: string;
  readonly claimed: boolean;
  /** The generated file judged, when harden wrote two (a redis.conf and a sentinel.conf: two servers). */
  readonly file?: 'sentinel.conf';
  /** When it still fails: each distinct finding once, with where it is. */
  readonly messages?: readonly string[];
}

/** A before/after row's name: the rule, and the file when it is the sentinel.conf's beside a redis.conf. */
export function outcomeLabel(o: RuleOutcome): string {
  return o.file ? `${o.rule} (${o.file})` : o.rule;
}

export interface TrialOutcome {
  readonly status: 'passed' | 'failed' | 'unvalidated';
  readonly detail: string;
}

export function commentHeader(p: Provenance): string {
  return provenanceLines(p).map((l) => `# ${l}`).join('\n') + '\n';
}

/** `--masterauth ${REDFORT_PASSWORD_replication}`: how systemd passes one secret from the unit's env file. */
function secretOption(arg: SecretArg): string {
  return [execWord(`--${arg.key[0]}`), ...arg.key.slice(1).map(execWord), `\${${secretVariable(arg.user)}}`].join(' ');
}

/**
 * A word of an ExecStart= line that systemd reads back as it is (systemd.service(5), "Command lines"): `%` starts a
 * specifier and `$` a variable, so they are doubled; a word with blanks, quotes, backslashes or control characters is
 * double-quoted, with C escapes.
 */
function execWord(word: string): string {
  const doubled = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (doubled !== '' && /^[A-Za-z0-9_@%+=:,.\/$-]+$/.test(doubled)) return doubled;
  return `"${doubled.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

/**
 * The names of a Debian install's services, programs and user: Redis's (`redis-server`, `redis-sentinel`, user
 * `redis`), or Valkey's own (`valkey-server`, `valkey-sentinel`, user `valkey`) when the audited server is Valkey.
 */
export interface ServiceNames {
  readonly server: string;
  readonly sentinel: string;
  readonly user: string;
}

export function serviceNames(product: 'redis' | 'valkey' = 'redis'): ServiceNames {
  return product === 'valkey' ? { server: 'valkey-server', sentinel: 'valkey-sentinel', user: 'valkey' } : { server: 'redis-server', sentinel: 'redis-sentinel', user: 'redis' };
}

/**
 * The systemd unit that runs a config on a Debian install (without `.service`). The packages' template units name
 * their instance's config by the instance: redis-server@.service runs `/etc/redis/redis-%i.conf` and
 * redis-sentinel@.service `/etc/redis/sentinel-%i.conf` (their ExecStart= in Debian 12's redis-server and
 * redis-sentinel 7.0.15 packages); Valkey's are named alike under /etc/valkey (`valkey-%i.conf`, `sentinel-%i.conf`).
 * So `/etc/redis/redis-cache.conf` is `redis-server@cache`. Any other path is the package's own service's (`%i` is
 * the instance as the unit's name spells it: a name that is no plain unit-name word is not an instance's).
 */
export function unitOf(kind: 'server' | 'sentinel', confPath: string, product: 'redis' | 'valkey' = 'redis'): string {
  const names = serviceNames(product);
  const service = kind === 'server' ? names.server : names.sentinel;
  const prefix = `/etc/${product}/${kind === 'server' ? product : 'sentinel'}-`;
  const path = posix.normalize(confPath);
  if (!path.startsWith(prefix) || !path.endsWith('.conf')) return service;
  const instance = path.slice(prefix.length, -'.conf'.length);
  return /^[A-Za-z0-9:_.-]+$/.test(instance) ? `${service}@${instance}` : service;
}

export interface HostInputs {
  readonly result: HardenResult;
  /** The audited server's product: the drop-ins, the logrotate file and the owners follow its names. Default redis. */
  readonly product?: 'redis' | 'valkey';
  readonly confPath?: string;
  readonly sentinelPath?: string;
  readonly tls?: TlsFiles;
  /**
   * Where `tls` comes from when not --tls-*: the config file harden read (`config`), or a live server's word (`server`):
   * permissions.sh never changes the owner or mode of a path only a server named (run as root, it would chown any file).
   */
  readonly tlsFrom?: 'config' | 'server';
  /** What the drop-ins' ExecStart= starts, per kind ({@link executableOf}); without one, the package's path, unchecked. */
  readonly executables?: { readonly server?: Executable; readonly sentinel?: Executable };
  /**
   * Directories a config or the server names (`dir`, the log's, `unixsocket`'s, `pidfile`'s) that the server's user
   * owns already on this machine (a directory, not a link: looked at by the caller): its own place ({@link placeProblem}).
   */
  readonly ownedByUser?: ReadonlySet<string>;
}

/**
 * The env file a unit's drop-in reads (`EnvironmentFile=`) for the secrets it passes on the command line: only those
 * (QA40-20: every drop-in read the whole credentials.env, so the server's and the sentinel's /proc/PID/environ held
 * the admin's, the app's and the auditor's passwords too, readable by the service user). Written as `host/<unit>.env`
 * (mode 0600), installed beside the unit's config file (`/etc/redis/redis-server.env`, `redis-server@cache.env` for an
 * instance: one file per unit, so two configs of one directory never share one), root:root 0600 by permissions.sh.
 * credentials.env stays the operator's copy, which no service reads. A unit that passes no secret has none.
 */
export interface UnitEnvFile {
  /** The unit (`redis-server`, `redis-sentinel@s1`), without `.service`. */
  readonly unit: string;
  readonly kind: 'server' | 'sentinel';
  /** Its name in the output directory: `host/<unit>.env`. */
  readonly file: string;
  /** Where the drop-in's EnvironmentFile= reads it on the host. */
  readonly path: string;
  /** The users whose passwords the drop-in passes, each once: the file's only `REDFORT_PASSWORD_` lines. */
  readonly users: readonly string[];
}

export function unitEnvFiles(input: Pick<HostInputs, 'result' | 'confPath' | 'sentinelPath' | 'product'>): UnitEnvFile[] {
  const files: UnitEnvFile[] = [];
  const each: [string | undefined, 'server' | 'sentinel', 'redis.conf' | 'sentinel.conf'][] = [[input.confPath, 'server', 'redis.conf'], [input.sentinelPath, 'sentinel', 'sentinel.conf']];
  for (const [conf, kind, file] of each) {
    if (conf === undefined) continue;
    const users = [...new Set(input.result.secretArgs.filter((a) => a.file === file).map((a) => a.user))];
    if (users.length === 0) continue;
    const unit = unitOf(kind, conf, input.product);
    files.push({ unit, kind, file: `host/${unit}.env`, path: posix.join(posix.dirname(conf), `${unit}.env`), users });
  }
  return files;
}

/** The systemd options of the drop-in that hide whole trees from the service, and the trees they hide. */
const HIDING: readonly { readonly option: 'PrivateTmp' | 'ProtectHome'; readonly roots: readonly string[] }[] = [
  { option: 'PrivateTmp', roots: ['/tmp', '/var/tmp'] },
  { option: 'ProtectHome', roots: ['/home', '/root', '/run/user'] },
];

/** The server's executable as a path the unit needs (a build under /tmp is hidden by PrivateTmp=yes), when known. */
function knownExecutable(exe: Executable | undefined): { what: string; path: string }[] {
  return exe && exe.how !== 'unknown' ? [{ what: 'the executable', path: exe.path }] : [];
}

/** The paths a unit's server reads or writes, by what names them (`dir`, `logfile`, ...). */
function unitPaths(input: HostInputs): Map<string, { what: string; path: string }[]> {
  const { result } = input;
  const units = new Map<string, { what: string; path: string }[]>();
  if (input.confPath) {
    units.set(unitOf('server', input.confPath, input.product), [
      { what: 'the config file', path: input.confPath },
      ...(result.dataDir ? [{ what: '`dir`', path: result.dataDir }] : []),
      ...(result.logfile ? [{ what: '`logfile`', path: result.logfile }] : []),
      ...(result.unixsocket ? [{ what: '`unixsocket`', path: result.unixsocket }] : []),
      ...(result.pidfile ? [{ what: '`pidfile`', path: result.pidfile }] : []),
      ...(result.aclPath ? [{ what: '`aclfile`', path: result.aclPath }] : []),
      ...(input.tls ? [{ what: '`tls-cert-file`', path: input.tls.cert }, { what: '`tls-key-file`', path: input.tls.key }, { what: '`tls-ca-cert-file`', path: input.tls.ca }] : []),
      ...knownExecutable(input.executables?.server),
    ]);
  }
  if (input.sentinelPath) {
    units.set(unitOf('sentinel', input.sentinelPath, input.product), [
      { what: 'the config file', path: input.sentinelPath },
      ...(result.sentinelAclPath ? [{ what: '`aclfile`', path: result.sentinelAclPath }] : []),
      ...(result.sentinelTlsFiles ? [{ what: '`tls-cert-file`', path: result.sentinelTlsFiles.cert }, { what: '`tls-key-file`', path: result.sentinelTlsFiles.key }, { what: '`tls-ca-cert-file`', path: result.sentinelTlsFiles.ca }] : []),
      ...knownExecutable(input.executables?.sentinel),
    ]);
  }
  return units;
}

/**
 * Per unit, the hiding options (PrivateTmp, ProtectHome) the drop-in leaves out because a path the server uses is
 * under a tree they hide (a private /tmp, an empty /home): with them, it would not find its files, or its socket would
 * be invisible to clients. Relative paths are not judged (they follow the service's working directory).
 */
export function sandboxExceptions(input: HostInputs): Map<string, { option: string; hides: { what: string; path: string }[] }[]> {
  const out = new Map<string, { option: string; hides: { what: string; path: string }[] }[]>();
  for (const [unit, paths] of unitPaths(input)) {
    const left: { option: string; hides: { what: string; path: string }[] }[] = [];
    for (const { option, roots } of HIDING) {
      const hides = paths.filter((p) => p.path.startsWith('/') && roots.some((root) => { const n = posix.normalize(p.path); return n === root || n.startsWith(`${root}/`); }));
      if (hides.length > 0) left.push({ option, hides });
    }
    out.set(unit, left);
  }
  return out;
}

/** PLAN.md lines: one per option a drop-in leaves out, naming the paths that made it. */
export function sandboxNotes(input: HostInputs): string[] {
  const notes: string[] = [];
  for (const [unit, left] of sandboxExceptions(input)) {
    for (const { option, hides } of left) {
      notes.push(`**systemd:** \`${option}=yes\` left out of ${unit}'s drop-in: it would hide ${hides.map((h) => `${h.what} ${codeSpan(h.path)}`).join(', ')} from the server. Move ${hides.length > 1 ? 'them' : 'it'} out of ${HIDING.find((h) => h.option === option)!.roots.join(', ')} to keep that protection.`);
    }
  }
  return notes;
}

/** A directory the service must write to under ProtectSystem=strict; `optional` when it may be missing at start. */
interface Writable {
  readonly path: string;
  readonly optional?: boolean;
}

/** What the server writes in a directory of the drop-in, and what happens when it cannot (PLAN.md). */
interface WritableRole extends Writable {
  readonly what: string;
  readonly fails: string;
  /** A directory a config's or the server's `dir`, `logfile`, `unixsocket` or `pidfile` names: opened only when it is the server's own place. */
  readonly named?: 'data' | 'other';
}

/**
 * The directories a unit's server writes to, by what it writes there: the config's (CONFIG REWRITE, ACL SAVE; a
 * Sentinel's state), `dir`, the log's, and those of `unixsocket` and `pidfile` (optional: often made at start).
 */
function writableRoles(input: HostInputs): Map<string, WritableRole[]> {
  const { result } = input;
  const units = new Map<string, WritableRole[]>();
  if (input.confPath) {
    units.set(unitOf('server', input.confPath, input.product), [
      { what: 'the config directory', path: dirname(input.confPath), fails: 'CONFIG REWRITE and ACL SAVE fail' },
      ...(result.dataDir?.startsWith('/') ? [{ what: 'the data `dir`', path: result.dataDir, named: 'data' as const, fails: 'every save fails (and with stop-writes-on-bgsave-error yes, every write after it)' }] : []),
      // A log file harden added (the input logged nowhere) is in a directory the host may not have yet: permissions.sh
      // makes it, and until then `-` lets systemd start the unit (the server then says "Can't open the log file").
      ...(result.logfile?.startsWith('/') ? [{ what: 'the log directory', path: dirname(result.logfile), named: 'other' as const, ...(result.logfileAdded ? { optional: true } : {}), fails: 'the server cannot open its log file and does not start' }] : []),
      // The server creates its socket and pid file there; such directories (/run/redis) often exist only once the
      // service starts (RuntimeDirectory=, tmpfiles.d): `-` tells systemd to go on without one that is missing.
      ...(result.unixsocket?.startsWith('/') ? [{ what: 'the `unixsocket` directory', path: dirname(result.unixsocket), named: 'other' as const, optional: true, fails: 'the server cannot create its socket and does not start' }] : []),
      ...(result.pidfile?.startsWith('/') ? [{ what: 'the `pidfile` directory', path: dirname(result.pidfile), named: 'other' as const, optional: true, fails: 'the server writes no pid file' }] : []),
    ]);
  }
  if (input.sentinelPath) {
    units.set(unitOf('sentinel', input.sentinelPath, input.product), [{ what: "the sentinel's config directory", path: dirname(input.sentinelPath), fails: 'Sentinel cannot rewrite its config file and does not start' }]);
  }
  return units;
}

/**
 * PLAN.md lines for the directories the drop-ins leave out of `ReadWritePaths=` because other software shares them
 * (/tmp, /var/lib, /var/log, /run, /etc …): listing one would let the service write anywhere in it.
 */
export function readWritePathNotes(input: HostInputs): string[] {
  const user = serviceNames(input.product).user;
  const notes: string[] = [];
  for (const [unit, roles] of writableRoles(input)) {
    for (const role of roles.filter((r) => sharedDirectory(r.path))) {
      notes.push(`**systemd:** ${role.what} is ${codeSpan(posix.normalize(role.path))}, a directory other software shares: ${unit}'s drop-in does not list it in \`ReadWritePaths=\` (the server could then write anywhere in it), so under \`ProtectSystem=strict\` ${role.fails}. Give the server a directory of its own (\`/var/lib/${user}\`, \`/var/log/${user}\`, \`/run/${user}\`, \`/etc/${input.product ?? 'redis'}\`) and harden again.`);
    }
  }
  return notes;
}

/**
 * `ReadWritePaths=`'s value: each directory once, an optional one left out when a listed directory holds it. systemd
 * refuses to start the service when a listed path is missing, unless it is prefixed with `-` (systemd.exec(5)); `%`
 * starts a specifier, so it is doubled, and a path with blanks or quotes is quoted (the `-` inside the quotes).
 */
function readWritePaths(writable: readonly Writable[]): string {
  const required = writable.filter((w) => !w.optional).map((w) => posix.normalize(w.path));
  const words: string[] = [];
  const seen = new Set<string>();
  for (const w of writable) {
    const path = posix.normalize(w.path);
    if (seen.has(path) || (w.optional && required.some((r) => r === path || path.startsWith(r === '/' ? '/' : `${r}/`)))) continue;
    seen.add(path);
    const word = `${w.optional ? '-' : ''}${path.replace(/%/g, '%%')}`;
    words.push(/[\s"'\\]/.test(word) ? `"${word.replace(/["\\]/g, (c) => `\\${c}`)}"` : word);
  }
  return words.join(' ');
}

/**
 * A path the host files cannot name safely: the files PLAN.md tells root to install would run what it holds (a
 * newline in `logfile` made a logrotate `postrotate` script, in `dir` an `ExecStartPre=+…` line of the drop-in).
 */
export class HostPathError extends Error {}

/**
 * A server's or a file's value as a Markdown code span, the one way PLAN.md shows such a value (QA44-55): clipped, its
 * control characters written as `\uXXXX`, its backticks inside a longer fence, so that nothing in it (`` ` **Install:**
 * run … ``, a link, an HTML tag) renders as the plan's own text.
 */
export function codeSpan(value: string): string {
  const text = clipped(value).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const fence = '`'.repeat(Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A value as one line of a message: clipped, control characters escaped. */
function oneLine(value: string): string {
  return `'${JSON.stringify(clipped(value)).slice(1, -1)}'`;
}

/**
 * Refuses any path of the host files with a control character (the value may come from a hostile server's CONFIG
 * GET, or a redis.conf line `logfile "…\n…"`, which the server takes), and a log file logrotate cannot name as it is:
 * its rule quotes the path in double quotes, which have no escapes, expands `*`, `?` and `[` as a glob, and a brace
 * ends the file names for the audit's reader of the rule.
 */
function checkHostPaths(input: HostInputs): void {
  const { result } = input;
  const paths: [string, string | undefined][] = [
    ['the config file', input.confPath],
    ['the sentinel config file', input.sentinelPath],
    ['`dir`', result.dataDir],
    ['`logfile`', result.logfile],
    ['`unixsocket`', result.unixsocket],
    ['`pidfile`', result.pidfile],
    ['`aclfile`', result.aclPath],
    ["the sentinel's `aclfile`", result.sentinelAclPath],
    ["the server's executable", input.executables?.server?.path],
    ["the sentinel's executable", input.executables?.sentinel?.path],
    ...(input.tls ? ((input.tlsFrom ? [['tls-cert-file', input.tls.cert], ['tls-key-file', input.tls.key], ['tls-ca-cert-file', input.tls.ca]] : [['--tls-cert', input.tls.cert], ['--tls-key', input.tls.key], ['--tls-ca', input.tls.ca]]) as [string, string][]) : []),
  ];
  for (const [what, path] of paths) {
    if (path !== undefined && /[\x00-\x1f\x7f]/.test(path)) throw new HostPathError(`${what} ${oneLine(path)} holds a control character: harden writes no host file (systemd drop-in, logrotate rule, permissions.sh) that names it`);
  }
  if (result.logfile?.startsWith('/') && /["*?[\\{}]/.test(result.logfile)) {
    throw new HostPathError(`\`logfile\` ${oneLine(result.logfile)} holds a character a logrotate rule cannot name as it is (" \\ { }, or a glob's * ? [): rename the log file`);
  }
}

/** A path as a logrotate rule names it: in double quotes (checked by {@link checkHostPaths}: no `"`, no glob). */
function logrotatePath(path: string): string {
  return `"${path}"`;
}

/**
 * Whether a directory is the system's or shared by other services: permissions.sh never changes its owner or mode
 * (`dir /var/lib` gave `chown redis:redis /var/lib; chmod 0750 /var/lib`, `dir /` a chown of /, RHEL's
 * /etc/redis.conf a chown of /etc).
 */
export function sharedDirectory(path: string): boolean {
  const p = posix.normalize(path).replace(/(.)\/+$/, '$1');
  if (SHARED_DIRS.has(p)) return true;
  return /^\/(usr|proc|sys|dev|boot)(\/|$)/.test(p) || /^\/lib[^/]*$/.test(p);
}

const SHARED_DIRS: ReadonlySet<string> = new Set(['/', '/etc', '/var', '/var/lib', '/var/log', '/var/run', '/var/cache', '/var/spool', '/var/tmp', '/run', '/tmp', '/opt', '/home', '/root', '/srv', '/mnt', '/media', '/bin', '/sbin']);

/** A path component that names the product's server: /var/log/redis, /var/lib/valkey, /run/redis-6380, /opt/redis. */
const PRODUCT_WORD = /redis|valkey/i;

/** Home trees: no directory of the server's is there (a user's files: .bashrc, .ssh). */
const HOME_TREES: readonly string[] = ['/home', '/root', '/run/user'];

/** Trees of the system's configuration, programs, jobs, mail and served files: no directory of the server's is there. */
const SYSTEM_TREES: readonly string[] = ['/etc', '/usr', '/boot', '/proc', '/sys', '/dev', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/var/spool', '/var/mail', '/var/www', '/srv/www', '/var/backups'];

function under(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

function normalDir(path: string): string {
  return posix.normalize(path).replace(/(.)\/+$/, '$1');
}

/**
 * Why a directory a config or a live server names (its data `dir`, the directory of its `logfile`, `unixsocket` or
 * `pidfile`) is not plainly the server's own place; undefined when it is. Those values are a pull request's or a
 * hostile server's choice (`logfile /home/victim/.bashrc`, `CONFIG SET dir /etc/cron.d`, `pidfile /etc/sudoers.d/x`),
 * and permissions.sh runs as root: handing such a directory to the server's user (chown, `ReadWritePaths=`, a logrotate
 * rule that creates the file as that user) would give it another user's or program's files (QA41-55). The server's own
 * places: its data `dir` when that is no system, home or other program's location (under /var, /opt or /srv it names
 * Redis or Valkey); a directory in that data dir; a directory under /var/log, /var/lib, /run or /var/run that names
 * Redis or Valkey (/var/log/redis, /run/redis-6380); a directory the server's user owns already on this machine. A
 * hidden directory (.ssh, .config), a home and a system tree never are. Shared directories are {@link sharedDirectory}'s.
 */
export function placeProblem(path: string, role: 'data' | 'other', input: HostInputs): string | undefined {
  const p = normalDir(path);
  if (!p.startsWith('/')) return undefined;
  if (/\/\./.test(p)) return "a hidden directory (a user's .ssh, .config …)";
  if (HOME_TREES.some((root) => under(p, root))) return 'in a home directory';
  if (systemDirectory(p) || SYSTEM_TREES.some((root) => under(p, root))) return 'a system location';
  if (input.ownedByUser?.has(p)) return undefined;
  if (role === 'data') {
    const root = ['/var', '/opt', '/srv'].find((r) => under(p, r));
    return root !== undefined && !PRODUCT_WORD.test(p.slice(root.length)) ? `another program's directory (under ${root}, and named for neither Redis nor Valkey)` : undefined;
  }
  const data = input.result.dataDir;
  if (data?.startsWith('/') && under(p, normalDir(data)) && !sharedDirectory(data) && placeProblem(data, 'data', input) === undefined) return undefined;
  if (['/var/log', '/var/lib', '/run', '/var/run'].some((root) => p.startsWith(`${root}/`) && PRODUCT_WORD.test(p.slice(root.length)))) return undefined;
  return 'not a place of the server\'s own (a directory named for Redis or Valkey under /var/log, /var/lib or /run, its data `dir`, or one its user owns)';
}

/** The data `dir` permissions.sh hands to the server's user: absolute, not shared, the server's own place. */
function handedDataDir(input: HostInputs): string | undefined {
  const dir = input.result.dataDir;
  return dir?.startsWith('/') && !sharedDirectory(dir) && placeProblem(dir, 'data', input) === undefined ? dir : undefined;
}

/**
 * Whether permissions.sh hands the log file to the server's user (and host/ rotates it): its directory is the
 * server's own place, or it is a file of /var/log named for Redis or Valkey (/var/log/redis_6379.log); never a hidden
 * file (.bashrc, .env).
 */
export function logHanded(input: HostInputs): boolean {
  const log = input.result.logfile;
  if (!log?.startsWith('/')) return false;
  const file = posix.normalize(log);
  const name = posix.basename(file);
  if (name.startsWith('.') || name === '' || name === '..') return false;
  const dir = normalDir(posix.dirname(file));
  if (dir === '/var/log') return PRODUCT_WORD.test(name);
  return !sharedDirectory(dir) && placeProblem(dir, 'other', input) === undefined;
}

/** PLAN.md lines for the directories a config or the server names that are not the server's own: left alone, and why. */
export function foreignPlaceNotes(input: HostInputs): string[] {
  const user = serviceNames(input.product).user;
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const [unit, roles] of writableRoles(input)) {
    for (const role of roles) {
      if (role.named === undefined || sharedDirectory(role.path)) continue;
      const why = placeProblem(role.path, role.named, input);
      const path = normalDir(role.path);
      if (why === undefined || seen.has(`${role.what} ${path}`)) continue;
      seen.add(`${role.what} ${path}`);
      const log = role.what === 'the log directory';
      notes.push(`**Not the server's own place, left alone:** ${role.what} is ${codeSpan(path)}, ${why}: host/permissions.sh does not change its owner or mode${log ? ' (nor the log file\'s), host/ has no logrotate rule for it' : role.named === 'data' ? ' nor its files\'' : ''} and ${unit}'s drop-in does not list it in \`ReadWritePaths=\`, so under \`ProtectSystem=strict\` ${role.fails}. A config or a server that names another user's or program's directory is how a takeover starts (a pull request's line, \`CONFIG SET dir\`): check who set it. Give the server a place of its own (\`/var/lib/${user}\`, \`/var/log/${user}\`, \`/run/${user}\`) and harden again; if this one is the server's, give it to \`${user}\` by hand and harden again.`);
    }
  }
  return notes;
}

/** The directories permissions.sh sets, each once (the first role's owner and mode), and the shared ones it leaves. */
function directoryRoles(input: HostInputs): { set: { kind: FileKind; path: string }[]; left: { what: string; path: string }[]; foreign: { what: string; path: string; why: string }[] } {
  const { result } = input;
  const roles: { kind: FileKind; what: string; path: string; named?: 'data' | 'other' }[] = [
    ...(input.confPath ? [{ kind: 'config-dir' as const, what: 'the config directory', path: dirname(input.confPath) }] : []),
    ...(result.dataDir?.startsWith('/') ? [{ kind: 'data-dir' as const, what: 'the data `dir`', path: result.dataDir, named: 'data' as const }] : []),
    ...(result.logfile?.startsWith('/') ? [{ kind: 'log-dir' as const, what: 'the log directory', path: dirname(result.logfile), named: 'other' as const }] : []),
  ];
  const set: { kind: FileKind; path: string }[] = [];
  const left: { what: string; path: string }[] = [];
  const foreign: { what: string; path: string; why: string }[] = [];
  const seen = new Set<string>();
  for (const role of roles) {
    const path = posix.normalize(role.path);
    if (sharedDirectory(path)) {
      left.push({ what: role.what, path });
      continue;
    }
    // A directory only a config or the server names is handed to the server's user only when it is its own place.
    const why = role.named === undefined ? undefined : placeProblem(path, role.named, input);
    if (why !== undefined) {
      foreign.push({ what: role.what, path, why });
      continue;
    }
    // A directory of two roles (config and log in one) gets one owner and mode, the first role's: not set twice.
    if (seen.has(path)) continue;
    seen.add(path);
    set.push({ kind: role.kind, path: role.path });
  }
  return { set, left, foreign };
}

/** PLAN.md lines for the shared directories permissions.sh leaves alone. */
export function sharedDirectoryNotes(input: HostInputs): string[] {
  return directoryRoles(input).left.map(
    (d) => `**permissions:** ${d.what} is ${codeSpan(d.path)}, a system directory other services share: host/permissions.sh leaves its owner and mode alone. Give the server a directory of its own (\`/var/lib/${serviceNames(input.product).user}\`, \`/var/log/${serviceNames(input.product).user}\`, \`/etc/${input.product ?? 'redis'}\`) to have it set.`,
  );
}

/**
 * Debian's redis-server package rotates `/var/log/redis/redis-server*.log` in /etc/logrotate.d/redis-server (7.0.15
 * here): the default instance's log and every instance's (`redis-server-<name>.log`).
 */
/** The logs each product's Debian package rotates (/etc/logrotate.d/redis-server, /etc/logrotate.d/valkey-server). */
const DEBIAN_LOGS = {
  redis: { dir: '/var/log/redis/', prefix: 'redis-server', glob: '/var/log/redis/redis-server*.log' },
  valkey: { dir: '/var/log/valkey/', prefix: 'valkey-server', glob: '/var/log/valkey/valkey-server*.log' },
} as const;

/**
 * The logrotate file for the server's log: `logrotate.d/<server>` only for the package's default instance
 * (/etc/redis/redis.conf, or a live server's settings with no file), which replaces the package's own rule, and then
 * for the package's whole pattern when the log is one of it, so that the other instances keep their rotation; else one
 * of its own, named for the Debian instance (`redis-server-cache` for redis-cache.conf) or the port
 * (`redis-server-6380`). A log the package's rule already rotates gets none for another instance: logrotate refuses a
 * file two rules name ("duplicate log entry"). `file` undefined: no rule (no log file, or the package's).
 */
export function logrotateRule(input: HostInputs): { file?: string; path?: string; packageRotates?: boolean } {
  const { result } = input;
  if (!result.logfile?.startsWith('/') || !logHanded(input)) return {};
  const product = input.product ?? 'redis';
  const names = serviceNames(product);
  const conf = input.confPath ? posix.normalize(input.confPath) : undefined;
  const unit = conf ? unitOf('server', conf, product) : names.server;
  const defaultInstance = conf === undefined || conf === `/etc/${product}/${product}.conf`;
  const log = posix.normalize(result.logfile);
  const rotated = DEBIAN_LOGS[product];
  const packageLog = log.startsWith(rotated.dir) && log.slice(rotated.dir.length).startsWith(rotated.prefix) && log.endsWith('.log') && !log.slice(rotated.dir.length).includes('/');
  if (defaultInstance) return { file: names.server, path: packageLog ? `"${rotated.glob}"` : logrotatePath(result.logfile) };
  if (packageLog) return { packageRotates: true };
  const own = unit.includes('@') ? unit.slice(unit.indexOf('@') + 1) : result.port !== undefined ? String(result.port) : posix.basename(conf!).replace(/\.conf$/, '');
  return { file: `${names.server}-${own.replace(/[^A-Za-z0-9_-]/g, '_')}`, path: logrotatePath(result.logfile) };
}

/**
 * PLAN.md's line per drop-in that replaces ExecStart= (a secret on the command line): which executable it starts and
 * how harden knows it; to be checked unless it is the running server's or its unit's own.
 */
export function executableNotes(input: HostInputs): string[] {
  const names = serviceNames(input.product);
  const notes: string[] = [];
  const each: [string | undefined, 'redis.conf' | 'sentinel.conf', 'server' | 'sentinel', string][] = [
    [input.confPath, 'redis.conf', 'server', names.server],
    [input.sentinelPath, 'sentinel.conf', 'sentinel', names.sentinel],
  ];
  for (const [conf, file, kind, binary] of each) {
    if (conf === undefined) continue;
    const exe = input.executables?.[kind];
    // Whatever the drop-in starts: a running program another user can change, or where no service's program
    // belongs, is the server's problem (QA41-57); so is a server of another machine that says it runs from there.
    const who = kind === 'sentinel' ? 'the sentinel' : 'the server';
    if (exe?.refused) {
      const r = exe.refused;
      notes.push(`**${r.changeable ? `Treat ${who} as compromised` : `Check the program ${who} runs`}:** ${who} runs ${codeSpan(r.path)} (${r.from}), which ${r.why}: no service's program belongs there, and ${unitOf(kind, conf, input.product)}'s drop-in does not start it.${r.changeable ? ' Another user could have replaced it with anything, which runs as the service with its passwords: find out who put it there and what it is, reinstall the server from its package, and rotate every password it had.' : ` If you did not put it there yourself, treat ${who} as compromised; either way install the server where only root can change it (the package's /usr/bin, /usr/local/bin) and run it from there.`}`);
    }
    const secretOnCommandLine = input.result.secretArgs.some((a) => a.file === file);
    const unit = `${unitOf(kind, conf, input.product)}.service`;
    const path = exe?.path ?? `/usr/bin/${binary}`;
    const reported = exe?.reported;
    let reportedNote: string | undefined;
    if (reported && (secretOnCommandLine || reported.suspect !== undefined)) {
      const then = secretOnCommandLine ? ` If its host does run the server from another path than ${codeSpan(path)}, check that program (owned by root, writable by nobody else, outside /tmp, the homes and the data directory) before you put its path in ${unit}'s drop-in's ExecStart=.` : '';
      reportedNote = `**${who === 'the server' ? 'The server' : 'The sentinel'} says it runs ${codeSpan(reported.path)}** (INFO's executable: its own word, which harden never starts)${reported.suspect !== undefined ? `: that path ${reported.suspect}, where no service's program belongs. Treat ${who} as compromised until you know how it came to run from there.` : '.'}${then}`;
    }
    if (!secretOnCommandLine) {
      if (reportedNote) notes.push(reportedNote);
      continue;
    }
    if (exe?.how === 'running') notes.push(`**ExecStart:** ${unit}'s drop-in starts ${codeSpan(path)}, the executable the running server was started as (${exe.from}).`);
    else if (exe?.how === 'unit') notes.push(`**ExecStart:** ${unit}'s drop-in starts ${codeSpan(path)}, as the unit's own ExecStart= does (${exe.from}).`);
    else if (exe?.how === 'trial') notes.push(`**Check ExecStart before installing ${unit}'s drop-in:** it starts ${codeSpan(path)}, the ${exe.from}. Make sure the server's host runs this one: a drop-in that starts another executable restarts the server as another version, or fails (203/EXEC).`);
    else notes.push(`**Check ExecStart before installing ${unit}'s drop-in:** it starts ${codeSpan(path)}, the package's path: harden could not tell which executable runs this server (${exe?.from ?? 'not looked for'}). A server installed elsewhere (/usr/local/bin, a build of its own) would not start (203/EXEC), or another version would: put its path there.`);
    if (reportedNote) notes.push(reportedNote);
  }
  return notes;
}

/** PLAN.md's line when the package's own rule rotates the log (no logrotate file of harden's). */
export function logrotateNotes(input: HostInputs): string[] {
  const rule = logrotateRule(input);
  if (!rule.packageRotates) return [];
  const server = serviceNames(input.product ?? 'redis').server;
  return [`**logrotate:** the log ${codeSpan(input.result.logfile!)} is rotated by the ${server} package's own rule (/etc/logrotate.d/${server}: \`${DEBIAN_LOGS[input.product ?? 'redis'].glob}\`), so host/ has no logrotate file for it: logrotate refuses a log that two rules name.`];
}

/**
 * permissions.sh's start: no chown or chmod of it goes through a symbolic link (chown -h; coreutils' chmod has no -h
 * before 9.5, so a path is checked, and its directory is root's meanwhile: see hostFiles). A path not there is said
 * and skipped: the log before the server's first start, a TLS file installed elsewhere.
 */
const PERMISSIONS_HEAD = `# The file modes the host rules expect (docs/harden.md, "ownership model"). Run as root after installing the files.
# No chown or chmod here goes through a symbolic link: the server's user owns its directories, and could put a link
# in one to have root give it another file (/etc/shadow). Each directory is root's alone (0700) while its files are
# set, and is handed back at the end, also when a step fails.
set -eu
# set_ OWNER MODE PATH: a file or directory of its own; a symbolic link is left alone.
set_() {
  if [ -L "$3" ]; then echo "permissions.sh: $3 is a symbolic link: left alone" >&2
  elif [ -e "$3" ]; then chown -h "$1" "$3"; chmod "$2" "$3"
  else echo "permissions.sh: $3 is not there: skipped" >&2; fi
}
take() { set_ root:root 0700 "$1"; }
`;

/** The files of `host/`, by name relative to it. Throws {@link HostPathError} for a path they cannot name safely. */
export function hostFiles(input: HostInputs, header: string): Map<string, { content: string; mode?: number }> {
  checkHostPaths(input);
  const { result } = input;
  const names = serviceNames(input.product);
  const owned = (kind: FileKind, path: string): string => ownershipCommand(kind, path, { user: names.user });
  const files = new Map<string, { content: string; mode?: number }>();
  const perms: string[] = [];
  const dirs = directoryRoles(input);
  for (const d of dirs.left) perms.push(`# ${shellQuote(d.path)} (${d.what.replace(/`/g, '')}): a system directory other services share, left alone (PLAN.md)`);
  for (const d of dirs.foreign) perms.push(`# ${shellQuote(d.path)} (${d.what.replace(/`/g, '')}): not the server's own place (${d.why.replace(/`/g, '')}), left alone (PLAN.md)`);
  // The server's user owns its directories: each is root's alone while the files in it are set (take), and handed
  // back at the end, also when a step fails (give, the EXIT trap), so that no link can be put there in between.
  const dataDir = handedDataDir(input);
  const give = dirs.set.map((d) => owned(d.kind, d.path));
  // The server's own directory in its data dir (Redis 7's appendonlydir, by its appenddirname) is taken too, and given
  // to the server as the data dir; any other directory there (backups, another program's) is not the server's, and is
  // left as it is (QA40-22: it became redis:redis 0750).
  const names_ = result.dataNames;
  const plainName = (name: string | undefined): name is string => name !== undefined && name !== '' && !name.includes('/') && name !== '.' && name !== '..';
  const appendDir = dataDir && plainName(names_?.appenddirname ?? 'appendonlydir') ? posix.join(dataDir, names_?.appenddirname ?? 'appendonlydir') : undefined;
  const ifThere = (path: string, command: string): string => `[ ! -e ${shellQuote(path)} ] || ${command}`;
  if (appendDir) give.unshift(ifThere(appendDir, owned('data-dir', appendDir)));
  perms.push(`give() {\n${give.map((l) => `  ${l}\n`).join('')}  :\n}`, 'trap give EXIT');
  for (const d of dirs.set) {
    // The directory of a log file harden added: the host may not have it (the input logged nowhere), and the server
    // does not start without it. Made here, root's until give() hands it over; a link in its place is left alone.
    if (d.kind === 'log-dir' && result.logfileAdded) perms.push(`[ -e ${shellQuote(d.path)} ] || [ -L ${shellQuote(d.path)} ] || mkdir -p ${shellQuote(d.path)}`);
    perms.push(`take ${shellQuote(d.path)}`);
  }
  if (appendDir) perms.push(ifThere(appendDir, `take ${shellQuote(appendDir)}`));
  if (dataDir) perms.push(`# other directories in ${shellQuote(dataDir)} are not the server's: left as they are`);
  if (input.confPath) {
    perms.push(owned('config', input.confPath));
    if (result.aclPath) perms.push(owned('acl', result.aclPath));
  }
  if (input.sentinelPath) {
    perms.push(owned('sentinel-config', input.sentinelPath));
    if (result.sentinelAclPath) perms.push(owned('acl', result.sentinelAclPath));
  }
  // Only the server's own files under a shared directory: `find / -maxdepth 2` would chmod any *.rdb of the host.
  // Its data files are the service user's (QA40-21: a server that ran as root left a root:root dump.rdb and nodes.conf,
  // which the server, restarted as the service user, cannot load: it does not start). Regular files only (find -type f
  // takes no link), in directories that are root's meanwhile.
  if (dataDir) {
    const dataFile = `-exec chown -h ${names.user}:${names.user} {} + -exec chmod 0640 {} +`;
    // A cluster-config-file is relative to `dir` (the server works there), or a path in it.
    const nodes = names_?.clusterConfigFile;
    const nodesName = nodes !== undefined && nodes.startsWith('/') && posix.dirname(posix.normalize(nodes)) === posix.normalize(dataDir) ? posix.basename(nodes) : nodes;
    if (nodesName !== undefined && !plainName(nodesName)) perms.push(`# the cluster-config-file ${JSON.stringify(nodesName).replace(/[\u0080-\uffff]/g, "?")} is not in ${JSON.stringify(dataDir)}: give it to ${names.user}:${names.user} 0640 by hand`);
    const literal = (name: string): string => `'${name.replace(/[*?[\]\\]/g, '\\$&').replace(/'/g, `'\\''`)}'`;
    const patterns = ["'*.rdb'", "'*.aof'", "'*.manifest'", ...new Set([names_?.dbfilename, nodesName].filter(plainName).map(literal))];
    const match = `\\( ${[...new Set(patterns)].map((p) => `-name ${p}`).join(' -o ')} \\)`;
    perms.push(`find ${shellQuote(dataDir)} -mindepth 1 -maxdepth 1 -type f ${match} ${dataFile}`);
    if (appendDir) perms.push(ifThere(appendDir, `find ${shellQuote(appendDir)} -mindepth 1 -maxdepth 1 -type f ${match} ${dataFile}`));
  }
  if (result.logfile && logHanded(input)) perms.push(owned('log', result.logfile));
  if (input.tls && input.tlsFrom === 'server') {
    perms.push(`# ${[input.tls.key, input.tls.cert, input.tls.ca].map(shellQuote).join(', ')}: the live server's TLS files (CONFIG GET), left alone: check their owner and mode by hand (PLAN.md)`);
  } else if (input.tls) perms.push(owned('tls-key', input.tls.key), owned('tls-cert', input.tls.cert), owned('tls-cert', input.tls.ca));
  // The env files the drop-ins read (systemd reads them as root, before it drops privileges): never the service's.
  const envFiles = unitEnvFiles(input);
  for (const env of envFiles) perms.push(`set_ root:root 0600 ${shellQuote(env.path)}`);
  files.set('permissions.sh', {
    content: `#!/bin/sh\n${header}${PERMISSIONS_HEAD}${perms.join('\n')}\n`,
    mode: 0o755,
  });
  const rotation = logrotateRule(input);
  if (rotation.file !== undefined) {
    // Redis opens its log file for every line it writes, so a plain rotation works: no copytruncate, no signal.
    files.set(`logrotate.d/${rotation.file}`, {
      content: `${header}${rotation.path} {\n    weekly\n    rotate 12\n    compress\n    delaycompress\n    missingok\n    notifempty\n    create 0640 ${names.user} adm\n}\n`,
    });
  }
  const exceptions = sandboxExceptions(input);
  const dropIn = (unit: string, binary: string, exe: Executable | undefined, conf: string, args: readonly SecretArg[], writable: readonly Writable[]): string => {
    const leftOut = new Set((exceptions.get(unit) ?? []).map((e) => e.option));
    const lines = [
      header.trimEnd(),
      '[Service]',
      `User=${names.user}`,
      `Group=${names.user}`,
      'UMask=0027',
      'NoNewPrivileges=yes',
      ...HIDING.filter((h) => !leftOut.has(h.option)).map((h) => `${h.option}=yes`),
      'ProtectSystem=strict',
      // An empty `ReadWritePaths=` would reset the unit's own list: the line is left out when nothing is listed.
      ...(writable.length > 0 ? [`ReadWritePaths=${readWritePaths(writable)}`] : []),
      'CapabilityBoundingSet=',
      'AmbientCapabilities=',
    ];
    if (args.length > 0) {
      // The secrets come from the unit's own env file (unitEnvFiles: only those it passes), never from a config file;
      // the server overwrites its process title at start, so they do not stay visible in ps.
      // EnvironmentFile= takes its whole value as the path, specifiers resolved.
      // The server's own executable (executableOf): the package's path started another version, or nothing, for a
      // server built or installed elsewhere. Debian's units allow only their own to run (NoExecPaths=/, ExecPaths=
      // /usr/bin/redis-server …): another is added to ExecPaths= (a list: the drop-in's entry adds to the unit's).
      const program = exe?.path ?? `/usr/bin/${binary}`;
      if (program !== `/usr/bin/${binary}`) lines.push(`ExecPaths=${readWritePaths([{ path: program }])}`);
      const env = envFiles.find((e) => e.unit === unit)!;
      lines.push(`EnvironmentFile=${env.path.replace(/%/g, '%%')}`, 'ExecStart=', `ExecStart=${execWord(program)} ${execWord(conf)} --supervised systemd --daemonize no ${args.map(secretOption).join(' ')}`);
    }
    return `${lines.join('\n')}\n`;
  };
  // Only directories the server owns alone: a shared one (/tmp, /var/lib, /var/log, /run, /etc …) would open all of it
  // to the service (PLAN.md says what the server cannot write then: readWritePathNotes).
  const roles = writableRoles(input);
  const ownOnly = (unit: string): Writable[] => (roles.get(unit) ?? []).filter((r) => !sharedDirectory(r.path) && (r.named === undefined || placeProblem(r.path, r.named, input) === undefined)).map((r) => ({ path: r.path, ...(r.optional ? { optional: true } : {}) }));
  if (input.confPath) {
    const unit = unitOf('server', input.confPath, input.product);
    files.set(`systemd/${unit}.service.d/redfort.conf`, { content: dropIn(unit, names.server, input.executables?.server, input.confPath, result.secretArgs.filter((a) => a.file === 'redis.conf'), ownOnly(unit)) });
  }
  if (input.sentinelPath) {
    const unit = unitOf('sentinel', input.sentinelPath, input.product);
    files.set(`systemd/${unit}.service.d/redfort.conf`, { content: dropIn(unit, names.sentinel, input.executables?.sentinel, input.sentinelPath, result.secretArgs.filter((a) => a.file === 'sentinel.conf'), ownOnly(unit)) });
  }
  return files;
}

export interface PlanInputs {
  readonly result: HardenResult;
  readonly provenance: Provenance;
  readonly versionLabel: string;
  readonly outcomes: readonly RuleOutcome[];
  readonly trial: TrialOutcome;
  readonly credentials: readonly Secret[];
  readonly files: readonly string[];
  /** The operators' user this run makes (`--user-prefix` then `admin`). */
  readonly admin: string;
  /** The units a drop-in is written for whose ExecStart= runs another config file (see unitRunsOther): not restarted. */
  readonly unitsElsewhere?: readonly string[];
  /** The env files the drop-ins read ({@link unitEnvFiles}), written as `host/<unit>.env`. */
  readonly envFiles?: readonly UnitEnvFile[];
  /** Where the server's and the sentinel's config files are on the host: the files redis.conf and sentinel.conf replace. */
  readonly deployed?: { readonly conf?: string; readonly sentinel?: string };
}

/**
 * A table cell of PLAN.md: its pipes escaped, but not those {@link markdownText} escaped already (`\|`: a second
 * backslash would escape the backslash, and the pipe would end the cell).
 */
function tableCell(text: string): string {
  return text.replace(/(?<!\\)((?:\\\\)*)\|/g, '$1\\|');
}

/** PLAN.md: what changed per rule and why, what needs a restart, what redfort could not do. Never a password. */
export function planMarkdown(p: PlanInputs): string {
  const r = p.result;
  const out: string[] = ['# Hardening plan', '', ...provenanceLines(p.provenance).map((l) => `- ${markdownText(l)}`), `- target version: ${p.versionLabel}`, ''];
  out.push('## Validation', '', `- Trial start: **${p.trial.status}**: ${markdownText(p.trial.detail)}`);
  const claimed = p.outcomes.filter((o) => o.claimed);
  const left = claimed.filter((o) => o.after === 'fail');
  const unjudged = claimed.filter((o) => o.after !== 'pass' && o.after !== 'fail');
  out.push(`- Static re-audit of the generated files: ${claimed.length - left.length - unjudged.length} of ${claimed.length} rules redfort fixes pass${left.length ? `; **still failing: ${left.map(outcomeLabel).join(', ')}**` : ''}${unjudged.length ? `; not judged on the files: ${unjudged.map((o) => `${outcomeLabel(o)} (${o.after}: ${markdownText(o.messages?.[0] ?? 'not judged')})`).join(', ')}` : ''}.`, '');
  out.push('## What changed', '', '| rule | change | restart |', '|---|---|---|');
  for (const item of r.items) out.push(`| ${item.rule} | ${tableCell(item.what)} | ${item.restart ? 'yes' : 'no (CONFIG SET / ACL LOAD)'} |`);
  if (r.items.length === 0) out.push('| | nothing: the input already has every setting of this profile | |');
  out.push('');
  if (r.notes.length > 0) out.push('## Read this before you deploy', '', ...r.notes.map((n) => `- ${n}`), '');
  out.push('## Credentials', '');
  // The secrets the drop-in passes whose users' passwords this credentials.env does not hold (users kept from the input).
  const lacking = [...new Set(r.secretArgs.map((a) => a.user))].filter((u) => !p.credentials.some((c) => c.user === u));
  const reused = r.reused ?? [];
  const envFiles = p.envFiles ?? [];
  const variables = (users: readonly string[]): string => users.map((u) => `\`${secretVariable(u)}\``).join(', ');
  // Which env file holds which of the drop-ins' secrets: each file only its unit's (QA40-20).
  const envShown = envFiles.map((e) => `\`${e.file}\` (${variables(e.users)})`).join(' and ');
  if (p.credentials.length === 0) out.push('No new credential: every generated user already exists. Keep the credentials.env of the run that created them.');
  else out.push(`credentials.env (mode 0600) holds one \`${SECRET_PREFIX}<user>\` line for: ${p.credentials.map((c) => (secretVariable(c.user) === `${SECRET_PREFIX}${c.user}` ? codeSpan(c.user) : `${codeSpan(c.user)} (\`${secretVariable(c.user)}\`: each character but a letter, a digit or _ becomes _; \`REDFORT_USER_…\` names the user)`)).join(', ')}; \`set -a; . credentials.env\` reads them. The ACL files hold only their SHA-256. It is the operators' copy: move it to a vault, not to the host (no service reads it). ${envFiles.length ? `Each systemd drop-in reads only the secrets it passes on the command line, from an env file of its own: ${envShown}, installed where "Deploy" says (mode 0600), so that no generated config file holds them (${r.secretArgs.map((a) => `\`${a.key.join(' ')}\``).join(', ')}) and no service's environment (/proc/PID/environ) holds another password` : 'No systemd drop-in passes a secret on the command line (none here): no service gets a password in its environment'}${r.secretArgs.some((a) => a.file === 'sentinel.conf') ? "; Sentinel writes its own into sentinel.conf once it runs (see \"Sentinel's passwords\" above)" : ''}${r.notes.some((n) => n.startsWith('**A failover writes masterauth')) ? '; and the first failover writes masterauth into redis.conf (see "A failover writes masterauth into redis.conf" above)' : ''}.${reused.length ? ` Reused from the --secrets file, not new: ${reused.map((u) => codeSpan(u)).join(', ')}.` : ''}`);
  // The env files that lack a password their drop-in passes: the operator adds the line from that run's credentials.env.
  const envLacking = envFiles.filter((e) => e.users.some((u) => lacking.includes(u)));
  const addTo = envLacking.length ? ` and to ${envLacking.map((e) => `\`${e.file}\``).join(' and ')} (the file${envLacking.length === 1 ? ' its drop-in reads' : 's their drop-ins read'})` : '';
  if (p.credentials.length > 0 && lacking.length > 0) out.push('', `**It lacks ${lacking.map((u) => `\`${secretVariable(u)}\``).join(', ')}**, which the drop-in passes on the command line: ${lacking.length === 1 ? 'that user exists' : 'those users exist'} already, with the password of the run that made ${lacking.length === 1 ? 'it' : 'them'}, which harden was not given. Keep the credentials.env of that run and add its ${lacking.length === 1 ? 'line' : 'lines'} to this one${addTo} (or harden again with \`--secrets\` naming it), or the server starts without ${lacking.length === 1 ? 'it' : 'them'}.`);
  else if (lacking.length > 0) out.push('', `**${envLacking.map((e) => `\`${e.file}\``).join(' and ') || 'The env file'} ${envLacking.length > 1 ? 'lack' : 'lacks'} ${lacking.map((u) => `\`${secretVariable(u)}\``).join(', ')}**, which the drop-in passes on the command line: add ${lacking.length === 1 ? 'its line' : 'their lines'} from that run's credentials.env (or harden again with \`--secrets\` naming it), or the server starts without ${lacking.length === 1 ? 'it' : 'them'}.`);
  out.push('');
  if (r.rotate.length > 0) out.push('## Clear-text passwords found in the inputs: rotate them', '', 'They are no longer in the generated files, but they were readable where they were:', '', ...r.rotate.map((x) => `- ${x}`), '');
  out.push('## Deploy', '');
  // The files this run wrote: a sentinel.conf alone has no redis.conf and no users.acl to review or install.
  const diffs = ['redis.conf.diff', 'sentinel.conf.diff'].filter((f) => p.files.includes(f));
  out.push(`1. Review ${diffs.length ? diffs.map((f) => `\`${f}\``).join(' and ') : 'the generated files'}.`);
  const sentinelAcl = p.files.includes('sentinel-users.acl') ? `${p.files.includes('users.acl') ? ' and' : ','} \`sentinel-users.acl\` at the sentinel's \`aclfile\` path${r.sentinelAclPath ? ` (${codeSpan(r.sentinelAclPath)})` : ''}` : '';
  // Each env file where its drop-in's EnvironmentFile= reads it, root's from the start (install -m): the unit does not
  // start without it (an EnvironmentFile= without `-` must exist).
  const envInstall = envFiles.length ? `; install ${envFiles.map((e) => `\`${e.file}\` as \`${e.path}\` (\`install -o root -g root -m 0600 ${shellQuote(e.file)} ${shellQuote(e.path)}\`: the file ${e.unit}.service's drop-in reads with \`EnvironmentFile=\`, ${variables(e.users)} and nothing else)`).join(', and ')}. credentials.env stays off the host (an earlier run's drop-in read it beside the config: remove that copy once these are installed)` : '';
  // Which file each generated config replaces: they are named redis.conf and sentinel.conf whatever the input's name
  // (valkey.conf, redis-6380.conf), and one copied beside the original left the server on it (QA42-55).
  const over = ([['redis.conf', p.deployed?.conf], ['sentinel.conf', p.deployed?.sentinel]] as const).filter(([f, at]) => at !== undefined && p.files.includes(f)).map(([f, at]) => `\`${f}\` as ${codeSpan(at!)}`);
  out.push(`2. Install the files over the originals (keep a copy)${over.length ? `: ${over.join(', ')}` : ''}${p.files.includes('users.acl') ? `, \`users.acl\` at the \`aclfile\` path${r.aclPath ? ` (${codeSpan(r.aclPath)})` : ''}` : ''}${sentinelAcl}${envInstall}.`);
  // The units the drop-ins are for (`redis-server`, `redis-server@cache` for /etc/redis/redis-cache.conf): named in the commands.
  const units = p.files.map((f) => /^host\/systemd\/(.+)\.service\.d\/redfort\.conf$/.exec(f)?.[1]).filter((u): u is string => u !== undefined);
  const dropIns = units.map((u) => `\`host/systemd/${u}.service.d/redfort.conf\` as /etc/systemd/system/${u}.service.d/redfort.conf`).join(' and ');
  // Only the logrotate file this run wrote: none when the log is standard output, syslog, or the package's rule's.
  const rotations = p.files.filter((f) => f.startsWith('host/logrotate.d/'));
  const rotation = rotations.length ? `; install ${rotations.map((f) => `\`${f}\``).join(' and ')} in /etc/logrotate.d` : '';
  out.push(`3. Run \`sh host/permissions.sh\` as root${r.dataDir ? `, with the server stopped, before its restart (it gives the server's data files, RDB, AOF${r.dataNames?.clusterConfigFile ? ` and ${r.dataNames.clusterConfigFile}` : ''}, to the user the drop-in runs it as: left root's from a server that ran as root, they stop it from starting)` : ''}; install ${dropIns ? `${dropIns} (the drop-in of ${units.map((u) => `\`${u}.service\``).join(' and ')}), then \`systemctl daemon-reload\`` : '`host/systemd/*` as drop-ins (`systemctl daemon-reload`)'}${rotation}.`);
  // Redis 5 has no users: the audit logs in with the one password, the `default` user's.
  const passwordOnly = r.secretArgs.some((a) => a.file === 'redis.conf' && a.key[0] === 'requirepass');
  // The auditor reads what an audit reads (INFO, CONFIG GET, ACL LIST); the admin could not, were it an input's user
  // that lost them with -@dangerous.
  const auditor = r.auditUser ?? p.admin;
  const audit = passwordOnly ? `REDISCLI_AUTH=<${secretVariable('default')}> redfort audit redis://host:port` : `REDISCLI_AUTH=<${secretVariable(auditor)}> redfort audit redis://${auditor}@host:port`;
  // A unit that runs another config file would restart that other server: never named as this one's restart (QA40-23).
  const elsewhere = units.filter((u) => p.unitsElsewhere?.includes(u));
  const restarted = units.filter((u) => !elsewhere.includes(u));
  const restart = (restarted.length ? ` with ${restarted.map((u) => `\`systemctl restart ${u}.service\``).join(' and ')}` : '')
    + (elsewhere.length ? ` (not with ${elsewhere.map((u) => `\`systemctl restart ${u}.service\``).join(' or ')}, which runs another config file: see "What redfort could not do for you")` : '');
  out.push(`4. Restart the server${restart} (${r.items.some((i) => i.restart) ? 'some changes need it, see "restart" above' : 'or `ACL LOAD` and `CONFIG SET` the values'}), then audit it: \`${audit}\`.`);
  out.push('');
  if (r.manual.length > 0 || left.length > 0) {
    out.push('## What redfort could not do for you', '', ...r.manual.map((m) => `- ${m}`));
    for (const o of left) for (const m of o.messages ?? ['still fails']) out.push(`- ${outcomeLabel(o)}: ${markdownText(m)}`);
    out.push('');
  }
  if (r.kept.length > 0) out.push('## Kept as you had it', '', ...r.kept.map((k) => `- ${k}`), '');
  out.push('## Before and after (static audit)', '', '| rule | before | after | fixed by harden |', '|---|---|---|---|');
  for (const o of p.outcomes) out.push(`| ${outcomeLabel(o)} | ${o.before} | ${o.after} | ${o.claimed ? 'yes' : ''} |`);
  out.push('', `Files: ${p.files.map((f) => `\`${f}\``).join(', ')}.`, '');
  return out.join('\n');
}
