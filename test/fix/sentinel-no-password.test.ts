import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { login } from '../../src/fix/session.ts';
import { startRedis, startReplica, startSentinels, stopAll } from '../harness/servers.ts';
import { apply, plan, secretsFor, state, target, workDir } from './helpers.ts';

// The usual Sentinel layout: the data nodes have a password, the sentinels none. With REDISCLI_AUTH holding the data
// nodes' password, `fix --sentinel --plan` worked (the audit takes a sentinel's "AUTH called without any password
// configured" as "no password needed") and `--apply` stopped at the first sentinel: "cannot log in to …: the target's
// credentials were refused: ERR" (QA37-2).
after(stopAll);

const PASSWORD = 'Sg-Passw0rd-Long-Enough-123';

describe('fix on a Sentinel group whose sentinels have no password, given the data nodes\' password', () => {
  it('logs in to the sentinels without one and applies the plan', async () => {
    const master = await startRedis({ conf: `requirepass ${PASSWORD}\nmasterauth ${PASSWORD}\nloglevel warning`, password: PASSWORD });
    await startReplica(master, { masterauth: PASSWORD, conf: `requirepass ${PASSWORD}`, password: PASSWORD });
    const [sentinel] = await startSentinels(1, master, { authPass: PASSWORD, quorum: 1 });
    // As REDISCLI_AUTH gives it: the one password, for every node the seed leads to.
    const seed = target(sentinel!.url, { pass: PASSWORD });
    const s0 = await state(seed, { kind: 'sentinel', noProbe: true });
    const p = plan(s0, seed);
    assert.ok(p.steps.some((st) => s0.nodes.find((n) => n.address === st.node)?.role === 'sentinel'), 'the plan has a step on the sentinel');
    const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile: join(workDir(), 'rollback.json'), noProbe: true });
    assert.ok(outcome.ok, outcome.error);
  });

  it('a refused password still says why, with the server\'s words and never the password', async () => {
    const server = await startRedis({ conf: `requirepass ${PASSWORD}`, password: PASSWORD });
    await assert.rejects(login(target(server.url), { user: 'nobody', password: 'not-the-password-1', label: "the target's credentials" }), (error: Error) => {
      assert.match(error.message, /^the target's credentials were refused: WRONGPASS invalid username-password pair/);
      assert.doesNotMatch(error.message, /not-the-password-1/);
      return true;
    });
  });
});
