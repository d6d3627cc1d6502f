import { categoryTableFromLive } from '../../src/acl/categories.ts';
import type { AclUser, CategoryTable } from '../../src/facts/types.ts';
import { canRun } from '../../src/acl/permissions.ts';
import type { RespValue as Reply } from '../harness/raw.ts';

// What a test needs of a real server to compare redfort's reading of ACL rules with the server's own ACL DRYRUN.

export const strings = (reply: Reply | undefined): string[] => (Array.isArray(reply) ? reply.map(String) : []);

export interface Server {
  readonly ask: (commands: readonly (readonly string[])[]) => Promise<Reply[]>;
  readonly version: string;
  readonly table: CategoryTable;
  /** Every command and subcommand the server has (never a container itself, nor what skips the ACL check). */
  readonly units: readonly string[];
  readonly arity: ReadonlyMap<string, number>;
}

export async function describeServer(ask: Server['ask']): Promise<Server> {
  const [info, cat, commands] = await ask([['INFO', 'server'], ['ACL', 'CAT'], ['COMMAND']]);
  const version = /redis_version:(\S+)/.exec(String(info))![1]!;
  const categories = strings(cat);
  const lists = await ask(categories.map((c) => ['ACL', 'CAT', c]));
  const table = categoryTableFromLive(new Map(categories.map((c, i) => [c, strings(lists[i])])), { kind: 'live', command: 'ACL CAT <category>' });
  const arity = new Map<string, number>();
  const flags = new Map<string, string[]>();
  for (const entry of Array.isArray(commands) ? commands : []) {
    if (!Array.isArray(entry)) continue;
    for (const e of [entry, ...(Array.isArray(entry[9]) ? entry[9] : [])]) {
      if (!Array.isArray(e)) continue;
      arity.set(String(e[0]), Math.abs(Number(e[1])));
      flags.set(String(e[0]), strings(e[2]));
    }
  }
  const containers = new Set([...arity.keys()].filter((n) => n.includes('|')).map((n) => n.split('|')[0]!));
  // AUTH and HELLO (no_auth) skip the ACL check; a container is never executed itself.
  const units = [...arity.keys()].filter((n) => !containers.has(n) && !flags.get(n)!.includes('no_auth')).sort();
  return { ask, version, table, units, arity };
}

/** A DRYRUN argument vector for a command or subcommand that satisfies its arity. */
export function argv(server: Server, unit: string): string[] {
  const args = unit.split('|');
  const arity = server.arity.get(unit) ?? args.length;
  while (args.length < arity) args.push('x');
  return args;
}


/**
 * Where redfort's reading of `user` (as parsed from a file or ACL LIST) and the server's ACL DRYRUN of the user
 * `name` disagree, over every command and subcommand the server has: `unit: server allows|denies`. A refusal that
 * names a key or a channel, not the command, still means the command is allowed. `count` is told how many units
 * were compared.
 */
export async function disagreements(server: Server, name: string, user: AclUser, count: (n: number) => void = () => {}): Promise<string[]> {
  const replies = await server.ask(server.units.map((unit) => ['ACL', 'DRYRUN', name, ...argv(server, unit)]));
  const wrong: string[] = [];
  for (const [i, unit] of server.units.entries()) {
    const reply = String(replies[i]);
    const allowed = reply === 'OK' || /no permissions to access the .* (key|channel)/.test(reply);
    if (!allowed && !/no permissions to run the/.test(reply)) throw new Error(`${name} ${unit}: ${reply}`);
    const args = argv(server, unit);
    // With dummy arguments a first-arg grant (`+select|0`) only applies to the argument 'x'.
    const probe = unit.includes('|') || args.length === 1 ? unit : `${unit}|${args[1]}`;
    if (canRun(user, probe, server.table) !== allowed) wrong.push(`${unit}: server ${allowed ? 'allows' : 'denies'}`);
  }
  count(server.units.length);
  return wrong;
}
