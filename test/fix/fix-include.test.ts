import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { USERS, address, apply, plan, secretsFor, state, target, workDir } from './helpers.ts';

after(stopAll);

// requirepass in an included file (a real 7.0.15): the plan ran `CONFIG SET requirepass ""` then CONFIG REWRITE, which
// rewrites the main file only; the include kept requirepass, so config.runtime-drift went pass -> fail after the apply
// and the whole apply was rolled back. requirepass is now left to the user, with why, and the rest is applied.
describe('fix on a server whose requirepass is in an included file', () => {
  let server: RunningServer;
  const password = 'rp-include-0123456789abcdef0123';
  before(async () => {
    server = await startRedis({ conf: 'include secret.conf', files: { 'secret.conf': `requirepass ${password}\n` }, password });
  });

  it('leaves requirepass to the user and applies the rest without a rollback', async () => {
    const seed = target(server.url, { pass: password });
    const s0 = await state(seed, { noProbe: true, noHost: false });
    const p = plan(s0, seed);
    const include = join(server.dir, 'secret.conf');
    assert.ok(!p.steps.some((st) => st.command[0] === 'CONFIG' && st.command[2] === 'requirepass'), p.steps.map((st) => st.command.join(' ')).join('\n'));
    const manual = p.manual.find((m) => m.node === address(server) && m.rule === 'auth.requirepass-used');
    assert.match(manual?.message ?? '', new RegExp(`^requirepass is set in ${include}:1, an included file, which CONFIG REWRITE does not rewrite`));
    const main = s0.nodes[0]!.facts.server!.configFile!;
    assert.ok(manual!.message.includes(`(it copies the running requirepass into ${main} instead): remove that line first, then CONFIG SET requirepass "" and CONFIG REWRITE`), manual!.message);
    assert.ok(manual!.message.endsWith('; the default user is off either way)'), manual!.message);
    const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile: join(workDir(), 'rollback.json'), noProbe: true, noHost: false });
    assert.ok(outcome.ok, outcome.error);
    assert.ok(!outcome.changes.some((c) => c.before === 'pass' && c.after === 'fail'), JSON.stringify(outcome.changes));
    assert.ok(outcome.changes.some((c) => c.rule === 'auth.default-user-enabled' && c.after === 'pass'));
    assert.equal(readFileSync(include, 'utf8'), `requirepass ${password}\n`);
    await assert.rejects(rawCommand(server.host, server.port, ['PING'], { password }), /WRONGPASS|disabled/);
  });
});

// The same for every setting fix changes with CONFIG SET (a real 7.0.15): `CONFIG SET loglevel notice` then CONFIG
// REWRITE writes no line for the compiled default and leaves the include's `loglevel warning`, so config.runtime-drift
// failed after the apply and the whole apply was rolled back. Each such step is now a manual item naming the line.
describe('fix on a server whose loglevel and tls-auth-clients are in an included file', () => {
  let server: RunningServer;
  const password = 'rp-include-abcdef0123456789abcd';
  const extra = `loglevel warning\ntls-auth-clients no\nrequirepass ${password}\n`;
  before(async () => {
    server = await startRedis({ tls: { plaintextPort: true, authClients: 'yes' }, conf: 'include extra.conf', files: { 'extra.conf': extra }, password });
  });

  it('lists them as manual items and applies the rest without a rollback', async () => {
    const seed = target(server.url, { pass: password });
    const s0 = await state(seed, { noProbe: true, noHost: false });
    const p = plan(s0, seed);
    const include = join(server.dir, 'extra.conf');
    const commands = p.steps.map((st) => st.command.join(' '));
    assert.ok(!p.steps.some((st) => st.command[0] === 'CONFIG' && st.command[1] === 'SET' && ['loglevel', 'tls-auth-clients', 'requirepass'].includes(String(st.command[2]))), commands.join('\n'));
    // A setting the files leave to the default (no line) is still set and rewritten into the main file.
    assert.ok(commands.includes('CONFIG SET tls-prefer-server-ciphers yes'), commands.join('\n'));
    assert.ok(p.steps.some((st) => st.command.join(' ') === 'ACL SETUSER default off resetpass'), commands.join('\n'));
    const manual = (rule: string) => p.manual.find((m) => m.node === address(server) && m.rule === rule)?.message ?? '';
    assert.match(manual('logging.loglevel-too-quiet'), new RegExp(`^loglevel is set in ${include}:1, an included file, which CONFIG REWRITE does not rewrite: .* then CONFIG SET loglevel notice and CONFIG REWRITE`));
    // The harness's TLS lines set tls-auth-clients in the main file too, before the include: both lines are named.
    assert.match(manual('tls.client-auth-disabled'), new RegExp(`^tls-auth-clients is set in ${join(server.dir, 'redis.conf')}:\\d+ and ${include}:2; CONFIG REWRITE rewrites ${join(server.dir, 'redis.conf')} only, not the included file ${include}: .* then CONFIG SET tls-auth-clients yes and CONFIG REWRITE`));
    assert.match(manual('auth.requirepass-used'), new RegExp(`^requirepass is set in ${include}:3, an included file`));
    const secrets = secretsFor(p);
    const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets, rollbackFile: join(workDir(), 'rollback-extra.json'), noProbe: true, noHost: false });
    assert.ok(outcome.ok, outcome.error);
    assert.ok(!outcome.changes.some((c) => c.before === 'pass' && c.after === 'fail'), JSON.stringify(outcome.changes));
    assert.ok(outcome.changes.some((c) => c.rule === 'auth.default-user-enabled' && c.after === 'pass'));
    assert.equal(readFileSync(include, 'utf8'), extra);
    // The running values are left as the files give them: nothing differs at the next start.
    const got = await rawCommand(server.host, server.port, ['CONFIG', 'GET', 'loglevel'], { user: USERS.admin, password: secrets.get(USERS.admin) });
    assert.deepEqual(got, ['loglevel', 'warning']);
    assert.ok(!outcome.changes.some((c) => c.rule === 'logging.loglevel-too-quiet' || c.rule === 'tls.client-auth-disabled'), JSON.stringify(outcome.changes));
  });
});

// masterauth in a replica's include: the replication step would be left to the user, so the replicas would get no
// credentials before `default off`: the default user stays on, and the plan says why.
describe('fix --replication on a replica whose masterauth is in an included file', () => {
  let master: RunningServer;
  let replica: RunningServer;
  const password = 'rp-include-replication-0123456789';
  before(async () => {
    master = await startRedis({ conf: `requirepass ${password}`, password });
    replica = await startReplica(master, { conf: `requirepass ${password}\ninclude repl.conf`, files: { 'repl.conf': `masterauth ${password}\n` }, password });
  });

  it('leaves the default user on and names the line', async () => {
    const seed = target(master.url, { pass: password });
    const s0 = await state(seed, { kind: 'replication', noProbe: true, noHost: false });
    const p = plan(s0, seed);
    const commands = p.steps.map((st) => `${st.node} ${st.command.map((a) => (typeof a === 'string' ? a : '*')).join(' ')}`);
    assert.ok(!commands.some((c) => / (ACL SETUSER default|CONFIG SET requirepass)/.test(c)), commands.join('\n'));
    assert.ok(!commands.includes(`${address(replica)} CONFIG SET masteruser replication masterauth *`), commands.join('\n'));
    const include = join(replica.dir, 'repl.conf');
    const held = p.manual.find((m) => m.node === address(replica) && m.rule === 'replication.no-masteruser');
    assert.match(held?.message ?? '', new RegExp(`^masterauth is set in ${include}:1, an included file, .* then CONFIG SET masteruser replication masterauth <generated> and CONFIG REWRITE`));
    for (const node of [address(master), address(replica)]) {
      const item = p.manual.find((m) => m.node === node && m.rule === 'auth.default-user-enabled');
      assert.match(item?.message ?? '', new RegExp(`^the replication credentials \\(masteruser/masterauth\\) are set in ${include}:1, an included file`), JSON.stringify(p.manual));
    }
  });
});

// requirepass in an include AND again in the main file, after the include (a real 7.0.15): the last line (the main
// file's) was the only one looked at, so the plan ran `CONFIG SET requirepass ""` and CONFIG REWRITE, which drops the
// main file's line and leaves the include's: requirepass came back at the next start (config.runtime-drift failed
// after the apply, which was rolled back). A setting on more than one line, one of them in an include, is left to the
// user, naming every line.
describe('fix on a server whose requirepass is in an included file and again in the main file', () => {
  let server: RunningServer;
  const password = 'rp-twice-main-0123456789abcdef01';
  const earlier = 'rp-twice-include-0123456789abcdef';
  before(async () => {
    server = await startRedis({ conf: `include secret.conf\nrequirepass ${password}`, files: { 'secret.conf': `# old\nrequirepass ${earlier}\n` }, password });
  });

  it('names both lines in one manual item and applies the rest without a rollback', async () => {
    const seed = target(server.url, { pass: password });
    const s0 = await state(seed, { noProbe: true, noHost: false });
    const p = plan(s0, seed);
    const include = join(server.dir, 'secret.conf');
    const main = s0.nodes[0]!.facts.server!.configFile!;
    const mainLine = readFileSync(main, 'utf8').split('\n').indexOf(`requirepass ${password}`) + 1;
    assert.ok(mainLine > 0);
    assert.ok(!p.steps.some((st) => st.command[0] === 'CONFIG' && st.command[2] === 'requirepass'), p.steps.map((st) => st.command.join(' ')).join('\n'));
    const items = p.manual.filter((m) => m.node === address(server) && m.rule === 'auth.requirepass-used');
    assert.equal(items.length, 1, JSON.stringify(p.manual));
    assert.match(items[0]!.message, new RegExp(`^requirepass is set in ${include}:2 and ${main}:${mainLine}`));
    assert.ok(!items[0]!.message.includes(password) && !items[0]!.message.includes(earlier));
    const outcome = await apply(p, s0, ['safe', 'disruptive'], { secrets: secretsFor(p), rollbackFile: join(workDir(), 'rollback-twice.json'), noProbe: true, noHost: false });
    assert.ok(outcome.ok, outcome.error);
    assert.ok(!outcome.changes.some((c) => c.before === 'pass' && c.after === 'fail'), JSON.stringify(outcome.changes));
    assert.ok(outcome.changes.some((c) => c.rule === 'auth.default-user-enabled' && c.after === 'pass'));
    assert.equal(readFileSync(include, 'utf8'), `# old\nrequirepass ${earlier}\n`);
  });
});
