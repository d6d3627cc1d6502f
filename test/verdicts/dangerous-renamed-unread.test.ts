import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

after(stopAll);

// QA39-4: a server started with `rename-command FLUSHALL ""` and FLUSHDB renamed to another name, from a config file
// the audit cannot read: COMMAND INFO knows neither by its own name, and nothing tells a rename (the command still
// runs, under its new name) from a removal. auth.dangerous-commands-allowed counts both and says so; with the file
// read, the removed one is not counted and the renamed one is.
const RULE = 'auth.dangerous-commands-allowed';

describe('auth.dangerous-commands-allowed with admin commands renamed away', () => {
  it('counts them as renamed (still runs) or removed when no file says which, and as the file says otherwise', async () => {
    const redis = await startRedis({ conf: 'rename-command FLUSHALL ""\nrename-command FLUSHDB fd-7c2e91', killOnStop: true });
    // The truth on the wire: FLUSHALL is gone, FLUSHDB runs under its new name.
    await assert.rejects(rawCommand(redis.host, redis.port, ['FLUSHALL']), /unknown command/);
    assert.equal(await rawCommand(redis.host, redis.port, ['fd-7c2e91']), 'OK');
    const audit = async () => (await auditTarget(resolveTarget(redis.url, {}, {}), { noProbe: true, noHost: true })).results.filter((r) => r.ruleId === RULE);

    // Its file read (the process's own, found on this host): the removal is not counted, the rename is.
    const [withFile] = await audit();
    assert.equal(withFile?.status, 'fail');
    assert.match(withFile!.message, /^user 'default' may run 74 @dangerous commands through \+@all: .* and 66 more$/);
    assert.ok(withFile!.evidence?.includes('not counted, removed by rename-command "": flushall'), withFile!.evidence?.join('\n'));
    assert.ok(withFile!.evidence?.some((e) => /^counted, renamed by rename-command at .*redis\.conf:\d+: flushdb still runs under its new name$/.test(e)), withFile!.evidence?.join('\n'));

    // The file gone: only the live facts are left.
    await rm(redis.confPath);
    const results = await audit();
    assert.equal(results.length, 1);
    const [live] = results;
    assert.equal(live?.status, 'fail');
    assert.equal(live?.severity, 'high');
    assert.match(live!.message, /^user 'default' may run 75 @dangerous commands through \+@all: .* and 67 more \(flushall, flushdb: renamed \(still runs\) or removed\)$/);
    assert.ok(live!.evidence?.includes('counted, renamed (still runs) or removed: flushall, flushdb (COMMAND INFO does not know them by their own name, and no config file read has their rename-command line)'), live!.evidence?.join('\n'));
  });
});
