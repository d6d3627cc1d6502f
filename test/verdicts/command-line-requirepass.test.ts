import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA43-4: `redis-server redis.conf --requirepass <pw>` (Bitnami's and the Docker image's way of passing the password),
// the command line readable (set-proc-title no): the option was read for auth.plaintext-passwords, but left out of the
// settings the server runs with. With CONFIG renamed, ACL LIST then "contradicted" the file (every file-based rule
// skipped, `--protected-mode no` of the same command line included); with CONFIG readable, config.runtime-drift failed
// for requirepass and the default user, which the command line explains. Real 7.0.15.
const FILE_PASS = 'qa43-4-file-password-7d2kq9';
const CMD_PASS = 'qa43-4-command-line-pw-4n8v1';
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id);
const audit = (redis: RunningServer) => auditTarget(resolveTarget(`redis://127.0.0.1:${redis.port}`, { pass: CMD_PASS }, {}), { noProbe: true });

describe('--requirepass on a readable command line is applied over the config file (real 7.0.15)', () => {
  let renamed: RunningServer;
  let readable: RunningServer;
  before(async () => {
    renamed = await startRedis({
      conf: `set-proc-title no\nprotected-mode yes\nrequirepass "${FILE_PASS}"\nrename-command CONFIG "qa-hidden-config"\nrename-command FLUSHALL ""`,
      args: ['--protected-mode', 'no', '--requirepass', CMD_PASS],
      password: CMD_PASS,
      killOnStop: true,
    });
    readable = await startRedis({
      conf: `set-proc-title no\nrequirepass "${FILE_PASS}"`,
      args: ['--requirepass', CMD_PASS, '--maxmemory', '100mb'],
      password: CMD_PASS,
      killOnStop: true,
    });
  });
  after(async () => {
    await renamed?.stop();
    await readable?.stop();
  });

  it('CONFIG renamed: the file with the command line is what runs, and it is judged', async () => {
    const r = await audit(renamed);
    assert.equal(r.error, undefined, r.error);
    const [mode] = of(r, 'network.protected-mode-off');
    // The old code: skip "CONFIG GET could not be read, and the running configuration differs from … (ACL LIST: the
    // default user's passwords are not the file's …)".
    assert.notEqual(mode?.status, 'skip', mode?.message);
    assert.match(mode!.message, /protected-mode is 'no'/);
    const [used] = of(r, 'auth.requirepass-used');
    assert.notEqual(used?.status, 'skip', used?.message);
    assert.ok(!of(r, 'config.runtime-drift').some((d) => d.status === 'fail'), JSON.stringify(of(r, 'config.runtime-drift')));
    assert.ok(of(r, 'auth.plaintext-passwords').some((p) => p.status === 'fail' && /command line/.test(p.message)));
    const text = JSON.stringify(r);
    assert.ok(!text.includes(CMD_PASS) && !text.includes(FILE_PASS));
  });

  it('CONFIG readable: the option is no drift, for requirepass nor for the default user', async () => {
    const r = await audit(readable);
    assert.equal(r.error, undefined, r.error);
    const drift = of(r, 'config.runtime-drift');
    // The old code: fail "requirepass differs between the running server and the file" and "user 'default' differs …".
    assert.ok(!drift.some((d) => d.status === 'fail'), JSON.stringify(drift));
    assert.ok(drift.some((d) => d.status === 'pass'), JSON.stringify(drift));
  });
});
