// QA42-53: harden of a live server whose requirepass comes from its command line (docker/Bitnami style
// `redis-server redis.conf --requirepass X`) claimed auth.requirepass-used fixed and named the other command-line
// options to remove, but not --requirepass: deployed with the same command line, the rule failed again. Now the drift
// note names it (by name only, never its value), says to drop it from the service's command line, and the rule is not
// counted as fixed. Real redis-server (Debian's 7.0.15).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startRedis, stopAll } from '../harness/servers.ts';
import { redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-command-line-secret-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});
const PASSWORD = 'OldSecretPassw0rd-shared';

describe('harden of a live server with requirepass on its command line (QA42-53)', () => {
  it('names --requirepass among the options to remove, and does not count auth.requirepass-used as fixed', async () => {
    const server = await startRedis({ args: ['--requirepass', PASSWORD, '--appendonly', 'yes'], password: PASSWORD });
    const out = join(work, 'out');
    const run = await redfort(['harden', `redis://:${PASSWORD}@127.0.0.1:${server.port}`, '--config', server.confPath, '--out', out]);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.match(plan, /requirepass \(set on the command line, not in the file\)/, plan);
    assert.match(plan, /remove such options from the service's command line/);
    assert.doesNotMatch(plan + run.stdout, new RegExp(PASSWORD));
    assert.doesNotMatch(plan, /^\| auth\.requirepass-used \|.*\| yes \|$/m, plan);
    assert.match(plan.slice(plan.indexOf('## What redfort could not do')), /Remove `--requirepass` from the service's command line/);
  });
});
