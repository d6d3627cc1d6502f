import type { AclState, AclUser, CategoryTable, ConfigMap, InfoSections, ProbeFacts } from '../../facts/types.ts';
import type { Finding, Severity } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { canRun } from '../../acl/permissions.ts';
import { advisoriesAffecting, advisoryById } from '../../version/advisories.ts';
import type { Advisory, AffectingAdvisory } from '../../version/advisories.ts';
import { certificateOnly, loginsOf, reachable } from '../auth/users.ts';
import { tlsEnabled } from '../util.ts';
import { isVerdict, knownVersion } from './server-version.ts';
import { infoField, infoModules } from '../../redis/info.ts';
import { isAtLeast, majorMinor } from '../../redis/version.ts';
import { upstreamVersion } from '../../redis/distro-package.ts';
import { clipped } from '../../util/shown.ts';
import { branchOf } from '../../version/range.ts';

const SEVERITY: Record<string, Severity> = { CRITICAL: 'critical', HIGH: 'high', MEDIUM: 'medium', LOW: 'low' };

function needsScripting(advisory: Advisory): boolean {
  return /lua/i.test(advisory.component) || advisory.preconditions.requires.some((r) => /\bEVAL|scripting|FCALL/i.test(r));
}

/** Whether some user who can log in may run one of `commands`; undefined when the ACL is unknown. */
function someUserMayRun(acl: AclState | undefined, categories: CategoryTable | undefined, commands: readonly string[], mayLogIn: (user: AclUser) => boolean): boolean | undefined {
  const user = userWhoMayRun(acl, categories, commands, false, mayLogIn);
  return user === undefined ? undefined : user !== false;
}

const SCRIPTING = ['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro'];

/**
 * Commands that hand Lua source to the server without running it as a script: SCRIPT LOAD compiles it
 * (luaCreateFunction -> luaL_loadbuffer, redis@7.2.6 eval.c; before 7.0 it also ran the `function f_<sha>() … end`
 * wrapper, the way in of CVE-2022-24735), FUNCTION LOAD and FUNCTION RESTORE compile a library and run its top-level
 * code. A user denied EVAL, EVALSHA and FCALL but not these still reaches Lua's lexer and parser (real 7.2.6:
 * `+@all -eval -evalsha -eval_ro -evalsha_ro -fcall -fcall_ro` runs SCRIPT LOAD and FUNCTION LOAD). On 6.x `script|load`
 * is SCRIPT with its first argument, and there is no FUNCTION.
 */
const COMPILING = ['script|load', 'function|load', 'function|restore'];

/**
 * A Lua advisory that compiling (or loading) a script reaches: its record says so (a parser, lexer or loading bug, or
 * SCRIPT LOAD in its preconditions), or the record of the same id for the other product does (the Valkey records of
 * CVE-2025-49844 and CVE-2025-46819, the same bundled Lua, do not name the parser or lexer).
 */
function reachedByCompiling(advisory: Advisory): boolean {
  const texts = [advisory, advisoryById(advisory.id)].flatMap((a) => (a ? [a.title, a.component, ...a.preconditions.requires] : []));
  return texts.some((t) => /\bLua (?:\w+ )?pars(?:er|ing)\b|\blexer\b|\bloading\b|SCRIPT LOAD/i.test(t));
}

/**
 * Whether some user that can log in may run scripts (`run`), or hand the server Lua to compile (`compile`).
 * `loadRuns`: on a server that CVE-2022-24735 affects, the user who may run SCRIPT LOAD (false when none may, undefined
 * when unknown); undefined on others.
 */
interface Scripting {
  readonly run: boolean | undefined;
  readonly compile: boolean | undefined;
  readonly loadRuns?: string | false | undefined;
  /** Whether CVE-2022-24735 affects the server (SCRIPT LOAD runs the top-level code of what it loads). */
  readonly injectable: boolean;
}

/**
 * Before 6.2.7 (and in the 7.0 release candidates: CVE-2022-24735's range) SCRIPT LOAD compiles the text
 * `function f_<sha>() <body> end` and runs it to define the function (redis@6.0.20 scripting.c luaCreateFunction:
 * luaL_loadbuffer then lua_pcall), so a body `end <code> local function g()` runs `<code>` at load time with every
 * global: a real 6.0.20 whose user is `+@all -eval -evalsha` answers `SCRIPT LOAD "end error(tostring(bit.tohex(255)))
 * local function g()"` with `user_script:1: 000000ff`. 6.2.7 compiles the body alone (6.2.16 and 7.2.6: "'<eof>'
 * expected near 'end'"). There every Lua advisory is reached by a user who may SCRIPT LOAD, EVAL denied or not, except
 * the debugger's, which needs a script that EVAL runs under SCRIPT DEBUG.
 */
const SCRIPT_LOAD_INJECTION = 'CVE-2022-24735';

function reachedByScriptLoad(advisory: Advisory, scripting: Scripting): boolean {
  return scripting.injectable && traitsOf(advisory).scriptLoad;
}

/** The ACL rule that denies SCRIPT LOAD: 6.x ACLs cannot take one subcommand away (`-script|load` is refused there). */
function denyScriptLoad(categories: CategoryTable | undefined): string {
  return categories?.granularity === 'subcommand' ? '-script|load' : '-script';
}

/**
 * The HyperLogLog commands that read a key's HLL: PFADD, PFCOUNT, PFMERGE, and PFDEBUG, whose GETREG and TODENSE run
 * hllSparseToDense on a sparse HLL as they do (redis@7.4.1 hyperloglog.c pfdebugCommand; the data's mitigation names
 * it). The live @hyperloglog members count too (a release may add one); PFSELFTEST does not: it builds its own HLLs
 * and reads no key. Redis 6.0 files PFDEBUG under @admin only, hence the union.
 */
function hyperLogLogCommands(categories: CategoryTable | undefined): string[] {
  const members = categories?.categories.get('hyperloglog') ?? [];
  return [...new Set(['pfadd', 'pfcount', 'pfmerge', 'pfdebug', ...members.filter((c) => c !== 'pfselftest')])];
}

/** What the advisories' preconditions are judged against: the server's INFO and config, and its mode. */
interface Deployment {
  readonly info?: InfoSections | undefined;
  readonly config?: ConfigMap | undefined;
  readonly sentinel?: boolean;
  readonly cluster?: boolean;
  /**
   * The first user that can log in and may run CONFIG SET (false when none may, undefined when the ACL is unknown):
   * a setting an advisory needs that the server has otherwise is only off until such a user sets it.
   */
  readonly configSetter?: string | false | undefined;
  /**
   * Redis before 6.2, whose tls-port CONFIG SET refuses (redis@6.0.20 config.c: IMMUTABLE_CONFIG, a real 6.0.20 answers
   * `Unsupported CONFIG parameter: tls-port`; 6.2.16: MODIFIABLE_CONFIG).
   */
  readonly tlsPortFixed?: boolean;
}

interface CommandFamily {
  readonly test: RegExp;
  readonly commands: (categories: CategoryTable | undefined) => readonly string[];
  readonly what: (commands: readonly string[]) => string;
  /**
   * Whether a crafted RDB file on disk reaches the bug: RESTORE's payload and an RDB file go through the same
   * rdbLoadObject (redis@7.4.1 cluster.c restoreCommand, rdb.c), and DEBUG RELOAD loads the file of `dir`. An HLL
   * loaded so is only a string until a PF* command reads it.
   */
  readonly rdb: boolean;
}

/**
 * Advisories reached through one family of commands: lowered, as the Lua ones are, when no user that can log in may
 * run any of them, and no other way in is open (see {@link otherWayIn}). A sentinel has none of these commands in its
 * table (redis@7.4.1 sentinel.c), so none reaches it, and the advisory's `ACL SETUSER <user> -restore …` is refused
 * there (`Unknown command or category name in ACL`).
 */
const COMMAND_FAMILIES: readonly CommandFamily[] = [
  { test: /\bRESTORE\b/, commands: () => ['restore', 'restore-asking'], what: () => 'RESTORE', rdb: true },
  {
    test: /HyperLogLog|\bHLL\b|hyperloglog\.c/i,
    commands: hyperLogLogCommands,
    what: (commands) => `the HyperLogLog commands (${commands.map((c) => c.toUpperCase()).join(', ')})`,
    rdb: false,
  },
];

/**
 * The command family an advisory needs. `alternatives` when a precondition offers another way in ("RESTORE permission
 * or crafted RDB"): denying the commands then does not rule it out, except on a sentinel, which has no data set at all.
 */
function familyOf(advisory: Advisory): { readonly family: CommandFamily; readonly alternatives: boolean } | undefined {
  const text = [advisory.component, ...advisory.preconditions.requires].join('\n');
  const family = COMMAND_FAMILIES.find((f) => f.test.test(text));
  return family ? { family, alternatives: advisory.preconditions.requires.some((r) => /\bor\b/i.test(r)) } : undefined;
}

/**
 * The first user that can log in and may run one of `commands` (every one of them with `all`); false when none,
 * undefined when the ACL is unknown.
 */
function userWhoMayRun(acl: AclState | undefined, categories: CategoryTable | undefined, commands: readonly string[], all: boolean, mayLogIn: (user: AclUser) => boolean): string | false | undefined {
  if (!acl || !categories) return undefined;
  const may = (u: AclUser, c: string): boolean => canRun(u, c, categories);
  return acl.users.find((u) => mayLogIn(u) && (all ? commands.every((c) => may(u, c)) : commands.some((c) => may(u, c))))?.name ?? false;
}

/** The master a replica replicates from (`host:port`), or undefined when the server is no replica. */
function masterOf(info: InfoSections | undefined, config: ConfigMap | undefined): string | undefined {
  const role = info ? infoField(info, 'role') : undefined;
  if (role === 'slave' || role === 'replica') return `${infoField(info!, 'master_host') ?? '?'}:${infoField(info!, 'master_port') ?? '?'}`;
  if (role !== undefined) return undefined;
  // A file-only audit: `replicaof <host> <port>` (slaveof is read as replicaof).
  const replicaof = config?.get('replicaof')?.value.trim() ?? '';
  return replicaof === '' ? undefined : replicaof.split(/\s+/).join(':');
}

/**
 * A way to the family's code that no ACL on the family's commands closes, as a clause and the mitigation it calls for.
 * A replica's link to its master runs as a client without user (redis@7.4.1 replication.c: `server.master->user = NULL;
 * This client can do everything`): it loads the master's RDB through rdbLoadObject and applies its RESTORE, PFADD,
 * PFMERGE unchecked. A user who may run REPLICAOF/SLAVEOF can point any server at a master of their own. A user who
 * may run DEBUG can have a crafted RDB file loaded (DEBUG RELOAD NOSAVE), unless `enable-debug-command no`, which
 * cannot be changed at run time (config.c IMMUTABLE_CONFIG), refuses DEBUG to every client. MIGRATE is no way in: the
 * server that receives it checks RESTORE against the user the migrating server authenticates as.
 */
function otherWayIn(
  family: CommandFamily,
  facts: Deployment,
  mayRun: (commands: readonly string[], all?: boolean) => string | false | undefined,
): { readonly why: string; readonly mitigation: string } | undefined {
  const master = masterOf(facts.info, facts.config);
  if (master) {
    return {
      why: `it is a replica of ${master}, and a replica applies its master's ${family.rdb ? 'RDB and commands' : 'commands'} without ACL checks`,
      mitigation: `On the master ${master} too: this replica runs what its master sends.`,
    };
  }
  const replicaof = mayRun(['replicaof', 'slaveof']);
  if (replicaof) {
    return {
      why: `user '${clipped(replicaof)}' may run REPLICAOF/SLAVEOF, which makes the server replicate from any master and apply its ${family.rdb ? 'RDB and commands' : 'commands'} without ACL checks`,
      mitigation: 'Deny REPLICAOF and SLAVEOF too (`ACL SETUSER <user> -replicaof -slaveof`) to every user who does not manage replication.',
    };
  }
  // A cluster node refuses REPLICAOF, but CLUSTER MEET a node of the user's own and CLUSTER REPLICATE it do the same.
  const cluster = facts.cluster ? mayRun(['cluster|meet', 'cluster|replicate'], true) : false;
  if (cluster) {
    return {
      why: `user '${clipped(cluster)}' may run CLUSTER MEET and CLUSTER REPLICATE, which make this cluster node replicate from a node of their choosing and apply its ${family.rdb ? 'RDB and commands' : 'commands'} without ACL checks`,
      mitigation: 'Deny CLUSTER MEET and CLUSTER REPLICATE too (`ACL SETUSER <user> -cluster|meet -cluster|replicate` on 7.0+, `-cluster` before) to every user who does not manage the cluster.',
    };
  }
  if (family.rdb && facts.config?.get('enable-debug-command')?.value !== 'no') {
    const debug = mayRun(['debug']);
    if (debug) {
      return {
        why: `user '${clipped(debug)}' may run DEBUG, whose DEBUG RELOAD NOSAVE loads the RDB file on disk`,
        mitigation: 'Deny DEBUG too (`ACL SETUSER <user> -debug`, or `enable-debug-command no` in redis.conf, which takes a restart).',
      };
    }
  }
  return undefined;
}

/** The part of an advisory's mitigation about RDB files and replication, which no ACL on RESTORE replaces. */
function rdbMitigation(advisory: Advisory): string | undefined {
  return advisory.mitigation
    ?.split(/;\s*/)
    .map((part) => part.trim())
    .find((part) => /\bRDB\b|replicat/i.test(part) && !/ACL SETUSER/.test(part));
}

/**
 * CONFIG SET (which turns `replica-read-only` off) as the table names it: 7.0+ tables list subcommands (config|set),
 * 6.x ones whole commands. A rename is not counted: the renamed command still sets it.
 */
function configSet(categories: CategoryTable | undefined): string[] {
  return [categories?.granularity === 'subcommand' ? 'config|set' : 'config'];
}

/**
 * The module an advisory of a Redis 8 bundled module needs loaded, by the name `MODULE LIST` and INFO give it
 * (`RedisModule_Init` of RedisBloom is "bf", RedisTimeSeries "timeseries", RediSearch "search", RedisJSON "ReJSON").
 * Redis 8 builds them only with BUILD_WITH_MODULES=yes and loads them only by `loadmodule` (redis-full.conf).
 */
function bundledModule(advisory: Advisory): string | undefined {
  const match = /^Redis 8 bundled module: (.*)$/.exec(advisory.component);
  if (!match) return undefined;
  const text = match[1]!;
  if (/bloom|\bbf\b/i.test(text)) return 'bf';
  if (/timeseries/i.test(text)) return 'timeseries';
  if (/search/i.test(text)) return 'search';
  if (/json/i.test(text)) return 'ReJSON';
  return undefined;
}

/**
 * What the rule reads of an advisory's own texts (component, preconditions, platform, mitigation), each the same for
 * every server: found once per advisory record (the records of a version are read once, see {@link advisoriesFor}),
 * where each target of a fleet ran the same dozen regular expressions over them again.
 */
interface Traits {
  readonly scripting: boolean;
  readonly compiling: boolean;
  /** {@link reachedByScriptLoad} on a server that CVE-2022-24735 affects: no debugger bug, no SCRIPT DEBUG needed. */
  readonly scriptLoad: boolean;
  readonly family: ReturnType<typeof familyOf>;
  readonly module: string | undefined;
  readonly rdb: string | undefined;
  readonly until: ReturnType<typeof untilUpgrade>;
  /** Its component is an RDB load. */
  readonly rdbLoad: boolean;
  /** An ACL bug that needs key-restricted users. */
  readonly keyRestricted: boolean;
  readonly only32Bit: boolean;
  readonly notJemalloc: boolean;
  readonly tls: boolean;
  readonly clusterNode: boolean;
  readonly evictsClients: boolean;
  readonly writableReplica: boolean;
}

const TRAITS = new WeakMap<Advisory, Traits>();

function traitsOf(advisory: Advisory): Traits {
  let traits = TRAITS.get(advisory);
  if (traits) return traits;
  const platform = advisory.preconditions.platform ?? '';
  const needs = advisory.preconditions.config ?? [];
  // Each as ruledOut and judgeFamily ask for it: whether compiling reaches it only of a scripting advisory (it reads
  // the other product's record), SCRIPT LOAD only of one compiling does not reach, the RDB mitigation only of a family
  // that RDB files reach.
  const scripting = needsScripting(advisory);
  const compiling = scripting && reachedByCompiling(advisory);
  const family = familyOf(advisory);
  traits = {
    scripting,
    compiling,
    scriptLoad: scripting && !compiling && !/debugger/i.test(advisory.component) && !advisory.preconditions.requires.some((r) => /SCRIPT DEBUG/i.test(r)),
    family,
    module: bundledModule(advisory),
    rdb: family?.family.rdb ? rdbMitigation(advisory) : undefined,
    until: untilUpgrade(advisory.mitigation),
    rdbLoad: /RDB load/i.test(advisory.component),
    keyRestricted: /\bACL\b/.test(advisory.component) && advisory.preconditions.requires.some((r) => /key[- ](?:pattern[- ])?restrict|key restrictions/i.test(r)),
    only32Bit: /32-bit/i.test(platform),
    notJemalloc: /allocator|MALLOC=libc/i.test(platform),
    tls: /TLS builds only/i.test(platform) || needs.some((c) => /^tls-port set$/i.test(c)),
    clusterNode: needs.some((c) => /^cluster-enabled yes$/i.test(c)),
    evictsClients: needs.some((c) => /^maxmemory-clients (?:>|!=) ?0$/i.test(c)),
    writableReplica: needs.some((c) => /^replica-read-only no$/i.test(c)),
  };
  TRAITS.set(advisory, traits);
  return traits;
}

/** How the deployment judges an advisory: `lowered` when a precondition is ruled out, `kept` when only one way in keeps it. */
type Judged = { readonly lowered: string; readonly rdb?: string | undefined } | { readonly kept: string; readonly mitigation: string };

/** A lowering wins (one precondition ruled out is enough); two ways in that keep it are both named. */
function merged(a: Judged | undefined, b: Judged | undefined): Judged | undefined {
  if (!a || !b) return a ?? b;
  if ('lowered' in a) return a;
  if ('lowered' in b) return b;
  return { kept: `${a.kept}; and ${b.kept}`, mitigation: `${a.mitigation} ${b.mitigation}` };
}

/**
 * A setting the advisory needs that the server has otherwise (`state`: `tls-port is 0`), which CONFIG SET changes at
 * run time: lowered only when no user that can log in may run CONFIG SET, as for replica-read-only.
 */
function settingOff(only: string, state: string, facts: Deployment, categories: CategoryTable | undefined): Judged {
  const setter = facts.configSetter;
  if (setter === false) return { lowered: `${only}, ${state} and no user that can log in may run CONFIG SET` };
  return {
    kept: `${only} and ${state}, but ${setter === undefined ? 'which users may run CONFIG SET is unknown' : `user '${clipped(setter)}' may run CONFIG SET`}, which changes it at run time`,
    mitigation: `Deny CONFIG SET (\`ACL SETUSER <user> ${categories?.granularity === 'subcommand' ? '-config|set' : '-config'}\`) to every user who does not manage the server, so that ${state} stays so.`,
  };
}

/** A precondition the deployment rules out (`lowered`), or one it looked like ruling out that another way keeps. */
function ruledOut(
  advisory: Advisory,
  facts: Deployment,
  scripting: Scripting,
  categories: CategoryTable | undefined,
): Judged | undefined {
  const { info, config } = facts;
  const traits = traitsOf(advisory);
  let kept: Judged | undefined;
  // Sentinel mode keeps no data set: it never loads an RDB file, from disk or from a master.
  if (facts.sentinel && traits.rdbLoad) return { lowered: 'it needs the server to load an RDB file, which a sentinel never does' };
  // ACL key-permission bugs need a command that takes keys: none of a sentinel's does (COMMAND GETKEYS PUBLISH: "The
  // command has no key arguments", redis-sentinel 7.0.15).
  if (facts.sentinel && traits.keyRestricted) {
    return { lowered: 'it needs commands that take keys, and none of a sentinel\'s does' };
  }
  const bits = info ? infoField(info, 'arch_bits') : undefined;
  if (traits.only32Bit && bits === '64') return { lowered: 'only 32-bit builds are affected and this build is 64-bit' };
  const allocator = info ? infoField(info, 'mem_allocator') : undefined;
  if (traits.notJemalloc && allocator?.startsWith('jemalloc')) return { lowered: `only non-jemalloc builds are affected and this one uses ${allocator}` };
  if (traits.tls && config && !tlsEnabled(config)) {
    if (config.get('tls-port') === undefined) return { lowered: 'only TLS listeners are affected and this server has no TLS support' };
    if (facts.tlsPortFixed) return { lowered: 'only TLS listeners are affected and tls-port is 0, which CONFIG SET cannot change before 6.2' };
    // CONFIG SET tls-port alone fails without a certificate (7.0.15: 'Unable to update TLS configuration'), but the same
    // CONFIG SET may name tls-cert-file and tls-key-file.
    kept = settingOff('only TLS listeners are affected', 'tls-port is 0', facts, categories);
    if ('lowered' in kept) return kept;
  }
  // cluster-enabled takes a restart, and INFO says it where CONFIG GET cannot be read (CONFIG renamed or denied, as
  // commands.dangerous-not-renamed advises): a standalone server is not the cluster node the advisory names (QA36-4: Valkey
  // 9.1.2 with CONFIG renamed kept a cluster-bus advisory high).
  if (traits.clusterNode && config?.get('cluster-enabled') === undefined && info && infoField(info, 'cluster_enabled') === '0') {
    return { lowered: 'only cluster nodes are affected and INFO says cluster_enabled:0 (cluster-enabled takes a restart)' };
  }
  // Settings the advisory needs that the server has otherwise (cluster-enabled takes a restart; the others CONFIG SET).
  if (config) {
    const value = (name: string) => config.get(name)?.value;
    if (traits.clusterNode && value('cluster-enabled') === 'no') return { lowered: 'only cluster nodes are affected and cluster-enabled is no' };
    const off: Judged[] = [];
    if (traits.evictsClients && value('maxmemory-clients') === '0') {
      off.push(settingOff('only servers that evict clients are affected', 'maxmemory-clients is 0', facts, categories));
    }
    // A user who may CONFIG SET can make the replica writable first.
    if (traits.writableReplica && value('replica-read-only') === 'yes') {
      off.push(settingOff('only writable replicas are affected', 'replica-read-only is yes', facts, categories));
    }
    for (const judged of off) {
      if ('lowered' in judged) return judged;
      kept = merged(kept, judged);
    }
  }
  const module = traits.module;
  const modules = module && info ? infoModules(info) : undefined;
  if (module && modules && !modules.includes(module)) {
    return { lowered: `only servers that load the '${module}' module are affected and INFO lists ${modules.length === 0 ? 'no loaded module' : `${modules.length} other loaded module${modules.length === 1 ? '' : 's'}, not it`}` };
  }
  if (traits.scripting) {
    if (traits.compiling) {
      if (scripting.run === false && scripting.compile === false) {
        return { lowered: 'it needs EVAL/FCALL, SCRIPT LOAD or FUNCTION LOAD and no user that can log in may run or load scripts' };
      }
    } else if (reachedByScriptLoad(advisory, scripting)) {
      if (scripting.run === false && scripting.loadRuns === false) {
        return { lowered: `it needs EVAL/FCALL or SCRIPT LOAD (which runs the top-level code of what it loads before 6.2.7, ${SCRIPT_LOAD_INJECTION}) and no user that can log in may run or load scripts` };
      }
      if (scripting.run === false && scripting.loadRuns) {
        return merged(kept, {
          kept: `no user that can log in may run scripts, but user '${clipped(scripting.loadRuns)}' may run SCRIPT LOAD, which runs the top-level code of what it loads before 6.2.7 (${SCRIPT_LOAD_INJECTION}: \`end <code> local function g()\`)`,
          mitigation: `Deny SCRIPT LOAD too (\`ACL SETUSER <user> ${denyScriptLoad(categories)}\`, or -@scripting): denying EVAL and EVALSHA does not close it.`,
        });
      }
    } else if (scripting.run === false) {
      return { lowered: 'it needs EVAL/FCALL and no user that can log in may run scripts' };
    }
  }
  return kept;
}

/**
 * An advisory reached through a command family: `lowered` when no user that can log in may run the family and no
 * other way in is open (`rdb`: the part of its mitigation that still holds), `kept` when only another way in keeps it.
 */
function judgeFamily(
  advisory: Advisory,
  facts: Deployment,
  categories: CategoryTable | undefined,
  mayRun: (commands: readonly string[], all?: boolean) => string | false | undefined,
): Judged | undefined {
  const traits = traitsOf(advisory);
  const needed = traits.family;
  if (!needed) return undefined;
  const commands = needed.family.commands(categories);
  const what = needed.family.what(commands);
  if (facts.sentinel) return mayRun(commands) === false ? { lowered: `it needs ${what}, which a sentinel does not have` } : undefined;
  if (needed.alternatives || mayRun(commands) !== false) return undefined;
  const way = otherWayIn(needed.family, facts, mayRun);
  if (way) return { kept: `no user that can log in may run ${what}, but ${way.why}`, mitigation: way.mitigation };
  return { lowered: `it needs ${what} and no user that can log in may run them`, rdb: needed.family.rdb ? traits.rdb : undefined };
}

interface ByVersion {
  /** The server-side advisories whose range the version is in, in the data's order, with the fix on its branch. */
  readonly affecting: readonly AffectingAdvisory[];
  /** Advisories whose status on the version's branch is unknown. */
  readonly unknownBranch: readonly string[];
}

/** What the advisory data says of each product, version and branch met: a fleet runs a few versions. */
const BY_VERSION = new Map<string, ByVersion>();

function advisoriesFor(known: { readonly product: string; readonly version: string; readonly branch: string }): ByVersion {
  const key = `${known.product}\0${known.version}\0${known.branch}`;
  let found = BY_VERSION.get(key);
  if (found) return found;
  found = advisoriesAffecting(known.product, known.version, known.branch);
  if (BY_VERSION.size >= 256) BY_VERSION.clear();
  BY_VERSION.set(key, found);
  return found;
}

/**
 * Where the fix is: `fixed in 8.2.6`, and when that release is on a later branch than the server's, that no release of
 * the server's own branch has it (Redis 8.0 has none of the 2026 fixes: 8.0.6 users must move to 8.2.6).
 */
function fixedText(fixed: string | null | undefined, branch: string): string {
  if (!fixed) return 'no fix on this branch';
  const fixedBranch = branchOf(fixed.split(/\s/)[0] ?? fixed);
  return fixedBranch && fixedBranch !== branch ? `fixed in ${fixed} (no ${branch} release has the fix)` : `fixed in ${fixed}`;
}

/**
 * The advisory's mitigation as what to do until the upgrade: the data's texts also say to upgrade ("Upgrade. If TLS is
 * not needed…", "No configuration workaround published; upgrade.", "…until upgraded."), which the remediation's own
 * "Upgrade to X or later." already says. `none`: the advisory names no workaround.
 */
function untilUpgrade(mitigation: string | null | undefined): { readonly text?: string; readonly none?: true } {
  const text = (mitigation ?? '').trim();
  if (/^no configuration workaround (?:is )?published\b[;,.]?\s*(?:upgrade\.?)?$/i.test(text)) return { none: true };
  const rest = text.replace(/^upgrade\.\s*/i, '').replace(/\s+until upgraded(?=\.?$)/i, '').trim();
  return rest ? { text: rest } : {};
}

/**
 * CVE-2022-0543 is in Debian and Ubuntu packaging, not in a version range: only the `--probe-intrusive` EVAL tells,
 * and a positive answer is certain, whatever the version.
 */
function luaPackageFinding(probe: ProbeFacts | undefined): Finding | undefined {
  if (probe?.luaPackage?.outcome !== 'exposed') return undefined;
  const advisory = advisoryById('CVE-2022-0543');
  const until = untilUpgrade(advisory?.mitigation).text;
  return {
    message: `CVE-2022-0543 (CRITICAL${advisory?.cvss ? ` ${advisory.cvss.score}` : ''}): ${advisory?.title ?? 'Lua package global exposed'}; the server answered EVAL "return type(package)" 0 with 'table'`,
    source: probe.luaPackage.source,
    severity: 'critical',
    evidence: [...(advisory?.sources ?? [])],
    remediation: `Upgrade the distribution's redis package (Debian DSA-5081).${until ? ` Until then: ${until}` : ''}`,
  };
}

export default defineRule({
  id: 'version.known-vulnerabilities',
  title: 'The server version has no known vulnerability',
  severity: 'high',
  section: 'Foundation',
  checklist: 'Foundation 8',
  sources: ['live', 'host'],
  remediation: 'Upgrade to the fixed release of your branch (each finding names it); until then apply the advisory\'s mitigation (most Lua CVEs: `-@scripting` for every user).',
  requires: ['server'],
  // The advisory: the same CVE on the same server is the same finding whatever the message says of the package (seen,
  // not seen because the lookup timed out under load, not seen because the audit is remote) or the version.
  fingerprintKey: (message) => /^([A-Z]+-[A-Za-z0-9-]+) \(/.exec(message)?.[1],
  check({ server, info, config, files, acl, categories, host, probe, distroPackage }) {
    const known = knownVersion(server);
    if (isVerdict(known)) return known;
    // tls-auth-clients-user: a user without a password is logged into by a certificate naming it (QA38-13); where that
    // is unknown, such a user counts too (an advisory is lowered only when no user may run what it needs).
    const logins = loginsOf({ config, files, server });
    const mayLogIn = (u: AclUser): boolean => reachable(u, logins) || (logins.state === 'unknown' && certificateOnly(u));
    const configSetter = userWhoMayRun(acl, categories, configSet(categories), false, mayLogIn);
    const minor = majorMinor(known.version);
    const tlsPortFixed = known.product === 'redis' && minor !== undefined && !isAtLeast(minor, 6, 2);
    // The host knows whether the running executable came from a distribution package, and which build.
    const observed = host?.package.known ? host.package.value : undefined;
    // Else the user may have declared it (`--distro-package`): judged the same way, and said so.
    const declared = !observed && distroPackage ? distroPackage : undefined;
    const mismatch = declared && upstreamVersion(declared.value.version) !== known.version ? declared : undefined;
    const pkg = observed ?? (declared && !mismatch ? declared.value : undefined);
    const by = declared && !mismatch ? ` (${declared.source.kind === 'declared' ? declared.source.detail.replace(/^\S+ /, '') : 'declared'})` : '';
    const ends = pkg?.changelogEndsAt ? `; the changelog known here (${pkg.changelogFrom ?? 'installed'}) ends at ${pkg.changelogEndsAt}, so later fixes are not known` : '';
    // A fix the package's changelog names is in the installed build; it is the running one unless replaced since.
    const backported = new Set(pkg && !pkg.replaced ? (pkg.changelogCves ?? []) : []);
    // Each advisory the package's changelog names as fixed, and the name it gives when that is an alias.
    const fixedByPackage: { id: string; as?: string }[] = [];
    const findings: Finding[] = [];
    const unknown: string[] = [];
    const { affecting, unknownBranch } = advisoriesFor(known);
    unknown.push(...unknownBranch);
    // The name the changelog gives the fix: the advisory's id, or one of its aliases (a CVE another project assigned).
    const namedAs = (id: string, aliases: readonly string[]): string | undefined => {
      if (backported.size === 0) return undefined;
      if (backported.has(id.toUpperCase())) return id;
      return aliases.find((name) => backported.has(name.toUpperCase()));
    };
    const fixedInBuild = (id: string, aliases: readonly string[]) => namedAs(id, aliases) !== undefined;
    const injectable = affecting.some((a) => a.id === SCRIPT_LOAD_INJECTION && !fixedInBuild(a.id, a.aliases));
    const scripting: Scripting = {
      run: someUserMayRun(acl, categories, SCRIPTING, mayLogIn),
      compile: someUserMayRun(acl, categories, COMPILING, mayLogIn),
      injectable,
      loadRuns: injectable ? userWhoMayRun(acl, categories, ['script|load'], false, mayLogIn) : undefined,
    };
    for (const { id, aliases, fixed, advisory: record } of affecting) {
      const name = namedAs(id, aliases);
      if (name !== undefined) {
        fixedByPackage.push(name.toUpperCase() === id.toUpperCase() ? { id } : { id, as: name });
        continue;
      }
      // The whole record (title, sources, mitigation) only for a finding.
      const advisory = record();
      const deployment: Deployment = { info, config, sentinel: server.mode === 'sentinel', cluster: server.mode === 'cluster', configSetter, tlsPortFixed };
      const ruled = ruledOut(advisory, deployment, scripting, categories);
      const family = ruled && 'lowered' in ruled ? ruled : merged(ruled, judgeFamily(advisory, deployment, categories, (commands, all) => userWhoMayRun(acl, categories, commands, all ?? false, mayLogIn)));
      const excluded = family && 'lowered' in family ? family.lowered : undefined;
      const kept = family && 'kept' in family ? family : undefined;
      const base = SEVERITY[advisory.severity ?? ''] ?? 'medium';
      // Lowered, the precondition is not met: the mitigation may name commands this server does not have; what it says
      // of RDB files and masters still holds when the server loads them.
      const keepSo = family && 'lowered' in family && family.rdb ? `, and ${family.rdb.replace(/\.$/, '')}` : '';
      const own = traitsOf(advisory).until;
      const until = [own.text, kept?.mitigation].filter((m): m is string => !!m).join(' ');
      findings.push({
        message: `${advisory.id} (${advisory.severity ?? 'unscored'}${advisory.cvss ? ` ${advisory.cvss.score}` : ''}): ${advisory.title}; ${known.version} is affected, ${fixedText(fixed, known.branch)}${excluded ? `; lowered: ${excluded}` : kept ? `; not lowered: ${kept.kept}` : ''}${advisory.verified ? '' : ' (unverified entry)'}`,
        source: server.source,
        severity: excluded ? 'low' : advisory.disputed ? 'info' : base,
        evidence: [...advisory.sources],
        remediation: `${fixed ? `Upgrade to ${fixed} or later.` : 'Upgrade to a supported branch.'}${excluded ? ` Not reachable as it runs now (${excluded}): keep it so until then${keepSo}.` : until ? ` Until then: ${until}` : ''}${own.none && !excluded ? ' No configuration workaround is published.' : ''}`,
      });
    }
    const lua = luaPackageFinding(probe);
    if (lua) findings.push(lua);
    const distro = 'a distribution build may carry backported fixes: compare with your distribution\'s security tracker';
    // Remote targets and runs without root cannot see the package: say in the message itself that a
    // distribution build (Debian backports most fixes) may not be affected (issue 11).
    const build = mismatch
      ? `; the package ${mismatch.source.kind === 'declared' ? mismatch.source.detail.replace(/^\S+ /, '') : 'declared'}, ${mismatch.value.name} ${mismatch.value.version}, is not a build of ${known.version}, so it was ignored`
      : !pkg
        ? `; if this is a distribution build (Debian, Ubuntu, RHEL), it may carry a backported fix: redfort cannot see the package from here (${host?.package.known === false ? host.package.reason : 'run it on the server\'s host as root'}), declare it with --distro-package or check your distribution's security tracker`
        : pkg.changelogCves && !pkg.replaced
          ? `; the changelog of package ${pkg.name} ${pkg.version}${by} does not name it as fixed${ends}`
          : `; distribution build may carry backported fixes (package ${pkg.name} ${pkg.version}${by}${pkg.replaced ? ', replaced on disk since the server started: restart to run it' : ''})`;
    const viaPackage = fixedByPackage.map((f) => `${f.id}: fixed in package ${pkg!.name} ${pkg!.version}${by} (its changelog names it${f.as ? ` as ${f.as}` : ''})`);
    if (findings.length > 0) {
      return fail(findings.map((f) => ({ ...f, message: `${f.message}${build}`, evidence: [...(f.evidence ?? []), distro, ...viaPackage] })));
    }
    if (unknown.length > 0) {
      return skip(`no advisory is known to affect ${known.version}, but the status of branch ${known.branch} is unknown for ${unknown.join(', ')}`);
    }
    if (fixedByPackage.length > 0) {
      return pass(
        `${fixedByPackage.length === 1 ? 'the advisory that affects' : `the ${fixedByPackage.length} advisories that affect`} upstream ${known.product} ${known.version} ${fixedByPackage.length === 1 ? 'is' : 'are all'} named as fixed in the changelog of package ${pkg!.name} ${pkg!.version}${by}${ends}`,
        { source: observed && host!.package.known ? host!.package.source : declared ? declared.source : server.source, evidence: viaPackage },
      );
    }
    return pass(`no known advisory affects ${known.product} ${known.version}`, { source: server.source });
  },
});
