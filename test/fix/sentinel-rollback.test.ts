import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rollback } from '../../src/fix/apply.ts';
import { readRollback } from '../../src/fix/rollback.ts';
import { rawCommand } from '../harness/raw.ts';
import { stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { address, apply, plan, secretsFor, snapshot, startWatchedGroup, state, target, workDir } from './helpers.ts';

// A rollback restored the sentinels' auth-pass before the nodes' default user was back: each sentinel reconnected
// with the old password to nodes that still refused it, and a Sentinel authenticates a link only when it connects.
// Once the nodes took the old password again, the links stayed unauthenticated (every PING answered -NOAUTH, which
// keeps the link open), and the sentinels held the master and replica subjectively down for good.
after(stopAll);

const PASSWORD = 'Sg-old-pass-999';
const DOWN_AFTER_MS = 2000;

async function flagsSeenBy(sentinel: RunningServer): Promise<string[]> {
  const master = (await rawCommand(sentinel.host, sentinel.port, ['SENTINEL', 'MASTER', 'mymaster'])) as string[];
  const replicas = (await rawCommand(sentinel.host, sentinel.port, ['SENTINEL', 'REPLICAS', 'mymaster'])) as string[][];
  return [master[master.indexOf('flags') + 1]!, ...replicas.map((r) => r[r.indexOf('flags') + 1]!)];
}

describe('fix --rollback on a password-protected master, replica and 3 sentinels', () => {
  it('gives the nodes their password back before the sentinels use it again: no node stays down', async () => {
    const { master, replica, sentinels } = await startWatchedGroup(PASSWORD, `sentinel down-after-milliseconds mymaster ${DOWN_AFTER_MS}`);
    const auth = { password: PASSWORD };
    const befores = await Promise.all([master, replica].map((s) => snapshot(s, auth)));

    const seed = target(sentinels[0]!.url);
    const overrides = new Map([['master', target(master.url, { pass: PASSWORD })], ['replica', target(master.url, { pass: PASSWORD })]]);
    // The peers named, as --trust-sentinel does: only then do they get the password (QA44-56).
    const s0 = await state(seed, { kind: 'sentinel', noProbe: true, nodeOverrides: overrides, trustSentinels: new Set(sentinels.map(address)) });
    const p = plan(s0, seed);
    assert.ok(p.steps.some((st) => st.command.join(' ') === 'ACL SETUSER default off resetpass'), 'the plan turns the default user off');
    const rollbackFile = join(workDir(), 'rollback.json');
    const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile, noProbe: true });
    assert.ok(outcome.ok, outcome.error);

    const back = await rollback(await readRollback(rollbackFile), new Map(s0.nodes.map((n) => [n.address, n.target])));
    assert.deepEqual(back.notRestored, []);
    assert.deepEqual(await Promise.all([master, replica].map((s) => snapshot(s, auth))), befores);

    // Long enough for a sentinel to call a node down (down-after) and more: every node must still be seen up.
    await new Promise((r) => setTimeout(r, DOWN_AFTER_MS * 3));
    for (const s of sentinels) {
      const flags = await flagsSeenBy(s);
      assert.deepEqual(flags, ['master', 'slave'], `sentinel ${s.port} sees ${flags.join(', ')}`);
    }
  });
});
