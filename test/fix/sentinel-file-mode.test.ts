import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { formatPlanText } from '../../src/fix/text.ts';
import { stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { address, plan, startSentinelGroup, state, target } from './helpers.ts';

after(stopAll);

// QA40-6: the "safe" SENTINEL SET step writes the new `sentinel` password into sentinel.conf, which was 0644
// (world-readable); the plan said only "auth-pass is stored in clear text in sentinel.conf".
const PASSWORD = 'Sentinel-mode-pass-0123456789abcdef';
describe('fix --sentinel: the SENTINEL SET step says who may read the file the password goes into', () => {
  let master: RunningServer;
  let replica: RunningServer;
  let sentinel: RunningServer;
  before(async () => {
    ({ master, replica, sentinel } = await startSentinelGroup(PASSWORD, { quorum: 1 }));
  });

  const planned = async () => {
    const seed = target(sentinel.url);
    const s0 = await state(seed, { kind: 'sentinel', noProbe: true, noHost: false, nodeOverrides: new Map([['master', target(master.url, { pass: PASSWORD })], ['replica', target(replica.url, { pass: PASSWORD })]]) });
    const p = plan(s0, seed);
    const step = p.steps.find((st) => st.node === address(sentinel) && st.command[0] === 'SENTINEL');
    assert.ok(step, JSON.stringify(p.steps.map((st) => st.command[0])));
    return { p, step };
  };

  it('a sentinel.conf others may read: said on the step and in the notes, mode kept', async () => {
    chmodSync(sentinel.confPath, 0o644);
    const { p, step } = await planned();
    assert.match(step.reason, new RegExp(`${sentinel.confPath} is mode 0644: others may read it, and so the new password: run chmod 640`));
    assert.ok(p.notes.some((n) => n.startsWith(`${address(sentinel)}: SENTINEL SET writes the 'sentinel' user's new password in clear text into ${sentinel.confPath}, which others may read (mode 0644)`)), JSON.stringify(p.notes));
    assert.match(formatPlanText(p), /which others may read \(mode 0644\)/);
  });

  it('a private one: said as it is', async () => {
    chmodSync(sentinel.confPath, 0o640);
    const { p, step } = await planned();
    assert.match(step.reason, new RegExp(`${sentinel.confPath} is mode 0640, which others may not read`));
    assert.ok(!p.notes.some((n) => n.includes('which others may read')), JSON.stringify(p.notes));
  });
});
