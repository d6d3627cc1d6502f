import { isIP } from 'node:net';

/**
 * The KEYs that name the nodes of a deployment to reach with other credentials: `--node-override KEY=URL` on the
 * command line, and the keys of an inventory's `nodeOverrides` (docs/inventory.md). Discovery looks a node up by them
 * (src/gather/topology/discover.ts overriddenTarget).
 */

/** The roles a KEY may name. */
export const OVERRIDE_ROLES = ['master', 'replica', 'sentinel'] as const;

/**
 * A KEY as discovery looks it up: a role, or `host:port` in lower case with the port as a number (`[::1]:6379` for
 * an IPv6 address); undefined when it is neither. A KEY that is a typo (`replicas`, `127.0.0.1` without its port)
 * matched no node and was dropped without a word: the nodes it was meant for got the seed's credentials.
 */
export function overrideKey(key: string): string | undefined {
  const lower = key.toLowerCase();
  if ((OVERRIDE_ROLES as readonly string[]).includes(lower)) return lower;
  const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9._-]+)):(\d{1,5})$/.exec(lower);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  const v6 = match[1];
  if (v6 !== undefined) return isIP(v6) === 6 ? `[${v6}]:${port}` : undefined;
  return `${match[2]}:${port}`;
}

/** `(did you mean 'replica'?)` for a KEY near a role (`replicas`, `slave`, `masters`), else nothing. */
export function nearRole(key: string): string {
  const lower = key.toLowerCase();
  if (lower === 'slave' || lower === 'slaves') return " (did you mean 'replica'?)";
  const role = OVERRIDE_ROLES.find((r) => lower.length >= 3 && (lower.startsWith(r) || r.startsWith(lower)));
  return role ? ` (did you mean '${role}'?)` : '';
}

/**
 * How warnings name an override: an inventory's by its line (`nodeOverrides master (fleet.yaml:7)`,
 * {@link inventoryOverrideName}), else the command line's option (`--node-override master`).
 */
export function overrideName(key: string, names?: ReadonlyMap<string, string>): string {
  return names?.get(key) ?? `--node-override ${key}`;
}

/** An inventory override's name in warnings: its KEY and where it is written. */
export function inventoryOverrideName(key: string, at: { readonly path: string; readonly line: number }): string {
  return `nodeOverrides ${key} (${at.path}:${at.line})`;
}

/** What follows an override's name in {@link unusedOverrideWarning}. */
export const NOT_USED = ' was not used: ';

/** The warning that an override reached no node of a deployment (discovery's, and fix --rollback's), and why. */
export function unusedOverrideWarning(name: string, why: string): string {
  return `${name}${NOT_USED}${why}`;
}

/** Whether a deployment's warning is an {@link unusedOverrideWarning} (of either {@link overrideName}). */
export function isUnusedOverrideWarning(warning: string): boolean {
  return /^(?:nodeOverrides \S+ \(.*\)|--node-override \S+) was not used: /.test(warning);
}
