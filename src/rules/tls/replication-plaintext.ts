import type { TopologyFacts } from '../../facts/types.ts';
import type { Finding, Verdict } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { portOf, tlsEnabled } from '../util.ts';
import { nodeName, noReplicaReason, replicasOf } from '../../topology/nodes.ts';
import { unlessTls } from './common.ts';
import { infoField } from '../../redis/info.ts';
import { sentinelFix } from '../util.ts';
import { clipped } from '../../util/shown.ts';

const SENTINEL = 'Set `tls-replication yes` in sentinel.conf and restart the sentinel (it has no CONFIG SET, and SENTINEL CONFIG SET changes no TLS setting), with the masters, their replicas and the other sentinels reachable on their tls-port.';

/** Every replica of a deployment: its link to its master is encrypted when it sets tls-replication. */
function judgeDeployment(topology: TopologyFacts): Verdict {
  const { replicas, unjudged, total } = replicasOf(topology);
  if (total === 0) return skip(noReplicaReason(topology));
  if (replicas.length === 0) return skip(`no replica could be judged: ${unjudged.join('; ')}`);
  const findings: Finding[] = [];
  const encrypted: string[] = [];
  for (const { node, summary, master } of replicas) {
    const config = summary.config!;
    const replication = config.get('tls-replication');
    if (replication?.value === 'yes') {
      encrypted.push(nodeName(node));
      continue;
    }
    const masterConfig = master?.summary?.config;
    const where = [tlsEnabled(config) ? 'this replica' : '', masterConfig && tlsEnabled(masterConfig) ? `its master ${nodeName(master!)}` : ''].filter(Boolean);
    if (where.length === 0) continue;
    findings.push({
      message: `replica ${nodeName(node)} replicates from ${master ? nodeName(master) : (node.masterAddress ?? 'its master')} in clear text: tls-replication is '${clipped(replication?.value ?? 'no')}' although TLS is enabled on ${where.join(' and ')}`,
      source: replication?.source ?? topology.source,
    });
  }
  const notJudged = unjudged.map((u) => `not judged: ${u}`);
  if (findings.length > 0) return fail(findings.map((f) => ({ ...f, evidence: notJudged })));
  if (encrypted.length === 0) return skip(`TLS is enabled neither on the replicas nor on their masters: see tls.disabled${unjudged.length > 0 ? `; not judged: ${unjudged.join('; ')}` : ''}`);
  // A replica not judged may be the one that replicates in clear text (one reached on its TLS port is an error entry
  // when the run's scheme is TLS): unknown, never a pass over the others (as config.inconsistent-nodes).
  if (unjudged.length > 0) return skip(`${encrypted.length} of ${total} replica${total === 1 ? '' : 's'} replicate over TLS (tls-replication yes); not judged: ${unjudged.join('; ')}`);
  return pass(`${encrypted.length} of ${total} replica${total === 1 ? '' : 's'} replicate over TLS (tls-replication yes)`, { source: topology.source, evidence: [...encrypted, ...notJudged] });
}

export default defineRule({
  id: 'tls.replication-plaintext',
  title: 'Replication runs over TLS',
  severity: 'high',
  section: 'TLS',
  checklist: 'TLS 5',
  sources: ['live', 'config'],
  remediation: 'Set `tls-replication yes` on every node (`CONFIG SET tls-replication yes`), with the masters reachable on their tls-port.',
  requires: [],
  check({ config, topology, info, server, unavailable }) {
    if (topology) return judgeDeployment(topology);
    if (!config) return skip(unavailable.config ?? 'the configuration could not be read');
    const notTls = unlessTls(config);
    if (notTls) return notTls;
    const replication = config.get('tls-replication');
    if (replication?.value !== 'yes' && server?.mode === 'sentinel') {
      // A sentinel has no data set: with tls-replication it reaches masters, replicas and its peers over TLS.
      return fail({
        message: `tls-replication is '${clipped(replication?.value ?? 'no')}': this sentinel reaches the masters, their replicas and the other sentinels in clear text, auth-pass and sentinel-pass included`,
        source: replication?.source,
        ...sentinelFix(server, SENTINEL),
      });
    }
    if (replication?.value !== 'yes') {
      // A master with no replica sends nothing today: the setting waits for the first replica (issue 11).
      const role = info ? infoField(info, 'role') : undefined;
      const replicas = info ? Number(infoField(info, 'connected_slaves') ?? NaN) : NaN;
      // tls-replication is how this node, as a replica, connects to its master (replication.c connectWithMaster). Its
      // replicas connect to one of its ports: with `port 0` only the TLS port is open, so they replicate over TLS
      // whatever this says (real 7.0.15: a replica with tls-replication yes synced from a port-0 master set to no).
      // It matters once this node is a replica itself, after a failover.
      const master = role === 'master' || (role === undefined && !info && (config.get('replicaof')?.value.trim() ?? '') === '');
      if (master && config.get('port') !== undefined && portOf(config.get('port')) === 0) {
        return fail({
          message: `tls-replication is '${clipped(replication?.value ?? 'no')}': its replicas can reach it only on its TLS port (port is 0), so they replicate over TLS; but should it become a replica (a failover), it would connect to its new master in clear text, or not at all where that master has port 0 too`,
          source: replication?.source,
          severity: 'low',
          evidence: [`port is 0${role ? `; INFO replication: role:${role}` : ''}`],
        });
      }
      if (role === 'master' && replicas === 0) {
        return fail({
          message: `tls-replication is '${clipped(replication?.value ?? 'no')}': no replica is connected now, but one added later would get the full dataset and every write in clear text`,
          source: replication?.source,
          severity: 'low',
          evidence: ['INFO replication: role:master, connected_slaves:0'],
        });
      }
      const value = clipped(replication?.value ?? 'no');
      const replica = role === 'slave' || role === 'replica' || (role === undefined && !info && !master);
      if (replica) {
        // Its own link: tls-replication no is how it connects to its master.
        const to = role !== undefined ? `${infoField(info!, 'master_host') ?? '?'}:${infoField(info!, 'master_port') ?? '?'}` : (config.get('replicaof')?.value.trim().split(/\s+/).join(':') ?? '?');
        return fail({ message: `tls-replication is '${value}': this replica connects to its master ${clipped(to)} in clear text, so the full dataset and every write reach it unencrypted, its masterauth included`, source: replication?.source });
      }
      // A master with a plaintext port, or a node whose role is unknown (INFO without its replication section): how
      // its replicas connect is theirs to say (their own tls-replication, and the port their replicaof names); INFO's
      // slave lines give each replica's own listening port, not the port it reached this one on. Known per replica
      // with --replication.
      const port = config.get('port');
      const own = master ? 'which only decides how this node connects to a master of its own (after a failover)' : 'should this node be a replica, it connects to its master in clear text';
      const theirs =
        port !== undefined && portOf(port) === 0
          ? 'its own replicas, if any, reach it only on its TLS port (port is 0)'
          : `${role === 'master' ? `its ${Number.isNaN(replicas) ? '' : `${replicas} `}connected replica${replicas === 1 ? '' : 's'}` : 'its replicas, if any,'} may reach it on its plaintext port ${clipped(port?.value ?? '6379')} and then get the full dataset and every write in clear text: their own tls-replication decides (audit with --replication to judge each replica)`;
      return fail({
        message: `tls-replication is '${value}', ${own}; ${theirs}`,
        source: replication?.source,
        severity: 'medium',
        evidence: role ? [`INFO replication: role:${role}${Number.isNaN(replicas) ? '' : `, connected_slaves:${replicas}`}`] : ['the server\'s role is unknown'],
      });
    }
    return pass("tls-replication is 'yes'", { source: replication.source });
  },
});
