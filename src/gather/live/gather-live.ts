import type {
  AclState,
  AclUser,
  CategoryTable,
  CommandSurface,
  ConfigMap,
  Fact,
  Facts,
  FactKey,
  SecretDigest,
  SecretMap,
  SentinelFacts,
  ServerIdentity,
  Source,
  SourceKind,
} from '../../facts/types.ts';
import { SECRET_DIRECTIVES } from '../../facts/types.ts';
import { digestPassword, parseAclListLine } from '../../acl/parse.ts';
import { bundledCategoryTable, categoryTableFromLive } from '../../acl/categories.ts';
import { connect, ConnectionError, ReplyError } from './resp.ts';
import type { ConnectOptions, Reply, RespConnection } from './resp.ts';
import type { Target } from './target.ts';
import { targetPassword, tlsOptions } from './target.ts';
import { infoField, pairsOf, parseClusterNodes, parseInfo, parseSentinelMasters } from './parse-replies.ts';

/** Categories asked for one by one: the 21 of Redis 6.0-7.4 and Valkey, and those Redis 8 adds. */
export const ACL_CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo',
  'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
  'json', 'search', 'tdigest', 'cms', 'bloom', 'cuckoo', 'topk', 'timeseries',
] as const;

/** Commands whose presence under their own name tells whether `rename-command` hid them. */
export const ADMIN_COMMANDS = [
  'config', 'debug', 'module', 'flushall', 'flushdb', 'shutdown', 'monitor', 'replicaof', 'slaveof', 'keys', 'acl', 'eval',
] as const;

/** Valkey 8 names and legacy names, mapped to the modern Redis name that rules read. */
const CONFIG_ALIASES: Record<string, string> = {
  slaveof: 'replicaof',
  primaryauth: 'masterauth',
  primaryuser: 'masteruser',
};

export interface LiveOptions {
  readonly connectTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
}

export type LiveOutcome = { readonly ok: true; readonly facts: Facts } | { readonly ok: false; readonly error: string };

interface PlannedCommand {
  readonly key: string;
  readonly args: readonly string[];
}

/** Every read-only command of the audit, sent in one pipeline. */
export function auditCommands(): PlannedCommand[] {
  return [
    { key: 'info', args: ['INFO', 'everything'] },
    { key: 'config', args: ['CONFIG', 'GET', '*'] },
    { key: 'acl', args: ['ACL', 'LIST'] },
    { key: 'aclcat', args: ['ACL', 'CAT'] },
    ...ACL_CATEGORIES.map((c) => ({ key: `aclcat:${c}`, args: ['ACL', 'CAT', c] })),
    { key: 'commandinfo', args: ['COMMAND', 'INFO', ...ADMIN_COMMANDS] },
    { key: 'time', args: ['TIME'] },
    { key: 'cluster', args: ['CLUSTER', 'NODES'] },
    { key: 'sentinel-masters', args: ['SENTINEL', 'MASTERS'] },
    { key: 'sentinel-config', args: ['SENTINEL', 'CONFIG', 'GET', '*'] },
  ];
}

export function authCommand(target: Target): string[] | undefined {
  const password = targetPassword(target);
  if (password === undefined) return undefined;
  return target.username ? ['AUTH', target.username, password] : ['AUTH', password];
}

function describeConnectError(error: unknown): string {
  if (error instanceof ConnectionError) {
    // An HTTP server (or a proxy's error page) answers our first command with `HTTP/1.x …`.
    if (error.kind === 'protocol' && /0x48\b/.test(error.message)) return `not a Redis server: it answered like an HTTP server (${error.message})`;
    if (error.tlsUnanswered) return `${error.message}: the port accepted TCP but never answered the TLS handshake (a plain-text port? use redis://)`;
    return error.kind === 'protocol' ? `not a Redis server: ${error.message}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Why the server refused us, from the replies to AUTH and to the first command; undefined when it did not. */
function refusal(authReply: Reply | undefined, firstReply: Reply | undefined): string | undefined {
  // Protected mode answers every command, AUTH included, with DENIED before any authentication.
  if ((authReply instanceof ReplyError && authReply.code === 'DENIED') || (firstReply instanceof ReplyError && firstReply.code === 'DENIED')) {
    return 'the server refused the connection: protected mode (DENIED) accepts only loopback clients while the default user has no password';
  }
  if (authReply instanceof ReplyError && !/without any password configured/i.test(authReply.message)) {
    return `authentication failed: ${authReply.code}`;
  }
  if (firstReply instanceof ReplyError && (firstReply.code === 'NOAUTH' || firstReply.code === 'DENIED')) {
    const hint = firstReply.code === 'NOAUTH' ? ': give credentials with --user/--pass or REDISCLI_AUTH' : '';
    return `${firstReply.message.split('.')[0] ?? firstReply.message}${hint}`;
  }
  return undefined;
}

/**
 * Redis hangs up on a client that has not authenticated when a command has more than 10 arguments
 * (COMMAND INFO here), and drops it without a word once its replies pass 1 KB (the CVE-2025-21605
 * fix, backported by distributions). After such a close, AUTH (or PING) alone on a new connection
 * tells a wrong or missing password from other failures.
 */
async function askWhyClosed(connectOptions: ConnectOptions, auth: readonly string[] | undefined): Promise<string | undefined> {
  let conn: RespConnection | undefined;
  try {
    conn = await connect(connectOptions);
    const reply = await conn.command(auth ?? ['PING']);
    return auth ? refusal(reply, undefined) : refusal(undefined, reply);
  } catch {
    return undefined;
  } finally {
    conn?.close();
  }
}

function closedEarly(settled: PromiseSettledResult<unknown>): boolean {
  return settled.status === 'rejected' && settled.reason instanceof ConnectionError && ['closed', 'reset'].includes(settled.reason.kind);
}

/** Connects, authenticates and gathers everything in one round trip; never throws. */
export async function gatherLive(target: Target, options: LiveOptions = {}): Promise<LiveOutcome> {
  let conn: RespConnection | undefined;
  try {
    const connectOptions: ConnectOptions = {
      host: target.host,
      port: target.port,
      tls: target.tls ? await tlsOptions(target) : undefined,
      connectTimeoutMs: options.connectTimeoutMs ?? 3000,
      commandTimeoutMs: options.commandTimeoutMs ?? 5000,
    };
    conn = await connect(connectOptions);
    const auth = authCommand(target);
    const planned = auditCommands();
    // AUTH, INFO and the rest wait apart but are written in the same tick: still one round trip, and
    // the AUTH and INFO replies count even when the server hangs up before the rest.
    const [infoCommand, ...rest] = planned;
    const [authSettled, infoSettled, restSettled] = await Promise.allSettled([
      auth ? conn.command(auth) : undefined,
      conn.command(infoCommand!.args),
      conn.pipeline(rest.map((p) => p.args)),
    ]);
    if (closedEarly(authSettled) || closedEarly(infoSettled)) {
      const why = await askWhyClosed(connectOptions, auth);
      if (why) return { ok: false, error: why };
    }
    if (authSettled.status === 'rejected') throw authSettled.reason;
    if (infoSettled.status === 'rejected') throw infoSettled.reason;
    const refused = refusal(authSettled.value, infoSettled.value);
    if (refused) return { ok: false, error: refused };
    if (restSettled.status === 'rejected') throw restSettled.reason;
    const replies = [infoSettled.value, ...restSettled.value];
    const byKey = new Map<string, Reply>();
    planned.forEach((p, i) => byKey.set(p.key, replies[i] as Reply));
    return { ok: true, facts: factsFromReplies(target.display, byKey) };
  } catch (error) {
    return { ok: false, error: describeConnectError(error) };
  } finally {
    conn?.close();
  }
}

function live(command: string): Source {
  return { kind: 'live', command };
}

function replyText(reply: Reply | undefined): string | undefined {
  return typeof reply === 'string' ? reply : undefined;
}

function why(reply: Reply | undefined, what: string, grant: string): string {
  if (reply instanceof ReplyError) {
    if (reply.code === 'NOPERM') return `the audit user may not run ${what} (grant ${grant}): ${reply.message}`;
    if (/unknown command|unknown subcommand/i.test(reply.message)) {
      return `${what} is not available on this server (renamed, disabled or unsupported): ${reply.message}`;
    }
    return `${what} failed: ${reply.message}`;
  }
  return `${what} gave an unexpected reply`;
}

function identity(info: ReturnType<typeof parseInfo>): ServerIdentity {
  const serverName = infoField(info, 'server_name');
  const valkey = serverName === 'valkey' || infoField(info, 'valkey_version') !== undefined;
  const mode = infoField(info, 'redis_mode') ?? infoField(info, 'server_mode') ?? 'standalone';
  return {
    product: valkey ? 'valkey' : infoField(info, 'redis_version') ? 'redis' : 'unknown',
    version: valkey ? infoField(info, 'valkey_version') : infoField(info, 'redis_version'),
    mode: mode === 'sentinel' || mode === 'cluster' ? mode : 'standalone',
    configFile: infoField(info, 'config_file') || undefined,
    source: live('INFO server'),
  };
}

function splitConfig(pairs: readonly [string, string][], command: string): { config: ConfigMap; secrets: SecretMap } {
  const config = new Map<string, Fact<string>>();
  const secrets = new Map<string, Fact<SecretDigest>>();
  const source = live(command);
  for (const [rawName, value] of pairs) {
    const lower = rawName.toLowerCase();
    const name = CONFIG_ALIASES[lower] ?? (lower.startsWith('slave-') ? `replica-${lower.slice(6)}` : lower);
    if (SECRET_DIRECTIVES.has(name)) {
      secrets.set(name, { value: digestPassword(value), source });
    } else if (!config.has(name) || name === lower) {
      config.set(name, { value, source });
    }
  }
  return { config, secrets };
}

/** Redis 7.2 and Valkey keep ACL rules as written; older servers rewrite category subtractions. */
function rulesRewritten(server: ServerIdentity | undefined): boolean {
  if (!server?.version || server.product !== 'redis') return false;
  const [major = 0, minor = 0] = server.version.split('.').map(Number);
  return major < 7 || (major === 7 && minor < 2);
}

function aclFromReplies(
  reply: Reply | undefined,
  secrets: SecretMap | undefined,
  server: ServerIdentity | undefined,
): { acl?: AclState; reason?: string } {
  if (Array.isArray(reply)) {
    const source = live('ACL LIST');
    const users: AclUser[] = reply.map((line) => parseAclListLine(String(line), source));
    return { acl: { users, origin: 'acl-list', rewritten: rulesRewritten(server), source } };
  }
  // Redis 5 and older have no ACL: the only user is `default`, guarded by requirepass alone.
  if (reply instanceof ReplyError && /unknown command/i.test(reply.message) && secrets?.has('requirepass')) {
    const requirepass = secrets.get('requirepass')!;
    const user: AclUser = {
      name: 'default',
      enabled: true,
      nopass: !requirepass.value.set,
      passwords: requirepass.value.set ? [requirepass.value] : [],
      plaintextPasswords: 0,
      rules: ['~*', '+@all'],
      selectors: [],
      source: requirepass.source,
    };
    return { acl: { users: [user], origin: 'requirepass', rewritten: false, source: requirepass.source } };
  }
  return { reason: why(reply, 'ACL LIST', '+acl|list') };
}

function categoriesFromReplies(byKey: ReadonlyMap<string, Reply>, server: ServerIdentity | undefined): CategoryTable {
  const lists = new Map<string, string[]>();
  for (const category of ACL_CATEGORIES) {
    const reply = byKey.get(`aclcat:${category}`);
    if (Array.isArray(reply)) lists.set(category, reply.map((name) => String(name).toLowerCase()));
  }
  if (lists.has('dangerous')) return categoryTableFromLive(lists, live('ACL CAT <category>'));
  return bundledCategoryTable({ version: server?.version, mode: server?.mode });
}

function commandSurface(reply: Reply | undefined): CommandSurface | undefined {
  if (!Array.isArray(reply)) return undefined;
  const present = new Map<string, boolean>();
  ADMIN_COMMANDS.forEach((name, i) => present.set(name, reply[i] !== null && reply[i] !== undefined));
  return { present, renames: new Map(), source: live(`COMMAND INFO ${ADMIN_COMMANDS.join(' ')}`) };
}

function sentinelFromReplies(byKey: ReadonlyMap<string, Reply>): SentinelFacts {
  const configPairs = pairsOf(byKey.get('sentinel-config'));
  const { config, secrets } = splitConfig(configPairs, 'SENTINEL CONFIG GET *');
  return {
    masters: parseSentinelMasters(byKey.get('sentinel-masters'), live('SENTINEL MASTERS')),
    config,
    sentinelPass: secrets.get('sentinel-pass'),
    denyScriptsReconfig: undefined,
    masterAuthKnown: false,
    source: live('SENTINEL MASTERS'),
  };
}

/** Builds the facts of one live target from the replies of the audit pipeline. Pure. */
export function factsFromReplies(target: string, byKey: ReadonlyMap<string, Reply>): Facts {
  const unavailable: Partial<Record<FactKey, string>> = {};
  const sources = new Set<SourceKind>(['live']);
  const facts: { -readonly [K in keyof Facts]?: Facts[K] } = { target, sources };

  const infoText = replyText(byKey.get('info'));
  if (infoText !== undefined) {
    const info = parseInfo(infoText);
    facts.info = info;
    facts.server = identity(info);
  } else {
    unavailable.info = unavailable.server = why(byKey.get('info'), 'INFO', '+info');
  }
  const server = facts.server;

  const configReply = byKey.get('config');
  if (Array.isArray(configReply) || configReply instanceof Map) {
    const { config, secrets } = splitConfig(pairsOf(configReply), 'CONFIG GET *');
    facts.config = config;
    facts.secrets = secrets;
  } else if (server?.mode === 'sentinel') {
    unavailable.config = unavailable.secrets =
      'a sentinel has no CONFIG command: its settings are only in sentinel.conf (pass --sentinel-config, or run on its host)';
  } else {
    unavailable.config = unavailable.secrets = why(configReply, 'CONFIG GET', '+config|get');
  }

  const { acl, reason } = aclFromReplies(byKey.get('acl'), facts.secrets, server);
  if (acl) facts.acl = acl;
  else unavailable.acl = reason;

  facts.categories = categoriesFromReplies(byKey, server);

  const surface = commandSurface(byKey.get('commandinfo'));
  if (surface) facts.commands = surface;
  else unavailable.commands = why(byKey.get('commandinfo'), 'COMMAND INFO', '+command|info');

  const time = byKey.get('time');
  if (Array.isArray(time) && time.length >= 1) facts.now = { value: Number(time[0]), source: live('TIME') };
  else unavailable.now = why(time, 'TIME', '+time');

  if (server?.mode === 'sentinel') facts.sentinel = sentinelFromReplies(byKey);
  else unavailable.sentinel = 'the target is not a sentinel';

  const clusterText = replyText(byKey.get('cluster'));
  if (server?.mode === 'cluster' && clusterText !== undefined) {
    const nodes = parseClusterNodes(clusterText);
    facts.cluster = {
      nodes,
      myId: nodes.find((n) => n.flags.includes('myself'))?.id,
      state: facts.info ? infoField(facts.info, 'cluster_state') : undefined,
      source: live('CLUSTER NODES'),
    };
  } else if (server?.mode === 'cluster') {
    unavailable.cluster = why(byKey.get('cluster'), 'CLUSTER NODES', '+cluster|nodes');
  } else {
    unavailable.cluster = 'the target is not a cluster node (cluster-enabled no)';
  }
  return { ...(facts as Facts), unavailable };
}
