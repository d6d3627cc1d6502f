import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA43-4's rest: `redis-server redis.conf --include extra.conf` (the command line readable: set-proc-title no) loads
// extra.conf over the config file, as a file's own include. redfort did not read it: with CONFIG renamed every setting
// of the file was unknown ("a file whose settings and users override the config file's, which redfort does not read"),
// the file's own `protected-mode yes` included. Now it is read as the loader reads a file's includes (bounded, regular
// files only, a file the process could not read itself not read), and its settings are judged, naming its line. Real 7.0.15.
const PASS = 'qa43-4-include-password-5h2x8';
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id);

describe('--include on a readable command line is read as a file include (real 7.0.15)', () => {
  let server: RunningServer;
  before(async () => {
    server = await startRedis({
      // The audit's user may not run CONFIG (else it is read under the file's name for it: QA44-6).
      conf: `set-proc-title no\nprotected-mode yes\nrequirepass "${PASS}"\nrename-command CONFIG "qa-hidden-config"\nuser auditor on >${PASS} ~* &* +@all -config`,
      files: { 'extra.conf': '# extra\nprotected-mode no\nloglevel warning\n' },
      args: ['--include', 'extra.conf'],
      password: PASS,
      killOnStop: true,
    });
  });
  let readable: RunningServer;
  before(async () => {
    readable = await startRedis({
      conf: 'set-proc-title no\nloglevel notice',
      files: { 'extra.conf': 'loglevel warning\n' },
      args: ['--include', 'extra.conf'],
      killOnStop: true,
    });
  });
  after(async () => {
    await server?.stop();
    await readable?.stop();
  });

  it("CONFIG renamed: the include's settings are what runs, judged with its file and line", async () => {
    const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${server.port}`, { user: 'auditor', pass: PASS }, {}), { noProbe: true });
    assert.equal(r.error, undefined, r.error);
    const [mode] = of(r, 'network.protected-mode-off');
    // The old code: skip "CONFIG GET could not be read, and the server was started with --include extra.conf …".
    assert.notEqual(mode?.status, 'skip', mode?.message);
    assert.match(mode!.message, /protected-mode is 'no'/);
    assert.match(JSON.stringify(mode!.source ?? mode), /extra\.conf/);
    const [level] = of(r, 'logging.loglevel-too-quiet');
    assert.equal(level?.status, 'fail', level?.message);
    assert.ok(!JSON.stringify(r).includes(PASS));
  });

  it("CONFIG readable: the include's value is no drift from the file (config.runtime-drift compares it)", async () => {
    const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${readable.port}`, {}, {}), { noProbe: true });
    assert.equal(r.error, undefined, r.error);
    const drift = of(r, 'config.runtime-drift');
    // The old code: skip "1 difference from the file (loglevel is 'warning' at run time but 'notice' in the file), but
    // the server was started with --include extra.conf …, which redfort does not read: drift or that file's values, unknown".
    assert.ok(drift.some((d) => d.status === 'pass'), JSON.stringify(drift));
    assert.match(drift[0]!.message, /matches 2 files/);
  });
});
