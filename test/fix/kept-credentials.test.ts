import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRedis, startReplica, startSentinels, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { plan, state, target, USERS } from './helpers.ts';

after(stopAll);

// QA40-7: a working masteruser (`repl`) and Sentinel auth-user (`sentuser`), named users other than default on every
// node, were replaced by fix's `replication` and `sentinel`, leaving the old ones enabled with their passwords.
const PASSWORD = 'Kept-group-pass-0123456789abcdef';
const REPL = 'Kept-repl-pass-0123456789abcdef';
const SENT = 'Kept-sent-pass-0123456789abcdef';
const USERS_CONF = [`requirepass ${PASSWORD}`, `user repl on >${REPL} +psync +replconf +ping`, `user sentuser on >${SENT} allchannels +@all`].join('\n');
describe('fix --sentinel keeps a working non-default masteruser and Sentinel auth-user', () => {
  let master: RunningServer;
  let replica: RunningServer;
  let sentinel: RunningServer;
  before(async () => {
    master = await startRedis({ conf: `${USERS_CONF}\nmasteruser repl\nmasterauth ${REPL}`, password: PASSWORD });
    replica = await startReplica(master, { masteruser: 'repl', masterauth: REPL, conf: USERS_CONF, password: PASSWORD });
    sentinel = (await startSentinels(1, master, { authUser: 'sentuser', authPass: SENT, quorum: 1 }))[0]!;
  });

  it('plans no new replication or sentinel user, and still turns the default user off', async () => {
    const seed = target(sentinel.url);
    const s0 = await state(seed, { kind: 'sentinel', noProbe: true, nodeOverrides: new Map([['master', target(master.url, { pass: PASSWORD })], ['replica', target(replica.url, { pass: PASSWORD })]]) });
    const p = plan(s0, seed);
    const commands = p.steps.map((st) => st.command.map((a) => (typeof a === 'string' ? a : '<secret>')).join(' '));
    assert.ok(!commands.some((c) => c.startsWith(`ACL SETUSER ${USERS.replication} `) || c.startsWith(`ACL SETUSER ${USERS.sentinel} `)), commands.join('\n'));
    assert.ok(!commands.some((c) => c.startsWith('CONFIG SET masteruser') || c.startsWith('SENTINEL SET')), commands.join('\n'));
    assert.equal(commands.filter((c) => c === 'ACL SETUSER default off resetpass').length, 2, commands.join('\n'));
    assert.ok(!p.secrets.includes(USERS.replication) && !p.secrets.includes(USERS.sentinel), JSON.stringify(p.secrets));
  });
});
