/**
 * The facts a target can have, one name each: the optional fields of `Facts` that rules require and that
 * `Facts.unavailable` explains. Every list of fact keys derives from this one.
 */

/** What one connection to the server fills: `factsWithoutCredentials` marks all of them unavailable at once. */
export const LIVE_FACT_KEYS = ['server', 'info', 'config', 'secrets', 'acl', 'categories', 'commands', 'now', 'sentinel', 'cluster'] as const;

export const FACT_KEYS = [...LIVE_FACT_KEYS, 'host', 'probe', 'topology', 'files', 'sample'] as const;

export type FactKey = (typeof FACT_KEYS)[number];

export type LiveFactKey = (typeof LIVE_FACT_KEYS)[number];
