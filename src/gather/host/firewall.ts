import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type {
  FirewallChain,
  FirewallFacts,
  FirewallMatch,
  FirewallRule,
  FirewallRuleset,
  FirewallVerdict,
  HostValue,
} from '../../facts/types.ts';
import { hostSource } from './proc.ts';
import { shellWords } from '../../util/words.ts';

type Range = readonly [number, number];
type Family = 'ip' | 'ip6';

/** Service names `nft list ruleset` and iptables may print instead of numbers (from /etc/services). */
const SERVICES: Readonly<Record<string, number>> = {
  ssh: 22, telnet: 23, smtp: 25, domain: 53, http: 80, https: 443, redis: 6379, 'redis-server': 6379, 'http-alt': 8080, 'webcache': 8080,
};

const PROTOCOLS: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'ipv6-icmp', '132': 'sctp' };

function parsePort(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  return SERVICES[text.toLowerCase()];
}

/** `6379`, `6379-6380` (nft), `6379:6380` (iptables), `ssh`; undefined when not a port. */
function parseRange(text: string): Range | undefined {
  const m = /^([^-:]+)[-:]([^-:]+)$/.exec(text);
  if (m) {
    const lo = parsePort(m[1]!);
    const hi = parsePort(m[2]!);
    return lo !== undefined && hi !== undefined ? [lo, hi] : undefined;
  }
  const port = parsePort(text);
  return port === undefined ? undefined : [port, port];
}

function parseRanges(items: readonly string[]): Range[] | undefined {
  const ranges = items.map(parseRange);
  return ranges.every((r): r is Range => r !== undefined) ? ranges : undefined;
}

function isEveryone(address: string): boolean {
  return address === '0.0.0.0/0' || address === '::/0' || address === '0/0';
}

/** Splits a rule into words, `{ … }` groups (one token each) and quoted strings. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '{') {
      let depth = 0;
      let j = i;
      for (; j < text.length; j++) {
        if (text[j] === '{') depth++;
        else if (text[j] === '}' && --depth === 0) break;
      }
      tokens.push(text.slice(i, j + 1));
      i = j + 1;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      const j = end === -1 ? text.length : end + 1;
      tokens.push(text.slice(i, j));
      i = j;
    } else {
      let j = i;
      while (j < text.length && !/\s/.test(text[j]!) && text[j] !== '{') j++;
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

/** The items of a `{ a, b }` group, or the single value. */
function items(token: string): string[] {
  const inner = token.startsWith('{') ? token.slice(1, -1) : token;
  return inner.split(',').map((s) => s.trim().replace(/^"|"$/g, '')).filter((s) => s !== '');
}

// nftables ----------------------------------------------------------------------------------------------------

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

// iptables-save -----------------------------------------------------------------------------------------------


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

// I/O ---------------------------------------------------------------------------------------------------------

/** Firewall texts given instead of running the tools (tests, or a ruleset saved elsewhere). */
export interface FirewallOverride {
  readonly nft?: string;
  readonly iptables?: string;
  readonly ip6tables?: string;
}

async function findProgram(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of new Set(dirs.filter((d) => d !== ''))) {
    const path = join(dir, name);
    if (await access(path, constants.X_OK).then(() => true, () => false)) return path;
  }
  return undefined;
}

function run(path: string, args: readonly string[]): Promise<{ ok: true; stdout: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    execFile(path, args, { timeout: 10_000, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (error) resolve({ ok: false, error: (String(stderr).trim().split('\n')[0] || error.message).slice(0, 200) });
      else resolve({ ok: true, stdout: String(stdout) });
    });
  });
}

/** Reads the packet filter with `nft list ruleset`, `iptables-save` and `ip6tables-save`, those installed. */
export async function readFirewall(override?: FirewallOverride): Promise<HostValue<FirewallFacts>> {
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
  for (const tool of tools) {
    const path = await findProgram(tool.name);
    if (!path) continue;
    const out = await run(path, tool.args);
    if (out.ok) {
      rulesets.push(tool.parse(out.stdout));
      used.push([tool.name, ...tool.args].join(' '));
    } else unreadable.push(`${tool.name}: ${out.error}`);
  }
  if (rulesets.length === 0) {
    return {
      known: false,
      reason: unreadable.length > 0
        ? `the packet filter cannot be read (${unreadable.join('; ')}): run redfort as root or with CAP_NET_ADMIN`
        : 'neither nft nor iptables-save is installed: the packet filter cannot be read',
    };
  }
  return { known: true, value: { rulesets, unreadable }, source: hostSource(used.join(', ')) };
}
