import type { AclUser, Facts, Source } from '../facts/types.ts';
import { listed } from '../util/words.ts';
import type { RuleResult } from '../engine/run.ts';
import { findRule } from '../rules/index.ts';
import { packageVersion } from '../package-root.ts';
import { resolveVersion, versionAtLeast } from '../redis/directives.ts';
import type { Target } from '../redis/target.ts';
import { ACCEPTED_LOGLEVELS, ACL_NAME_TRIES, DEFAULT_ACLFILE, defaultLogfile, newAclPath, roleRules, targetSettings, TLS_CIPHERS, TLS_PROTOCOLS } from '../profile/index.ts';
import type { Role } from '../profile/index.ts';
import { fixUsers } from './profile.ts';
import { clientCertificatesHold } from './client-certificates.ts';
import type { Arg, FixPlan, ManualItem, NodeRole, PlanNode, PlanStep, StepClass, Touch } from './types.ts';
import { showArg } from './types.ts';
import { deploymentDigest, nodeDigest } from './digest.ts';
import { infoField } from '../redis/info.ts';
import { formatSource } from '../facts/source.ts';
import { parseVersion } from '../rules/util.ts';
import { isLocalHost, isLoopbackAddress } from '../net/address.ts';
import { dirname, join } from 'node:path';
import { aclFileOf, pubsubDefault, userDifferences } from '../acl/drift.ts';
import { analyzeDangerous } from '../acl/permissions.ts';
import type { CommandGrant } from '../acl/permissions.ts';
import { dangerousOf, writtenUser } from '../rules/auth/written-rules.ts';
import { databaseScope } from '../acl/databases.ts';
import { canLogIn } from '../rules/auth/users.ts';
import type { UserDifference } from '../acl/drift.ts';
import { compiledDefault, dirDrift, NOT_COMPARABLE } from '../rules/config/runtime-drift.ts';
import { clipped } from '../util/shown.ts';

/** One node as the audit before the plan saw it. */
export interface FixNodeInput {
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly role: NodeRole;
  readonly facts: Facts;
  /** The node's rule results (deployment-level rules judged elsewhere appear as skips). */
  readonly results: readonly RuleResult[];
  /** Connections named `sentinel-…` in CLIENT LIST (outside `--sentinel`), or why they could not be counted. */
  readonly sentinelClients?: number | string;
  /**
   * A sentinel fix must send nothing (src/fix/gather.ts sentinelRefusal): why, and whether it answered as a sentinel of
   * the group (it then keeps using the default user of the data nodes, which must stay on).
   */
  readonly refused?: {
    readonly why: string;
    readonly watching: boolean;
    /** It could not be audited at all (QA44-56's rest): whether it watches is unknown, and naming it changes nothing. */
    readonly unaudited?: boolean;
  };
  /**
   * How fix reaches the node (the plan's audit, an apply's steps, its re-audit and a rollback): its address, user and
   * TLS client certificate decide which steps would cut fix off from the node, and so are left to the user instead.
   */
  readonly target: Target;
}

export interface PlanInput {
  readonly target: string;
  readonly deployment: FixPlan['deployment'];
  readonly nodes: readonly FixNodeInput[];
  /** Results of the deployment entry (replication.no-masteruser, sentinel rules, ...). */
  readonly deploymentResults?: readonly RuleResult[];
  /** `--user-prefix` of the generated users. */
  readonly userPrefix?: string;
  /**
   * SHA-256 of each password the secrets file already holds, by user name: a generated user that already exists on a
   * node with one of them is fix's own (an earlier run with the same file); any other existing user of that name is
   * someone else's, and fix never changes it.
   */
  readonly ownPasswords?: ReadonlyMap<string, string>;
  readonly now?: Date;
  /**
   * Whether a path exists on this machine: a new ACL file for a node on this machine never takes an existing one's
   * name (another server's users). Default: nothing exists.
   */
  readonly pathExists?: (path: string) => boolean;
}

/** The rules `fix` can close, and in which class: the rule docs' "Fix" sections say the same. */
export const FIX_CLASSES: ReadonlyMap<string, StepClass | 'safe+disruptive'> = new Map([
  ['logging.loglevel-too-quiet', 'safe'],
  ['network.protected-mode-off', 'safe+disruptive'],
  ['auth.no-authentication', 'disruptive'],
  ['auth.default-user-enabled', 'disruptive'],
  ['auth.requirepass-used', 'disruptive'],
  ['auth.weak-password', 'disruptive'],
  ['auth.plaintext-passwords', 'safe+disruptive'],
  ['auth.dangerous-commands-allowed', 'disruptive'],
  ['commands.dangerous-not-renamed', 'disruptive'],
  ['replication.no-masteruser', 'safe'],
  ['sentinel.no-auth-user', 'safe'],
  ['tls.server-ciphers-not-preferred', 'safe'],
  ['tls.weak-protocols', 'disruptive'],
  ['tls.weak-ciphers', 'disruptive'],
  ['tls.client-auth-disabled', 'disruptive'],
  ['commands.protected-features-enabled', 'restart'],
  ['logging.syslog-disabled', 'restart'],
  ['logging.no-logfile', 'restart'],
  ['auth.acl-file-missing', 'restart'],
  ['tls.cluster-bus-plaintext', 'restart'],
]);

const AUTH_RULES = ['auth.no-authentication', 'auth.default-user-enabled', 'auth.requirepass-used'];

function config(facts: Facts, name: string): string | undefined {
  return facts.config?.get(name)?.value;
}

/**
 * The file line a value comes from when that file is not the main config file (an include), else undefined. CONFIG
 * REWRITE rewrites the main file only, and writes no line for a value equal to the compiled default: a setting changed
 * at run time whose line is in an include differs from the files after the rewrite (config.runtime-drift) and comes
 * back at the next start.
 */
function includedSource(source: Source | undefined, configFile: string | null | undefined): { readonly path: string; readonly line: number } | undefined {
  return source?.kind === 'file' && configFile != null && source.path !== configFile ? source : undefined;
}

type FileLine = { readonly path: string; readonly line: number };

/**
 * Every line of the files that sets a setting (or a secret such as requirepass), in order, when one of them is in an
 * included file, else undefined. The last line wins at start, but CONFIG REWRITE rewrites the main file only: an
 * include's line, even one an later line of the main file overrides today, comes back once the main file's is gone.
 */
function includedLines(facts: Facts, name: string): readonly FileLine[] | undefined {
  const last = facts.files?.config.get(name)?.source ?? facts.files?.secrets.get(name)?.source;
  const lines = (facts.files?.repeated?.get(name) ?? (last ? [last] : [])).flatMap((s) => (s.kind === 'file' ? [s] : []));
  return lines.some((s) => includedSource(s, facts.server?.configFile)) ? lines : undefined;
}

/** What a manual item says beyond the general words, for a setting the general words say too little about. */
const HELD_WORDS: Readonly<Record<string, { readonly rewrite: (main: string) => string; readonly todo: string; readonly after: string }>> = {
  requirepass: {
    rewrite: (main) => ` (it copies the running requirepass into ${main} instead)`,
    todo: 'remove',
    after: 'cleared at run time only, it would differ from the files and come back at the next start; the default user is off either way',
  },
};

/**
 * The manual item of a step left to the user because a setting it changes has a line in an included file: every line
 * that sets it, why fix does not, and what to do.
 */
function heldMessage(command: readonly Arg[], held: readonly { readonly name: string; readonly lines: readonly FileLine[] }[], configFile: string | null | undefined): string {
  const main = configFile ?? 'the main config file';
  const where = held.map(({ name, lines }) => `${name} is set in ${listed(lines.map((l) => `${l.path}:${l.line}`))}`).join(', ');
  const included = [...new Set(held.flatMap(({ lines }) => lines.filter((l) => includedSource({ kind: 'file', ...l }, configFile)).map((l) => l.path)))];
  const words = held.length === 1 ? HELD_WORDS[held[0]!.name] : undefined;
  const rewrite = words?.rewrite(main) ?? '';
  const why = held.some(({ lines }) => lines.length > 1)
    ? `; CONFIG REWRITE rewrites ${main} only, not ${included.length === 1 ? 'the included file' : 'the included files'} ${listed(included)}${rewrite}: ${words?.todo ?? 'remove'} the line${included.length === 1 ? '' : 's'} there first`
    : `, an included file, which CONFIG REWRITE does not rewrite${rewrite}: ${words?.todo ?? 'change or remove'} that line first`;
  const names = listed(held.map((h) => h.name));
  return `${where}${why}, then ${command.map(shown).join(' ')} and CONFIG REWRITE (fix leaves ${names} as ${held.length === 1 ? 'it is' : 'they are'}: ${words?.after ?? 'set at run time only, it would differ from the files and come back at the next start'})`;
}

/**
 * Why a bare ACL SAVE would write more into the node's ACL file than its passwords as `#<sha256>`, else undefined.
 * ACL SAVE writes the users the server runs (ACL LIST) over the file: only when they are the users the file gives
 * (the same users, on/off, passwords, commands, keys, channels and selectors: config.runtime-drift's comparison) does
 * it change nothing but the passwords' encoding. Unknown (a user or the file not read, no command table) is not "the
 * same".
 */
export function aclSaveWritesMore(facts: Facts): string | undefined {
  const found = aclFileDifferences(facts);
  if (typeof found === 'string') return found;
  return found.length === 0 ? undefined : `the running users differ from the file (${shortDifferences(found)})`;
}

/**
 * The users the node's ACL file holds that the server does not run (ACL LIST), by name: an ACL SAVE removes them from
 * the file. Empty when either side is unknown (the file not read, ACL LIST not readable whole): fix cannot tell then.
 */
export function fileOnlyUsers(facts: Facts): string[] {
  const { acl, files } = facts;
  if (!files || files.unread?.length || acl?.origin !== 'acl-list' || acl.unreadable?.length) return [];
  const running = new Set(acl.users.map((u) => u.name));
  return [...new Set(files.users.map((u) => u.name).filter((name) => !running.has(name)))];
}

/** `user 'a'`, `users 'a' and 'b'`. */
function userList(names: readonly string[]): string {
  return `${names.length === 1 ? 'user' : 'users'} ${listed(names.map((u) => `'${clipped(u)}'`))}`;
}

/** The first difference, and how many more. */
function shortDifferences(differences: readonly UserDifference[]): string {
  const more = differences.length - 1;
  return `${differences[0]!.message}${more > 0 ? `; ${more} more difference${more === 1 ? '' : 's'}` : ''}`;
}

/** How the running users differ from the ACL file's, or why that is unknown. */
function aclFileDifferences(facts: Facts): readonly UserDifference[] | string {
  const { acl, files, categories, server } = facts;
  if (!files) return 'the ACL file was not read, so the running users could not be compared with it';
  if (files.unread?.length) return `${files.unread.join('; ')}, so the running users could not be compared with it`;
  if (acl?.origin !== 'acl-list') return "the server's users could not be read (ACL LIST), so they could not be compared with the file";
  if (acl.unreadable?.length) return `${acl.unreadable.length} of the server's users could not be read, so they could not be compared with the file`;
  if (!categories) return "the server's command categories could not be read, so the users' commands could not be compared with the file";
  const aclFile = aclFileOf(config(facts, 'aclfile') ?? files.config.get('aclfile')?.value, files.users);
  return userDifferences({
    running: acl.users,
    written: files.users,
    categories,
    filePubsub: pubsubDefault(files.config.get('acl-pubsub-default')?.value, server),
    runningPubsub: pubsubDefault(config(facts, 'acl-pubsub-default') ?? files.config.get('acl-pubsub-default')?.value, server),
    filesSource: files.source,
    ...(aclFile ? { aclFile } : {}),
  });
}

/**
 * What a CONFIG REWRITE of the node writes into its config file besides the plan's own changes (`planned`: the
 * settings and users its steps change): every running value that differs from the file's line, or, where the file
 * has none, from the compiled default (the settings config.runtime-drift compares so; a rewrite writes any value that
 * is not the default). Someone's CONFIG SET never rewritten (a temporary `maxmemory`) would be made permanent
 * unannounced (QA40-11). Whether a difference is a lost CONFIG SET or a command-line option does not matter here:
 * the rewrite writes it either way. Each item is `name value (the file: …)`; a secret is named, never shown; users
 * only when the rewrite writes them (no aclfile).
 */
export function rewriteAlsoWrites(facts: Facts, planned: { readonly config: ReadonlySet<string>; readonly users: ReadonlySet<string> }, withUsers: boolean): string[] {
  const { files, server } = facts;
  if (!files) return [];
  const out: string[] = [];
  for (const [name, fileFact] of files.config) {
    if (NOT_COMPARABLE.has(name) || planned.config.has(name)) continue;
    const running = facts.config?.get(name);
    if (!running || running.source.kind !== 'live') continue;
    const unset = fileFact.source.kind === 'default' ? compiledDefault(name, server) : undefined;
    if (fileFact.source.kind !== 'file' && unset === undefined) continue;
    const filed = unset ?? fileFact.value;
    if (name === 'dir' ? dirDrift(files, running.value) === undefined : running.value === filed) continue;
    const was = unset === undefined ? `'${clipped(filed)}' at ${formatSource(fileFact.source)}` : `no line, so the compiled default '${clipped(filed)}'`;
    out.push(`${name} '${clipped(running.value)}' (the file: ${was})`);
  }
  for (const [name, fileSecret] of files.secrets) {
    if (planned.config.has(name)) continue;
    const running = facts.secrets?.get(name);
    if (!running || running.source.kind !== 'live') continue;
    if (fileSecret.source.kind === 'file' ? running.value.sha256 !== fileSecret.value.sha256 : running.value.set && !fileSecret.value.set) {
      out.push(`${name} (value not shown; the file: ${fileSecret.source.kind === 'file' ? `another value at ${formatSource(fileSecret.source)}` : 'not set'})`);
    }
  }
  if (withUsers) {
    const drift = aclFileDifferences(facts);
    if (typeof drift !== 'string') {
      for (const d of drift) if (![...planned.users].some((u) => d.message.startsWith(`user '${u}'`))) out.push(d.message);
    }
  }
  return out;
}

/**
 * The sentinel's config file, into which SENTINEL SET writes the new auth-pass in clear text (QA40-6: a 0644
 * sentinel.conf gave the `sentinel` user's password, which can SLAVEOF and CONFIG REWRITE every data node, to every
 * local user): its mode as the host stage saw it (a sentinel on this machine), or words saying it could not be seen.
 * Group read is allowed (0640, the profile's); others' read is not.
 */
function sentinelFile(n: FixNodeInput): { path: string; mode?: string; open: boolean; words: string } {
  const path = n.facts.server?.configFile ?? 'sentinel.conf';
  const found = n.facts.host?.files.find((f) => (f.role === 'sentinel-config' || f.role === 'config') && f.state.kind === 'present');
  const stat = found?.state.kind === 'present' ? found.state.stat : undefined;
  if (!stat) {
    return { path, open: false, words: `fix cannot see the mode of ${path} from here${isLocalHost(n.host) ? '' : ` (${n.host} is another machine)`}: it must be 0600 or 0640, as the password is written into it` };
  }
  const mode = `0${(stat.mode & 0o777).toString(8).padStart(3, '0')}`;
  const open = (stat.mode & 0o004) !== 0;
  return {
    path: found!.path,
    mode,
    open,
    words: open
      ? `${found!.path} is mode ${mode}: others may read it, and so the new password: run chmod 640 (or 600) on it before the apply (host.config-file-permissions); fix does not change it`
      : `${found!.path} is mode ${mode}, which others may not read; fix keeps that mode`,
  };
}

/**
 * Why fix cannot run CONFIG on a data node under that name, else undefined (CONFIG GET answered it live). Fix sends
 * commands by their own names only (it takes no rename map): a CONFIG renamed or removed (`rename-command CONFIG …`,
 * read from the files or seen by COMMAND INFO), or refused to the user fix logs in as (the settings came from the
 * files then), would refuse every CONFIG SET and CONFIG REWRITE of the plan, and the apply would roll everything back
 * at the first one (measured on valkey 9.1.2: `ERR unknown command 'CONFIG'`), even where the audit read CONFIG GET
 * under the name the config file gives it. The renamed name is never shown.
 */
export function configUnusable(facts: Facts): string | undefined {
  // Read live under CONFIG's own name. Read under the name its file renames it to (QA44-6), it is still renamed here.
  const live = [...(facts.config?.values() ?? [])].some((f) => f.source.kind === 'live');
  if (live && facts.commands?.present.get('config') !== false) return undefined;
  const rename = facts.commands?.renames.get('config');
  if (rename) return `CONFIG is ${rename.value === '' ? 'removed' : 'renamed'} on this server (rename-command, ${formatSource(rename.source)})`;
  if (facts.commands?.present.get('config') === false) return 'CONFIG is renamed or removed on this server (COMMAND INFO does not know it)';
  return 'CONFIG GET could not be run as the user fix logs in as (CONFIG is refused to it, renamed or removed)';
}

/** What a manual item says for a CONFIG step fix cannot run: the lines to put in the config file instead. */
function configByHand(command: readonly Arg[], why: string, configFile: string | null | undefined): string {
  const file = configFile ?? 'the config file it starts with';
  const [, sub, ...rest] = command.map(shown);
  const pairs = sub?.toUpperCase() === 'SET' ? rest.flatMap((a, i) => (i % 2 === 0 ? [`${a} ${rest[i + 1] ?? ''}`.trim()] : [])) : [];
  const secret = command.some((a) => typeof a !== 'string') ? ' (<generated>: the password the secrets file holds)' : '';
  const lines = pairs.length > 0 ? `set ${listed(pairs.map((l) => `\`${l}\``))} in ${file} (in place of any line that sets ${pairs.length === 1 ? 'it' : 'them'})${secret} and restart the node` : `run it by hand`;
  return `${why}, and fix sends commands by their own names only, so it does not run \`${command.map(shown).join(' ')}\`: ${lines}, or run it under CONFIG's new name followed by CONFIG REWRITE under that name`;
}

function shown(arg: Arg): string {
  return typeof arg === 'string' ? (arg === '' ? '""' : arg) : arg.value;
}

function failing(results: readonly RuleResult[], id: string): boolean {
  return results.some((r) => r.ruleId === id && r.status === 'fail');
}

/** What takes a user's @dangerous commands granted through a category away: ACL SETUSER rules, or why fix cannot. */
type DangerousRemoval = { readonly rules: string[]; readonly kept: string[] } | { readonly rules?: undefined; readonly why: string };

/** `+cmd` / `+cmd|sub` for a grant by name (a 7.0 rendering may attribute one to a category rule: then its command). */
function regrant(g: CommandGrant): string {
  return /^\+[^@]/.test(g.rule) ? g.rule : `+${g.command}`;
}

/**
 * The rules that take @dangerous from a user auth.dangerous-commands-allowed fails (judged as the rule judges it:
 * dangerousOf, commands removed by `rename-command X ""` not counted); undefined when the rule does not fail it.
 * `-@dangerous` ends the root rules and every selector that grants one through a category (selectors only change as
 * a whole: `clearselectors`, then each selector again, as ACL LIST renders it), the commands each granted by name
 * given back after it, as harden does. Checked by judging the user as the step leaves it: a category still granting
 * one is a reason to leave it by hand, never a step that claims the rule.
 */
function dangerousRemoval(user: AclUser, f: Facts): DangerousRemoval | undefined {
  const table = f.categories;
  const state = f.acl;
  if (!table || !state || !canLogIn(user) || !table.categories.has('dangerous')) return undefined;
  const removed = new Set([...(f.commands?.renames ?? new Map<string, { value: string }>())].filter(([, to]) => to.value === '').map(([from]) => from.toLowerCase()));
  const exists = (g: CommandGrant): boolean => !removed.has(g.command.split('|')[0]!);
  if (!dangerousOf(user, state, f.files, table, f.server, databaseScope(f.server, f.config)).viaCategory.some(exists)) return undefined;
  // The rules as written where they can be known (Redis 7.0 renders them again: `+keys` after `+@admin` is then
  // told from the file, the rule's way); their selectors stand for the running ones when there are as many.
  const written = writtenUser(user, state, f.files, table, f.server);
  const same = written.user.selectors.length === user.selectors.length;
  // Each permission set alone: a command the root grants is not reported again for a selector that grants it too.
  const take = (selector: number | undefined): string[] | undefined => {
    const rules = selector === undefined ? user.rules : user.selectors[selector]!;
    const set = analyzeDangerous({ ...user, rules, selectors: [] }, table, { rewritten: state.rewritten });
    if (!set.viaCategory.some(exists)) return undefined;
    const writtenRules = selector === undefined ? written.user.rules : same ? written.user.selectors[selector]! : undefined;
    const asWritten = writtenRules ? analyzeDangerous({ ...user, rules: writtenRules, selectors: [] }, table, { rewritten: written.rewritten }).byName : [];
    return ['-@dangerous', ...new Set([...set.byName, ...asWritten].map(regrant))];
  };
  const root = take(undefined) ?? (user.selectors.length === 0 ? ['-@dangerous'] : []);
  const selectors = user.selectors.map((rules, i) => [...rules, ...(take(i) ?? [])]);
  const changed = selectors.some((rules, i) => rules.length !== user.selectors[i]!.length);
  const after: AclUser = { ...user, rules: [...user.rules, ...root], selectors };
  const still = analyzeDangerous(after, table, { rewritten: false }).viaCategory.filter(exists);
  if (still.length > 0) return { why: `${still[0]!.command} stays granted through ${still[0]!.rule}${still[0]!.selector === undefined ? '' : ` (selector ${still[0]!.selector + 1})`} after -@dangerous` };
  if (root.length === 0 && !changed) return { why: 'the grants through a category could not be told apart on the running server' };
  const kept = [...new Set([...root, ...selectors.flatMap((rules, i) => rules.slice(user.selectors[i]!.length))].filter((r) => r !== '-@dangerous').map((r) => r.slice(1)))];
  return { rules: [...root, ...(changed ? ['clearselectors', ...selectors.map((rules) => `(${rules.join(' ')})`)] : [])], kept };
}

function userOf(facts: Facts, name: string): AclUser | undefined {
  return facts.acl?.origin === 'acl-list' ? facts.acl.users.find((u) => u.name === name) : undefined;
}

/** Replicas first, then masters, then sentinels; by address within each. */
function nodeOrder(a: FixNodeInput, b: FixNodeInput): number {
  const rank = { replica: 0, master: 1, sentinel: 2 } as const;
  return rank[a.role] - rank[b.role] || a.address.localeCompare(b.address);
}

/**
 * Where a cluster node's bus goes when tls-cluster turns on at its next start, when it moves: it listens on
 * `cluster-port`, else on the client port + 10000 (the TLS port under tls-cluster yes) (redis@7.0.15 cluster.c
 * clusterInit). `now` is where it listens today: CLUSTER NODES' own bus port, unless cluster-announce-bus-port makes
 * that the announced one (measured on 7.0.15: CLUSTER NODES shows the announced port), then the client port + 10000.
 * `pin`: the release has cluster-port (7.0+), which keeps the bus on `now`; before 7.0 it moves, whatever the files say.
 * Undefined when it does not move (cluster-port set, or unknown).
 */
interface BusMove {
  readonly now: number;
  readonly moved: number;
  readonly pin: boolean;
}

function busMove(facts: Facts): BusMove | undefined {
  const port = (name: string) => {
    const n = Number(config(facts, name) ?? 0);
    return Number.isInteger(n) && n > 0 && n < 65536 ? n : 0;
  };
  if (port('cluster-port') > 0 || config(facts, 'cluster-enabled') !== 'yes') return undefined;
  const tls = port('tls-port');
  if (tls === 0) return undefined;
  const cluster = facts.cluster;
  const own = port('cluster-announce-bus-port') > 0 || cluster?.myId === undefined ? undefined : cluster.nodes.find((x) => x.id === cluster.myId)?.busPort;
  const plain = config(facts, 'port') === undefined ? 0 : port('port');
  const now = own !== undefined && own > 0 ? own : plain > 0 ? plain + 10_000 : 0;
  const moved = tls + 10_000;
  if (now === 0 || now === moved) return undefined;
  // No version to read is an unstable build (255.255.255), the newest: it has cluster-port.
  const v = parseVersion(facts.server?.version);
  return { now, moved, pin: v === undefined || v[0] >= 7 };
}

/**
 * Why the tls-cluster step is a restart step. Measured on 7.0.15 with three nodes on 127.0.0.1-3: CONFIG SET tls-cluster
 * yes without cluster-port makes a node announce its bus at tls-port + 10000, where it does not listen (cluster.c
 * deriveAnnouncedPorts), and the others lose it; with cluster-port, it changes only the bus links made afterwards.
 */
function tlsClusterWhy(bus: BusMove | undefined): string {
  return bus?.pin
    ? 'fix does not set tls-cluster at run time (CONFIG SET tls-cluster yes makes a node without cluster-port announce its bus at tls-port + 10000, where it does not listen: the other nodes lose it)'
    : 'fix does not set tls-cluster at run time (CONFIG SET tls-cluster changes only the cluster bus links made afterwards)';
}

/**
 * What the restart takes, said after the tls-cluster step's own words. Measured on 7.0.15 (three nodes on 127.0.0.1-3):
 * a node restarted with tls-cluster yes and one still without it do not reach each other over the bus (each marks the
 * other failing); restarting every node together with cluster-port pinned forms the cluster again; so does a rolling
 * restart after CONFIG SET tls-cluster yes on every node whose bus cluster-port holds. On 6.2.16 the bus moved to
 * tls-port + 10000 on every node, the restarted cluster stayed in cluster_state:fail until CLUSTER MEET host tls-port
 * introduced the nodes again.
 */
function tlsClusterAfter(bus: BusMove | undefined, configFile: string): string {
  const mixed = 'a node restarted with tls-cluster yes and one still without it do not reach each other over the bus (each marks the other failing, and replicas may take over)';
  if (bus && !bus.pin) {
    return `. This release has no cluster-port: the bus moves from ${bus.now} to tls-port + 10000 (${bus.moved}), which the other nodes' nodes.conf does not know: open it in the firewall, restart every node of the cluster together, and introduce the nodes again (CLUSTER MEET host tls-port) if they do not find each other; ${mixed}; or upgrade to 7.0 first`;
  }
  const rolling = bus
    ? `restart the nodes one at a time with ${configFile} holding the cluster-port line only, then run CONFIG SET tls-cluster yes on every node, then add tls-cluster yes and restart them one at a time again`
    : `run CONFIG SET tls-cluster yes on every node, then restart them one at a time with tls-cluster yes in ${configFile}`;
  return `. Until every node of the cluster runs with tls-cluster yes, ${mixed}: restart every node together${bus ? ' with both lines' : ''}, or, without downtime, ${rolling}`;
}

/** A step before it is numbered. */
type Draft = Omit<PlanStep, 'id'>;

/** Phases in execution order; within a phase, nodes in {@link nodeOrder}. */
const PHASES = ['users', 'replication', 'sentinel', 'settings', 'disruptive', 'persist', 'restart'] as const;
type Phase = (typeof PHASES)[number];

const ORDER: Record<Phase, string> = {
  users: 'users first: nothing may depend on a user before it exists, and adding a user affects no client',
  replication:
    'replication credentials before any master requires authentication (masters too: after a failover they replicate); the master already has the user',
  sentinel: "the sentinels' credentials before any master or replica requires authentication; the nodes already have the user",
  settings: 'settings no client notices, one node at a time',
  disruptive:
    'after the users and credentials exist; replicas before masters, one node at a time; `default off resetpass` before `CONFIG SET requirepass ""` (the other order makes the default user nopass while it is on)',
  persist: "last on each node: writes what runs to the server's files, then redfort restores their mode and owner (CONFIG REWRITE and ACL SAVE replace the file, redis#7311)",
  restart: 'not settable at run time: add the line to the config file and restart the node (fix never restarts a server)',
};

function acl(...args: Arg[]): Arg[] {
  return ['ACL', 'SETUSER', ...args];
}

/**
 * Plans the changes that close the failing rules fix knows how to close, on every node, in a safe order. Pure:
 * the same audit gives the same plan (up to `createdAt`).
 */
export function buildPlan(input: PlanInput): FixPlan {
  const names = fixUsers(input.userPrefix);
  const rulesOf = (role: Role, n: FixNodeInput) => roleRules(role, resolveVersion(n.facts.server?.version), 'server');
  const generated = new Set(Object.values(names));
  const everyNode = [...input.nodes].sort(nodeOrder);
  // A sentinel fix may not trust with a password gets no step at all (QA44-56); the plan names it and why.
  const refused = everyNode.filter((n) => n.refused !== undefined);
  const nodes = everyNode.filter((n) => n.refused === undefined);
  const data = nodes.filter((n) => n.role !== 'sentinel');
  const sentinels = nodes.filter((n) => n.role === 'sentinel');
  const deployment = input.deploymentResults ?? [];
  const byPhase = new Map<Phase, Draft[]>(PHASES.map((p) => [p, []]));
  /** Each node's drafts, every phase's, as they are added: what its persistence steps and closed rules look at. */
  const byNode = new Map<string, Draft[]>();
  /** Rules of a node whose step was left to the user (`${node}\0${rule}`): not closed, whatever else said so. */
  const held = new Set<string>();
  const add = (phase: Phase, draft: Omit<Draft, 'order'>) => {
    // A setting whose line is in an included file: CONFIG SET + CONFIG REWRITE would leave the include's line, which
    // differs from what runs (config.runtime-drift rolled the whole apply back) and wins at the next start.
    const node = input.nodes.find((n) => n.address === draft.node);
    const inInclude = node ? draft.touches.flatMap((t) => (t.kind === 'config' ? [{ name: t.name, lines: includedLines(node.facts, t.name) }] : [])).flatMap((x) => (x.lines ? [{ name: x.name, lines: x.lines }] : [])) : [];
    if (inInclude.length > 0) return leave(draft, heldMessage(draft.command, inInclude, node!.facts.server?.configFile));
    // CONFIG renamed, removed or refused on the node: the step cannot run there, so it is the user's.
    const unusable = node && node.role !== 'sentinel' && typeof draft.command[0] === 'string' && draft.command[0].toUpperCase() === 'CONFIG' ? configUnusable(node.facts) : undefined;
    if (unusable) return leave(draft, configByHand(draft.command, unusable, node!.facts.server?.configFile));
    const full = { ...draft, order: ORDER[phase] };
    byPhase.get(phase)!.push(full);
    const mine = byNode.get(full.node);
    if (mine) mine.push(full);
    else byNode.set(full.node, [full]);
  };
  /** A step left to the user: its rules stay open on the node, with `message` as what to do. */
  const leave = (draft: Pick<Draft, 'node' | 'rules'>, message: string) => {
    for (const rule of draft.rules) {
      held.add(`${draft.node}\0${rule}`);
      if (!manual.some((m) => m.node === draft.node && m.rule === rule)) manual.push({ node: draft.node, rule, message });
    }
  };
  const manual: ManualItem[] = [];
  // What a manual item says instead of the rule's remediation, by node and rule (why fix leaves it).
  const byHand = new Map<string, string>();
  const notes: string[] = [];
  const secrets = new Set<string>();
  const closes = new Map<string, Set<string>>();
  const closed = (node: string, rule: string) => {
    if (!closes.has(node)) closes.set(node, new Set());
    closes.get(node)!.add(rule);
  };

  // Which data nodes lose their open default user: a node whose default user is on (with or without a password).
  const aclNodes = data.filter((n) => n.facts.acl?.origin === 'acl-list');
  const defaultOn = new Set(aclNodes.filter((n) => userOf(n.facts, 'default')?.enabled === true && AUTH_RULES.some((r) => failing(n.results, r))).map((n) => n.address));
  const replicated = data.length > 1 || data.some((n) => n.role === 'replica');
  // Single-node mode must not lock out replicas or sentinels it was not asked to give credentials to.
  const connected = (n: FixNodeInput) => Number(n.facts.info ? (infoField(n.facts.info, 'connected_slaves') ?? 0) : 0);
  const unseenReplicas = input.deployment === 'single' && data.some((n) => n.role === 'replica' || connected(n) > 0);
  if (unseenReplicas) {
    for (const address of defaultOn) {
      manual.push({ node: address, rule: 'auth.default-user-enabled', message: 'this server replicates: run fix with --replication (or --sentinel, --cluster) so that its replicas get credentials before the default user is disabled' });
    }
    defaultOn.clear();
  }

  // Sentinels the plan does not reach would lose their way in: leave the default user alone and say why.
  for (const n of data) {
    if (typeof n.sentinelClients === 'number' && n.sentinelClients > 0 && defaultOn.has(n.address)) {
      manual.push({ node: n.address, rule: 'auth.default-user-enabled', message: `${n.sentinelClients} sentinel connection${n.sentinelClients === 1 ? '' : 's'} (CLIENT LIST) watch this server: run fix with --sentinel from one of the sentinels, so that they get credentials before the default user is disabled` });
      defaultOn.delete(n.address);
    } else if (typeof n.sentinelClients === 'string') {
      notes.push(`${n.address}: could not tell whether sentinels watch this server (${n.sentinelClients}); if they do, run fix with --sentinel`);
    }
  }

  // Sentinels of the group that fix may not give the password keep using the default user: it stays on.
  const watching = refused.filter((n) => n.refused!.watching && n.refused!.unaudited !== true).map((n) => n.address);
  // A sentinel that could not be audited at all (QA44-56's rest) may watch them too: unknown is not "no".
  const unaudited = refused.filter((n) => n.refused!.unaudited === true).map((n) => n.address);
  const keptOn = [...defaultOn];
  if (watching.length > 0) {
    for (const address of keptOn) manual.push({ node: address, rule: 'auth.default-user-enabled', message: `the sentinel${watching.length === 1 ? '' : 's'} ${listed(watching)} would lose ${watching.length === 1 ? 'its' : 'their'} way in once the default user is disabled, and fix gives ${watching.length === 1 ? 'it' : 'them'} no password before you name ${watching.length === 1 ? 'it' : 'them'}: run fix again with --trust-sentinel HOST:PORT for each sentinel of yours` });
  }
  if (unaudited.length > 0) {
    const one = unaudited.length === 1;
    for (const address of keptOn) manual.push({ node: address, rule: 'auth.default-user-enabled', message: `the sentinel${one ? '' : 's'} ${listed(unaudited)} could not be audited: whether ${one ? 'it watches' : 'they watch'} this server with the default user is unknown, and fix gives ${one ? 'it' : 'them'} no password: make ${one ? 'it' : 'them'} answer (one that is not yours: SENTINEL RESET on the others forgets it), then run fix again` });
  }
  if (watching.length > 0 || unaudited.length > 0) defaultOn.clear();
  for (const n of refused) notes.push(`${n.address}: not changed, never sent the generated password: ${n.refused!.why}`);

  // A user fix would make that already exists with a password fix did not make (not in the secrets file) is someone
  // else's: `ACL SETUSER <name> reset …` would wipe its passwords (its clients locked out) and replace its rules. Fix
  // never changes it; the nodes where the users are needed keep their default user, and --user-prefix gives fix's
  // users names of their own.
  const ownUser = (user: AclUser) => {
    const sha = input.ownPasswords?.get(user.name);
    return sha !== undefined && user.passwords.some((p) => p.sha256 === sha);
  };
  const existing = (n: FixNodeInput, name: string) => (n.facts.acl?.origin === 'acl-list' ? userOf(n.facts, name) : undefined);
  const foreign = (n: FixNodeInput, names: readonly string[]) => names.filter((name) => {
    const user = existing(n, name);
    return user !== undefined && !ownUser(user);
  });
  const clashMessage = (taken: readonly string[]) =>
    `${taken.length === 1 ? 'user' : 'users'} ${listed(taken.map((t) => `'${t}'`))} already ${taken.length === 1 ? 'exists' : 'exist'} on this server with ${taken.length === 1 ? 'a password' : 'passwords'} fix did not make: fix never changes an existing user (its clients would be locked out); run fix with --user-prefix PREFIX so that the users it makes are new`;
  for (const n of data) {
    if (!defaultOn.has(n.address)) continue;
    const taken = foreign(n, [names.admin, names.auditor, names.app]);
    if (taken.length === 0) continue;
    manual.push({ node: n.address, rule: 'auth.default-user-enabled', message: clashMessage(taken) });
    defaultOn.delete(n.address);
  }

  // Replication credentials: wanted when authentication is about to be required, or when the rule fails.
  // A user other than default, enabled on every data node: turning the default user off leaves it working, so a
  // masteruser or Sentinel auth-user that names one is kept, not replaced by fix's own (QA40-7: two ways in, the old
  // one's password still valid).
  const namedEverywhere = (name: string | undefined) => name !== undefined && name !== '' && name !== 'default' && data.every((d) => d.facts.acl?.origin === 'acl-list' && userOf(d.facts, name)?.enabled === true);
  const replicationFails = failing(deployment, 'replication.no-masteruser') || data.some((n) => failing(n.results, 'replication.no-masteruser'));
  const masteruserOk = (n: FixNodeInput) => {
    if (n.facts.secrets?.get('masterauth')?.value.set !== true) return false;
    const user = config(n.facts, 'masteruser');
    return user === names.replication || (!replicationFails && namedEverywhere(user));
  };
  // masteruser/masterauth in an include: the replication step is left to the user (see add()), so the replicas would get
  // no credentials: the default user stays on too.
  const replicationIncluded = replicated
    ? data.flatMap((n) => (masteruserOk(n) ? [] : [...(includedLines(n.facts, 'masteruser') ?? []), ...(includedLines(n.facts, 'masterauth') ?? [])].filter((l) => includedSource({ kind: 'file', ...l }, n.facts.server?.configFile)).slice(0, 1)))
    : [];
  // CONFIG unusable on a node that needs the replication credentials: the same (see add()).
  const replicationBlocked = replicated ? data.flatMap((n) => (masteruserOk(n) ? [] : [{ n, why: configUnusable(n.facts) }])).filter((x) => x.why !== undefined) : [];
  if (replicationIncluded.length === 0 && replicationBlocked.length > 0) {
    const { n, why } = replicationBlocked[0]!;
    for (const address of defaultOn) {
      manual.push({ node: address, rule: 'auth.default-user-enabled', message: `${n.address}: ${why}: fix cannot give it the replication credentials (CONFIG SET masteruser/masterauth) before the default user is disabled` });
    }
    defaultOn.clear();
  }
  if (replicationIncluded.length > 0) {
    const at = replicationIncluded[0]!;
    for (const address of defaultOn) {
      manual.push({ node: address, rule: 'auth.default-user-enabled', message: `the replication credentials (masteruser/masterauth) are set in ${at.path}:${at.line}, an included file, which CONFIG REWRITE does not rewrite: move them to the main config file first, so that fix can give the replicas credentials before the default user is disabled` });
    }
    defaultOn.clear();
  }
  const replicationRule = failing(deployment, 'replication.no-masteruser') || data.some((n) => failing(n.results, 'replication.no-masteruser'));
  let wantReplication = !unseenReplicas && replicated && aclNodes.length === data.length && (defaultOn.size > 0 || replicationRule) && data.some((n) => !masteruserOk(n));
  const replicationTaken = wantReplication ? data.flatMap((n) => foreign(n, [names.replication]).map(() => n.address)) : [];
  if (replicationTaken.length > 0) {
    // Without replication credentials the replicas could not follow a master whose default user is off.
    for (const address of replicationTaken) manual.push({ node: address, rule: 'replication.no-masteruser', message: clashMessage([names.replication]) });
    for (const address of defaultOn) manual.push({ node: address, rule: 'auth.default-user-enabled', message: `the replicas need the user '${names.replication}' before the default user is disabled, and it already exists on ${listed(replicationTaken)} with a password fix did not make: run fix with --user-prefix PREFIX` });
    defaultOn.clear();
    wantReplication = false;
  }
  // Sentinel credentials: the same, for the sentinels' connections to masters and replicas.
  const sentinelAuthKnown = (s: FixNodeInput, master: string) => {
    const m = s.facts.sentinel?.masters.find((x) => x.name === master);
    if (m?.authUser?.value === names.sentinel) return true;
    // Another named user with its password, which the sentinel's own audit finds nothing against for this master.
    const flagged = s.results.some((r) => r.ruleId === 'sentinel.no-auth-user' && r.status === 'fail' && r.message.startsWith(`master '${master}' `));
    return m?.authPass?.value.set === true && !flagged && namedEverywhere(m.authUser?.value);
  };
  const sentinelMasters = [...new Set(sentinels.flatMap((s) => (s.facts.sentinel?.masters ?? []).map((m) => m.name)))];
  const sentinelRule = sentinels.some((s) => failing(s.results, 'sentinel.no-auth-user'));
  let wantSentinel = sentinels.length > 0 && aclNodes.length === data.length && (defaultOn.size > 0 || sentinelRule) && sentinels.some((s) => sentinelMasters.some((m) => !sentinelAuthKnown(s, m)));
  const sentinelTaken = wantSentinel ? data.flatMap((n) => foreign(n, [names.sentinel]).map(() => n.address)) : [];
  if (sentinelTaken.length > 0) {
    // Without their own credentials the sentinels could not reach nodes whose default user is off.
    for (const s of sentinels) manual.push({ node: s.address, rule: 'sentinel.no-auth-user', message: `the user '${names.sentinel}' already exists on ${listed(sentinelTaken)} with a password fix did not make: fix never changes an existing user; run fix with --user-prefix PREFIX` });
    for (const address of defaultOn) manual.push({ node: address, rule: 'auth.default-user-enabled', message: `the sentinels need the user '${names.sentinel}' before the default user is disabled, and it already exists on ${listed(sentinelTaken)} with a password fix did not make: run fix with --user-prefix PREFIX` });
    defaultOn.clear();
    wantSentinel = false;
  }

  const setUser = (n: FixNodeInput, name: string, rules: readonly string[], rule: readonly string[], why: string) => {
    secrets.add(name);
    // Made by an earlier run with the same secrets file: it is there already, and its clients may use it.
    const there = existing(n, name);
    if (there !== undefined && ownUser(there)) return;
    add('users', {
      node: n.address,
      class: 'safe',
      command: acl(name, 'reset', 'on', { secret: name, prefix: '>', value: '<generated>' }, ...rules),
      rules: rule,
      reason: `a new user '${name}' (${why}) changes nothing for connected clients`,
      touches: [{ kind: 'user', name }],
    });
  };

  for (const n of data) {
    if (defaultOn.has(n.address)) {
      setUser(n, names.admin, rulesOf('admin', n), AUTH_RULES, 'the administrator, who keeps CONFIG, ACL and CLIENT by name');
      setUser(n, names.auditor, rulesOf('auditor', n), AUTH_RULES, "redfort's read-only audit user");
      setUser(n, names.app, rulesOf('app', n), AUTH_RULES, 'what clients of the default user move to: every key and command, minus @dangerous');
    }
    if (wantReplication) setUser(n, names.replication, rulesOf('replication', n), ['replication.no-masteruser'], 'replicas authenticate as it');
    if (wantSentinel) setUser(n, names.sentinel, rulesOf('sentinel', n), ['sentinel.no-auth-user'], 'the sentinels authenticate as it');
  }
  if (wantReplication) {
    for (const n of data) {
      if (masteruserOk(n)) continue;
      const touches: Touch[] = [{ kind: 'config', name: 'masteruser' }, { kind: 'config', name: 'masterauth' }];
      const step = {
        node: n.address,
        class: 'safe' as const,
        rules: ['replication.no-masteruser'],
        reason: 'used at the next connection to the master, which already accepts the user; the running link is kept (masterauth is stored in clear text in the config file: Redis needs it so)',
      };
      const masterauth = { secret: names.replication, prefix: '', value: '<generated>' } as const;
      const version = resolveVersion(n.facts.server?.version);
      if (version.product === 'valkey' || version.major >= 7) {
        add('replication', { ...step, command: ['CONFIG', 'SET', 'masteruser', names.replication, 'masterauth', masterauth], touches, trips: ['auth.plaintext-passwords'] });
      } else {
        // Redis before 7.0 sets one parameter per CONFIG SET (6.2.16: "ERR Unknown subcommand or wrong number of arguments").
        add('replication', { ...step, command: ['CONFIG', 'SET', 'masteruser', names.replication], touches: [touches[0]!] });
        add('replication', { ...step, command: ['CONFIG', 'SET', 'masterauth', masterauth], touches: [touches[1]!], trips: ['auth.plaintext-passwords'] });
      }
      closed(n.address, 'replication.no-masteruser');
    }
  }
  if (wantSentinel) {
    secrets.add(names.sentinel);
    notes.push(`the sentinels that get the '${names.sentinel}' user's password (SENTINEL SET): ${listed(sentinels.filter((s) => sentinelMasters.some((m) => !sentinelAuthKnown(s, m))).map((s) => s.address))}: the seed, and those named with --trust-sentinel or --node-override HOST:PORT that answered as sentinels of the same masters`);
    for (const s of sentinels) {
      const file = sentinelFile(s);
      if (file.open) notes.push(`${s.address}: SENTINEL SET writes the '${names.sentinel}' user's new password in clear text into ${file.path}, which others may read (mode ${file.mode}): run chmod 640 (or 600) on it before the apply; fix does not change it`);
      for (const master of sentinelMasters) {
        if (sentinelAuthKnown(s, master)) continue;
        add('sentinel', {
          node: s.address,
          class: 'safe',
          command: ['SENTINEL', 'SET', master, 'auth-user', names.sentinel, 'auth-pass', { secret: names.sentinel, prefix: '', value: '<generated>' }],
          rules: ['sentinel.no-auth-user'],
          reason: `the nodes already accept the user; the sentinel uses it at its next connection (auth-pass is stored in clear text in sentinel.conf: Sentinel needs it so; ${file.words})`,
          trips: ['auth.plaintext-passwords'],
          touches: [{ kind: 'sentinel', master, field: 'auth-user' }, { kind: 'sentinel', master, field: 'auth-pass' }],
        });
      }
      // Every master of this sentinel now gets (or has) the user: its own sentinel.no-auth-user finding is closed too.
      const own = (s.facts.sentinel?.masters ?? []).map((m) => m.name);
      if (own.every((m) => sentinelMasters.includes(m))) closed(s.address, 'sentinel.no-auth-user');
    }
  }

  // Protected mode on a node whose default user needs no password: a disruptive step, after `default off`.
  const pendingProtected = new Map<string, Omit<Draft, 'order'>>();
  for (const n of nodes) {
    const f = n.facts;
    const failed = (id: string) => failing(n.results, id);
    const isData = n.role !== 'sentinel';
    if (isData && failed('logging.loglevel-too-quiet') && !ACCEPTED_LOGLEVELS.includes(config(f, 'loglevel') ?? '')) {
      add('settings', { node: n.address, class: 'safe', command: ['CONFIG', 'SET', 'loglevel', 'notice'], rules: ['logging.loglevel-too-quiet'], reason: 'only what the server logs changes', touches: [{ kind: 'config', name: 'loglevel' }] });
      closed(n.address, 'logging.loglevel-too-quiet');
    }
    if (isData && failed('tls.server-ciphers-not-preferred') && config(f, 'tls-port') !== undefined && config(f, 'tls-port') !== '0') {
      add('settings', { node: n.address, class: 'safe', command: ['CONFIG', 'SET', 'tls-prefer-server-ciphers', 'yes'], rules: ['tls.server-ciphers-not-preferred'], reason: 'every client keeps a cipher it offers; only the choice among them moves to the server', touches: [{ kind: 'config', name: 'tls-prefer-server-ciphers' }] });
      closed(n.address, 'tls.server-ciphers-not-preferred');
    }
    if (isData && failed('network.protected-mode-off')) {
      const def = userOf(f, 'default');
      const hasAuth = def !== undefined && (!def.enabled || !def.nopass);
      const step = { node: n.address, command: ['CONFIG', 'SET', 'protected-mode', 'yes'], rules: ['network.protected-mode-off'], touches: [{ kind: 'config', name: 'protected-mode' } as Touch] };
      if (def?.enabled === true && !def.nopass) {
        // Failed on a guessable password of the default user (QA41-12): protected mode does not act while it has one, so
        // CONFIG SET protected-mode yes closes nothing; turning the default user off (below) does.
        if (defaultOn.has(n.address)) closed(n.address, 'network.protected-mode-off');
      } else {
        if (hasAuth) add('settings', { ...step, class: 'safe', reason: 'the default user already needs a password (or is off), so protected mode refuses no client that could log in' });
        else pendingProtected.set(n.address, { ...step, class: 'disruptive', reason: defaultOn.has(n.address) ? 'after the default user is off it changes nothing, but before that it refuses every client that is not on loopback: it goes with the disruptive steps, after `default off`' : 'while the default user needs no password, protected mode refuses every client that is not on loopback' });
        closed(n.address, 'network.protected-mode-off');
      }
    }
  }

  // Per node, the users whose password the plan replaces or retires (`resetpass`, `default off resetpass`).
  const newPassword = new Map<string, Set<string>>();
  const retires = (node: string, user: string) => newPassword.set(node, (newPassword.get(node) ?? new Set()).add(user));
  // The apply logs in as fix's administrator where it has one (made by this plan, or by an earlier run with the same
  // secrets file), else as the target's user: a step that changes that user would cut fix off from the node.
  const adminOn = (n: FixNodeInput) => {
    const admin = existing(n, names.admin);
    return defaultOn.has(n.address) || (admin !== undefined && ownUser(admin));
  };
  /** The by-hand item of a step on the user fix logs in as, where fix has no administrator of its own. */
  const ownUserMessage = (name: string, command: readonly Arg[], loses: string) =>
    `fix logs in to this server as '${name}': ${command.map(showArg).join(' ')} would ${loses}, and fix has no administrator of its own here (the default user stays as it is). Run fix as another user that has ACL and CONFIG (--user), or run the command as such a user by hand, then CONFIG REWRITE (ACL SAVE with an aclfile)`;
  const tlsLinksHold = clientCertificatesHold(input.deployment, nodes);
  // Disruptive changes to the users, node by node (replicas first).
  for (const n of data) {
    const f = n.facts;
    const login = n.target.username ?? 'default';
    // The users auth.dangerous-commands-allowed fails, as the rule finds them (the default user a step below turns
    // off aside): each gets a step, or the rule is left by hand naming it (QA38-8: selectors and a category granted
    // after -@dangerous were not looked at, and the first user's step closed the rule for all).
    const dangerousLeft: string[] = [];
    let dangerousSteps = 0;
    for (const user of f.acl?.origin === 'acl-list' ? f.acl.users : []) {
      if (user.name === 'default' ? defaultOn.has(n.address) : generated.has(user.name) || !user.enabled) continue;
      const own = user.name === login && !adminOn(n);
      const removal = failing(n.results, 'auth.dangerous-commands-allowed') ? dangerousRemoval(user, f) : undefined;
      if (removal?.rules === undefined && removal !== undefined) dangerousLeft.push(`user '${user.name}': ${removal.why}`);
      else if (removal?.rules !== undefined) {
        const step = { node: n.address, class: 'disruptive' as const, command: acl(user.name, ...removal.rules), rules: ['auth.dangerous-commands-allowed', 'commands.dangerous-not-renamed'], reason: `clients logged in as '${user.name}' lose the @dangerous commands (CONFIG, KEYS, FLUSHALL, …) they may use today${removal.kept.length ? ` but ${removal.kept.join(', ')}, granted by name` : ''}`, touches: [{ kind: 'user', name: user.name } as Touch] };
        // Measured on 7.0.15: the next step as that user was refused (NOPERM acl|setuser), and so was the rollback.
        if (own) leave(step, ownUserMessage(user.name, step.command, 'take from it the CONFIG and ACL commands that the rest of the plan and a rollback need (it could not even set itself back)'));
        else {
          add('disruptive', step);
          dangerousSteps++;
        }
      }
      if (user.name === 'default') continue;
      // The user's own finding (`user 'NAME' …`, as suppressions match it): a short password is known from its hash too.
      const weak = n.results.some((r) => r.ruleId === 'auth.weak-password' && r.status === 'fail' && r.message.includes(`user '${user.name}'`));
      if (weak || (failing(n.results, 'auth.weak-password') && user.passwords.some((p) => p.length !== undefined))) {
        const step = { node: n.address, class: 'disruptive' as const, command: acl(user.name, 'resetpass', { secret: user.name, prefix: '>', value: '<generated>' }), rules: ['auth.weak-password'], reason: `clients of '${user.name}' must switch to the new password from the secrets file`, touches: [{ kind: 'user', name: user.name } as Touch] };
        // Measured on 7.0.15: the audit after the apply was refused (WRONGPASS with the password fix was given), and so
        // was the rollback, with the new password already in redis.conf (CONFIG REWRITE).
        if (own) leave(step, ownUserMessage(user.name, step.command, 'refuse its own next connections with the password it was given (the audit after the apply, a rollback)'));
        else {
          secrets.add(user.name);
          add('disruptive', step);
          retires(n.address, user.name);
        }
      }
    }
    if (dangerousLeft.length > 0) {
      leave({ node: n.address, rules: ['auth.dangerous-commands-allowed'] }, `fix cannot take @dangerous from ${dangerousLeft.join('; ')}: ${findRule('auth.dangerous-commands-allowed')?.remediation ?? ''}`);
    } else if (dangerousSteps > 0) closed(n.address, 'auth.dangerous-commands-allowed');
    if (defaultOn.has(n.address)) {
      // The default user's weak password (requirepass 'foobared') stops counting once the user is off.
      const weakDefault = n.results.some((r) => r.ruleId === 'auth.weak-password' && r.status === 'fail' && r.message.startsWith("user 'default' "));
      retires(n.address, 'default');
      add('disruptive', { node: n.address, class: 'disruptive', command: acl('default', 'off', 'resetpass'), rules: weakDefault ? [...AUTH_RULES, 'auth.weak-password'] : AUTH_RULES, reason: `clients without AUTH, or with AUTH <password>, are refused: they must log in as '${names.app}' (password in the secrets file)`, touches: [{ kind: 'user', name: 'default' }] });
      // A requirepass line in an included file: the step is left to the user (see add()), auth.requirepass-used stays open.
      for (const rule of [...AUTH_RULES, 'auth.dangerous-commands-allowed', 'commands.dangerous-not-renamed']) closed(n.address, rule);
      if (f.secrets?.get('requirepass')?.value.set) {
        add('disruptive', { node: n.address, class: 'disruptive', command: ['CONFIG', 'SET', 'requirepass', ''], rules: ['auth.requirepass-used'], reason: 'the shared password stops working (the default user is already off)', touches: [{ kind: 'config', name: 'requirepass' }] });
      }
    }
    const protectedMode = pendingProtected.get(n.address);
    // The default user keeps no password here (fix leaves it on): protected mode refuses every TCP client off the
    // loopback, fix too when it reaches the node at another address (7.0+ whatever bind says; 3.2-6.x without bind:
    // redis@7.4.1 networking.c clientAcceptHandler, redis@6.0.20 the same with bindaddr_count == 0).
    const refusesRemote = versionAtLeast(resolveVersion(f.server?.version), 7, 0) || (config(f, 'bind')?.trim() ?? '') === '';
    if (protectedMode && !defaultOn.has(n.address) && refusesRemote && !isLoopbackAddress(n.target.host)) {
      leave(protectedMode, `fix reaches this server at ${n.target.host}, not on the loopback: ${protectedMode.command.map(showArg).join(' ')} would refuse its own next connections (the audit after the apply, a rollback) as it refuses every client off the loopback while the default user needs no password, and the plan leaves the default user as it is. Give the default user a password or turn it off first (auth.default-user-enabled), then plan again; or run the command and CONFIG REWRITE by hand from the server's own host`);
    } else if (protectedMode) add('disruptive', protectedMode);
    const tlsOn = config(f, 'tls-port') !== undefined && config(f, 'tls-port') !== '0';
    if (tlsOn && failing(n.results, 'tls.weak-protocols')) {
      add('disruptive', { node: n.address, class: 'disruptive', command: ['CONFIG', 'SET', 'tls-protocols', TLS_PROTOCOLS], rules: ['tls.weak-protocols'], reason: 'clients that only speak TLS 1.0 or 1.1 can no longer connect', touches: [{ kind: 'config', name: 'tls-protocols' }] });
      closed(n.address, 'tls.weak-protocols');
    }
    if (tlsOn && failing(n.results, 'tls.weak-ciphers')) {
      add('disruptive', { node: n.address, class: 'disruptive', command: ['CONFIG', 'SET', 'tls-ciphers', TLS_CIPHERS], rules: ['tls.weak-ciphers'], reason: 'clients that offer only the weak suites can no longer connect', touches: [{ kind: 'config', name: 'tls-ciphers' }] });
      closed(n.address, 'tls.weak-ciphers');
    }
    if (tlsOn && failing(n.results, 'tls.client-auth-disabled') && (config(f, 'tls-ca-cert-file') || config(f, 'tls-ca-cert-dir'))) {
      const step = { node: n.address, class: 'disruptive' as const, command: ['CONFIG', 'SET', 'tls-auth-clients', 'yes'], rules: ['tls.client-auth-disabled'], reason: 'clients without a certificate from the configured CA are refused', touches: [{ kind: 'config', name: 'tls-auth-clients' } as Touch] };
      // The nodes' (and sentinels') own TLS links: their client certificates must be client certificates (QA38-16).
      const links = tlsLinksHold(n);
      // QA38-1, measured on 8.6.3: applied by a fix without a client certificate, the check after the step failed
      // ("tlsv13 alert certificate required") and the rollback could not log in to set it back.
      if (n.target.tls && n.target.tls.certFile === undefined) {
        const ca = config(f, 'tls-ca-cert-file') ? 'tls-ca-cert-file' : 'tls-ca-cert-dir';
        leave(step, `fix reaches this server over TLS without a client certificate: CONFIG SET tls-auth-clients yes would refuse its own next connections (the check after the step, the audit after the apply, a rollback) as it refuses every client without a certificate from the configured CA. Run fix again with --cert and --key of a client certificate this server accepts (signed by a CA of its ${ca}), or, once every client has one, run CONFIG SET tls-auth-clients yes and CONFIG REWRITE by hand`);
      } else if (links) {
        leave(step, links);
      } else {
        add('disruptive', step);
        closed(n.address, 'tls.client-auth-disabled');
      }
    }
  }

  // Restart steps (printed, never executed), from the profile's target settings and its file locations.
  for (const n of nodes.filter((x) => x.role !== 'sentinel')) {
    const f = n.facts;
    const lines: { line: string; rule: string; name: string }[] = [];
    for (const setting of targetSettings(resolveVersion(f.server?.version))) {
      if (!setting.restart || !failing(n.results, setting.rule)) continue;
      const now = config(f, setting.directive);
      // Valkey's own name for Redis 8's Lua switch (the config map keys it by Redis's).
      const name = setting.directive === 'lua-enable-deprecated-api' && f.server?.product === 'valkey' ? 'lua-enable-insecure-api' : setting.directive;
      if (now !== undefined && now !== setting.value) lines.push({ line: `${name} ${setting.value}`, rule: setting.rule, name });
    }
    if (failing(n.results, 'logging.no-logfile')) lines.push({ line: `logfile ${defaultLogfile(f.server?.product)}`, rule: 'logging.no-logfile', name: 'logfile' });
    const acl = failing(n.results, 'auth.acl-file-missing') ? newAclFile(n, input.pathExists) : undefined;
    if (acl) lines.push({ line: `aclfile ${acl.path}`, rule: 'auth.acl-file-missing', name: 'aclfile' });
    const bus = failing(n.results, 'tls.cluster-bus-plaintext') ? busMove(f) : undefined;
    if (bus?.pin) lines.push({ line: `cluster-port ${bus.now}`, rule: 'tls.cluster-bus-plaintext', name: 'cluster-port' });
    if (failing(n.results, 'tls.cluster-bus-plaintext')) lines.push({ line: 'tls-cluster yes', rule: 'tls.cluster-bus-plaintext', name: 'tls-cluster' });
    const configFile = n.facts.server?.configFile ?? 'the config file';
    for (const l of lines) {
      // The aclfile line alone stops the server: redis-server refuses an ACL file that does not exist, and one beside
      // `user` lines in its config, which are where CONFIG REWRITE (the apply's last step) writes the users.
      const how =
        l.name === 'aclfile'
          ? `first write the users to ${acl!.path} (the lines ACL LIST prints) and delete the \`user\` lines from ${configFile}: redis-server refuses to start with an ACL file that does not exist, or beside \`user\` lines in its config; then add \`${l.line}\` to ${configFile} and restart the node${acl!.note}`
          : `add \`${l.line}\` to ${configFile} and restart the node`;
      const why =
        l.name === 'tls-cluster'
          ? tlsClusterWhy(bus)
          : l.name === 'cluster-port' && bus
            ? `the cluster bus listens on ${bus.now} today; with tls-cluster yes and no cluster-port it would move to tls-port + 10000 (${bus.moved}) at the restart, where the other nodes (their nodes.conf) do not look for it, and the cluster could not form again: cluster-port keeps it on ${bus.now}, and cannot be changed at run time`
            : l.name === 'lua-enable-insecure-api'
              ? 'CONFIG SET lua-enable-insecure-api no works only from a client that enable-protected-configs lets change protected configs, and it resets the Lua engine (every cached script is dropped): fix leaves it to the restart'
              : `${l.name} cannot be changed at run time`;
      const after = l.name === 'tls-cluster' ? tlsClusterAfter(bus, configFile) : '';
      add('restart', { node: n.address, class: 'restart', command: [], configLine: l.line, rules: [l.rule], reason: `${why}: ${how}${after}`, touches: [] });
      closed(n.address, l.rule);
    }
  }

  // Persistence, after every runtime step of a node.
  const rewritten = new Map<string, Set<RuleResult>>();
  /** Nodes whose ACL SAVE would remove users of their ACL file that the server does not run, and those users. */
  const unsaved = new Map<string, { readonly file: string; readonly users: readonly string[] }>();
  const unsavedWords = new Map<string, string>();
  const changed = new Set([...byPhase.entries()].filter(([p]) => p !== 'restart').flatMap(([, ds]) => ds.map((d) => d.node)));
  for (const n of nodes) {
    // A node without runtime steps may still get the ACL SAVE that hashes its ACL file's clear-text passwords (below).
    if (!changed.has(n.address) && (n.role === 'sentinel' || !config(n.facts, 'aclfile'))) continue;
    const configFile = n.facts.server?.configFile ?? null;
    if (n.role === 'sentinel') {
      notes.push(`${n.address}: a sentinel writes SENTINEL SET changes to ${configFile ?? 'its config file'} itself; redfort restores the file's mode and owner when the sentinel runs on this machine`);
      continue;
    }
    const nodeDrafts = byNode.get(n.address) ?? [];
    const touchesConfig = nodeDrafts.some((d) => d.touches.some((t) => t.kind === 'config'));
    const touchesUsers = nodeDrafts.some((d) => d.touches.some((t) => t.kind === 'user'));
    const aclFile = config(n.facts, 'aclfile') || null;
    // The clear-text passwords a rewrite takes out of the files (auth.plaintext-passwords findings): Redis writes
    // users as `#<sha256>` (CONFIG REWRITE, ACL SAVE) and drops `requirepass` once it is "" (redis@7.0.15
    // config.c, requirepass has no default; 6.x rewriteConfigRequirepassOption: no line while the default user
    // has no password). Only the main config file is rewritten: a line in an include stays.
    const clearText = n.results.filter((r) => r.ruleId === 'auth.plaintext-passwords' && r.status === 'fail' && r.source?.kind === 'file');
    const clearsRequirepass = nodeDrafts.some((d) => d.command[0] === 'CONFIG' && d.command[1] === 'SET' && d.command[2] === 'requirepass' && d.command[3] === '');
    const isUser = (r: RuleResult) => r.message.startsWith("user '");
    const inMain = (r: RuleResult) => r.source?.kind === 'file' && configFile !== null && !includedSource(r.source, configFile);
    const removes = (byRewrite: boolean) => clearText.filter((r) => (byRewrite ? inMain(r) && ((isUser(r) && !aclFile) || (clearsRequirepass && r.message.startsWith('requirepass '))) : isUser(r)));
    const persistStep = (command: Arg[], why: string, touches: Touch[], removed: RuleResult[], also: readonly string[] = [], cls: StepClass = 'safe') => {
      add('persist', { node: n.address, class: cls, command, rules: removed.length > 0 ? ['auth.plaintext-passwords'] : [], reason: `${why}${cls === 'safe' ? '; no client notices' : ''}${removed.length > 0 ? `; no clear-text password is left on the line${removed.length === 1 ? '' : 's'} ${removed.map((r) => formatSource(r.source!)).join(', ')}` : ''}`, touches, ...(also.length > 0 ? { alsoWrites: also } : {}) });
      if (removed.length > 0) rewritten.set(n.address, new Set([...(rewritten.get(n.address) ?? []), ...removed]));
    };
    const unusable = configFile && (touchesConfig || (touchesUsers && !aclFile)) ? configUnusable(n.facts) : undefined;
    if (unusable) {
      // No CONFIG REWRITE: what the node's steps change lasts until it restarts, unless the user writes it.
      notes.push(`${n.address}: ${unusable}, and fix sends commands by their own names only, so it does not run CONFIG REWRITE: the users fix changes there last only until the server restarts (there is no aclfile: they are \`user\` lines of ${configFile}); right after the apply, run CONFIG REWRITE under CONFIG's new name, or put the lines ACL LIST prints in ${configFile} in place of its \`user\` lines`);
    } else if (configFile && (touchesConfig || (touchesUsers && !aclFile))) {
      const planned = {
        config: new Set(nodeDrafts.flatMap((d) => d.touches.flatMap((t) => (t.kind === 'config' ? [t.name] : [])))),
        users: new Set(nodeDrafts.flatMap((d) => d.touches.flatMap((t) => (t.kind === 'user' ? [t.name] : [])))),
      };
      const also = rewriteAlsoWrites(n.facts, planned, !aclFile);
      const alsoWords = also.length > 0 ? `; it also writes what runs today but differs from the file (someone's CONFIG SET never rewritten, or a command-line option): ${also.join(', ')}: they stay in the file after the apply and after a rollback (whose CONFIG REWRITE writes them again)` : '';
      persistStep(['CONFIG', 'REWRITE'], `writes the running configuration to ${configFile}${aclFile ? '' : ' (the users too: there is no aclfile)'}${alsoWords}`, [{ kind: 'file', role: 'config' }], removes(true), also);
      if (also.length > 0) notes.push(`${n.address}: CONFIG REWRITE also writes ${also.length} running value${also.length === 1 ? '' : 's'} that ${also.length === 1 ? 'is' : 'are'} not in ${configFile} (${also.map((a) => a.split(' ')[0]).join(', ')}; config.runtime-drift): if ${also.length === 1 ? 'it was' : 'they were'} temporary, set ${also.length === 1 ? 'it' : 'them'} back to the file's value${also.length === 1 ? '' : 's'} (CONFIG SET) before the apply; fix does not`);
      else if (failing(n.results, 'config.runtime-drift')) notes.push(`${n.address}: CONFIG REWRITE also writes the running values that differ from ${configFile} today (config.runtime-drift): review them first`);
    } else if (!configFile && touchesConfig) {
      notes.push(`${n.address}: the server runs without a config file: the changes last until it restarts; add them to the file it will start with`);
    }
    if (aclFile && touchesUsers) {
      // ACL SAVE writes the running users over the file: a user the file holds and the server does not run (an
      // operator's line for a later ACL LOAD) is removed from it (QA40-27). Said plainly, and not safe while it is.
      const dropped = fileOnlyUsers(n.facts);
      if (dropped.length > 0) unsaved.set(n.address, { file: aclFile, users: dropped });
      const them = dropped.length === 1 ? 'it' : 'them';
      const lines = dropped.length === 1 ? 'its line' : 'their lines';
      // The apply keeps the file's text (and a rollback puts the lines back) only for a server on this machine.
      const putBack = isLocalHost(n.host) ? `a rollback of this apply puts ${lines} back` : `a rollback cannot put ${lines} back (${n.host} is another machine): keep a copy of the file`;
      if (dropped.length > 0) unsavedWords.set(n.address, putBack);
      const removesWords = dropped.length > 0
        ? `, and removes ${userList(dropped)} from ${aclFile}: ${dropped.length === 1 ? 'it is' : 'they are'} in the file but not loaded on the server (a line for a later ACL LOAD), and ACL SAVE writes only the users the server runs. Disruptive while it does: to keep ${them}, run ACL LOAD first (the server then runs ${them}), or move ${dropped.length === 1 ? 'its line' : 'their lines'} out of the file and add ${them} back after the apply, then plan again; ${putBack}`
        : '';
      persistStep(['ACL', 'SAVE'], `writes the users to ${aclFile}${removesWords}`, [{ kind: 'file', role: 'acl' }], removes(false), [], dropped.length > 0 ? 'disruptive' : 'safe');
      // As CONFIG REWRITE's note: ACL SAVE writes every running user, those changed at run time and never saved too.
      const drift = aclFileDifferences(n.facts);
      if (typeof drift !== 'string' && drift.length > 0) notes.push(`${n.address}: ACL SAVE also writes the running users that differ from ${aclFile} today (${shortDifferences(drift)}; config.runtime-drift): review them first`);
    } else if (aclFile && removes(false).length > 0) {
      // No step changes a user here: ACL SAVE alone writes the users the server runs, as `#<sha256>`. Only when they
      // are the file's own (no runtime drift): it then changes nothing but the passwords' encoding in the file.
      const drift = aclSaveWritesMore(n.facts);
      if (drift === undefined) {
        persistStep(['ACL', 'SAVE'], `writes the users to ${aclFile} as the server runs them, which are the file's own (no user differs at run time), so only their passwords change: from \`>…\` to \`#<sha256>\``, [{ kind: 'file', role: 'acl' }], removes(false));
      } else {
        byHand.set(`${n.address}\0auth.plaintext-passwords`, `${findRule('auth.plaintext-passwords')?.remediation ?? ''} fix does not run ACL SAVE to do it: ${drift}, and ACL SAVE would write the running users into ${aclFile} too, not only the hashes. Decide which users are right first (config.runtime-drift), then run ACL SAVE, or write the hashes into the file by hand.`);
      }
    }
  }

  // A node whose ACL SAVE is disruptive (it removes users of the file, above): the users the plan makes there would
  // live at run time only until it runs, and an ACL LOAD or a restart would drop them, and with them the links
  // (masteruser, a sentinel's auth-user) and clients that use them. So those steps, and the steps that make a node
  // log in as one of them, go with it, and so do the same users' steps on the other nodes: not safe either (QA40-27).
  for (const [address, { file, users: dropped }] of unsaved) {
    const made = new Set((byNode.get(address) ?? []).filter((d) => d.class === 'safe').flatMap((d) => d.touches.flatMap((t) => (t.kind === 'user' ? [t.name] : []))));
    const why = `disruptive here: ACL SAVE on ${address} would remove ${userList(dropped)} from ${file} (in the file but not loaded), so it waits for --include-disruptive, and until it runs the users fix makes there live at run time only (an ACL LOAD or a restart drops them)`;
    for (const phase of PHASES) {
      byPhase.set(phase, byPhase.get(phase)!.map((d) => {
        if (d.class !== 'safe') return d;
        const own = d.node === address && d.touches.some((t) => t.kind === 'user');
        // The same users on the other nodes too: made on some nodes only, they would differ (config.inconsistent-nodes).
        const same = d.touches.some((t) => t.kind === 'user' && made.has(t.name));
        const uses = d.command[0] !== 'ACL' && d.command.some((a) => made.has(typeof a === 'string' ? a : a.secret));
        return own || same || uses ? { ...d, class: 'disruptive', reason: `${d.reason}; ${why}` } : d;
      }));
    }
    notes.push(`${address}: ACL SAVE would remove ${userList(dropped)} from ${file}: ${dropped.length === 1 ? 'it is' : 'they are'} in the file but not on the running server. The ACL SAVE, the users fix makes there and the steps that log in as them are disruptive (--include-disruptive); ${unsavedWords.get(address) ?? ''}. To keep ${dropped.length === 1 ? 'it' : 'them'}, ACL LOAD first, or move ${dropped.length === 1 ? 'the line' : 'the lines'} out of the file and back after the apply, then plan again`);
  }

  // Rules with one finding per user or file line: closed on a node only when the plan removes every finding.
  for (const n of data) {
    const nodeDrafts = byNode.get(n.address) ?? [];
    const weak = n.results.filter((r) => r.ruleId === 'auth.weak-password' && r.status === 'fail');
    const users = [...(newPassword.get(n.address) ?? [])];
    if (weak.length > 0 && weak.every((r) => users.some((u) => r.message.startsWith(`user '${u}' `)))) {
      closed(n.address, 'auth.weak-password');
    }
    const clearText = n.results.filter((r) => r.ruleId === 'auth.plaintext-passwords' && r.status === 'fail');
    const kept = clearText.filter((r) => !rewritten.get(n.address)?.has(r));
    if (clearText.length > 0 && kept.length === 0 && !nodeDrafts.some((d) => d.trips?.includes('auth.plaintext-passwords'))) closed(n.address, 'auth.plaintext-passwords');
  }

  for (const key of held) {
    const [node, rule] = key.split('\0') as [string, string];
    closes.get(node)?.delete(rule);
  }

  // Failing rules no step closes: what to do by hand.
  const entries: { node: string; results: readonly RuleResult[] }[] = [
    ...(input.deploymentResults ? [{ node: input.target, results: input.deploymentResults }] : []),
    ...nodes.map((n) => ({ node: n.address, results: n.results })),
  ];
  const deploymentClosed = new Set([...closes.values()].flatMap((s) => [...s]));
  // A rule of the deployment's scope that its entry judged (cluster.quorum-host-spread, sentinel.quorum): judged once,
  // as audit does, not once per node from each node's partial view (QA40-13: six items for one cluster).
  const wholeDeployment = new Set((input.deploymentResults ?? []).filter((r) => r.status !== 'skip' && findRule(r.ruleId)?.scope === 'deployment').map((r) => r.ruleId));
  // A deployment rule a node lists by hand already (a step left to the user): one item, the node's.
  const listedByNode = new Set(manual.map((m) => m.rule));
  for (const { node, results } of entries) {
    const isDeployment = node === input.target && input.deploymentResults !== undefined;
    for (const r of results) {
      if (r.status !== 'fail' || closes.get(node)?.has(r.ruleId) || (isDeployment && (deploymentClosed.has(r.ruleId) || listedByNode.has(r.ruleId)))) continue;
      if (!isDeployment && wholeDeployment.has(r.ruleId)) continue;
      if (manual.some((m) => m.node === node && m.rule === r.ruleId)) continue;
      // The findings' own remediation when they share one (version.end-of-life names the branches supported as of
      // the audit's date), else the rule's.
      const failed = results.filter((x) => x.ruleId === r.ruleId && x.status === 'fail');
      const own = [...new Set(failed.map((x) => x.remediation))];
      const remedy = own.length === 1 && own[0] ? own[0] : (findRule(r.ruleId)?.remediation ?? r.remediation);
      // The deployment's item says what the audit found (which host holds which masters), then what to do.
      const found = isDeployment && wholeDeployment.has(r.ruleId) ? `${failed.map((x) => x.message).join('; ')}; ` : '';
      manual.push({ node, rule: r.ruleId, message: byHand.get(`${node}\0${r.ruleId}`) ?? `${found}${remedy}` });
    }
  }

  let id = 0;
  const steps: PlanStep[] = PHASES.flatMap((p) => byPhase.get(p)!).map((d) => ({ id: ++id, ...d }));
  const planNodes: PlanNode[] = everyNode.map((n) => ({
    address: n.address,
    host: n.host,
    port: n.port,
    role: n.role,
    configFile: n.facts.server?.configFile ?? null,
    aclFile: config(n.facts, 'aclfile') || null,
    digest: nodeDigest(n.facts, n.role),
  }));
  return {
    format: 'redfort-fix-plan',
    version: 1,
    tool: { name: 'redfort', version: packageVersion() },
    target: input.target,
    deployment: input.deployment,
    createdAt: (input.now ?? new Date()).toISOString(),
    digest: deploymentDigest(planNodes),
    nodes: planNodes,
    steps,
    manual,
    secrets: [...secrets].sort(),
    notes,
  };
}

/**
 * The ACL file the aclfile restart step names: where `redfort harden` puts one (beside the server's config file,
 * `users.acl` or `users-<config name>.acl`: {@link newAclPath}); /etc/redis/users.acl only for a server whose config
 * file is unknown. A node on this machine never gets the name of a file that exists (another server's users, which
 * "write the users to" would replace): `-2`, `-3` … instead, and the note says which were passed over. For a node
 * elsewhere, the note says to check.
 */
function newAclFile(n: FixNodeInput, pathExists: ((path: string) => boolean) | undefined): { path: string; note: string } {
  const local = isLocalHost(n.host);
  const exists = local && pathExists ? pathExists : () => false;
  // Without a config file, /etc/redis/users.acl is the first name: that of a redis.conf in /etc/redis.
  const configFile = n.facts.server?.configFile;
  const chosen = newAclPath(configFile ?? join(dirname(DEFAULT_ACLFILE), 'redis.conf'), exists);
  const path = chosen.path ?? join(dirname(configFile ?? DEFAULT_ACLFILE), 'users-<name>.acl');
  const notes: string[] = [];
  if (chosen.path === undefined) {
    notes.push(`every name from ${chosen.skipped[0]} to ${chosen.skipped.at(-1)} (${ACL_NAME_TRIES}) exists on this machine: name a new file of this server's own`);
  } else if (chosen.skipped.length > 0) {
    const one = chosen.skipped.length === 1;
    notes.push(`${listed(chosen.skipped)} already ${one ? 'exists' : 'exist'} on this machine and ${one ? 'is' : 'are'} not this server's aclfile (another server's users, or left over): not used, never written over`);
  }
  if (!local) notes.push(`redfort cannot see the files of ${n.host}: if ${path} exists there, it is another server's ACL file: choose a name of this server's own`);
  if (configFile === undefined) notes.push('the server runs without a config file: put the ACL file beside the config file it will start with');
  return { path, note: notes.length > 0 ? ` (${notes.join('; ')})` : '' };
}
