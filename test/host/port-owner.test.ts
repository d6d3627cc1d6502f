import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findPortOwner, procTables } from '../../src/gather/host/proc.ts';
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
