import type { CategoryTable, InfoSections } from '../../facts/types.ts';

/**
 * The fields of `INFO server` that tell one build of a server from another: its versions, the source it was built
 * from, its build id and mode. Never the process's own (pid, port, run id, uptime, paths).
 */
const BUILD_FIELD = /^(?:[a-z]+_version|[a-z]+_git_sha1|[a-z]+_git_dirty|[a-z]+_build_id|[a-z]+_mode|server_name|[a-z]+_release_stage|arch_bits)$/;

/**
 * What decides a server's `ACL CAT` replies: its build and the modules it loaded. Redis and Valkey list a category's
 * members from `server.orig_commands` (src/acl.c, 6.0 to 8.0; Valkey alike), the command table as built, which
 * `rename-command` leaves alone; only a module adds commands or categories, and `INFO`'s `# Modules` lists those.
 * Undefined when the reply cannot tell: no build id (a look-alike that is no Redis build), or no `# Modules`.
 */
export function buildKey(info: InfoSections): string | undefined {
  const server = info.get('server');
  const modules = info.get('modules');
  if (!server || !modules) return undefined;
  const parts: string[] = [];
  let built = false;
  for (const [field, value] of server) {
    if (!BUILD_FIELD.test(field)) continue;
    if (field.endsWith('_build_id') && /[1-9a-f]/i.test(value)) built = true;
    parts.push(`${field}:${value}`);
  }
  if (!built) return undefined;
  parts.push(`modules:${modules.get('module') ?? ''}`);
  return parts.join('\n');
}

/** The most builds a run remembers: a fleet runs a handful; a hostile server that changes its id each time gains nothing. */
const MAX_BUILDS = 16;
/** The most builds a run refuses to remember (their servers disagreed), the oldest forgotten first. */
const MAX_REFUSED = 1_000;
/** The longest table remembered, in members: a real one holds about 1,000 (7.0), a made-up one may hold millions. */
const MAX_MEMBERS = 20_000;
/**
 * How many more targets of a build never met than hits a run takes before it stops leaving ACL CAT out (every server
 * its own build, each paying a second round trip for nothing).
 */
const MISSES_ALLOWED = 4;

interface Known {
  readonly table: CategoryTable;
  /** The server it was first read from. */
  readonly first: string;
  /** Whether a second server of the build gave the same table: only then do other servers take it. */
  trusted: boolean;
}

/**
 * The `ACL CAT` tables of the server builds met in one run (a fleet, a deployment, an exporter's life). Once a
 * build's table is known, the next targets leave the 21 `ACL CAT <category>` commands out of their pipeline (about
 * 40% of what an audit costs a server, and half of its reply's bytes): a target of a known build takes the table;
 * one of another build asks for them in a second round trip on the same connection, and its table is kept for the
 * next. When most targets turn out to be builds of their own, the run goes back to asking every one at once.
 *
 * A table is trusted for other servers only once two servers of the build gave the same one, and a build whose
 * servers disagree is never taken again: one hostile server that copies a real build's INFO and lies in its ACL
 * CAT (an empty `@dangerous`) must not make the audits of the real servers beside it pass.
 */
export class BuildTables {
  readonly #known = new Map<string, Known>();
  readonly #refused = new Set<string>();
  #hits = 0;
  /** Targets that left ACL CAT out and were of a build never met (the second server of a build met once is not one). */
  #strangers = 0;

  /** Whether the next target's pipeline leaves `ACL CAT` out. */
  speculate(): boolean {
    if (this.#strangers > this.#hits + MISSES_ALLOWED) return false;
    for (const known of this.#known.values()) if (known.trusted) return true;
    return false;
  }

  /**
   * The trusted table of a build, for a target that left `ACL CAT` out: a hit, or a miss (a build never met counts
   * against leaving it out; one met once is on its way to be trusted).
   */
  lookup(key: string | undefined): CategoryTable | undefined {
    const known = key === undefined ? undefined : this.#known.get(key);
    if (!known?.trusted) {
      if (!known) this.#strangers += 1;
      return undefined;
    }
    this.#hits += 1;
    // Most recently used last: the first is the one to drop.
    this.#known.delete(key!);
    this.#known.set(key!, known);
    return known.table;
  }

  /**
   * Keeps a table read live from `server`, of the build `key`. The same replies give the same table object
   * (src/acl/categories.ts categoryTableFromLive), so servers agree when their tables are one object.
   */
  remember(key: string | undefined, table: CategoryTable, server: string): void {
    if (key === undefined || this.#refused.has(key)) return;
    const known = this.#known.get(key);
    if (known) {
      if (known.table !== table) {
        this.#known.delete(key);
        this.#refused.add(key);
        if (this.#refused.size > MAX_REFUSED) this.#refused.delete(this.#refused.values().next().value!);
      } else if (server !== known.first) known.trusted = true;
      return;
    }
    let members = 0;
    for (const list of table.categories.values()) members += list.length;
    if (members > MAX_MEMBERS) return;
    this.#known.set(key, { table, first: server, trusted: false });
    if (this.#known.size > MAX_BUILDS) this.#known.delete(this.#known.keys().next().value!);
  }
}
