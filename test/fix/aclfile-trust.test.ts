import assert from 'node:assert/strict';
import { lchownSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rollback } from '../../src/fix/apply.ts';
import { readRollback } from '../../src/fix/rollback.ts';
import { commandText } from '../../src/fix/text.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { apply, plan, secretsFor, state, target, workDir } from './helpers.ts';

// LEFT-1 (QA41-51's class): fix took a node's ACL file from CONFIG GET aclfile, the server's word, and, run as root,
// read its text into the rollback record before an ACL SAVE (and recorded the file as a mode/owner restore target,
// and wrote the text back on rollback). An unprivileged server (here a real redis-server run as nobody) whose
// aclfile is in its own directory can put a link there to any file of root's: fix read it with root's rights. The
// ACL file is now read and recorded only when the process listening on the port (a Redis or Valkey server) can
// read it itself; else the record says that it was not.
after(stopAll);

const ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
const SECRET = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIROOTPRIVATE-LEFT1-marker root@prod';

describe('fix reads no ACL file on the word of CONFIG GET aclfile alone (LEFT-1)', { skip: !ROOT && 'runs a server as nobody' }, () => {
  for (const noHost of [true, false]) {
    it(`an unprivileged server's aclfile leading to root's private file: not read, not recorded, not written (${noHost ? 'without' : 'with'} host facts)`, async () => {
      const server = await startRedis({ user: 'nobody', conf: 'aclfile users.acl', files: { 'users.acl': 'user default on nopass ~* &* +@all\n' } });
      const dir = workDir();
      const vault = join(dir, 'vault');
      mkdirSync(vault, { mode: 0o700 });
      const secretFile = join(vault, 'authorized_keys');
      writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
      // What the server's user can do in its own directory: its ACL file becomes a link to root's file.
      const acl = join(server.dir, 'users.acl');
      rmSync(acl);
      symlinkSync(secretFile, acl);
      lchownSync(acl, NOBODY, NOBODY);
      const seed = target(server.url);
      const s0 = await state(seed, { noProbe: true, noHost });
      const p = plan(s0, seed);
      assert.ok(p.steps.some((st) => commandText(st) === 'ACL SAVE'), p.steps.map(commandText).join('; '));
      const rollbackFile = join(dir, 'rollback.json');
      const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile, noProbe: true });
      assert.ok(outcome.ok, outcome.error);
      const text = readFileSync(rollbackFile, 'utf8');
      assert.ok(!text.includes('ROOTPRIVATE-LEFT1'), 'the rollback record holds no byte of the file');
      const record = await readRollback(rollbackFile);
      const node = record.nodes[0]!;
      assert.deepEqual(node.files.filter((f) => f.role === 'acl'), [], 'nor the file as a restore target');
      assert.ok(
        (node.notes ?? []).some((n) => n.startsWith(`the ACL file ${acl} (aclfile) was not read nor recorded: it is not readable by process `) && n.includes('(uid 65534)')),
        JSON.stringify(node.notes),
      );
      const back = await rollback(record, new Map(s0.nodes.map((n) => [n.address, n.target])));
      assert.ok(back.notes.some((n) => n.includes('(aclfile) was not read nor recorded')), back.notes.join('\n'));
      assert.equal(readFileSync(secretFile, 'utf8'), `${SECRET}\n`, "root's file is as it was");
      assert.equal(lstatSync(secretFile).mode & 0o7777, 0o600);
      await server.stop();
    });
  }

  it("a server's own ACL file, which its user can read, is still kept before ACL SAVE", async () => {
    const server = await startRedis({ user: 'nobody', conf: 'aclfile users.acl', files: { 'users.acl': 'user default on nopass ~* &* +@all\n' } });
    const seed = target(server.url);
    const s0 = await state(seed, { noProbe: true });
    const p = plan(s0, seed);
    const rollbackFile = join(workDir(), 'rollback.json');
    const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile, noProbe: true });
    assert.ok(outcome.ok, outcome.error);
    const node = (await readRollback(rollbackFile)).nodes[0]!;
    const acl = node.files.find((f) => f.role === 'acl');
    assert.equal(acl?.path, join(server.dir, 'users.acl'));
    assert.equal(acl?.content, 'user default on nopass ~* &* +@all\n');
    await server.stop();
  });
});
