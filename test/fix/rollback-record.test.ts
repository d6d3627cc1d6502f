import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rollback } from '../../src/fix/apply.ts';
import { readRollback } from '../../src/fix/rollback.ts';
import { buildPlan } from '../../src/fix/plan.ts';
import { sha256Hex } from '../../src/util/hash.ts';
import { readSecretsFile } from '../../src/profile/index.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, ROOT, runCli } from '../report/cli-run.ts';
import { address, apply, plan, secretsFor, snapshot, state, target, USERS, workDir, untilRefused } from './helpers.ts';

// Session 40's rollback-record entries: what an apply records, what a stopped apply undoes, what a rollback keeps.
after(stopAll);
before(build);

const P = 'shared-by-all-clients-9d2f';

/** The plan of a server (or of its replication group) seeded with the shared password, its secrets and a new rollback file. */
async function planned(server: RunningServer, kind?: 'replication') {
  const seed = target(server.url, { pass: P });
  const s0 = await state(seed, { ...(kind ? { kind } : {}), noProbe: true });
  const p = plan(s0, seed);
  return { seed, s0, p, secrets: secretsFor(p), rollbackFile: join(workDir(), 'rb.json') };
}

/** A server with the shared password, its state before, and `fix --plan` run on it into plan.json in a new folder. */
async function cliPlanned(): Promise<{ server: RunningServer; before: Awaited<ReturnType<typeof snapshot>>; dir: string; env: Record<string, string> }> {
  const server = await startRedis({ conf: `requirepass ${P}\nloglevel warning`, password: P });
  const before = await snapshot(server, { password: P });
  const dir = workDir();
  const env = { REDISCLI_AUTH: P };
  const planned = await runCli(['fix', server.url, '--plan', '--out', 'plan.json', '--no-probe'], { cwd: dir, env });
  assert.equal(planned.code, 0, planned.stderr);
  return { server, before, dir, env };
}

async function users(server: RunningServer, auth: { user?: string; password?: string }): Promise<string[]> {
  return ((await rawCommand(server.host, server.port, ['ACL', 'USERS'], { ...auth, timeoutMs: 5000 })) as string[]).sort();
}

async function config(server: RunningServer, name: string, auth: { user?: string; password?: string }): Promise<string> {
  return String(((await rawCommand(server.host, server.port, ['CONFIG', 'GET', name], { ...auth, timeoutMs: 5000 })) as string[])[1]);
}

describe('a failed disruptive apply undoes only itself (QA40-1)', () => {
  it('keeps the users and credentials of the earlier, successful safe apply', async () => {
    const master = await startRedis({ conf: `requirepass ${P}\nmasterauth ${P}`, password: P });
    const replica = await startReplica(master, { masterauth: P, conf: `requirepass ${P}`, password: P });
    const { seed, s0, p, secrets, rollbackFile } = await planned(master, 'replication');
    const safe = await apply(p, s0, ['safe'], { secrets, rollbackFile, noProbe: true, kind: 'replication' });
    assert.ok(safe.ok, safe.error);
    const admin = { user: USERS.admin, password: secrets.get(USERS.admin)! };
    const afterSafe = [await snapshot(master, admin), await snapshot(replica, admin)];
    assert.ok((await users(master, admin)).includes(USERS.app));

    // Clients move to 'app' now. The disruptive apply then fails on the master's last runtime step.
    const s1 = await state(seed, { kind: 'replication', noProbe: true });
    const victim = p.steps.filter((s) => s.class === 'disruptive' && s.node === address(master)).at(-1)!;
    assert.ok(victim, 'a disruptive step on the master');
    const failed = await apply(p, s1, ['safe', 'disruptive'], {
      secrets,
      rollbackFile,
      noProbe: true,
      kind: 'replication',
      beforeStep(step) {
        if (step.id === victim.id) throw new Error('injected failure');
      },
    });
    assert.equal(failed.ok, false);
    assert.ok(failed.rolledBack);
    assert.deepEqual(failed.notRestored, []);
    // The state the safe apply left, to the byte: app, admin, replication and masteruser stay.
    assert.deepEqual([await snapshot(master, admin), await snapshot(replica, admin)], afterSafe);
    assert.equal(await config(replica, 'masteruser', admin), USERS.replication);
    assert.deepEqual(await rawCommand(master.host, master.port, ['PING'], { user: USERS.app, password: secrets.get(USERS.app)! }), 'PONG');
    // The stopped apply is no longer one whose steps a re-run would skip; the safe apply's entry stays.
    const record = await readRollback(rollbackFile);
    assert.equal(record.applies.length, 1);
    assert.ok(!record.applies[0]!.steps.includes(victim.id));

    // The full way back stays: the rollback file returns to the state before the first apply.
    const targets = new Map(record.nodes.map((n) => [n.address, target(`redis://${n.address}`, { pass: P })]));
    const back = await rollback(record, targets);
    assert.deepEqual(back.notRestored, []);
    assert.deepEqual(await users(master, { password: P }), ['default']);
    assert.equal(await config(replica, 'masteruser', { password: P }), '');
    await replica.stop();
    await master.stop();
  });
});

describe('a second apply with another URL adds to the record (QA40-4)', () => {
  it('keeps the first apply’s values: a rollback returns to the state before the first', async () => {
    const server = await startRedis({ conf: `requirepass ${P}\nloglevel warning`, password: P });
    const before = await snapshot(server, { password: P });
    const { seed, s0, p, secrets, rollbackFile } = await planned(server);
    const first = await apply(p, s0, ['safe'], { secrets, rollbackFile, noProbe: true });
    assert.ok(first.ok, first.error);
    // Then as the new administrator, as one must once the default user is off: another target URL.
    const seed2 = target(server.url.replace('redis://', `redis://${USERS.admin}@`), { pass: secrets.get(USERS.admin)! });
    assert.notEqual(seed2.display, seed.display);
    const s1 = await state(seed2, { noProbe: true });
    // Planned as the CLI does, knowing the secrets file's passwords (the users fix made are its own).
    const own = new Map([...secrets].map(([user, password]) => [user, sha256Hex(password)]));
    const p2 = buildPlan({ target: seed2.display, deployment: s1.deployment, nodes: s1.nodes, ownPasswords: own });
    assert.ok(p2.steps.some((s) => s.command.join(' ') === 'CONFIG SET requirepass '), 'the second plan takes requirepass away');
    const second = await apply(p2, s1, ['safe', 'disruptive'], { secrets, rollbackFile, noProbe: true });
    assert.ok(second.ok, second.error);
    const record = await readRollback(rollbackFile);
    assert.equal(record.applies.length, 2);
    const node = record.nodes[0]!;
    assert.equal(node.config['requirepass'], P);
    assert.equal(node.users[USERS.app], null, 'app is recorded as new (first apply)');
    assert.equal(node.config['loglevel'], 'warning');

    const back = await rollback(record, new Map([[address(server), seed2]]));
    assert.deepEqual(back.notRestored, []);
    assert.deepEqual(await snapshot(server, { password: P }), before);
    await server.stop();
  });

  it('refuses a rollback file that records other nodes: exit 2, one line naming it, the file kept', async () => {
    const a = await startRedis({ conf: 'loglevel warning' });
    const b = await startRedis({ conf: 'loglevel warning' });
    const dir = workDir();
    const first = await runCli(['fix', a.url, '--apply', '--no-probe'], { cwd: dir });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const kept = readFileSync(join(dir, 'redfort-rollback.json'), 'utf8');
    const bBefore = await snapshot(b);
    const second = await runCli(['fix', b.url, '--apply', '--no-probe'], { cwd: dir });
    assert.equal(second.code, 2, second.stdout + second.stderr);
    assert.equal(second.stderr.trim().split('\n').length, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`--rollback-file redfort-rollback\\.json: it records an apply to other nodes \\(${address(a)}`));
    assert.equal(readFileSync(join(dir, 'redfort-rollback.json'), 'utf8'), kept);
    assert.deepEqual(await snapshot(b), bBefore);
    await a.stop();
    await b.stop();
  });
});

describe('a rollback with a replica down (QA40-2)', () => {
  let restarted: ChildProcess | undefined;
  after(() => restarted?.kill('SIGKILL'));

  it('keeps the replication user on the master, says so, and the replica syncs when it comes back', async () => {
    const master = await startRedis({ conf: `requirepass ${P}\nmasterauth ${P}`, password: P });
    const replica = await startReplica(master, { masterauth: P, conf: `requirepass ${P}`, password: P });
    const { seed, s0, p, secrets, rollbackFile } = await planned(master, 'replication');
    const done = await apply(p, s0, ['safe'], { secrets, rollbackFile, noProbe: true, kind: 'replication' });
    assert.ok(done.ok, done.error);
    assert.match(readFileSync(replica.confPath, 'utf8'), new RegExp(`masteruser "?${USERS.replication}`), 'CONFIG REWRITE wrote masteruser');

    process.kill(replica.pid, 'SIGKILL');
    await untilRefused(replica);
    const record = await readRollback(rollbackFile);
    const targets = new Map(record.nodes.map((n) => [n.address, target(`redis://${n.address}`, { pass: P })]));
    const back = await rollback(record, targets, { connectTimeoutMs: 1000 });
    const text = back.notRestored.join('\n');
    assert.match(text, new RegExp(`^${address(master)}: kept user '${USERS.replication}': ${address(replica)} was not set back`, 'm'));
    assert.match(text, new RegExp(`^${address(replica)}: when it comes back it still logs in to the others as '${USERS.replication}'`, 'm'));
    assert.ok((await users(master, { password: P })).includes(USERS.replication));
    assert.ok(!(await users(master, { password: P })).includes(USERS.app), 'the rest is rolled back');

    // It comes back on its rewritten config file: it syncs (WRONGPASS had it down for good).
    restarted = spawn('redis-server', [replica.confPath], { cwd: replica.dir, stdio: 'ignore' });
    let info = '';
    for (let i = 0; i < 60 && !/master_link_status:up/.test(info); i++) {
      await new Promise((r) => setTimeout(r, 250));
      info = String(await rawCommand(replica.host, replica.port, ['INFO', 'replication'], { password: P, timeoutMs: 2000 }).catch(() => ''));
    }
    assert.match(info, /master_link_status:up/);
    // The rollback run again finishes it.
    const again = await rollback(record, targets);
    assert.deepEqual(again.notRestored, []);
    assert.ok(!(await users(master, { password: P })).includes(USERS.replication));
    assert.equal(await config(replica, 'masteruser', { password: P }), '');
    restarted.kill('SIGKILL');
    restarted = undefined;
    await master.stop();
  });
});

describe('the check after a rollback (QA40-5)', () => {
  it('a stop between `default off` and `requirepass ""`: the rollback logs in with the recorded requirepass to check, all restored and checked', async () => {
    const server = await startRedis({ conf: `requirepass ${P}\nloglevel warning`, password: P });
    const before = await snapshot(server, { password: P });
    const { seed, s0, p, secrets, rollbackFile } = await planned(server);
    const requirepass = p.steps.find((s) => s.command.join(' ') === 'CONFIG SET requirepass ')!;
    assert.ok(requirepass);
    // The apply stops before that step as a killed one does (it waits there until the check is done).
    let release: (e: Error) => void = () => {};
    let reached: () => void = () => {};
    const there = new Promise<void>((r) => (reached = r));
    const applying = apply(p, s0, ['safe', 'disruptive'], {
      secrets,
      rollbackFile,
      noProbe: true,
      beforeStep(step) {
        if (step.id !== requirepass.id) return undefined;
        reached();
        return new Promise<void>((_, reject) => (release = reject));
      },
    });
    await there;
    // Without the apply's password (REDISCLI_AUTH): its admin user (in the record) is deleted last.
    const back = await rollback(await readRollback(rollbackFile), new Map([[address(server), target(server.url)]]));
    assert.deepEqual(back.notRestored, []);
    assert.deepEqual(back.unverified, []);
    assert.deepEqual(await snapshot(server, { password: P }), before);
    release(new Error('stopped'));
    await applying;
    await server.stop();
  });

  it('says "restored, but not verified" when no way in is left to check with: not NOT restored, exit 0', async () => {
    const { server, before, dir, env } = await cliPlanned();
    const applied = await runCli(['fix', server.url, '--apply', 'plan.json', '--no-probe'], { cwd: dir, env });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    // The safe apply never read requirepass; without REDISCLI_AUTH only the record's admin logs in, and goes last.
    const back = await runCli(['fix', '--rollback', 'redfort-rollback.json'], { cwd: dir });
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.doesNotMatch(back.stdout, /NOT restored/);
    assert.match(back.stdout, new RegExp(`^${address(server)}: restored, but not verified: cannot log in to check .*give the password the apply had`, 'm'));
    assert.deepEqual(await snapshot(server, { password: P }), before);
    await server.stop();
  });
});

describe('a malformed rollback file (QA40-18)', () => {
  it('is one line naming the file and what is wrong, exit 2; an empty record says nothing to roll back', async () => {
    const dir = workDir();
    const write = (name: string, nodes: unknown) => {
      writeFileSync(join(dir, name), JSON.stringify({ format: 'redfort-fix-rollback', version: 1, target: 'redis://127.0.0.1:1', nodes, applies: [] }));
      chmodSync(join(dir, name), 0o600);
    };
    write('bare.json', [{ address: '127.0.0.1:1', host: '127.0.0.1', port: 1, role: 'master' }]);
    write('null-users.json', [{ address: '127.0.0.1:1', host: '127.0.0.1', port: 1, role: 'master', config: {}, users: null }]);
    for (const [file, what] of [['bare.json', 'config, users'], ['null-users.json', 'users']] as const) {
      const r = await runCli(['fix', '--rollback', file], { cwd: dir });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^redfort: ${file.replace('.', '\\.')}: not a redfort fix rollback file \\(node 1 has no valid ${what}\\)`));
      assert.doesNotMatch(r.stderr, /unexpected error/);
    }
    write('empty.json', []);
    const empty = await runCli(['fix', '--rollback', 'empty.json'], { cwd: dir });
    assert.equal(empty.code, 0, empty.stdout + empty.stderr);
    assert.match(empty.stderr, /empty\.json: records no node: nothing to roll back/);
  });
});

/** Starts the built CLI and sends `signal` (or SIGKILL) once its standard error says `when`. */
function cliInterrupted(args: readonly string[], options: { cwd: string; env: Record<string, string> }, when: RegExp, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const env = { ...process.env, ...options.env };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'redfort.mjs'), ...args], { cwd: options.cwd, env });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      if (!sent && when.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stdout, stderr });
    });
  });
}

describe('SIGINT / SIGTERM during --apply (QA40-12)', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: the step under way finishes, then the apply rolls back what it did and exits 1 saying so`, async () => {
      const { server, before, dir, env } = await cliPlanned();
      const r = await cliInterrupted(['fix', server.url, '--apply', 'plan.json', '--include-disruptive', '--yes', '--no-probe'], { cwd: dir, env }, /applied step 1 /, signal);
      assert.equal(r.code, 1, `${r.signal} ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, new RegExp(`${signal}: stopping after the step under way, then rolling back`));
      assert.match(r.stdout, new RegExp(`^Apply failed: interrupted \\(${signal}\\) after step \\d+ `, 'm'));
      assert.match(r.stdout, /Rolled back steps [\d, ]+: everything recorded is back/);
      assert.deepEqual(await snapshot(server, { password: P }), before);
      // The same plan applies again, every step (the stopped apply is not one whose steps are skipped).
      const again = await runCli(['fix', server.url, '--apply', 'plan.json', '--include-disruptive', '--yes', '--no-probe'], { cwd: dir, env });
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.doesNotMatch(again.stdout, /Applied 0 steps/);
      await server.stop();
    });
  }

  it('killed mid-apply: a re-run says the rollback file records an unfinished apply and how to roll back, not "changed since the plan"', async () => {
    const { server, before, dir, env } = await cliPlanned();
    const killed = await cliInterrupted(['fix', server.url, '--apply', 'plan.json', '--include-disruptive', '--yes', '--no-probe'], { cwd: dir, env }, /applied step 1 /, 'SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    const rerun = await runCli(['fix', server.url, '--apply', 'plan.json', '--no-probe'], { cwd: dir, env });
    assert.equal(rerun.code, 2, rerun.stdout + rerun.stderr);
    assert.doesNotMatch(rerun.stderr, /changed since the plan was made/);
    assert.match(rerun.stderr, /redfort-rollback\.json records an apply of this plan that did not finish \(steps? [\d, ]+ ran.*run: redfort fix --rollback redfort-rollback\.json/);
    // As it says: roll back (the admin user is in the record), then plan and apply again: the steps run.
    const back = await runCli(['fix', '--rollback', 'redfort-rollback.json'], { cwd: dir, env });
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.deepEqual(await snapshot(server, { password: P }), before);
    const replanned = await runCli(['fix', server.url, '--plan', '--out', 'plan.json', '--no-probe'], { cwd: dir, env });
    assert.equal(replanned.code, 0, replanned.stderr);
    const again = await runCli(['fix', server.url, '--apply', 'plan.json', '--no-probe'], { cwd: dir, env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.doesNotMatch(again.stdout, /Applied 0 steps/);
    const secrets = new Map((await readSecretsFile(join(dir, 'redfort-secrets.env'))).map((s) => [s.user, s.password]));
    assert.ok((await users(server, { user: USERS.admin, password: secrets.get(USERS.admin)! })).includes(USERS.app));
    await server.stop();
  });
});

describe('an apply after a rollback (QA40-55)', () => {
  it('runs the plan’s steps again once the server is set back, even where the record still lists them as applied', async () => {
    const server = await startRedis({ conf: `requirepass ${P}\nloglevel warning`, password: P });
    const dir = workDir();
    const env = { REDISCLI_AUTH: P };
    const fix = (...args: string[]) => runCli(['fix', server.url, ...args, '--no-probe'], { cwd: dir, env });
    assert.equal((await fix('--plan', '--out', 'plan.json')).code, 0);
    const first = await fix('--apply', 'plan.json', '--include-disruptive', '--yes');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    // The record as that apply left it: a rollback made from a copy of it (or by hand) leaves this one listing the steps.
    const record = readFileSync(join(dir, 'redfort-rollback.json'), 'utf8');
    const back = await runCli(['fix', '--rollback', 'redfort-rollback.json'], { cwd: dir, env });
    assert.equal(back.code, 0, back.stdout + back.stderr);
    writeFileSync(join(dir, 'redfort-rollback.json'), record, { mode: 0o600 });
    assert.deepEqual(await users(server, { password: P }), ['default']);
    assert.equal((await fix('--plan', '--out', 'plan.json')).code, 0);
    const again = await fix('--apply', 'plan.json', '--include-disruptive', '--yes');
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.doesNotMatch(again.stdout, /Applied 0 steps/);
    const secrets = new Map((await readSecretsFile(join(dir, 'redfort-secrets.env'))).map((s) => [s.user, s.password]));
    const admin = { user: USERS.admin, password: secrets.get(USERS.admin)! };
    assert.deepEqual(await users(server, admin), [USERS.admin, USERS.app, USERS.auditor, 'default'].sort());
    assert.equal(await config(server, 'requirepass', admin), '');
    await server.stop();
  });
});
