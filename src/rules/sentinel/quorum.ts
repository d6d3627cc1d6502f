import type { AclState, AclUser, Facts, SecretDigest, SentinelFacts, Source } from '../../facts/types.ts';
import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { isAtLeast, majorMinor } from '../../redis/version.ts';

interface Group {
  readonly name: string;
  readonly sentinels: number;
  readonly quorum: number;
  /** CKQUORUM as every sentinel asked answered it: ok when all did; the message the first gave (QA41-14). */
  readonly ckquorum: { readonly ok: boolean; readonly message: string } | undefined;
  /** The sentinels whose CKQUORUM said NOQUORUM, with what it said; and how many were asked. */
  readonly noquorum?: readonly { readonly address: string; readonly message: string }[];
  readonly asked?: number;
  /** One sentinel's view: the peers it knows but flags s_down, o_down or disconnected (not counted in `sentinels`). */
  readonly down?: readonly string[];
  readonly source: Source;
}

/** The flags of a peer sentinel that make it no usable vote in the asking sentinel's view. */
const PEER_DOWN = new Set(['s_down', 'o_down', 'disconnected']);

/**
 * Each group's CKQUORUM as every sentinel reached answered it (its own gather asked it: QA41-14), the seed's answer
 * when none of theirs is known. The verdict must not depend on which sentinel was the seed.
 */
function everyCkquorum(topology: NonNullable<Facts['topology']>, group: NonNullable<Facts['topology']>['groups'][number]): Pick<Group, 'ckquorum' | 'noquorum' | 'asked'> {
  const answers: { address: string; ok: boolean; message: string }[] = [];
  for (const node of topology.nodes) {
    if (node.role !== 'sentinel') continue;
    const own = node.summary?.sentinel?.groups?.find((g) => g.name === group.name)?.ckquorum?.value;
    if (own) answers.push({ address: node.address, ...own });
  }
  if (answers.length === 0) return { ckquorum: group.ckquorum?.value };
  const noquorum = answers.filter((a) => !a.ok).map(({ address, message }) => ({ address, message }));
  const first = noquorum[0] ?? answers[0]!;
  return { ckquorum: { ok: noquorum.length === 0, message: first.message }, noquorum, asked: answers.length };
}

function judgeCounts(group: Group): Finding[] {
  const { name, sentinels: n, quorum } = group;
  const findings: Finding[] = [];
  // Without its CKQUORUM, one sentinel's count leaves out the peers it flags down; with it, they are said there.
  const usableOnly = group.down !== undefined && !group.ckquorum;
  const downText = group.down?.length ? `this sentinel flags ${group.down.join(', ')} down` : undefined;
  const watched = `master '${name}' is watched by ${n} ${usableOnly ? 'usable ' : ''}sentinel${n === 1 ? '' : 's'}${usableOnly && downText ? ` (${downText}: no votes now)` : ''}`;
  if (n < 3) findings.push({ message: `${watched}: fewer than 3 cannot keep a majority to authorize a failover when one is lost`, source: group.source });
  else if (n % 2 === 0) findings.push({ message: `${watched}: an even number tolerates no more failures than ${n - 1}, and a split into equal halves blocks both`, source: group.source });
  if (quorum > n) findings.push({ message: `master '${name}' has quorum ${quorum} but only ${n} sentinel${n === 1 ? '' : 's'}: it can never be declared down`, source: group.source });
  const source = { kind: 'live', command: `SENTINEL CKQUORUM ${name}` } as const;
  if (group.noquorum && group.noquorum.length > 0) {
    const at = group.noquorum.map((q) => q.address);
    const ok = (group.asked ?? at.length) - at.length;
    findings.push({
      message: ok > 0
        ? `SENTINEL CKQUORUM ${name} on ${at.join(', ')}: ${group.noquorum[0]!.message} (${ok} other sentinel${ok === 1 ? '' : 's'} said OK: the view of the one asked is not the group's)`
        : `SENTINEL CKQUORUM ${name}: ${group.noquorum[0]!.message}${at.length > 1 ? ` (on each of the ${at.length} sentinels asked)` : ''}`,
      source,
      evidence: group.noquorum.map((q) => `${q.address}: ${q.message}`),
    });
  } else if (group.ckquorum && !group.ckquorum.ok) findings.push({ message: `SENTINEL CKQUORUM ${name}: ${group.ckquorum.message}${downText ? ` (${downText})` : ''}`, source });
  return findings;
}

interface SentinelView {
  readonly address: string;
  readonly acl: AclState | undefined;
  readonly sentinel: SentinelFacts | undefined;
  /** Its own `requirepass` (sentinel.conf): what it sends its peers without sentinel-pass; undefined when unknown. */
  readonly requirepass: SecretDigest | undefined;
  /** One sentinel's view: its default user when ACL LIST did not list it (see {@link ownDefaultUser}); else from `acl`. */
  readonly defaultUser?: OwnDefaultUser;
}

/**
 * A lone sentinel's default user, as far as whether peers like it accept what it sends them: the user itself, that it
 * takes whatever it sends (with why), or why that is unknown.
 */
export type OwnDefaultUser = { readonly user: AclUser } | { readonly acceptsRequirepass: string } | { /** Why, e.g. ACL LIST's refusal. */ readonly unknown: string };

/**
 * This sentinel's default user when ACL LIST did not list it (no +acl|list, a 6.0 sentinel). What it can still tell:
 * - a Redis sentinel before 6.2 has no ACL command and loads no `user` line or aclfile (ACLLoadUsersAtStartup runs
 *   outside sentinel mode only, redis@6.0.20:src/server.c main; a real 6.0.20 sentinel with `user default on >pw`
 *   answers PING without AUTH): its default user takes exactly its requirepass, the password it sends its peers;
 * - the audit read it without a password: its default user is on and nopass;
 * - the audit logged in as `default` with its requirepass: the default user takes it;
 * - its sentinel.conf was read: the user lines (or aclfile) of the file make the default user at start, else
 *   requirepass does (redis@7.0.15 ACLLoadUsersAtStartup runs after the config, and a `user default` line replaces it).
 * Otherwise (6.2+ with ACL LIST refused and no sentinel.conf) it is unknown.
 */
export function ownDefaultUser(facts: Pick<Facts, 'acl' | 'server' | 'connection' | 'files' | 'secrets' | 'sources' | 'unavailable'>): OwnDefaultUser {
  const read = summaryDefaultUser(facts);
  if (!('unknown' in read)) return read;
  const { connection } = facts;
  if (connection?.anonymous?.outcome === 'open' || (facts.sources.has('live') && !connection?.credential && !connection?.unauthenticated)) {
    return { acceptsRequirepass: 'the audit read it without a password: its default user is on and nopass' };
  }
  const requirepass = facts.secrets?.get('requirepass')?.value;
  if (connection?.credential?.user === 'default' && requirepass?.set && connection.credential.password.sha256 === requirepass.sha256) {
    return { acceptsRequirepass: 'the audit logged in as its default user with its requirepass' };
  }
  if (facts.files) {
    const fromFile = facts.files.users.find((u) => u.name === 'default');
    if (fromFile) return { user: fromFile };
    if (facts.files.unread?.length) return { unknown: `${unlisted(facts)}; ${facts.files.unread.join('; ')}` };
    return { acceptsRequirepass: 'its config files have no `user default` line: its default user is its requirepass' };
  }
  return { unknown: unlisted(facts) };
}

function unlisted(facts: Pick<Facts, 'acl' | 'unavailable'>): string {
  return facts.acl ? 'ACL LIST did not list it' : facts.unavailable.acl ?? 'ACL LIST was not read';
}

/**
 * Whether `from` can log in to `to`. Without sentinel-pass a sentinel sends its peers server.requirepass, with no
 * user, and nothing when it is empty (sentinelSendAuthIfNeeded, redis@6.2.16 and redis@7.0.15:src/sentinel.c; 6.0
 * always does): never a password that only a `user default` line or ACL SETUSER gave the default user.
 */
function canLogIn(from: SentinelView, to: SentinelView): boolean | undefined {
  if (from.sentinel?.sentinelPass?.value.set) return true;
  const found = to.defaultUser ?? defaultUserOf(to.acl);
  if ('unknown' in found) return undefined;
  if ('acceptsRequirepass' in found) {
    // Its default user takes its own requirepass (nopass when empty): what `from` sends must be the same.
    if (to.requirepass && !to.requirepass.set) return true;
    if (from.sentinel?.configUnavailable !== undefined || !from.requirepass || !to.requirepass) return undefined;
    return from.requirepass.set && from.requirepass.sha256 === to.requirepass.sha256;
  }
  const target = found.user;
  if (target.enabled && target.nopass) return true;
  if (from.sentinel?.configUnavailable !== undefined) return undefined; // whether it sends sentinel-pass is unknown
  if (!target.enabled) return false;
  if (!from.requirepass) return undefined;
  const sent = from.requirepass;
  return sent.set && target.passwords.some((q) => q.sha256 === sent.sha256);
}

/**
 * A sentinel's default user from what was read of it (a discovered sentinel's node summary, or the audited one's facts
 * before {@link ownDefaultUser} looks further): ACL LIST's line, or (a Redis sentinel before 6.2, which has no ACL and
 * loads no user lines) its requirepass; else unknown, with why.
 */
export function summaryDefaultUser(summary: Pick<Facts, 'acl' | 'server' | 'unavailable'>): OwnDefaultUser {
  const listed = summary.acl?.users.find((u) => u.name === 'default');
  if (listed) return { user: listed };
  const version = majorMinor(summary.server?.version);
  if (summary.server?.product === 'redis' && version && !isAtLeast(version, 6, 2)) {
    return { acceptsRequirepass: `a Redis ${version.major}.${version.minor} sentinel has no ACL and loads no user lines: its default user takes its requirepass` };
  }
  return { unknown: unlisted(summary) };
}

function defaultUserOf(acl: AclState | undefined): OwnDefaultUser {
  const user = acl?.users.find((u) => u.name === 'default');
  return user ? { user } : { unknown: acl ? 'ACL LIST did not list it' : 'ACL LIST was not read' };
}

interface PeerAuth {
  /** Who cannot log in to whom. */
  readonly problems: string[];
  /** Why whether they can is unknown (one sentinel's view only: a deployment has CKQUORUM). */
  readonly unknown: string[];
}

/**
 * Sentinels that cannot log in to a peer: no sentinel-pass, and the peer's default user is off or takes another
 * password than the sender's requirepass. One sentinel's own view (no topology): it cannot log in to peers like
 * itself when it needs a named user, or when its default user's password is not its requirepass (3 real 7.0.15
 * sentinels with `user default on >pw` and no requirepass: every peer NOAUTH, s_down, CKQUORUM NOQUORUM); peers
 * sharing a requirepass accept each other (3 real 6.2.16 and 7.0.15 sentinels: CKQUORUM OK).
 */
export function peerAuth(views: readonly SentinelView[]): PeerAuth {
  if (views.length === 1) {
    const [self] = views;
    if (!self!.sentinel || self!.sentinel.sentinelPass?.value.set) return { problems: [], unknown: [] };
    const passUnknown = self!.sentinel.configUnavailable !== undefined;
    const found = self!.defaultUser ?? defaultUserOf(self!.acl);
    if ('acceptsRequirepass' in found) return { problems: [], unknown: [] };
    if ('unknown' in found) {
      return { problems: [], unknown: [`this sentinel's default user is unknown (${found.unknown}), so whether its peers accept the requirepass it sends them is unknown (give --sentinel-config with its sentinel.conf, or let the audit user run ACL LIST)`] };
    }
    const own = found.user;
    if (own.nopass) return { problems: [], unknown: [] };
    if (!own.enabled) {
      if (passUnknown) return { problems: [], unknown: [`this sentinel's default user is off and whether it has a sentinel-pass (and sentinel-user) to give its peers is unknown (${self!.sentinel.configUnavailable})`] };
      return { problems: ['this sentinel requires a named user (its default user is off) but has no sentinel-pass (and sentinel-user) to give its peers'], unknown: [] };
    }
    const requirepass = self!.requirepass;
    if (requirepass?.set && own.passwords.some((p) => p.sha256 === requirepass.sha256)) return { problems: [], unknown: [] };
    if (requirepass === undefined) {
      return { problems: [], unknown: ["this sentinel's default user requires a password, and whether it gives it to its peers is unknown: without sentinel-pass a sentinel sends them its requirepass, which is unknown here (give --sentinel-config with its sentinel.conf)"] };
    }
    if (passUnknown) return { problems: [], unknown: [`this sentinel's requirepass is not its default user's password and whether it has a sentinel-pass is unknown (${self!.sentinel.configUnavailable})`] };
    const sends = requirepass.set ? 'its requirepass, which is not one of its default user\'s passwords' : 'its requirepass, which is empty (a `user default` line or ACL SETUSER gave the default user its password)';
    return { problems: [`this sentinel's default user requires a password but it has no sentinel-pass (and sentinel-user), so it logs in to its peers with ${sends}: peers like it answer NOAUTH (set sentinel-pass, or requirepass to the default user's password)`], unknown: [] };
  }
  const out: string[] = [];
  const unsure = new Set<SentinelView>();
  for (const from of views) {
    const verdicts = views.filter((to) => to !== from).map((to) => [to, canLogIn(from, to)] as const);
    for (const [to, can] of verdicts) if (can === undefined) unsure.add(to);
    const refused = verdicts.filter(([, can]) => can === false).map(([to]) => to);
    if (refused.length === 0) continue;
    const off = refused.every((to) => to.acl?.users.find((u) => u.name === 'default')?.enabled === false);
    out.push(`sentinel ${from.address} has no sentinel-pass (and sentinel-user) and cannot log in to ${refused.map((r) => r.address).join(', ')} (${off ? 'their default user is off: they need a named user' : from.requirepass?.set ? 'they require another password' : 'they require a password and its requirepass is empty'})`);
  }
  // Whether the others can log in to these is unknown: their default user, or what the senders send, was not read.
  const byWhy = new Map<string | undefined, string[]>();
  for (const to of views.filter((v) => unsure.has(v))) {
    const found = to.defaultUser ?? defaultUserOf(to.acl);
    const why = 'unknown' in found ? found.unknown : undefined;
    byWhy.set(why, [...(byWhy.get(why) ?? []), to.address]);
  }
  const unknown = [...byWhy].map(([why, at]) => {
    const of = `sentinel${at.length === 1 ? '' : 's'} ${at.join(', ')}`;
    return why !== undefined ? `the default user of ${of} is unknown (${why})` : `whether the peers of ${of} send the password their default user takes is unknown (their requirepass or the peers' sentinel-pass was not read)`;
  });
  return { problems: out, unknown };
}

/** The master's flags that say the sentinel does not reach it now. */
const DOWN_FLAGS = new Set(['s_down', 'o_down', 'disconnected']);

/** For each group, the sentinels that report its master s_down, o_down or disconnected, with the flags. */
function masterDown(topology: Facts['topology'], own: SentinelFacts | undefined, names: readonly string[]): string[] {
  const views = topology
    ? topology.nodes.filter((n) => n.role === 'sentinel' && n.summary?.sentinel).map((n) => ({ address: n.address, sentinel: n.summary!.sentinel! }))
    : own ? [{ address: 'this sentinel', sentinel: own }] : [];
  const out: string[] = [];
  for (const name of names) {
    const seen = new Map<string, string[]>();
    for (const view of views) {
      const flags = view.sentinel.masters.find((m) => m.name === name)?.flags ?? '';
      const bad = flags.split(',').filter((f) => DOWN_FLAGS.has(f));
      if (bad.length === 0) continue;
      seen.set(flags, [...(seen.get(flags) ?? []), view.address]);
    }
    for (const [flags, at] of seen) out.push(`${at.length === views.length && views.length > 1 ? `all ${at.length} sentinels` : at.join(', ')} report master '${name}' as ${flags}`);
  }
  return out;
}

export function peerAuthProblems(views: readonly SentinelView[]): string[] {
  return peerAuth(views).problems;
}

const PEER_AUTH_REMEDIATION =
  'On every sentinel: `SENTINEL CONFIG SET sentinel-user <user>` (6.2+) and `SENTINEL CONFIG SET sentinel-pass <password>` with a user and password every sentinel accepts (the same on all of them), then `SENTINEL CKQUORUM <master>`; add sentinels only if it still fails.';

export default defineRule({
  id: 'sentinel.quorum',
  title: 'Sentinel can reach quorum and authorize a failover',
  severity: 'high',
  section: 'Cluster',
  checklist: 'Cluster 1',
  sources: ['topology', 'live'],
  remediation: 'Run 3 or 5 sentinels on independent hosts with a quorum of a majority (`SENTINEL SET <master> quorum 2`); after removing a sentinel, `SENTINEL RESET <master>` on each remaining one; verify with `SENTINEL CKQUORUM <master>`.',
  scope: 'deployment',
  requires: [],
  check(facts) {
    const { topology, sentinel, acl, secrets, unavailable } = facts;
    let groups: Group[];
    const notes: string[] = [];
    let uncounted: string[] = [];
    if (topology) {
      if (topology.kind !== 'sentinel') return skip(`not a sentinel deployment: the deployment is a ${topology.kind}`);
      // A group whose peers could not be listed is not counted: unknown, never 'watched by 1 sentinel'.
      const unknown = topology.groups.filter((g) => g.sentinelsUnavailable !== undefined);
      uncounted = unknown.map((g) => `${g.sentinelsUnavailable}: the sentinels watching '${g.name}' are unknown`);
      if (unknown.length > 0 && unknown.length === topology.groups.length) return skip(uncounted.join('; '));
      groups = topology.groups.filter((g) => g.sentinelsUnavailable === undefined).map((g) => ({ name: g.name, sentinels: new Set(g.sentinels).size, quorum: g.quorum, ...everyCkquorum(topology, g), source: g.source }));
      for (const g of topology.groups) if (g.ckquorumUnavailable) notes.push(`CKQUORUM ${g.name} not asked: ${g.ckquorumUnavailable}`);
      for (const n of topology.nodes) if (n.role === 'sentinel' && n.error) notes.push(`sentinel ${n.address} not reached: ${n.error}`);
    } else if (sentinel?.mastersUnavailable !== undefined) {
      // Never "monitors no master": the list (and each master's count of sentinels) is unknown.
      return skip(`${sentinel.mastersUnavailable}: the monitored masters and the sentinels watching them are unknown`);
    } else if (sentinel) {
      // One sentinel's view: it counts its peers, but CKQUORUM is only asked when the deployment is discovered. A
      // sentinel.conf that records no peer for a master does not count them: unknown, never 'watched by 1 sentinel'.
      uncounted = sentinel.masters.filter((m) => m.othersUnknown !== undefined).map((m) => m.othersUnknown!);
      if (uncounted.length > 0 && uncounted.length === sentinel.masters.length) return skip(`${uncounted.join('; ')}: audit the running sentinels (--sentinel)`);
      // Its own SENTINEL SENTINELS and CKQUORUM when asked (QA41-14): num-other-sentinels counts the peers it flags
      // s_down too (a peer it cannot log in to), which are no votes in its view.
      groups = sentinel.masters.filter((m) => m.othersUnknown === undefined).map((m) => {
        const view = sentinel.groups?.find((g) => g.name === m.name);
        const ckquorum = view?.ckquorum?.value;
        if (!view || view.unavailable.sentinels !== undefined) return { name: m.name, sentinels: m.numOtherSentinels + 1, quorum: m.quorum, ckquorum, source: m.source };
        const down = view.sentinels.filter((p) => p.flags.some((f) => PEER_DOWN.has(f)));
        return {
          name: m.name,
          sentinels: view.sentinels.length - (ckquorum ? 0 : down.length) + 1,
          quorum: m.quorum,
          ckquorum,
          down: down.map((p) => `${p.host}:${p.port} (${p.flags.join(',')})`),
          source: { kind: 'live', command: `SENTINEL SENTINELS ${m.name}` } as const,
        };
      });
      const unasked = sentinel.masters.filter((m) => !sentinel.groups?.find((g) => g.name === m.name)?.ckquorum);
      if (unasked.length > 0) notes.push(`SENTINEL CKQUORUM ${unasked.map((m) => m.name).join(', ')} not answered here; it is asked of every sentinel with --sentinel`);
    } else {
      return skip(unavailable.sentinel ?? 'the target is not a sentinel');
    }
    if (groups.length === 0) return skip('the sentinel monitors no master');
    let findings = groups.flatMap(judgeCounts);
    // Sentinels that require credentials but send none to their peers (no sentinel-pass) cannot reach each other:
    // CKQUORUM says NOQUORUM, and adding sentinels would not help (issue 11).
    const peers = peerAuth(topology
      ? topology.nodes.filter((n) => n.role === 'sentinel' && n.summary).map((n) => ({ address: n.address, acl: n.summary!.acl, sentinel: n.summary!.sentinel, requirepass: n.summary!.secrets?.get('requirepass')?.value, defaultUser: summaryDefaultUser(n.summary!) }))
      : [{ address: 'this sentinel', acl, sentinel, requirepass: secrets?.get('requirepass')?.value, defaultUser: ownDefaultUser(facts) }]);
    const stuck = peers.problems;
    // One sentinel's own NOQUORUM, when its peer credentials explain it: the explanation is the finding, the reply
    // its evidence (as for a deployment's groups not asked).
    if (!topology && stuck.length > 0) {
      const ckquorumOnly = findings.filter((f) => f.message.startsWith('SENTINEL CKQUORUM '));
      notes.push(...ckquorumOnly.map((f) => f.message));
      findings = findings.filter((f) => !ckquorumOnly.includes(f));
    }
    // Counts alone look fine but the sentinels cannot reach each other: without CKQUORUM (one sentinel's view, or a
    // group not asked) that is the finding itself, never a pass.
    // A CKQUORUM that said OK is one sentinel's view (the seed's): a peer that cannot log in to the others is still
    // no vote there, and the verdict must not depend on which sentinel was asked (QA41-14).
    if (findings.length === 0 && stuck.length > 0) {
      return fail(groups.map((g) => (g.ckquorum?.ok
        ? {
            message: `master '${g.name}': ${stuck.join('; ')}: CKQUORUM on ${(g.asked ?? 1) > 1 ? `each of the ${g.asked} sentinels asked` : 'the sentinel asked'} said ${g.ckquorum.message.split('.')[0]}, but a sentinel that cannot authenticate to its peers is no vote in their majority: one more lost sentinel and no failover can be authorized`,
            source: g.source,
            severity: 'medium' as const,
            evidence: notes,
            remediation: PEER_AUTH_REMEDIATION,
          }
        : {
            message: `master '${g.name}': ${stuck.join('; ')}: the sentinels cannot authenticate to each other, which alone makes a quorum unreachable`,
            source: g.source,
            evidence: notes,
            remediation: PEER_AUTH_REMEDIATION,
          })));
    }
    if (findings.length > 0 && stuck.length > 0) {
      const why = stuck.join('; ');
      return fail(findings.map((f) => ({
        ...f,
        message: `${f.message} (${why}: the sentinels cannot authenticate to each other, which alone makes a quorum unreachable)`,
        evidence: notes,
        remediation: PEER_AUTH_REMEDIATION,
      })));
    }
    notes.push(...uncounted);
    if (findings.length > 0) return fail(findings.map((f) => ({ ...f, evidence: notes })));
    if (!topology && peers.unknown.length > 0) return skip(`${peers.unknown.join('; ')} (the counts keep quorum)`);
    // A deployment: CKQUORUM answers for its groups; a group it did not answer for is judged from the counts only when
    // every sentinel was read and whether each can log in to the others is known (else it was a pass on unknown).
    const unasked = topology ? topology.groups.filter((g) => g.sentinelsUnavailable === undefined && !g.ckquorum) : [];
    if (topology && unasked.length > 0) {
      const watching = new Set(unasked.flatMap((g) => g.sentinels));
      const unreached = topology.nodes.filter((n) => n.role === 'sentinel' && !n.summary && watching.has(n.address)).map((n) => `sentinel ${n.address} was not reached`);
      const missing = [...unreached, ...peers.unknown];
      if (missing.length > 0) {
        const asked = unasked.map((g) => `SENTINEL CKQUORUM ${g.name} was not asked (${g.ckquorumUnavailable ?? 'no reply'})`).join('; ');
        return skip(`${asked} and ${missing.join('; ')}: whether the sentinels can authenticate to each other and reach quorum is unknown (the counts keep quorum; grant +sentinel|ckquorum, or +acl|list to read their default users)`);
      }
    }
    // The counted groups are fine, but a group left uncounted could be short of sentinels: not a pass.
    if (uncounted.length > 0) return skip(`${uncounted.join('; ')} (the other masters' sentinels keep quorum)`);
    // Counted from sentinel.conf alone: its known-sentinel lines are the peers this sentinel once met, kept until
    // SENTINEL RESET, dead ones included. A count that fails is a failure; one that keeps quorum is the file's record,
    // not sentinels that run (QA41-104).
    const recorded = groups.filter((g) => g.source.kind === 'file');
    if (!topology && recorded.length > 0) {
      const counts = recorded.map((g) => `'${g.name}': ${g.sentinels - 1} peer${g.sentinels === 2 ? '' : 's'} this sentinel once met, quorum ${g.quorum}`).join('; ');
      return skip(`${counts}: the file's known-sentinel lines record the peers a sentinel met (kept until SENTINEL RESET, dead ones too), not sentinels that run; whether they run is known only live (audit the running sentinels with --sentinel)`);
    }
    const summary = groups.map((g) => `'${g.name}': ${g.sentinels} sentinels, quorum ${g.quorum}${g.ckquorum ? `, CKQUORUM ${g.ckquorum.message}${(g.asked ?? 0) > 1 ? ` (OK on each of the ${g.asked} sentinels asked)` : ''}` : ''}`).join('; ');
    // QA41-7: CKQUORUM counts sentinels that can reach each other, not whether they reach the master: one they see
    // s_down or disconnected (an auth-user the master refuses, a master down now) is not a group that "can" fail over.
    const down = masterDown(topology, sentinel, groups.map((g) => g.name));
    if (down.length > 0) {
      return skip(`${summary}; but ${down.join('; ')}: while the sentinels cannot reach the master, CKQUORUM does not show that a failover can be authorized and carried out (see sentinel.no-auth-user, and each sentinel's log)`);
    }
    return pass(summary, { source: groups[0]!.source, evidence: notes });
  },
});
