import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { auditDeployment } from '../../src/app/deployment.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { eventually } from './live-helpers.ts';

// QA41-14: sentinel.quorum took the seed's CKQUORUM for the whole group. Two sentinels require a password and give it
// to their peers (requirepass + sentinel-pass); the third has neither, so it cannot log in to them: it flags both
// s_down and its CKQUORUM says NOQUORUM, while theirs say OK. Seeded from an OK sentinel the group passed; seeded from
// the third it failed. Now every sentinel reached is asked (in its own gather's pipeline), and one sentinel audited
// alone counts only the peers it does not flag down.
after(stopAll);

const PASS = 'every-ckq-7d21c0';
const NAME = 'grp-every';
const FAST = { noHost: true, noProbe: true } as const;

describe('sentinel.quorum asks CKQUORUM of every sentinel', () => {
  let sentinels: RunningServer[];
  let lone: RunningServer;

  before(async () => {
    const master = await startRedis({ conf: 'save ""' });
    const conf = [`sentinel monitor ${NAME} ${master.host} ${master.port} 2`, `sentinel down-after-milliseconds ${NAME} 1000`];
    const paired = [...conf, `requirepass ${PASS}`, `sentinel sentinel-pass ${PASS}`].join('\n');
    sentinels = await Promise.all([
      startRedis({ sentinel: true, conf: paired, password: PASS }),
      startRedis({ sentinel: true, conf: paired, password: PASS }),
      startRedis({ sentinel: true, conf: conf.join('\n') }),
    ]);
    lone = sentinels[2]!;
    await eventually('the lone sentinel to flag both peers down and lose quorum, the others to keep it', async () => {
      const peers = (await rawCommand(lone.host, lone.port, ['SENTINEL', 'SENTINELS', NAME])) as unknown[];
      if (peers.length !== 2 || !peers.every((p) => /s_down/.test(String(p)))) return false;
      const own = await rawCommand(lone.host, lone.port, ['SENTINEL', 'CKQUORUM', NAME]).then(String, (e: Error) => e.message);
      if (!/NOQUORUM/.test(own)) return false;
      for (const s of sentinels.slice(0, 2)) {
        const ok = await rawCommand(s.host, s.port, ['SENTINEL', 'CKQUORUM', NAME], { password: PASS }).then(String, (e: Error) => e.message);
        if (!/^OK 3 usable/.test(ok)) return false;
      }
      return true;
    }, 40_000);
  });

  const quorum = (r: TargetResult) => r.results.filter((x) => x.ruleId === 'sentinel.quorum');
  const text = (r: TargetResult) => quorum(r).map((x) => `${x.status} ${x.severity} ${x.message}`).join('\n');

  for (const seedIndex of [0, 2]) {
    it(`fails naming the sentinel without quorum, seeded from sentinel ${seedIndex + 1}`, async () => {
      const seed = sentinels[seedIndex]!;
      const target = resolveTarget(`redis://${seed.host}:${seed.port}`, seed.password ? { pass: PASS } : {}, {});
      // The other sentinels: the paired ones with their password, the lone one without.
      const overrides = new Map(sentinels.filter((s) => s !== seed).map((s) => [`${s.host}:${s.port}`, resolveTarget(`redis://${s.host}:${s.port}`, s.password ? { pass: PASS } : {}, {})]));
      const [deployment] = await auditDeployment(target, { ...FAST, kind: 'sentinel', nodeOverrides: overrides });
      assert.equal(deployment!.error, undefined);
      const found = quorum(deployment!);
      assert.ok(found.length > 0 && found.every((r) => r.status === 'fail'), text(deployment!));
      const noquorum = found.find((r) => /CKQUORUM/.test(r.message));
      assert.ok(noquorum, text(deployment!));
      assert.match(noquorum.message, new RegExp(`^SENTINEL CKQUORUM ${NAME} on ${lone.host}:${lone.port}: NOQUORUM`));
      assert.equal(noquorum.severity, 'high');
    });
  }

  it('the lone sentinel audited alone: its own CKQUORUM, naming the peers it flags s_down (it passed on its count of 3)', async () => {
    const r = await auditTarget(resolveTarget(`redis://${lone.host}:${lone.port}`, {}, {}), FAST);
    assert.equal(r.error, undefined);
    const found = quorum(r);
    assert.ok(found.length > 0 && found.every((x) => x.status === 'fail'), text(r));
    assert.ok(found.some((x) => /^SENTINEL CKQUORUM grp-every: NOQUORUM .*\(this sentinel flags .*s_down.* down\)$/.test(x.message)), text(r));
  });
});
