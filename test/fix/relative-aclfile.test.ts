import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rollback } from '../../src/fix/apply.ts';
import { readRollback } from '../../src/fix/rollback.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { address, apply, plan, secretsFor, state, target, workDir } from './helpers.ts';

// QA41-64: `aclfile users.acl` is relative to the server's directory (CONFIG GET dir), not to fix's: fix stat'ed it in
// its own directory, recorded no mode, and the ACL SAVE left a 0600 file 0644 (world-readable hashes) after the apply
// and after the rollback, which said everything recorded was back.
after(stopAll);

describe('fix on a server whose aclfile is relative (QA41-64)', () => {
  it('records the ACL file where the server has it, and keeps its mode 0600 after ACL SAVE and after the rollback', async () => {
    const server = await startRedis({ conf: 'aclfile users.acl', files: { 'users.acl': { content: 'user default on nopass ~* &* +@all\n', mode: 0o600 } } });
    const acl = join(server.dir, 'users.acl');
    assert.equal(statSync(acl).mode & 0o777, 0o600);
    const seed = target(server.url);
    const s0 = await state(seed, { noProbe: true });
    const p = plan(s0, seed);
    assert.ok(p.steps.some((st) => st.class === 'safe' && st.command.join(' ') === 'ACL SAVE'), p.steps.map((st) => st.command.join(' ')).join('; '));
    const rollbackFile = join(workDir(), 'rollback.json');
    const done = await apply(p, s0, ['safe'], { secrets: secretsFor(p), rollbackFile, noProbe: true });
    assert.ok(done.ok, done.error);
    assert.equal(statSync(acl).mode & 0o777, 0o600, 'the mode ACL SAVE reset is put back');
    assert.ok(done.restoredFiles.some((f) => f.startsWith(`${acl}: mode 0644 → 0600`)), done.restoredFiles.join('\n'));
    const record = await readRollback(rollbackFile);
    assert.deepEqual(record.nodes[0]!.files.map((f) => [f.role, f.path, f.mode]), [['config', server.confPath, statSync(server.confPath).mode & 0o7777], ['acl', acl, 0o600]]);
    assert.deepEqual(record.nodes[0]!.notes ?? [], []);
    const back = await rollback(record, new Map([[address(server), seed]]));
    assert.deepEqual(back.notRestored, []);
    assert.equal(statSync(acl).mode & 0o777, 0o600);
    assert.deepEqual(await rawCommand(server.host, server.port, ['ACL', 'USERS']), ['default']);
    await server.stop();
  });
});
