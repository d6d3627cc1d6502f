import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import type { Target } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { entry, eventually } from './live-helpers.ts';

// Issue 11: sentinels that require a user (default off) but have no sentinel-user / sentinel-pass cannot talk to
// each other, so SENTINEL CKQUORUM says NOQUORUM. The advice must name the missing peer credentials, not "add
// sentinels"; following it, the group reaches quorum.
after(stopAll);

const MASTER_PASS = 'peer-auth-master-6c1f0a93';
const SENTINEL_USER_PASS = 'peer-auth-sentinel-user-2d8e';
const ADMIN_PASS = 'peer-auth-admin-9b47e5d1';
const NAME = 'grp-peers';
// What a sentinel sends to the servers it watches (the Sentinel documentation's ACL).
const SENTINEL_ACL = 'allchannels +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill';
const FAST = { noHost: true, noProbe: true } as const;

describe('3 sentinels whose default user is off, without sentinel-user / sentinel-pass', () => {
  let master: RunningServer;
  let sentinels: RunningServer[];
  let seed: Target;
  let overrides: Map<string, Target>;
  const admin = { user: 'admin', password: ADMIN_PASS };
  const ckquorum = (s: RunningServer) => rawCommand(s.host, s.port, ['SENTINEL', 'CKQUORUM', NAME], admin).then(String, (e: Error) => e.message);

  before(async () => {
    const common = [`requirepass ${MASTER_PASS}`, `masterauth ${MASTER_PASS}`, `user sentinel-user on >${SENTINEL_USER_PASS} ${SENTINEL_ACL}`];
    master = await startRedis({ password: MASTER_PASS, conf: common.join('\n') });
    await startRedis({ password: MASTER_PASS, conf: [...common, `replicaof ${master.host} ${master.port}`].join('\n') });
    const conf = [
      `sentinel monitor ${NAME} ${master.host} ${master.port} 2`,
      `sentinel down-after-milliseconds ${NAME} 2000`,
      `sentinel auth-user ${NAME} sentinel-user`,
      `sentinel auth-pass ${NAME} ${SENTINEL_USER_PASS}`,
      'user default off',
      `user admin on >${ADMIN_PASS} ~* &* +@all`,
    ].join('\n');
    sentinels = await Promise.all([0, 1, 2].map(() => startRedis({ sentinel: true, conf, username: 'admin', password: ADMIN_PASS })));
    // They find each other through the master's hello channel, then fail to log in to each other: NOQUORUM.
    await eventually('the sentinels to know each other and lose quorum', async () => {
      for (const s of sentinels) {
        const peers = (await rawCommand(s.host, s.port, ['SENTINEL', 'SENTINELS', NAME], admin)) as unknown[];
        if (peers.length !== 2 || !/NOQUORUM/.test(await ckquorum(s))) return false;
      }
      return true;
    }, 30_000);
    seed = resolveTarget(`redis://admin@${sentinels[0]!.host}:${sentinels[0]!.port}`, { pass: ADMIN_PASS }, {});
    const servers = resolveTarget(`redis://${master.host}:${master.port}`, { pass: MASTER_PASS }, {});
    overrides = new Map([['master', servers], ['replica', servers]]);
  });

  it('sentinel.quorum names the missing peer credentials, not more sentinels; following it, CKQUORUM is OK', async () => {
    const before = await auditDeployment(seed, { ...FAST, kind: 'sentinel', nodeOverrides: overrides });
    const deployment = before[0]!;
    assert.equal(deployment.error, undefined);
    const quorum = deployment.results.filter((r) => r.ruleId === 'sentinel.quorum');
    assert.ok(quorum.length > 0 && quorum.every((r) => r.status === 'fail'), JSON.stringify(quorum.map((r) => [r.status, r.message])));
    const noquorum = quorum.find((r) => /CKQUORUM/.test(r.message));
    assert.ok(noquorum, quorum.map((r) => r.message).join('\n'));
    assert.match(noquorum.message, /NOQUORUM/);
    assert.match(noquorum.message, /sentinel [0-9.:]+ has no sentinel-pass \(and sentinel-user\) and cannot log in to [0-9.:]+, [0-9.:]+ \(their default user is off: they need a named user\)/);
    for (const r of quorum) {
      assert.match(r.remediation, /SENTINEL CONFIG SET sentinel-user <user>.*SENTINEL CONFIG SET sentinel-pass <password>/);
      assert.match(r.remediation, /add sentinels only if it still fails/);
      assert.doesNotMatch(r.remediation, /^Run 3 or 5 sentinels/, 'not the advice to add sentinels');
      assert.doesNotMatch(r.message, /fewer than 3|an even number/, 'the group has 3 sentinels: the count is not the problem');
    }

    // Follow the advice, on every sentinel, with a user every sentinel has.
    for (const s of sentinels) {
      assert.equal(await rawCommand(s.host, s.port, ['SENTINEL', 'CONFIG', 'SET', 'sentinel-user', 'admin'], admin), 'OK');
      assert.equal(await rawCommand(s.host, s.port, ['SENTINEL', 'CONFIG', 'SET', 'sentinel-pass', ADMIN_PASS], admin), 'OK');
    }
    await eventually('every sentinel to reach quorum', async () => {
      for (const s of sentinels) if (!/^OK 3 usable Sentinels/.test(await ckquorum(s))) return false;
      return true;
    }, 30_000);

    const after = await auditDeployment(seed, { ...FAST, kind: 'sentinel', nodeOverrides: overrides });
    const judged = entry(after, /^sentinel /).results.filter((r) => r.ruleId === 'sentinel.quorum');
    assert.deepEqual(judged.map((r) => r.status), ['pass'], judged.map((r) => r.message).join('\n'));
    assert.match(judged[0]!.message, new RegExp(`^'${NAME}': 3 sentinels, quorum 2, CKQUORUM OK 3 usable Sentinels`));
  });
});
