import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bundledCategoryTable, categoryTableFromLive } from '../../src/acl/categories.ts';
import { bytesHash } from '../../src/util/bytes-hash.ts';
import type { LiveMembers, MemberBytes } from '../../src/acl/categories.ts';

function hashOf(text: string): number {
  const bytes = Buffer.from(text);
  return bytesHash(bytes, 0, bytes.length);
}
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
  it('7.x, 8.0, Valkey before 9.1 and unknown versions get the 7.0.15 table', () => {
    for (const version of ['7.0.15', '7.2.4', '7.4.1', '8.0.1', 'valkey-8.0.1', 'valkey-9.0.8', undefined]) {
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

  it("Valkey 8+ sentinels get the live valkey-sentinel 8.0.1 table; Redis 7.2-8.0 and Valkey 7.2 the 7.0.15 one", () => {
    const valkey = bundledCategoryTable({ version: '8.0.1', product: 'valkey', mode: 'sentinel' });
    assert.equal(bundledCategoryTable({ version: 'valkey-8.0.1', mode: 'sentinel' }), valkey);
    const dangerous = sorted(valkey.categories.get('dangerous'));
    assert.equal(dangerous.length, 43);
    const seventy = sorted(bundledCategoryTable({ version: '7.0.15', mode: 'sentinel' }).categories.get('dangerous'));
    assert.deepEqual(dangerous.filter((c) => !seventy.includes(c)), ['sentinel|get-primary-addr-by-name', 'sentinel|is-primary-down-by-addr', 'sentinel|primaries', 'sentinel|primary']);
    assert.deepEqual(valkey.source, { kind: 'default', note: 'bundled ACL CAT of valkey 8.0.1 (sentinel mode)' });
    // Real 7.2.6, 7.4.1 and 8.0-m01 (7.9.224) sentinels list the 7.0.15 sentinel's 39 @dangerous.
    for (const [version, product] of [['7.2.4', 'valkey'], ['7.4.1', 'redis'], ['7.9.224', 'redis'], ['8.0.1', 'redis']] as const) {
      assert.equal(bundledCategoryTable({ version, product, mode: 'sentinel' }).categories.get('dangerous')?.length, 39, `${product} ${version}`);
    }
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

  /** Members as the bytes of a reply, as src/gather/live/resp.ts hands them (a BulkList), with bytes around them. */
  function asReply(members: readonly string[]): MemberBytes {
    const parts: Buffer[] = [Buffer.from('*junk\r\n')];
    const bounds: number[] = [];
    const hashes: number[] = [];
    let at = parts[0]!.length;
    for (const member of members) {
      const header = Buffer.from(`$${Buffer.byteLength(member)}\r\n`);
      const body = Buffer.from(member);
      parts.push(header, body, Buffer.from('\r\n'));
      bounds.push(at + header.length, at + header.length + body.length);
      hashes.push(hashOf(member));
      at += header.length + body.length + 2;
    }
    return { bytes: Buffer.concat(parts), bounds, hashes, texts: () => members.map((m) => `${m}`) };
  }

  it('replies given as bytes share the table of the same members as strings or bytes, in any order; any other members do not', () => {
    const dangerous = ['config|get', 'flushall', 'keys', 'debug', 'acl|setuser', 'shutdown'];
    const admin = ['config|get', 'debug', 'monitor', 'acl|setuser'];
    const bytesSource = { kind: 'live', command: 'ACL CAT <category> (bytes)' } as const;
    const first = categoryTableFromLive(new Map([['dangerous', asReply(dangerous)], ['admin', asReply(admin)]]), bytesSource);
    assert.deepEqual(first.categories.get('dangerous'), dangerous);
    assert.deepEqual(first.categories.get('admin'), admin);
    assert.equal(first.granularity, 'subcommand');
    const reversed = (list: readonly string[]) => [...list].reverse();
    const rotated = (list: readonly string[]) => [...list.slice(2), ...list.slice(0, 2)];
    for (const [d, a] of [
      [asReply(reversed(dangerous)), asReply(rotated(admin))],
      [rotated(dangerous), asReply(reversed(admin))],
      [reversed(dangerous), rotated(admin)],
    ] as const) {
      assert.equal(categoryTableFromLive(new Map<string, LiveMembers>([['dangerous', d], ['admin', a]]), bytesSource), first);
    }
    const renamed = dangerous.map((m) => (m === 'flushall' ? 'flushall-renamed' : m));
    const swapped = dangerous.map((m) => (m === 'flushall' ? 'monitor' : m));
    const others: (readonly [readonly string[], readonly string[]])[] = [
      [renamed, admin],
      [dangerous.filter((m) => m !== 'flushall'), admin],
      [[...dangerous, 'flushdb'], admin],
      [swapped, admin],
      [dangerous.map((m) => (m === 'keys' ? 'KEYS' : m)), admin],
      [dangerous.map((m) => (m === 'keys' ? 'flushall' : m)), admin],
      [dangerous, admin.map((m) => (m === 'debug' ? 'keys' : m))],
      [admin, dangerous],
    ];
    const tables = others.map(([d, a]) => categoryTableFromLive(new Map([['dangerous', asReply(rotated(d))], ['admin', asReply(a)]]), bytesSource));
    for (const [i, table] of tables.entries()) {
      assert.notEqual(table, first, `case ${i}`);
      assert.deepEqual(table.categories.get('dangerous'), rotated(others[i]![0]).map((m) => m.toLowerCase()), `case ${i}`);
    }
    // The same categories in another order, or one fewer, are other replies.
    assert.notEqual(categoryTableFromLive(new Map([['admin', asReply(admin)], ['dangerous', asReply(dangerous)]]), bytesSource), first);
    assert.notEqual(categoryTableFromLive(new Map([['dangerous', asReply(dangerous)]]), bytesSource), first);
    // Names beyond ASCII are compared by their UTF-8 bytes, strings or not.
    const unicode = categoryTableFromLive(new Map([['dangerous', asReply(['héllo', 'wörld'])]]), bytesSource);
    assert.equal(categoryTableFromLive(new Map([['dangerous', ['wörld', 'héllo']]]), bytesSource), unicode);
    assert.notEqual(categoryTableFromLive(new Map([['dangerous', asReply(['hello', 'wörld'])]]), bytesSource), unicode);
  });

  it('members whose hashes add up alike are still told apart by their bytes', () => {
    // Two members swapped for two others with the same sum of hashes: the sums alone would take them for the same.
    // Among a few hundred thousand pairs of names two have equal sums (32 bits: about one in 77,000 pairs).
    const sums = new Map<number, readonly [string, string]>();
    let pairs: readonly [string, string, string, string] | undefined;
    for (let i = 0; pairs === undefined && i < 3000; i++) {
      for (let j = i + 1; pairs === undefined && j < i + 400; j++) {
        const [a, b] = [`cmd${i}`, `cmd${j}`];
        const sum = (hashOf(a) + hashOf(b)) | 0;
        const seen = sums.get(sum);
        if (seen && !seen.includes(a) && !seen.includes(b)) pairs = [seen[0], seen[1], a, b];
        sums.set(sum, [a, b]);
      }
    }
    assert.ok(pairs, 'two pairs of names with the same sum of hashes');
    const [a, b, c, d] = pairs;
    const source = { kind: 'live', command: 'ACL CAT <category> (sums)' } as const;
    const first = categoryTableFromLive(new Map([['dangerous', asReply(['x', a, b])]]), source);
    const other = categoryTableFromLive(new Map([['dangerous', asReply(['x', c, d])]]), source);
    assert.notEqual(other, first);
    assert.deepEqual(other.categories.get('dangerous'), ['x', c, d]);
  });
});

it('bundled tables of Redis 8.6 and Valkey 9.1: their @dangerous as the real 8.6.3 and 9.1.2 give it (82 and 83), where 7.0\'s 75 was taken', () => {
  const dangerous = (options: Parameters<typeof bundledCategoryTable>[0]) => bundledCategoryTable(options).categories.get('dangerous') ?? [];
  const r86 = dangerous({ version: '8.6.3', product: 'redis' });
  assert.equal(r86.length, 82);
  for (const c of ['hotkeys|start', 'trimslots', 'cluster|migration']) assert.ok(r86.includes(c), c);
  // 8.2 and 8.4 take 8.6's; 8.0 keeps 7.0's (a live 8.0.6 has its 75).
  assert.equal(dangerous({ version: '8.4.6' }).length, 82);
  assert.equal(dangerous({ version: '8.0.6' }).length, 75);
  const v91 = dangerous({ version: '9.1.2', product: 'valkey' });
  assert.equal(v91.length, 83);
  for (const c of ['commandlog|reset', 'cluster|migrateslots']) assert.ok(v91.includes(c), c);
  assert.equal(dangerous({ version: 'valkey-9.1.2' }).length, 83);
  assert.equal(dangerous({ version: '9.0.8', product: 'valkey' }).length, 75);
});
