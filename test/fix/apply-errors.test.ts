import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConnectionError } from '../../src/gather/live/resp.ts';
import { formatApplyText } from '../../src/fix/text.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { address, apply, plan, secretsFor, state, target, USERS, workDir } from './helpers.ts';

after(stopAll);

// QA40-3: "the connection was lost (the connection was lost)"; QA40-15: "Apply failed: the connection was lost",
// naming no node and no step, when the connection went while no step was sending (a failover's CLIENT KILL).
describe('fix apply: a lost connection is said once, with its node and step', () => {
  let master: RunningServer;
  let replica: RunningServer;
  before(async () => {
    master = await startRedis();
    replica = await startReplica(master);
  });

  it('says "the connection was lost" once when the session found it closed (QA40-3)', async () => {
    const seed = target(master.url);
    const s0 = await state(seed, { kind: 'replication', noProbe: true });
    const p = plan(s0, seed);
    // The master's second step: its first made the administrator the hook logs in as.
    const victim = p.steps.filter((st) => st.node === address(master))[1]!;
    assert.equal(p.steps.filter((st) => st.node === address(master))[0]!.command[2], USERS.admin);
    const secrets = secretsFor(p);
    const outcome = await apply(p, s0, ['safe'], {
      secrets,
      rollbackFile: join(workDir(), 'lost.json'),
      noProbe: true,
      async beforeStep(step) {
        if (step.id !== victim.id) return;
        const auth = { user: USERS.admin, password: secrets.get(USERS.admin)! };
        const clients = String(await rawCommand(master.host, master.port, ['CLIENT', 'LIST'], auth));
        const id = /id=(\d+) .*name=redfort-fix/.exec(clients)?.[1];
        assert.ok(id, 'the fix connection is named');
        await rawCommand(master.host, master.port, ['CLIENT', 'KILL', 'ID', id], auth);
        // Until the session has seen the close: its own words, "the connection was lost".
        await new Promise((r) => setTimeout(r, 300));
      },
    });
    assert.equal(outcome.ok, false);
    assert.match(outcome.error!, new RegExp(`^step ${victim.id} \\(${address(master)}, .*\\): the connection was lost: whether the step ran is unknown$`));
    assert.doesNotMatch(outcome.error!, /lost \(the connection was lost\)/);
    assert.ok(outcome.rolledBack);
  });

  it('names the step and node of a connection lost outside a step, and a failover seen (QA40-15)', async () => {
    const seed = target(master.url);
    const s0 = await state(seed, { kind: 'replication', noProbe: true });
    const p = plan(s0, seed);
    const victim = p.steps.find((st) => st.node === address(replica) && st.command[0] === 'CONFIG' && st.command[2] === 'masteruser')!;
    assert.ok(victim, JSON.stringify(p.steps.map((st) => st.command)));
    const outcome = await apply(p, s0, ['safe'], {
      secrets: secretsFor(p),
      rollbackFile: join(workDir(), 'failover.json'),
      noProbe: true,
      async beforeStep(step) {
        if (step.id !== victim.id) return;
        // As a failover does: the replica is promoted, and its clients' connections are closed.
        await rawCommand(replica.host, replica.port, ['REPLICAOF', 'NO', 'ONE']);
        throw new ConnectionError('closed', 'the connection was lost');
      },
    });
    assert.equal(outcome.ok, false);
    assert.match(outcome.error!, new RegExp(`^during step ${victim.id} \\(${address(replica)}, CONFIG SET masteruser .*\\): the connection was lost; the roles changed since the plan \\(${address(replica)} replica → master\\)`));
    assert.match(formatApplyText(outcome), /^Apply failed: during step \d+ \(/);
  });
});
