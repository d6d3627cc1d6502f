import type { FirewallFacts, FirewallRuleset, HostValue } from '../../facts/types.ts';
import { findProgram, notRead, runProgram } from '../../util/run-program.ts';
import { hostSource } from './proc.ts';
import { parseIptablesSave } from './firewall-iptables.ts';
import { parseNft } from './firewall-nft.ts';

// The packet filter, read: the parsers are in firewall-nft.ts and firewall-iptables.ts, what a ruleset lets
// through to a port in net/firewall-reach.ts.
export { parseNft, parseNftRule } from './firewall-nft.ts';
export { parseIptablesRule, parseIptablesSave } from './firewall-iptables.ts';

/** Firewall texts given instead of running the tools (tests, or a ruleset saved elsewhere). */
export interface FirewallOverride {
  readonly nft?: string;
  readonly iptables?: string;
  readonly ip6tables?: string;
}

/** Reads the packet filter with `nft list ruleset`, `iptables-save` and `ip6tables-save`, those installed. */
export async function readFirewall(override?: FirewallOverride, signal?: AbortSignal): Promise<HostValue<FirewallFacts>> {
  if (override) {
    const rulesets: FirewallRuleset[] = [];
    if (override.nft !== undefined) rulesets.push(parseNft(override.nft));
    if (override.iptables !== undefined) rulesets.push(parseIptablesSave(override.iptables, 'ip'));
    if (override.ip6tables !== undefined) rulesets.push(parseIptablesSave(override.ip6tables, 'ip6'));
    return { known: true, value: { rulesets, unreadable: [] }, source: hostSource('firewall ruleset given to redfort') };
  }
  const tools = [
    { name: 'nft', args: ['list', 'ruleset'], parse: (t: string) => parseNft(t) },
    { name: 'iptables-save', args: [], parse: (t: string) => parseIptablesSave(t, 'ip') },
    { name: 'ip6tables-save', args: [], parse: (t: string) => parseIptablesSave(t, 'ip6') },
  ];
  const rulesets: FirewallRuleset[] = [];
  const unreadable: string[] = [];
  const used: string[] = [];
  let stopped: string | undefined;
  for (const tool of tools) {
    const path = await findProgram(tool.name);
    if (!path) continue;
    const out = await runProgram(path, tool.args, { maxBuffer: 32 * 1024 * 1024, signal });
    if (out.ok) {
      rulesets.push(tool.parse(out.stdout));
      used.push([tool.name, ...tool.args].join(' '));
      continue;
    }
    if (out.stopped === 'abandoned') return { known: false, reason: notRead('the packet filter', out) };
    // A tool cut short read as one that was refused: what it printed is no ruleset.
    if (out.stopped) stopped ??= notRead(`the packet filter (${tool.name})`, out);
    unreadable.push(`${tool.name}: ${out.error}`);
  }
  if (rulesets.length === 0) {
    return {
      known: false,
      reason: stopped ??
        (unreadable.length > 0
          ? `the packet filter cannot be read (${unreadable.join('; ')}): run redfort as root or with CAP_NET_ADMIN`
          : 'neither nft nor iptables-save is installed: the packet filter cannot be read'),
    };
  }
  return { known: true, value: { rulesets, unreadable }, source: hostSource(used.join(', ')) };
}
