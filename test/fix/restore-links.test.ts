import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { restoreFile, statOf } from '../../src/fix/rollback.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { address, apply, plan, secretsFor, state, target, workDir } from './helpers.ts';

// QA38-19: after CONFIG REWRITE / ACL SAVE, fix "puts back" the mode and owner of the node's config and ACL files by
// path (chownSync/chmodSync follow links). The server's user owns the directory they are in (the ownership model asks
// for it): a symbolic link it renames over redis.conf made root fix give it any file (measured: /tmp/…/victim root:root
// 0600 became nobody:nogroup 0644). The restore now opens the file without following a link and changes it through
// that descriptor, and only ever to root or the owner it has, never adding rights beyond its owner's.
after(stopAll);

const root = process.getuid?.() === 0;

describe('the restore of a file fix rewrote never follows a link', { skip: root ? false : 'needs root (the server runs as nobody)' }, () => {
  it('a link planted over redis.conf between the rewrite and the restore: the file it names keeps its owner and mode', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'redfort-victim-'));
    const victim = join(outside, 'victim');
    writeFileSync(victim, 'root only\n');
    chmodSync(victim, 0o600);
    try {
      const server = await startRedis({
        user: 'nobody',
        conf: 'aclfile users.acl\nloglevel warning',
        files: { 'users.acl': 'user default on nopass ~* &* +@all\nuser dev on >Dev-Pass-Long-Enough-2233445566 ~* &* +@all\n' },
        killOnStop: true,
      });
      const seed = target(server.url);
      const s0 = await state(seed, { noProbe: true });
      const p = plan(s0, seed);
      const node = address(server);
      const persist = p.steps.filter((st) => st.node === node && st.touches.some((t) => t.kind === 'file')).map((st) => st.command.join(' '));
      assert.deepEqual(persist, ['CONFIG REWRITE', 'ACL SAVE'], JSON.stringify(p.steps.map((st) => st.command.join(' '))));
      const conf = server.confPath;
      const dir = workDir();
      // What the server's user can do in its own directory, once CONFIG REWRITE has replaced redis.conf.
      const plant = () => {
        const link = join(server.dir, 'planted');
        symlinkSync(victim, link);
        renameSync(link, conf);
      };
      const outcome = await apply(p, s0, ['safe', 'disruptive'], {
        secrets: secretsFor(p),
        rollbackFile: join(dir, 'rollback.json'),
        beforeStep: (step) => (step.node === node && step.command[0] === 'ACL' && step.command[1] === 'SAVE' ? plant() : undefined),
      });
      const v = statSync(victim);
      assert.deepEqual({ uid: v.uid, gid: v.gid, mode: v.mode & 0o7777 }, { uid: 0, gid: 0, mode: 0o600 }, JSON.stringify(outcome));
      assert.equal(outcome.ok, false);
      assert.match(outcome.error ?? '', new RegExp(`cannot restore the file's mode and owner: ${conf}: a symbolic link now, not the file the server wrote`));
      await server.stop();
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a recorded owner that is neither root nor the owner now, or a mode that adds rights, is not set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'redfort-restore-'));
    try {
      const file = join(dir, 'redis.conf');
      writeFileSync(file, 'port 0\n');
      chmodSync(file, 0o600);
      const recorded = { ...statOf('config', file)!, uid: 65534, gid: 65534, mode: 0o644 };
      const out: { changed?: string | undefined; error?: string | undefined; refused?: string } = restoreFile(recorded);
      assert.equal(out.changed, undefined);
      assert.equal(out.error, undefined, 'not an error of the step: the apply goes on');
      assert.match(out.refused ?? '', /the recorded owner 65534:65534 is neither root nor the file's owner now \(0:0\): not restored/);
      const s = lstatSync(file);
      assert.deepEqual({ uid: s.uid, gid: s.gid, mode: s.mode & 0o7777 }, { uid: 0, gid: 0, mode: 0o600 });
      // A mode with fewer rights, to root: set.
      chmodSync(file, 0o644);
      const back = restoreFile({ ...recorded, uid: 0, gid: 0, mode: 0o640 });
      assert.equal(back.changed, `${file}: mode 0644 → 0640`);
      assert.equal(lstatSync(file).mode & 0o7777, 0o640);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
