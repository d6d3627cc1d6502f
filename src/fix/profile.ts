/**
 * What `fix` takes from the hardening profile: the generated users and their ACL rules. The profile itself
 * (names, rules, passwords, secrets file) is src/profile/, shared with `redfort harden`.
 */
export interface FixUsers {
  /** Generated user names, prefix applied. */
  readonly admin: string;
  readonly replication: string;
  readonly sentinel: string;
  readonly auditor: string;
  /** The application's user: what clients of the default user move to. */
  readonly app: string;
}

export interface FixProfile {
  readonly users: FixUsers;
  /** The permission rules of a generated user (no `on`, no password, no `reset`). */
  rules(role: Exclude<keyof FixUsers, 'app'>): readonly string[];
  /**
   * The permission rules of the application user, from those of the default user it replaces: the same keys,
   * channels and commands, minus what `auth.dangerous-commands-allowed` forbids.
   */
  appRules(defaultRules: readonly string[], selectors: readonly (readonly string[])[]): readonly string[];
}
