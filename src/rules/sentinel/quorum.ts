import type { Source } from '../../facts/types.ts';
import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';

interface Group {
  readonly name: string;
  readonly sentinels: number;
  readonly quorum: number;
  readonly ckquorum: { readonly ok: boolean; readonly message: string } | undefined;
  readonly source: Source;
}

function judgeCounts(group: Group): Finding[] {
  const { name, sentinels: n, quorum } = group;
  const findings: Finding[] = [];
  const watched = `master '${name}' is watched by ${n} sentinel${n === 1 ? '' : 's'}`;
  if (n < 3) findings.push({ message: `${watched}: fewer than 3 cannot keep a majority to authorize a failover when one is lost`, source: group.source });
  else if (n % 2 === 0) findings.push({ message: `${watched}: an even number tolerates no more failures than ${n - 1}, and a split into equal halves blocks both`, source: group.source });
  if (quorum > n) findings.push({ message: `master '${name}' has quorum ${quorum} but only ${n} sentinel${n === 1 ? '' : 's'}: it can never be declared down`, source: group.source });
  if (group.ckquorum && !group.ckquorum.ok) findings.push({ message: `SENTINEL CKQUORUM ${name}: ${group.ckquorum.message}`, source: { kind: 'live', command: `SENTINEL CKQUORUM ${name}` } });
  return findings;
}

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
  check({ topology, sentinel, acl, unavailable }) {
    let groups: Group[];
    const notes: string[] = [];
    if (topology) {
      if (topology.kind !== 'sentinel') return skip(`not a sentinel deployment: the deployment is a ${topology.kind}`);
      groups = topology.groups.map((g) => ({ name: g.name, sentinels: new Set(g.sentinels).size, quorum: g.quorum, ckquorum: g.ckquorum?.value, source: g.source }));
      for (const g of topology.groups) if (g.ckquorumUnavailable) notes.push(`CKQUORUM ${g.name} not asked: ${g.ckquorumUnavailable}`);
      for (const n of topology.nodes) if (n.role === 'sentinel' && n.error) notes.push(`sentinel ${n.address} not reached: ${n.error}`);
    } else if (sentinel) {
      // One sentinel's view: it counts its peers, but CKQUORUM is only asked when the deployment is discovered.
      groups = sentinel.masters.map((m) => ({ name: m.name, sentinels: m.numOtherSentinels + 1, quorum: m.quorum, ckquorum: undefined, source: m.source }));
      notes.push('SENTINEL CKQUORUM is asked with --sentinel');
    } else {
      return skip(unavailable.sentinel ?? 'the target is not a sentinel');
    }
    if (groups.length === 0) return skip('the sentinel monitors no master');
    const findings = groups.flatMap(judgeCounts);
    // Sentinels that require a password but send none to their peers (no sentinel-pass) cannot reach each other:
    // CKQUORUM says NOQUORUM, and adding sentinels would not help (issue 11).
    const own = acl?.users.find((u) => u.name === 'default');
    const locked = own !== undefined && own.enabled && !own.nopass;
    const peerAuthMissing = locked && sentinel !== undefined && sentinel.sentinelPass?.value.set !== true;
    if (findings.length > 0 && peerAuthMissing) {
      const why = 'this sentinel requires a password but has no sentinel-pass (and sentinel-user) to give its peers: the sentinels cannot authenticate to each other, which alone makes a quorum unreachable';
      return fail(findings.map((f) => ({
        ...f,
        message: `${f.message} (${why})`,
        evidence: notes,
        remediation: 'On every sentinel: `SENTINEL CONFIG SET sentinel-user <user>` (6.2+) and `SENTINEL CONFIG SET sentinel-pass <password>` with the password the sentinels require (the same on all of them), then `SENTINEL CKQUORUM <master>`; add sentinels only if it still fails.',
      })));
    }
    if (findings.length > 0) return fail(findings.map((f) => ({ ...f, evidence: notes })));
    const summary = groups.map((g) => `'${g.name}': ${g.sentinels} sentinels, quorum ${g.quorum}${g.ckquorum ? `, CKQUORUM ${g.ckquorum.message}` : ''}`).join('; ');
    return pass(summary, { source: groups[0]!.source, evidence: notes });
  },
});
