import type { AclUser, CategoryTable } from '../facts/types.ts';

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
  /** True when the grants were attributed from what the user may run, not from the rules (see {@link analyzeDangerous}). */
  readonly judgedExcluded: boolean;
}

/** The commands a table knows, as the server's ACL bitmap sees them. */
interface Universe {
  /** What the server checks at execution: plain commands and `cmd|sub` (never a container itself). */
  readonly units: readonly string[];
  readonly unitSet: ReadonlySet<string>;
  /** container -> its `cmd|sub` units (7.0+ tables only). */
  readonly containers: ReadonlyMap<string, readonly string[]>;
  readonly perSubcommand: boolean;
}

const universes = new WeakMap<CategoryTable, Universe>();

function universeOf(table: CategoryTable): Universe {
  const cached = universes.get(table);
  if (cached) return cached;
  const perSubcommand = table.granularity === 'subcommand';
  const names = new Set<string>();
  for (const members of table.categories.values()) for (const m of members) names.add(m);
  const containers = new Map<string, string[]>();
  if (perSubcommand) {
    for (const name of names) {
      const pipe = name.indexOf('|');
      if (pipe === -1) continue;
      const parent = name.slice(0, pipe);
      containers.set(parent, [...(containers.get(parent) ?? []), name]);
    }
  }
  // Every 7.0+ subcommand is in @fast or @slow, so the union of the categories lists every container's subcommands.
  const units = [...names].filter((n) => !containers.has(n)).sort();
  const universe = { units, unitSet: new Set(units), containers, perSubcommand };
  universes.set(table, universe);
  return universe;
}

/** What one permission set (the root, or one selector) allows. */
interface PermissionSet {
  /** Commands allowed whatever their arguments. */
  readonly full: Map<string, CommandGrant>;
  /** Commands allowed with some first arguments only (`+select|0`, or `+config|get` on 6.x). */
  readonly firstArgs: Map<string, { readonly args: Set<string>; grant: CommandGrant }>;
}

/** A name as ACLChangeSelectorPerm applies it: a container stands for all of its subcommands. */
function expand(universe: Universe, name: string): readonly string[] {
  const subs = universe.containers.get(name);
  if (subs) return subs;
  return universe.unitSet.has(name) ? [name] : [];
}

function grant(set: PermissionSet, names: readonly string[], made: Omit<CommandGrant, 'command'>): void {
  for (const command of names) {
    // `+@all +acl`: the name adds nothing to what the category already grants, so the category keeps the credit.
    if (made.via === 'name' && set.full.get(command)?.via === 'category') continue;
    set.full.set(command, { command, ...made });
    set.firstArgs.delete(command);
  }
}

function revoke(set: PermissionSet, names: readonly string[]): void {
  for (const command of names) {
    set.full.delete(command);
    set.firstArgs.delete(command);
  }
}

/** Splits `cmd|arg` where the server would: 7.0+ at the last `|`, 6.x at the first. */
function splitPipe(universe: Universe, name: string): [string, string] {
  const at = universe.perSubcommand ? name.lastIndexOf('|') : name.indexOf('|');
  return [name.slice(0, at), name.slice(at + 1)];
}

function evaluate(rules: readonly string[], table: CategoryTable, selector: number | undefined): PermissionSet {
  const universe = universeOf(table);
  const set: PermissionSet = { full: new Map(), firstArgs: new Map() };
  const where = selector === undefined ? {} : { selector };
  for (const raw of rules) {
    const rule = raw.toLowerCase();
    if (rule === '+@all' || rule === 'allcommands') {
      set.firstArgs.clear();
      grant(set, universe.units, { via: 'category', rule, ...where });
    } else if (rule === '-@all' || rule === 'nocommands' || rule === 'reset') {
      set.full.clear();
      set.firstArgs.clear();
    } else if (rule.startsWith('+@') || rule.startsWith('-@')) {
      const names = (table.categories.get(rule.slice(2)) ?? []).flatMap((m) => expand(universe, m));
      if (rule.startsWith('+')) grant(set, names, { via: 'category', rule, ...where });
      else revoke(set, names);
    } else if (rule.startsWith('-')) {
      // On a 6.x table `-cmd|sub` cannot take part of a command away: leave the command as it is.
      revoke(set, expand(universe, rule.slice(1)));
    } else if (rule.startsWith('+')) {
      const name = rule.slice(1);
      if (!name.includes('|') || (universe.perSubcommand && universe.unitSet.has(name))) {
        grant(set, expand(universe, name), { via: 'name', rule, ...where });
        continue;
      }
      const [command, arg] = splitPipe(universe, name);
      // A first-arg is only recorded while the command is blocked; once allowed it changes nothing.
      if (!universe.unitSet.has(command) || set.full.has(command)) continue;
      const entry = set.firstArgs.get(command);
      const made: CommandGrant = { command, via: 'name', rule, ...where };
      if (entry) {
        entry.args.add(arg);
        entry.grant = made;
      } else {
        set.firstArgs.set(command, { args: new Set([arg]), grant: made });
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

const rulesKey = (user: AclUser): string => JSON.stringify([user.rules, user.selectors]);

/** Read-only once made: shared by every caller of the same rules on the same table. */
function permissionSets(user: AclUser, table: CategoryTable): readonly PermissionSet[] {
  return memo(table, `sets ${rulesKey(user)}`, () => [evaluate(user.rules, table, undefined), ...user.selectors.map((rules, i) => evaluate(rules, table, i))]);
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
  return memo(table, `key ${rulesKey(user)}`, () => [...effectiveCommands(user, table).keys()].join(' '));
}

function computeEffective(user: AclUser, table: CategoryTable): ReadonlyMap<string, CommandGrant> {
  const result = new Map<string, { grant: CommandGrant; rank: number }>();
  for (const set of permissionSets(user, table)) {
    const candidates: [CommandGrant, number][] = [
      ...[...set.full.values()].map((g): [CommandGrant, number] => [g, g.via === 'category' ? 3 : 2]),
      ...[...set.firstArgs.values()].map((e): [CommandGrant, number] => [e.grant, 1]),
    ];
    for (const [g, rank] of candidates) {
      const held = result.get(g.command);
      if (!held || rank > held.rank) result.set(g.command, { grant: g, rank });
    }
  }
  const sorted = [...result.keys()].sort();
  return new Map(sorted.map((command) => [command, result.get(command)!.grant]));
}

function allowedIn(set: PermissionSet, universe: Universe, command: string): boolean {
  const subs = universe.containers.get(command);
  if (subs) return subs.some((s) => set.full.has(s));
  if (set.full.has(command)) return true;
  if (!command.includes('|')) return set.firstArgs.has(command);
  if (universe.unitSet.has(command)) return false;
  const [base, arg] = splitPipe(universe, command);
  return set.full.has(base) || (set.firstArgs.get(base)?.args.has(arg) ?? false);
}

/**
 * Whether `user` may run `command` (`cmd` or `cmd|sub`, or `cmd|first-arg`). A container counts as
 * runnable when any of its subcommands is, and a command allowed for some first arguments counts too.
 * Commands the table does not know are reported as not runnable.
 */
export function canRun(user: AclUser, command: string, table: CategoryTable): boolean {
  const universe = universeOf(table);
  const name = command.toLowerCase();
  return permissionSets(user, table).some((set) => allowedIn(set, universe, name));
}

/** How much of a category a user must hold before a grant in a rewritten rendering counts as the category's. */
const HELD = 0.9;
/** Smaller sets than this say nothing about a category. */
const MIN_SET = 5;

/**
 * Redis 7.0 renders a user's command bitmap again (ACL LIST and ACL GETUSER alike), so neither its
 * categories nor its single commands say how a command was granted: `+@all -@dangerous +info` comes back as
 * `+@all -@admin -flushall …` (info "through +@all") and `nocommands +@dangerous -@admin` as ten commands by
 * name. What is exact is the set of commands the user may run. A dangerous command counts as granted
 * through a category when the user holds at least 90% of that category (alone, or minus a category the user
 * holds nothing of: `+@dangerous -@admin`) and at least half of its @dangerous members: the fingerprint of a
 * category grant, which a few commands granted by name do not leave.
 */
function categoryExplanations(runnable: ReadonlySet<string>, table: CategoryTable, dangerous: ReadonlySet<string>): Map<string, string> {
  const universe = universeOf(table);
  const members = new Map([...table.categories].map(([name, list]) => [name, new Set(list.flatMap((m) => expand(universe, m)))]));
  const denied = [...members].filter(([, set]) => ![...set].some((c) => runnable.has(c)));
  members.set('all', new Set(universe.units));
  const explained = new Map<string, string>();
  for (const [name, set] of members) {
    for (const [without, minus] of [[undefined, undefined] as const, ...denied]) {
      if (without === name) continue;
      const rest = [...set].filter((c) => !minus?.has(c));
      if (rest.length < MIN_SET) continue;
      const held = rest.filter((c) => runnable.has(c));
      if (held.length < rest.length * HELD) continue;
      const risky = rest.filter((c) => dangerous.has(c));
      const heldRisky = risky.filter((c) => runnable.has(c));
      if (heldRisky.length === 0 || heldRisky.length * 2 < risky.length) continue;
      const rule = without === undefined ? `+@${name}` : `+@${name} -@${without}`;
      for (const c of heldRisky) if (!explained.has(c)) explained.set(c, rule);
    }
  }
  return explained;
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
  options: { rewritten: boolean },
): DangerousReport {
  return memo(table, `dangerous ${JSON.stringify([user.name, user.enabled, options.rewritten])} ${rulesKey(user)}`, () => computeDangerous(user, table, options));
}

function computeDangerous(user: AclUser, table: CategoryTable, options: { rewritten: boolean }): DangerousReport {
  const universe = universeOf(table);
  const dangerous = [...new Set((table.categories.get('dangerous') ?? []).flatMap((m) => expand(universe, m)))].sort();
  const effective = effectiveCommands(user, table);
  let grants = dangerous.flatMap((command) => effective.get(command) ?? []);
  if (options.rewritten && grants.length > 0) {
    const explained = categoryExplanations(new Set(effective.keys()), table, new Set(dangerous));
    grants = grants.map((g): CommandGrant => {
      const rule = explained.get(g.command);
      if (rule === undefined) return g.via === 'name' ? g : { ...g, via: 'name', rule: `name (Redis 7.0 renders it as ${g.rule})` };
      // The rendering's own category, when the fingerprint confirms one, is the most readable name for it.
      return g.via === 'category' ? g : { ...g, via: 'category', rule: `${rule} (inferred from what the user may run)` };
    });
  }
  return {
    user: user.name,
    enabled: user.enabled,
    viaCategory: grants.filter((g) => g.via === 'category'),
    byName: grants.filter((g) => g.via === 'name'),
    judgedExcluded: options.rewritten,
  };
}
