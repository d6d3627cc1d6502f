import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import type { Target } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, startSentinels, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { entry, eventually } from './live-helpers.ts';

// QA41-7: every sentinel's auth-user is a user the master and replica do not have: all of them see the master
// s_down,disconnected, yet the audit passed sentinel.no-auth-user ("reaches 1 master as an ACL user") and sentinel.quorum
// ("CKQUORUM OK … can be reached"). The deployment entry has both the sentinels' auth-user (their sentinel.conf, read on
// this host) and the servers' ACL: it fails the user that is not there, and quorum does not pass while the master is down.
after(stopAll);

const MASTER_PASS = 'ghost-master-3f9a2c71';
const SENTINEL_PASS = 'ghost-sentinel-8b14e6d0';
const NAME = 'grp-ghost';
const SENTINEL_ACL = 'allchannels +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill';

describe("sentinels whose auth-user the master and replica do not have", () => {
  let master: RunningServer;
  let replica: RunningServer;
  let sentinels: RunningServer[];
  let seed: Target;
  let overrides: Map<string, Target>;
  const audit = async () => {
    const results = await auditDeployment(seed, { noProbe: true, kind: 'sentinel', nodeOverrides: overrides });
    const deployment = entry(results, /^sentinel /);
    assert.equal(deployment.error, undefined);
    return (rule: string) => deployment.results.filter((r) => r.ruleId === rule);
  };
  const flags = (s: RunningServer) => rawCommand(s.host, s.port, ['SENTINEL', 'MASTER', NAME]).then((r) => {
    const list = r as string[];
    return String(list[list.indexOf('flags') + 1]);
  });

  before(async () => {
    const users = [`requirepass ${MASTER_PASS}`, `masterauth ${MASTER_PASS}`, `user sentinel-user on >${SENTINEL_PASS} ${SENTINEL_ACL}`].join('\n');
    master = await startRedis({ password: MASTER_PASS, conf: users });
    replica = await startReplica(master, { password: MASTER_PASS, conf: users });
    sentinels = await startSentinels(3, master, { masterName: NAME, authUser: 'sentinel-user', authPass: SENTINEL_PASS });
    await eventually('the sentinels to know each other and the replica', async () => {
      for (const s of sentinels) {
        if (((await rawCommand(s.host, s.port, ['SENTINEL', 'SENTINELS', NAME])) as unknown[]).length !== 2) return false;
        if (((await rawCommand(s.host, s.port, ['SENTINEL', 'REPLICAS', NAME])) as unknown[]).length !== 1) return false;
      }
      return true;
    }, 30_000);
    seed = resolveTarget(`redis://${sentinels[0]!.host}:${sentinels[0]!.port}`, {}, {});
    const servers = resolveTarget(`redis://${master.host}:${master.port}`, { pass: MASTER_PASS }, {});
    overrides = new Map([['master', servers], ['replica', servers]]);
  });

  it('passes the user the servers have, then fails a user they do not have, and quorum stops passing', async () => {
    const before = await audit();
    const ok = before('sentinel.no-auth-user');
    assert.deepEqual(ok.map((r) => r.status), ['pass'], JSON.stringify(ok.map((r) => r.message)));
    assert.match(ok[0]!.message, /every sentinel's auth-user \(3 checked\) exists on the master and replicas/);

    for (const s of sentinels) assert.equal(await rawCommand(s.host, s.port, ['SENTINEL', 'SET', NAME, 'auth-user', 'ghost']), 'OK');
    await eventually('every sentinel to see the master s_down', async () => (await Promise.all(sentinels.map(flags))).every((f) => /s_down/.test(f)), 30_000);

    const judged = await audit();
    const ghost = judged('sentinel.no-auth-user');
    assert.deepEqual(ghost.map((r) => r.status), ['fail'], JSON.stringify(ghost.map((r) => r.message)));
    assert.match(ghost[0]!.message, new RegExp(`^master '${NAME}': auth-user 'ghost' of sentinels .* does not exist on ${master.host}:${master.port} \\(master\\), ${replica.host}:${replica.port} \\(replica\\): Sentinel cannot log in there`));
    const quorum = judged('sentinel.quorum');
    assert.ok(quorum.length > 0 && quorum.every((r) => r.status !== 'pass'), JSON.stringify(quorum.map((r) => [r.status, r.message])));
    assert.ok(quorum.some((r) => new RegExp(`report master '${NAME}' as [a-z_,]*s_down`).test(r.message)), JSON.stringify(quorum.map((r) => r.message)));
  });
});
