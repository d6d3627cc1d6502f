import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rollback } from '../../src/fix/apply.ts';
import { readRollback } from '../../src/fix/rollback.ts';
import { rawCommand } from '../harness/raw.ts';
import { stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { USERS, address, apply, plan, secretsFor, startWatchedGroup, state, target, workDir, untilRefused } from './helpers.ts';

// QA40-2, the Sentinel side: a rollback that cannot reach a sentinel (down) must keep the user it logs in to the
// nodes as (its auth-user, fix's `sentinel`, in its rewritten sentinel.conf) on the master and replica, as it keeps
// the `replication` user a replica down logs in as: deleted, the sentinel came back unable to authenticate to them.
after(stopAll);

const P = 'shared-by-all-clients-s2s2';

async function users(server: RunningServer): Promise<string[]> {
  return ((await rawCommand(server.host, server.port, ['ACL', 'USERS'], { password: P, timeoutMs: 5000 })) as string[]).sort();
}

/** The users the master's sentinel connections are logged in as (CLIENT LIST `user=` of clients named sentinel-…). */
async function sentinelLogins(master: RunningServer): Promise<string[]> {
  const list = String(await rawCommand(master.host, master.port, ['CLIENT', 'LIST'], { password: P, timeoutMs: 5000 }));
  return list.split('\n').filter((l) => /\bname=sentinel-/.test(l)).map((l) => /\buser=(\S+)/.exec(l)?.[1] ?? '?');
}

describe('fix --rollback with a sentinel down (QA40-2, Sentinel auth-user)', () => {
  let restarted: ChildProcess | undefined;
  after(() => restarted?.kill('SIGKILL'));

  it("keeps the 'sentinel' user on the master and replica, says so, and the sentinel logs in as it when back; run again, it goes", async () => {
    const { master, replica, sentinels } = await startWatchedGroup(P, 'sentinel down-after-milliseconds mymaster 2000');
    const seed = target(sentinels[0]!.url);
    const overrides = new Map([['master', target(master.url, { pass: P })], ['replica', target(master.url, { pass: P })]]);
    const s0 = await state(seed, { kind: 'sentinel', noProbe: true, nodeOverrides: overrides, trustSentinels: new Set(sentinels.map(address)) });
    const p = plan(s0, seed);
    const down = sentinels[2]!;
    assert.ok(p.steps.some((st) => st.class === 'safe' && st.node === address(down) && st.command[0] === 'SENTINEL' && st.command.includes(USERS.sentinel)), p.steps.map((st) => `${st.node} ${st.command.join(' ')}`).join('; '));
    const rollbackFile = join(workDir(), 'rollback.json');
    const done = await apply(p, s0, ['safe'], { secrets: secretsFor(p), rollbackFile, noProbe: true });
    assert.ok(done.ok, done.error);
    assert.match(readFileSync(down.confPath, 'utf8'), new RegExp(`auth-user mymaster ${USERS.sentinel}`), 'SENTINEL SET wrote auth-user');

    process.kill(down.pid, 'SIGKILL');
    await untilRefused(down);
    const record = await readRollback(rollbackFile);
    const targets = new Map(s0.nodes.map((n) => [n.address, n.target]));
    const back = await rollback(record, targets, { connectTimeoutMs: 1000 });
    const text = back.notRestored.join('\n');
    for (const node of [master, replica]) {
      assert.match(text, new RegExp(`^${address(node)}: kept user '${USERS.sentinel}': ${address(down)} was not set back`, 'm'));
      assert.ok((await users(node)).includes(USERS.sentinel), `${address(node)} keeps '${USERS.sentinel}'`);
      assert.ok(!(await users(node)).includes(USERS.app), 'the rest is rolled back');
    }
    assert.match(text, new RegExp(`^${address(down)}: when it comes back it still logs in to the others as '${USERS.sentinel}'`, 'm'));
    // The sentinels that were up have their old auth-user (none) back.
    for (const s of sentinels.slice(0, 2)) assert.doesNotMatch(readFileSync(s.confPath, 'utf8'), /auth-user mymaster/);

    // Back on its rewritten sentinel.conf, it logs in to the master as 'sentinel' (a deleted user refused it).
    restarted = spawn('redis-sentinel', [down.confPath], { cwd: down.dir, stdio: 'ignore' });
    let logins: string[] = [];
    for (let i = 0; i < 80 && !logins.includes(USERS.sentinel); i++) {
      await new Promise((r) => setTimeout(r, 250));
      logins = await sentinelLogins(master);
    }
    assert.ok(logins.includes(USERS.sentinel), `sentinel connections log in as ${logins.join(', ')}`);
    // The rollback run again finishes it: the sentinel set back, the user gone.
    const again = await rollback(record, targets);
    assert.deepEqual(again.notRestored, []);
    for (const node of [master, replica]) assert.ok(!(await users(node)).includes(USERS.sentinel));
    assert.doesNotMatch(readFileSync(down.confPath, 'utf8'), /auth-user mymaster/);
    restarted.kill('SIGKILL');
    restarted = undefined;
  });
});
