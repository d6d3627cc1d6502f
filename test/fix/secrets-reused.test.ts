import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRedis, stopAll } from '../harness/servers.ts';
import { build, runCli } from '../report/cli-run.ts';
import { USERS, workDir } from './helpers.ts';

after(stopAll);
before(build);

// QA37-1: a plan whose secrets file already held the users' passwords (an earlier run's, or a file committed to a
// repository and so public) said "New passwords": it says they are reused from that file, and which are new.
describe('fix --plan says which passwords are reused from the secrets file', () => {
  it('new ones the first time, reused ones after, each user as it is', async () => {
    const server = await startRedis({ killOnStop: true });
    const dir = workDir();
    const users = [USERS.admin, USERS.app, USERS.auditor].join(', ');
    const plan = () => runCli(['fix', server.url, '--plan', '--no-probe', '--secrets', 'secrets.env'], { cwd: dir });
    const first = await plan();
    assert.equal(first.code, 0, first.stderr);
    assert.ok(first.stdout.includes(`New passwords (shown as <generated>) for ${users}: in secrets.env (mode 0600), never in the plan.`), first.stdout);
    assert.doesNotMatch(first.stdout, /reused/);

    const second = await plan();
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stdout, /New passwords/);
    assert.ok(second.stdout.includes(`Passwords reused from secrets.env for ${users} (shown as <generated>, never in the plan): the file already held them, from an earlier run or from whoever wrote it; to have new ones generated, delete their lines from it and plan again.`), second.stdout);

    // One line deleted: that user's password is new, the others' reused.
    const file = join(dir, 'secrets.env');
    writeFileSync(file, readFileSync(file, 'utf8').split('\n').filter((l) => !l.includes(`_${USERS.app}=`)).join('\n'), { mode: 0o600 });
    const third = await plan();
    assert.equal(third.code, 0, third.stderr);
    assert.ok(third.stdout.includes(`New passwords (shown as <generated>) for ${USERS.app}: in secrets.env`), third.stdout);
    assert.ok(third.stdout.includes(`Passwords reused from secrets.env for ${USERS.admin}, ${USERS.auditor} (shown as <generated>`), third.stdout);
    await server.stop();
  });
});
