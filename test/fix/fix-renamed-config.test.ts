import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { formatPlanText } from '../../src/fix/text.ts';
import { address, apply, plan, secretsFor, state, target, workDir } from './helpers.ts';

after(stopAll);

// QA36-6: a server whose CONFIG is renamed (`rename-command CONFIG …`, the checklist's own advice): the plan held
// `CONFIG REWRITE` (and CONFIG SET steps) as safe steps, which the server refuses (`ERR unknown command 'CONFIG'`), so
// every apply failed at them and rolled everything back. Fix sends commands by their own names only: the CONFIG steps
// are the user's now, saying why, and the rest applies.
const renamed = 'CFG-renamed-test-4711';
describe('fix on a server whose CONFIG is renamed', () => {
  let server: RunningServer;
  const conf = [
    // The file fills in what CONFIG GET cannot read: the process's own command line is readable then.
    'set-proc-title no',
    'loglevel warning',
    'user default on nopass ~* &* +@all',
    'user cache on >cache-clear-text-password-0123 ~cache:* +@read +@write',
    `rename-command CONFIG ${renamed}`,
  ].join('\n');
  before(async () => {
    server = await startRedis({ conf });
  });

  it('plans no CONFIG command, says why without the new name, and applies without a rollback', async () => {
    const seed = target(server.url);
    const s0 = await state(seed, { noProbe: true, noHost: false });
    const p = plan(s0, seed);
    const commands = p.steps.map((st) => st.command.map((a) => (typeof a === 'string' ? a : '*')).join(' '));
    assert.ok(!commands.some((c) => c.startsWith('CONFIG ')), commands.join('\n'));
    assert.ok(commands.includes('ACL SETUSER default off resetpass'), commands.join('\n'));
    const line = readFileSync(server.confPath, 'utf8').split('\n').indexOf(`rename-command CONFIG ${renamed}`) + 1;
    assert.ok(line > 0);
    const why = `CONFIG is renamed on this server (rename-command, ${server.confPath}:${line})`;
    const loglevel = p.manual.find((m) => m.node === address(server) && m.rule === 'logging.loglevel-too-quiet');
    assert.ok(loglevel?.message.startsWith(`${why}, and fix sends commands by their own names only, so it does not run \`CONFIG SET loglevel notice\`: set \`loglevel notice\` in ${server.confPath}`), JSON.stringify(p.manual));
    assert.ok(p.notes.some((n) => n.startsWith(`${address(server)}: ${why}`) && n.includes('does not run CONFIG REWRITE')), JSON.stringify(p.notes));
    // The clear-text password of the `user` line stays: no rewrite takes it out.
    assert.ok(p.manual.some((m) => m.node === address(server) && m.rule === 'auth.plaintext-passwords'), JSON.stringify(p.manual));
    const text = formatPlanText(p);
    assert.ok(!text.includes(renamed) && !JSON.stringify(p).includes(renamed), 'the new name of CONFIG is not shown');
    const before = readFileSync(server.confPath, 'utf8');
    const secrets = secretsFor(p);
    const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets, rollbackFile: join(workDir(), 'rollback.json'), noProbe: true, noHost: false });
    assert.ok(outcome.ok, outcome.error);
    assert.ok(!outcome.rolledBack);
    assert.ok(outcome.changes.some((c) => c.rule === 'auth.default-user-enabled' && c.after === 'pass'), JSON.stringify(outcome.changes));
    assert.equal(readFileSync(server.confPath, 'utf8'), before);
    await assert.rejects(rawCommand(server.host, server.port, ['PING']), /NOAUTH|WRONGPASS|disabled/);
  });
});

// A replica whose CONFIG is renamed cannot be given replication credentials (CONFIG SET masteruser/masterauth): the
// default user stays on, or the replica would be locked out of its master.
describe('fix --replication on a replica whose CONFIG is renamed', () => {
  let master: RunningServer;
  let replica: RunningServer;
  before(async () => {
    master = await startRedis({ conf: 'set-proc-title no' });
    replica = await startReplica(master, { conf: `set-proc-title no\nrename-command CONFIG ${renamed}` });
  });

  it('leaves the default user on and says why', async () => {
    const seed = target(master.url);
    const s0 = await state(seed, { kind: 'replication', noProbe: true, noHost: false });
    const p = plan(s0, seed);
    const commands = p.steps.map((st) => `${st.node} ${st.command.map((a) => (typeof a === 'string' ? a : '*')).join(' ')}`);
    assert.ok(!commands.some((c) => c.includes(' ACL SETUSER default ')), commands.join('\n'));
    assert.ok(!commands.some((c) => c.startsWith(`${address(replica)} CONFIG `)), commands.join('\n'));
    for (const node of [address(master), address(replica)]) {
      const item = p.manual.find((m) => m.node === node && m.rule === 'auth.default-user-enabled');
      assert.ok(item?.message.startsWith(`${address(replica)}: CONFIG is renamed on this server`), JSON.stringify(p.manual));
      assert.ok(item!.message.includes('cannot give it the replication credentials'), item!.message);
    }
  });
});
