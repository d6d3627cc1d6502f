import type { AclUser, CategoryTable } from '../facts/types.ts';
import { unitCount } from './permissions.ts';
import { isAtLeast, majorMinor } from '../redis/version.ts';

/**
 * The most permission sets (a user's own rules, and each of its selectors) one target's users may hold to be judged.
 * Each set is evaluated over the command table by every rule that reads the users (some 70 µs each time): an ACL LIST
 * reply or an ACL file within the 16 MiB redfort reads holds up to 700,000 users, or one user with a million
 * selectors, and judging them took minutes of CPU and gigabytes, during which every other target of a fleet ran out
 * of time. Beyond it the users are not judged (unknown is skip), and the rules that need them say why.
 */
export const MAX_PERMISSION_SETS = 10_000;

/** Whether `reason` is one of this module's: the users are past a bound, not unreadable (reading them again changes nothing). */
export function pastTheBounds(reason: string): boolean {
  return /, so its users are not judged(?: \(ACL LIST was not asked[^)]*\))?$/.test(reason);
}

/** Why `users` are too many to judge (`what` names where they come from: `ACL LIST`, a file), or undefined. */
export function tooManyToJudge(what: string, users: number, selectors = 0): string | undefined {
  if (users + selectors <= MAX_PERMISSION_SETS) return undefined;
  const n = (count: number, one: string) => `${count.toLocaleString('en-US')} ${one}${count === 1 ? '' : 's'}`;
  const held = selectors > 0 ? `${n(users, 'user')} with ${n(selectors, 'selector')}` : n(users, 'user');
  return `${what} holds ${held}: more than the ${MAX_PERMISSION_SETS.toLocaleString('en-US')} permission sets (a user's rules, or one of its selectors) redfort judges on one server, so its users are not judged`;
}

/**
 * The words of ACL rules (what follows `user <name>`: rules, passwords, key and channel patterns, selectors) one target's
 * users may hold to be read, counted before they are parsed. Parsed, each costs some 200 bytes or more: within the 16
 * MiB redfort reads, one ACL LIST line of 1,300,000 selectors held 611 MB for one audit (an ACL file or a config's user
 * lines of 3 million rules, 660 to 860 MB), before the permission sets above were counted. 10,000 users of 40 rules
 * each are within it (with `user` and the name, 420,000 words). A config file's `user` lines are bounded alike
 * (ParsedConf.usersPast).
 */
export const MAX_ACL_WORDS = 500_000;

/** The words of ACL text (`user` lines, split on single spaces as ACL LIST and the ACL file loader split them). */
export function aclWords(text: string): number {
  let words = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a) words++;
  }
  return words;
}

/** Why ACL text of `words` words is too much to read (`what` names where it comes from), or undefined. */
export function tooManyWords(what: string, words: number): string | undefined {
  if (words <= MAX_ACL_WORDS) return undefined;
  return `${what} holds ${words.toLocaleString('en-US')} words of ACL rules: more than the ${MAX_ACL_WORDS.toLocaleString('en-US')} redfort reads on one server, so its users are not judged`;
}

/** {@link tooManyToJudge} for parsed users. */
export function tooManyUsers(what: string, users: readonly AclUser[]): string | undefined {
  let selectors = 0;
  for (const u of users) selectors += u.selectors.length;
  return tooManyToJudge(what, users.length, selectors);
}

/**
 * The commands a table may list for MAX_PERMISSION_SETS sets to be judged: each set is evaluated over every command
 * the table knows, some 370 on Redis 7.0 and under 1,024 with modules. A server's ACL CAT replies make the table:
 * a hostile one listing 20,000 made-up names per category (within the 16 MiB bound) made each set 1,500 times dearer,
 * and 9,000 users ran past five minutes. The budget is sets times commands.
 */
const UNITS_PER_SET = 1_024;

/** Why the users are too much to judge over `table` (its commands times their permission sets), or undefined. */
export function tooMuchToJudge(what: string, users: readonly AclUser[], table: CategoryTable): string | undefined {
  let sets = 0;
  for (const u of users) sets += 1 + u.selectors.length;
  const units = unitCount(table);
  if (sets * Math.max(units, UNITS_PER_SET) <= MAX_PERMISSION_SETS * UNITS_PER_SET) return undefined;
  return `${what} lists ${units.toLocaleString('en-US')} commands in its categories (ACL CAT), and its users hold ${sets.toLocaleString('en-US')} permission sets: more than redfort judges on one server, so its users are not judged`;
}

/**
 * How many users a live audit lets the server render in one `ACL LIST`, counted first with `ACL USERS` (QA44-5). ACL
 * LIST runs on the server's event loop: no other client is served until it is done. Redis before 7.2 works each
 * user's command rules out anew from its bitmap (ACLDescribeSelectorCommandRules tries every category on a scratch
 * selector): measured on 7.0.15, 0.16 ms of the server's CPU per user (2,002 users: 312 ms a call; 50,000 users
 * blocked it 83 s under load), where ACL USERS costs under a microsecond per user. Redis 7.2+ and Valkey keep the rules
 * as written and only check them again: 3 µs per user (7.2.6; 8.6.3 and Valkey 9.1.2 alike), so the bound there is
 * the one past which the users are not judged anyway. `rewritten` keeps the older servers' stall near 0.1 s.
 * Mutable for the tests only (a few hundred users show what 500 does).
 */
export const ACL_LIST_BOUNDS = { rewritten: 500, kept: MAX_PERMISSION_SETS };

/**
 * Whether the server renders ACL LIST anew from each user's bitmap: Redis before 7.2, or a server whose product or
 * version is unknown (taken as the dearer rendering); Valkey and Redis 7.2+ keep the rules as written.
 */
export function rendersAclListAnew(server: { readonly product: string; readonly version?: string | undefined } | undefined): boolean {
  if (server?.product === 'valkey') return false;
  const version = server?.product === 'redis' && server.version !== undefined ? majorMinor(server.version) : undefined;
  return version === undefined || !isAtLeast(version, 7, 2);
}

/**
 * Why `users` (the length of ACL USERS) are too many to ask ACL LIST of a server that renders it as `rewrites` says
 * (Redis before 7.2, or a server of an unknown version), or undefined.
 */
export function tooDearToList(users: number, rewrites: boolean): string | undefined {
  const n = (count: number) => count.toLocaleString('en-US');
  const offline = 'ACL LIST was not asked; judge its ACL file offline with --config FILE or --acl FILE';
  if (users <= aclListBound(rewrites)) return undefined;
  if (!rewrites) {
    return `ACL USERS holds ${n(users)} users: more than the ${n(ACL_LIST_BOUNDS.kept)} permission sets (a user's rules, or one of its selectors) redfort judges on one server, so its users are not judged (${offline})`;
  }
  const seconds = aclListStallSeconds(users);
  return `ACL USERS holds ${n(users)} users: more than the ${n(ACL_LIST_BOUNDS.rewritten)} whose ACL LIST a server before Redis 7.2 renders without stalling (it works each user's rules out anew, some 0.16 ms of CPU each, and serves no other client meanwhile: ${seconds} s or more for these), so its users are not judged (${offline})`;
}

/** How many users a server may be asked to render in one ACL LIST ({@link ACL_LIST_BOUNDS}). */
export function aclListBound(rewrites: boolean): number {
  return rewrites ? ACL_LIST_BOUNDS.rewritten : ACL_LIST_BOUNDS.kept;
}

/** The seconds, at least 1, a server before Redis 7.2 spends rendering `users` in ACL LIST (0.16 ms each on 7.0.15). */
export function aclListStallSeconds(users: number): number {
  return Math.max(1, Math.round(users * 0.00016));
}
