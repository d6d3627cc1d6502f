import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { err } from '../helpers/fake-resp-server.ts';
import { rawCommand } from '../harness/raw.ts';
import { eventually } from '../harness/wait.ts';
import { build, runCli } from '../report/cli-run.ts';
import type { CliRun } from '../report/cli-run.ts';
import { startRedis, startReplica, startSentinels, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { address, snapshot, workDir } from './helpers.ts';

// `fix` had no --node-override (audit has): a Sentinel group whose sentinels and data nodes take other credentials
// could not be planned, applied, re-planned after an apply (the data nodes then take only the new admin user, the
// sentinels have no such user) or rolled back from the command line; only the library could re-plan.
after(stopAll);
before(build);

const DATA_PASS = 'data-requirepass-5f0c2a9e41d7';
const OPS_PASS = 'ops-override-secret-8b3e7d1c06a4';
const SENTINEL_PASS = 'sentinel-override-secret-2d9a4f6e13c8';
const OPS_USER = `user ops on >${OPS_PASS} ~* &* +@all`;

describe('fix --node-override: usage, as audit takes it', () => {
  it('is listed by fix --help', async () => {
    const help = await runCli(['fix', '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /--node-override <key=url>\s+reach the nodes KEY \(host:port, or master, replica,\s+sentinel\) with this URL's credentials, repeatable/);
    assert.match(help.stdout, /\n {2}redfort fix \S+ --sentinel --plan \\\n {4}--node-override master=redis:\/\/admin:PW@x \\\n/);
    for (const line of help.stdout.split('\n')) assert.ok(line.length <= 80, line);
    // The README's Fix section says so too.
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const fix = readme.slice(readme.indexOf('\n## Fix\n'), readme.indexOf('\n## Harden\n')).replace(/\s+/g, ' ');
    assert.match(fix, /`--node-override KEY=URL` \(repeatable\) is audit's/);
    assert.match(fix, /The plan, `--apply` \(its audits before and after\) and `--rollback`/);
  });

  it('needs a deployment flag (or --rollback), and a malformed one is one line without its password', async () => {
    const single = await runCli(['fix', 'redis://127.0.0.1:1', '--plan', '--node-override', `master=redis://:${OPS_PASS}@127.0.0.1`], { cwd: workDir() });
    assert.equal(single.code, 2);
    assert.equal(single.stderr, 'redfort: --node-override needs --cluster, --sentinel or --replication (or --rollback FILE)\n');
    const malformed = await runCli(['fix', 'redis://127.0.0.1:1', '--sentinel', '--plan', '--node-override', `redis://:${OPS_PASS}@127.0.0.1`], { cwd: workDir() });
    assert.equal(malformed.code, 2);
    assert.equal(malformed.stderr, "redfort: --node-override 'redis://:***@127.0.0.1' must be KEY=URL (KEY: host:port, master, replica or sentinel)\n");
    const badUrl = await runCli(['fix', 'redis://127.0.0.1:1', '--sentinel', '--plan', '--node-override', `master=redis://:${OPS_PASS}@bad host`], { cwd: workDir() });
    assert.equal(badUrl.code, 2);
    assert.equal(badUrl.stderr.split('\n').length, 2, badUrl.stderr);
    assert.ok(!badUrl.stderr.includes(OPS_PASS), badUrl.stderr);
  });
});

describe('fix --node-override on a Sentinel group whose sentinels and data nodes take other credentials', () => {
  let master: RunningServer;
  let replica: RunningServer;
  let sentinels: RunningServer[];
  before(async () => {
    // The data nodes: a shared requirepass, and an operator user 'ops' (the override); the sentinels: their own password.
    master = await startRedis({ conf: [`requirepass ${DATA_PASS}`, OPS_USER, 'loglevel warning'].join('\n'), password: DATA_PASS });
    replica = await startReplica(master, { masterauth: DATA_PASS, conf: [`requirepass ${DATA_PASS}`, OPS_USER, 'loglevel warning'].join('\n'), password: DATA_PASS });
    sentinels = await startSentinels(2, master, { authPass: DATA_PASS, requirepass: SENTINEL_PASS });
    const asSentinel = { password: SENTINEL_PASS, timeoutMs: 3000 };
    await eventually('the sentinels to know each other and the replica', async () => {
      const views = await Promise.all(sentinels.map(async (s) => (await rawCommand(s.host, s.port, ['SENTINEL', 'MASTER', 'mymaster'], asSentinel)) as string[]));
      return views.every((m) => m[m.indexOf('num-other-sentinels') + 1] === '1' && m[m.indexOf('num-slaves') + 1] === '1') || undefined;
    });
    for (const s of [master, replica, ...sentinels]) chmodSync(s.confPath, 0o640);
  });

  it('plans, applies, plans again after the apply and rolls back from the command line, and never shows an override secret', async () => {
    const dir = workDir();
    const runs: CliRun[] = [];
    const cli = async (args: string[]) => {
      const run = await runCli(args, { cwd: dir, killAfterMs: 240_000 });
      runs.push(run);
      return run;
    };
    const seed = `redis://:${SENTINEL_PASS}@${address(sentinels[0]!)}`;
    // The peer sentinel named (QA44-56: one known only from SENTINEL SENTINELS gets no password).
    const asOps = ['--node-override', `master=redis://ops:${OPS_PASS}@127.0.0.1`, '--node-override', `replica=redis://ops:${OPS_PASS}@127.0.0.1`, '--trust-sentinel', address(sentinels[1]!)];
    const befores = await Promise.all([master, replica].map((s) => snapshot(s, { password: DATA_PASS })));

    // The seed's credentials alone are refused by the data nodes.
    const without = await cli(['fix', seed, '--sentinel', '--plan', '--no-probe']);
    assert.equal(without.code, 2);
    assert.match(without.stderr, new RegExp(`${address(master)} \\(master\\): authentication failed: WRONGPASS`));

    const planned = await cli(['fix', seed, '--sentinel', '--plan', '--no-probe', '--out', 'plan.json', ...asOps]);
    assert.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { nodes: { address: string }[]; steps: { node: string; command: unknown[] }[] };
    assert.deepEqual(plan.nodes.map((n) => n.address).sort(), [master, replica, ...sentinels].map(address).sort());
    const stepsOf = (node: RunningServer) => plan.steps.filter((s) => s.node === address(node)).map((s) => s.command.map((a) => (typeof a === 'string' ? a : '*')).join(' '));
    for (const node of [master, replica]) assert.ok(stepsOf(node).includes('ACL SETUSER default off resetpass'), JSON.stringify(stepsOf(node)));
    for (const node of sentinels) assert.ok(stepsOf(node).some((c) => c.startsWith('SENTINEL SET mymaster auth-user sentinel')), JSON.stringify(stepsOf(node)));

    // The apply audits again before and after (its verify step) with the overrides.
    const applied = await cli(['fix', seed, '--sentinel', '--apply', 'plan.json', '--include-disruptive', '--yes', '--no-probe', ...asOps]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, new RegExp(`${address(master)} auth\\.default-user-enabled: fail → pass`));
    assert.match(applied.stdout, new RegExp(`${address(replica)} auth\\.requirepass-used: fail → pass`));
    await assert.rejects(rawCommand(master.host, master.port, ['PING'], { timeoutMs: 3000 }), /NOAUTH/);
    const admin = /^REDFORT_PASSWORD_admin=(.+)$/m.exec(readFileSync(join(dir, 'redfort-secrets.env'), 'utf8'))![1]!.replace(/^'|'$/g, '');

    // Planned again: the data nodes take only the new admin, which the sentinels do not have.
    const asAdmin = ['--node-override', `master=redis://admin:${admin}@127.0.0.1`, '--node-override', `replica=redis://admin:${admin}@127.0.0.1`, '--trust-sentinel', address(sentinels[1]!)];
    const stillWithout = await cli(['fix', seed, '--sentinel', '--plan', '--no-probe']);
    assert.equal(stillWithout.code, 2);
    const again = await cli(['fix', seed, '--sentinel', '--plan', '--no-probe', '--format', 'json', ...asAdmin]);
    assert.equal(again.code, 0, again.stderr);
    const replanned = JSON.parse(again.stdout) as { steps: { class: string; node: string; command: unknown[] }[] };
    assert.deepEqual(replanned.steps.filter((s) => s.class !== 'restart').map((s) => `${s.node} ${s.command.join(' ')}`), []);

    // The rollback: the sentinels' password only in the override for their role; the replica reached through the
    // override for its address, a proxy (as behind NAT), used as given.
    const proxy = await forwardingProxy(replica, { local: (argv) => (argv[0]!.toUpperCase() === 'HELLO' ? err('ERR unknown command') : undefined) });
    try {
      const back = await cli(['fix', '--rollback', 'redfort-rollback.json', '--node-override', `sentinel=redis://:${SENTINEL_PASS}@127.0.0.1`, '--node-override', `${address(replica)}=redis://${proxy.host}:${proxy.port}`]);
      assert.equal(back.code, 0, `${back.stdout}\n${back.stderr}`);
      assert.doesNotMatch(back.stdout, /NOT restored/);
      const sent = proxy.commands.map((c) => c.slice(0, 3).join(' ').toUpperCase());
      assert.ok(sent.includes('ACL SETUSER DEFAULT') && sent.includes('ACL DELUSER ADMIN'), JSON.stringify(sent));
    } finally {
      await proxy.close();
    }
    const afters = await Promise.all([master, replica].map((s) => snapshot(s, { password: DATA_PASS })));
    assert.deepEqual(afters, befores);
    for (const s of sentinels) {
      const conf = readFileSync(s.confPath, 'utf8');
      assert.match(conf, new RegExp(`^sentinel auth-pass mymaster ${DATA_PASS}$`, 'm'));
      assert.doesNotMatch(conf, /^sentinel auth-user /m);
    }

    // The override secrets are in no output, nor in the plan, the rollback record or the secrets file.
    const files = ['plan.json', 'redfort-rollback.json', 'redfort-secrets.env'].map((f) => readFileSync(join(dir, f), 'utf8'));
    for (const secret of [OPS_PASS, SENTINEL_PASS]) {
      for (const [i, run] of runs.entries()) assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), `run ${i} shows an override secret`);
      for (const text of files) assert.ok(!text.includes(secret), 'a file holds an override secret');
    }
    // The admin's password is the record's own (it is the rollback's way in): never in an output.
    for (const run of runs) assert.ok(!run.stdout.includes(admin) && !run.stderr.includes(admin));
  });
});
