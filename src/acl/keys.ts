import type { AclUser } from '../facts/types.ts';

/**
 * Key permissions as the server applies them to one permission set (the root rules, or one selector) for a command
 * whose key specs name a key it cannot do without (ACLSelectorCheckCmd then ACLSelectorCheckKey, redis@7.0.15:src/acl.c;
 * the same in 7.2, 8.x and valkey 9.1): unless the set holds every key (`allkeys`, `~*`), each key the command names
 * must match one pattern whose permissions hold all the key spec asks (ACCESS -> read; INSERT, DELETE, UPDATE ->
 * write); `%R~p` and `%W~p` of the same pattern merge into `%RW~p`, different patterns never join. A set with no
 * pattern (`resetkeys`, or a `reset` after which no key rule came) runs none of those commands; `%R~*` runs no RESTORE.
 * Before 7.0 there is no `%`: every pattern is read-write, so only a set without patterns is barred.
 *
 * What counts is a summary, not the patterns: whether some pattern may be read, written, or both (a pattern matches
 * some key): `~app:*` and `~*` bar nothing here, and users that differ only by their patterns share one evaluation.
 */
export type KeyAccess = 'all' | 'r' | 'w' | 'r w' | 'none';

/**
 * The @dangerous commands with a key spec whose key they cannot do without, and what it asks of that key, from
 * src/commands/*.json (redis 7.2.6, 8.6.3, valkey 9.1.2; 6.x by its first key): RESTORE and RESTORE-ASKING (OW UPDATE);
 * MIGRATE (RW ACCESS DELETE on its key; the KEYS form names its keys after KEYS with the same flags, and with none
 * there passes the check and moves nothing); SORT and SORT_RO (RO ACCESS on the sorted key); PFDEBUG (RW ACCESS,
 * @dangerous on Valkey). Any other command (a module's, or one not listed) is never barred by its keys here.
 */
export const KEY_NEEDS: ReadonlyMap<string, 'r' | 'w' | 'rw'> = new Map([
  ['restore', 'w'],
  ['restore-asking', 'w'],
  ['migrate', 'rw'],
  ['sort', 'r'],
  ['sort_ro', 'r'],
  ['pfdebug', 'r'],
]);

/** Whether a rule is a key rule ({@link keyAccess} reads it). */
export function isKeyRule(rule: string): boolean {
  const lower = rule.toLowerCase();
  return lower === 'allkeys' || lower === 'resetkeys' || rule.startsWith('~') || rule.startsWith('%');
}

/** What one permission set's key rules leave, applied in order (a new set and `reset` hold no key). */
export function keyAccess(rules: readonly string[]): KeyAccess {
  // A set that names no key rule at all is judged as holding every key: such rules come from places that leave keys
  // out (a user built from requirepass, a profile's command rules, a test's), and unknown stays counted. Only what the
  // rules say (`resetkeys`, `%R~*`…) bars a command.
  if (!rules.some(isKeyRule)) return 'all';
  let all = false;
  const patterns = new Map<string, { r: boolean; w: boolean }>();
  for (const rule of rules) {
    const lower = rule.toLowerCase();
    if (lower === 'allkeys') {
      all = true;
      patterns.clear();
    } else if (lower === 'resetkeys' || lower === 'reset') {
      all = false;
      patterns.clear();
    } else if (rule.startsWith('~') || rule.startsWith('%')) {
      let r = true;
      let w = true;
      let pattern = rule.slice(1);
      if (rule.startsWith('%')) {
        const tilde = rule.indexOf('~');
        if (tilde < 0) continue;
        const flags = rule.slice(1, tilde).toUpperCase();
        r = flags.includes('R');
        w = flags.includes('W');
        pattern = rule.slice(tilde + 1);
      }
      if (pattern === '*' && r && w) {
        all = true;
        patterns.clear();
        continue;
      }
      const had = patterns.get(pattern);
      patterns.set(pattern, { r: r || (had?.r ?? false), w: w || (had?.w ?? false) });
    }
  }
  if (all) return 'all';
  let r = false;
  let w = false;
  for (const p of patterns.values()) {
    if (p.r && p.w) return 'all';
    r ||= p.r;
    w ||= p.w;
  }
  return r && w ? 'r w' : r ? 'r' : w ? 'w' : 'none';
}

/** Whether a set whose keys are `access` may run `unit` on some key (always, for a command not in {@link KEY_NEEDS}). */
export function keysAllow(access: KeyAccess, unit: string): boolean {
  const need = KEY_NEEDS.get(unit);
  if (need === undefined || access === 'all') return true;
  if (access === 'none') return false;
  if (need === 'rw') return false;
  return access.includes(need);
}

/** Each permission set's {@link KeyAccess}: the root's, then its selectors'. */
export function keyAccessOf(user: AclUser): readonly KeyAccess[] {
  return [keyAccess(user.rules), ...user.selectors.map(keyAccess)];
}

/** A user's key access as a finding names it: the root's, then each selector's that differ. */
export function keysShown(user: AclUser): string {
  const text = (a: KeyAccess) => (a === 'all' ? 'keys read-write' : a === 'none' ? 'no key pattern' : a === 'r' ? 'read-only keys (%R~)' : a === 'w' ? 'write-only keys (%W~)' : 'keys read-only or write-only, none both');
  const [root, ...selectors] = keyAccessOf(user);
  const rootText = text(root!);
  const rest = selectors.map((a, i) => [i, text(a)] as const).filter(([, t]) => t !== rootText);
  return [rootText, ...rest.map(([i, t]) => `selector ${i + 1}: ${t}`)].join('; ');
}
