import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';

// A server that has not saved since it started reports rdb_last_bgsave_status:ok (the initial value) and its start as
// rdb_last_save_time: persistence.backup-health passed it as "saves are healthy (…, last save 0.0 h ago)" (Debian's
// packaged redis.conf just started, the Docker image with --appendonly no). Nothing had been saved, so nothing showed
// that saving works: with changes waiting it is unknown (skip), with none there is nothing to save (pass, said so).
const of = (r: TargetResult) => r.results.filter((x) => x.ruleId === 'persistence.backup-health').map((x) => `${x.status}: ${x.message}`).join('\n');

describe('persistence.backup-health on a server that has not saved yet', () => {
  after(stopAll);

  it('nothing written: pass, and says no save was needed rather than quoting a save that never ran', async () => {
    const redis = await startRedis({ conf: 'save 3600 1', killOnStop: true });
    const result = await auditTarget(resolveTarget(redis.url, {}, {}), { noHost: true, noProbe: true });
    assert.match(of(result), /^pass: nothing changed since the server started 0\.0 h ago \(rdb_changes_since_last_save:0\)/);
  });

  it('a master whose only snapshot went to its replica (diskless sync, the 7.0 default) has not saved: skip, not "saves are healthy"', async () => {
    const master = await startRedis({ conf: 'save 3600 1\nrepl-diskless-sync yes\nrepl-diskless-sync-delay 0', killOnStop: true });
    await rawCommand(master.host, master.port, ['SET', 'k', 'v']);
    await startReplica(master, { killOnStop: true });
    const info = String(await rawCommand(master.host, master.port, ['INFO', 'persistence']));
    // The truth: the sync set the background-save time and status, and no save ran (no file).
    assert.match(info, /rdb_last_bgsave_time_sec:[0-9]/);
    assert.match(info, /rdb_saves:0/);
    const result = await auditTarget(resolveTarget(master.url, {}, {}), { noHost: true, noProbe: true });
    assert.match(of(result), /^skip: no save has run since the server started 0\.0 h ago \(rdb_saves:0\) and 1 changes are not on disk yet/);
  });

  it('writes waiting for the first save point: skip, not "saves are healthy"', async () => {
    const redis = await startRedis({ conf: 'save 3600 1', killOnStop: true });
    await rawCommand(redis.host, redis.port, ['SET', 'k', 'v']);
    const result = await auditTarget(resolveTarget(redis.url, {}, {}), { noHost: true, noProbe: true });
    assert.match(of(result), /^skip: no save has run since the server started 0\.0 h ago \(rdb_saves:0\) and 1 changes are not on disk yet.*save '3600 1'/);
    // Once a save ran, its status is evidence: pass.
    await rawCommand(redis.host, redis.port, ['BGSAVE']);
    for (let i = 0; i < 50 && /rdb_bgsave_in_progress:1|rdb_last_bgsave_time_sec:-1/.test(String(await rawCommand(redis.host, redis.port, ['INFO', 'persistence']))); i++) await new Promise((r) => setTimeout(r, 100));
    const saved = await auditTarget(resolveTarget(redis.url, {}, {}), { noHost: true, noProbe: true });
    assert.match(of(saved), /^pass: saves are healthy \(rdb_last_bgsave_status:ok, last save 0\.0 h ago\)/);
  });
});
