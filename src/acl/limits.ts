import type { AclUser } from '../facts/types.ts';

/**
 * The most permission sets (a user's own rules, and each of its selectors) one target's users may hold to be judged.
 * Each set is evaluated over the command table by every rule that reads the users (some 70 µs each time): an ACL LIST
 * reply or an ACL file within the 16 MiB redfort reads holds up to 700,000 users, or one user with a million
 * selectors, and judging them took minutes of CPU and gigabytes, during which every other target of a fleet ran out
 * of time. Beyond it the users are not judged (unknown is skip), and the rules that need them say why.
 */
export const MAX_PERMISSION_SETS = 10_000;

/** Why `users` are too many to judge (`what` names where they come from: `ACL LIST`, a file), or undefined. */
export function tooManyToJudge(what: string, users: number, selectors = 0): string | undefined {
  if (users + selectors <= MAX_PERMISSION_SETS) return undefined;
  const n = (count: number, one: string) => `${count.toLocaleString('en-US')} ${one}${count === 1 ? '' : 's'}`;
  const held = selectors > 0 ? `${n(users, 'user')} with ${n(selectors, 'selector')}` : n(users, 'user');
  return `${what} holds ${held}: more than the ${MAX_PERMISSION_SETS.toLocaleString('en-US')} permission sets (a user's rules, or one of its selectors) redfort judges on one server, so its users are not judged`;
}

/** {@link tooManyToJudge} for parsed users. */
export function tooManyUsers(what: string, users: readonly AclUser[]): string | undefined {
  let selectors = 0;
  for (const u of users) selectors += u.selectors.length;
  return tooManyToJudge(what, users.length, selectors);
}
