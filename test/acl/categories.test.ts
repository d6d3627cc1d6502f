import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundledCategoryTable, categoryTableFromLive } from '../../src/acl/categories.ts';
import redis70 from '../../src/acl/data/categories-redis-7.0.json' with { type: 'json' };

// The member lists printed in shared/reference/redis-semantics.md §6.2 (live on each version).
const DANGEROUS_62 =
  'acl bgrewriteaof bgsave client cluster config debug failover flushall flushdb info keys lastsave latency migrate ' +
  'module monitor pfdebug pfselftest psync replconf replicaof restore restore-asking role save shutdown slaveof ' +
  'slowlog sort swapdb sync';
const ADMIN_62 =
  'acl bgrewriteaof bgsave client cluster config debug failover lastsave latency module monitor pfdebug pfselftest ' +
  'psync replconf replicaof save shutdown slaveof slowlog sync';

const sorted = (list: readonly string[] | undefined): string[] => [...(list ?? [])].sort();

describe('bundledCategoryTable', () => {
  it('7.x, 8.x, Valkey and unknown versions get the 7.0.15 table', () => {
    for (const version of ['7.0.15', '7.2.4', '7.4.1', '8.0.1', '8.2.1', undefined]) {
      const t = bundledCategoryTable({ version, mode: 'standalone' });
      assert.equal(t.granularity, 'subcommand');
      assert.equal(t.categories.get('dangerous')?.length, 75, String(version));
      assert.deepEqual(t.source, { kind: 'default', note: 'bundled ACL CAT of redis 7.0.15 (server mode)' });
    }
    assert.equal(bundledCategoryTable({ version: '7.2.4', mode: 'cluster' }), bundledCategoryTable({}));
  });

  it('6.2 and 6.0 get whole-command tables matching the reference', () => {
    const t62 = bundledCategoryTable({ version: '6.2.16' });
    assert.equal(t62.granularity, 'command');
    assert.deepEqual(sorted(t62.categories.get('dangerous')), DANGEROUS_62.split(' '));
    assert.deepEqual(sorted(t62.categories.get('admin')), ADMIN_62.split(' '));
    assert.match(t62.source.kind === 'default' ? t62.source.note : '', /not a live server/);
    const t60 = bundledCategoryTable({ version: '6.0.20' });
    assert.deepEqual(sorted(t60.categories.get('dangerous')), DANGEROUS_62.replace('failover ', '').split(' '));
    assert.equal(bundledCategoryTable({ version: '5.0.14' }), t60);
  });

  it('every 6.x table has the 21 categories', () => {
    for (const version of ['6.0.20', '6.2.16']) {
      assert.equal(bundledCategoryTable({ version }).categories.size, 21);
    }
  });

  it('sentinel mode gets the sentinel table', () => {
    const t = bundledCategoryTable({ version: '7.2.4', mode: 'sentinel' });
    assert.ok(t.categories.get('dangerous')?.includes('sentinel|set'));
    assert.ok(!t.categories.get('dangerous')?.includes('flushall'));
    // Made once, then the same table (what is computed per table is kept by the table's identity).
    assert.equal(bundledCategoryTable({ mode: 'sentinel' }), t);
  });

  it('the 7.0 categories list every command and subcommand COMMAND reports', () => {
    const union = new Set([...bundledCategoryTable({}).categories.values()].flat());
    const commands = Object.entries(redis70.commands).flatMap(([c, subs]) => [c, ...subs.map((s) => `${c}|${s}`)]);
    assert.deepEqual([...union].sort(), commands.sort());
  });
});

describe('categoryTableFromLive', () => {
  const source = { kind: 'live', command: 'ACL CAT <category>' } as const;

  it('per subcommand when a member is named cmd|sub; category names lose @ and case', () => {
    const t = categoryTableFromLive(new Map([['@Dangerous', ['CONFIG|GET', 'info']]]), source);
    assert.equal(t.granularity, 'subcommand');
    assert.deepEqual(t.categories.get('dangerous'), ['config|get', 'info']);
    assert.equal(t.source, source);
  });

  it('whole commands otherwise', () => {
    const t = categoryTableFromLive(new Map([['dangerous', ['config', 'info']]]), source);
    assert.equal(t.granularity, 'command');
  });

  it('servers that answer alike share one table (members in any order); any other answer gets its own', () => {
    const first = categoryTableFromLive(new Map([['dangerous', ['config', 'flushall', 'keys']], ['admin', ['config', 'debug']]]), source);
    // Each server lists members in its own dict order.
    assert.equal(categoryTableFromLive(new Map([['dangerous', ['keys', 'config', 'flushall']], ['admin', ['debug', 'config']]]), source), first);
    const others = [
      categoryTableFromLive(new Map([['dangerous', ['keys', 'keys', 'flushall']], ['admin', ['debug', 'config']]]), source),
      categoryTableFromLive(new Map([['dangerous', ['keys', 'config']], ['admin', ['debug', 'config']]]), source),
      categoryTableFromLive(new Map([['dangerous', ['keys', 'config', 'flushall', 'shutdown']], ['admin', ['debug', 'config']]]), source),
      categoryTableFromLive(new Map([['admin', ['debug', 'config']], ['dangerous', ['keys', 'config', 'flushall']]]), source),
      categoryTableFromLive(new Map([['dangerous', ['config', 'flushall', 'keys']]]), source),
      categoryTableFromLive(new Map([['dangerous', ['config', 'flushall', 'keys']], ['admin', ['config', 'debug']]]), { kind: 'live', command: 'ACL CAT' }),
    ];
    for (const other of others) assert.notEqual(other, first);
    assert.deepEqual(others[0]!.categories.get('dangerous'), ['keys', 'keys', 'flushall']);
    assert.deepEqual(others[1]!.categories.get('dangerous'), ['keys', 'config']);
  });
});
