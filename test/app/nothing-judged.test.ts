import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, runCli } from '../report/cli-run.ts';

// A user that may run none of the audit's commands (`-@all`) gave `1 target, 0 findings … 42 rules skipped`, exit 0
// and nothing on stderr: a CI gate read it as clean. The target is now not audited, as an unreachable one is: one
// line naming it and what was refused, exit 2.
describe('an audit whose user may run none of the audit commands (real 7.0.15)', () => {
  let server: RunningServer;

  before(async () => {
    await build();
    server = await startRedis({
      conf: ['user noperm on >NoPermPw-123456 -@all', 'user infoonly on >InfoOnlyPw-123456 -@all +info +ping'].join('\n'),
    });
  });

  after(stopAll);

  it('is not audited: one line naming the target and the refused commands, exit 2', async () => {
    const run = await runCli(['audit', `redis://noperm@127.0.0.1:${server.port}`, '--no-host', '--no-probe', '--format', 'json'], { env: { REDISCLI_AUTH: 'NoPermPw-123456' } });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(
      run.stderr,
      `redfort: redis://noperm@127.0.0.1:${server.port}: user noperm may run none of INFO, CONFIG GET, ACL LIST: nothing was judged (the target counts as not audited; grant the auditor's commands: see docs/auditor-user.md)\n`,
    );
    const report = JSON.parse(run.stdout) as { targets: { error?: string; results: unknown[] }[] };
    assert.match(report.targets[0]!.error ?? '', /^user noperm may run none of INFO, CONFIG GET, ACL LIST/);
    assert.ok(report.targets[0]!.results.length > 0, 'the skips that say why stay in the report');
  });

  it('a user that may run INFO alone is audited (what INFO shows is judged)', async () => {
    const run = await runCli(['audit', `redis://infoonly@127.0.0.1:${server.port}`, '--no-host', '--no-probe', '--fail-on', 'none'], { env: { REDISCLI_AUTH: 'InfoOnlyPw-123456' } });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.stderr.includes('nothing was judged'), run.stderr);
  });
});
