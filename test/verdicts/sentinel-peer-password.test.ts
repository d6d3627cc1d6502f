import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditTarget, judgeFacts } from '../../src/app/audit.ts';
import { gatherLive } from '../../src/gather/live/gather-live.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis } from '../harness/servers.ts';
import { ckquorumRefusal, startLockedOutSentinels } from './locked-out-sentinels.ts';
import type { RunningServer } from '../harness/servers.ts';

// Without sentinel-pass a sentinel logs in to its peers with server.requirepass (redis@7.0.15:src/sentinel.c
// sentinelSendAuthIfNeeded), never with the default user's password. A password set by `user default on >pw` alone
// leaves requirepass empty: every peer answers NOAUTH, is flagged s_down, and CKQUORUM says NOQUORUM, while each
// sentinel still counts its peers (hello messages go through the master). sentinel.quorum passed that.
describe('sentinels whose password is a user default line, not requirepass', () => {
  const PW = 'SentPw-123456789xyz';
  // An auditor that may not run ACL LIST: the sentinel's default user is unknown to it.
  const AUDITOR = { user: 'auditor', pass: 'AudPw-123456789xyz' };
  let master: RunningServer;
  let sentinels: RunningServer[] = [];
  let saved = '';
  before(async () => {
    master = await startRedis({ killOnStop: true });
    // Each sentinel sees the other two (hello through the master) and cannot log in to them.
    sentinels = await startLockedOutSentinels(master, PW, AUDITOR, '-acl');
    saved = join(sentinels[0]!.dir, 'copy.conf');
    await copyFile(sentinels[0]!.confPath, saved);
  });
  after(async () => {
    for (const s of sentinels) await s.stop();
    await master?.stop();
  });

  it('CKQUORUM says NOQUORUM on the real sentinels (the premise)', async () => {
    const reply = await ckquorumRefusal(sentinels[0]!, PW);
    assert.match(reply, /NOQUORUM/);
  });

  it('one sentinel with its sentinel.conf: fails, naming the requirepass its peers never get', async () => {
    const r = await auditTarget(resolveTarget(sentinels[0]!.url, { pass: PW }, {}), { noProbe: true, noHost: true, sentinelConfigPath: saved });
    const quorum = r.results.filter((x) => x.ruleId === 'sentinel.quorum');
    assert.deepEqual(quorum.map((x) => x.status), ['fail'], quorum.map((x) => x.message).join('\n'));
    assert.match(quorum[0]!.message, /requirepass/);
    assert.match(quorum[0]!.remediation, /sentinel-pass/);
  });

  it('one sentinel on this host, its sentinel.conf found through INFO config_file: fails the same', async () => {
    const r = await auditTarget(resolveTarget(sentinels[1]!.url, { pass: PW }, {}), { noProbe: true, noHost: true });
    const quorum = r.results.filter((x) => x.ruleId === 'sentinel.quorum');
    assert.deepEqual(quorum.map((x) => x.status), ['fail'], quorum.map((x) => x.message).join('\n'));
    assert.match(quorum[0]!.message, /^master 'mymaster': this sentinel's default user requires a password but it has no sentinel-pass \(and sentinel-user\), so it logs in to its peers with its requirepass, which is empty/);
  });

  it('its default user unreadable (no +acl) and no sentinel.conf: its own CKQUORUM says NOQUORUM, a fail naming the peers it flags down', async () => {
    // Only the live facts, as for a remote sentinel: why its peers refuse it is unknown, but its own CKQUORUM (asked on
    // its connection since QA41-14) says it has no quorum. It was a skip when only the counts were read.
    const outcome = await gatherLive(resolveTarget(sentinels[0]!.url, AUDITOR, {}));
    assert.ok(outcome.ok);
    assert.equal(outcome.facts.acl, undefined);
    const quorum = judgeFacts(outcome.facts).results.filter((x) => x.ruleId === 'sentinel.quorum');
    assert.deepEqual(quorum.map((x) => x.status), ['fail'], quorum.map((x) => x.message).join('\n'));
    assert.match(quorum[0]!.message, /^SENTINEL CKQUORUM mymaster: NOQUORUM 1 usable Sentinels\..* \(this sentinel flags [0-9.:]+ \(s_down,sentinel\), [0-9.:]+ \(s_down,sentinel\) down\)$/);
  });

  it('its default user unreadable, its sentinel.conf read: judged from the file\'s `user default` line (fails)', async () => {
    const r = await auditTarget(resolveTarget(sentinels[2]!.url, AUDITOR, {}), { noProbe: true, noHost: true, sentinelConfigPath: saved });
    const quorum = r.results.filter((x) => x.ruleId === 'sentinel.quorum');
    assert.deepEqual(quorum.map((x) => x.status), ['fail'], quorum.map((x) => x.message).join('\n'));
    assert.match(quorum[0]!.message, /so it logs in to its peers with its requirepass, which is empty/);
  });
});
