import type {
  AclState,
  AclUser,
  CategoryTable,
  CommandSurface,
  ConfigMap,
  Fact,
  Facts,
  FactKey,
  InfoSections,
  SecretDigest,
  SecretMap,
  SentinelFacts,
  ServerIdentity,
  Source,
  SourceKind,
  UnauthenticatedProbe,
} from '../../facts/types.ts';
import { LIVE_FACT_KEYS } from '../../facts/types.ts';
import { digestPassword, parseAclListLine } from '../../acl/parse.ts';
import { AclSyntaxError } from '../../acl/parse.ts';
import { aclWords, rendersAclListAnew, tooDearToList, tooManyToJudge, tooManyUsers, tooManyWords, tooMuchToJudge } from '../../acl/limits.ts';
import { bundledTableOf, categoryTableFromLive } from '../../acl/categories.ts';
import { BulkList, ConnectionError, NullMask, ReplyError } from './resp.ts';
import { connectTrusting } from './tls-trust.ts';
import type { ConnectOptions, Reply, ReplyShape, RespConnection, Shaped } from './resp.ts';
import type { LiveMembers } from '../../acl/categories.ts';
import type { Target } from '../../redis/target.ts';
import { targetPassword } from '../../redis/target.ts';
import { AUDIT_REPLY_BOUNDS, authCommand, targetConnectOptions } from './login.ts';
import { isNoPerm, pingTellsNothing, unauthenticatedAnswer } from '../probe/unauth.ts';
import { forEachPair, parseClusterNodes, parseSentinelMasters } from './parse-replies.ts';
import { MAX_DEPLOYMENT_NODES, tooManyNodes } from '../../util/defaults.ts';
import { infoField, parseInfo } from '../../redis/info.ts';
import { SECRET_DIRECTIVES } from '../../redis/secrets.ts';
import { ACL_CATEGORIES, ADMIN_COMMANDS } from '../../redis/commands.ts';
import { isAtLeast, majorMinor } from '../../redis/version.ts';
import { alwaysListed, beforeAcl, MAX_BIND_ADDRESSES, resolveVersion } from '../../redis/directives.ts';
import { buildKey } from './build-tables.ts';
import type { BuildTables } from './build-tables.ts';
import { groupCommands, groupsFromReplies } from '../topology/sentinel.ts';

/**
 * Valkey 8 names and legacy names, mapped to the modern Redis name that rules read. A Map: an object looked up by
 * the names of a reply (strings V8 has not internalized) went to V8's string table for each of the 200 of a target.
 */
const CONFIG_ALIASES: ReadonlyMap<string, string> = new Map([
  ['slaveof', 'replicaof'],
  ['primaryauth', 'masterauth'],
  ['primaryuser', 'masteruser'],
]);

export interface LiveOptions {
  /**
   * A sentinel's masters known before it is asked (a deployment's peers, by the seed's SENTINEL MASTERS): its own
   * SENTINEL REPLICAS / SENTINELS / CKQUORUM of each go in the audit's one pipeline (QA41-14). Without them a
   * sentinel is asked for those of the masters it lists in a second pipeline on the same connection.
   */
  readonly sentinelGroups?: readonly string[] | undefined;
  /**
   * The name CONFIG runs under when the server's own config file renames it (`rename-command CONFIG NAME`, the
   * checklist's Account 6): CONFIG GET is asked under it. Never shown: it stands for a secret of sorts.
   */
  readonly configCommand?: string | undefined;
  readonly connectTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
  /** The target's signal: aborting it closes the connection and fails the gathering. */
  readonly signal?: AbortSignal | undefined;
  /** No network probes (--no-probe): a connection without credentials sends no PING for the unauthenticated probe. */
  readonly noProbe?: boolean;
  /**
   * The `ACL CAT` tables of the builds this run met (src/gather/live/build-tables.ts): a target of a known build is
   * not asked for them again. Without it, every target is asked.
   */
  readonly buildTables?: BuildTables | undefined;
}

export type LiveOutcome = { readonly ok: true; readonly facts: Facts } | { readonly ok: false; readonly error: string };

interface PlannedCommand {
  readonly key: string;
  readonly args: readonly string[];
  /** How its reply is wanted: the categories' members are compared with other servers' as bytes (categoriesFromReplies). */
  readonly shape?: ReplyShape;
}

/**
 * Every read-only command of the audit, sent in one pipeline: one list for the run (its keys made once, not some 40
 * objects and 30 strings per target, and each key's hash computed once for the replies' map).
 */
export function auditCommands(): readonly PlannedCommand[] {
  return (auditPlan ??= plannedCommands());
}
let auditPlan: readonly PlannedCommand[] | undefined;

/** The key of each `ACL CAT <category>` reply. */
const categoryKeys = new Map(ACL_CATEGORIES.map((c) => [c, `aclcat:${c}`]));

function plannedCommands(): readonly PlannedCommand[] {
  const list: PlannedCommand[] = [
    // INFO's default sections hold every field redfort reads (server, memory, persistence, replication, cluster,
    // keyspace); `everything` added commandstats and latencystats, which nothing reads and which cost the server
    // more than the rest of INFO together. One argument or none: Redis before 7.0 takes at most one section.
    { key: 'info', args: ['INFO'] },
    // ACL USERS counts the users before ACL LIST renders them (QA44-5): ACL LIST is sent once INFO and ACL USERS have
    // answered, and only when the server renders that many users without stalling (src/acl/limits.ts
    // ACL_LIST_BOUNDS); written while the server still answers the rest, so the round trip is not one more wait.
    { key: 'acl-users', args: ['ACL', 'USERS'] },
    { key: 'config', args: ['CONFIG', 'GET', '*'] },
    { key: 'acl', args: ['ACL', 'LIST'] },
    ...ACL_CATEGORIES.map((c) => ({ key: categoryKeys.get(c)!, args: ['ACL', 'CAT', c], shape: 'bulk-list' as const })),
    { key: 'commandinfo', args: ['COMMAND', 'INFO', ...ADMIN_COMMANDS], shape: 'nulls' as const },
    { key: 'time', args: ['TIME'] },
    { key: 'cluster', args: ['CLUSTER', 'NODES'] },
    { key: 'sentinel-masters', args: ['SENTINEL', 'MASTERS'] },
    { key: 'sentinel-config', args: ['SENTINEL', 'CONFIG', 'GET', '*'] },
    // HIDDEN_CONFIG: `CONFIG GET *` never lists it, CONFIG GET by its name does (Redis 8's name; Valkey takes it as the
    // alias of lua-enable-insecure-api and answers with the name asked). A server without it answers an empty list.
    { key: 'config-hidden', args: ['CONFIG', 'GET', HIDDEN_ASKED] },
  ];
  return Object.freeze(list.map((p) => Object.freeze({ ...p, args: Object.freeze(p.args) })));
}

/** The setting the rules read that `CONFIG GET *` leaves out (see plannedCommands). */
const HIDDEN_ASKED = 'lua-enable-deprecated-api';

/** A part of the audit pipeline: its keys, commands and reply shapes, frozen (the connection encodes it once). */
interface PipelinePart {
  readonly keys: readonly string[];
  readonly args: readonly (readonly string[])[];
  readonly shapes: readonly ReplyShape[];
}

function part(planned: readonly PlannedCommand[]): PipelinePart {
  return Object.freeze({ keys: Object.freeze(planned.map((p) => p.key)), args: Object.freeze(planned.map((p) => p.args)), shapes: Object.freeze(planned.map((p) => p.shape)) });
}

/**
 * The audit pipeline after INFO (see {@link auditCommands}): its commands and the shapes of their replies, once per
 * run. Frozen: the connection encodes it once for the run.
 */
function restOfAudit(): PipelinePart {
  return (auditRest ??= part(auditCommands().slice(2).filter((p) => p.key !== 'acl')));
}
let auditRest: PipelinePart | undefined;

const isCategory = (p: PlannedCommand) => p.key.startsWith('aclcat:');
/** The audit pipeline after INFO without the `ACL CAT <category>` commands: for a target whose build may be known. */
function leanRestOfAudit(): PipelinePart {
  return (leanRest ??= part(auditCommands().slice(2).filter((p) => !isCategory(p) && p.key !== 'acl')));
}
let leanRest: PipelinePart | undefined;
/** The `ACL CAT <category>` commands alone: the second round trip of a target whose build was not known. */
function categoryCommands(): PipelinePart {
  return (categoryPart ??= part(auditCommands().filter(isCategory)));
}
let categoryPart: PipelinePart | undefined;

/** A part of the pipeline with CONFIG GET asked under the name the server's config file gives CONFIG. */
function renamedConfig(planned: PipelinePart, name: string): PipelinePart {
  const args = planned.args.map((a, i) => (planned.keys[i] === 'config' || planned.keys[i] === 'config-hidden' ? [name, ...a.slice(1)] : a));
  return { ...planned, args };
}

/** What a plain-text connection's error says when the port hung up on it as a TLS port does (--local then tries TLS). */
export const TLS_PORT_HINT = '(a TLS port? use rediss:// or --tls)';

function describeConnectError(error: unknown, tls: boolean): string {
  if (error instanceof ConnectionError) {
    // An HTTP server (or a proxy's error page) answers our first command with `HTTP/1.x …`.
    if (error.kind === 'protocol' && /0x48\b/.test(error.message)) return `not a Redis server: it answered like an HTTP server (${error.message})`;
    if (error.tlsUnanswered) return `${error.message}: the port accepted TCP but never answered the TLS handshake (a plain-text port? use redis://)`;
    // A TLS port hangs up on the plain-text commands it cannot read as a handshake (redis:// to a tls-port).
    if (!tls && error.kind === 'reset') return `${error.message} ${TLS_PORT_HINT}`;
    return error.kind === 'protocol' ? `not a Redis server: ${error.message}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Why the server refused us, from the replies to AUTH and to the first command; undefined when it did not. */
function refusal(authReply: Reply | undefined, firstReply: Reply | undefined, auth?: readonly string[]): string | undefined {
  // Protected mode answers every command, AUTH included, with DENIED before any authentication.
  if ((authReply instanceof ReplyError && authReply.code === 'DENIED') || (firstReply instanceof ReplyError && firstReply.code === 'DENIED')) {
    return 'the server refused the connection: protected mode (DENIED) accepts only loopback clients while the default user has no password';
  }
  if (authReply instanceof ReplyError && !/without any password configured/i.test(authReply.message)) {
    // A server without ACL users (Redis < 6.0, a 6.0 sentinel) refuses `AUTH user password` for its arity.
    if (auth?.length === 3 && authReply.code === 'ERR' && /wrong number of arguments/i.test(authReply.message)) {
      return 'authentication failed: this server\'s AUTH takes a password alone, not a user name (Redis before 6.0, or a Redis 6.0 sentinel, which loads no ACL users): give the password without a user name';
    }
    return `authentication failed: ${authReply.code}`;
  }
  if (firstReply instanceof ReplyError && (firstReply.code === 'NOAUTH' || firstReply.code === 'DENIED')) {
    const hint = firstReply.code === 'NOAUTH' ? ': give credentials with --user/--pass or REDISCLI_AUTH' : '';
    return `${firstReply.message.split('.')[0] ?? firstReply.message}${hint}`;
  }
  return undefined;
}

const NOAUTH_WITHOUT_CREDENTIALS = 'NOAUTH without credentials';

/**
 * Redis hangs up on a client that has not authenticated when a command has more than 10 arguments
 * (COMMAND INFO here), and drops it without a word once its replies pass 1 KB (the CVE-2025-21605
 * fix, backported by distributions). After such a close, AUTH (or PING) alone on a new connection
 * tells a wrong or missing password from other failures.
 */
async function askWhyClosed(connectOptions: ConnectOptions, given: readonly string[] | undefined): Promise<string | undefined> {
  let conn: RespConnection | undefined;
  try {
    // A new connection, its certificate judged anew: the credentials go only where they would on the first.
    const trusted = await connectTrusting(connectOptions);
    conn = trusted.conn;
    const auth = trusted.withheld ? undefined : given;
    const reply = await conn.command(auth ?? ['PING']);
    if (wantsCredentials(auth, undefined, reply)) return NOAUTH_WITHOUT_CREDENTIALS;
    return auth ? refusal(reply, undefined, auth) : refusal(undefined, reply);
  } catch {
    return undefined;
  } finally {
    conn?.close();
  }
}

function closedEarly(settled: PromiseSettledResult<unknown>): boolean {
  return settled.status === 'rejected' && settled.reason instanceof ConnectionError && ['closed', 'reset'].includes(settled.reason.kind);
}

const NEEDS_CREDENTIALS = 'needs credentials: the server requires a password (give --user/--pass or REDISCLI_AUTH)';

/** Whether the server asked for a password that was not given: then only the wire can be audited. */
function wantsCredentials(auth: readonly string[] | undefined, authReply: Reply | undefined, firstReply: Reply | undefined): boolean {
  return auth === undefined && authReply === undefined && firstReply instanceof ReplyError && firstReply.code === 'NOAUTH';
}

/** Facts of a server that wants credentials that were not given: everything but the wire is unknown. */
export function factsWithoutCredentials(target: string, tlsUnverified?: string, anonymous?: UnauthenticatedProbe, withheld?: string, untrusted?: string): Facts {
  const why = withheld ?? untrusted ?? NEEDS_CREDENTIALS;
  return {
    target,
    sources: new Set<SourceKind>(['live']),
    connection: { unauthenticated: why, ...(tlsUnverified ? { tlsUnverified } : {}), ...(withheld ? { credentialsWithheld: withheld } : {}), ...(untrusted && !withheld ? { untrusted } : {}), ...(anonymous ? { anonymous } : {}) },
    unavailable: Object.fromEntries(LIVE_FACT_KEYS.map((k) => [k, why])),
  };
}

/**
 * The unauthenticated probe's answer (src/gather/probe/unauth.ts) from a connection made without credentials, when
 * it is certain: PING refused, or PING (or its NOPERM) and INFO answered. Otherwise (a hang-up before the replies) undefined, and
 * the probe asks on a connection of its own as before.
 */
function anonymousAnswer(target: Target, ping: PromiseSettledResult<Reply | undefined>, info: PromiseSettledResult<Reply>, parsed?: InfoSections): UnauthenticatedProbe | undefined {
  if (ping.status !== 'fulfilled' || ping.value === undefined) return undefined;
  const endpoint = { host: target.host, port: target.port };
  if (ping.value !== 'PONG' && !pingTellsNothing(ping.value) && !isNoPerm(ping.value)) return unauthenticatedAnswer(endpoint, target.tls !== undefined, ping.value, undefined);
  return info.status === 'fulfilled' ? unauthenticatedAnswer(endpoint, target.tls !== undefined, ping.value, info.value, parsed) : undefined;
}

/** Connects, authenticates and gathers everything in one round trip; never throws. */
export async function gatherLive(target: Target, options: LiveOptions = {}): Promise<LiveOutcome> {
  let conn: RespConnection | undefined;
  try {
    const asked = { ...(await targetConnectOptions(target, options)), ...AUDIT_REPLY_BOUNDS };
    // A certificate that does not verify is audited all the same, but the credentials go only to a chain that
    // verifies to a trusted CA (src/gather/live/tls-trust.ts): else this is the audit of a client without them.
    const connected = await connectTrusting(asked);
    conn = connected.conn;
    const { tlsUnverified } = connected;
    // Nothing is withheld from a target given no password: it is the usual audit without credentials.
    const withheld = targetPassword(target) !== undefined ? connected.withheld : undefined;
    const auth = withheld ? undefined : authCommand(target);
    const planned = auditCommands();
    // AUTH (or, without credentials, PING), INFO and the rest wait apart but are written in the same tick: still
    // one round trip, and the AUTH and INFO replies count even when the server hangs up before the rest.
    const infoCommand = planned[0]!;
    const usersCommand = planned[1]!;
    const listCommand = planned.find((p) => p.key === 'acl')!;
    // Once this run knows a server build's categories, its targets are not asked for them (ACL CAT is about 40% of
    // what an audit costs a server); a target of another build is asked in a second round trip below.
    const builds = options.buildTables;
    const lean = builds?.speculate() === true;
    const plannedRest = lean ? leanRestOfAudit() : restOfAudit();
    const planRest = options.configCommand ? renamedConfig(plannedRest, options.configCommand) : plannedRest;
    const known = options.sentinelGroups ?? [];
    const groupArgs = groupCommands(known);
    const rest: PipelinePart = groupArgs.length === 0 ? planRest : { keys: planRest.keys, args: [...planRest.args, ...groupArgs], shapes: [...planRest.shapes, ...groupArgs.map(() => undefined)] };
    const authSent = auth ? conn.command(auth) : undefined;
    // Over a unix socket, what a client without credentials gets says nothing of the TCP ports the probe is about.
    const pingSent = auth || options.noProbe || target.socket !== undefined ? undefined : conn.command(['PING']);
    const infoSent = conn.command(infoCommand.args);
    const usersSent = conn.command(usersCommand.args);
    const restSent = conn.pipeline(rest.args, rest.shapes);
    // INFO parsed once, here, for the server's version: whether ACL LIST is asked depends on it (QA44-5).
    let info: InfoSections | undefined;
    const listSent = Promise.all([infoSent, usersSent]).then(([infoReply, usersReply]) => {
      const text = replyText(infoReply);
      info = text === undefined ? undefined : parseInfo(text);
      return aclListWithheld(usersReply, info ? identity(info) : undefined) === undefined ? conn!.command(listCommand.args) : undefined;
    });
    const [authSettled, pingSettled, infoSettled, usersSettled, restSettled, listSettled] = await Promise.allSettled([authSent, pingSent, infoSent, usersSent, restSent, listSent]);
    // Without credentials this connection is a client without AUTH: its answers are the unauthenticated probe's.
    // Made when needed: with the facts, from the INFO they parsed (not parsed a second time).
    const anonymous = (parsed?: InfoSections) => anonymousAnswer(target, pingSettled, infoSettled, parsed);
    if (closedEarly(authSettled) || closedEarly(infoSettled)) {
      const why = await askWhyClosed(asked, auth);
      if (why === NOAUTH_WITHOUT_CREDENTIALS) return { ok: true, facts: factsWithoutCredentials(target.display, tlsUnverified, anonymous(), withheld, target.withheld) };
      if (why) return { ok: false, error: why };
    }
    if (authSettled.status === 'rejected') throw authSettled.reason;
    if (infoSettled.status === 'rejected') throw infoSettled.reason;
    if (wantsCredentials(auth, authSettled.value, infoSettled.value)) return { ok: true, facts: factsWithoutCredentials(target.display, tlsUnverified, anonymous(), withheld, target.withheld) };
    const refused = refusal(authSettled.value, infoSettled.value, auth);
    if (refused) return { ok: false, error: refused };
    if (restSettled.status === 'rejected') throw restSettled.reason;
    if (usersSettled.status === 'rejected') throw usersSettled.reason;
    if (listSettled.status === 'rejected') throw listSettled.reason;
    const byKey = new Map<string, Reply | Shaped>();
    byKey.set(infoCommand.key, infoSettled.value);
    byKey.set(usersCommand.key, usersSettled.value);
    if (listSettled.value !== undefined) byKey.set(listCommand.key, listSettled.value);
    rest.keys.forEach((key, i) => byKey.set(key, restSettled.value[i]!));
    // Asked without a shape: plain replies.
    const groupReplies = restSettled.value.slice(rest.keys.length) as Reply[];
    const build = info && builds ? buildKey(info) : undefined;
    let knownTable: CategoryTable | undefined;
    if (lean) {
      knownTable = builds!.lookup(build);
      if (!knownTable) {
        const categories = categoryCommands();
        // Failing here fails the target, as the first round trip would have: no bundled table in its place.
        const asked = await conn.pipeline(categories.args, categories.shapes);
        asked.forEach((reply, i) => byKey.set(categories.keys[i]!, reply));
      }
    }
    let facts = factsFromReplies(target.display, byKey, { info, categories: knownTable, configRenamed: options.configCommand !== undefined });
    facts = await withSentinelGroups(facts, conn, known, groupReplies);
    if (!knownTable && builds && facts.categories?.source.kind === 'live') {
      builds.remember(build, facts.categories, `${target.host}:${target.port}`, bundledTableOf(facts.server));
    }
    const foreign = notRedis(infoSettled.value, facts.server);
    if (foreign) return { ok: false, error: foreign };
    const answer = anonymous(facts.info);
    const password = withheld ? undefined : targetPassword(target);
    const connection = {
      ...(tlsUnverified ? { tlsUnverified } : {}),
      ...(withheld ? { credentialsWithheld: withheld } : {}),
      ...(target.withheld !== undefined ? { untrusted: target.withheld } : {}),
      ...(password !== undefined ? { credential: { user: target.username ?? 'default', password: digestPassword(password) } } : {}),
      ...(answer ? { anonymous: answer } : {}),
    };
    return { ok: true, facts: Object.keys(connection).length > 0 ? { ...facts, connection } : facts };
  } catch (error) {
    return { ok: false, error: describeConnectError(error, target.tls !== undefined) };
  } finally {
    conn?.close();
  }
}

/**
 * A sentinel's own view of each master it watches (QA41-14): from the replies asked with the audit's pipeline when the
 * names were known, else asked now, in one more pipeline, of the masters SENTINEL MASTERS listed.
 */
async function withSentinelGroups(facts: Facts, conn: RespConnection, known: readonly string[], replies: readonly Reply[]): Promise<Facts> {
  const sentinel = facts.sentinel;
  if (!sentinel) return facts;
  if (known.length > 0) return { ...facts, sentinel: { ...sentinel, groups: groupsFromReplies(known, replies) } };
  const names = sentinel.mastersUnavailable === undefined ? sentinel.masters.map((m) => m.name) : [];
  if (names.length === 0) return facts;
  const asked = await conn.pipeline(groupCommands(names));
  return { ...facts, sentinel: { ...sentinel, groups: groupsFromReplies(names, asked) } };
}

/** A reply's kind, for a message that shows none of its bytes. */
function replyKind(reply: Reply): string {
  if (reply === null) return 'a null';
  if (typeof reply === 'number' || typeof reply === 'bigint') return 'an integer';
  if (typeof reply === 'boolean') return 'a boolean';
  if (reply instanceof Map) return 'a map';
  if (Array.isArray(reply)) return 'an array';
  return 'a string';
}

/**
 * Why the server is no Redis, from its answer to INFO: every Redis, Valkey and sentinel answers with its fields and
 * `redis_version`. A server that answers `+OK` (or anything) to every command was audited as product 'unknown', most
 * rules skipping, exit 0. An error reply says nothing (the audit user may lack +info): undefined.
 */
function notRedis(info: Reply, server: ServerIdentity | undefined): string | undefined {
  if (info instanceof ReplyError) return undefined;
  if (typeof info !== 'string') return `not a Redis server: INFO answered with ${replyKind(info)}, not the server's fields`;
  if (server === undefined || server.product === 'unknown') return 'not a Redis server: its INFO reply has no redis_version';
  return undefined;
}

function live(command: string): Source {
  return { kind: 'live', command };
}

function replyText(reply: Reply | undefined): string | undefined {
  return typeof reply === 'string' ? reply : undefined;
}

function clipName(name: string): string {
  return name.length > 40 ? `${name.slice(0, 40)}…` : name;
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

/** How many addresses a `bind` value lists (words between blanks), counted without splitting it. */
function bindAddresses(bind: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < bind.length; i++) {
    const blank = bind.charCodeAt(i) <= 0x20;
    if (!blank && !inWord) count++;
    inWord = !blank;
  }
  return count;
}

/** The settings and the digested secrets of a `CONFIG GET *` (or `SENTINEL CONFIG GET *`) reply. */
function splitConfig(reply: Reply | undefined, command: string): { config: Map<string, Fact<string>>; secrets: SecretMap } {
  const config = new Map<string, Fact<string>>();
  const secrets = new Map<string, Fact<SecretDigest>>();
  const source = live(command);
  forEachPair(reply, (rawName, value) => {
    const lower = rawName.toLowerCase();
    const name = CONFIG_ALIASES.get(lower) ?? (lower.startsWith('slave-') ? `replica-${lower.slice(6)}` : lower);
    if (SECRET_DIRECTIVES.has(name)) {
      secrets.set(name, { value: digestPassword(value), source });
    } else if (!config.has(name) || name === lower) {
      config.set(name, { value, source });
    }
  });
  return { config, secrets };
}

/**
 * The settings of `CONFIG GET *` with the hidden one asked by name, when the server answered it (a server without the
 * setting answers an empty list, an error reply says nothing: either way the setting is left out, unknown).
 */
function withHidden(config: Map<string, Fact<string>>, reply: Reply | undefined): ConfigMap {
  forEachPair(reply, (name, value) => {
    if (name.toLowerCase() === HIDDEN_ASKED) config.set(HIDDEN_ASKED, { value, source: live(`CONFIG GET ${HIDDEN_ASKED}`) });
  });
  return config;
}

/**
 * Why ACL LIST is not asked, from ACL USERS's reply (its count) and the server's version (QA44-5), or undefined. An
 * ACL USERS refused (an audit user granted `+acl|list` alone, as docs/auditor-user.md wrote it) or unknown says
 * nothing of the count: ACL LIST is asked, as before.
 */
function aclListWithheld(usersReply: Reply | undefined, server: ServerIdentity | undefined): string | undefined {
  if (!Array.isArray(usersReply)) return undefined;
  // Rendered from the bitmap before Redis 7.2; an unknown version is taken as the dearer rendering.
  return tooDearToList(usersReply.length, rendersAclListAnew(server));
}

/** Redis 7.2 and Valkey keep ACL rules as written; older servers rewrite category subtractions. */
function rulesRewritten(server: ServerIdentity | undefined): boolean {
  if (!server?.version || server.product !== 'redis') return false;
  const version = majorMinor(server.version);
  return version !== undefined && !isAtLeast(version, 7, 2);
}

function aclFromReplies(
  reply: Reply | undefined,
  secrets: SecretMap | undefined,
  server: ServerIdentity | undefined,
): { acl?: AclState; reason?: string } {
  if (Array.isArray(reply)) {
    // Counted before they are parsed, and their selectors after: see MAX_PERMISSION_SETS.
    const many = tooManyToJudge('ACL LIST', reply.length);
    if (many) return { reason: many };
    let words = 0;
    for (const line of reply) words += aclWords(String(line));
    const wordy = tooManyWords('ACL LIST', words);
    if (wordy) return { reason: wordy };
    const source = live('ACL LIST');
    const users: AclUser[] = [];
    const unparsed: string[] = [];
    reply.forEach((line, i) => {
      try {
        users.push(parseAclListLine(String(line), source));
      } catch (error) {
        // The server accepted the user: a line redfort cannot read is redfort's gap. Judge the other users.
        if (!(error instanceof AclSyntaxError)) throw error;
        const name = /^user (\S+)/.exec(String(line))?.[1];
        unparsed.push(`ACL LIST line ${i + 1}${name ? ` (user '${clipName(name)}')` : ''} could not be read and was left out of the audit: ${error.message}`);
      }
    });
    const selectors = tooManyUsers('ACL LIST', users);
    if (selectors) return { reason: selectors };
    return { acl: { users, origin: 'acl-list', rewritten: rulesRewritten(server), ...(unparsed.length ? { unreadable: unparsed } : {}), source } };
  }
  // Redis 5 and older have no ACL: the only user is `default`, guarded by requirepass alone. Only when INFO says
  // so: on 6.0+ an unknown ACL is `rename-command ACL ""`, and the users it hides (a `nopass` one among them) exist.
  const noAcl = server?.product === 'redis' && server.version !== undefined && beforeAcl(resolveVersion(server.version));
  if (noAcl && reply instanceof ReplyError && /unknown command/i.test(reply.message) && secrets?.has('requirepass')) {
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

function categoriesFromReplies(byKey: ReadonlyMap<string, Reply | Shaped>, server: ServerIdentity | undefined): CategoryTable {
  const lists = new Map<string, LiveMembers>();
  for (const category of ACL_CATEGORIES) {
    const reply = byKey.get(categoryKeys.get(category)!);
    // Names as bytes (BulkList): the table compares them with the ones it knows and makes strings only for a new
    // table. A reply decoded as usual (its bytes came in pieces) is taken as it is when it holds names only (it
    // does; no copy), else each element is made one. The table lowercases the names itself.
    if (reply instanceof BulkList) lists.set(category, reply);
    else if (Array.isArray(reply)) lists.set(category, reply.every((name) => typeof name === 'string') ? (reply as string[]) : reply.map((name) => String(name)));
  }
  if (lists.has('dangerous')) return categoryTableFromLive(lists, live('ACL CAT <category>'));
  return bundledTableOf(server);
}

function commandSurface(reply: Reply | Shaped | undefined): CommandSurface | undefined {
  // Only which commands are there (COMMAND INFO gives null for one that is not): read without decoding (NullMask).
  if (!Array.isArray(reply) && !(reply instanceof NullMask)) return undefined;
  const present = new Map<string, boolean>();
  if (reply instanceof NullMask) ADMIN_COMMANDS.forEach((name, i) => present.set(name, reply.present[i] === true));
  else ADMIN_COMMANDS.forEach((name, i) => present.set(name, reply[i] !== null && reply[i] !== undefined));
  return { present, renames: new Map(), source: live(`COMMAND INFO ${ADMIN_COMMANDS.join(' ')}`) };
}

/**
 * The replies by key, each as decoded: the categories' (bytes) and COMMAND INFO's (which are null) are read where
 * they are used; a NullMask, never read as a reply, is none.
 */
function decoded(byKey: ReadonlyMap<string, Reply | Shaped>): (key: string) => Reply | undefined {
  return (key) => {
    const reply = byKey.get(key);
    return reply instanceof BulkList ? reply.texts() : reply instanceof NullMask ? undefined : reply;
  };
}

function sentinelFromReplies(byKey: ReadonlyMap<string, Reply | Shaped>): SentinelFacts {
  const reply = decoded(byKey);
  const configReply = reply('sentinel-config');
  const { config, secrets } = splitConfig(configReply, 'SENTINEL CONFIG GET *');
  const masters = reply('sentinel-masters');
  return {
    ...(Array.isArray(configReply) || configReply instanceof Map ? {} : { configUnavailable: why(configReply, 'SENTINEL CONFIG GET', '+sentinel|config') }),
    masters: parseSentinelMasters(masters, live('SENTINEL MASTERS')),
    ...(Array.isArray(masters) ? {} : { mastersUnavailable: why(masters, 'SENTINEL MASTERS', '+sentinel|masters') }),
    config,
    sentinelPass: secrets.get('sentinel-pass'),
    denyScriptsReconfig: undefined,
    masterAuthKnown: false,
    source: live('SENTINEL MASTERS'),
  };
}

/** Builds the facts of one live target from the replies of the audit pipeline. Pure. */
export function factsFromReplies(
  target: string,
  byKey: ReadonlyMap<string, Reply | Shaped>,
  /** INFO already parsed (from byKey's), and the categories of the server's build when this run knew them. */
  given: { readonly info?: InfoSections | undefined; readonly categories?: CategoryTable | undefined; readonly configRenamed?: boolean } = {},
): Facts {
  const reply = decoded(byKey);
  const unavailable: Partial<Record<FactKey, string>> = {};
  const sources = new Set<SourceKind>(['live']);
  const facts: { -readonly [K in keyof Facts]?: Facts[K] } = { target, sources };

  const infoText = replyText(reply('info'));
  if (infoText !== undefined) {
    const info = given.info ?? parseInfo(infoText);
    facts.info = info;
    facts.server = identity(info);
  } else {
    unavailable.info = unavailable.server = why(reply('info'), 'INFO', '+info');
  }
  const server = facts.server;

  const configReply = reply('config');
  const configRead = Array.isArray(configReply) || configReply instanceof Map ? splitConfig(configReply, 'CONFIG GET *') : undefined;
  // Every Redis and Valkey lists these: a reply without one is cut short or filtered (a proxy, a hostile server),
  // and the rules would take each setting it left out for its default ("logfile is ''", "requirepass is not set").
  const missing = configRead
    ? alwaysListed(server?.product === 'valkey' ? 'valkey' : 'redis', server?.version, configRead.config.has('tls-port')).filter((name) => !configRead.config.has(name) && !configRead.secrets.has(name))
    : [];
  // No Redis or Valkey binds more than 16 addresses (CONFIG_BINDADDR_MAX): a hostile server's bind of 1.5 million made
  // each rule that weighs the listeners walk them all, 3.6 s of CPU in which every other target of a fleet waited.
  const binds = configRead ? bindAddresses(configRead.config.get('bind')?.value ?? '') : 0;
  if (configRead && binds > MAX_BIND_ADDRESSES) {
    unavailable.config = unavailable.secrets = `CONFIG GET * gave a bind of ${binds.toLocaleString('en-US')} addresses, where Redis and Valkey take at most ${MAX_BIND_ADDRESSES}: a hostile server, or no Redis`;
  } else if (configRead && missing.length === 0) {
    facts.config = withHidden(configRead.config, reply('config-hidden'));
    facts.secrets = configRead.secrets;
  } else if (configRead && server?.mode !== 'sentinel') {
    const size = configRead.config.size + configRead.secrets.size;
    unavailable.config = unavailable.secrets = `CONFIG GET * gave an incomplete reply (${size} setting${size === 1 ? '' : 's'}, no ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}): a proxy that filters settings, or no Redis`;
  } else if (server?.mode === 'sentinel') {
    unavailable.config = unavailable.secrets =
      'a sentinel has no CONFIG command: its settings are only in sentinel.conf (pass --sentinel-config, or run on its host)';
  } else {
    unavailable.config = unavailable.secrets = why(configReply, 'CONFIG GET', '+config|get');
  }

  // ACL LIST is not asked of a server that would stall rendering the users ACL USERS counted (gatherLive).
  const withheld = aclListWithheld(reply('acl-users'), server);
  const { acl, reason } = withheld !== undefined ? { acl: undefined, reason: withheld } : aclFromReplies(reply('acl'), facts.secrets, server);
  // Redis keeps a user 'default' (ACL DELUSER refuses it): an ACL LIST without it is cut short or no Redis's, and
  // its users would pass as all there is ("there is no default user").
  if (acl?.origin === 'acl-list' && !acl.users.some((u) => u.name === 'default') && !acl.unreadable?.length) {
    unavailable.acl = 'ACL LIST gave an incomplete reply (no user default, which every Redis has)';
  } else if (acl) facts.acl = acl;
  else unavailable.acl = reason;

  facts.categories = given.categories ?? categoriesFromReplies(byKey, server);
  // The users are judged over the server's own categories: made-up command names in its ACL CAT make each user dearer.
  const heavy = facts.acl && tooMuchToJudge('the server', facts.acl.users, facts.categories);
  if (heavy) {
    delete facts.acl;
    unavailable.acl = heavy;
  }

  const surface = commandSurface(byKey.get('commandinfo'));
  // A command the server ran, or refused by ACL (NOPERM comes after the command is found), exists: COMMAND INFO that
  // calls it renamed or removed is not the server's own reply (a proxy that hides commands), and
  // commands.dangerous-not-renamed would pass on it.
  const ran = (r: Reply | undefined) => r !== undefined && (!(r instanceof ReplyError) || r.code === 'NOPERM');
  // CONFIG asked under the name its config file renames it to ran as that name: no contradiction.
  const contradicted = (['config', 'acl'] as const).filter((name) => surface?.present.get(name) === false && ran(reply(name)) && !(name === 'config' && given.configRenamed === true));
  if (surface && contradicted.length === 0) facts.commands = surface;
  else if (surface) unavailable.commands = `COMMAND INFO calls ${contradicted.map((c) => c.toUpperCase()).join(' and ')} renamed or removed, but the server answered ${contradicted.map((c) => (c === 'config' ? 'CONFIG GET' : 'ACL LIST')).join(' and ')}: the reply is not the server's own (a proxy that hides commands, or no Redis)`;
  else unavailable.commands = why(reply('commandinfo'), 'COMMAND INFO', '+command|info');

  const time = reply('time');
  // Seconds since the epoch, a whole positive number: Number('abc') is NaN, which every date comparison takes as false
  // (an ended support, an expired certificate passed). Else the rules use redfort's own clock.
  const seconds = Array.isArray(time) && time.length >= 1 ? Number(time[0]) : undefined;
  if (seconds !== undefined && Number.isSafeInteger(seconds) && seconds > 0) facts.now = { value: seconds, source: live('TIME') };
  else unavailable.now = seconds === undefined ? why(time, 'TIME', '+time') : 'TIME gave no whole number of seconds';

  // Without INFO the mode is unknown: never "not a sentinel" / "not a cluster node" on a server that may be one.
  const modeUnknown = (what: string) => `${unavailable.info}: whether the target is ${what} is unknown`;
  if (server?.mode === 'sentinel') facts.sentinel = sentinelFromReplies(byKey);
  else unavailable.sentinel = server ? 'the target is not a sentinel' : modeUnknown('a sentinel');

  const clusterText = replyText(reply('cluster'));
  if (server?.mode === 'cluster' && clusterText !== undefined) {
    const nodes = parseClusterNodes(clusterText);
    // The server's word: a CLUSTER NODES of 150,000 nodes (within 16 MiB) made cluster.quorum-host-spread simulate the
    // loss of each of their hosts over all of them, for minutes, on a single node's audit as with --cluster.
    if (nodes.length > MAX_DEPLOYMENT_NODES) {
      unavailable.cluster = tooManyNodes(nodes.length, 'CLUSTER NODES');
    } else {
      facts.cluster = {
        nodes,
        myId: nodes.find((n) => n.flags.includes('myself'))?.id,
        state: facts.info ? infoField(facts.info, 'cluster_state') : undefined,
        source: live('CLUSTER NODES'),
      };
    }
  } else if (server?.mode === 'cluster') {
    unavailable.cluster = why(reply('cluster'), 'CLUSTER NODES', '+cluster|nodes');
  } else {
    unavailable.cluster = server ? 'the target is not a cluster node (cluster-enabled no)' : modeUnknown('a cluster node');
  }
  return { ...(facts as Facts), unavailable };
}
