import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis } from '../harness/servers.ts';
import { ckquorumRefusal, startLockedOutSentinels } from './locked-out-sentinels.ts';
import type { RunningServer } from '../harness/servers.ts';

// --sentinel with an audit user that may run neither SENTINEL CKQUORUM nor ACL LIST, on 3 real sentinels whose
// `user default on >pw` lines (no requirepass, no sentinel-pass) lock each other out: CKQUORUM says NOQUORUM, yet
// sentinel.quorum passed with "'mymaster': 3 sentinels, quorum 2" from the counts alone. Unknown is skip.
describe('--sentinel: CKQUORUM refused and the peers\' default users unreadable', () => {
  const PW = 'SentPw-123456789xyz';
  const AUDITOR = { user: 'auditor', pass: 'AudPw-123456789xyz' };
  let master: RunningServer;
  let sentinels: RunningServer[] = [];
  before(async () => {
    master = await startRedis({ killOnStop: true });
    sentinels = await startLockedOutSentinels(master, PW, AUDITOR, '-acl -sentinel|ckquorum');
  });
  after(async () => {
    for (const s of sentinels) await s.stop();
    await master?.stop();
  });

  it('the premise: CKQUORUM says NOQUORUM', async () => {
    const reply = await ckquorumRefusal(sentinels[0]!, PW);
    assert.match(reply, /NOQUORUM/);
  });

  it('sentinel.quorum skips, naming CKQUORUM and the default users it could not read', async () => {
    const seed = resolveTarget(sentinels[0]!.url, AUDITOR, {});
    const results = await auditDeployment(seed, { noHost: true, noProbe: true, kind: 'sentinel', nodeOverrides: new Map([['master', resolveTarget(master.url, {}, {})]]) });
    const quorum = results[0]!.results.filter((r) => r.ruleId === 'sentinel.quorum');
    assert.deepEqual(quorum.map((r) => r.status), ['skip'], quorum.map((r) => r.message).join('\n'));
    assert.match(quorum[0]!.message, /^SENTINEL CKQUORUM mymaster was not asked \(the audit user may not run SENTINEL CKQUORUM mymaster \(grant \+sentinel\|ckquorum\)\) and the default user of sentinels [0-9.:]+, [0-9.:]+, [0-9.:]+ is unknown \(the audit user may not run ACL LIST/);
    assert.doesNotMatch(quorum[0]!.message, new RegExp(PW));
  });
});
