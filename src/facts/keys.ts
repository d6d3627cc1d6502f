/**
 * The facts a target can have, one name each: the optional fields of `Facts` that rules require and that
 * `Facts.unavailable` explains. Every list of fact keys derives from this one.
 */

/** What one connection to the server fills: `factsWithoutCredentials` marks all of them unavailable at once. */
export const LIVE_FACT_KEYS = ['server', 'info', 'config', 'secrets', 'acl', 'categories', 'commands', 'now', 'sentinel', 'cluster'] as const;

export const FACT_KEYS = [...LIVE_FACT_KEYS, 'host', 'probe', 'topology', 'files', 'sample'] as const;

export type FactKey = (typeof FACT_KEYS)[number];

export type LiveFactKey = (typeof LIVE_FACT_KEYS)[number];

/** Why a fact is absent when the gatherer did not say (`Facts.unavailable`). */
const MISSING_REASON: Record<FactKey, string> = {
  server: 'the server identity (INFO server) could not be read',
  info: 'INFO could not be read',
  config: 'the configuration could not be read',
  secrets: 'the configured passwords could not be read',
  acl: 'the ACL users could not be read',
  categories: 'the ACL command categories could not be read',
  commands: 'the command table (COMMAND INFO) could not be read',
  sentinel: 'the target is not a sentinel',
  cluster: 'the target is not a cluster node',
  now: 'the server clock (TIME) could not be read',
  host: 'host facts (process, file modes, logrotate, firewall) were not gathered: run redfort on the server host',
  probe: 'no network probe was run',
  topology: 'judged only for a whole deployment: audit with --cluster, --sentinel or --replication',
  files: 'no configuration file was read (pass --config, or run on the server host)',
  sample: 'the keyspace was not sampled (opt in with --sample-data)',
};

/** Why `facts` lacks `key`: what the gatherer said, else the general reason; a rule requiring it skips with this. */
export function missingReason(facts: { readonly unavailable: Readonly<Partial<Record<FactKey, string>>> }, key: FactKey): string {
  return facts.unavailable[key] ?? MISSING_REASON[key];
}
