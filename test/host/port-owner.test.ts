import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { findPortOwner, procTables, readTcpSockets, recentTcpTable } from '../../src/gather/host/proc.ts';
import type { TcpSocket } from '../../src/gather/host/proc.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// The process listening on a port, found with and without the server's own word (INFO process_id) as a hint:
// the hint is only checked against /proc, never taken on trust, and a wrong one changes nothing.
after(stopAll);

describe('findPortOwner with a hint', () => {
  let a: RunningServer;
  let b: RunningServer;
  before(async () => {
    [a, b] = await Promise.all([startRedis(), startRedis()]);
  });

  it('finds the same process with the right hint as by searching every process', async () => {
    const searched = await findPortOwner('127.0.0.1', a.port, procTables());
    assert.deepEqual(searched, { found: true, pid: a.pid, name: 'redis-server' });
    assert.deepEqual(await findPortOwner('127.0.0.1', a.port, procTables(), a.pid), searched);
  });

  it('searches as before when the hint names another server, a process that is no server, or none', async () => {
    for (const hint of [b.pid, process.pid, 1, 0, -5, 2 ** 31]) {
      assert.deepEqual(await findPortOwner('127.0.0.1', a.port, procTables(), hint), { found: true, pid: a.pid, name: 'redis-server' }, `hint ${hint}`);
    }
  });

  it('finds nothing on a port nobody listens on, whatever the hint', async () => {
    const port = a.port === 1 ? 2 : 1;
    const owner = await findPortOwner('127.0.0.1', port, procTables(), a.pid);
    assert.equal(owner.found, false);
  });
});

// The exporter's scrapes share one socket table a few seconds old (recentTcpTable): an owner it proposes is taken
// only when the process holds the socket now; anything else is looked up again in a table read for the lookup.
describe('findPortOwner with a recent socket table', () => {
  const ownRead = () => Promise.reject(new Error('the lookup read a table of its own'));

  it('confirms the owner the recent table proposes, without a table of its own', async () => {
    const a = await startRedis();
    const recent = await readTcpSockets();
    const owner = await findPortOwner('127.0.0.1', a.port, procTables({ recentTcpSockets: async () => recent, tcpSockets: ownRead }), a.pid);
    assert.deepEqual(owner, { found: true, pid: a.pid, name: 'redis-server' });
    assert.deepEqual(owner, await findPortOwner('127.0.0.1', a.port, procTables(), a.pid));
  });

  it('finds a server restarted on the same port since the table was read, and one started since', async () => {
    const a = await startRedis({ killOnStop: true });
    const recent = await readTcpSockets();
    await a.stop();
    const again = await startRedis({ port: a.port });
    const later = await startRedis();
    let own = 0;
    const tables = () => procTables({ recentTcpSockets: async () => recent, tcpSockets: () => (own++, readTcpSockets()) });
    assert.deepEqual(await findPortOwner('127.0.0.1', again.port, tables(), again.pid), { found: true, pid: again.pid, name: 'redis-server' });
    assert.deepEqual(await findPortOwner('127.0.0.1', later.port, tables(), later.pid), { found: true, pid: later.pid, name: 'redis-server' });
    assert.equal(own, 2);
  });

  it('never takes a hint the recent table does not confirm: a server naming another, a port closed since', async () => {
    const [a, b] = await Promise.all([startRedis(), startRedis({ killOnStop: true })]);
    const recent = await readTcpSockets();
    const tables = () => procTables({ recentTcpSockets: async () => recent });
    assert.deepEqual(await findPortOwner('127.0.0.1', a.port, tables(), b.pid), { found: true, pid: a.pid, name: 'redis-server' });
    await b.stop();
    const closed = await findPortOwner('127.0.0.1', b.port, tables(), b.pid);
    assert.equal(closed.found, false);
  });
});

// An exporter that is not root, scraping a server of another user on its machine, read every process's status and
// descriptors at each scrape to say that it could not tell the port's owner: such answers are kept as long as the
// table. Here the port is held by this test's own process (not a server), which names no server either.
describe('findPortOwner with recent answers that named no server', () => {
  it('answers the same, without a search, for the same address, port and hint until they expire', async (t) => {
    const proxy = createServer();
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    t.after(() => proxy.close());
    const port = (proxy.address() as AddressInfo).port;
    const a = await startRedis();
    let reads = 0;
    let now = 0;
    const shared = recentTcpTable({ ttlMs: 5000, read: () => (reads++, readTcpSockets()), now: () => now });
    const first = await findPortOwner('127.0.0.1', port, procTables(shared));
    assert.equal(first.found, false);
    assert.match((first as { reason: string }).reason, /held by 'node'/);
    assert.equal(reads, 1);
    assert.deepEqual(await findPortOwner('127.0.0.1', port, procTables(shared)), first);
    assert.equal(reads, 1, 'remembered: no table read, no search');
    // Another hint (a server restarted since says another process_id) is searched for.
    assert.deepEqual(await findPortOwner('127.0.0.1', port, procTables(shared), a.pid), first);
    assert.equal(reads, 2);
    now = 5000;
    assert.deepEqual(await findPortOwner('127.0.0.1', port, procTables(shared)), first);
    assert.equal(reads, 3, 'expired: searched again');
  });

  it('takes a hint that holds the socket now over a remembered answer', async () => {
    const a = await startRedis();
    const shared = recentTcpTable({ ttlMs: 60_000 });
    shared.misses.set(`127.0.0.1\0${a.port}\0${a.pid}`, { found: false, reason: 'remembered' }, shared.misses.now());
    assert.deepEqual(await findPortOwner('127.0.0.1', a.port, procTables(shared), a.pid), { found: true, pid: a.pid, name: 'redis-server' });
  });

  it('keeps at most 1,024 answers, the oldest going first', () => {
    const shared = recentTcpTable({ ttlMs: 60_000, now: () => 0 });
    for (let i = 0; i <= 1024; i++) shared.misses.set(`k${i}`, { found: false, reason: `r${i}` }, 0);
    assert.equal(shared.misses.get('k0'), undefined);
    assert.deepEqual(shared.misses.get('k1'), { found: false, reason: 'r1' });
    assert.deepEqual(shared.misses.get('k1024'), { found: false, reason: 'r1024' });
  });
});

describe('recentTcpTable', () => {
  const table = (n: number): TcpSocket[] => [{ family: 'ip', address: '127.0.0.1', port: n, state: '0A', uid: 0, inode: String(n) }];

  it('hands every ask of its life the same read, then reads anew; a fresh read is the recent one from then on', async () => {
    let reads = 0;
    let now = 0;
    const shared = recentTcpTable({ ttlMs: 5000, read: async () => table(++reads), now: () => now });
    const asks = await Promise.all([shared.recentTcpSockets(), shared.recentTcpSockets(), shared.recentTcpSockets()]);
    assert.equal(reads, 1);
    assert.ok(asks.every((t) => t === asks[0]));
    now = 4999;
    assert.equal(await shared.recentTcpSockets(), asks[0]);
    now = 5000;
    assert.deepEqual(await shared.recentTcpSockets(), table(2));
    now = 6000;
    assert.deepEqual(await shared.tcpSockets(), table(3));
    now = 10_999;
    assert.deepEqual(await shared.recentTcpSockets(), table(3));
    assert.equal(reads, 3);
  });

  it('keeps no failed read', async () => {
    let reads = 0;
    const shared = recentTcpTable({ ttlMs: 60_000, read: async () => (++reads === 1 ? Promise.reject(new Error('EMFILE')) : table(reads)) });
    await assert.rejects(shared.recentTcpSockets(), /EMFILE/);
    assert.deepEqual(await shared.recentTcpSockets(), table(2));
    assert.deepEqual(await shared.recentTcpSockets(), table(2));
  });
});
