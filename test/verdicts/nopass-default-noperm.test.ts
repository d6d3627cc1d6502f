import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// A password-less default user denied PING but allowed GET and SET: PING's NOPERM was read as "refused", and
// auth.no-authentication passed while anyone could read and write every key.
describe("a default user 'on nopass -@all +get +set' (PING answers NOPERM)", () => {
  let redis: RunningServer;
  const ADMIN = 'noperm-admin-pass-0123456789abcdef';
  before(async () => {
    redis = await startRedis({
      conf: `user default on nopass ~* resetchannels -@all +get +set\nuser admin on >${ADMIN} ~* &* +@all`,
      username: 'admin',
      password: ADMIN,
      killOnStop: true,
    });
  });
  after(() => redis?.stop());

  const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id);

  it('the truth: a client without credentials gets NOPERM for PING and runs SET and GET', async () => {
    await assert.rejects(rawCommand(redis.host, redis.port, ['PING']), /NOPERM/);
    assert.equal(await rawCommand(redis.host, redis.port, ['SET', 'k', 'v']), 'OK');
    assert.equal(await rawCommand(redis.host, redis.port, ['GET', 'k']), 'v');
  });

  it('audited without credentials, auth.no-authentication is unknown, not a pass', async () => {
    const r = await auditTarget(resolveTarget(redis.url, {}, {}), { noHost: true });
    const results = of(r, 'auth.no-authentication');
    assert.deepEqual(results.map((x) => x.status), ['skip'], results.map((x) => x.message).join('\n'));
    assert.match(results[0]!.message, /is logged in as the default user, which needs no password, and was denied PING/);
  });

  it("commands.dangerous-not-renamed does not count DEBUG and MODULE LOAD, which enable-*-command 'no' refuses to the +@all admin too", async () => {
    await assert.rejects(rawCommand(redis.host, redis.port, ['DEBUG', 'SLEEP', '0'], { user: 'admin', password: ADMIN }), /DEBUG command not allowed/);
    await assert.rejects(rawCommand(redis.host, redis.port, ['MODULE', 'LOAD', '/nonexistent.so'], { user: 'admin', password: ADMIN }), /MODULE command not allowed/);
    const r = await auditTarget(resolveTarget(redis.url, { user: 'admin', pass: ADMIN }, {}), { noHost: true, noProbe: true });
    const [result] = of(r, 'commands.dangerous-not-renamed');
    assert.equal(result?.status, 'fail', result?.message);
    assert.match(result!.message, /^7 admin commands are neither renamed nor denied to every user: CONFIG SET \(admin\); FLUSHALL \(admin\)/);
    assert.ok(result!.evidence.includes("DEBUG: allowed by ACL to admin, but enable-debug-command is 'no', which refuses it to every client"), result!.evidence.join('\n'));
  });

  it('audited as the admin, the probe on its own connection says the same, and the ACL fails it', async () => {
    const r = await auditTarget(resolveTarget(redis.url, { user: 'admin', pass: ADMIN }, {}), { noHost: true });
    const results = of(r, 'auth.no-authentication');
    assert.deepEqual(results.map((x) => x.status), ['fail'], results.map((x) => x.message).join('\n'));
    assert.match(results[0]!.message, /the default user is 'on' and 'nopass'/);
  });
});
