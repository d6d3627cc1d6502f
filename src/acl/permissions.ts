import type { AclUser, CategoryTable } from '../facts/types.ts';
import { allowedDatabases, databaseNeed, databasesAllow, hasDatabaseRules } from './databases.ts';
import type { DatabaseScope } from './databases.ts';
import { keyAccessOf, keysAllow } from './keys.ts';
import type { KeyAccess } from './keys.ts';

/** How a user came to be allowed one command. */
export interface CommandGrant {
  /** `cmd` or `cmd|sub`, lowercase. */
  readonly command: string;
  readonly via: 'category' | 'name';
  /** The rule that decided it, e.g. `+@all`, `allcommands`, `+@admin`, `+config|get`, `+config`. */
  readonly rule: string;
  /** The selector's index in `AclUser.selectors` when a selector, not the root, grants it. */
  readonly selector?: number;
}

/** Which `@dangerous` commands one user can run, split by how they were granted. */
export interface DangerousReport {
  readonly user: string;
  readonly enabled: boolean;
  /** Granted through a category rule (`+@all`, `allcommands`, `+@admin`, ...): what the rule fails on. */
  readonly viaCategory: readonly CommandGrant[];
  /** Granted one by one (`+config|get`): evidence, not a failure. */
  readonly byName: readonly CommandGrant[];
  /**
   * Redis 7.0's rendering only (`judgedExcluded`): granted, but how cannot be told. The rendering names a category
   * for it (`+@fast`) that the user holds too little of for the fingerprint of a category grant, and the command was
   * not added back to a category the user holds almost nothing of (`-@dangerous +info`): a grant by name, or a
   * category's cut down by other rules (`+@fast -@keyspace`). Neither a failure nor a pass.
   */
  readonly undetermined: readonly CommandGrant[];
  /** True when the grants were attributed from what the user may run, not from the rules (see {@link analyzeDangerous}). */
  readonly judgedExcluded: boolean;
  /**
   * Valkey 9.1+ (with a {@link DatabaseScope}): granted by the command rules, but barred by the database rules of every
   * permission set that grants it (`resetdbs +@all`: FLUSHALL, FLUSHDB, KEYS…): in none of the lists above.
   */
  readonly barredByDatabases?: readonly CommandGrant[];
  /**
   * Granted by the command rules (and allowed by the databases), but barred by the key permissions of every permission
   * set that grants it (`%R~*`: RESTORE, MIGRATE; `resetkeys`: SORT too; see src/acl/keys.ts): in none of the lists above.
   */
  readonly barredByKeys?: readonly CommandGrant[];
}

/**
 * The commands a table knows, as the server's ACL bitmap sees them, numbered: permission sets are arrays indexed by
 * these numbers (one run evaluates a few rule sets over some 400 commands, and a fleet shares the table).
 */
interface Universe {
  /** What the server checks at execution: plain commands and `cmd|sub` (never a container itself), sorted. */
  readonly units: readonly string[];
  /** A unit's number: its place in `units`. */
  readonly index: ReadonlyMap<string, number>;
  /** container -> its `cmd|sub` units (7.0+ tables only). */
  readonly containers: ReadonlyMap<string, readonly number[]>;
  /** category -> its members as units (a container stands for its subcommands), each once, in the table's order. */
  readonly members: ReadonlyMap<string, readonly number[]>;
  readonly perSubcommand: boolean;
}

const universes = new WeakMap<CategoryTable, Universe>();

function universeOf(table: CategoryTable): Universe {
  const cached = universes.get(table);
  if (cached) return cached;
  const perSubcommand = table.granularity === 'subcommand';
  const names = new Set<string>();
  for (const members of table.categories.values()) for (const m of members) names.add(m);
  const subsByName = new Map<string, string[]>();
  if (perSubcommand) {
    for (const name of names) {
      const pipe = name.indexOf('|');
      if (pipe === -1) continue;
      const parent = name.slice(0, pipe);
      const subs = subsByName.get(parent);
      if (subs) subs.push(name);
      else subsByName.set(parent, [name]);
    }
  }
  // Every 7.0+ subcommand is in @fast or @slow, so the union of the categories lists every container's subcommands.
  const units: string[] = [];
  for (const name of names) if (!subsByName.has(name)) units.push(name);
  units.sort();
  const index = new Map<string, number>();
  for (let i = 0; i < units.length; i++) index.set(units[i]!, i);
  const containers = new Map<string, number[]>();
  for (const [parent, subs] of subsByName) containers.set(parent, subs.map((name) => index.get(name)!));
  const universe: Omit<Universe, 'members'> = { units, index, containers, perSubcommand };
  const members = new Map<string, number[]>();
  for (const [category, list] of table.categories) {
    const seen = new Uint8Array(units.length);
    const out: number[] = [];
    for (const name of list) {
      for (const i of expand(universe, name)) {
        if (seen[i] === 1) continue;
        seen[i] = 1;
        out.push(i);
      }
    }
    members.set(category, out);
  }
  const made = { ...universe, members };
  universes.set(table, made);
  return made;
}

/** How a rule granted a command, shared by every command it granted (a {@link CommandGrant} without the command). */
type Grant = Omit<CommandGrant, 'command'>;

/** What one permission set (the root, or one selector) allows. */
interface PermissionSet {
  /** By unit number: the grant of a command allowed whatever its arguments. */
  readonly full: (Grant | undefined)[];
  /** By unit number: commands allowed with some first arguments only (`+select|0`, or `+config|get` on 6.x). */
  readonly firstArgs: Map<number, { readonly args: Set<string>; grant: CommandGrant }>;
}

const NONE: readonly number[] = [];

/** A name as ACLChangeSelectorPerm applies it, as unit numbers: a container stands for all of its subcommands. */
function expand(universe: Pick<Universe, 'index' | 'containers'>, name: string): readonly number[] {
  const subs = universe.containers.get(name);
  if (subs) return subs;
  const i = universe.index.get(name);
  return i === undefined ? NONE : [i];
}

function grant(set: PermissionSet, units: readonly number[], made: Grant): void {
  for (const i of units) {
    // `+@all +acl`: the name adds nothing to what the category already grants, so the category keeps the credit.
    if (made.via === 'name' && set.full[i]?.via === 'category') continue;
    set.full[i] = made;
    if (set.firstArgs.size > 0) set.firstArgs.delete(i);
  }
}

function revoke(set: PermissionSet, units: readonly number[]): void {
  for (const i of units) {
    set.full[i] = undefined;
    if (set.firstArgs.size > 0) set.firstArgs.delete(i);
  }
}

/** Splits `cmd|arg` where the server would: 7.0+ at the last `|`, 6.x at the first. */
function splitPipe(universe: Universe, name: string): [string, string] {
  const at = universe.perSubcommand ? name.lastIndexOf('|') : name.indexOf('|');
  return [name.slice(0, at), name.slice(at + 1)];
}

function evaluate(rules: readonly string[], table: CategoryTable, selector: number | undefined): PermissionSet {
  evaluations++;
  const universe = universeOf(table);
  const count = universe.units.length;
  const set: PermissionSet = { full: new Array<Grant | undefined>(count).fill(undefined), firstArgs: new Map() };
  const where = selector === undefined ? {} : { selector };
  for (const raw of rules) {
    const rule = raw.toLowerCase();
    if (rule === '+@all' || rule === 'allcommands') {
      set.firstArgs.clear();
      set.full.fill({ via: 'category', rule, ...where });
    } else if (rule === '-@all' || rule === 'nocommands' || rule === 'reset') {
      set.full.fill(undefined);
      set.firstArgs.clear();
    } else if (rule.startsWith('+@') || rule.startsWith('-@')) {
      const units = universe.members.get(rule.slice(2)) ?? NONE;
      if (rule.startsWith('+')) grant(set, units, { via: 'category', rule, ...where });
      else revoke(set, units);
    } else if (rule.startsWith('-')) {
      // On a 6.x table `-cmd|sub` cannot take part of a command away: leave the command as it is.
      revoke(set, expand(universe, rule.slice(1)));
    } else if (rule.startsWith('+')) {
      const name = rule.slice(1);
      if (!name.includes('|') || (universe.perSubcommand && universe.index.has(name))) {
        grant(set, expand(universe, name), { via: 'name', rule, ...where });
        continue;
      }
      const [command, arg] = splitPipe(universe, name);
      // A first-arg is only recorded while the command is blocked; once allowed it changes nothing.
      const i = universe.index.get(command);
      if (i === undefined || set.full[i] !== undefined) continue;
      const entry = set.firstArgs.get(i);
      const made: CommandGrant = { command, via: 'name', rule, ...where };
      if (entry) {
        entry.args.add(arg);
        entry.grant = made;
      } else {
        set.firstArgs.set(i, { args: new Set([arg]), grant: made });
      }
    }
  }
  return set;
}

/**
 * Results computed from a table, kept as long as the table: a rule set is evaluated once however many rules ask
 * (the written-rules check alone asks for each user and each profile role), and, as servers that answer `ACL CAT`
 * alike share one table (see categoryTableFromLive), once per run for a fleet of alike users. Keyed by content, so
 * two users with the same rules share; never kept across tables, so nothing goes stale. At most MAX_MEMO results
 * per table: a long-running process (the exporter) that meets ever new users starts the table's cache afresh.
 */
const perTable = new WeakMap<CategoryTable, Map<string, unknown>>();
const MAX_MEMO = 256;

function memo<T>(table: CategoryTable, key: string, make: () => T): T {
  let cache = perTable.get(table);
  if (!cache) perTable.set(table, (cache = new Map()));
  if (cache.has(key)) return cache.get(key) as T;
  const value = make();
  if (cache.size >= MAX_MEMO) cache.clear();
  cache.set(key, value);
  return value;
}

/** The rules {@link evaluate} reads: command rules. Key and channel rules (`~app:*`, `&news`, `allkeys`) change no command. */
export function isCommandRule(rule: string): boolean {
  const first = rule[0];
  if (first === '+' || first === '-') return true;
  const lower = rule.toLowerCase();
  return lower === 'allcommands' || lower === 'nocommands' || lower === 'reset';
}

/**
 * A user's command rules (root and selectors, in order) as a key, made once per user (each rule and profile asks for
 * its sets, effective and dangerous commands several times per target). Only the command rules: users that differ in
 * keys, channels or passwords alone (`~u1:*` and `~u2:*`, the usual fleet of application users) share one key, so
 * 10,000 such users are evaluated as often as their distinct command rules, not 10,000 times (the memo keeps 256).
 * Users are facts, never changed once gathered.
 */
function rulesKey(user: AclUser): string {
  let key = rulesKeys.get(user);
  if (key === undefined) rulesKeys.set(user, (key = JSON.stringify([user.rules.filter(isCommandRule), user.selectors.map((rules) => rules.filter(isCommandRule))])));
  return key;
}
const rulesKeys = new WeakMap<AclUser, string>();

let evaluations = 0;
/** For tests: how many permission sets (a user's root rules, or one selector) were evaluated in this process. */
export function evaluationCount(): number {
  return evaluations;
}

/**
 * The key of a user's rules under a database scope: its command rules alone when no scope applies or the user names
 * no database rule (every set allows every database), else with the scope and each set's databases.
 */
function scopedKey(user: AclUser, scope: DatabaseScope | undefined): string {
  if (scope === undefined || !hasDatabaseRules(user)) return rulesKey(user);
  const dbs = [user.rules, ...user.selectors].map((rules) => {
    const allowed = allowedDatabases(rules);
    return allowed === 'all' ? 'all' : [...allowed].sort((a, b) => a - b).join(',');
  });
  return `${rulesKey(user)} databases ${scope.key} ${dbs.join(' ')}`;
}

/** Read-only once made: shared by every caller of the same rules on the same table. */
function permissionSets(user: AclUser, table: CategoryTable, scope?: DatabaseScope, keys = false): readonly PermissionSet[] {
  const plain = memo(table, `sets ${rulesKey(user)}`, () => [evaluate(user.rules, table, undefined), ...user.selectors.map((rules, i) => evaluate(rules, table, i))]);
  const scoped = scope === undefined || !hasDatabaseRules(user) ? plain : memo(table, `sets ${scopedKey(user, scope)}`, () => plain.map((set, i) => withinDatabases(set, allowedDatabases(i === 0 ? user.rules : user.selectors[i - 1]!), table, scope)));
  if (!keys) return scoped;
  // QA44-3: keyed commands less what the sets' key permissions bar on every key; keyed by the summary, not the patterns.
  const access = keyAccessOf(user);
  if (access.every((a) => a === 'all')) return scoped;
  return memo(table, `sets ${scopedKey(user, scope)} keys ${access.join(',')}`, () => scoped.map((set, i) => withinKeys(set, access[i]!, table)));
}

/** The summary of a user's key permissions for the memo: empty when no set's keys bar anything. */
function keysKey(user: AclUser): string {
  const access = keyAccessOf(user);
  return access.every((a) => a === 'all') ? '' : ` keys ${access.join(',')}`;
}

/** A permission set less the keyed commands its key permissions bar on every key (see src/acl/keys.ts): a new set. */
function withinKeys(set: PermissionSet, access: KeyAccess, table: CategoryTable): PermissionSet {
  if (access === 'all') return set;
  const { units } = universeOf(table);
  const barred = (i: number): boolean => !keysAllow(access, units[i]!);
  const full = set.full.map((g, i) => (g !== undefined && barred(i) ? undefined : g));
  const firstArgs = new Map([...set.firstArgs].filter(([i]) => !barred(i)));
  return { full, firstArgs };
}

/** A permission set less the commands its databases bar (see {@link DatabaseScope}): a new set, the old one unchanged. */
function withinDatabases(set: PermissionSet, allowed: ReturnType<typeof allowedDatabases>, table: CategoryTable, scope: DatabaseScope): PermissionSet {
  if (allowed === 'all') return set;
  const needs = memo(table, `needs ${scope.key}`, () => universeOf(table).units.map((unit) => databaseNeed(unit, table, scope)));
  const barred = (i: number): boolean => !databasesAllow(allowed, needs[i]!, scope.count);
  const full = set.full.map((g, i) => (g !== undefined && barred(i) ? undefined : g));
  const firstArgs = new Map([...set.firstArgs].filter(([i]) => !barred(i)));
  return { full, firstArgs };
}

/**
 * The commands `user` may run, among those the table knows: the root rules applied in order, then each
 * selector on its own; a command is allowed when the root or any selector allows it. A container (`config`)
 * appears as its subcommands on 7.0+ tables. When several rules grant a command, the last one in its
 * permission set is kept; across the root and selectors, a category grant wins over a grant by name.
 */
export function effectiveCommands(user: AclUser, table: CategoryTable): ReadonlyMap<string, CommandGrant> {
  return memo(table, `effective ${rulesKey(user)}`, () => computeEffective(user, table));
}

/** The commands `user` may run, sorted and joined by spaces: two users' rights compared at once. */
export function effectiveKey(user: AclUser, table: CategoryTable): string {
  return memo(table, `key ${rulesKey(user)}`, () => {
    const { units } = universeOf(table);
    const allowed = runnableUnits(user, table);
    let key = '';
    for (let i = 0; i < units.length; i++) if (allowed[i] === 1) key = key === '' ? units[i]! : `${key} ${units[i]!}`;
    return key;
  });
}

/** By unit number, 1 where `user` may run the command (in full, or with some first arguments). */
function runnableUnits(user: AclUser, table: CategoryTable, databases?: DatabaseScope): Uint8Array {
  const allowed = new Uint8Array(universeOf(table).units.length);
  for (const set of permissionSets(user, table, databases)) {
    for (let i = 0; i < allowed.length; i++) if (set.full[i] !== undefined) allowed[i] = 1;
    for (const i of set.firstArgs.keys()) allowed[i] = 1;
  }
  return allowed;
}

/**
 * The grant that decides a command across the root and the selectors: a category's over one by name over a
 * first-arg grant; between two of a kind, the earlier permission set's.
 */
function decidingGrant(sets: readonly PermissionSet[], units: readonly string[], i: number): CommandGrant | undefined {
  let best: CommandGrant | undefined;
  let bestRank = 0;
  for (const set of sets) {
    const full = set.full[i];
    const rank = full ? (full.via === 'category' ? 3 : 2) : set.firstArgs.has(i) ? 1 : 0;
    if (rank <= bestRank) continue;
    best = full ? { command: units[i]!, ...full } : set.firstArgs.get(i)!.grant;
    bestRank = rank;
  }
  return best;
}

function computeEffective(user: AclUser, table: CategoryTable): ReadonlyMap<string, CommandGrant> {
  const { units } = universeOf(table);
  const sets = permissionSets(user, table);
  const result = new Map<string, CommandGrant>();
  for (let i = 0; i < units.length; i++) {
    const decided = decidingGrant(sets, units, i);
    if (decided) result.set(units[i]!, decided);
  }
  return result;
}

function allowedIn(set: PermissionSet, universe: Universe, command: string): boolean {
  const subs = universe.containers.get(command);
  if (subs) return subs.some((i) => set.full[i] !== undefined);
  const i = universe.index.get(command);
  if (i !== undefined && set.full[i] !== undefined) return true;
  if (!command.includes('|')) return i !== undefined && set.firstArgs.has(i);
  if (i !== undefined) return false;
  const [base, arg] = splitPipe(universe, command);
  const b = universe.index.get(base);
  return b !== undefined && (set.full[b] !== undefined || (set.firstArgs.get(b)?.args.has(arg) ?? false));
}

/**
 * Whether `user` may run `command` (`cmd` or `cmd|sub`, or `cmd|first-arg`). A container counts as
 * runnable when any of its subcommands is, and a command allowed for some first arguments counts too.
 * Commands the table does not know are reported as not runnable. With `databases` (Valkey 9.1+, see
 * {@link DatabaseScope}), a permission set's database rules take away the commands they bar.
 */
export function canRun(user: AclUser, command: string, table: CategoryTable, databases?: DatabaseScope): boolean {
  const universe = universeOf(table);
  const name = command.toLowerCase();
  return permissionSets(user, table, databases).some((set) => allowedIn(set, universe, name));
}

/**
 * Whether `user` may run all of `command` whatever its arguments: the command, or on 7.0+ every subcommand of a
 * container (`config`: `config|get`, `config|set` …), granted in full by the root or a selector. A command the table
 * does not know is not run in full.
 */
export function runsInFull(user: AclUser, command: string, table: CategoryTable): boolean {
  const universe = universeOf(table);
  const units = expand(universe, command.toLowerCase());
  if (units.length === 0) return false;
  const sets = permissionSets(user, table);
  return units.every((i) => sets.some((set) => set.full[i] !== undefined));
}

/** How many commands (and subcommands, on 7.0+) a permission set is evaluated over: what one set costs. */
export function unitCount(table: CategoryTable): number {
  return universeOf(table).units.length;
}

/** Whether `user` may run no command at all. */
export function runsNothing(user: AclUser, table: CategoryTable): boolean {
  return effectiveKey(user, table) === '';
}

/** The commands `user` may run, when they are all among `commands` (none at all counts): else undefined. */
export function runsOnly(user: AclUser, table: CategoryTable, commands: ReadonlySet<string>): readonly string[] | undefined {
  const key = effectiveKey(user, table);
  if (key === '') return [];
  // Word by word, up to the first that is not among `commands`: the key of a user who may run hundreds of commands
  // (the default user of most servers, asked for each target of a fleet) was split whole into an array first.
  for (let start = 0; ; ) {
    const end = key.indexOf(' ', start);
    if (!commands.has(end === -1 ? key.slice(start) : key.slice(start, end))) return undefined;
    if (end === -1) return key.split(' ');
    start = end + 1;
  }
}

/** How much of a category a user must hold before a grant in a rewritten rendering counts as the category's. */
const HELD = 0.9;
/**
 * At most how much of a category a user holds for it to count as taken away (`-@keyspace` followed by `+migrate`):
 * a category grant minus it is still a category grant's fingerprint, and a command of it the user holds was added
 * back by name.
 */
const DENIED = 0.1;
/** Smaller sets than this say nothing about a category. */
const MIN_SET = 5;

/**
 * Redis 7.0 renders a user's command bitmap again (ACL LIST and ACL GETUSER alike), so neither its
 * categories nor its single commands say how a command was granted: `+@all -@dangerous +info` comes back as
 * `+@all -@admin -flushall …` (info "through +@all") and `nocommands +@dangerous -@admin` as ten commands by
 * name. What is exact is the set of commands the user may run. A dangerous command counts as granted
 * through a category when the user holds at least 90% of that category (alone, or minus a category the user
 * holds nothing of: `+@dangerous -@admin`) and at least half of its @dangerous members: the fingerprint of a
 * category grant, which a few commands granted by name do not leave. `runnable` and `dangerous` are by unit number.
 */
function categoryExplanations(runnable: Uint8Array, universe: Universe, dangerous: Uint8Array): Map<number, string> {
  const members = new Map(universe.members);
  const denied: [string, Uint8Array][] = [];
  for (const [name, units] of members) {
    if (!takenAway(runnable, units)) continue;
    const mask = new Uint8Array(runnable.length);
    for (const i of units) mask[i] = 1;
    denied.push([name, mask]);
  }
  members.set('all', universe.units.map((_, i) => i));
  const family = familiesOf(universe);
  const explained = new Map<number, string>();
  for (const [name, units] of members) {
    for (const [without, minus] of [[undefined, undefined] as const, ...denied]) {
      if (without === name) continue;
      // Held as commands, not as units (QA41-11): a command with its subcommands counts once, so `+@admin -config
      // -acl` holds @admin less 2 of its commands, not less the 17 subcommands of those two (74% of its units).
      const perFamily = new Map<number, { units: number; held: number }>();
      let risky = 0;
      let heldRisky = 0;
      for (const i of units) {
        if (minus?.[i] === 1) continue;
        const holds = runnable[i] === 1;
        const f = perFamily.get(family[i]!) ?? { units: 0, held: 0 };
        f.units++;
        if (holds) f.held++;
        perFamily.set(family[i]!, f);
        if (dangerous[i] === 1) {
          risky++;
          if (holds) heldRisky++;
        }
      }
      const rest = perFamily.size;
      let held = 0;
      for (const f of perFamily.values()) held += f.held / f.units;
      if (rest < MIN_SET || held < rest * HELD) continue;
      if (heldRisky === 0 || heldRisky * 2 < risky) continue;
      const rule = without === undefined ? `+@${name}` : `+@${name} -@${without}`;
      for (const i of units) {
        if (minus?.[i] !== 1 && dangerous[i] === 1 && runnable[i] === 1 && !explained.has(i)) explained.set(i, rule);
      }
    }
  }
  return explained;
}

const families = new WeakMap<Universe, Int32Array>();

/** Each unit's command (a `cmd|sub` unit's `cmd`), as a number: the same for the subcommands of one command. */
function familiesOf(universe: Universe): Int32Array {
  let made = families.get(universe);
  if (!made) {
    const ids = new Map<string, number>();
    made = new Int32Array(universe.units.length);
    universe.units.forEach((unit, i) => {
      const bar = unit.indexOf('|');
      const command = bar < 0 ? unit : unit.slice(0, bar);
      let id = ids.get(command);
      if (id === undefined) ids.set(command, (id = ids.size));
      made![i] = id;
    });
    families.set(universe, made);
  }
  return made;
}

/** Whether the user holds none of a category, or almost none of a category of some size (see {@link DENIED}). */
function takenAway(runnable: Uint8Array, units: readonly number[]): boolean {
  let held = 0;
  for (const i of units) if (runnable[i] === 1) held++;
  return held === 0 || (units.length >= MIN_SET && held <= units.length * DENIED);
}

/** Whether the user holds (to {@link HELD}) the commands of `category` that are not in `less`. */
function holdsBeside(runnable: Uint8Array, category: readonly number[], less: readonly number[]): boolean {
  const out = new Set(less);
  let rest = 0;
  let held = 0;
  for (const i of category) {
    if (out.has(i)) continue;
    rest++;
    if (runnable[i] === 1) held++;
  }
  return rest >= MIN_SET && held >= rest * HELD;
}

/**
 * Which `@dangerous` commands `user` can run, split into category grants and grants by name.
 *
 * With `rewritten: true` (Redis 7.0 `ACL LIST` and `ACL GETUSER`, which render the bitmap again rather than
 * the rules as written), the rules' own attribution is not trusted: a grant is a category's when the set of
 * commands the user may run carries that category's fingerprint (see categoryExplanations), else by name.
 */
export function analyzeDangerous(
  user: AclUser,
  table: CategoryTable,
  options: { rewritten: boolean; databases?: DatabaseScope | undefined },
): DangerousReport {
  // The grants depend on the command rules alone (and, with a database scope, on the sets' databases): computed once
  // for every user that shares them.
  // QA44-3: and on a summary of the sets' key permissions (src/acl/keys.ts), never on the patterns themselves.
  const grants = memo(table, `dangerous ${options.rewritten} ${scopedKey(user, options.databases)}${keysKey(user)}`, () => computeDangerous(user, table, options));
  return { user: user.name, enabled: user.enabled, ...grants };
}

function computeDangerous(user: AclUser, table: CategoryTable, options: { rewritten: boolean; databases?: DatabaseScope | undefined }): Omit<DangerousReport, 'user' | 'enabled'> {
  const universe = universeOf(table);
  // Unit numbers follow the sorted names: in number order, the dangerous commands come sorted.
  const dangerous = [...(universe.members.get('dangerous') ?? NONE)].sort((a, b) => a - b);
  const sets = permissionSets(user, table, options.databases, true);
  const inDatabases = permissionSets(user, table, options.databases);
  const plain = permissionSets(user, table);
  const granted: { i: number; grant: CommandGrant }[] = [];
  const barredByDatabases: CommandGrant[] = [];
  const barredByKeys: CommandGrant[] = [];
  for (const i of dangerous) {
    const decided = decidingGrant(sets, universe.units, i);
    if (decided) granted.push({ i, grant: decided });
    else {
      const byKeys = sets !== inDatabases ? decidingGrant(inDatabases, universe.units, i) : undefined;
      if (byKeys) barredByKeys.push(byKeys);
      else if (inDatabases !== plain) {
        const unbarred = decidingGrant(plain, universe.units, i);
        if (unbarred) barredByDatabases.push(unbarred);
      }
    }
  }
  let grants = granted.map((g) => g.grant);
  const undetermined: CommandGrant[] = [];
  if (options.rewritten && granted.length > 0) {
    const mask = new Uint8Array(universe.units.length);
    for (const i of dangerous) mask[i] = 1;
    const runnable = runnableUnits(user, table, options.databases);
    const explained = categoryExplanations(runnable, universe, mask);
    const kept: CommandGrant[] = [];
    for (const { i, grant: g } of granted) {
      const rule = explained.get(i);
      // The rendering's own category, when the fingerprint confirms one, is the most readable name for it.
      if (rule !== undefined) kept.push(g.via === 'category' ? g : { ...g, via: 'category', rule: `${rule} (inferred from what the user may run)` });
      else if (g.via === 'name') kept.push(g);
      else {
        // The rendered category less one the user holds almost none of, this command among them, is what the user
        // holds (to HELD): the command was added back by name (`+@all -@dangerous +info` renders as `+@all -@admin …`,
        // info through +@all). `+@fast -@keyspace -@string -@hash` holds lastsave and role through +@fast, and almost
        // nothing else of @admin, but far from all of @fast less @admin: not told.
        const shown = /^\+@([a-z]+)$/.exec(g.rule)?.[1] ?? (g.rule === 'allcommands' ? 'all' : undefined);
        const rendered = shown === 'all' ? universe.units.map((_, u) => u) : shown !== undefined ? universe.members.get(shown) : undefined;
        const back = rendered === undefined ? undefined : [...universe.members].find(([, units]) => units.includes(i) && takenAway(runnable, units) && holdsBeside(runnable, rendered, units))?.[0];
        if (back !== undefined) kept.push({ ...g, via: 'name', rule: `name (ACL LIST renders it as ${g.rule}; the user holds almost nothing else of @${back})` });
        else undetermined.push({ ...g, rule: `${g.rule} as ACL LIST renders it` });
      }
    }
    grants = kept;
  }
  return {
    viaCategory: grants.filter((g) => g.via === 'category'),
    byName: grants.filter((g) => g.via === 'name'),
    undetermined,
    judgedExcluded: options.rewritten,
    ...(barredByDatabases.length > 0 ? { barredByDatabases } : {}),
    ...(barredByKeys.length > 0 ? { barredByKeys } : {}),
  };
}
