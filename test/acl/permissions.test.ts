import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundledCategoryTable } from '../../src/acl/categories.ts';
import { parseAclListLine, parseAclUser } from '../../src/acl/parse.ts';
import { analyzeDangerous, canRun, effectiveCommands } from '../../src/acl/permissions.ts';
import type { AclUser } from '../../src/facts/types.ts';

const src = { kind: 'default', note: 'test' } as const;
const t70 = bundledCategoryTable({ version: '7.0.15' });
const t62 = bundledCategoryTable({ version: '6.2.16' });
const t60 = bundledCategoryTable({ version: '6.0.20' });
const sentinel = bundledCategoryTable({ version: '7.0.15', mode: 'sentinel' });
const DANGEROUS_70 = t70.categories.get('dangerous')!;
const ADMIN_70 = t70.categories.get('admin')!;

function u(rules: string, version?: string): AclUser {
  return parseAclUser('u', ['on', 'nopass', ...rules.split(' ')], src, version === undefined ? {} : { version });
}
const names = (grants: readonly { command: string }[]): string[] => grants.map((g) => g.command).sort();
const rulesOf = (grants: readonly { rule: string }[]): string[] => [...new Set(grants.map((g) => g.rule))];

describe('analyzeDangerous on Redis 7.0', () => {
  it('+@all grants every dangerous command through the category', () => {
    const r = analyzeDangerous(u('~* +@all'), t70, { rewritten: false });
    assert.equal(r.viaCategory.length, 75);
    assert.deepEqual(rulesOf(r.viaCategory), ['+@all']);
    assert.deepEqual(r.byName, []);
    assert.equal(r.enabled, true);
    assert.equal(r.judgedExcluded, false);
  });

  it('allcommands is the same, with its own rule name', () => {
    const r = analyzeDangerous(u('allcommands'), t70, { rewritten: false });
    assert.equal(r.viaCategory.length, 75);
    assert.deepEqual(rulesOf(r.viaCategory), ['allcommands']);
  });

  it('+@all -@dangerous leaves none', () => {
    const r = analyzeDangerous(u('+@all -@dangerous'), t70, { rewritten: false });
    assert.deepEqual([...r.viaCategory, ...r.byName], []);
  });

  it('+@all -@dangerous +config|get: one grant by name, as evidence', () => {
    const r = analyzeDangerous(u('+@all -@dangerous +config|get'), t70, { rewritten: false });
    assert.deepEqual(r.viaCategory, []);
    assert.deepEqual(r.byName, [{ command: 'config|get', via: 'name', rule: '+config|get' }]);
  });

  it('-@all +@admin grants the @admin members through the category', () => {
    const r = analyzeDangerous(u('-@all +@admin'), t70, { rewritten: false });
    assert.deepEqual(names(r.viaCategory), [...ADMIN_70].sort());
    assert.deepEqual(rulesOf(r.viaCategory), ['+@admin']);
    assert.ok(!names(r.viaCategory).includes('flushall'));
  });

  it('+@read grants keys and sort_ro, which are in @read and @dangerous', () => {
    const r = analyzeDangerous(u('+@read'), t70, { rewritten: false });
    assert.deepEqual(names(r.viaCategory), ['keys', 'sort_ro']);
    assert.deepEqual(rulesOf(r.viaCategory), ['+@read']);
  });

  it('+@all -@dangerous +@admin: re-granted through a category', () => {
    const r = analyzeDangerous(u('+@all -@dangerous +@admin'), t70, { rewritten: false });
    assert.equal(r.viaCategory.length, 65);
    assert.deepEqual(rulesOf(r.viaCategory), ['+@admin']);
  });

  it('-@dangerous +@all: order matters, all granted', () => {
    const r = analyzeDangerous(u('-@dangerous +@all'), t70, { rewritten: false });
    assert.equal(r.viaCategory.length, 75);
  });

  it('a selector (+@all) on a restricted root grants everything, marked with its index', () => {
    const r = analyzeDangerous(u('-@all +get (~x +get) (+@all)'), t70, { rewritten: false });
    assert.equal(r.viaCategory.length, 75);
    assert.deepEqual(r.viaCategory[0], { command: DANGEROUS_70[0], via: 'category', rule: '+@all', selector: 1 });
  });

  it('nocommands and reset clear what came before', () => {
    assert.deepEqual(effectiveCommands(u('+@all nocommands'), t70).size, 0);
    assert.deepEqual([...effectiveCommands(u('+@all reset +get'), t70).keys()], ['get']);
  });

  it('keeps the last granting rule, except that a name adds nothing to a category that already grants it', () => {
    // Was `via: 'name'`: but +@admin already grants CONFIG GET and no later rule takes it away, so the category is
    // what grants it (the catalogue's "through a category grant"); crediting the redundant name undercounted the
    // category's commands (`+@all +@admin +acl +info` was reported as 65 of 75 @dangerous commands).
    const a = effectiveCommands(u('-@all +@admin +config|get'), t70).get('config|get');
    assert.deepEqual(a, { command: 'config|get', via: 'category', rule: '+@admin' });
    const c = effectiveCommands(u('-@all +@admin -config|get +config|get'), t70).get('config|get');
    assert.deepEqual(c, { command: 'config|get', via: 'name', rule: '+config|get' });
    const b = effectiveCommands(u('-@all +config|get +@admin'), t70).get('config|get');
    assert.deepEqual(b, { command: 'config|get', via: 'category', rule: '+@admin' });
  });

  it('across root and selectors, a category grant wins over a grant by name', () => {
    const g = effectiveCommands(u('-@all +info (+@dangerous)'), t70).get('info');
    assert.deepEqual(g, { command: 'info', via: 'category', rule: '+@dangerous', selector: 0 });
  });

  it('a disabled user is analysed too, and says so', () => {
    const r = analyzeDangerous(parseAclUser('off-user', ['off', '+@all'], src), t70, { rewritten: false });
    assert.equal(r.enabled, false);
    assert.equal(r.viaCategory.length, 75);
  });
});

describe('containers and first-args on Redis 7.0', () => {
  it('+config grants every CONFIG subcommand by name; -config takes them all', () => {
    const e = effectiveCommands(u('-@all +config'), t70);
    assert.deepEqual([...e.keys()], ['config|get', 'config|help', 'config|resetstat', 'config|rewrite', 'config|set']);
    assert.deepEqual(rulesOf([...e.values()]), ['+config']);
    assert.equal(canRun(u('+@all -config'), 'config', t70), false);
    assert.equal(canRun(u('+@all -config'), 'config|get', t70), false);
  });

  it('+cmd|sub grants one subcommand, -cmd|sub removes one', () => {
    const user = u('-@all +config -config|set');
    assert.equal(canRun(user, 'config', t70), true);
    assert.equal(canRun(user, 'CONFIG|GET', t70), true);
    assert.equal(canRun(user, 'config|set', t70), false);
  });

  it('+cmd|arg on a command without subcommands is a first-arg grant', () => {
    const user = u('-@all +select|0 +debug|object');
    assert.equal(canRun(user, 'select', t70), true);
    assert.equal(canRun(user, 'select|0', t70), true);
    assert.equal(canRun(user, 'select|1', t70), false);
    assert.deepEqual(effectiveCommands(user, t70).get('debug'), { command: 'debug', via: 'name', rule: '+debug|object' });
    assert.deepEqual(analyzeDangerous(user, t70, { rewritten: false }).byName.map((g) => g.rule), ['+debug|object']);
  });

  it('a first-arg after the command is allowed changes nothing; -cmd clears it', () => {
    assert.equal(effectiveCommands(u('+@all +select|0'), t70).get('select')?.rule, '+@all');
    assert.equal(canRun(u('-@all +select|0 -select'), 'select|0', t70), false);
    assert.equal(canRun(u('-@all +select|0 -@all'), 'select|0', t70), false);
  });

  it('commands the table does not know are not runnable', () => {
    assert.equal(canRun(u('+@all'), 'ft.search', t70), false);
  });
});

describe('Redis 6.x whole-command tables', () => {
  it('+config|get grants config by name (first-arg), CONFIG SET stays closed', () => {
    const user = u('-@all +@read -@dangerous +config|get +info', '6.2.16');
    const r = analyzeDangerous(user, t62, { rewritten: false });
    assert.deepEqual(r.byName, [
      { command: 'config', via: 'name', rule: '+config|get' },
      { command: 'info', via: 'name', rule: '+info' },
    ]);
    assert.deepEqual(r.viaCategory, []);
    assert.equal(canRun(user, 'config|get', t62), true);
    assert.equal(canRun(user, 'config|set', t62), false);
  });

  it('-@dangerous closes harmless subcommands such as CLIENT SETNAME', () => {
    assert.equal(canRun(u('+@all -@dangerous', '6.2.16'), 'client|setname', t62), false);
    assert.equal(canRun(u('+@all -@dangerous'), 'client|setname', t70), true);
  });

  it('-cmd|sub cannot narrow a 6.x command, so the command stays allowed', () => {
    assert.equal(canRun(u('-@all +config -config|set'), 'config|set', t62), true);
  });

  it('+@all grants 32 dangerous commands on 6.2 and 31 on 6.0', () => {
    assert.equal(analyzeDangerous(u('+@all', '6.2.16'), t62, { rewritten: false }).viaCategory.length, 32);
    assert.equal(analyzeDangerous(u('+@all', '6.0.20'), t60, { rewritten: false }).viaCategory.length, 31);
  });

  it('6.0 has role and lastsave in @read, 6.2 does not', () => {
    assert.deepEqual(names(analyzeDangerous(u('+@read', '6.0.20'), t60, { rewritten: false }).viaCategory), [
      'keys', 'lastsave', 'role',
    ]);
    assert.deepEqual(names(analyzeDangerous(u('+@read', '6.2.16'), t62, { rewritten: false }).viaCategory), ['keys']);
  });
});

describe('Sentinel 7.0', () => {
  it('the sentinel container is in @dangerous, so -@dangerous closes SENTINEL HELP too (verified live)', () => {
    assert.equal(canRun(u('+@all -@dangerous'), 'sentinel|help', sentinel), false);
    assert.equal(canRun(u('-@all +@dangerous'), 'sentinel|help', sentinel), true);
    assert.equal(canRun(u('+@all -@dangerous'), 'ping', sentinel), true);
  });
});

describe('the rewritten rendering (Redis 7.0 ACL LIST and ACL GETUSER)', () => {
  const line = (rules: string): AclUser => parseAclListLine(`user r on nopass ~* resetchannels ${rules}`, src);

  it('a category held whole keeps its dangerous commands, whatever the rendering says', () => {
    // `-@all +@read -@dangerous +keys` as 7.0.15 renders it: to the server, keys through @read.
    const r = analyzeDangerous(line('-@all +@read -sort_ro'), t70, { rewritten: true });
    assert.equal(r.judgedExcluded, true);
    assert.deepEqual(r.viaCategory, [{ command: 'keys', via: 'category', rule: '+@read' }]);
    assert.deepEqual(r.byName, []);
  });

  it('+@all -@dangerous +info, rendered under +@all, is a grant by name', () => {
    const r = analyzeDangerous(line('+@all -@admin -flushall -migrate -sort_ro -sort -keys -swapdb -flushdb -restore -restore-asking'), t70, { rewritten: true });
    assert.deepEqual(r.viaCategory, []);
    assert.deepEqual(r.byName, [{ command: 'info', via: 'name', rule: 'name (ACL LIST renders it as +@all; the user holds almost nothing else of @dangerous)' }]);
    assert.deepEqual(r.undetermined, []);
  });

  it('nocommands +@dangerous -@admin, rendered as ten commands by name, is the category', () => {
    const r = analyzeDangerous(line('-@all +flushall +info +migrate +sort_ro +sort +keys +swapdb +flushdb +restore +restore-asking'), t70, { rewritten: true });
    assert.equal(r.viaCategory.length, 10);
    assert.match(r.viaCategory[0]!.rule, /^\+@dangerous -@admin \(inferred/);
  });

  it('half or more runnable: category grants stay category grants', () => {
    // `+@all -@dangerous +@admin` as 7.0.15 renders it.
    const r = analyzeDangerous(
      line('+@all -keys -restore-asking -restore -info -sort_ro -flushdb -swapdb -flushall -sort -migrate'),
      t70,
      { rewritten: true },
    );
    assert.equal(r.viaCategory.length, 65);
  });

  it('does not apply when the rules are as written', () => {
    const r = analyzeDangerous(line('-@all +@read -sort_ro'), t70, { rewritten: false });
    assert.equal(r.judgedExcluded, false);
    assert.deepEqual(names(r.viaCategory), ['keys']);
  });
});
