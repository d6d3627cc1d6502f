import type { AclUser, ConfigMap, Fact, Facts } from '../../facts/types.ts';
import type { Target } from '../../redis/target.ts';
import { LISTENING_SOCKETS } from '../../facts/source.ts';
import { someReadLive } from '../../facts/live.ts';
import type { Enricher } from '../enrich.ts';
import { infoField } from '../../redis/info.ts';
import { clipped } from '../../util/shown.ts';
import { MAX_BIND_ADDRESSES } from '../../redis/directives.ts';
import { effectiveConfig } from './effective.ts';
import { configVersion } from '../../redis/version.ts';

/** A listener list's mark that whether the server has a unix socket is unknown (its sockets could not tell). */
const UNIX_UNKNOWN = 'unix-unknown';

/** One `listenerN` line of INFO server (7.2+): `name=tcp,bind=127.0.0.1,bind=-::1,port=6379`. */
interface Listener {
  readonly field: string;
  readonly name: string;
  readonly binds: readonly string[];
  readonly port: string | undefined;
}

/** At most this many listeners: a server has one per connection type (tcp, tls, unix, rdma). */
const MAX_LISTENERS = 8;
/** At most this many `key=value` pairs in one listener: name, port and the binds a server may have. */
const MAX_LISTENER_PAIRS = MAX_BIND_ADDRESSES + 8;
/** The longest unix socket path (sun_path, 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

/**
 * The listeners INFO server lists (redis@7.2.6 server.c genRedisInfoString, from the running connection types: every
 * CONFIG SET of bind, port, tls-port or unixsocket shows there), in order; undefined before 7.2 (no such lines). They
 * get the checks CONFIG GET's values get (QA44-53: 900,000 `bind=` in one line cost 14 s of CPU and 576 MB, a port
 * `99999999999999999999` or `-1` was taken as a setting): at most 16 binds, a port of digits up to 65535, a socket
 * path of the length and characters a server takes; a line is read pair by pair up to a bound, never split whole.
 * Else `{ hostile }` says why, and no listener is taken.
 */
function listeners(facts: Facts): Listener[] | { readonly hostile: string } | undefined {
  const server = facts.info?.get('server');
  if (!server) return undefined;
  const found: Listener[] = [];
  const hostile = (why: string) => ({ hostile: `INFO server's ${why}, which no Redis or Valkey lists: a hostile server, or no Redis` });
  for (const [field, text] of server) {
    if (!/^listener\d+$/.test(field)) continue;
    if (found.length >= MAX_LISTENERS) return hostile(`listeners number more than ${MAX_LISTENERS}`);
    const pairs: (readonly [string, string])[] = [];
    for (let at = 0; at <= text.length; ) {
      if (pairs.length >= MAX_LISTENER_PAIRS) return hostile(`${field} has more than ${MAX_LISTENER_PAIRS} fields`);
      const end = text.indexOf(',', at);
      const pair = text.slice(at, end === -1 ? text.length : end);
      const eq = pair.indexOf('=');
      pairs.push([eq === -1 ? pair : pair.slice(0, eq), eq === -1 ? '' : pair.slice(eq + 1)]);
      if (end === -1) break;
      at = end + 1;
    }
    const name = pairs.find(([k]) => k === 'name')?.[1];
    if (name === undefined) continue;
    const binds = pairs.filter(([k]) => k === 'bind').map(([, v]) => v);
    const port = pairs.find(([k]) => k === 'port')?.[1];
    if (binds.length > MAX_BIND_ADDRESSES) return hostile(`${field} binds ${binds.length} addresses, more than ${MAX_BIND_ADDRESSES}`);
    if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) <= 65535)) return hostile(`${field} has the port '${clipped(port, 40)}'`);
    if (name === 'unix' && binds.some((b) => b.length > MAX_SOCKET_PATH || /[\x00-\x1f\x7f]/.test(b))) return hostile(`${field} names a socket path no server takes`);
    if (binds.some((b) => /[\x00-\x1f\x7f]/.test(b) || b.length > 255)) return hostile(`${field} binds an address no server takes`);
    found.push({ field, name, binds, port });
  }
  return found.length > 0 ? found : undefined;
}

/**
 * Before 7.2 INFO has no listener lines (QA43-10's rest), and nothing else the server answers names its listeners:
 * CLIENT LIST's laddr is each connection's own address, HELLO has none, INFO tcp_port is `port` (or tls-port when
 * port is 0) without an address or a word on TLS. On redfort's host the host stage has the server's own listening
 * sockets (the pid that listens on the target's port: /proc/PID/fd against /proc/PID/net/tcp{,6}), which are the
 * running ones (a CONFIG SET of bind or a port rebinds them). As INFO's listeners: its bind is the addresses the
 * target's port listens on (every listener of the server binds the same ones); a server outside a cluster listens on
 * TCP at `port` and `tls-port` only, so with the scheme the audit reached the target's port with (it answered), the
 * other port, when there is one, is the other kind. Each must agree with INFO tcp_port. Undefined otherwise (a cluster
 * node, whose bus listens too; more ports; no host facts): the rules then skip as before.
 */
function socketListeners(facts: Facts, target: Target): Listener[] | undefined {
  const sockets = facts.host?.process.listeners;
  if (!sockets?.known || !facts.info || facts.host!.process.name.endsWith('sentinel')) return undefined;
  if (infoField(facts.info, 'cluster_enabled') !== '0') return undefined;
  const tcpPort = Number(infoField(facts.info, 'tcp_port') ?? NaN);
  const at = sockets.value.filter((l) => l.port === target.port);
  const others = [...new Set(sockets.value.map((l) => l.port).filter((p) => p !== target.port))];
  if (at.length === 0 || others.length > 1) return undefined;
  const tls = target.tls !== undefined;
  const port = tls ? (others[0] ?? 0) : target.port;
  const tlsPort = tls ? target.port : (others[0] ?? 0);
  if (tcpPort !== (port > 0 ? port : tlsPort)) return undefined;
  const field = `${LISTENING_SOCKETS}${facts.host!.process.pid} (${sockets.source.kind === 'host' ? sockets.source.detail : '/proc'}; the audit reached ${target.port} ${tls ? 'over TLS' : 'in clear text'}, INFO tcp_port ${tcpPort})`;
  const binds = [...new Set(at.map((l) => l.address))];
  const unix = facts.host!.process.unixSockets;
  return [
    ...(port > 0 ? [{ field, name: 'tcp', binds, port: String(port) }] : []),
    ...(tlsPort > 0 ? [{ field, name: 'tls', binds, port: String(tlsPort) }] : []),
    // None listening: no unixsocket. One: that one. Unknown, or more than one (not the server's alone): unknown.
    ...(unix.known && unix.value.length === 1 ? [{ field: `${LISTENING_SOCKETS}${facts.host!.process.pid} (${unix.source.kind === 'host' ? unix.source.detail : '/proc'})`, name: 'unix', binds: [unix.value[0]!], port: undefined }] : []),
    ...(!unix.known || unix.value.length > 1 ? [{ field, name: UNIX_UNKNOWN, binds: [], port: undefined }] : []),
  ];
}

/** The default user the files start the server with: their `user default` line, else what requirepass makes it. */
function fileDefaultUser(facts: Facts): Pick<AclUser, 'enabled' | 'nopass'> & { readonly sha256s: readonly string[] } | undefined {
  const files = facts.files;
  if (!files || files.unread?.length || files.configUnread !== undefined) return undefined;
  const line = files.users.find((u) => u.name === 'default');
  if (line) return { enabled: line.enabled, nopass: line.nopass, sha256s: line.passwords.map((p) => p.sha256) };
  // Other users and no default line (an ACL file): the server's default user is then its own making, not compared.
  if (files.users.length > 0) return undefined;
  const requirepass = facts.secrets?.get('requirepass');
  if (!requirepass || requirepass.source.kind === 'live') return undefined;
  return requirepass.value.set ? { enabled: true, nopass: false, sha256s: [requirepass.value.sha256] } : { enabled: true, nopass: true, sha256s: [] };
}

const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().join(' ') === [...b].sort().join(' ');

/**
 * CONFIG GET could not be read (renamed, NOPERM), and the settings are the config file's, standing in for the running
 * ones (QA41-13): what the live server shows of itself in the same run is compared with them. INFO server's listeners
 * (7.2+) give the running bind, port, tls-port and unixsocket, tcp_port the port, aof_enabled appendonly, ACL LIST
 * the default user, the unauthenticated probe whether a client without credentials gets in. When one contradicts the
 * file, the file is not what runs: the values INFO gives replace the file's (they are the running ones, the rules judge
 * them), and `runningDiffers` says why the rest are not the running values (a rule that reads one of them skips:
 * src/engine/stand-ins.ts). Nothing changes when they agree, nor when CONFIG GET was read.
 */
export const runningConfigEnricher: Enricher = async (facts, target) => {
  const { config, files } = facts;
  if (!config && !files) return listenersOnly(facts, target);
  if (!config || !files || !facts.sources.has('live') || facts.server?.mode === 'sentinel' || someReadLive(config)) return facts;
  const differs: string[] = [];
  const running = new Map<string, Fact<string>>();
  const fileValue = (name: string): string | undefined => config.get(name)?.value;
  const seen = (name: string, value: string, command: string, shown = `${name} '${clipped(value)}'`): void => {
    running.set(name, { value, source: { kind: 'live', command } });
    const filed = fileValue(name);
    if (filed !== undefined && filed.trim().split(/\s+/).join(' ') !== value) differs.push(`${command}: ${shown}, the file '${clipped(filed)}'`);
  };
  const read = listeners(facts);
  const listed = read !== undefined && 'hostile' in read ? undefined : read;
  if (read !== undefined && 'hostile' in read) differs.push(read.hostile);
  else if (listed) {
    const tcp = listed.find((l) => l.name === 'tcp');
    const tls = listed.find((l) => l.name === 'tls');
    const unix = listed.find((l) => l.name === 'unix');
    const ip = tcp ?? tls;
    if (ip) seen('bind', ip.binds.join(' '), `INFO server ${ip.field}`, `bind '${clipped(ip.binds.join(' '))}'`);
    seen('port', tcp?.port ?? '0', tcp ? `INFO server ${tcp.field}` : 'INFO server (no tcp listener)');
    seen('tls-port', tls?.port ?? '0', tls ? `INFO server ${tls.field}` : 'INFO server (no tls listener)');
    seen('unixsocket', unix?.binds[0] ?? '', unix ? `INFO server ${unix.field}` : 'INFO server (no unix listener)', `unixsocket '${clipped(unix?.binds[0] ?? '')}'`);
  } else {
    // Before 7.2: tcp_port, which is `port`, or `tls-port` when port is 0 (a TLS-only server).
    const port = facts.info ? infoField(facts.info, 'tcp_port') : undefined;
    if (port !== undefined && /^\d+$/.test(port)) {
      const filePort = fileValue('port');
      seen(filePort === '0' ? 'tls-port' : 'port', port, 'INFO server tcp_port');
    }
  }
  const aof = facts.info ? infoField(facts.info, 'aof_enabled') : undefined;
  if (aof === '0' || aof === '1') seen('appendonly', aof === '1' ? 'yes' : 'no', 'INFO persistence aof_enabled');
  const filed = fileDefaultUser(facts);
  const live = facts.acl?.origin === 'acl-list' ? facts.acl.users.find((u) => u.name === 'default') : undefined;
  const fileWord = (u: NonNullable<typeof filed>, it = 'it'): string => (!u.enabled ? `makes ${it} 'off'` : u.nopass ? `gives ${it} no password` : `gives ${it} a password`);
  if (filed && live) {
    const liveSha = live.passwords.map((p) => p.sha256);
    if (live.enabled !== filed.enabled) differs.push(`ACL LIST: the default user is '${live.enabled ? 'on' : 'off'}', the file ${fileWord(filed)}`);
    else if (live.enabled && live.nopass !== filed.nopass) differs.push(`ACL LIST: the default user ${live.nopass ? 'needs no password' : 'has a password'}, the file ${fileWord(filed)}`);
    else if (live.enabled && !live.nopass && !same(liveSha, filed.sha256s)) differs.push("ACL LIST: the default user's passwords are not the file's (values not shown)");
  }
  const unauth = facts.probe?.unauthenticated;
  if (filed && !live && unauth?.outcome === 'open' && (!filed.enabled || !filed.nopass)) {
    differs.push(`a client without credentials ran commands (the unauthenticated probe), the file ${fileWord(filed, 'the default user')}`);
  }
  if (differs.length === 0) return facts;
  const merged = new Map<string, Fact<string>>(config);
  for (const [name, fact] of running) merged.set(name, fact);
  const path = files.paths[0] ?? 'the config file';
  return { ...facts, config: merged as ConfigMap, runningDiffers: `CONFIG GET could not be read, and the running configuration differs from ${path} (${differs.join('; ')})` };
};

/**
 * CONFIG GET could not be read (renamed away, as Bitnami's `disableCommands: [CONFIG]` does) and no config file was
 * read (QA43-10): INFO server's listeners (7.2+) still show the running bind, port, tls-port and unixsocket. They are
 * the settings, live; every other one stands in as the version's compiled default, and `runningDiffers` makes a rule
 * that reads one of those skip (src/engine/stand-ins.ts), as beside a file the server contradicts.
 */
function listenersOnly(facts: Facts, target: Target | undefined): Facts {
  const why = facts.unavailable.config;
  if (why === undefined || !facts.sources.has('live') || facts.server?.mode === 'sentinel') return facts;
  const read = listeners(facts);
  if (read !== undefined && 'hostile' in read) return { ...facts, unavailable: { ...facts.unavailable, config: `${why}; ${read.hostile}` } };
  const listed = read ?? (target ? socketListeners(facts, target) : undefined);
  const ip = listed?.find((l) => l.name === 'tcp') ?? listed?.find((l) => l.name === 'tls');
  if (!listed || !ip) return facts;
  const version = configVersion(facts.server);
  const { config: defaults } = effectiveConfig({ directives: [], files: [], warnings: [] }, version ? { version } : {});
  const merged = new Map<string, Fact<string>>(defaults);
  const set = (name: string, value: string, command: string): void => void merged.set(name, { value, source: { kind: 'live', command } });
  const tcp = listed.find((l) => l.name === 'tcp');
  const tls = listed.find((l) => l.name === 'tls');
  const unix = listed.find((l) => l.name === 'unix');
  const sockets = ip.field.startsWith(LISTENING_SOCKETS);
  // Seen in the server's listening sockets (before 7.2): the host's observation, the running value all the same.
  const seen = (name: string, value: string, listener: Listener | undefined, none: string): void => {
    if (!sockets) set(name, value, listener ? `INFO server ${listener.field}` : `INFO server (no ${none} listener)`);
    else merged.set(name, { value, source: { kind: 'host', detail: listener ? listener.field : `${ip.field}: no ${none} listener` } });
  };
  seen('bind', ip.binds.join(' '), ip, 'tcp');
  seen('port', tcp?.port ?? '0', tcp, 'tcp');
  seen('tls-port', tls?.port ?? '0', tls, 'tls');
  if (!listed.some((l) => l.name === UNIX_UNKNOWN)) seen('unixsocket', unix?.binds[0] ?? '', unix, 'unix');
  const aof = facts.info ? infoField(facts.info, 'aof_enabled') : undefined;
  if (aof === '0' || aof === '1') set('appendonly', aof === '1' ? 'yes' : 'no', 'INFO persistence aof_enabled');
  const cluster = facts.info ? infoField(facts.info, 'cluster_enabled') : undefined;
  if (cluster === '0' || cluster === '1') set('cluster-enabled', cluster === '1' ? 'yes' : 'no', 'INFO cluster cluster_enabled');
  const { config: _why, ...unavailable } = facts.unavailable;
  return {
    ...facts,
    config: merged as ConfigMap,
    unavailable,
    runningDiffers: ip.field.startsWith(LISTENING_SOCKETS)
      ? `${why}, and no config file was read: only what the server's listening sockets (bind, port, tls-port, unixsocket) and INFO (appendonly, cluster-enabled) show of it is known`
      : `${why}, and no config file was read: only what INFO shows of the running server (its listeners: bind, port, tls-port, unixsocket; appendonly, cluster-enabled) is known`,
  };
}
