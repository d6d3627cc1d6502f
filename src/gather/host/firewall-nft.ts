import type { FirewallChain, FirewallMatch, FirewallRule, FirewallRuleset, FirewallVerdict } from '../../facts/types.ts';
import { PROTOCOLS, isEveryone, items, parsePort, parseRange, parseRanges, tokenize } from './firewall-words.ts';
import type { Family, Range } from './firewall-words.ts';

/** `nft list ruleset` as chains of rules: tables, sets, chains, their hooks, priorities and policies. */

const NFT_PRIORITIES: Readonly<Record<string, number>> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };

function nftPriority(text: string): number {
  const m = /^(-?\d+|[a-z]+)\s*(?:([+-])\s*(\d+))?$/.exec(text.trim());
  if (!m) return 0;
  const base = /^-?\d+$/.test(m[1]!) ? Number(m[1]) : (NFT_PRIORITIES[m[1]!] ?? 0);
  return m[2] === '-' ? base - Number(m[3]) : m[2] === '+' ? base + Number(m[3]) : base;
}

const NFT_KEYWORDS = new Set([
  'ip', 'ip6', 'inet', 'tcp', 'udp', 'udplite', 'sctp', 'dccp', 'th', 'icmp', 'icmpv6', 'meta', 'iif', 'iifname', 'oif', 'oifname',
  'iiftype', 'ct', 'fib', 'counter', 'log', 'limit', 'comment', 'accept', 'drop', 'reject', 'return', 'continue', 'jump', 'goto',
  'queue', 'notrack', 'mark', 'ether', 'vlan', 'arp', 'socket', 'rt', 'quota', 'dup', 'fwd', 'masquerade', 'snat', 'dnat', 'redirect',
]);

const OPERATORS = new Set(['==', '!=', '<', '>', '<=', '>=']);

interface NftTable {
  readonly family: string;
  readonly name: string;
  readonly sets: Map<string, string[]>;
  readonly chains: { name: string; header: string; rules: { text: string; line: number }[] }[];
  dormant: boolean;
}

function nftVerdict(tokens: readonly string[], i: number): { verdict: FirewallVerdict; next: number } | undefined {
  const t = tokens[i];
  if (t === 'accept') return { verdict: { kind: 'accept' }, next: i + 1 };
  if (t === 'drop') return { verdict: { kind: 'drop' }, next: i + 1 };
  // `reject with icmp type port-unreachable`: nothing after reject but its options and a comment.
  if (t === 'reject') return { verdict: { kind: 'drop' }, next: tokens.length };
  if (t === 'return') return { verdict: { kind: 'return' }, next: i + 1 };
  if (t === 'continue') return { verdict: { kind: 'none' }, next: i + 1 };
  if ((t === 'jump' || t === 'goto') && tokens[i + 1]) return { verdict: { kind: t, chain: tokens[i + 1]! }, next: i + 2 };
  if (t === 'queue') return { verdict: { kind: 'unknown' }, next: tokens.length };
  return undefined;
}

/** The verdict of each `key : verdict` of a verdict map. */
function vmapEntries(group: string, on: 'dport' | 'ctstate'): Extract<FirewallVerdict, { kind: 'vmap' }>['entries'] | undefined {
  const entries: { ranges: Range[]; states: string[]; verdict: FirewallVerdict }[] = [];
  for (const item of items(group)) {
    const colon = item.lastIndexOf(' : ');
    if (colon === -1) return undefined;
    const key = item.slice(0, colon).trim();
    const verdict = nftVerdict(tokenize(item.slice(colon + 3)), 0)?.verdict;
    if (!verdict) return undefined;
    if (on === 'dport') {
      const range = parseRange(key);
      if (!range) return undefined;
      entries.push({ ranges: [range], states: [], verdict });
    } else entries.push({ ranges: [], states: [key], verdict });
  }
  return entries;
}

/** One nft rule as matches and a verdict; sets are resolved from the rule's table. */
export function parseNftRule(text: string, line: number, sets: ReadonlyMap<string, readonly string[]> = new Map()): FirewallRule {
  const tokens = tokenize(text);
  const matches: FirewallMatch[] = [];
  let verdict: FirewallVerdict = { kind: 'none' };
  const setItems = (token: string): string[] | undefined => (token.startsWith('@') ? sets.get(token.slice(1))?.slice() : items(token));
  let i = 0;
  /** Reads `[op] value` at i: returns the operator and the value token. */
  const operand = (): { negated: boolean; op: string; value: string } => {
    let op = '==';
    if (OPERATORS.has(tokens[i] ?? '')) op = tokens[i++]!;
    const value = tokens[i++] ?? '';
    return { negated: op === '!=', op, value };
  };
  /** Skips to the next keyword: for expressions whose argument syntax varies. */
  const skipArguments = (): string => {
    const start = i;
    while (i < tokens.length && !NFT_KEYWORDS.has(tokens[i]!)) i++;
    return tokens.slice(start, i).join(' ');
  };
  while (i < tokens.length) {
    const t = tokens[i]!;
    const v = nftVerdict(tokens, i);
    if (v) {
      verdict = v.verdict;
      i = v.next;
      continue;
    }
    i++;
    if (t === 'ip' || t === 'ip6') {
      const field = tokens[i++] ?? '';
      const family: Family = t;
      if (tokens[i] === '.') {
        matches.push({ kind: 'unknown', text: `${t} ${field} . ${skipArguments()}` });
        continue;
      }
      if (field === 'saddr' || field === 'daddr') {
        const { negated, value } = operand();
        const list = setItems(value);
        if (field === 'saddr') {
          matches.push({ kind: 'saddr', family, negated, everyone: list !== undefined && list.length > 0 && list.every(isEveryone), text: `${t} saddr ${negated ? '!= ' : ''}${value}` });
        } else {
          matches.push({ kind: 'daddr', family, negated, cidrs: list, text: `${t} daddr ${negated ? '!= ' : ''}${value}` });
        }
      } else if (field === 'protocol' || field === 'nexthdr') {
        const { negated, value } = operand();
        matches.push({ kind: 'family', family });
        matches.push({ kind: 'proto', negated, protos: items(value).map((p) => PROTOCOLS[p] ?? p) });
      } else if (field === 'version') {
        const { value } = operand();
        matches.push({ kind: 'family', family: value === '6' ? 'ip6' : 'ip' });
      } else {
        matches.push({ kind: 'family', family });
        matches.push({ kind: 'unknown', text: `${t} ${field} ${skipArguments()}`.trim() });
      }
    } else if (['tcp', 'udp', 'udplite', 'sctp', 'dccp', 'th'].includes(t)) {
      const field = tokens[i++] ?? '';
      if (t !== 'th') matches.push({ kind: 'proto', negated: false, protos: [t] });
      if (field === 'dport' && tokens[i] === 'vmap') {
        const entries = vmapEntries(tokens[i + 1] ?? '', 'dport');
        i += 2;
        verdict = entries ? { kind: 'vmap', on: 'dport', entries } : { kind: 'unknown' };
      } else if (field === 'dport') {
        const { negated, op, value } = operand();
        const port = parsePort(value);
        let ranges: Range[] | undefined;
        if (op === '<' && port !== undefined) ranges = [[0, port - 1]];
        else if (op === '<=' && port !== undefined) ranges = [[0, port]];
        else if (op === '>' && port !== undefined) ranges = [[port + 1, 65535]];
        else if (op === '>=' && port !== undefined) ranges = [[port, 65535]];
        else {
          const list = setItems(value);
          ranges = list ? parseRanges(list) : undefined;
        }
        matches.push({ kind: 'dport', negated, ranges, text: `${t} dport ${op === '==' ? '' : `${op} `}${value}` });
      } else if (field === 'sport') {
        const { value } = operand();
        matches.push({ kind: 'sender', text: `${t} sport ${value}` });
      } else {
        matches.push({ kind: 'unknown', text: `${t} ${field} ${skipArguments()}`.trim() });
      }
    } else if (t === 'icmp' || t === 'icmpv6') {
      matches.push({ kind: 'proto', negated: false, protos: [t] });
      skipArguments();
    } else if (t === 'meta' || t === 'iif' || t === 'iifname') {
      const field = t === 'meta' ? (tokens[i++] ?? '') : t;
      if (tokens[i] === 'set') {
        i++;
        skipArguments();
      } else if (field === 'iif' || field === 'iifname') {
        const { negated, value } = operand();
        matches.push({ kind: 'iif', negated, names: setItems(value) ?? [value] });
      } else if (field === 'l4proto') {
        const { negated, value } = operand();
        matches.push({ kind: 'proto', negated, protos: items(value).map((p) => PROTOCOLS[p] ?? p) });
      } else if (field === 'nfproto') {
        const { value } = operand();
        matches.push({ kind: 'family', family: value === 'ipv6' ? 'ip6' : 'ip' });
      } else {
        matches.push({ kind: 'unknown', text: `meta ${field} ${skipArguments()}`.trim() });
      }
    } else if (t === 'ct') {
      const field = tokens[i++] ?? '';
      if (field === 'state' && tokens[i] === 'vmap') {
        const entries = vmapEntries(tokens[i + 1] ?? '', 'ctstate');
        i += 2;
        verdict = entries ? { kind: 'vmap', on: 'ctstate', entries } : { kind: 'unknown' };
      } else if (field === 'state') {
        const { negated, value } = operand();
        matches.push({ kind: 'ctstate', negated, states: value.startsWith('{') ? items(value) : value.split(',') });
      } else if (field === 'count') {
        matches.push({ kind: 'sender', text: `ct count ${skipArguments()}` });
      } else if (tokens[i] === 'set') {
        i++;
        skipArguments();
      } else {
        matches.push({ kind: 'unknown', text: `ct ${field} ${skipArguments()}`.trim() });
      }
    } else if (t === 'limit') {
      matches.push({ kind: 'sender', text: `limit ${skipArguments()}` });
    } else if (t === 'counter' || t === 'log' || t === 'comment' || t === 'notrack' || t === 'quota') {
      if (t === 'comment') i++;
      else if (t === 'quota') matches.push({ kind: 'sender', text: `quota ${skipArguments()}` });
      else skipArguments();
    } else if (t === 'oif' || t === 'oifname') {
      // No output interface is known on the input hook: such a rule never matches there.
      matches.push({ kind: 'unknown', text: `${t} ${skipArguments()}` });
    } else {
      matches.push({ kind: 'unknown', text: `${t} ${skipArguments()}`.trim() });
    }
  }
  return { text: text.trim(), line, matches, verdict };
}

/** Parses `nft list ruleset`: tables, sets, chains and their rules. */
export function parseNft(text: string): FirewallRuleset {
  const tables: NftTable[] = [];
  const lines = text.split('\n');
  let table: NftTable | undefined;
  let chain: NftTable['chains'][number] | undefined;
  let skipDepth = 0;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (skipDepth > 0) {
      skipDepth += (line.match(/{/g)?.length ?? 0) - (line.match(/}/g)?.length ?? 0);
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^table\s+(\S+)\s+(\S+)\s*{$/.exec(line))) {
      table = { family: m[1]!, name: m[2]!, sets: new Map(), chains: [], dormant: false };
      tables.push(table);
    } else if (table && !chain && (m = /^(set|map)\s+(\S+)\s*{(.*)$/.exec(line))) {
      // Read the whole block: `elements = { … }` may span lines.
      let block = m[3]!;
      let depth = 1 + (block.match(/{/g)?.length ?? 0) - (block.match(/}/g)?.length ?? 0);
      while (depth > 0 && n + 1 < lines.length) {
        const next = lines[++n]!;
        depth += (next.match(/{/g)?.length ?? 0) - (next.match(/}/g)?.length ?? 0);
        block += `\n${next}`;
      }
      const elements = /elements\s*=\s*{([^}]*)}/.exec(block)?.[1];
      if (m[1] === 'set') table.sets.set(m[2]!, elements === undefined ? [] : items(`{${elements.replace(/\n/g, ' ')}}`));
    } else if (table && !chain && (m = /^chain\s+(\S+)\s*{(.*)$/.exec(line))) {
      chain = { name: m[1]!, header: '', rules: [] };
      table.chains.push(chain);
      const rest = m[2]!.trim();
      if (rest.endsWith('}')) {
        chain.header = rest.slice(0, -1);
        chain = undefined;
      }
    } else if (table && !chain && /^flags\s+.*\bdormant\b/.test(line)) {
      table.dormant = true;
    } else if (table && !chain && /{$/.test(line)) {
      skipDepth = 1;
    } else if (line === '}') {
      if (chain) chain = undefined;
      else table = undefined;
    } else if (chain) {
      if (/^type\s+\S+\s+hook\s+/.test(line) || /^policy\s+/.test(line)) chain.header += ` ${line}`;
      else if (/^comment\s+"/.test(line)) continue;
      else chain.rules.push({ text: line, line: n + 1 });
    }
  }
  const chains: FirewallChain[] = [];
  for (const t of tables) {
    if (t.dormant || !['ip', 'ip6', 'inet'].includes(t.family)) continue;
    for (const c of t.chains) {
      const hook = /type\s+(\S+)\s+hook\s+(\S+)/.exec(c.header);
      const priority = /priority\s+([^;]+);/.exec(c.header)?.[1];
      const policy = /policy\s+(\S+?);?(\s|$)/.exec(c.header)?.[1];
      chains.push({
        name: `${t.family} ${t.name} ${c.name}`,
        family: t.family as FirewallChain['family'],
        input: hook?.[1] === 'filter' && hook[2] === 'input',
        priority: priority === undefined ? 0 : nftPriority(priority),
        policy: policy === 'drop' ? 'drop' : 'accept',
        rules: c.rules.map((r) => {
          const rule = parseNftRule(r.text, r.line, t.sets);
          // Jump targets are chains of the same table.
          const v = rule.verdict;
          return v.kind === 'jump' || v.kind === 'goto' ? { ...rule, verdict: { ...v, chain: `${t.family} ${t.name} ${v.chain}` } } : rule;
        }),
      });
    }
  }
  return { tool: 'nft', families: ['ip', 'ip6'], chains };
}
