import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readSecretsFile } from '../../src/profile/index.ts';
import type { FixPlan } from '../../src/fix/types.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, runCli } from '../report/cli-run.ts';
import { snapshot, USERS, workDir } from './helpers.ts';

// QA40-24: after a full rollback the same plan "applied" as a no-op (`Applied 0 steps.`, exit 0), and a fresh plan of
// the same state was refused as "edited after that apply"; the steps digest also hashed the steps' reasons, which name
// lines of a config file the rewrite moved, so a plan saved again counted as edited.
after(stopAll);
before(build);

const P = 'shared-by-all-clients-24aa';

async function users(server: RunningServer, auth: { user?: string; password?: string }): Promise<string[]> {
  return ((await rawCommand(server.host, server.port, ['ACL', 'USERS'], { ...auth, timeoutMs: 5000 })) as string[]).sort();
}

describe('fix after a full rollback of a master and its replica (QA40-24)', () => {
  it('applies the same plan again, a fresh plan of the same state too, and a resumed plan whose reasons only were saved again', async () => {
    const master = await startRedis({ conf: `requirepass ${P}\nmasterauth ${P}`, password: P });
    const replica = await startReplica(master, { masterauth: P, conf: `requirepass ${P}`, password: P });
    const before = [await snapshot(master, { password: P }), await snapshot(replica, { password: P })];
    const dir = workDir();
    const env = { REDISCLI_AUTH: P };
    const fix = (...args: string[]) => runCli(['fix', master.url, '--replication', ...args, '--no-probe'], { cwd: dir, env });
    const rollBack = async () => {
      const back = await runCli(['fix', '--rollback', 'redfort-rollback.json'], { cwd: dir, env });
      assert.equal(back.code, 0, back.stdout + back.stderr);
      assert.deepEqual([await users(master, { password: P }), await users(replica, { password: P })], [['default'], ['default']]);
    };
    const admin = async () => {
      const secrets = new Map((await readSecretsFile(join(dir, 'redfort-secrets.env'))).map((s) => [s.user, s.password]));
      return { user: USERS.admin, password: secrets.get(USERS.admin)! };
    };
    /** Applies a plan file with every step: exit 0, the users there on both nodes. */
    const applied = async (file: string) => {
      const r = await fix('--apply', file, '--include-disruptive', '--yes');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /Applied 0 steps/);
      const auth = await admin();
      for (const s of [master, replica]) assert.ok((await users(s, auth)).includes(USERS.app), r.stdout);
    };
    const digestOf = (file: string) => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as FixPlan).digest;

    assert.equal((await fix('--plan', '--out', 'plan.json')).code, 0);
    await applied('plan.json');
    await rollBack();
    // (a) The same plan again: every step runs.
    await applied('plan.json');
    await rollBack();
    // (b) A fresh plan of the same state: the same digest, applied, not refused as edited.
    assert.equal((await fix('--plan', '--out', 'plan2.json')).code, 0);
    assert.equal(digestOf('plan2.json'), digestOf('plan.json'));
    await applied('plan2.json');
    await rollBack();

    // (c) A plan applied in two goes (safe, then the rest) whose file was saved again between them with other words
    // in its reasons (a rewritten file's line numbers): the same steps, not "edited"; another command still is.
    assert.equal((await fix('--plan', '--out', 'plan3.json')).code, 0);
    const safe = await fix('--apply', 'plan3.json');
    assert.equal(safe.code, 0, safe.stdout + safe.stderr);
    const saved = JSON.parse(readFileSync(join(dir, 'plan3.json'), 'utf8')) as FixPlan;
    const reworded = { ...saved, steps: saved.steps.map((s) => ({ ...s, reason: `${s.reason.replace(/:\d+\b/g, ':99')} (saved again)` })) };
    writeFileSync(join(dir, 'plan3-reworded.json'), JSON.stringify(reworded, null, 2));
    const off = saved.steps.find((s) => s.command.join(' ') === 'ACL SETUSER default off resetpass')!;
    assert.ok(off);
    const edited = { ...saved, steps: saved.steps.map((s) => (s.id === off.id ? { ...s, command: ['ACL', 'SETUSER', 'default', 'on', 'resetpass'] } : s)) };
    writeFileSync(join(dir, 'plan3-edited.json'), JSON.stringify(edited, null, 2));
    const refused = await fix('--apply', 'plan3-edited.json', '--include-disruptive', '--yes');
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /plan3-edited\.json: its steps are not those the earlier apply of this plan recorded in redfort-rollback\.json \(edited after that apply\)/);
    const rest = await fix('--apply', 'plan3-reworded.json', '--include-disruptive', '--yes');
    assert.equal(rest.code, 0, rest.stdout + rest.stderr);
    assert.doesNotMatch(rest.stdout, /Applied 0 steps/);
    // Every step ran: the shared password no longer logs in.
    await assert.rejects(rawCommand(master.host, master.port, ['PING'], { password: P, timeoutMs: 5000 }));
    await rollBack();
    assert.deepEqual([await snapshot(master, { password: P }), await snapshot(replica, { password: P })].map((s) => s.acl), before.map((s) => s.acl));
    await replica.stop();
    await master.stop();
  });
});
