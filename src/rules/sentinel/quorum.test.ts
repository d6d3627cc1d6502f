import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AclState, SecretDigest, SentinelFacts, SentinelMaster } from '../../facts/types.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import { group, topology } from '../../../test/topology/fixtures.ts';
import type { NodeSpec } from '../../../test/topology/fixtures.ts';
import rule, { peerAuth, peerAuthProblems } from './quorum.ts';

const SOURCE = { kind: 'live', command: 'SENTINEL MASTERS' } as const;
function master(name: string, quorum: number, others: number): SentinelMaster {
  return { name, host: '10.0.0.1', port: 6379, quorum, flags: 'master', numOtherSentinels: others, numReplicas: 1, authUser: undefined, authPass: undefined, source: SOURCE };
}
/** One sentinel audited alone: it counts its peers (`num-other-sentinels`). */
function alone(...masters: SentinelMaster[]) {
  const sentinel: SentinelFacts = { masters, config: new Map(), sentinelPass: undefined, denyScriptsReconfig: undefined, masterAuthKnown: false, source: SOURCE };
  return liveFacts({ mode: 'sentinel', extra: { sentinel }, unavailable: { config: 'a sentinel has no CONFIG command' } });
}
/** The same sentinel whose default user has a password; its requirepass as sentinel.conf says, or unread (undefined). */
function withPassword(facts: ReturnType<typeof alone>, requirepass: string | undefined) {
  const pw = { set: true, length: undefined, sha256: 'ab'.repeat(32) };
  const acl: AclState = { users: [{ name: 'default', enabled: true, nopass: false, passwords: [pw], plaintextPasswords: 0, rules: ['+@all'], selectors: [], source: SOURCE }], origin: 'acl-list', rewritten: false, source: SOURCE };
  const secrets = requirepass === undefined ? undefined : new Map([['requirepass', { value: requirepass === '' ? { set: false, length: 0, sha256: '' } : pw, source: { kind: 'file', path: 'sentinel.conf', line: 3 } as const }]]);
  return { ...facts, acl, secrets };
}

/**
 * One sentinel whose ACL LIST was not read (refused, or a 6.0 sentinel that has no ACL), audited as `user` (with the
 * password hashed to `ab…`), or without a password when `user` is undefined.
 */
function unlisted(user: string | undefined, options: { version?: string; requirepass?: boolean; why?: string } = {}) {
  const base = alone(master('mymaster', 2, 2));
  const pw = { set: true, length: undefined, sha256: 'ab'.repeat(32) };
  const facts = liveFacts({
    mode: 'sentinel',
    version: options.version ?? '7.0.15',
    extra: {
      sentinel: base.sentinel!,
      ...(user ? { connection: { credential: { user, password: pw } } } : {}),
      ...(options.requirepass ? { secrets: new Map([['requirepass', { value: pw, source: { kind: 'file', path: 'sentinel.conf', line: 3 } as const }]]) } : {}),
    },
    unavailable: { config: 'a sentinel has no CONFIG command', acl: options.why ?? 'the audit user may not run ACL LIST (grant +acl|list): NOPERM' },
  });
  return facts;
}

const OK = { ok: true, message: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached' };
const NOQUORUM = { ok: false, message: 'NOQUORUM 2 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master' };
const SENTINELS = ['10.0.0.1:26379', '10.0.0.2:26379', '10.0.0.3:26379'];
const NODES: NodeSpec[] = [{ address: '10.0.0.1:6379', role: 'master' }, ...SENTINELS.map((a): NodeSpec => ({ address: a, role: 'sentinel' }))];
const deployment = (groups: ReturnType<typeof group>[], nodes = NODES) =>
  liveFacts({ extra: { topology: topology('sentinel', nodes, { groups }) }, unavailable: { config: 'deployment entry' } });

ruleTester(rule, {
  pass: [
    { name: 'one sentinel sees 2 peers, quorum 2', facts: alone(master('mymaster', 2, 2)), message: /^'mymaster': 3 sentinels, quorum 2$/ },
    { name: 'one sentinel, 2 peers, its requirepass is its default user\'s password', facts: withPassword(alone(master('mymaster', 2, 2)), 'pw'), message: /^'mymaster': 3 sentinels, quorum 2$/ },
    { name: 'five sentinels', facts: alone(master('a', 3, 4), master('b', 2, 4)), message: /'a': 5 sentinels, quorum 3; 'b': 5 sentinels, quorum 2/ },
    { name: 'deployment: 3 sentinels and CKQUORUM OK', facts: deployment([group('mymaster', '10.0.0.1:6379', SENTINELS, 2, OK)]), message: /^'mymaster': 3 sentinels, quorum 2, CKQUORUM OK 3 usable Sentinels/ },
    // A 6.0 sentinel has no ACL and loads no user lines (real 6.0.20): its default user takes its requirepass.
    { name: 'one 6.0 sentinel, 2 peers, no ACL: its default user is its requirepass', facts: unlisted('default', { version: '6.0.20', why: 'ACL LIST: unknown command' }), message: /^'mymaster': 3 sentinels, quorum 2$/ },
    { name: 'one sentinel, ACL LIST refused, read without a password: its default user is nopass', facts: unlisted(undefined), message: /^'mymaster': 3 sentinels, quorum 2$/ },
    { name: 'one sentinel, ACL LIST refused, logged in as default with its requirepass', facts: unlisted('default', { requirepass: true }), message: /^'mymaster': 3 sentinels, quorum 2$/ },
    { name: 'deployment: CKQUORUM refused, judged from the counts', facts: deployment([group('mymaster', '10.0.0.1:6379', SENTINELS, 2)]), message: /^'mymaster': 3 sentinels, quorum 2$/ },
    {
      // CKQUORUM answered: the peers' default users need not be known.
      name: 'deployment: CKQUORUM OK, the sentinels\' default users unread',
      facts: deployment([group('mymaster', '10.0.0.1:6379', SENTINELS, 2, OK)], [NODES[0]!, ...SENTINELS.map((a): NodeSpec => ({ address: a, role: 'sentinel', facts: { unavailable: { acl: 'the audit user may not run ACL LIST (grant +acl|list)' } } }))]),
      message: /^'mymaster': 3 sentinels, quorum 2, CKQUORUM OK/,
    },
    {
      name: 'deployment: 6.0 sentinels sharing a requirepass, CKQUORUM refused',
      facts: deployment([group('mymaster', '10.0.0.1:6379', SENTINELS, 2)], [NODES[0]!, ...SENTINELS.map((a): NodeSpec => ({ address: a, role: 'sentinel', facts: { version: '6.0.20', conf: 'requirepass same-pw', unavailable: { acl: 'ACL LIST: unknown command' } } }))]),
      message: /^'mymaster': 3 sentinels, quorum 2$/,
    },
  ],
  fail: [
    { name: 'two sentinels', facts: alone(master('mymaster', 2, 1)), messages: [/^master 'mymaster' is watched by 2 sentinels: fewer than 3 cannot keep a majority/], severity: 'high' },
    { name: 'a lone sentinel', facts: alone(master('mymaster', 1, 0)), messages: [/watched by 1 sentinel: fewer than 3/] },
    {
      // `user default on >pw` and no requirepass: it sends its peers nothing (redis@7.0.15 sentinelSendAuthIfNeeded).
      name: 'one sentinel, 2 peers, a default user password but no requirepass',
      facts: withPassword(alone(master('mymaster', 2, 2)), ''),
      messages: [/^master 'mymaster': this sentinel's default user requires a password but it has no sentinel-pass .* its requirepass, which is empty .*: the sentinels cannot authenticate to each other/],
    },
    { name: 'four sentinels', facts: alone(master('mymaster', 3, 3)), messages: [/^master 'mymaster' is watched by 4 sentinels: an even number tolerates no more failures than 3/] },
    { name: 'quorum above the count', facts: alone(master('mymaster', 4, 2)), messages: [/^master 'mymaster' has quorum 4 but only 3 sentinels: it can never be declared down$/] },
    {
      name: 'deployment: CKQUORUM answers NOQUORUM',
      facts: deployment([group('mymaster', '10.0.0.1:6379', SENTINELS, 3, NOQUORUM)]),
      messages: [/^SENTINEL CKQUORUM mymaster: NOQUORUM 2 usable Sentinels\. Not enough available Sentinels/],
    },
    {
      // 6.0 sentinels have no ACL: the default user takes the requirepass, and different requirepasses lock peers out.
      name: 'deployment: 6.0 sentinels with different requirepasses, CKQUORUM refused',
      facts: deployment([group('mymaster', '10.0.0.1:6379', SENTINELS, 2)], [NODES[0]!, ...SENTINELS.map((a, i): NodeSpec => ({ address: a, role: 'sentinel', facts: { version: '6.0.20', conf: `requirepass pw-${i}`, unavailable: { acl: 'ACL LIST: unknown command' } } }))]),
      messages: [/^master 'mymaster': sentinel 10\.0\.0\.1:26379 has no sentinel-pass \(and sentinel-user\) and cannot log in to 10\.0\.0\.2:26379, 10\.0\.0\.3:26379 \(they require another password\)/],
    },
    {
      // QA41-14: the seed's CKQUORUM said OK, yet a peer cannot log in to the others: seeded from that peer it said
      // NOQUORUM. The verdict does not depend on the seed.
      name: 'deployment: CKQUORUM OK on the seed, a sentinel that cannot log in to its peers is still a finding',
      facts: deployment([group('mymaster', '10.0.0.1:6379', SENTINELS, 2, OK)], [NODES[0]!, ...SENTINELS.map((a, i): NodeSpec => ({ address: a, role: 'sentinel', facts: { version: '6.0.20', conf: `requirepass pw-${i === 2 ? 2 : 0}`, unavailable: { acl: 'ACL LIST: unknown command' } } }))]),
      messages: [/^master 'mymaster': sentinel 10\.0\.0\.1:26379 has no sentinel-pass \(and sentinel-user\) and cannot log in to 10\.0\.0\.3:26379 .*CKQUORUM on the sentinel asked said OK 3 usable Sentinels, but a sentinel that cannot authenticate to its peers is no vote/],
      severity: 'medium',
    },
    {
      name: 'deployment: the same sentinel listed twice counts once',
      facts: deployment([group('mymaster', '10.0.0.1:6379', [SENTINELS[0]!, SENTINELS[1]!, SENTINELS[1]!], 2, OK)]),
      messages: [/watched by 2 sentinels/],
    },
  ],
  skip: [
    { name: 'not a sentinel', facts: liveFacts(), message: /not a sentinel/ },
    {
      // QA41-104: counted from sentinel.conf's known-sentinel lines (peers once met), not from a running sentinel.
      name: 'one sentinel.conf, 2 peers recorded, quorum 2: the file\'s record, never a pass',
      facts: alone({ ...master('mymaster', 2, 2), source: { kind: 'file', path: 'sentinel.conf', line: 2 } }),
      message: /^'mymaster': 2 peers this sentinel once met, quorum 2: the file's known-sentinel lines record .*audit the running sentinels with --sentinel\)$/,
    },
    { name: 'a sentinel that monitors nothing', facts: alone(), message: /monitors no master/ },
    {
      // The masters of sentinel.conf (merged when SENTINEL MASTERS is refused) carry no live count of sentinels.
      name: 'SENTINEL MASTERS refused: unknown, never "monitors no master"',
      facts: liveFacts({ mode: 'sentinel', extra: { sentinel: { ...alone(master('mymaster', 2, 0)).sentinel!, mastersUnavailable: 'the audit user may not run SENTINEL MASTERS (grant +sentinel|masters): NOPERM' } }, unavailable: { config: 'a sentinel has no CONFIG command' } }),
      message: /^the audit user may not run SENTINEL MASTERS \(grant \+sentinel\|masters\): NOPERM: the monitored masters and the sentinels watching them are unknown$/,
    },
    {
      name: 'one sentinel, 2 peers, a default user password, requirepass unread: unknown, never a pass',
      facts: withPassword(alone(master('mymaster', 2, 2)), undefined),
      message: /^this sentinel's default user requires a password, and whether it gives it to its peers is unknown: .*requirepass, which is unknown here/,
    },
    {
      // 6.2+: a `user default` line or ACL SETUSER may have given it a password that is not its requirepass.
      name: 'one sentinel, ACL LIST refused, logged in as a named user: its default user is unknown, never a pass',
      facts: unlisted('auditor', { requirepass: true }),
      message: /^this sentinel's default user is unknown \(the audit user may not run ACL LIST \(grant \+acl\|list\): NOPERM\), so whether its peers accept the requirepass it sends them is unknown .* \(the counts keep quorum\)$/,
    },
    { name: 'one 6.2 sentinel, ACL LIST refused, logged in as default with another password', facts: unlisted('default', { version: '6.2.16' }), message: /^this sentinel's default user is unknown/ },
    {
      // Neither CKQUORUM nor the peers' default users: 3 real 7.0.15 sentinels whose `user default on >pw` lines lock
      // each other out (NOQUORUM) passed with '3 sentinels, quorum 2' (test/verdicts/sentinel-quorum-deployment-unknown).
      name: 'deployment: CKQUORUM refused and the sentinels\' default users unread: unknown, never a pass',
      facts: deployment([group('mymaster', '10.0.0.1:6379', SENTINELS, 2)], [NODES[0]!, ...SENTINELS.map((a): NodeSpec => ({ address: a, role: 'sentinel', facts: { unavailable: { acl: 'the audit user may not run ACL LIST (grant +acl|list)' } } }))]),
      message: /^SENTINEL CKQUORUM mymaster was not asked \(the audit user may not run SENTINEL CKQUORUM \(grant \+sentinel\|ckquorum\)\) and the default user of sentinels 10\.0\.0\.1:26379, 10\.0\.0\.2:26379, 10\.0\.0\.3:26379 is unknown \(the audit user may not run ACL LIST \(grant \+acl\|list\)\): whether the sentinels can authenticate to each other and reach quorum is unknown/,
    },
    {
      name: 'deployment: CKQUORUM refused and a sentinel not reached: unknown, never a pass',
      facts: deployment([group('mymaster', '10.0.0.1:6379', SENTINELS, 2)], [...NODES.slice(0, 3), { address: SENTINELS[2]!, role: 'sentinel', error: 'connect ECONNREFUSED' }]),
      message: /^SENTINEL CKQUORUM mymaster was not asked .* and sentinel 10\.0\.0\.3:26379 was not reached: whether the sentinels can authenticate/,
    },
    { name: 'deployment: a cluster', facts: liveFacts({ extra: { topology: topology('cluster', []) } }), message: /not a sentinel deployment: the deployment is a cluster/ },
    {
      // The documented minimal Sentinel auditor has no +sentinel|sentinels: its peers are unknown, not absent (it was
      // 'watched by 1 sentinel' and 'quorum 2 but only 1 sentinel: it can never be declared down' on 3 sentinels).
      name: 'deployment: SENTINEL SENTINELS refused, the peers are unknown',
      facts: deployment([{ ...group('g1', '10.0.0.1:6379', [SENTINELS[0]!], 2), sentinelsUnavailable: 'the audit user may not run SENTINEL SENTINELS g1 (grant +sentinel|sentinels)' }]),
      message: /^the audit user may not run SENTINEL SENTINELS g1 \(grant \+sentinel\|sentinels\): the sentinels watching 'g1' are unknown$/,
    },
  ],
});


it('peer credentials: who cannot log in to whom without sentinel-pass', () => {
  const digest = (sha256: string): SecretDigest => ({ set: true, length: undefined, sha256 });
  const acl = (enabled: boolean, ...hashes: string[]): AclState => ({
    users: [{ name: 'default', enabled, nopass: hashes.length === 0 && enabled, passwords: hashes.map(digest), plaintextPasswords: 0, rules: ['+@all'], selectors: [], source: SOURCE } as never],
    origin: 'acl-list', rewritten: false, source: SOURCE,
  });
  const sentinel = (pass?: string): SentinelFacts => ({ masters: [], config: new Map(), sentinelPass: pass ? { value: digest(pass), source: SOURCE } : undefined, denyScriptsReconfig: undefined, masterAuthKnown: false, source: SOURCE });
  const EMPTY: SecretDigest = { set: false, length: 0, sha256: '' };
  // By default each sentinel's requirepass is its default user's (first) password, as `requirepass` sets it.
  const view = (address: string, a: AclState, s = sentinel(), requirepass: SecretDigest | undefined = a.users[0]!.passwords[0] ?? EMPTY) => ({ address, acl: a, sentinel: s, requirepass });
  // One requirepass shared by all: each sends its own, which the others accept.
  assert.deepEqual(peerAuthProblems([view('a', acl(true, 'x')), view('b', acl(true, 'x')), view('c', acl(true, 'x'))]), []);
  // Different passwords: nobody gets in anywhere.
  assert.equal(peerAuthProblems([view('a', acl(true, 'x')), view('b', acl(true, 'y'))]).length, 2);
  assert.match(peerAuthProblems([view('a', acl(true, 'x')), view('b', acl(true, 'y'))])[0]!, /^sentinel a has no sentinel-pass \(and sentinel-user\) and cannot log in to b \(they require another password\)$/);
  // Default off everywhere; sentinel-pass set on a alone: b and c are stuck, a is not.
  const off = [view('a', acl(false), sentinel('p')), view('b', acl(false)), view('c', acl(false))];
  assert.deepEqual(peerAuthProblems(off).map((m) => m.split(' ')[1]), ['b', 'c']);
  // An open peer takes anyone.
  assert.deepEqual(peerAuthProblems([view('a', acl(true, 'x')), view('b', acl(true))]), ['sentinel b has no sentinel-pass (and sentinel-user) and cannot log in to a (they require a password and its requirepass is empty)']);
  // One sentinel's view: with a password it sends its requirepass to peers like itself, which they accept; with its
  // default user off it needs a named user, which only sentinel-user / sentinel-pass give.
  assert.deepEqual(peerAuthProblems([view('this sentinel', acl(true, 'x'))]), []);
  assert.deepEqual(peerAuthProblems([view('this sentinel', acl(false))]), ['this sentinel requires a named user (its default user is off) but has no sentinel-pass (and sentinel-user) to give its peers']);
  // The default user's password from a `user default on >pw` line, requirepass empty: it sends nothing, and peers like
  // it answer NOAUTH (3 real 7.0.15 sentinels: s_down, CKQUORUM NOQUORUM); it was no problem.
  assert.match(peerAuthProblems([view('this sentinel', acl(true, 'x'), sentinel(), EMPTY)])[0]!, /^this sentinel's default user requires a password but it has no sentinel-pass \(and sentinel-user\), so it logs in to its peers with its requirepass, which is empty/);
  assert.match(peerAuthProblems([view('this sentinel', acl(true, 'x'), sentinel(), digest('y'))])[0]!, /its requirepass, which is not one of its default user's passwords/);
  assert.deepEqual(peerAuthProblems([view('this sentinel', acl(true, 'x'), sentinel('p'), EMPTY)]), []);
  // Its requirepass unread (a live sentinel without its sentinel.conf): unknown, never 'no problem'.
  assert.deepEqual(peerAuth([{ ...view('this sentinel', acl(true, 'x')), requirepass: undefined }]).problems, []);
  assert.match(peerAuth([{ ...view('this sentinel', acl(true, 'x')), requirepass: undefined }]).unknown[0]!, /requirepass, which is unknown here/);
  // Several sentinels sharing a `user default` password, requirepass empty: none gets in anywhere.
  assert.equal(peerAuthProblems([view('a', acl(true, 'x'), sentinel(), EMPTY), view('b', acl(true, 'x'), sentinel(), EMPTY)]).length, 2);
  assert.deepEqual(peerAuthProblems([{ ...view('a', acl(true, 'x')), requirepass: undefined }, { ...view('b', acl(true, 'x')), requirepass: undefined }]), []);
  // SENTINEL CONFIG GET refused (no +sentinel|config) and no sentinel.conf: whether sentinel-pass is set is unknown,
  // so nothing is claimed (it was 'has no sentinel-pass', with the wrong remediation).
  const unknown: SentinelFacts = { ...sentinel(), configUnavailable: 'the audit user may not run SENTINEL CONFIG GET (grant +sentinel|config): NOPERM' };
  assert.deepEqual(peerAuthProblems([view('this sentinel', acl(false), unknown)]), []);
  assert.deepEqual(peerAuthProblems([view('a', acl(false), unknown), view('b', acl(false), sentinel('p'))]), []);
});
