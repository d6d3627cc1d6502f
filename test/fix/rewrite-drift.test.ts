import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rollback } from '../../src/fix/apply.ts';
import { readRollback } from '../../src/fix/rollback.ts';
import { formatPlanText } from '../../src/fix/text.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { address, apply, plan, secretsFor, state, target, workDir } from './helpers.ts';

after(stopAll);

// QA40-11: an operator's temporary CONFIG SET (never rewritten) was written into redis.conf by the plan's CONFIG
// REWRITE: not named in the plan, kept by a rollback without a word.
describe('fix: CONFIG REWRITE names the run-time values of others it also writes', () => {
  const password = 'rw-0123456789abcdef0123456789';
  let master: RunningServer;
  let replica: RunningServer;
  before(async () => {
    master = await startRedis({ conf: `requirepass ${password}\nmasterauth ${password}`, password });
    replica = await startReplica(master, { conf: `requirepass ${password}`, masterauth: password, password });
    for (const s of [master, replica]) {
      chmodSync(s.confPath, 0o600);
      await rawCommand(s.host, s.port, ['CONFIG', 'SET', 'maxmemory', '100mb'], { password });
    }
    await rawCommand(master.host, master.port, ['CONFIG', 'SET', 'appendonly', 'yes'], { password });
  });

  it('lists them on the step and in the notes; the rollback says they stay', async () => {
    const seed = target(master.url, { pass: password });
    const s0 = await state(seed, { kind: 'replication', noProbe: true });
    const p = plan(s0, seed);
    const rewrite = p.steps.find((st) => st.node === address(master) && st.command.join(' ') === 'CONFIG REWRITE');
    assert.ok(rewrite, JSON.stringify(p.steps.map((st) => st.command)));
    assert.match(rewrite.reason, /maxmemory '104857600'/);
    assert.match(rewrite.reason, /appendonly 'yes'/);
    assert.ok(rewrite.alsoWrites?.some((a) => a.startsWith('appendonly ')), JSON.stringify(rewrite.alsoWrites));
    // Not the plan's own changes (masteruser, masterauth), nor a secret's value.
    assert.ok(!rewrite.alsoWrites?.some((a) => /^master(user|auth)\b/.test(a)), JSON.stringify(rewrite.alsoWrites));
    assert.ok(!JSON.stringify(p).includes(password));
    const onReplica = p.steps.find((st) => st.node === address(replica) && st.command.join(' ') === 'CONFIG REWRITE');
    assert.ok(onReplica?.alsoWrites?.some((a) => a.startsWith('maxmemory ')) && !onReplica.alsoWrites.some((a) => a.startsWith('appendonly ')), JSON.stringify(onReplica?.alsoWrites));
    const text = formatPlanText(p);
    assert.match(text, new RegExp(`${address(master)}: CONFIG REWRITE also writes 2 running values that are not in .*\\(appendonly, maxmemory; config.runtime-drift\\)`));

    const dir = workDir();
    const rollbackFile = join(dir, 'rollback.json');
    const outcome = await apply(p, s0, ['safe'], { secrets: secretsFor(p), rollbackFile, noProbe: true });
    assert.ok(outcome.ok, outcome.error);
    assert.match(readFileSync(master.confPath, 'utf8'), /^maxmemory 100mb$/m);
    const record = await readRollback(rollbackFile);
    const result = await rollback(record, new Map([[address(master), seed], [address(replica), target(replica.url, { pass: password })]]));
    assert.deepEqual(result.notRestored, []);
    const note = result.notes.find((n) => n.startsWith(`${address(master)}: `) && n.includes('also wrote'));
    assert.ok(note, JSON.stringify(result.notes));
    assert.match(note, /appendonly 'yes' \(the file: 'no' at \S+redis.conf:\d+\), maxmemory '104857600' \(the file: no line, so the compiled default '0'\)/);
    assert.match(note, /a rollback leaves them in the file/);
  });
});
