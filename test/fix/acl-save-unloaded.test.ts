import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rollback } from '../../src/fix/apply.ts';
import { readRollback } from '../../src/fix/rollback.ts';
import { commandText } from '../../src/fix/text.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import { address, apply, plan, secretsFor, state, target, USERS, workDir } from './helpers.ts';

// QA40-27: a user an operator adds to the ACL file for a later ACL LOAD is not on the running server, and ACL SAVE
// writes only the users the server runs: the "safe" ACL SAVE erased it, the plan's note said only that file and server
// differ, and a rollback did not bring it back.
after(stopAll);

const NEWGUY_HASH = createHash('sha256').update('Newguy-Pass-Long-Enough-31415').digest('hex');
const NEWGUY = `user newguy on #${NEWGUY_HASH} ~* +get`;

describe('fix: an ACL SAVE that would remove a user of the ACL file not loaded on the server (QA40-27)', () => {
  it('is disruptive and says so, the users it keeps wait with it; a rollback puts the line back', async () => {
    const master = await startRedis({ conf: 'aclfile users.acl', files: { 'users.acl': 'user default on nopass ~* &* +@all\n' } });
    const replica = await startReplica(master);
    const acl = join(master.dir, 'users.acl');
    // Added after the start, to be loaded later (ACL LOAD): the server does not run it.
    appendFileSync(acl, `${NEWGUY}\n`);
    const original = readFileSync(acl, 'utf8');
    const mode = statSync(acl).mode & 0o7777;
    const seed = target(master.url);
    const s0 = await state(seed, { kind: 'replication', noProbe: true });
    const p = plan(s0, seed);
    const m = address(master);
    const save = p.steps.find((st) => st.node === m && commandText(st) === 'ACL SAVE');
    assert.ok(save, p.steps.map(commandText).join('; '));
    assert.equal(save.class, 'disruptive');
    assert.match(save.reason, /removes user 'newguy' from .*users\.acl: it is in the file but not loaded on the server/);
    assert.match(save.reason, /run ACL LOAD first \(the server then runs it\), or move its line out of the file .*; a rollback of this apply puts its line back$/);
    assert.ok(p.notes.some((n) => n.startsWith(`${m}: ACL SAVE would remove user 'newguy' from `)), p.notes.join('\n'));
    // What would live at run time only until the ACL SAVE runs is not safe either: the master's users, and the
    // replica's masteruser, which names one of them.
    const safeUserSteps = p.steps.filter((st) => st.class === 'safe' && st.node === m && st.touches.some((t) => t.kind === 'user'));
    assert.deepEqual(safeUserSteps.map(commandText), []);
    const masteruser = p.steps.find((st) => st.node === address(replica) && commandText(st).startsWith('CONFIG SET masteruser'));
    assert.ok(masteruser);
    assert.equal(masteruser.class, 'disruptive');
    assert.match(masteruser.reason, /disruptive here: ACL SAVE on .* would remove user 'newguy'/);

    // The safe steps leave the file as it is.
    const rollbackFile = join(workDir(), 'rollback.json');
    const secrets = secretsFor(p);
    const safe = await apply(p, s0, ['safe'], { secrets, rollbackFile, noProbe: true, kind: 'replication' });
    assert.ok(safe.ok, safe.error);
    assert.equal(readFileSync(acl, 'utf8'), original);

    // With --include-disruptive it goes, as the step said; the rollback puts it back, the mode kept.
    const s1 = await state(seed, { kind: 'replication', noProbe: true });
    const all = await apply(p, s1, ['safe', 'disruptive'], { secrets, rollbackFile, noProbe: true, kind: 'replication' });
    assert.ok(all.ok, all.error);
    assert.doesNotMatch(readFileSync(acl, 'utf8'), /newguy/);
    const record = await readRollback(rollbackFile);
    const admin = { user: USERS.admin, password: secrets.get(USERS.admin)! };
    const back = await rollback(record, new Map(record.nodes.map((n) => [n.address, target(`redis://${n.address}`)])));
    assert.deepEqual(back.notRestored, []);
    const text = readFileSync(acl, 'utf8');
    assert.ok(text.split('\n').includes(NEWGUY), text);
    assert.equal(statSync(acl).mode & 0o7777, mode);
    assert.ok(back.restored.some((r) => r === `${m}: ${acl}: put back the line of user 'newguy' that ACL SAVE had removed (in the file, not loaded)`), back.restored.join('\n'));
    // Its content is never shown: no hash in what the rollback says.
    assert.doesNotMatch([...back.restored, ...back.notes, ...back.notRestored, ...back.unverified].join('\n'), new RegExp(NEWGUY_HASH.slice(0, 16)));
    // The server as before: default only, newguy still for the operator's ACL LOAD, which now loads it.
    assert.deepEqual(await rawCommand(master.host, master.port, ['ACL', 'USERS']), ['default']);
    await assert.rejects(rawCommand(master.host, master.port, ['PING'], admin));
    assert.equal(await rawCommand(master.host, master.port, ['ACL', 'LOAD']), 'OK');
    assert.deepEqual(((await rawCommand(master.host, master.port, ['ACL', 'USERS'])) as string[]).sort(), ['default', 'newguy']);
    await replica.stop();
    await master.stop();
  });
});
