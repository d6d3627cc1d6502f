import type { FirewallChain, FirewallMatch, FirewallRule, FirewallRuleset, FirewallVerdict } from '../../facts/types.ts';
import { shellWords } from '../../util/words.ts';
import { PROTOCOLS, isEveryone, parseRanges } from './firewall-words.ts';
import type { Family } from './firewall-words.ts';

/** The `*filter` table of `iptables-save` / `ip6tables-save` as chains of rules. */

const NON_TERMINAL_TARGETS = new Set(['LOG', 'NFLOG', 'ULOG', 'AUDIT', 'MARK', 'CONNMARK', 'TRACE', 'NOTRACK', 'CT', 'SET', 'TOS', 'DSCP', 'CLASSIFY']);

/** One `-A CHAIN …` line of iptables-save as matches and a verdict. */
export function parseIptablesRule(text: string, line: number, family: Family, userChains: ReadonlySet<string>): FirewallRule & { chain: string } {
  const words = shellWords(text);
  const matches: FirewallMatch[] = [];
  let verdict: FirewallVerdict = { kind: 'none' };
  let chain = '';
  let pending = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '!') {
      pending = true;
      continue;
    }
    let negated = pending;
    pending = false;
    // Old syntax puts '!' after the option: `-s ! 10.0.0.0/8`.
    const arg = (): string => {
      if (words[i + 1] === '!') {
        negated = true;
        i++;
      }
      return words[++i] ?? '';
    };
    const not = () => (negated ? '! ' : '');
    switch (w) {
      case '-A':
      case '--append':
        chain = arg();
        break;
      case '-s':
      case '--source':
      case '--src': {
        const v = arg();
        matches.push({ kind: 'saddr', family, negated, everyone: v.split(',').every(isEveryone), text: `${not()}-s ${v}` });
        break;
      }
      case '-d':
      case '--destination':
      case '--dst': {
        const v = arg();
        matches.push({ kind: 'daddr', family, negated, cidrs: v.split(','), text: `${not()}-d ${v}` });
        break;
      }
      case '-i':
      case '--in-interface': {
        const v = arg();
        matches.push({ kind: 'iif', negated, names: [v] });
        break;
      }
      case '-p':
      case '--protocol': {
        const v = arg().toLowerCase();
        if (v !== 'all' && v !== '0') matches.push({ kind: 'proto', negated, protos: [PROTOCOLS[v] ?? v] });
        break;
      }
      case '-m':
      case '--match':
        i++;
        break;
      case '--dport':
      case '--destination-port':
      case '--dports':
      case '--destination-ports': {
        const v = arg();
        matches.push({ kind: 'dport', negated, ranges: parseRanges(v.split(',')), text: `${not()}${w} ${v}` });
        break;
      }
      case '--sport':
      case '--source-port':
      case '--sports':
      case '--source-ports':
      case '--ports':
        matches.push({ kind: 'sender', text: `${w} ${arg()}` });
        break;
      case '--state':
      case '--ctstate': {
        const v = arg();
        matches.push({ kind: 'ctstate', negated, states: v.toLowerCase().split(',') });
        break;
      }
      case '--syn':
        break;
      case '--comment':
        arg();
        break;
      case '--match-set': {
        const name = arg();
        const flags = words[++i] ?? '';
        if (flags.split(',')[0] === 'src') matches.push({ kind: 'saddr', family, negated, everyone: false, text: `${not()}--match-set ${name} ${flags}` });
        else matches.push({ kind: 'daddr', family, negated, cidrs: undefined, text: `${not()}--match-set ${name} ${flags}` });
        break;
      }
      case '--src-range': {
        const v = arg();
        matches.push({ kind: 'saddr', family, negated, everyone: false, text: `${not()}--src-range ${v}` });
        break;
      }
      case '--dst-type': {
        const v = arg();
        if (v !== 'LOCAL' || negated) matches.push({ kind: 'unknown', text: `${not()}--dst-type ${v}` });
        break;
      }
      case '--limit':
      case '--limit-burst':
      case '--connlimit-above':
      case '--connlimit-upto':
      case '--connlimit-mask':
        matches.push({ kind: 'sender', text: `${w} ${arg()}` });
        break;
      case '-j':
      case '--jump': {
        const target = arg();
        if (target === 'ACCEPT') verdict = { kind: 'accept' };
        else if (target === 'DROP' || target === 'REJECT') verdict = { kind: 'drop' };
        else if (target === 'RETURN') verdict = { kind: 'return' };
        else if (userChains.has(target)) verdict = { kind: 'jump', chain: `filter ${target}` };
        else if (!NON_TERMINAL_TARGETS.has(target)) verdict = { kind: 'unknown' };
        // The target's own options (--reject-with, --log-prefix "…") follow; they match nothing.
        while (i + 1 < words.length && words[i + 1]!.startsWith('--')) i += words[i + 2] !== undefined && !words[i + 2]!.startsWith('-') ? 2 : 1;
        break;
      }
      case '-g':
      case '--goto':
        verdict = { kind: 'goto', chain: `filter ${arg()}` };
        break;
      default:
        if (w.startsWith('-')) {
          const value = words[i + 1] !== undefined && !words[i + 1]!.startsWith('-') ? words[++i] : undefined;
          matches.push({ kind: 'unknown', text: `${not()}${w}${value === undefined ? '' : ` ${value}`}` });
        }
    }
  }
  const shown = text.trim();
  return { chain, text: shown, line, matches, verdict };
}

/** Parses the `*filter` table of `iptables-save` (`family: 'ip'`) or `ip6tables-save` (`'ip6'`). */
export function parseIptablesSave(text: string, family: Family): FirewallRuleset {
  const lines = text.split('\n');
  let table = '';
  const policies = new Map<string, string>();
  const rules: { text: string; line: number }[] = [];
  lines.forEach((raw, n) => {
    const line = raw.trim();
    if (line.startsWith('*')) table = line.slice(1);
    else if (table !== 'filter') return;
    else if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      if (name) policies.set(name, policy ?? '-');
    } else if (line.startsWith('-A ')) rules.push({ text: line, line: n + 1 });
  });
  const userChains = new Set([...policies].filter(([, p]) => p === '-').map(([name]) => name));
  const parsed = rules.map((r) => parseIptablesRule(r.text, r.line, family, userChains));
  const chains: FirewallChain[] = [...policies].map(([name, policy]) => ({
    name: `filter ${name}`,
    family,
    input: name === 'INPUT',
    priority: 0,
    policy: policy === 'DROP' || policy === 'REJECT' ? 'drop' : 'accept',
    rules: parsed.filter((r) => r.chain === name).map(({ chain: _chain, ...rule }) => rule),
  }));
  return { tool: family === 'ip' ? 'iptables' : 'ip6tables', families: [family], chains };
}
