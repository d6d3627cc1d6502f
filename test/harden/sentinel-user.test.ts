import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { roleRules } from '../../src/profile/index.ts';
import { resolveVersion } from '../../src/redis/directives.ts';
import { sha256Hex } from '../../src/util/hash.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { redfort } from './run.ts';

// QA37-3: the `sentinel` user harden (and fix) give a data node held all of CONFIG (CONFIG SET dir/dbfilename) and all
// of CLIENT, where Sentinel sends only CONFIG REWRITE, CLIENT SETNAME and CLIENT KILL (sentinel.c; Redis' Sentinel
// docs), and REPLICAOF, which Sentinel never sends; redfort's own audit then failed commands.dangerous-not-renamed on
// harden's output (CONFIG SET, REPLICAOF, SLAVEOF by `sentinel`). And a 7.0 Sentinel renders the profile's admin
// (`+@all -@dangerous +sentinel …`, every command of its table) as `+@all`: the live audit failed SHUTDOWN (admin)
// where the audit of its files passed.

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-sentinel-user-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const PASSWORD = 'x'.repeat(32);
const HASH = sha256Hex(PASSWORD);

/** commands.dangerous-not-renamed of a JSON audit report. */
async function dangerousNotRenamed(args: readonly string[]): Promise<{ status: string; message: string }> {
  const run = await redfort(['audit', ...args, '--format', 'json', '--fail-on', 'none']);
  const report = JSON.parse(run.stdout) as { targets: { error?: string; results: { ruleId: string; status: string; message: string }[] }[] };
  assert.equal(report.targets[0]!.error, undefined, run.stdout + run.stderr);
  return report.targets[0]!.results.find((r) => r.ruleId === 'commands.dangerous-not-renamed')!;
}

describe("the hardening profile's sentinel user on a data node", () => {
  it('holds what Sentinel sends and no more: CONFIG REWRITE, not CONFIG SET; and harden passes its own audit', async () => {
    const conf = join(work, 'redis.conf');
    writeFileSync(conf, 'port 6390\nbind 127.0.0.1\nsave ""\n');
    const sentinelConf = join(work, 'sentinel.conf');
    writeFileSync(sentinelConf, 'port 26390\nsentinel monitor mymaster 127.0.0.1 6390 1\n');
    const out = join(work, 'group');
    const run = await redfort(['harden', '--config', conf, '--sentinel-config', sentinelConf, '--redis-version', '7.0.15', '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const line = readFileSync(join(out, 'users.acl'), 'utf8').split('\n').find((l) => l.startsWith('user sentinel '));
    assert.match(line ?? '', /^user sentinel on #[0-9a-f]{64} resetkeys resetchannels &__sentinel__:hello -@all \+ping \+info \+client\|setname \+client\|kill \+subscribe \+publish \+multi \+exec \+slaveof \+config\|rewrite \+script\|kill$/);
    // The static re-audit of harden's own redis.conf: SLAVEOF is the sentinel user's by design, CONFIG SET nobody's but the admin's.
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.match(plan, /^\| commands\.dangerous-not-renamed \| fail \| pass \| +\|$/m);
    const audited = await dangerousNotRenamed(['--config', join(out, 'redis.conf'), '--acl', join(out, 'users.acl'), '--redis-version', '7.0.15']);
    assert.deepEqual(audited, { ...audited, status: 'pass', message: "every admin command is denied to all users but the hardening profile's administrator and sentinel user (SLAVEOF: Sentinel sends it at failover)" });
  });

  it('live (7.0.15 renders the rules again): accepted, and it cannot CONFIG SET', async () => {
    const rules = roleRules('sentinel', resolveVersion('7.0.15')).join(' ');
    const server = await startRedis({ conf: `user default off resetchannels -@all\nuser admin on #${HASH} ${roleRules('admin', resolveVersion('7.0.15')).join(' ')}\nuser sentinel on #${HASH} ${rules}`, username: 'admin', password: PASSWORD });
    const result = await dangerousNotRenamed([`redis://admin:${PASSWORD}@${server.host}:${server.port}`, '--no-probe', '--no-host']);
    assert.equal(result.status, 'pass', result.message);
    assert.match(result.message, /but the hardening profile's administrator and sentinel user/);
    const asSentinel = { user: 'sentinel', password: PASSWORD };
    await assert.rejects(rawCommand(server.host, server.port, ['CONFIG', 'SET', 'dir', work], asSentinel), /NOPERM/);
    await assert.rejects(rawCommand(server.host, server.port, ['CLIENT', 'LIST'], asSentinel), /NOPERM/);
    await assert.rejects(rawCommand(server.host, server.port, ['REPLICAOF', 'NO', 'ONE'], asSentinel), /NOPERM/);
    assert.equal(await rawCommand(server.host, server.port, ['CONFIG', 'REWRITE'], asSentinel), 'OK');
    assert.equal(await rawCommand(server.host, server.port, ['CLIENT', 'SETNAME', 'sentinel-x-cmd'], asSentinel), 'OK');
    await server.stop();
  });
});

// QA44-1: Redis's Sentinel documentation ("Redis Sentinel and ACL") writes the sentinel user with `allchannels` and
// `+role` beside what Sentinel sends; the exemption the rule's fix text promises held only for the profile's own line.
describe("the sentinel user as Redis's Sentinel documentation writes it", () => {
  const docs = 'allchannels +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill';
  it('is the sentinel user for SLAVEOF, in its ACL file and live; one command more is not', async () => {
    const conf = join(work, 'docs-redis.conf');
    const acl = join(work, 'docs-users.acl');
    writeFileSync(conf, `port 6391\nbind 127.0.0.1\naclfile ${acl}\n`);
    const admin = `user admin on #${HASH} ${roleRules('admin', resolveVersion('7.0.15')).join(' ')}`;
    writeFileSync(acl, `user default off resetchannels -@all\n${admin}\nuser sentinel-user on #${HASH} ${docs}\n`);
    const files = await dangerousNotRenamed(['--config', conf, '--redis-version', '7.0.15']);
    assert.equal(files.status, 'pass', files.message);
    assert.match(files.message, /but the hardening profile's administrator and sentinel user/);
    const server = await startRedis({ conf: `user default off resetchannels -@all\n${admin}\nuser sentinel-user on #${HASH} ${docs}`, username: 'admin', password: PASSWORD });
    const live = await dangerousNotRenamed([`redis://admin:${PASSWORD}@${server.host}:${server.port}`, '--no-probe', '--no-host']);
    assert.equal(live.status, 'pass', live.message);
    // One command more than Sentinel sends and ROLE (here CONFIG GET) is no longer the sentinel user: SLAVEOF fails.
    writeFileSync(acl, `user default off resetchannels -@all\n${admin}\nuser sentinel-user on #${HASH} ${docs} +config|get\n`);
    const more = await dangerousNotRenamed(['--config', conf, '--redis-version', '7.0.15']);
    assert.equal(more.status, 'fail', more.message);
    assert.match(more.message, /SLAVEOF \(sentinel-user\)/);
    await server.stop();
  });
});

describe("a 7.0 Sentinel's profile admin, rendered `+@all` live", () => {
  it('the live audit reads its ACL file line and agrees with the audit of the files', async () => {
    const acl = join(work, 'sentinel-users.acl');
    writeFileSync(acl, `user default off resetpass resetkeys resetchannels -@all\nuser admin on #${HASH} ${roleRules('admin', resolveVersion('7.0.15'), 'sentinel').join(' ')}\n`);
    const master = await startRedis();
    const sentinel = await startRedis({ sentinel: true, conf: `aclfile ${acl}\nsentinel monitor mymaster ${master.host} ${master.port} 1`, username: 'admin', password: PASSWORD });
    const live = await dangerousNotRenamed([`redis://admin:${PASSWORD}@${sentinel.host}:${sentinel.port}`, '--no-probe']);
    assert.equal(live.status, 'pass', live.message);
    assert.match(live.message, /^every admin command is denied to all users but the hardening profile's administrator or hidden \(config, /);
    const files = await dangerousNotRenamed(['--sentinel-config', sentinel.confPath, '--redis-version', '7.0.15']);
    assert.equal(files.status, 'pass', files.message);
    await sentinel.stop();
    await master.stop();
  });
});
