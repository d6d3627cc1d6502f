import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { after, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand, rawPipeline } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { plan, state, target } from '../fix/helpers.ts';

// QA41-12: `--requirepass redis --protected-mode no` (the Docker images' examples) passed network.protected-mode-off,
// "the default user needs a password, so clients must authenticate", beside auth.weak-password's common password.
// Protected mode acts only while the default user has no password, so with a password any client may try it, yes or no:
// a guessable one fails this rule as a password-less default user does; one known only by its hash is unknown.
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id).map((x) => `${x.status} ${x.severity}: ${x.message}`).join('\n');
const outside = Object.values(networkInterfaces()).flatMap((l) => l ?? []).find((a) => a.family === 'IPv4' && !a.internal)?.address;

describe("network.protected-mode-off with a guessable default user's password (QA41-12)", () => {
  after(stopAll);

  it("'redis' on every interface fails critical, protected-mode no or yes: another host gets in with it either way", async () => {
    const redis = await startRedis({ conf: 'bind * -::*\nprotected-mode no\nrequirepass redis', password: 'redis', killOnStop: true });
    const audit = async () => of(await auditTarget(resolveTarget(redis.url, { pass: 'redis' }, {}), { noHost: true, noProbe: true }), 'network.protected-mode-off');
    const common = "the default user has a common password (found in the list of the most used passwords) (see auth.weak-password)";
    assert.equal(await audit(), `fail critical: protected-mode is 'no' and ${common}: whoever reaches the port and tries it runs commands; protected mode would not refuse them either: it acts only while the default user has no password`);
    await rawCommand('127.0.0.1', redis.port, ['CONFIG', 'SET', 'protected-mode', 'yes'], { password: 'redis' });
    if (outside !== undefined) {
      const [ok, pong] = await rawPipeline(outside, redis.port, [['AUTH', 'redis'], ['PING']]);
      assert.deepEqual([ok, pong], ['OK', 'PONG'], 'protected mode does not refuse a client off the loopback that gives the password');
    }
    assert.equal(await audit(), `fail critical: protected-mode is 'yes', but it acts only while the default user has no password, and ${common}: whoever reaches the port and tries it runs commands`);
  });

  it('fix closes it by turning the default user off, not with CONFIG SET protected-mode yes, which would close nothing', async () => {
    const redis = await startRedis({ conf: 'bind * -::*\nprotected-mode no\nrequirepass redis', password: 'redis', killOnStop: true });
    const seed = target(redis.url, { pass: 'redis' });
    const p = plan(await state(seed), seed);
    const commands = p.steps.map((s) => s.command.map((a) => (typeof a === 'string' ? a : '<secret>')).join(' '));
    assert.ok(!commands.includes('CONFIG SET protected-mode yes'), commands.join('\n'));
    assert.ok(commands.includes('ACL SETUSER default off resetpass'), commands.join('\n'));
    assert.deepEqual(p.manual.filter((m) => m.rule === 'network.protected-mode-off'), []);
  });

  it('a password seen only as its hash: unknown, not the pass', async () => {
    const hash = createHash('sha256').update('a-long-random-default-password-0123456789').digest('hex');
    const redis = await startRedis({ conf: `bind * -::*\nprotected-mode no\nuser default on #${hash} ~* &* +@all\nuser admin on >admin-password-0123456789abcdef ~* &* +@all`, username: 'admin', password: 'admin-password-0123456789abcdef', killOnStop: true });
    const result = await auditTarget(resolveTarget(redis.url, { user: 'admin', pass: 'admin-password-0123456789abcdef' }, {}), { noHost: true, noProbe: true });
    assert.equal(of(result, 'network.protected-mode-off'), "skip critical: protected-mode is 'no' and the default user needs a password, whose strength is unknown: redfort saw only its SHA-256 hash (see auth.weak-password); protected mode acts only while the default user has no password, so the password is what keeps clients out");
  });
});
