import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rollback } from '../../src/fix/apply.ts';
import { readRollback } from '../../src/fix/rollback.ts';
import { SECRET_PLACEHOLDER } from '../../src/fix/types.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { err } from '../helpers/fake-resp-server.ts';
import { rawCommand } from '../harness/raw.ts';
import { eventually } from '../harness/wait.ts';
import { build, runCli } from '../report/cli-run.ts';
import { startCluster, startRedis, startRedisExpectingExit, startReplica, startSentinels, stopAll } from '../harness/servers.ts';
import type { RunningCluster, RunningServer } from '../harness/servers.ts';
import { address, apply, plan, USERS, secretsFor, snapshot, state, status, target, workDir } from './helpers.ts';

// Issue 14 end to end on real servers: plan → apply safe → apply disruptive → re-audit → second plan → rollback.
after(stopAll);
const { admin, app } = USERS;
before(build);

/** Every command a MONITOR connection sees while `during` runs. */
async function monitor(server: RunningServer, during: () => Promise<unknown>): Promise<string[]> {
  const socket = net.connect(server.port, server.host);
  let text = '';
  socket.on('data', (d) => (text += d.toString('utf8')));
  socket.write('MONITOR\r\n');
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  await new Promise((r) => setTimeout(r, 100));
  await during();
  await new Promise((r) => setTimeout(r, 200));
  socket.destroy();
  // `+1700000000.123456 [0 127.0.0.1:5000] "CONFIG" "GET" "*"`
  return [...text.matchAll(/\] "([^"]+)"(?: "([^"]+)")?/g)].map((m) => `${m[1]!.toLowerCase()} ${(m[2] ?? '').toLowerCase()}`.trim());
}

const READ_ONLY = /^(auth|ping|info|config get|acl list|acl cat|acl getuser|command info|time|cluster nodes|sentinel .*|client setname|client list|hello|quit)\b/;

// The tls-cluster restart step said "tls-cluster cannot be changed at run time", as the README's Fix section did:
// redis-server takes CONFIG SET tls-cluster yes (MODIFIABLE_CONFIG), and changes only the bus links made afterwards.
describe('fix: the tls-cluster restart step says why it is not set at run time, truly', () => {
  it('names what CONFIG SET tls-cluster changes, which the server accepts', async () => {
    const server = await startRedis({ conf: 'cluster-enabled yes', tls: { authClients: 'no', plaintextPort: true }, killOnStop: true });
    const seed = target(server.url);
    const p = plan(await state(seed, { noProbe: true }), seed);
    const step = p.steps.find((st) => st.class === 'restart' && st.configLine === 'tls-cluster yes');
    assert.ok(step, 'a tls-cluster restart step');
    assert.doesNotMatch(step.reason, /cannot be changed at run time/);
    // Without cluster-port, CONFIG SET tls-cluster yes also moves the bus port the node announces (test/fix/cluster-tls).
    assert.match(step.reason, /^fix does not set tls-cluster at run time \(CONFIG SET tls-cluster yes makes a node without cluster-port announce its bus at tls-port \+ 10000, where it does not listen: the other nodes lose it\): add `tls-cluster yes` to .*redis\.conf and restart the node\. /);
    assert.ok(p.steps.some((st) => st.class === 'restart' && st.configLine === `cluster-port ${server.port + 10_000}`), 'the bus pinned where it listens');
    assert.equal(await rawCommand(server.host, server.port, ['CONFIG', 'SET', 'tls-cluster', 'yes']), 'OK');
    await server.stop();
  });
});

// The aclfile restart step said only "add `aclfile /etc/redis/users.acl` to the config file and restart": after an
// apply, whose CONFIG REWRITE writes the users into redis.conf, that line alone stops the server from starting.
describe('fix: the aclfile restart step, followed as written, gives a server that starts', () => {
  it('says to write the users to the file and remove the user lines first; the line alone is refused', async () => {
    const server = await startRedis({ conf: 'loglevel warning', killOnStop: true });
    const seed = target(server.url);
    const s0 = await state(seed, { noProbe: true });
    const p = plan(s0, seed);
    const step = p.steps.find((st) => st.class === 'restart' && st.configLine?.startsWith('aclfile '));
    assert.ok(step, 'an aclfile restart step');
    // Where harden puts it: beside the config file (not /etc/redis/users.acl, which another server may use).
    const acl = join(server.dir, 'users.acl');
    assert.equal(step.configLine, `aclfile ${acl}`);
    assert.ok(step.reason.includes(`first write the users to ${acl} (the lines ACL LIST prints) and delete the \`user\` lines from ${server.confPath}`), step.reason);
    const secrets = secretsFor(p);
    const applied = await apply(p, s0, ['safe', 'disruptive'], { secrets, rollbackFile: join(workDir(), 'rollback.json'), noProbe: true });
    assert.ok(applied.ok, applied.error);
    const adminPassword = secrets.get(admin)!;
    const users = `${((await rawCommand(server.host, server.port, ['ACL', 'LIST'], { user: admin, password: adminPassword })) as string[]).join('\n')}\n`;
    const rewritten = readFileSync(server.confPath, 'utf8');
    await server.stop();
    assert.match(rewritten, /^user /m, 'CONFIG REWRITE wrote the users into redis.conf');
    // The harness writes port, dir and logfile for the new directory (the ACL file is in it: /etc/redis needs root).
    const kept = rewritten.split('\n').filter((l) => !/^(port|dir|logfile|#)\b/.test(l.trim()) && l.trim() !== '');
    const alone = await startRedisExpectingExit({ conf: [...kept, 'aclfile users.acl'].join('\n'), files: { 'users.acl': users } });
    await alone.stop();
    assert.match(alone.output, /users defined in redis\.conf and at the same setting an ACL file path is invalid/);
    const asTold = await startRedis({ conf: [...kept.filter((l) => !/^user /.test(l)), 'aclfile users.acl'].join('\n'), files: { 'users.acl': users }, username: admin, password: adminPassword, killOnStop: true });
    assert.equal(await rawCommand(asTold.host, asTold.port, ['PING'], { user: admin, password: adminPassword }), 'PONG');
  });
});

// fix proposed /etc/redis/users.acl for every server, where harden puts the ACL file beside the config
// (users-<name>.acl for <name>.conf): two servers of one host were told to write their users to one file.
describe('fix: the aclfile restart step names a new file beside the config, never an existing one', () => {
  it('passes over an existing users.acl (another server\'s), naming it; the plan leaves it as it was', async () => {
    const other = 'user default off\nuser other-server on #0123 ~* +@all\n';
    const server = await startRedis({ conf: 'loglevel warning', files: { 'users.acl': other }, killOnStop: true });
    const dir = workDir();
    const run = await runCli(['fix', server.url, '--plan', '--out', 'plan.json', '--no-probe'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const p = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { steps: { class: string; configLine?: string; reason: string }[] };
    const step = p.steps.find((st) => st.class === 'restart' && st.configLine?.startsWith('aclfile '));
    assert.ok(step, 'an aclfile restart step');
    const taken = join(server.dir, 'users.acl');
    assert.equal(step.configLine, `aclfile ${join(server.dir, 'users-2.acl')}`);
    assert.ok(step.reason.includes(`${taken} already exists on this machine and is not this server's aclfile (another server's users, or left over): not used, never written over`), step.reason);
    assert.equal(readFileSync(taken, 'utf8'), other);
    assert.ok(!existsSync(join(server.dir, 'users-2.acl')), 'a plan writes no file');
  });
});

describe('fix on a wide-open server', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    server = await startRedis({ conf: 'loglevel warning' });
    chmodSync(server.confPath, 0o640);
    dir = workDir();
  });

  it('plans, applies safe then disruptive steps, verifies, is idempotent and rolls back', async () => {
    const before = await snapshot(server);
    const seed = target(server.url);

    // --plan through the CLI: read-only on the wire, secrets only in the secrets file.
    let cli: Awaited<ReturnType<typeof runCli>> | undefined;
    const seen = await monitor(server, async () => {
      cli = await runCli(['fix', server.url, '--plan', '--format', 'json', '--out', 'plan.json', '--secrets', 'secrets.env'], { cwd: dir });
    });
    assert.equal(cli!.code, 0, cli!.stderr);
    assert.ok(seen.length > 5, `MONITOR saw the audit: ${seen.join(', ')}`);
    for (const command of seen) assert.match(command, READ_ONLY, `a non-read-only command during --plan: ${command}`);
    // The README's Fix section says what --plan shows under MONITOR: every command seen is named there (PING was not).
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8').replace(/\s+/g, ' ');
    const listed = /under `MONITOR` it shows only ([^)]*)\)/.exec(readme)?.[1] ?? '';
    for (const verb of new Set(seen.map((c) => c.split(' ')[0]!.toUpperCase()))) {
      assert.ok(listed.includes(`\`${verb}`), `the README's --plan MONITOR list lacks ${verb}: ${listed}`);
    }
    assert.equal(statSync(join(dir, 'secrets.env')).mode & 0o777, 0o600);
    const secretsText = readFileSync(join(dir, 'secrets.env'), 'utf8');
    const secrets = new Map([...secretsText.matchAll(/^REDFORT_PASSWORD_([^=]+)=(.+)$/gm)].map((m) => [m[1]!, m[2]!]));
    assert.deepEqual([...secrets.keys()].sort(), [admin, 'app', 'auditor'].sort());
    const planText = readFileSync(join(dir, 'plan.json'), 'utf8');
    for (const pw of secrets.values()) {
      assert.ok(!planText.includes(pw), 'a password in plan.json');
      assert.ok(!cli!.stdout.includes(pw), 'a password in the plan text');
    }
    assert.ok(planText.includes(SECRET_PLACEHOLDER));
    assert.equal(cli!.stdout, planText, '--format json prints what --out saves');
    const saved = JSON.parse(planText) as { format: string; steps: { class: string }[]; digest: string };
    assert.equal(saved.format, 'redfort-fix-plan');
    assert.match(saved.digest, /^[0-9a-f]{64}$/);

    const s0 = await state(seed, { noProbe: true });
    const p = plan(s0, seed);
    const byCommand = (text: string) => p.steps.findIndex((st) => st.command.map((a) => (typeof a === 'string' ? a : '')).join(' ').startsWith(text));
    assert.ok(byCommand(`ACL SETUSER ${app} reset`) < byCommand('ACL SETUSER default off resetpass'), 'users before default off');
    assert.equal(p.steps[byCommand('CONFIG SET loglevel')]!.class, 'safe');
    assert.equal(p.steps[byCommand('ACL SETUSER default off')]!.class, 'disruptive');
    assert.ok(p.steps.some((st) => st.class === 'restart' && st.command.length === 0), 'restart steps are printed, never commands');

    const rollbackFile = join(dir, 'rollback.json');
    const safe = await apply(p, s0, ['safe'], { secrets, rollbackFile, noProbe: true });
    assert.ok(safe.ok, safe.error);
    assert.equal(statSync(rollbackFile).mode & 0o777, 0o600);
    assert.match(readFileSync(rollbackFile, 'utf8'), /holds secrets/);
    assert.equal(statSync(server.confPath).mode & 0o777, 0o640, 'CONFIG REWRITE left the mode as it was');
    assert.ok(safe.changes.some((c) => c.rule === 'logging.loglevel-too-quiet' && c.after === 'pass'));

    // The same saved plan, now for its disruptive steps: not stale, since its own first apply changed the server.
    const s1 = await state(seed, { noProbe: true });
    const disruptive = await apply(p, s1, ['safe', 'disruptive'], { secrets, rollbackFile, noProbe: true });
    assert.ok(disruptive.ok, disruptive.error);
    for (const rule of ['auth.no-authentication', 'auth.default-user-enabled']) {
      assert.ok(disruptive.changes.some((c) => c.rule === rule && c.after === 'pass'), `${rule} passes after`);
    }
    // The application user works; the default user does not.
    assert.equal(await rawCommand(server.host, server.port, ['SET', 'fix:k', 'v'], { user: app, password: secrets.get(app)! }), 'OK');
    assert.equal(await rawCommand(server.host, server.port, ['GET', 'fix:k'], { user: app, password: secrets.get(app)! }), 'v');
    await assert.rejects(rawCommand(server.host, server.port, ['GET', 'fix:k']), /NOAUTH/);
    assert.equal(statSync(server.confPath).mode & 0o777, 0o640);

    // Idempotent: a second plan (as admin now) has nothing to run.
    const asAdmin = target(server.url, { user: admin, pass: secrets.get(admin)! });
    const again = plan(await state(asAdmin, { noProbe: true }), asAdmin);
    assert.deepEqual(again.steps.filter((st) => st.class !== 'restart').map((st) => st.command.join(' ')), []);

    // Roll back through the CLI, with no credentials: the record's admin logs in.
    const back = await runCli(['fix', '--rollback', rollbackFile], { cwd: dir });
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.deepEqual(await snapshot(server), before);
    assert.equal(await rawCommand(server.host, server.port, ['GET', 'fix:k']), 'v', 'no data lost');
  });
});

describe('fix on a requirepass-only server', () => {
  let server: RunningServer;
  let dir: string;
  const password = 'rp-0123456789abcdef0123456789';
  before(async () => {
    server = await startRedis({ conf: `requirepass ${password}`, password });
    chmodSync(server.confPath, 0o600);
    dir = workDir();
  });

  it('disables the default user before clearing requirepass, and rolls back to the old password', async () => {
    const before = await snapshot(server, { password });
    const seed = target(server.url, { pass: password });
    const s0 = await state(seed, { noProbe: true });
    const p = plan(s0, seed);
    const off = p.steps.findIndex((st) => st.command.join(' ') === 'ACL SETUSER default off resetpass');
    const clear = p.steps.findIndex((st) => st.command[0] === 'CONFIG' && st.command[2] === 'requirepass');
    assert.ok(off >= 0 && clear > off, 'default off resetpass comes before CONFIG SET requirepass ""');
    assert.equal(status(s0, address(server), 'network.protected-mode-off') === 'fail' ? 'checked' : 'checked', 'checked');

    const secrets = secretsFor(p);
    const rollbackFile = join(dir, 'rollback.json');
    const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets, rollbackFile, noProbe: true });
    assert.ok(outcome.ok, outcome.error);
    assert.ok(outcome.changes.some((c) => c.rule === 'auth.requirepass-used' && c.after === 'pass'));
    await assert.rejects(rawCommand(server.host, server.port, ['PING'], { password }), /WRONGPASS|disabled|without any password/);
    assert.equal(await rawCommand(server.host, server.port, ['SET', 'a', '1'], { user: app, password: secrets.get(app)! }), 'OK');
    assert.equal(statSync(server.confPath).mode & 0o777, 0o600);

    const record = await readRollback(rollbackFile);
    const result = await rollback(record, new Map([[address(server), seed]]));
    assert.deepEqual(result.notRestored, []);
    assert.deepEqual(await snapshot(server, { password }), before);
  });
});

describe("fix on the README's example deployment (examples/legacy: requirepass foobared)", () => {
  let server: RunningServer;
  let dir: string;
  const password = 'foobared';
  before(async () => {
    // The example's file, less what the harness sets itself (port, loopback bind, foreground, log file).
    const conf = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'legacy', 'redis.conf'), 'utf8')
      .split('\n')
      .filter((l) => !/^(port|bind|daemonize|logfile)\b/.test(l))
      .join('\n');
    server = await startRedis({ conf, password });
    dir = workDir();
  });

  it('lists as done by hand only what the apply leaves failing: a rewrite drops requirepass, default off retires foobared', async () => {
    const seed = target(server.url, { pass: password });
    const s0 = await state(seed, { noProbe: true });
    const p = plan(s0, seed);
    const node = address(server);
    for (const rule of ['auth.plaintext-passwords', 'auth.weak-password']) {
      assert.equal(status(s0, node, rule), 'fail', `the example fails ${rule}`);
      assert.deepEqual(p.manual.filter((m) => m.rule === rule), [], `${rule} is not left to the operator: a step closes it`);
      assert.ok(p.steps.some((st) => st.rules.includes(rule)), `a step names ${rule}`);
    }
    const rewrite = p.steps.find((st) => st.command.join(' ') === 'CONFIG REWRITE')!;
    assert.deepEqual(rewrite.rules, ['auth.plaintext-passwords']);
    assert.match(rewrite.reason, new RegExp(`no clear-text password is left on the line ${server.confPath}:\\d+`));

    const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile: join(dir, 'rollback.json'), noProbe: true });
    assert.ok(outcome.ok, outcome.error);
    const fixed = outcome.changes.filter((c) => c.before === 'fail' && c.after === 'pass').map((c) => c.rule);
    assert.ok(fixed.includes('auth.plaintext-passwords'), `auth.plaintext-passwords passes after the apply: ${fixed.join(', ')}`);
    // foobared is retired; the users fix made are seen as hashes only, so auth.weak-password no longer fails and
    // cannot pass (QA41-24: a password not judged makes it skip).
    assert.deepEqual(outcome.changes.filter((c) => c.node === node && c.rule === 'auth.weak-password').map((c) => `${c.before} -> ${c.after}`), ['fail -> skip']);
    // The plan's "Not closed by fix" tells the truth: nothing it lists went to pass.
    assert.deepEqual(p.manual.filter((m) => fixed.includes(m.rule)).map((m) => m.rule), []);
    assert.doesNotMatch(readFileSync(server.confPath, 'utf8'), /requirepass/);
  });
});

describe('fix on a master with 2 replicas and 3 sentinels', () => {
  let master: RunningServer;
  let replicas: RunningServer[];
  let sentinels: RunningServer[];
  let dir: string;
  before(async () => {
    master = await startRedis({ conf: 'loglevel warning' });
    replicas = await Promise.all([startReplica(master), startReplica(master)]);
    sentinels = await startSentinels(3, master);
    // Sentinels find each other through hello messages (every 2 s): wait until each knows the two others (it gave up
    // silently after 100 tries: a plan made before then misses a sentinel).
    await eventually('each sentinel to know the two others', async () => {
      const counts = await Promise.all(sentinels.map(async (s) => {
        const m = (await rawCommand(s.host, s.port, ['SENTINEL', 'MASTER', 'mymaster'])) as string[];
        return Number(m[m.indexOf('num-other-sentinels') + 1]);
      }));
      return counts.every((c) => c === 2);
    }, { timeoutMs: 30_000 });
    for (const s of [master, ...replicas, ...sentinels]) chmodSync(s.confPath, 0o640);
    dir = workDir();
  });

  it('gives replicas and sentinels credentials first, keeps replication up, and rolls back', async () => {
    const befores = await Promise.all([master, ...replicas].map((s) => snapshot(s)));
    // Planned from the master alone, the sentinels would lose their way in: the plan leaves the default user on.
    const alone = plan(await state(target(master.url), { noProbe: true }), target(master.url));
    assert.ok(!alone.steps.some((st) => st.command.join(' ') === 'ACL SETUSER default off resetpass'), 'no default off without --sentinel');
    assert.ok(alone.manual.some((m) => /--replication|--sentinel/.test(m.message)), JSON.stringify(alone.manual));
    const seed = target(sentinels[0]!.url);
    // The peers named, as --trust-sentinel does: only then do they get the password (QA44-56).
    const trustSentinels = new Set(sentinels.map(address));
    const s0 = await state(seed, { kind: 'sentinel', noProbe: true, trustSentinels });
    const p = plan(s0, seed);
    const first = (pred: (c: string) => boolean) => p.steps.findIndex((st) => pred(st.command.map((a) => (typeof a === 'string' ? a : '*')).join(' ')));
    const lastCredential = Math.max(...p.steps.map((st, i) => (/^(CONFIG SET masteruser|SENTINEL SET)/.test(st.command.join(' ')) ? i : -1)));
    const masterOff = p.steps.findIndex((st) => st.node === address(master) && st.command.join(' ') === 'ACL SETUSER default off resetpass');
    assert.ok(first((c) => c.startsWith('SENTINEL SET mymaster auth-user')) >= 0, 'sentinels get auth-user');
    assert.ok(first((c) => c.startsWith('CONFIG SET masteruser')) >= 0, 'replicas get masteruser');
    assert.ok(lastCredential < masterOff, 'credentials before the master requires them');
    const replicaOff = p.steps.findIndex((st) => st.node === address(replicas[0]!) && st.command.join(' ') === 'ACL SETUSER default off resetpass');
    assert.ok(replicaOff < masterOff, 'replicas before the master');

    // Sample the replicas' links all along the apply (as the admin once the default user is off).
    const secrets = secretsFor(p);
    const samples: string[] = [];
    let sampling = true;
    const linkOf = async (r: RunningServer): Promise<string> => {
      const info = await rawCommand(r.host, r.port, ['INFO', 'replication'], { timeoutMs: 2000 })
        .catch(() => rawCommand(r.host, r.port, ['INFO', 'replication'], { user: admin, password: secrets.get(admin)!, timeoutMs: 2000 }));
      return /master_link_status:(\w+)/.exec(String(info))?.[1] ?? 'unknown';
    };
    const sampler = (async () => {
      while (sampling) {
        for (const r of replicas) samples.push(await linkOf(r));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const rollbackFile = join(dir, 'rollback.json');
    const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets, rollbackFile, noProbe: true });
    sampling = false;
    await sampler;
    assert.ok(outcome.ok, outcome.error);
    assert.ok(samples.length >= 4, `sampled ${samples.length} times`);
    assert.deepEqual([...new Set(samples)], ['up'], 'master_link_status stayed up');
    assert.ok(outcome.changes.some((c) => c.rule === 'auth.default-user-enabled' && c.after === 'pass'), JSON.stringify(outcome.changes));
    for (const s of [master, ...replicas, ...sentinels]) assert.equal(statSync(s.confPath).mode & 0o777, 0o640, `${s.confPath} mode`);

    // Sentinels still see the master, and its replicas through the new user.
    for (const s of sentinels) {
      const ck = await rawCommand(s.host, s.port, ['SENTINEL', 'CKQUORUM', 'mymaster']);
      assert.match(String(ck), /^OK/);
      // A sentinel whose link to the master dropped as its users changed reconnects within its ping period (1 s):
      // under load 'master,disconnected' may still show for a moment. The link must come back to 'master'.
      const flagsOf = async () => {
        const m = (await rawCommand(s.host, s.port, ['SENTINEL', 'MASTER', 'mymaster'])) as string[];
        return m[m.indexOf('flags') + 1]!;
      };
      const flags = await eventually(`sentinel ${s.port} to see the master as master`, async () => ((await flagsOf()) === 'master' ? 'master' : undefined), { timeoutMs: 10_000 }).catch(flagsOf);
      assert.equal(flags, 'master', `sentinel ${s.port} sees the master as ${flags}`);
    }
    assert.equal(await rawCommand(master.host, master.port, ['SET', 'k', 'v'], { user: app, password: secrets.get(app)! }), 'OK');

    const asAdmin = target(sentinels[0]!.url);
    const again = plan(await state(asAdmin, { kind: 'sentinel', noProbe: true, trustSentinels, nodeOverrides: new Map([['master', target(master.url, { user: admin, pass: secrets.get(admin)! })], ['replica', target(master.url, { user: admin, pass: secrets.get(admin)! })]]) }), asAdmin);
    assert.deepEqual(again.steps.filter((st) => st.class !== 'restart').map((st) => `${st.node} ${st.command.join(' ')}`), []);

    // The sentinels can still fail over: they log in to every node as the sentinel user, replicas as replication.
    const asAdminRaw = { user: admin, password: secrets.get(admin)!, timeoutMs: 3000 };
    // Its links to the replicas may drop as the users change, as its link to the master does (above): a sentinel picks
    // a replica to promote only while its link is up and its INFO fresh (else -NOGOODSLAVE). Wait for that, as for the master.
    await eventually('the sentinel to see both replicas up again', async () => {
      const seen = (await rawCommand(sentinels[0]!.host, sentinels[0]!.port, ['SENTINEL', 'REPLICAS', 'mymaster'])) as string[][];
      return seen.length === 2 && seen.every((r) => r[r.indexOf('flags') + 1] === 'slave' && r[r.indexOf('master-link-status') + 1] === 'ok');
    }, { timeoutMs: 30_000 });
    assert.equal(await rawCommand(sentinels[0]!.host, sentinels[0]!.port, ['SENTINEL', 'FAILOVER', 'mymaster']), 'OK');
    const until = async (what: string, check: () => Promise<boolean>) => {
      for (let i = 0; i < 300; i++) {
        if (await check().catch(() => false)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail(`timed out waiting for ${what}`);
    };
    let promoted = master.port;
    await until('a new master', async () => {
      promoted = Number(((await rawCommand(sentinels[0]!.host, sentinels[0]!.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster'])) as string[])[1]);
      return promoted !== master.port;
    });
    // The other replica follows it, logging in as the replication user.
    await until('a replica of the new master', async () => /slave\d+:.*state=online/.test(String(await rawCommand(master.host, promoted, ['INFO', 'replication'], asAdminRaw))));

    const back = await rollback(await readRollback(rollbackFile), new Map(s0.nodes.map((n) => [n.address, n.target])));
    assert.deepEqual(back.notRestored, []);
    // The failover moved the roles (replicaof); everything fix touched is back.
    const withoutRoles = (x: Awaited<ReturnType<typeof snapshot>>) => ({ ...x, config: x.config.split('\n').filter((l) => !/^(replicaof|slaveof)=/.test(l)).join('\n') });
    const afters = await Promise.all([master, ...replicas].map((s) => snapshot(s)));
    assert.deepEqual(afters.map(withoutRoles), befores.map(withoutRoles));
  });
});

describe('fix on a cluster of 6 nodes', () => {
  let cluster: RunningCluster;
  let dir: string;
  before(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
    dir = workDir();
  });
  after(async () => cluster?.stop());

  it('applies one node at a time, replicas first, and the cluster stays ok', async () => {
    const befores = await Promise.all(cluster.nodes.map((s) => snapshot(s)));
    const seed = target(cluster.nodes[0]!.url);
    const s0 = await state(seed, { kind: 'cluster', noProbe: true });
    const p = plan(s0, seed);
    const replicaAddresses = new Set(s0.nodes.filter((n) => n.role === 'replica').map((n) => n.address));
    const offs = p.steps.filter((st) => st.command.join(' ') === 'ACL SETUSER default off resetpass');
    assert.equal(offs.length, 6);
    assert.ok(offs.slice(0, 3).every((st) => replicaAddresses.has(st.node)), `replicas before masters: ${offs.map((st) => st.node).join(' ')}; replicas ${[...replicaAddresses].join(' ')}`);
    const secrets = secretsFor(p);
    const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets, rollbackFile: join(dir, 'rollback.json'), noProbe: true });
    assert.ok(outcome.ok, outcome.error);
    for (const node of cluster.nodes) {
      const info = String(await rawCommand(node.host, node.port, ['CLUSTER', 'INFO'], { user: admin, password: secrets.get(admin)! }));
      assert.match(info, /cluster_state:ok/);
    }
    const back = await rollback(await readRollback(join(dir, 'rollback.json')), new Map(s0.nodes.map((n) => [n.address, n.target])));
    assert.deepEqual(back.notRestored, []);
    assert.deepEqual(await Promise.all(cluster.nodes.map((s) => snapshot(s))), befores);
    assert.ok(!existsSync(join(dir, 'missing')));
  });
});

describe('fix --rollback on a master and its replica', () => {
  // The apply creates the replication user everywhere, then gives the replica masteruser/masterauth naming it. The
  // rollback went node by node, master first: it deleted the master's replication user while the replica still
  // logged in as it (a reconnection in that window was refused). Now every node gets its recorded state first.
  it('gives the replica its old masteruser/masterauth back before the master loses the replication user', async () => {
    const master = await startRedis({ conf: 'loglevel warning' });
    const replica = await startReplica(master);
    const befores = await Promise.all([master, replica].map((s) => snapshot(s)));
    const seed = target(master.url);
    const s0 = await state(seed, { kind: 'replication', noProbe: true });
    const p = plan(s0, seed);
    const replication = p.steps.find((st) => st.node === address(replica) && st.command[2] === 'masteruser')?.command[3];
    assert.equal(typeof replication, 'string', 'the replica gets a masteruser');
    const rollbackFile = join(workDir(), 'rollback.json');
    const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile, noProbe: true });
    assert.ok(outcome.ok, outcome.error);
    const back = await rollback(await readRollback(rollbackFile), new Map(s0.nodes.map((n) => [n.address, n.target])));
    assert.deepEqual(back.notRestored, []);
    const at = (what: string) => back.restored.indexOf(what);
    const replicaBack = at(`${address(replica)}: CONFIG SET masteruser`);
    const userGone = at(`${address(master)}: ACL DELUSER ${replication}`);
    assert.ok(replicaBack >= 0 && userGone >= 0, back.restored.join('\n'));
    assert.ok(replicaBack < userGone, `the replica's credentials come back before the master's user goes:\n${back.restored.join('\n')}`);
    assert.deepEqual(await Promise.all([master, replica].map((s) => snapshot(s))), befores);
    assert.match(String(await rawCommand(replica.host, replica.port, ['INFO', 'replication'])), /master_link_status:up/);
  });
});

describe('fix --replication on a Redis 6.x replica', () => {
  // CONFIG SET of several parameters is 7.0+: a real 6.2.16 replica refused `CONFIG SET masteruser replication
  // masterauth <pw>` ("wrong number of arguments"), so fix could not give a 6.x replica its credentials (the apply
  // rolled back). Debian ships 7.0 only: a proxy in front of the replica says 6.2.16 and refuses it as 6.2 does.
  it('gives it masteruser and masterauth one CONFIG SET each, and replication stays up', async () => {
    const master = await startRedis({ conf: 'loglevel warning' });
    const replica = await startReplica(master);
    const proxy = await forwardingProxy(replica, {
      local: (argv) => (argv[0]?.toLowerCase() === 'config' && argv[1]?.toLowerCase() === 'set' && argv.length > 4 ? err("ERR Unknown subcommand or wrong number of arguments for 'SET'. Try CONFIG HELP.") : undefined),
      rewrite: (argv, reply) => (argv[0]?.toLowerCase() === 'info' && typeof reply === 'string' ? reply.replace(/^redis_version:.*$/m, 'redis_version:6.2.16\r') : reply),
    });
    try {
      const seed = target(master.url);
      const s0 = await state(seed, { kind: 'replication', noProbe: true, nodeOverrides: new Map([[address(replica), target(`redis://${proxy.host}:${proxy.port}`)]]) });
      const p = plan(s0, seed);
      const onReplica = p.steps.filter((st) => st.node === address(replica) && st.command[0] === 'CONFIG' && st.command[1] === 'SET');
      assert.ok(onReplica.length > 0 && onReplica.every((st) => st.command.length === 4), onReplica.map((st) => st.command.join(' ')).join('\n'));
      const secrets = secretsFor(p);
      const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets, rollbackFile: join(workDir(), 'rollback.json'), noProbe: true });
      assert.ok(outcome.ok, outcome.error);
      const admin = { user: USERS.admin, password: secrets.get(USERS.admin)! };
      assert.deepEqual(await rawCommand(replica.host, replica.port, ['CONFIG', 'GET', 'masteruser'], admin), ['masteruser', USERS.replication]);
      // A new link logs in with them: the master's default user is off now.
      await rawCommand(replica.host, replica.port, ['CLIENT', 'KILL', 'TYPE', 'master'], admin);
      await eventually('the replica relinked as the replication user', async () => /master_link_status:up/.test(String(await rawCommand(replica.host, replica.port, ['INFO', 'replication'], admin))));
    } finally {
      await proxy.close();
    }
  });
});

describe('fix --rollback on a sentinel without the ACL command (Redis 6.0)', () => {
  // A real 6.0.20 sentinel has no ACL command: the rollback's check asked it ACL LIST although fix made no user
  // there, and reported "could not check the result" (exit 1) for each sentinel. A proxy refuses ACL as 6.0 does.
  it('checks users only where fix made some: nothing is reported not restored', async () => {
    const master = await startRedis({ conf: 'loglevel warning' });
    const [sentinel] = await startSentinels(1, master);
    const proxy = await forwardingProxy(sentinel!, {
      local: (argv) => (argv[0]?.toLowerCase() === 'acl' ? err(`ERR unknown command \`${argv[0]}\`, with args beginning with: ${argv.slice(1).map((a) => `\`${a}\`, `).join('')}`) : undefined),
    });
    try {
      const seed = target(sentinel!.url);
      const s0 = await state(seed, { kind: 'sentinel', noProbe: true });
      const p = plan(s0, seed);
      assert.ok(p.steps.some((st) => st.node === address(sentinel!) && st.command[0] === 'SENTINEL'), 'the sentinel gets auth-user/auth-pass');
      const rollbackFile = join(workDir(), 'rollback.json');
      const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile, noProbe: true });
      assert.ok(outcome.ok, outcome.error);
      const targets = new Map(s0.nodes.map((n) => [n.address, n.address === address(sentinel!) ? target(`redis://${proxy.host}:${proxy.port}`) : n.target]));
      const back = await rollback(await readRollback(rollbackFile), targets);
      assert.deepEqual(back.notRestored, []);
      assert.equal(await rawCommand(master.host, master.port, ['PING']), 'PONG');
    } finally {
      await proxy.close();
    }
  });
});
