import type { AclUser, CategoryTable } from '../facts/types.ts';
import { effectiveKey } from './permissions.ts';

/** What `acl-pubsub-default` gives a new user, a new selector and `reset` (7.0+: `resetchannels`; 6.2: `allchannels`). */
export type PubsubDefault = 'allchannels' | 'resetchannels';

/**
 * The keys and channels one permission set (the root rules, or one selector) may touch, as the server keeps them
 * (ACLSetSelector, redis@7.0.15:src/acl.c): `~*`, `allkeys` and `%RW~*` are every key; `%R~a %W~a` is `~a`; a
 * pattern is kept once; `reset` and a new user or selector start from `acl-pubsub-default` for channels. Valkey
 * 9.1's databases follow (`db=0,2` or `resetdbs`; nothing when every database, the default).
 * Two renderings that allow the same get the same text.
 */
export function keysAndChannels(rules: readonly string[], pubsubDefault: PubsubDefault): string {
  let allKeys = false;
  const keys = new Map<string, number>();
  let allChannels = pubsubDefault === 'allchannels';
  const channels = new Set<string>();
  // Valkey 9.1+: every database unless `db=` or `resetdbs` says otherwise (`reset` and a new selector: alldbs).
  let databases = 'alldbs';
  const addKey = (pattern: string, flags: number): void => {
    if (pattern === '*' && flags === 3) {
      allKeys = true;
      keys.clear();
    } else keys.set(pattern, (keys.get(pattern) ?? 0) | flags);
  };
  for (const rule of rules) {
    const lower = rule.toLowerCase();
    if (lower === 'allkeys') addKey('*', 3);
    else if (lower === 'resetkeys' || lower === 'reset') {
      allKeys = false;
      keys.clear();
      if (lower === 'reset') {
        allChannels = pubsubDefault === 'allchannels';
        channels.clear();
        databases = 'alldbs';
      }
    } else if (lower === 'allchannels' || rule === '&*') {
      allChannels = true;
      channels.clear();
    } else if (lower === 'resetchannels') {
      allChannels = false;
      channels.clear();
    } else if (lower === 'alldbs' || lower === 'resetdbs' || lower.startsWith('db=')) databases = lower;
    else if (rule.startsWith('~')) addKey(rule.slice(1), 3);
    else if (rule.startsWith('%')) {
      const tilde = rule.indexOf('~');
      if (tilde === -1) continue;
      const letters = rule.slice(1, tilde).toUpperCase();
      addKey(rule.slice(tilde + 1), (letters.includes('R') ? 1 : 0) | (letters.includes('W') ? 2 : 0));
    } else if (rule.startsWith('&')) channels.add(rule.slice(1));
  }
  const keyText = allKeys
    ? '~*'
    : [...keys].map(([pattern, flags]) => (flags === 3 ? `~${pattern}` : `%${flags === 1 ? 'R' : 'W'}~${pattern}`)).sort().join(' ') || 'resetkeys';
  const channelText = allChannels ? '&*' : [...channels].map((c) => `&${c}`).sort().join(' ') || 'resetchannels';
  return databases === 'alldbs' ? `${keyText} ${channelText}` : `${keyText} ${channelText} ${databases}`;
}

/** One selector: `key` compares two renderings, `shown` names it in a message (its keys, channels and command count). */
export interface SelectorKey {
  readonly key: string;
  readonly shown: string;
}

/**
 * Everything a user may do but log in, as text: the root's keys and channels, and each selector's keys, channels
 * and commands (sorted: their order does not matter). The root's commands are left to effectiveCommands.
 */
export function patternsKey(user: AclUser, table: CategoryTable, pubsubDefault: PubsubDefault): { root: string; selectors: SelectorKey[] } {
  return {
    root: keysAndChannels(user.rules, pubsubDefault),
    selectors: user.selectors
      .map((rules) => {
        const patterns = keysAndChannels(rules, pubsubDefault);
        const commands = effectiveKey({ ...user, rules, selectors: [] }, table);
        const count = commands === '' ? 0 : commands.split(' ').length;
        return { key: `(${patterns} ${commands})`, shown: `(${patterns}, ${count} command${count === 1 ? '' : 's'})` };
      })
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
  };
}
