import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { address, apply, plan, secretsFor, state, target, workDir } from './helpers.ts';

after(stopAll);

// requirepass in an included file (a real 7.0.15): the plan ran `CONFIG SET requirepass ""` then CONFIG REWRITE, which
// rewrites the main file only; the include kept requirepass, so config.runtime-drift went pass -> fail after the apply
// and the whole apply was rolled back. requirepass is now left to the user, with why, and the rest is applied.
describe('fix on a server whose requirepass is in an included file', () => {
  let server: RunningServer;
  const password = 'rp-include-0123456789abcdef0123';
  before(async () => {
    server = await startRedis({ conf: 'include secret.conf', files: { 'secret.conf': `requirepass ${password}\n` }, password });
  });

  it('leaves requirepass to the user and applies the rest without a rollback', async () => {
    const seed = target(server.url, { pass: password });
    const s0 = await state(seed, { noProbe: true, noHost: false });
    const p = plan(s0, seed);
    const include = join(server.dir, 'secret.conf');
    assert.ok(!p.steps.some((st) => st.command[0] === 'CONFIG' && st.command[2] === 'requirepass'), p.steps.map((st) => st.command.join(' ')).join('\n'));
    const manual = p.manual.find((m) => m.node === address(server) && m.rule === 'auth.requirepass-used');
    assert.match(manual?.message ?? '', new RegExp(`^requirepass is set in ${include}:1, an included file, which CONFIG REWRITE does not rewrite`));
    const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile: join(workDir(), 'rollback.json'), noProbe: true, noHost: false });
    assert.ok(outcome.ok, outcome.error);
    assert.ok(!outcome.changes.some((c) => c.before === 'pass' && c.after === 'fail'), JSON.stringify(outcome.changes));
    assert.ok(outcome.changes.some((c) => c.rule === 'auth.default-user-enabled' && c.after === 'pass'));
    assert.equal(readFileSync(include, 'utf8'), `requirepass ${password}\n`);
    await assert.rejects(rawCommand(server.host, server.port, ['PING'], { password }), /WRONGPASS|disabled/);
  });
});
