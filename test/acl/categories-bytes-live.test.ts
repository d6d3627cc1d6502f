import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { auditCommands, factsFromReplies, gatherLive } from '../../src/gather/live/gather-live.ts';
import { BulkList, connect } from '../../src/gather/live/resp.ts';
import type { Reply, Shaped } from '../../src/gather/live/resp.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { ACL_CATEGORIES } from '../../src/redis/commands.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// The members of ACL CAT <category> are compared with the tables already made as the bytes of the reply, never made
// strings (src/gather/live/resp.ts BulkList, src/acl/categories.ts): the facts are those the strings gave.
describe('categories read as bytes from live servers', () => {
  const servers: RunningServer[] = [];

  before(async () => {
    servers.push(...(await Promise.all([startRedis({ killOnStop: true }), startRedis({ killOnStop: true })])));
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  /** The audit pipeline's replies, as an audit asks for them (the categories as bytes) and all decoded. */
  async function replies(server: RunningServer): Promise<{ shaped: Map<string, Reply | Shaped>; decoded: Map<string, Reply> }> {
    const planned = auditCommands();
    const conn = await connect({ host: server.host, port: server.port });
    try {
      const shaped = await conn.pipeline(planned.map((p) => p.args), planned.map((p) => p.shape));
      const decoded = await conn.pipeline(planned.map((p) => p.args));
      return { shaped: new Map(planned.map((p, i) => [p.key, shaped[i]!])), decoded: new Map(planned.map((p, i) => [p.key, decoded[i]!])) };
    } finally {
      await conn.close();
    }
  }

  it('give the facts the decoded replies give, and one table for servers that list the same members in their own order', async () => {
    const [a, b] = await Promise.all(servers.map(replies));
    const categoryKeys = [...a!.shaped.keys()].filter((key) => key.startsWith('aclcat:'));
    assert.equal(categoryKeys.length, ACL_CATEGORIES.length);
    assert.ok(categoryKeys.filter((key) => a!.shaped.get(key) instanceof BulkList).length >= 20, 'the categories came as bytes');
    const fromBytes = factsFromReplies('a', a!.shaped);
    const fromStrings = factsFromReplies('a', a!.decoded);
    // INFO and TIME differ from one call to the next (counters, clocks): everything else is the same.
    const { info: _i1, now: _n1, ...bytesRest } = fromBytes;
    const { info: _i2, now: _n2, ...stringsRest } = fromStrings;
    assert.deepEqual(bytesRest, stringsRest);
    assert.equal(fromBytes.categories, fromStrings.categories);
    assert.deepEqual(fromBytes.categories!.source, { kind: 'live', command: 'ACL CAT <category>' });
    const other = factsFromReplies('b', b!.shaped);
    assert.equal(other.categories, fromBytes.categories);
    // Each member of each category, as the server lists it, lowercased, whatever its order.
    for (const key of categoryKeys) {
      const members = a!.decoded.get(key);
      if (!Array.isArray(members)) continue;
      const name = key.slice('aclcat:'.length);
      assert.deepEqual([...fromBytes.categories!.categories.get(name)!].sort(), members.map((m) => String(m).toLowerCase()).sort(), name);
    }
    // A server listing one member less is another table.
    const fewer = new Map(a!.decoded);
    fewer.set('aclcat:dangerous', (a!.decoded.get('aclcat:dangerous') as string[]).filter((m) => m !== 'flushall'));
    const table = factsFromReplies('c', fewer).categories!;
    assert.notEqual(table, fromBytes.categories);
    assert.ok(!table.categories.get('dangerous')!.includes('flushall'));
  });

  it('an audit of two servers shares their table', async () => {
    const outcomes = await Promise.all(servers.map((s) => gatherLive(resolveTarget(`redis://${s.host}:${s.port}`, {}, {}))));
    const [first, second] = outcomes.map((o) => (o.ok ? o.facts : assert.fail(o.ok ? '' : o.error)));
    assert.ok(first!.categories && first!.categories.categories.get('dangerous')!.includes('flushall'));
    assert.equal(second!.categories, first!.categories);
  });
});

describe("the README's count of ACL CAT commands", () => {
  it('is the number of ACL CAT commands an audit sends (it said 21, the categories of 7.x, not the 29 sent)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const sent = auditCommands().filter((c) => c.args[0] === 'ACL' && c.args[1] === 'CAT' && c.args.length === 3).length;
    assert.equal(sent, ACL_CATEGORIES.length);
    assert.match(readme, new RegExp(`\\(${sent} \`ACL CAT\`: the 21 categories of Redis 6\\.0-7\\.4 and Valkey, and\\nthe ${sent - 21} of Redis 8's modules`));
  });
});
