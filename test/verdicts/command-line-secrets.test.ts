import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gatherTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { runCli } from '../report/cli-run.ts';

/** Everything a value holds, Maps and Sets included, as text. */
const text = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : v));

// The host facts held /proc/<pid>/cmdline redacted word by word: `--requirepass --S3cret--` (a value starting with
// `--`, which redis-server 7.0.1+ takes as the value) kept the password, for the library's gatherTarget to hand out.
// The audit authenticates as another user, so that the output's redaction of the audit's own password hides nothing.
describe('passwords on the command line never leave the gatherer (real 7.0.15)', () => {
  const secrets = ['--R3quireQQ--', '--M4sterQQ--'];
  const auditor = { user: 'auditor', pass: 'auditor-password-0123456789' };
  let redis: RunningServer;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'redfort-cmdline-secrets-'));
    redis = await startRedis({
      conf: `set-proc-title no\nuser default on nopass ~* &* +@all\nuser ${auditor.user} on >${auditor.pass} ~* &* +@all`,
      args: ['--requirepass', secrets[0]!, '--masterauth', secrets[1]!, '--hz', '15'],
      username: auditor.user,
      password: auditor.pass,
      killOnStop: true,
    });
  });
  after(async () => {
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('the truth: the server took them as the values', async () => {
    const auth = { user: auditor.user, password: auditor.pass };
    assert.deepEqual(await rawCommand(redis.host, redis.port, ['CONFIG', 'GET', 'requirepass'], auth), ['requirepass', secrets[0]]);
    assert.deepEqual(await rawCommand(redis.host, redis.port, ['CONFIG', 'GET', 'masterauth'], auth), ['masterauth', secrets[1]]);
    assert.match(await readFile(`/proc/${redis.pid}/cmdline`, 'utf8'), /--requirepass\0--R3quireQQ--\0--masterauth\0--M4sterQQ--/);
  });

  it('the host facts hold neither', async () => {
    const gathered = await gatherTarget(resolveTarget(redis.url, { user: auditor.user, pass: auditor.pass }, {}), { noProbe: true });
    assert.ok(gathered.ok, gathered.ok ? '' : gathered.error);
    const facts = gathered.facts;
    assert.deepEqual(facts.host?.process.cmdline.slice(2), ['--requirepass', '***', '--masterauth', '***', '--hz', '15']);
    for (const secret of secrets) assert.ok(!text(facts).includes(secret.slice(2, -2)), secret);
  });

  it('no report format and no stderr shows them', async () => {
    const formats = ['text', 'json', 'sarif', 'html', 'markdown', 'junit'];
    const run = await runCli(['audit', redis.url, '--user', auditor.user, '--fail-on', 'none', ...formats.flatMap((f) => ['-o', `${f}=${join(dir, `report.${f}`)}`])], { env: { REDISCLI_AUTH: auditor.pass } });
    assert.equal(run.code, 0, run.stderr);
    for (const secret of secrets) {
      const bare = secret.slice(2, -2);
      assert.ok(!run.stdout.includes(bare) && !run.stderr.includes(bare), `${secret} on stdout or stderr`);
      for (const f of formats) assert.ok(!(await readFile(join(dir, `report.${f}`), 'utf8')).includes(bare), `${secret} in ${f}`);
    }
  });
});
