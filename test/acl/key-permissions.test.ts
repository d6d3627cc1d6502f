import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundledCategoryTable } from '../../src/acl/categories.ts';
import { parseAclUser } from '../../src/acl/parse.ts';
import { analyzeDangerous, evaluationCount } from '../../src/acl/permissions.ts';
import { keyAccess } from '../../src/acl/keys.ts';
import { modelKeyed, RECORDED, USERS } from './key-permissions.ts';

// QA44-3: a user whose key permissions bar a keyed @dangerous command on every key (`%R~*`: RESTORE, RESTORE-ASKING,
// MIGRATE; `resetkeys`: SORT too) was said to run it. RECORDED is ACL DRYRUN of a real 7.0.15
// (test/builds/acl-key-permissions.test.ts asks it again).

const source = { kind: 'default', note: 'test' } as const;
const table = bundledCategoryTable({ version: '7.0.15', product: 'redis' });
const user = (name: string, rules: string) => parseAclUser(name, ['on', 'nopass', ...rules.split(' ')], source, { version: '7.0.15' });

describe('key permissions in the @dangerous count', () => {
  it('the model counts the keyed @dangerous commands as ACL DRYRUN of 7.0.15 allows them', () => {
    for (const name of Object.keys(USERS)) assert.deepEqual(modelKeyed(name), [...RECORDED[name]!], name);
  });

  it("qa44a's u7 (%R~* -@all +@read +@slow): 69 through +@slow, as the server, RESTORE, RESTORE-ASKING and MIGRATE barred", () => {
    const report = analyzeDangerous(user('u7', USERS.u7!), table, { rewritten: false });
    assert.equal(report.viaCategory.length, 69);
    assert.deepEqual(report.barredByKeys?.map((g) => g.command), ['migrate', 'restore', 'restore-asking']);
  });

  it('key rules as the server merges and resets them', () => {
    assert.equal(keyAccess(['%R~*', '%W~*']), 'all');
    assert.equal(keyAccess(['%R~a*', '%W~b*']), 'r w');
    assert.equal(keyAccess(['~*', 'resetkeys']), 'none');
    assert.equal(keyAccess(['~*', 'reset']), 'none');
    assert.equal(keyAccess([]), 'all');
    assert.equal(keyAccess(['~app:*']), 'all');
    assert.equal(keyAccess(['%RW~x']), 'all');
    assert.equal(keyAccess(['resetkeys', 'allkeys']), 'all');
  });

  it('users whose patterns differ but whose key summary is the same share one evaluation', () => {
    const a = user('a', '%R~a:* -@all +@read +@slow +@keyspace');
    const b = user('b', '%R~b:* -@all +@read +@slow +@keyspace');
    const first = analyzeDangerous(a, table, { rewritten: false });
    const before = evaluationCount();
    const second = analyzeDangerous(b, table, { rewritten: false });
    assert.equal(evaluationCount(), before);
    assert.deepEqual(second.viaCategory, first.viaCategory);
    // Read-write patterns bar nothing: the same evaluation as `~*`.
    analyzeDangerous(user('c', '~* -@all +@read +@slow +@keyspace'), table, { rewritten: false });
    const plain = evaluationCount();
    assert.equal(analyzeDangerous(user('d', '~app:* -@all +@read +@slow +@keyspace'), table, { rewritten: false }).viaCategory.length, analyzeDangerous(user('c', '~* -@all +@read +@slow +@keyspace'), table, { rewritten: false }).viaCategory.length);
    assert.equal(evaluationCount(), plain);
  });

  it('before 7.0 every pattern is read-write: only a set without patterns is barred', () => {
    const t6 = bundledCategoryTable({ version: '6.2.16', product: 'redis' });
    const u6 = (rules: string) => parseAclUser('x', ['on', 'nopass', ...rules.split(' ')], source, { version: '6.2.16' });
    const granted = (rules: string) => analyzeDangerous(u6(rules), t6, { rewritten: false }).viaCategory.map((g) => g.command);
    assert.ok(granted('~app:* +@all').includes('restore'));
    assert.ok(!granted('resetkeys +@all').includes('restore'));
    assert.ok(granted('+@all').includes('sort'));
    assert.ok(granted('+@all').includes('flushall'));
  });
});
