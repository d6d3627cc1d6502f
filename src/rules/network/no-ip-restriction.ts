import type { HostListener } from '../../facts/types.ts';
import type { Finding } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { isLoopback } from '../../net/address.ts';
import { portReach } from '../../net/firewall-reach.ts';
import type { Reach } from '../../net/firewall-reach.ts';

function shown(l: HostListener): string {
  return l.family === 'ip6' ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`;
}

export default defineRule({
  id: 'network.no-ip-restriction',
  title: 'A firewall restricts who may reach the Redis ports',
  severity: 'low',
  section: 'Foundation',
  checklist: 'Foundation 9',
  sources: ['host'],
  remediation: 'Allow the Redis ports only from the application hosts with nftables/iptables (or a security group / NetworkPolicy).',
  requires: ['host'],
  check({ host }) {
    const listeners = host.process.listeners;
    if (!listeners.known) return skip(`the listening sockets are unknown: ${listeners.reason}`);
    const outside = listeners.value.filter((l) => !isLoopback(l.address));
    if (outside.length === 0) {
      const where = listeners.value.map(shown).join(', ');
      return skip(`the server listens only on loopback${where ? ` (${where})` : ''} and unix sockets: there is nothing to restrict`);
    }
    const firewall = host.firewall;
    if (!firewall.known) return skip(firewall.reason);
    const findings: Finding[] = [];
    const closed: string[] = [];
    const unknown: string[] = [];
    for (const listener of outside) {
      const rulesets = firewall.value.rulesets.filter((r) => r.families.includes(listener.family));
      if (rulesets.length === 0) {
        unknown.push(`${shown(listener)}: no ${listener.family === 'ip' ? 'IPv4' : 'IPv6'} ruleset was read`);
        continue;
      }
      const reaches: Reach[] = rulesets.map((r) => portReach(r, { port: listener.port, family: listener.family, address: listener.address }));
      // A packet has to pass every filter: one that closes the port is enough.
      const closing = reaches.find((r) => r.outcome === 'closed');
      if (closing) {
        const from = reaches.flatMap((r) => r.allowedFrom);
        closed.push(`${shown(listener)}: ${from.length > 0 ? `accepted only from ${from.join(' | ')}` : 'closed to other hosts'} (else ${closing.decidedBy})`);
      } else if (reaches.every((r) => r.outcome === 'open') && firewall.value.unreadable.length === 0) {
        findings.push({ message: `${shown(listener)} accepts connections from any address: ${reaches.map((r) => r.decidedBy).join('; ')}`, source: firewall.source });
      } else {
        const why = [...reaches.flatMap((r) => r.unknown), ...firewall.value.unreadable];
        unknown.push(`${shown(listener)}: cannot be judged (${why.join('; ')})`);
      }
    }
    if (findings.length > 0) return fail(findings);
    if (unknown.length > 0) return skip(unknown.join('; '));
    return pass(closed.join('; '), { source: firewall.source });
  },
});
