import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundledCategoryTable } from '../../src/acl/categories.ts';
import { databaseScope } from '../../src/acl/databases.ts';
import { analyzeDangerous, canRun } from '../../src/acl/permissions.ts';
import { parseAclUser } from '../../src/acl/parse.ts';
import { disagreements, parsedUsers, recording, RECORDED_PATH, scopeOf, USERS } from './database-permissions.ts';

// QA43-2: Valkey 9.1's database ACL rules in the permission model, against what a real valkey-server 9.1.2 did with
// them (RECORDED_PATH: ACL DRYRUN of every command for each user; the build itself: test/builds/acl-database-permissions.test.ts).
// Before the fix the rules were parsed and ignored: `resetdbs +@all` was said to run FLUSHALL, FLUSHDB, KEYS and GET.

const table = bundledCategoryTable({ version: 'valkey-9.1.2', product: 'valkey' });
const source = { kind: 'default', note: 'test' } as const;
const user = (rules: string) => parseAclUser('u', ['on', 'nopass', ...rules.split(' ')], source, { version: 'valkey-9.1.2' });
const dangerousCount = (rules: string, scope = scopeOf('valkey-9.1.2', 16)) => analyzeDangerous(user(rules), table, { rewritten: false, databases: scope }).viaCategory.length;

describe('Valkey 9.1 database rules in the permission model', () => {
  const rec = recording();

  it('the recording has every user, and the bundled 9.1 table every command it asked', () => {
    assert.deepEqual(Object.keys(rec.refused).sort(), Object.keys(USERS).sort(), RECORDED_PATH);
    assert.equal(rec.databases, 16);
    assert.ok(rec.units.length > 350, `${rec.units.length} commands`);
    for (const unit of rec.units) assert.ok(canRun(user('+@all'), unit, table), `${unit} in the bundled table`);
  });

  it('agrees with ACL DRYRUN on every command for every user (some database allowed)', () => {
    assert.deepEqual(disagreements(rec, table), []);
  });

  it('counts the @dangerous commands as the server lets them run (83 with every database)', () => {
    assert.equal(dangerousCount('~* +@all'), 83);
    // FLUSHALL and the three CLUSTER commands that need every database (CMD_ALL_DBS) are gone with db=1 or db=0.
    assert.equal(dangerousCount('~* resetdbs db=1 +@all'), 79);
    assert.equal(dangerousCount('~* db=0 +@all'), 79);
    assert.equal(dangerousCount('~* db=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 +@all'), 83);
    // No database: FLUSHDB, KEYS, SWAPDB, SORT, MIGRATE, RESTORE… too.
    assert.equal(dangerousCount('~* resetdbs +@all'), 70);
    assert.equal(dangerousCount('~* db=99 +@all'), 70);
    const report = analyzeDangerous(user('~* resetdbs +@all'), table, { rewritten: false, databases: scopeOf('valkey-9.1.2', 16) });
    assert.deepEqual(report.barredByDatabases?.map((g) => g.command), ['cluster|cancelslotmigrations', 'cluster|flushslot', 'cluster|migrateslots', 'flushall', 'flushdb', 'keys', 'migrate', 'pfdebug', 'restore', 'restore-asking', 'sort', 'sort_ro', 'swapdb']);
    // A user restricted to `-@all +flushall resetdbs db=1` cannot flush every database.
    assert.equal(canRun(user('resetdbs db=1 -@all +flushall'), 'flushall', table, scopeOf('valkey-9.1.2', 16)), false);
    // A selector carries its own databases: `(alldbs +flushall)` runs it whatever the root's.
    assert.equal(canRun(user('resetdbs -@all (alldbs +flushall)'), 'flushall', table, scopeOf('valkey-9.1.2', 16)), true);
  });

  it('unknown stays counted: without the number of databases, only what no count allows is barred', () => {
    const unknown = scopeOf('valkey-9.1.2', undefined);
    assert.ok(unknown);
    // db=0 covers every database of a server with `databases 1`: FLUSHALL kept; db=1 never covers database 0.
    assert.equal(canRun(user('db=0 +@all'), 'flushall', table, unknown), true);
    assert.equal(canRun(user('db=1 +@all'), 'flushall', table, unknown), false);
    // db=99 opens a database when there are 100 of them: kept; resetdbs none.
    assert.equal(canRun(user('db=99 +@all'), 'flushdb', table, unknown), true);
    assert.equal(canRun(user('resetdbs +@all'), 'flushdb', table, unknown), false);
    // With 1 database, db=0 is every database.
    assert.equal(canRun(user('db=0 +@all'), 'flushall', table, scopeOf('valkey-9.1.2', 1)), true);
  });

  it('9.1.0: only FLUSHALL needs every database (CLUSTER FLUSHSLOT got the flag in 9.1.1, the others are not known)', () => {
    const old = scopeOf('valkey-9.1.0', 16);
    assert.equal(canRun(user('db=1 +@all'), 'flushall', table, old), false);
    assert.equal(canRun(user('db=1 +@all'), 'cluster|migrateslots', table, old), true);
    assert.equal(canRun(user('db=1 +@all'), 'cluster|flushslot', table, old), true);
    assert.equal(canRun(user('resetdbs +@all'), 'cluster|flushslot', table, old), false);
    assert.equal(canRun(user('db=1 +@all'), 'cluster|flushslot', table, scopeOf('valkey-9.1.1', 16)), false);
  });

  it('applies only where the server does: Valkey 9.1+ of a known version, not a Sentinel, never Redis', () => {
    const config = new Map([['databases', { value: '16', source }]]);
    const at = (product: 'redis' | 'valkey' | 'unknown', version: string | undefined, mode: 'standalone' | 'cluster' | 'sentinel' = 'standalone') =>
      databaseScope({ product, version, mode, configFile: undefined, source }, config);
    assert.ok(at('valkey', '9.1.2'));
    assert.ok(at('valkey', '10.0.0'));
    assert.equal(at('valkey', '9.0.3'), undefined);
    assert.equal(at('valkey', undefined), undefined);
    assert.equal(at('valkey', '9.1.2', 'sentinel'), undefined);
    assert.equal(at('redis', '8.6.3'), undefined);
    assert.equal(at('unknown', '9.1.2'), undefined);
    // Cluster mode counts cluster-databases, not databases.
    assert.equal(at('valkey', '9.1.2', 'cluster')?.count, undefined);
    assert.equal(databaseScope({ product: 'valkey', version: '9.1.2', mode: 'cluster', configFile: undefined, source }, new Map([['cluster-databases', { value: '1', source }]]))?.count, 1);
    // Without a scope the rules are not applied (the old reading).
    assert.equal(canRun(parsedUsers('valkey-9.1.2').get('dbnone')!, 'flushall', table), true);
  });
});
