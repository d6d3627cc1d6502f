import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rollback, stepsToApply } from '../../src/fix/apply.ts';
import { readRollback } from '../../src/fix/rollback.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { address, apply, plan, secretsFor, state, status, target, workDir } from './helpers.ts';

// QA36-18: an ACL file with clear-text passwords (`>pw`) stayed "do it by hand" unless another step changed a user:
// fix plans a bare ACL SAVE (Redis writes `#<sha256>`) when the users the server runs are the file's own, and keeps
// it by hand, saying why, when they are not (ACL SAVE would write the running users into the file too).
after(stopAll);

const ADMIN = 'Adm1n-Pass-Long-Enough-123456';
const APP = 'AppP4ssw0rd-Long-Enough-98765';
const MONITOR = 'M0nitor-Pass-Long-Enough-4567';
const USERS = [
  'user default off',
  `user admin on >${ADMIN} ~* &* +@all`,
  `user app on >${APP} ~app:* &* +@read +@write -@dangerous`,
  `user monitor on >${MONITOR} ~* +info +ping +config|get +client|list +slowlog`,
  '',
].join('\n');
const sha = (pw: string) => createHash('sha256').update(pw).digest('hex');

function aclFileServer() {
  return startRedis({ conf: 'aclfile users.acl', files: { 'users.acl': USERS }, username: 'admin', password: ADMIN, killOnStop: true });
}

describe('fix: a bare ACL SAVE hashes the clear-text passwords of an ACL file whose users are the running ones', () => {
  it('plans it safe, runs it alone, the file then holds #<sha256>, the audit after passes; a rollback says there is nothing to undo', async () => {
    const server = await aclFileServer();
    const acl = join(server.dir, 'users.acl');
    const seed = target(server.url, { user: 'admin', pass: ADMIN });
    const s0 = await state(seed, { noProbe: true });
    assert.equal(status(s0, address(server), 'auth.plaintext-passwords'), 'fail');
    assert.equal(status(s0, address(server), 'config.runtime-drift'), 'pass');
    const p = plan(s0, seed);
    const save = p.steps.find((st) => st.command.join(' ') === 'ACL SAVE');
    assert.ok(save, `an ACL SAVE step: ${p.steps.map((st) => st.command.join(' ')).join('; ')}`);
    assert.equal(save.class, 'safe');
    assert.deepEqual(save.rules, ['auth.plaintext-passwords']);
    assert.match(save.reason, /as the server runs them, which are the file's own \(no user differs at run time\), so only their passwords change: from `>…` to `#<sha256>`; no client notices; no clear-text password is left on the lines .*users\.acl:2, .*users\.acl:3, .*users\.acl:4$/);
    assert.ok(!p.steps.some((st) => st.touches.some((t) => t.kind === 'user')), 'no step changes a user');
    assert.ok(!p.manual.some((m) => m.rule === 'auth.plaintext-passwords'), 'closed by the plan');
    // It runs even when no other step runs on the node (persist steps otherwise only follow a change).
    assert.ok(stepsToApply(p, new Set(['safe'])).some((st) => st.id === save.id));

    const dir = workDir();
    const rollbackFile = join(dir, 'rollback.json');
    const outcome = await apply({ ...p, steps: p.steps.filter((st) => st.id === save.id || st.class === 'restart') }, s0, ['safe'], { secrets: secretsFor(p), rollbackFile, noProbe: true });
    assert.ok(outcome.ok, outcome.error);
    assert.deepEqual(outcome.applied, [save.id]);
    assert.ok(outcome.changes.some((c) => c.rule === 'auth.plaintext-passwords' && c.before === 'fail' && c.after === 'pass'), JSON.stringify(outcome.changes));
    const text = readFileSync(acl, 'utf8');
    assert.doesNotMatch(text, />/, 'no clear-text password left');
    for (const [user, pw, command] of [['admin', ADMIN, 'PING'], ['app', APP, 'EXISTS'], ['monitor', MONITOR, 'PING']] as const) {
      assert.match(text, new RegExp(`^user ${user} on #${sha(pw)} `, 'm'), `${user}'s password as its SHA-256`);
      const reply = await rawCommand(server.host, server.port, command === 'PING' ? ['PING'] : ['EXISTS', 'app:k'], { user, password: pw });
      assert.equal(reply, command === 'PING' ? 'PONG' : 0, `${user} logs in as before`);
    }
    const s1 = await state(seed, { noProbe: true });
    assert.equal(status(s1, address(server), 'auth.plaintext-passwords'), 'pass');
    assert.equal(status(s1, address(server), 'config.runtime-drift'), 'pass');

    const record = await readRollback(rollbackFile);
    const notes = record.nodes[0]!.notes ?? [];
    assert.equal(notes.length, 1, JSON.stringify(record.nodes[0]));
    assert.match(notes[0]!, /^step \d+ \(ACL SAVE\) wrote the users to .*users\.acl with their passwords as #<sha256> and changed nothing at run time: a rollback has nothing to undo for it; the clear-text passwords .*users\.acl held are not written back by a rollback \(they are the weakness auth\.plaintext-passwords reported/);
    const back = await rollback(record, new Map([[address(server), seed]]));
    assert.deepEqual(back.notRestored, []);
    assert.deepEqual(back.notes, [`${address(server)}: ${notes[0]}`]);
    assert.doesNotMatch(readFileSync(acl, 'utf8'), />/, 'the rollback brings no clear-text password back');
    await server.stop();
  });
});

describe('fix: no bare ACL SAVE where the running users differ from the ACL file', () => {
  it('keeps auth.plaintext-passwords by hand, naming the difference, for a user added at run time and for one changed', async () => {
    const server = await aclFileServer();
    const seed = target(server.url, { user: 'admin', pass: ADMIN });
    const auth = { user: 'admin', password: ADMIN };
    assert.equal(await rawCommand(server.host, server.port, ['ACL', 'SETUSER', 'extra', 'on', '>Extra-Pass-Long-Enough-000111', '~x:*', '+get'], auth), 'OK');
    const cases: [string, RegExp][] = [
      ['a user only at run time', /user 'extra' exists at run time but not in the file/],
    ];
    const p1 = plan(await state(seed, { noProbe: true }), seed);
    assert.equal(await rawCommand(server.host, server.port, ['ACL', 'DELUSER', 'extra'], auth), 1);
    assert.equal(await rawCommand(server.host, server.port, ['ACL', 'SETUSER', 'app', '~*'], auth), 'OK');
    cases.push(['a user widened at run time', /user 'app' may touch other keys, channels or selectors at run time than the file grants/]);
    const p2 = plan(await state(seed, { noProbe: true }), seed);
    for (const [[what, difference], p] of cases.map((c, i) => [c, [p1, p2][i]!] as const)) {
      assert.ok(!p.steps.some((st) => st.command.join(' ') === 'ACL SAVE'), `${what}: no ACL SAVE`);
      const item = p.manual.find((m) => m.rule === 'auth.plaintext-passwords');
      assert.ok(item, `${what}: by hand`);
      assert.match(item.message, /fix does not run ACL SAVE to do it: the running users differ from the file \(/, what);
      assert.match(item.message, difference, what);
      assert.match(item.message, /ACL SAVE would write the running users into .*users\.acl too, not only the hashes\. Decide which users are right first \(config\.runtime-drift\), then run ACL SAVE, or write the hashes into the file by hand\.$/, what);
    }
    assert.match(readFileSync(join(server.dir, 'users.acl'), 'utf8'), />/, 'the file untouched');
    await server.stop();
  });
});

describe('fix: the ACL SAVE after user steps says which running users it also writes', () => {
  it('notes a user added at run time and never saved (config.runtime-drift), as CONFIG REWRITE does for settings', async () => {
    // fix creates its own 'admin' (a user of that name with another password is someone else's): 'ops' here. The user
    // step is on 'dev': fix logs in as 'ops', which it never takes @dangerous from without an administrator of its own.
    const users = `${USERS.replace('user default off', 'user default on nopass ~* &* +@all').replace('user admin ', 'user ops ')}user dev on >Dev-Pass-Long-Enough-2233445566 ~* &* +@all\n`;
    const server = await startRedis({ conf: 'aclfile users.acl', files: { 'users.acl': users }, username: 'ops', password: ADMIN, killOnStop: true });
    const seed = target(server.url, { user: 'ops', pass: ADMIN });
    const clean = plan(await state(seed, { noProbe: true }), seed);
    assert.ok(clean.steps.some((st) => st.command.join(' ') === 'ACL SAVE') && clean.steps.some((st) => st.touches.some((t) => t.kind === 'user')), 'ACL SAVE after user steps');
    assert.ok(!clean.notes.some((n) => n.includes('ACL SAVE also writes')), clean.notes.join('\n'));
    assert.equal(await rawCommand(server.host, server.port, ['ACL', 'SETUSER', 'extra', 'on', '>Extra-Pass-Long-Enough-000111', '~x:*', '+get'], { user: 'ops', password: ADMIN }), 'OK');
    const drifted = plan(await state(seed, { noProbe: true }), seed);
    assert.ok(drifted.notes.includes(`${address(server)}: ACL SAVE also writes the running users that differ from users.acl today (user 'extra' exists at run time but not in the file: ACL SAVE never ran; config.runtime-drift): review them first`), drifted.notes.join('\n'));
    await server.stop();
  });
});
