import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis, startSentinels } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// An auditor on a sentinel without +sentinel|masters (the Redis auditor line, which has no SENTINEL grant): the
// NOPERM reply was read as "no master", so sentinel.no-auth-user passed ("reaches 0 masters as an ACL user") while
// sentinel.conf reaches the master with auth-pass and no auth-user, and sentinel.quorum said "monitors no master".
describe('a sentinel auditor that may not run SENTINEL MASTERS', () => {
  const PASS = 'sentinel-master-pass-0123456789';
  const AUDIT = 'auditor-secret-0123456789abcdef';
  let master: RunningServer;
  let sentinel: RunningServer | undefined;
  before(async () => {
    master = await startRedis({ conf: `requirepass ${PASS}`, password: PASS, killOnStop: true });
    [sentinel] = await startSentinels(1, master, {
      authPass: PASS,
      requirepass: 'sentinel-own-pass-0123456789',
      conf: [
        `user auditor on >${AUDIT} resetkeys resetchannels -@all +info +acl|list +acl|cat +command|info +sentinel|config`,
        `user noinfo on >${AUDIT} resetkeys resetchannels -@all +acl|list +acl|cat +command|info +sentinel|masters +sentinel|config`,
        `user noacl on >${AUDIT} resetkeys resetchannels -@all +info +acl|cat +command|info +sentinel|masters +sentinel|config`,
      ].join('\n'),
    });
  });
  after(async () => {
    await sentinel?.stop();
    await master?.stop();
  });

  it('judges the masters of sentinel.conf and never passes on a refused SENTINEL MASTERS', async () => {
    const r = await auditTarget(resolveTarget(sentinel!.url, { user: 'auditor', pass: AUDIT }, {}), { noProbe: true });
    const byId = (id: string) => r.results.filter((x) => x.ruleId === id);
    const auth = byId('sentinel.no-auth-user');
    assert.equal(auth[0]?.status, 'fail', auth.map((x) => x.message).join('\n'));
    assert.ok(auth.some((x) => /master 'mymaster' is reached with auth-pass but no auth-user/.test(x.message)), auth.map((x) => x.message).join('\n'));
    const [quorum] = byId('sentinel.quorum');
    assert.equal(quorum?.status, 'skip', quorum?.message);
    assert.match(quorum!.message, /SENTINEL MASTERS/);
    assert.match(quorum!.message, /\+sentinel\|masters/);
  });

  it('without +acl|list, still fails the auth-pass without auth-user that sentinel.conf shows', async () => {
    const r = await auditTarget(resolveTarget(sentinel!.url, { user: 'noacl', pass: AUDIT }, {}), { noProbe: true });
    const auth = r.results.filter((x) => x.ruleId === 'sentinel.no-auth-user');
    assert.deepEqual(auth.map((x) => x.status), ['fail'], auth.map((x) => x.message).join('\n'));
    assert.match(auth[0]!.message, /^master 'mymaster' is reached with auth-pass but no auth-user/);
  });

  it('a lone sentinel with a requirepass and no sentinel-pass: the count is the problem, not peer credentials', async () => {
    // Without sentinel-pass a sentinel sends its requirepass to its peers, which peers like it accept (redis@7.0.15
    // sentinelSendAuthIfNeeded): it was 'cannot authenticate to each other, which alone makes a quorum unreachable'.
    const r = await auditTarget(resolveTarget(sentinel!.url, { pass: 'sentinel-own-pass-0123456789' }, {}), { noProbe: true, noHost: true });
    const quorum = r.results.filter((x) => x.ruleId === 'sentinel.quorum');
    assert.deepEqual(quorum.map((x) => x.status), ['fail'], quorum.map((x) => x.message).join('\n'));
    assert.match(quorum[0]!.message, /^master 'mymaster' is watched by 1 sentinel: fewer than 3/);
    assert.doesNotMatch(quorum[0]!.message, /sentinel-pass|cannot authenticate/);
    assert.match(quorum[0]!.remediation, /^Run 3 or 5 sentinels/);
  });

  it('without +info, does not call the sentinel "not a sentinel": it says the mode is unknown and why', async () => {
    const r = await auditTarget(resolveTarget(sentinel!.url, { user: 'noinfo', pass: AUDIT }, {}), { noProbe: true, noHost: true });
    for (const id of ['sentinel.quorum', 'sentinel.no-auth-user', 'cluster.master-count']) {
      const [x] = r.results.filter((y) => y.ruleId === id);
      assert.equal(x?.status, 'skip', `${id}: ${x?.message}`);
      assert.doesNotMatch(x!.message, /the target is not a (sentinel|cluster node)/, id);
      assert.match(x!.message, /may not run INFO \(grant \+info\).*unknown/, id);
    }
  });
});
