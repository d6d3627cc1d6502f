import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import { build, runCli } from '../report/cli-run.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { cliPlan, manualFor, planCommands, workDir } from './helpers.ts';

// fix's users (admin, auditor, app) are made with `ACL SETUSER <name> reset on >generated …`: on a server where a user
// of that name was already someone else's, that step wiped its passwords (its clients got WRONGPASS) and replaced its
// rules, while the plan called it safe ("a new user changes nothing for connected clients").
after(stopAll);
before(build);

const aclLine = async (server: RunningServer, name: string) =>
  ((await rawCommand(server.host, server.port, ['ACL', 'LIST'])) as string[]).find((l) => l.startsWith(`user ${name} `));

describe('fix never changes a user that already exists with a password it did not make', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    server = await startRedis({});
    dir = workDir();
    for (const [name, ...rules] of [
      ['app', 'on', '>app-own-password-xyz', '~app:*', '+get', '+set'],
      ['admin', 'on', '>admin-own-password-xyz', '~*', '&*', '+@all'],
    ]) {
      assert.equal(await rawCommand(server.host, server.port, ['ACL', 'SETUSER', name!, ...rules]), 'OK');
    }
  });

  it('plans no step for them, says why, and an apply leaves their passwords and rules as they were', async () => {
    const before = { app: await aclLine(server, 'app'), admin: await aclLine(server, 'admin') };
    const p = await cliPlan([server.url, '--plan', '--format', 'json', '--secrets', 'secrets.env'], { cwd: dir });
    assert.deepEqual(planCommands(p).filter((c) => /^ACL SETUSER (app|admin) /.test(c)), [], 'no step touches app or admin');
    // Without fix's own admin and app, the default user stays on: its clients would have nowhere to go.
    assert.deepEqual(planCommands(p).filter((c) => c.startsWith('ACL SETUSER default')), []);
    const why = p.manual.find((m) => m.rule === 'auth.default-user-enabled');
    assert.ok(why, JSON.stringify(p.manual));
    assert.match(why.message, /users 'admin' and 'app' already exist on this server with passwords fix did not make: .*--user-prefix/);

    const applied = await runCli(['fix', server.url, '--apply', '--secrets', 'secrets.env', '--rollback-file', 'rollback.json'], { cwd: dir });
    assert.ok(applied.code === 0 || applied.code === 1, applied.stdout + applied.stderr);
    assert.equal(await rawCommand(server.host, server.port, ['SET', 'app:1', 'v'], { user: 'app', password: 'app-own-password-xyz' }), 'OK');
    assert.equal(await rawCommand(server.host, server.port, ['PING'], { user: 'admin', password: 'admin-own-password-xyz' }), 'PONG');
    assert.deepEqual({ app: await aclLine(server, 'app'), admin: await aclLine(server, 'admin') }, before);
  });

  it('with --user-prefix, makes users of its own beside them', async () => {
    const made = planCommands(await cliPlan([server.url, '--plan', '--format', 'json', '--secrets', 'prefixed.env', '--user-prefix', 'rf-'], { cwd: dir }));
    for (const name of ['rf-admin', 'rf-auditor', 'rf-app']) assert.ok(made.some((c) => c.startsWith(`ACL SETUSER ${name} reset on`)), `${name}: ${made.join('; ')}`);
    assert.ok(made.includes('ACL SETUSER default off resetpass'), made.join('; '));
  });
});

describe("fix's own users, made by an earlier apply with the same secrets file", () => {
  it('are not made again, and the default user is still turned off by the next run', async () => {
    const server = await startRedis({});
    const dir = workDir();
    const safe = await runCli(['fix', server.url, '--apply', '--secrets', 'secrets.env', '--rollback-file', 'rollback.json'], { cwd: dir });
    assert.equal(safe.code, 0, safe.stdout + safe.stderr);
    const appLine = await aclLine(server, 'app');
    assert.ok(appLine, 'the safe steps made app');
    const secrets = readFileSync(join(dir, 'secrets.env'), 'utf8');
    const password = /^REDFORT_PASSWORD_app=(.+)$/m.exec(secrets)![1]!;

    const made = planCommands(await cliPlan([server.url, '--plan', '--format', 'json', '--secrets', 'secrets.env'], { cwd: dir }));
    assert.deepEqual(made.filter((c) => /^ACL SETUSER (admin|auditor|app) /.test(c)), [], made.join('; '));
    assert.ok(made.includes('ACL SETUSER default off resetpass'), made.join('; '));

    const rest = await runCli(['fix', server.url, '--apply', '--include-disruptive', '--yes', '--secrets', 'secrets.env', '--rollback-file', 'rollback.json'], { cwd: dir });
    assert.equal(rest.code, 0, rest.stdout + rest.stderr);
    assert.equal(await rawCommand(server.host, server.port, ['SET', 'k', 'v'], { user: 'app', password }), 'OK');
    await assert.rejects(rawCommand(server.host, server.port, ['GET', 'k']), /NOAUTH/);
    await server.stop();
  });
});

describe('fix plans for a server whose users have names of any characters Redis takes (QA35-2)', () => {
  it("a nopass user 'svc/reader' or 'app+rw' gets its password in the secrets file, under a quoted REDFORT_USER_ line where needed", async () => {
    const server = await startRedis({ conf: 'loglevel warning' });
    for (const user of ['svc/reader', 'app+rw;x']) await rawCommand(server.host, server.port, ['ACL', 'SETUSER', user, 'on', 'nopass', '~*', '+@read']);
    const dir = workDir();
    const run = await runCli(['fix', server.url, '--plan', '--no-probe', '--out', 'plan.json'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const secrets = readFileSync(join(dir, 'redfort-secrets.env'), 'utf8');
    assert.match(secrets, /^REDFORT_USER_svc_reader=svc\/reader\nREDFORT_PASSWORD_svc_reader=[0-9a-f]{64}$/m);
    assert.match(secrets, /^REDFORT_USER_app_rw_x='app\+rw;x'\nREDFORT_PASSWORD_app_rw_x=[0-9a-f]{64}$/m);
  });
});
