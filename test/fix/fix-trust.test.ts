import assert from 'node:assert/strict';
import { chownSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build, runCli } from '../report/cli-run.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { snapshot, workDir } from './helpers.ts';

// Files `redfort fix` reads that another local user may plant or edit (QA34-9, -10, -16, -17): a rollback record, a
// secrets file, an existing --out, the lock. Run as root (CI), a file of user nobody (65534) stands for the attacker's.
after(stopAll);
before(build);

const ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

describe('fix and harden take passwords only from a secrets file of their own user or root (QA34-10)', { skip: !ROOT && 'chown needs root' }, () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    server = await startRedis({ conf: 'loglevel warning' });
    dir = workDir();
  });

  it('a redfort-secrets.env another user planted is refused: one line, exit 2, no user made', async () => {
    const before = await snapshot(server);
    const planted = join(dir, 'redfort-secrets.env');
    writeFileSync(planted, 'REDFORT_PASSWORD_admin=attacker-knows-this-password-0123456789abcdef\n', { mode: 0o600 });
    chownSync(planted, NOBODY, NOBODY);
    const fix = await runCli(['fix', server.url, '--apply', '--no-probe', '--rollback-file', 'rb.json'], { cwd: dir });
    assert.equal(fix.code, 2, fix.stderr);
    assert.equal(fix.stderr.trim(), 'redfort: redfort-secrets.env: cannot read the secrets file: owned by uid 65534, not by root: not trusted (another user may have planted or changed it)');
    assert.ok(!existsSync(join(dir, 'rb.json')));
    assert.deepEqual(await snapshot(server), before);
    const plan = await runCli(['fix', server.url, '--plan', '--no-probe'], { cwd: dir });
    assert.equal(plan.code, 2, plan.stderr);
    const harden = await runCli(['harden', '--config', server.confPath, '--out', join(dir, 'h'), '--secrets', planted], { cwd: dir });
    assert.equal(harden.code, 2, harden.stderr);
    assert.match(harden.stderr.trim(), /^redfort: \S+redfort-secrets\.env: cannot use the --secrets file: owned by uid 65534, not by root: not trusted/);
    assert.equal(harden.stderr.trim().split('\n').length, 1);
    assert.ok(!existsSync(join(dir, 'h')));
    // Its own user's file is used.
    chownSync(planted, 0, 0);
    const own = await runCli(['fix', server.url, '--plan', '--no-probe'], { cwd: dir });
    assert.equal(own.code, 0, own.stderr);
  });
});
