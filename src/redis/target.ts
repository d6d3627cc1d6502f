import * as net from 'node:net';
import { addressOf, socketAddress } from '../net/address.ts';
import { clipped } from '../util/shown.ts';

/** Connection flags named after redis-cli's (`-h -p --user --pass/-a --tls --cacert ... -n`). */
export interface TargetFlags {
  host?: string;
  port?: number;
  user?: string;
  pass?: string;
  tls?: boolean;
  cacert?: string;
  cacertdir?: string;
  cert?: string;
  key?: string;
  sni?: string;
  insecure?: boolean;
  db?: number;
  /** A unix socket's path (redis-cli -s): the target is the server listening there, not a TCP address. */
  socket?: string;
}

/** The TLS options of a target as a settings file, an inventory or an exporter module writes them (redis-cli's names). */
export type TlsFlagSettings = Readonly<Pick<TargetFlags, 'tls' | 'cacert' | 'cacertdir' | 'cert' | 'key' | 'sni' | 'insecure'>>;

/** TLS settings of a target: file paths only; `tlsOptions` (gather/live/tls-options.ts) reads them. */
export interface TlsSettings {
  readonly caFile?: string;
  readonly caDir?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly servername?: string;
  readonly insecure: boolean;
  /**
   * Where a file setting came from when it is no command-line flag: the inventory's key and its `file:line`, for the
   * messages about the file (else they name the flag, `--cacert`).
   */
  readonly from?: TlsFrom;
}

/** The file settings of {@link TlsSettings}. */
export type TlsFileField = 'caFile' | 'caDir' | 'certFile' | 'keyFile';

/** For each file setting given by a file (an inventory), its key there (`cacert`) and where (`inventory.yaml:7`). */
export type TlsFrom = Readonly<Partial<Record<TlsFileField, { readonly key: string; readonly at: string }>>>;

/**
 * One server to audit. The password is deliberately not a property: read it with
 * {@link targetPassword}, so that serialising or logging a target can never leak it.
 */
export interface Target {
  /** `redis://user@host:port[/db]` or `rediss://...`, never with the password; IPv6 in brackets. */
  readonly display: string;
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username: string | undefined;
  readonly tls: TlsSettings | undefined;
  readonly hasPassword: boolean;
  /**
   * The unix socket to connect to (`unix:///path`, `-s PATH`, or the socket `--local` found the server's process
   * listening on): then `host` is `localhost` and `port` 0, and whatever needs TCP (the network probes) is skipped.
   */
  readonly socket?: string;
  /**
   * Why this target was given none of the run's credentials although the run has some: a node that discovery found
   * outside `--trust-discovered` (QA44-54). Its audit is that of a client without credentials, and says this.
   */
  readonly withheld?: string;
}

/** A target that cannot be understood; the message names it without its password. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
}

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 6379;
const SCHEMES: ReadonlyMap<string, boolean> = new Map([
  ['redis', false],
  ['rediss', true],
  ['valkey', false],
  ['valkeys', true],
]);
const HOSTNAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$/;

const passwords = new WeakMap<Target, string>();

interface SpecParts {
  socket?: string;
  host?: string;
  port?: number;
  db?: number;
  username?: string;
  password?: string;
  tls: boolean;
}

/**
 * Resolves a target the way redis-cli does: a URL (`redis://`, `rediss://`, `valkey://`,
 * `valkeys://`) or `host`, `host:port`, `[v6]:port`, a bare IPv6 literal; flags override the parts
 * of the URL, and the password falls back to `REDISCLI_AUTH`.
 *
 * @throws {TargetError} on invalid input.
 */
export function resolveTarget(
  spec: string | undefined,
  flags: TargetFlags,
  env: Record<string, string | undefined>,
  options: { readonly tlsFrom?: TlsFrom } = {},
): Target {
  const trimmed = spec?.trim();
  const shown = trimmed === undefined || trimmed === '' ? (flags.host ?? DEFAULT_HOST) : withoutPassword(trimmed);
  const fail = (reason: string): never => {
    throw new TargetError(`invalid target '${clipped(shown)}': ${reason}`);
  };

  const parts: SpecParts = trimmed === undefined || trimmed === '' ? { tls: false } : parseSpec(trimmed, fail);

  const socket = flags.socket !== undefined ? checkSocket(flags.socket, '-s', fail) : parts.socket;
  if (socket !== undefined && (flags.host !== undefined || flags.port !== undefined || parts.host !== undefined)) {
    fail('a unix socket and a host or port: give one (-s PATH or unix:///PATH, or -h/-p)');
  }
  if (socket !== undefined && (flags.tls === true || parts.tls)) fail('TLS over a unix socket is not supported (redis-server serves TLS on tls-port only)');
  const host =
    socket !== undefined ? 'localhost' : flags.host !== undefined ? checkHost(unbracket(flags.host.trim()), '-h', fail) : (parts.host ?? DEFAULT_HOST);
  const port = socket !== undefined ? 0 : flags.port !== undefined ? checkPort(flags.port, '-p', fail) : (parts.port ?? DEFAULT_PORT);
  const db = flags.db !== undefined ? checkDb(flags.db, '-n', fail) : (parts.db ?? 0);
  const username = nonEmpty(flags.user) ?? nonEmpty(parts.username);
  const password = nonEmpty(flags.pass) ?? nonEmpty(parts.password) ?? nonEmpty(env['REDISCLI_AUTH']);

  const useTls = flags.tls ?? parts.tls;
  const tlsFlags = (['cacert', 'cacertdir', 'cert', 'key', 'sni', 'insecure'] as const).filter(
    (name) => flags[name] !== undefined && flags[name] !== false,
  );
  if (!useTls && tlsFlags.length > 0) fail(`--${tlsFlags[0]} needs --tls or a rediss:// URL`);
  if ((flags.cert === undefined) !== (flags.key === undefined)) fail('--cert and --key must be given together');
  const tlsSettings: TlsSettings | undefined = useTls
    ? {
        ...(flags.cacert !== undefined && { caFile: flags.cacert }),
        ...(flags.cacertdir !== undefined && { caDir: flags.cacertdir }),
        ...(flags.cert !== undefined && { certFile: flags.cert }),
        ...(flags.key !== undefined && { keyFile: flags.key }),
        ...(flags.sni !== undefined && { servername: flags.sni }),
        insecure: flags.insecure === true,
        ...tlsFromOf(options.tlsFrom, flags),
      }
    : undefined;

  const userPart = username === undefined ? '' : `${encodeURIComponent(username)}@`;
  const display =
    socket !== undefined
      ? `${socketAddress(socket).replace(/^unix:\/\//, `unix://${userPart}`)}${db === 0 ? '' : `?db=${db}`}`
      : `${useTls ? 'rediss' : 'redis'}://${userPart}${addressOf(host, port)}${db === 0 ? '' : `/${db}`}`;
  const target: Target = Object.freeze({
    display,
    host,
    port,
    db,
    username,
    tls: tlsSettings && Object.freeze(tlsSettings),
    hasPassword: password !== undefined,
    ...(socket !== undefined ? { socket } : {}),
  });
  if (password !== undefined) passwords.set(target, password);
  return target;
}

const FILE_FLAGS = { caFile: 'cacert', caDir: 'cacertdir', certFile: 'cert', keyFile: 'key' } as const;

/** The origins of the file settings `flags` gives (a flag of the command line has none). */
function tlsFromOf(from: TlsFrom | undefined, flags: TargetFlags): { from?: TlsFrom } {
  if (from === undefined) return {};
  const kept = Object.fromEntries(Object.entries(from).filter(([field, origin]) => origin !== undefined && flags[FILE_FLAGS[field as TlsFileField]] !== undefined));
  return Object.keys(kept).length > 0 ? { from: Object.freeze(kept) } : {};
}

/** The password of a target made by {@link resolveTarget}, if one was given. */
export function targetPassword(target: Target): string | undefined {
  return passwords.get(target);
}

/**
 * The target without its user name, in its display too: for a URL's user that no password comes with, which redis-cli
 * reads as the password (QA45-63). Without a password no AUTH is sent, so the name changes nothing of the audit.
 */
export function withoutUsername(target: Target): Target {
  if (target.username === undefined || passwords.has(target) || problems.has(target)) return target;
  return Object.freeze({ ...target, username: undefined, display: target.display.replace(`${encodeURIComponent(target.username)}@`, '') });
}

const problems = new WeakMap<Target, string>();

/**
 * A target that cannot be audited for a reason known before connecting (a `.redfort.yaml` target whose
 * `passwordEnv` is not set): the audit reports it as that target's error, and the other targets go on.
 */
export function unusableTarget(target: Target, problem: string): Target {
  const copy: Target = Object.freeze({ ...target, hasPassword: false });
  problems.set(copy, problem);
  return copy;
}

/** Why {@link unusableTarget} marked the target; undefined for a target to audit. */
export function targetProblem(target: Target): string | undefined {
  return problems.get(target);
}

/**
 * A target as plain data, its password and problem with it: what crosses to an audit worker thread (structured
 * clone keeps no WeakMap entry). In process only: never written, logged or put in a report.
 */
export interface PortableTarget {
  readonly target: Target;
  readonly password?: string;
  readonly problem?: string;
}

export function portableTarget(target: Target): PortableTarget {
  const password = passwords.get(target);
  const problem = problems.get(target);
  return { target: { ...target, tls: target.tls && { ...target.tls } }, ...(password !== undefined ? { password } : {}), ...(problem !== undefined ? { problem } : {}) };
}

/** The target {@link portableTarget} carried, with its password and problem again. */
export function restoreTarget(portable: PortableTarget): Target {
  const target: Target = Object.freeze({ ...portable.target, tls: portable.target.tls && Object.freeze({ ...portable.target.tls }) });
  if (portable.password !== undefined) passwords.set(target, portable.password);
  if (portable.problem !== undefined) problems.set(target, portable.problem);
  return target;
}

const SEVERAL_TARGETS = 'it holds several targets: give each as its own argument (redfort audit redis://db1:6379 redis://db2:6379) or list them in a file for --targets FILE';

/** `a:6379,b:6379`, `a:1 b:2`: parts that each read as host:port, one with a port at least ('bad host!' is one bad name). */
function severalTargets(text: string): boolean {
  const parts = text.split(/[,;\s]+/).filter(Boolean);
  return parts.length > 1 && parts.every((p) => /^[\w.\-[\]:%]+$/.test(p)) && parts.some((p) => p.includes(':'));
}

/** An absolute socket path, as redis-cli -s takes it (no NUL, within the 107 bytes of sun_path). */
function checkSocket(path: string, what: string, fail: (reason: string) => never): string {
  if (!path.startsWith('/')) fail(`${what}: a unix socket path must be absolute`);
  if (path.includes('\0') || /[\r\n]/.test(path)) fail(`${what}: a unix socket path holds no NUL or line break`);
  if (Buffer.byteLength(path) > 107) fail(`${what}: a unix socket path is at most 107 bytes`);
  return path;
}

/**
 * A unix socket URL as the clients write it: `unix:///path` and `unix:/path` (redis-rb, GitLab's resque.yml, Predis),
 * `unix://user:password@/path` (redis-py, go-redis), the database as `?db=N` (redis-py, go-redis; `?database=N`).
 * redis-cli's -u takes redis:// and rediss:// only: its socket is -s PATH.
 */
/**
 * A URL's user info, decoded: `user:password`, or `user` alone. Unlike redis-cli, which reads `redis://secret@host` as
 * a password, a lone user-info part is the user name, as in every URL (and in the node clients).
 */
function userInfo(userinfo: string, fail: (reason: string) => never): { username: string; password: string | undefined } {
  const colon = userinfo.indexOf(':');
  return {
    username: decode(colon === -1 ? userinfo : userinfo.slice(0, colon), 'user name', fail),
    password: colon === -1 ? undefined : decode(userinfo.slice(colon + 1), 'password', fail),
  };
}

function parseSocketSpec(spec: string, fail: (reason: string) => never): SpecParts {
  let rest = spec.replace(/^unix:(?:\/\/)?/i, '');
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.startsWith('/') ? -1 : rest.indexOf('@/');
  if (at !== -1) {
    ({ username, password } = userInfo(rest.slice(0, at), fail));
    rest = rest.slice(at + 1);
  }
  if (rest.includes('#')) fail('fragments are not supported');
  const query = rest.indexOf('?');
  const path = decode(query === -1 ? rest : rest.slice(0, query), 'socket path', fail);
  let db: number | undefined;
  for (const pair of query === -1 ? [] : rest.slice(query + 1).split('&')) {
    const [key, value = ''] = pair.split('=');
    if (key !== 'db' && key !== 'database') fail(`query parameter '${clipped(key ?? '')}' is not supported (only db=N)`);
    if (!/^\d+$/.test(value)) fail(`database '${clipped(value)}' must be a non-negative integer`);
    db = checkDb(Number(value), 'database', fail);
  }
  return {
    socket: checkSocket(path, 'socket', fail),
    tls: false,
    ...(db !== undefined && { db }),
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
  };
}

function parseSpec(spec: string, fail: (reason: string) => never): SpecParts {
  if (/^unix:/i.test(spec)) return parseSocketSpec(spec, fail);
  const schemeEnd = spec.indexOf('://');
  // Several targets in one argument (`a:6379,b:6379`, a quoted list) read as an unbracketed IPv6 address (QA40-58).
  if (schemeEnd === -1 ? severalTargets(spec) : spec.includes('://', schemeEnd + 3)) fail(SEVERAL_TARGETS);
  if (schemeEnd === -1) {
    if (spec.includes('/') || spec.includes('@')) {
      fail('expected host, host:port or a redis:// URL');
    }
    return { ...parseHostPort(spec, fail, false), tls: false };
  }
  const scheme = spec.slice(0, schemeEnd).toLowerCase();
  const useTls = SCHEMES.get(scheme);
  if (useTls === undefined) fail(`unsupported scheme '${clipped(scheme)}:' (use redis://, rediss://, valkey://, valkeys:// or unix:///path/to/socket)`);
  let rest = spec.slice(schemeEnd + 3);
  if (/[?#]/.test(rest)) fail('query strings and fragments are not supported');

  // The last '@' ends the user info, so a password may contain an unencoded '@'.
  const at = rest.lastIndexOf('@');
  let username: string | undefined;
  let password: string | undefined;
  if (at !== -1) {
    ({ username, password } = userInfo(rest.slice(0, at), fail));
    rest = rest.slice(at + 1);
  }

  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1);
  if (authority === '') fail('host is missing');
  const { host, port } = parseHostPort(authority, fail, true);
  let db: number | undefined;
  if (path !== '') {
    if (!/^\d+$/.test(path)) fail(`database '${clipped(path)}' must be a non-negative integer`);
    db = checkDb(Number(path), 'database', fail);
  }
  return {
    host,
    tls: useTls as boolean,
    ...(port !== undefined && { port }),
    ...(db !== undefined && { db }),
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
  };
}

function parseHostPort(
  text: string,
  fail: (reason: string) => never,
  inUrl: boolean,
): { host: string; port?: number } {
  if (severalTargets(text)) fail(SEVERAL_TARGETS);
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) fail("missing ']' after the IPv6 address");
    // A zone id is written %25 in a URL (RFC 6874): fe80::1%25eth0 is fe80::1%eth0 to the socket.
    const host = inUrl ? text.slice(1, close).replace(/%25(?=[^%]+$)/, '%') : text.slice(1, close);
    if (net.isIPv6(host) === false) fail(`'${clipped(host)}' is not an IPv6 address`);
    const after = text.slice(close + 1);
    if (after === '') return { host };
    if (!after.startsWith(':')) fail(`unexpected '${clipped(after)}' after the IPv6 address`);
    if (after.slice(1).includes(':')) fail(`a target has one port, not '${clipped(after.slice(1))}'`);
    return { host, port: parsePort(after.slice(1), fail) };
  }
  const colons = text.split(':').length - 1;
  if (colons > 1) {
    const [name, ...ports] = text.split(':');
    if (name !== undefined && !net.isIPv6(text) && HOSTNAME.test(name) && ports.every((p) => /^\d+$/.test(p))) {
      fail(`a target has one port, not '${clipped(ports.join(':'))}'`);
    }
    if (inUrl) fail('an IPv6 address in a URL must be in brackets, e.g. redis://[::1]:6379');
    if (!net.isIPv6(text)) fail(`'${clipped(text)}' is not an IPv6 address (use [addr]:port to give a port)`);
    return { host: text };
  }
  if (colons === 0) return { host: checkHost(text, 'host', fail) };
  const colon = text.indexOf(':');
  const host = text.slice(0, colon);
  if (host === '') fail('host is missing');
  return { host: checkHost(host, 'host', fail), port: parsePort(text.slice(colon + 1), fail) };
}

/** Digits, read as redis-cli reads `-p` (leading zeros allowed: `016401` is 16401), then 1-65535. */
function parsePort(text: string, fail: (reason: string) => never): number {
  if (!/^\d+$/.test(text)) fail('port must be 1-65535');
  return checkPort(Number(text), 'port', fail);
}

function checkPort(port: number, what: string, fail: (reason: string) => never): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(what === 'port' ? 'port must be 1-65535' : `${what} ${port}: port must be 1-65535`);
  }
  return port;
}

/** The highest database number a target may name (a URL's path, -n, an inventory's or .redfort.yaml's `db`). */
export const MAX_DB = 2 ** 31 - 1;

/** Whether `db` is a database number a target may name: a whole number from 0 to {@link MAX_DB}. */
export function isDbNumber(db: unknown): db is number {
  return typeof db === 'number' && Number.isInteger(db) && db >= 0 && db <= MAX_DB;
}

function checkDb(db: number, what: string, fail: (reason: string) => never): number {
  if (!isDbNumber(db)) {
    // 'must be a non-negative integer' was also said of 99999999999, which is one: the bound is the message.
    fail(`${what} ${db}: database must be a whole number from 0 to ${MAX_DB}`);
  }
  return db;
}

function checkHost(host: string, what: string, fail: (reason: string) => never): string {
  if (host === '') fail(`${what} is empty`);
  if (net.isIP(host) !== 0) return host;
  // `redfort audit 6380` (a port typed alone, or a hosts file of ports): the resolver reads all digits as an IPv4
  // address number (inet_aton: 6380 is 0.0.24.236) and the audit, with its credentials, would go there.
  if (/^\d+$/.test(host)) {
    const port = host.length <= 5 ? host : 'PORT';
    fail(`${what} '${clipped(host)}' is all digits, which the resolver reads as an IPv4 address number, not a name: for a port, write 127.0.0.1:${port} (or -p ${port}); for an address, write it dotted`);
  }
  if (!HOSTNAME.test(host)) fail(`${what} '${clipped(host)}' is not a valid host name or IP address`);
  return host;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function decode(text: string, what: string, fail: (reason: string) => never): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail(`invalid percent-encoding in the ${what}`);
  }
}

// Error messages quote the target as typed, minus the password (and any user info outside a URL).
/** A target as written with the password of its URL shown as `***` (`redis://user:***@host`), for messages about the spec itself. */
export function maskPassword(spec: string): string {
  // A password may hold ':', '/' or '@' (`redis://u:se/cr@t@host`): everything from the first ':' of the user
  // info to its last '@' is the password.
  const schemeEnd = spec.indexOf('://');
  const start = schemeEnd === -1 ? 0 : schemeEnd + 3;
  const at = spec.lastIndexOf('@');
  if (at < start) return spec;
  const colon = spec.indexOf(':', start);
  if (colon === -1 || colon > at) return spec;
  return `${spec.slice(0, colon)}:***${spec.slice(at)}`;
}

/**
 * A target as written without the password of its URL, or any user info outside a URL (`redis://user@host`), and
 * without a URL's query string or fragment (`redis://host?…`): other clients take `?password=` there.
 */
export function withoutPassword(spec: string): string {
  const schemeEnd = spec.indexOf('://');
  const prefix = schemeEnd === -1 ? '' : spec.slice(0, schemeEnd + 3);
  const rest = spec.slice(prefix.length);
  const query = prefix === '' ? -1 : rest.search(/[?#]/);
  // An `@` after the query or fragment (`?password=pw@x`) is no user info. With none before it, what precedes the
  // first `?` or `#` may still be user info holding one of them unencoded (`u:p?w@host`): only what comes before its
  // first `:` is shown, a host or a user name.
  if (query !== -1 && !rest.slice(0, query).includes('@') && rest.includes('@', query)) {
    const before = rest.slice(0, query);
    const colon = before.indexOf(':');
    return `${prefix}${colon === -1 ? before : before.slice(0, colon)}…`;
  }
  const at = rest.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : rest.slice(0, at);
  const colon = userinfo?.indexOf(':') ?? -1;
  const user = userinfo === undefined || colon === -1 ? userinfo : userinfo.slice(0, colon);
  const keep = prefix !== '' && user ? `${user}@` : '';
  const hostPart = rest.slice(at + 1);
  const cut = prefix === '' ? -1 : hostPart.search(/[?#]/);
  return `${prefix}${keep}${cut === -1 ? hostPart : `${hostPart.slice(0, cut + 1)}…`}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The target's TLS settings as redis-cli's flags (`--tls --cacert …`), to resolve another target like it. */
export function tlsFlagsOf(tls: TlsSettings | undefined): TargetFlags {
  if (!tls) return {};
  return {
    tls: true,
    ...(tls.caFile !== undefined && { cacert: tls.caFile }),
    ...(tls.caDir !== undefined && { cacertdir: tls.caDir }),
    ...(tls.certFile !== undefined && { cert: tls.certFile }),
    ...(tls.keyFile !== undefined && { key: tls.keyFile }),
    ...(tls.servername !== undefined && { sni: tls.servername }),
    insecure: tls.insecure,
  };
}

/**
 * Where the target is as redis-cli's flags: `-s PATH` for a unix socket, else `-h HOST -p PORT`, to resolve another
 * target at the same place (a socket target's host and port, `localhost` and 0, are no address to connect to).
 */
export function placeFlagsOf(target: Target): Pick<TargetFlags, 'host' | 'port' | 'socket'> {
  return target.socket !== undefined ? { socket: target.socket } : { host: target.host, port: target.port };
}
