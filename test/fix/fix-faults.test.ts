import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FixPlan, PlanStep } from '../../src/fix/types.ts';
import { rollback } from '../../src/fix/apply.ts';
import { readRollback } from '../../src/fix/rollback.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { err } from '../helpers/fake-resp-server.ts';
import { rawCommand } from '../harness/raw.ts';
import { build, runCli } from '../report/cli-run.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { address, apply, plan, USERS, secretsFor, snapshot, state, target, workDir } from './helpers.ts';

// Issue 14's fault tests: each stops cleanly, rolls back what it can, reports what it could not, loses no data.
after(stopAll);
before(build);

function commandOf(step: PlanStep): string {
  return step.command.map((a) => (typeof a === 'string' ? a : '*')).join(' ');
}

function findStep(p: FixPlan, prefix: string): PlanStep {
  const step = p.steps.find((s) => commandOf(s).startsWith(prefix));
  assert.ok(step, `no step ${prefix}`);
  return step;
}

describe('fix faults on one wide-open server', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    server = await startRedis({ conf: 'loglevel warning' });
    await rawCommand(server.host, server.port, ['SET', 'data', 'kept']);
    dir = workDir();
  });

  it('a stale plan is refused before any change', async () => {
    const before = await snapshot(server);
    const cli = (args: string[]) => runCli(args, { cwd: dir });
    const planned = await cli(['fix', server.url, '--plan', '--out', 'stale.json', '--no-probe']);
    assert.equal(planned.code, 0, planned.stderr);
    const discarded = await cli(['fix', server.url, '--plan', '--out', '/dev/null', '--no-probe', '--secrets', 'discarded-secrets.env']);
    assert.equal(discarded.code, 0, discarded.stderr);
    symlinkSync(join(dir, 'stale.json'), join(dir, 'plan-link.json'));
    await rawCommand(server.host, server.port, ['CONFIG', 'SET', 'loglevel', 'verbose']);
    const applied = await cli(['fix', server.url, '--apply', 'stale.json', '--no-probe', '--rollback-file', 'stale-rollback.json']);
    await rawCommand(server.host, server.port, ['CONFIG', 'SET', 'loglevel', 'warning']);
    assert.equal(applied.code, 2);
    assert.match(applied.stderr, /plan is stale: .*changed since the plan was made/);
    assert.ok(!existsSync(join(dir, 'stale-rollback.json')), 'nothing recorded, nothing applied');
    assert.deepEqual(await snapshot(server), before);
    // Usage errors: one line, exit 2, nothing changed.
    for (const [args, pattern] of [
      [['fix', server.url], /give exactly one of --plan, --apply/],
      [['fix', server.url, '--apply', '--include-disruptive', '--no-probe', '--rollback-file', 'x.json'], /--include-disruptive asks for a confirmation on a terminal: add --yes/],
      [['fix', '--rollback', 'missing.json'], /missing\.json: cannot read the rollback file/],
      // fix has no --force: a link or a FIFO at --out is refused before the servers are read, without naming it.
      [['fix', server.url, '--plan', '--no-probe', '--out', 'plan-link.json', '--secrets', 'refused-secrets.env'], /^redfort: cannot write the plan to 'plan-link\.json': a symbolic link: refused$/m],
    ] as const) {
      const r = await cli([...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.ok(!existsSync(join(dir, 'refused-secrets.env')), 'no secrets file for a plan that could not be saved');
    assert.deepEqual(await snapshot(server), before);
  });

  /**
   * Plans with the CLI into `<name>.json` (secrets in `<name>-secrets.env`), writes the plan back with its `CONFIG SET
   * loglevel` step's command replaced, and applies that file: the plan as made, the edited step, the apply.
   */
  async function applyEditedFile(name: string, command: string[]) {
    const cli = (args: string[]) => runCli(args, { cwd: dir });
    const planned = await cli(['fix', server.url, '--plan', '--out', `${name}.json`, '--no-probe', '--secrets', `${name}-secrets.env`]);
    assert.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as FixPlan;
    const edited = findStep(plan, 'CONFIG SET loglevel');
    writeFileSync(join(dir, `${name}.json`), JSON.stringify({ ...plan, steps: plan.steps.map((s) => (s === edited ? { ...s, command } : s)) }));
    const applied = await cli(['fix', server.url, '--apply', `${name}.json`, '--no-probe', '--secrets', `${name}-secrets.env`, '--rollback-file', `${name}-rollback.json`]);
    return { plan, edited, applied, cli };
  }

  it('a plan file with a SENTINEL SET its rollback could not undo is refused before any change, naming the file and step', async () => {
    const before = await snapshot(server);
    const { edited, applied } = await applyEditedFile('sentinel-set', ['SENTINEL', 'SET', 'mymaster', 'auth-pass', 'x', 'quorum', '1']);
    assert.equal(applied.code, 2, applied.stderr);
    assert.equal(applied.stderr.trim(), `redfort: sentinel-set.json: step ${edited.id}: SENTINEL SET of 'quorum' cannot be rolled back (a rollback restores only auth-user and auth-pass): fix makes no such step; make a new plan with --plan`);
    assert.ok(!existsSync(join(dir, 'sentinel-set-rollback.json')), 'nothing recorded, nothing applied');
    assert.deepEqual(await snapshot(server), before);
  });

  it('a plan file whose step was edited to another value is refused before any change, naming the file and step', async () => {
    const before = await snapshot(server);
    // A step fix could make (CONFIG SET of a setting it manages), with a value it never sets.
    const { plan: p, edited, applied, cli } = await applyEditedFile('edited', ['CONFIG', 'SET', 'loglevel', 'debug']);
    assert.equal(applied.code, 2, applied.stderr);
    assert.match(applied.stderr.trim(), new RegExp(`^redfort: edited\\.json: step ${edited.id} \\(${edited.node.replace(/\./g, '\\.')}\\) is not a step redfort plans for this deployment`));
    assert.equal(applied.stderr.trim().split('\n').length, 1, applied.stderr);
    assert.ok(!existsSync(join(dir, 'edited-rollback.json')), 'nothing recorded, nothing applied');
    assert.deepEqual(await snapshot(server), before);
    // The plan as written applies.
    writeFileSync(join(dir, 'edited.json'), JSON.stringify(p));
    const honest = await cli(['fix', server.url, '--apply', 'edited.json', '--no-probe', '--secrets', 'edited-secrets.env', '--rollback-file', 'edited-rollback.json']);
    assert.equal(honest.code, 0, honest.stderr);
    const rolled = await cli(['fix', '--rollback', 'edited-rollback.json']);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.deepEqual(await snapshot(server), before);
  });

  it('a plan file with a step taken out, repeated or moved is refused before any change, naming the file and step (QA41-54)', async () => {
    // Without `ACL SETUSER default off …`, the plan's `CONFIG SET requirepass ""` left the default user on and
    // password-less until the re-audit rolled it back; every step was one fix plans, so each passed the edit check.
    const before = await snapshot(server);
    const cli = (args: string[]) => runCli(args, { cwd: dir });
    const planned = await cli(['fix', server.url, '--plan', '--out', 'whole.json', '--no-probe', '--secrets', 'whole-secrets.env']);
    assert.equal(planned.code, 0, planned.stderr);
    const p = JSON.parse(readFileSync(join(dir, 'whole.json'), 'utf8')) as FixPlan;
    assert.ok(p.steps.length >= 3, 'the plan of a wide-open server has several steps');
    const [first, second] = p.steps as [PlanStep, PlanStep];
    const last = p.steps[p.steps.length - 1]!;
    for (const [name, steps, pattern] of [
      ['removed', p.steps.filter((s) => s !== last), new RegExp(`: step ${last.id} \\(${last.node.replace(/\./g, '\\.')}\\) that redfort plans for this deployment is missing \\(edited after --plan\\)`)],
      ['moved', [second, first, ...p.steps.slice(2)], new RegExp(`: step ${second.id} \\(.*\\) is out of the order redfort plans`)],
      ['repeated', [...p.steps, first], new RegExp(`: step ${first.id} \\(.*\\) is given more than once`)],
    ] as const) {
      writeFileSync(join(dir, `${name}.json`), JSON.stringify({ ...p, steps }));
      const applied = await cli(['fix', server.url, '--apply', `${name}.json`, '--no-probe', '--include-disruptive', '--yes', '--secrets', 'whole-secrets.env', '--rollback-file', `${name}-rollback.json`]);
      assert.equal(applied.code, 2, `${name}: ${applied.stderr}`);
      assert.match(applied.stderr.trim(), new RegExp(`^redfort: ${name}\\.json${pattern.source}`));
      assert.equal(applied.stderr.trim().split('\n').length, 1, applied.stderr);
      assert.ok(!existsSync(join(dir, `${name}-rollback.json`)), `${name}: nothing recorded, nothing applied`);
      assert.deepEqual(await snapshot(server), before);
    }
  });

  it('a resumed plan whose steps were edited after its first apply is refused before any further change', async () => {
    const before = await snapshot(server);
    const cli = (args: string[]) => runCli(args, { cwd: dir });
    const files = ['--secrets', 'resumed-secrets.env', '--rollback-file', 'resumed-rollback.json'];
    const planned = await cli(['fix', server.url, '--plan', '--out', 'resumed.json', '--no-probe', '--secrets', 'resumed-secrets.env']);
    assert.equal(planned.code, 0, planned.stderr);
    const p = JSON.parse(readFileSync(join(dir, 'resumed.json'), 'utf8')) as FixPlan;
    const later = p.steps.find((s) => s.class === 'disruptive');
    assert.ok(later, 'the plan of a wide-open server has a disruptive step');
    // The safe steps first: the record now knows the plan and the steps it was given.
    const first = await cli(['fix', server.url, '--apply', 'resumed.json', '--no-probe', ...files]);
    assert.equal(first.code, 0, first.stderr);
    const afterFirst = await snapshot(server);
    // Then the file is edited: a step not yet run becomes another command.
    writeFileSync(join(dir, 'resumed.json'), JSON.stringify({ ...p, steps: p.steps.map((s) => (s === later ? { ...s, command: ['CONFIG', 'SET', 'protected-mode', 'no'] } : s)) }));
    const resumed = await cli(['fix', server.url, '--apply', 'resumed.json', '--no-probe', '--include-disruptive', '--yes', ...files]);
    assert.equal(resumed.code, 2, resumed.stderr);
    assert.equal(resumed.stderr.trim(), 'redfort: resumed.json: its steps are not those the earlier apply of this plan recorded in resumed-rollback.json (edited after that apply): make a new plan with --plan');
    assert.deepEqual(await snapshot(server), afterFirst, 'nothing more applied');
    // The plan as first applied resumes; the rollback returns to the start.
    writeFileSync(join(dir, 'resumed.json'), JSON.stringify(p));
    const honest = await cli(['fix', server.url, '--apply', 'resumed.json', '--no-probe', '--include-disruptive', '--yes', ...files]);
    assert.equal(honest.code, 0, honest.stderr);
    const rolled = await cli(['fix', '--rollback', 'resumed-rollback.json']);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.deepEqual(await snapshot(server), before);
  });

  /** Plans, edits the `CONFIG SET loglevel` step's command, applies the safe steps: the apply fails and rolls back. */
  async function applyEdited(command: string[], rollbackFile: string): Promise<{ id: number; error: string }> {
    const seed = target(server.url);
    const s0 = await state(seed, { noProbe: true });
    const p = plan(s0, seed);
    const edited = findStep(p, 'CONFIG SET loglevel');
    const tampered: FixPlan = { ...p, steps: p.steps.map((s) => (s === edited ? { ...s, command } : s)) };
    const outcome = await apply(tampered, s0, ['safe'], { secrets: secretsFor(p), rollbackFile: join(dir, rollbackFile), noProbe: true });
    assert.equal(outcome.ok, false);
    assert.ok(outcome.rolledBack);
    assert.deepEqual(outcome.notRestored, []);
    return { id: edited.id, error: outcome.error! };
  }

  it('a CONFIG SET the server refuses stops the apply, which rolls back the users it created', async () => {
    const before = await snapshot(server);
    const { id, error } = await applyEdited(['CONFIG', 'SET', 'loglevel', 'nonsense'], 'refused.json');
    assert.match(error, new RegExp(`^step ${id} \\(${address(server)}, CONFIG SET loglevel nonsense\\): the server refused it`));
    assert.deepEqual(await snapshot(server), before);
  });

  it("a step whose command was edited is rolled back by what the command touches, not by the plan's word", async () => {
    // The plan is a file a person may edit: `touches` said `loglevel`, the command changed the default user, and
    // the rollback left the default user as the edited step set it ("everything recorded is back").
    const before = await snapshot(server);
    const { id, error } = await applyEdited(['ACL', 'SETUSER', 'default', 'on', '>edited-into-the-plan', '~*', '+@all'], 'edited.json');
    assert.match(error, new RegExp(`^step ${id} .*authentication lost`));
    assert.deepEqual(await snapshot(server), before);
  });

  it('a lost connection stops the apply; the rollback reconnects', async () => {
    const before = await snapshot(server);
    const seed = target(server.url);
    const s0 = await state(seed, { noProbe: true });
    const p = plan(s0, seed);
    const victim = findStep(p, 'ACL SETUSER default off');
    const secrets = secretsFor(p);
    const outcome = await apply(p, s0, ['safe', 'disruptive'], {
      secrets,
      rollbackFile: join(dir, 'lost.json'),
      noProbe: true,
      async beforeStep(step) {
        if (step.id !== victim.id) return;
        const clients = String(await rawCommand(server.host, server.port, ['CLIENT', 'LIST'], { user: USERS.admin, password: secrets.get(USERS.admin)! }));
        const id = /id=(\d+) .*name=redfort-fix/.exec(clients)?.[1];
        assert.ok(id, 'the fix connection is named');
        await rawCommand(server.host, server.port, ['CLIENT', 'KILL', 'ID', id], { user: USERS.admin, password: secrets.get(USERS.admin)! });
      },
    });
    assert.equal(outcome.ok, false);
    assert.match(outcome.error!, new RegExp(`^step ${victim.id} .*the connection was lost`));
    assert.ok(outcome.rolledBack);
    assert.deepEqual(outcome.notRestored, []);
    assert.deepEqual(await snapshot(server), before);
    assert.equal(await rawCommand(server.host, server.port, ['GET', 'data']), 'kept');
  });

  it('a second fix on the same node while one runs is refused', async () => {
    const before = await snapshot(server);
    const seed = target(server.url);
    const s0 = await state(seed, { noProbe: true });
    const p = plan(s0, seed);
    const secrets = secretsFor(p);
    let second: Awaited<ReturnType<typeof apply>> | undefined;
    const first = await apply(p, s0, ['safe'], {
      secrets,
      rollbackFile: join(dir, 'first.json'),
      noProbe: true,
      async beforeStep(step) {
        if (step.id === p.steps[0]!.id) second = await apply(p, s0, ['safe'], { secrets, rollbackFile: join(dir, 'second.json'), noProbe: true });
      },
    });
    assert.ok(first.ok, first.error);
    assert.equal(second?.ok, false);
    assert.match(second!.error!, /another redfort fix \(pid \d+\) is working on/);
    assert.ok(!existsSync(join(dir, 'second.json')));
    assert.deepEqual((await rollback(await readRollback(join(dir, 'first.json')), new Map([[address(server), seed]]))).notRestored, []);
    assert.deepEqual(await snapshot(server), before);
  });
});

describe('fix faults: permissions and a node that dies', () => {
  it('NOPERM on ACL SETUSER stops at the first step, with nothing changed', async () => {
    const server = await startRedis({ conf: 'user ops on >ops-password-0123456789 ~* &* +@all -acl|setuser' });
    const auth = { user: 'ops', password: 'ops-password-0123456789' };
    const before = await snapshot(server, auth);
    const seed = target(server.url, { user: 'ops', pass: auth.password });
    const s0 = await state(seed, { noProbe: true });
    const p = plan(s0, seed);
    const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile: join(workDir(), 'noperm.json'), noProbe: true });
    assert.equal(outcome.ok, false);
    assert.match(outcome.error!, /^step 1 \(.*ACL SETUSER .*\): the server refused it: NOPERM/);
    assert.deepEqual(outcome.applied, []);
    assert.deepEqual(await snapshot(server, auth), before);
    await server.stop();
  });

  // Without credentials every rule was skipped "needs credentials", and the plan said "Nothing to change: every rule
  // fix can close passes." with exit 0, on a server whose shared requirepass fix exists to replace.
  it('a server that wants a password none was given for: exit 2 saying so, not "nothing to change"', async () => {
    const password = 'fix-needs-credentials-4e1a';
    const server = await startRedis({ conf: `requirepass ${password}\nloglevel warning`, password });
    const dir = workDir();
    const run = await runCli(['fix', server.url.replace(/\/\/[^@]*@/, '//'), '--plan', '--out', 'plan.json', '--no-probe'], { cwd: dir });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.doesNotMatch(run.stdout, /Nothing to change/);
    assert.match(run.stderr, /^redfort: .*needs credentials: the server requires a password/m);
    assert.equal(existsSync(join(dir, 'plan.json')), false);
    await server.stop();
  });

  it('a master that dies mid-apply: the replica is rolled back, the master reported, no data lost', async () => {
    const master = await startRedis({ killOnStop: true });
    await rawCommand(master.host, master.port, ['SET', 'data', 'kept']);
    const replica = await startReplica(master);
    const before = await snapshot(replica);
    const seed = target(master.url);
    const s0 = await state(seed, { kind: 'replication', noProbe: true });
    const p = plan(s0, seed);
    const firstOnMaster = p.steps.find((s) => s.node === address(master) && s.class === 'safe')!;
    assert.ok(p.steps.indexOf(firstOnMaster) > p.steps.findIndex((s) => s.node === address(replica)), 'the replica goes first');
    const outcome = await apply(p, s0, ['safe', 'disruptive'], {
      secrets: secretsFor(p),
      rollbackFile: join(workDir(), 'dies.json'),
      noProbe: true,
      async beforeStep(step) {
        if (step.id === firstOnMaster.id) await master.stop();
      },
    });
    assert.equal(outcome.ok, false);
    assert.match(outcome.error!, new RegExp(`^step ${firstOnMaster.id} \\(${address(master)}`));
    assert.ok(outcome.rolledBack);
    assert.ok(outcome.notRestored.some((n) => n.startsWith(address(master))), outcome.notRestored.join('\n'));
    assert.ok(!outcome.notRestored.some((n) => n.startsWith(address(replica))), outcome.notRestored.join('\n'));
    const after = await snapshot(replica);
    assert.deepEqual(after.acl, before.acl);
    assert.equal(after.mode, before.mode);
    assert.equal(await rawCommand(replica.host, replica.port, ['GET', 'data']), 'kept');
    await replica.stop();
  });
});

describe('fix faults: a deployment that is unhealthy before any change', () => {
  it('a cluster node whose cluster_state is fail (no slots) is refused before any change: exit 2, nothing recorded', async () => {
    const server = await startRedis({ conf: 'cluster-enabled yes\ncluster-config-file nodes.conf\n' });
    const dir = workDir();
    try {
      const before = await snapshot(server);
      assert.match(String(await rawCommand(server.host, server.port, ['CLUSTER', 'INFO'])), /cluster_state:fail/);
      const r = await runCli(['fix', server.url, '--apply', '--include-disruptive', '--yes', '--no-probe', '--rollback-file', 'rb.json'], { cwd: dir });
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`Refused, nothing applied: 127\\.0\\.0\\.1:${server.port}: cluster_state is not ok before any change: fix changes nothing on a deployment that is not healthy`));
      assert.doesNotMatch(r.stdout + r.stderr, /rolling back|applied step/);
      assert.ok(!existsSync(join(dir, 'rb.json')), 'nothing recorded, nothing applied');
      assert.deepEqual(await snapshot(server), before);
    } finally {
      await server.stop();
    }
  });
});

describe('fix --rollback on a server that knows neither selectors nor channels (Redis 6.0)', () => {
  it('restores the recorded users without clearselectors and resetchannels, which 6.0 refuses', async () => {
    // Redis 6.0.20 refuses both words ("Error in ACL SETUSER modifier 'resetchannels': Syntax error", seen live): the
    // rollback retried without clearselectors only, so the default user stayed off and the fix's users were deleted
    // after it, leaving no way in. Debian ships 7.0 only: a proxy in front of it refuses the two words as 6.0 does.
    const server = await startRedis({ conf: 'loglevel warning' });
    const proxy = await forwardingProxy(server, {
      local(argv) {
        if (argv[0]?.toUpperCase() !== 'ACL' || argv[1]?.toUpperCase() !== 'SETUSER') return undefined;
        const unknown = argv.slice(3).find((w) => /^(clearselectors|resetchannels)$/i.test(w));
        return unknown === undefined ? undefined : err(`ERR Error in ACL SETUSER modifier '${unknown}': Syntax error`);
      },
    });
    try {
      const dir = workDir();
      const before = await snapshot(server);
      const seed = target(server.url);
      const s0 = await state(seed, { noProbe: true });
      const p = plan(s0, seed);
      const rollbackFile = join(dir, 'rollback.json');
      const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile, noProbe: true });
      assert.ok(outcome.ok, outcome.error);
      await assert.rejects(rawCommand(server.host, server.port, ['PING']), /NOAUTH/);
      const back = await rollback(await readRollback(rollbackFile), new Map([[address(server), target(`redis://${proxy.host}:${proxy.port}`)]]));
      assert.deepEqual(back.notRestored, []);
      assert.deepEqual(await snapshot(server), before);
    } finally {
      await proxy.close();
      await server.stop();
    }
  });
});

describe('fix --rollback when a recorded user cannot be set back', () => {
  it("keeps the fix's users, the only way in left, and says so", async () => {
    // The second pass deleted the fix's users even when the default user could not be set back (still off): the
    // server was left with no user anyone could log in as. A proxy refuses the rollback's ACL SETUSER default.
    const server = await startRedis({ conf: 'loglevel warning' });
    const proxy = await forwardingProxy(server, {
      local(argv) {
        const words = argv.map((w) => w.toLowerCase());
        return words[0] === 'acl' && words[1] === 'setuser' && words[2] === 'default' && words.includes('resetkeys') ? err("NOPERM User has no permissions to run the 'acl|setuser' command") : undefined;
      },
    });
    try {
      const dir = workDir();
      const seed = target(server.url);
      const s0 = await state(seed, { noProbe: true });
      const p = plan(s0, seed);
      const secrets = secretsFor(p);
      const rollbackFile = join(dir, 'rollback.json');
      const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets, rollbackFile, noProbe: true });
      assert.ok(outcome.ok, outcome.error);
      const back = await rollback(await readRollback(rollbackFile), new Map([[address(server), target(`redis://${proxy.host}:${proxy.port}`)]]));
      assert.match(back.notRestored.join('\n'), /ACL SETUSER default \(as recorded\): NOPERM/);
      assert.match(back.notRestored.join('\n'), /kept the fix's users \(.*admin.*\)/);
      assert.equal(await rawCommand(server.host, server.port, ['PING'], { user: USERS.admin, password: secrets.get(USERS.admin)! }), 'PONG');
    } finally {
      await proxy.close();
      await server.stop();
    }
  });
});
