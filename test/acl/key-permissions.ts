import { bundledCategoryTable } from '../../src/acl/categories.ts';
import { parseAclUser } from '../../src/acl/parse.ts';
import { analyzeDangerous } from '../../src/acl/permissions.ts';

// QA44-3: key permissions bar keyed @dangerous commands (RESTORE needs a writable key, SORT a readable one, MIGRATE
// one both; `resetkeys` none). USERS are ACL file lines (after `user NAME on nopass`): u7 is qa44a's case
// (/work/qa44a/files/acl-categories/users.acl), the others cover write-only keys, patterns that never join, the merge of
// `%R~*` and `%W~*`, and selectors with keys of their own. RECORDED is what ACL DRYRUN of a real redis-server 7.0.15
// (Debian 7.0.15-1) answered for each KEYED command with the keys x, a1 and b1: allowed when some key was.
// test/acl/key-permissions.test.ts replays it against the model; test/builds/acl-key-permissions.test.ts asks the server.

export const USERS: Readonly<Record<string, string>> = {
  u2: '~* +@all -@admin',
  u7: '%R~* -@all +@read +@slow',
  u10: '~* -@all +@stream +@geo +@hyperloglog +@bitmap +@sortedset +@set +@hash +@list +@string',
  k1: 'resetkeys +@all',
  k2: '%W~* +@all',
  k3: '%R~a* %W~b* +@all',
  k4: '%R~* %W~* +@all',
  k5: '%R~* -@all +@read (~x* +restore)',
  k6: '%R~a* %R~* %W~b* +@all',
  k7: 'resetkeys +@all (%W~* +restore +sort)',
  k8: '~* +@all resetkeys',
  k9: '~app:* +@all',
};

/** The @dangerous commands with a mandatory key on 7.0, with DRYRUN arguments (KEY stands for the key). */
export const KEYED: Readonly<Record<string, readonly string[]>> = {
  restore: ['restore', 'KEY', '0', 'x'],
  'restore-asking': ['restore-asking', 'KEY', '0', 'x'],
  migrate: ['migrate', 'h', '1', 'KEY', '0', '0'],
  sort: ['sort', 'KEY'],
  sort_ro: ['sort_ro', 'KEY'],
  pfdebug: ['pfdebug', 'getreg', 'KEY'],
};
export const KEYS = ['x', 'a1', 'b1', 'app:1'];

/** user -> the KEYED commands ACL DRYRUN of redis-server 7.0.15 allowed on some key of KEYS. */
export const RECORDED: Readonly<Record<string, readonly string[]>> = {
  u2: ['migrate', 'restore', 'restore-asking', 'sort', 'sort_ro'],
  u7: ['pfdebug', 'sort', 'sort_ro'],
  u10: ['pfdebug', 'sort', 'sort_ro'],
  k1: [],
  k2: ['restore', 'restore-asking'],
  k3: ['pfdebug', 'restore', 'restore-asking', 'sort', 'sort_ro'],
  k4: ['migrate', 'pfdebug', 'restore', 'restore-asking', 'sort', 'sort_ro'],
  k5: ['restore', 'sort_ro'],
  k6: ['pfdebug', 'restore', 'restore-asking', 'sort', 'sort_ro'],
  k7: ['restore'],
  k8: [],
  k9: ['migrate', 'pfdebug', 'restore', 'restore-asking', 'sort', 'sort_ro'],
};

export function aclFile(): string {
  return ['user default on nopass ~* &* +@all', ...Object.entries(USERS).map(([name, rules]) => `user ${name} on nopass ${rules}`), ''].join('\n');
}

/** The KEYED commands the model counts for a user (any list of its @dangerous report), sorted. */
export function modelKeyed(name: string, version = '7.0.15'): string[] {
  const table = bundledCategoryTable({ version, product: 'redis' });
  const user = parseAclUser(name, ['on', 'nopass', ...USERS[name]!.split(' ')], { kind: 'default', note: 'test' }, { version });
  const r = analyzeDangerous(user, table, { rewritten: false });
  return [...r.viaCategory, ...r.byName, ...r.undetermined].map((g) => g.command).filter((c) => c in KEYED).sort();
}
