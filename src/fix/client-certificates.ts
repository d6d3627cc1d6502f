/**
 * Whether `CONFIG SET tls-auth-clients yes` would cut the deployment's own TLS links (QA38-16). A server that
 * replicates over TLS (`tls-replication yes`) or runs a TLS cluster bus presents `tls-client-cert-file`, else
 * `tls-cert-file`, as its client certificate, and so does a sentinel with `tls-replication yes`. With
 * `tls-auth-clients no` nobody checks it; once a node asks for client certificates it refuses one that is no client
 * certificate (an extended key usage without clientAuth, as Let's Encrypt and many internal CAs issue: OpenSSL's
 * ssl_client purpose). The link already up is kept, so the apply and its check succeed, and replication stops at the
 * next reconnect (measured on 8.6.3: "certificate verify failed" on the master, master_link_status:down for good).
 */

import type { Facts } from '../facts/types.ts';
import { presentedClientCertificate, purposeProblem } from '../redis/tls-purpose.ts';
import { infoField } from '../redis/info.ts';

interface Node {
  readonly address: string;
  readonly role: string;
  readonly facts: Facts;
  readonly sentinelClients?: number | string;
}

function config(facts: Facts, name: string): string | undefined {
  return facts.config?.get(name)?.value;
}

/** Whether the node connects to others over TLS as a client: to a master, to the other nodes' bus. */
function dialsOverTls(n: Node): string | undefined {
  if (config(n.facts, 'tls-replication') === 'yes') return n.role === 'sentinel' ? 'as a sentinel with tls-replication yes' : 'to its master with tls-replication yes (and to any new master after a failover)';
  if (n.role !== 'sentinel' && config(n.facts, 'tls-cluster') === 'yes') return 'on the cluster bus with tls-cluster yes';
  // A sentinel whose TLS settings are not known, but that speaks TLS itself: it may reach the nodes over TLS.
  if (n.role === 'sentinel' && config(n.facts, 'tls-replication') === undefined && (n.facts.probe?.tls.length ?? 0) > 0) return 'as a sentinel that speaks TLS (its tls-replication is not known)';
  return undefined;
}

/**
 * Why `tls-auth-clients yes` must not be planned on the data nodes of this deployment, or undefined when every node
 * that reaches them over TLS as a client presents a client certificate (its extensions; its CA is not known here).
 * One answer for all data nodes: after a failover any node may be the master the others connect to.
 */
export function clientCertificatesHold(deployment: string, nodes: readonly Node[]): ((n: Node) => string | undefined) {
  const problems: string[] = [];
  for (const n of nodes) {
    const how = dialsOverTls(n);
    if (how === undefined) continue;
    const seen = presentedClientCertificate(n.facts, (name) => config(n.facts, name));
    const who = `${n.address}${n.role === 'sentinel' ? ' (sentinel)' : ''}`;
    if ('unknown' in seen) {
      problems.push(`${who} connects ${how}, and whether its client certificate is one is unknown: ${seen.unknown}`);
      continue;
    }
    const problem = purposeProblem(seen.certificate, 'client');
    if (problem) problems.push(`${who} connects ${how} presenting ${seen.directive} (${seen.certificate.subject}) as its client certificate, and ${problem}: it is no TLS client certificate`);
  }
  const fixFirst =
    'Give those servers a certificate with extendedKeyUsage clientAuth (or none) signed by the CA of tls-ca-cert-file, as tls-client-cert-file (with tls-client-key-file; CONFIG SET on 6.2+), and plan again';
  const base = problems.length > 0 ? `CONFIG SET tls-auth-clients yes would break the deployment's own TLS links at their next reconnect (a master refuses its replicas, the links already up stay up until then): ${problems.join('; ')}. ${fixFirst}` : undefined;
  return (n) => {
    if (base) return base;
    if (deployment !== 'single' || n.role === 'sentinel') return undefined;
    // One server on its own: the replicas, master and sentinels that reach it were not audited.
    const connected = Number(n.facts.info ? (infoField(n.facts.info, 'connected_slaves') ?? 0) : 0);
    const sentinels = typeof n.sentinelClients === 'number' ? n.sentinelClients : 0;
    const replicates = n.role === 'replica' || connected > 0 || sentinels > 0;
    const tlsLinks = config(n.facts, 'tls-replication') === 'yes' || config(n.facts, 'port') === '0';
    if (!replicates || !tlsLinks) return undefined;
    const peers = [n.role === 'replica' ? 'its master' : undefined, connected > 0 ? `${connected} replica${connected === 1 ? '' : 's'}` : undefined, sentinels > 0 ? `${sentinels} sentinel connection${sentinels === 1 ? '' : 's'}` : undefined].filter(Boolean).join(', ');
    return `this server replicates over TLS (${peers}; ${config(n.facts, 'tls-replication') === 'yes' ? 'tls-replication yes' : 'no plaintext port'}): the servers that connect to it present their own certificates as client certificates, which fix did not see, and CONFIG SET tls-auth-clients yes would refuse any that is no client certificate (extendedKeyUsage without clientAuth) at its next reconnect. Run fix with --replication (or --sentinel, --cluster) so that it checks them`;
  };
}
