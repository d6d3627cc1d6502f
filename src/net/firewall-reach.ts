import { isIP } from 'node:net';
import type { FirewallChain, FirewallMatch, FirewallRuleset } from '../facts/types.ts';

type Range = readonly [number, number];
type Family = 'ip' | 'ip6';

/** A new TCP connection to `port` on a listener of `address`, from an address no rule names. */
export interface ReachQuery {
  readonly port: number;
  readonly family: Family;
  /** The listening address; `0.0.0.0` / `::` for every address. */
  readonly address: string;
}

export interface Reach {
  /** `open`: accepted from any source; `closed`: only named sources or interfaces (or nobody) get through. */
  readonly outcome: 'open' | 'closed' | 'unknown';
  /** The rule or policy that decides. */
  readonly decidedBy: string;
  /** Rules that accept the port from named sources or interfaces. */
  readonly allowedFrom: readonly string[];
  /** Conditions that could not be judged, when the outcome is unknown. */
  readonly unknown: readonly string[];
}

type Tri = 'yes' | 'no' | 'unknown' | 'sender';

function ipv4ToInt(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function ipv6ToBigInt(address: string): bigint {
  let a = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    const n = ipv4ToInt(v4[1]!);
    a = `${a.slice(0, -v4[1]!.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = a.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n);
}

/** Whether `address` is in `cidr` (`10.0.0.0/8`, `fd00::/8`, a plain address, or an nft range `a-b`). */
export function inCidr(address: string, cidr: string): boolean | undefined {
  const kind = isIP(address);
  const range = /^([^-/]+)-([^-/]+)$/.exec(cidr);
  if (range) {
    if (isIP(range[1]!) !== kind || isIP(range[2]!) !== kind) return kind === 0 ? undefined : false;
    const value = kind === 4 ? BigInt(ipv4ToInt(address)) : ipv6ToBigInt(address);
    const lo = kind === 4 ? BigInt(ipv4ToInt(range[1]!)) : ipv6ToBigInt(range[1]!);
    const hi = kind === 4 ? BigInt(ipv4ToInt(range[2]!)) : ipv6ToBigInt(range[2]!);
    return value >= lo && value <= hi;
  }
  const [base = '', bitsText] = cidr.split('/');
  const baseKind = isIP(base);
  if (baseKind === 0 || kind === 0) return undefined;
  if (baseKind !== kind) return false;
  const width = kind === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return undefined;
  const shift = BigInt(width - bits);
  const a = kind === 4 ? BigInt(ipv4ToInt(address)) : ipv6ToBigInt(address);
  const b = kind === 4 ? BigInt(ipv4ToInt(base)) : ipv6ToBigInt(base);
  return a >> shift === b >> shift;
}

function inRanges(port: number, ranges: readonly Range[]): boolean {
  return ranges.some(([lo, hi]) => port >= lo && port <= hi);
}

function flip(result: Tri, negated: boolean): Tri {
  if (!negated || result === 'unknown' || result === 'sender') return result;
  return result === 'yes' ? 'no' : 'yes';
}

function matchOne(m: FirewallMatch, q: ReachQuery, dispatch: boolean): Tri {
  switch (m.kind) {
    case 'saddr':
      if (m.family !== 'any' && m.family !== q.family) return 'no';
      // The connection comes from an address the rule does not name.
      return flip(m.everyone ? 'yes' : 'no', m.negated);
    case 'daddr': {
      if (m.family !== 'any' && m.family !== q.family) return 'no';
      if (!m.cidrs) return 'unknown';
      // A wildcard listener answers on every local address: the sender picks the one it targets.
      if (q.address === '0.0.0.0' || q.address === '::') return 'sender';
      const hits = m.cidrs.map((c) => inCidr(q.address, c));
      if (hits.some((h) => h === undefined)) return 'unknown';
      return flip(hits.some(Boolean) ? 'yes' : 'no', m.negated);
    }
    case 'iif': {
      if (m.names.some((n) => n === '+' || n === '*')) return flip('yes', m.negated);
      // Traffic from elsewhere never arrives on loopback. Accepting a port on a named interface restricts it to
      // that network; sending a whole interface to a chain (firewalld zones) is a dispatch the sender may take.
      if (m.names.every((n) => n === 'lo')) return flip('no', m.negated);
      return m.negated ? 'yes' : dispatch ? 'sender' : 'no';
    }
    case 'family':
      return m.family === q.family ? 'yes' : 'no';
    case 'proto':
      return flip(m.protos.includes('tcp') ? 'yes' : 'no', m.negated);
    case 'dport':
      if (!m.ranges) return 'unknown';
      return flip(inRanges(q.port, m.ranges) ? 'yes' : 'no', m.negated);
    case 'ctstate':
      return flip(m.states.includes('new') ? 'yes' : 'no', m.negated);
    case 'sender':
      return 'sender';
    case 'unknown':
      return 'unknown';
  }
}

function matchAll(matches: readonly FirewallMatch[], q: ReachQuery, dispatch = false): Tri {
  const results = matches.map((m) => matchOne(m, q, dispatch));
  if (results.includes('no')) return 'no';
  if (results.includes('unknown')) return 'unknown';
  if (results.includes('sender')) return 'sender';
  return 'yes';
}

type Mode = 'pessimistic' | 'optimistic';
interface Notes {
  readonly unknown: Set<string>;
  readonly allowed: Set<string>;
}
interface Outcome {
  readonly verdict: 'accept' | 'drop' | 'return';
  readonly by: string;
}

/** Follows a chain for the query; unknown conditions lean to accept (pessimistic) or to drop (optimistic). */
function evalChain(ruleset: FirewallRuleset, chain: FirewallChain, q: ReachQuery, mode: Mode, seen: string[], notes: Notes): Outcome {
  const { unknown, allowed } = notes;
  const byName = (name: string) => ruleset.chains.find((c) => c.name === name);
  const memo = new Map<number, Outcome>();
  const from = (index: number): Outcome => {
    const cached = memo.get(index);
    if (cached) return cached;
    let result: Outcome;
    if (index >= chain.rules.length) {
      result = chain.input ? { verdict: chain.policy === 'drop' ? 'drop' : 'accept', by: `policy ${chain.policy} of chain ${chain.name}` } : { verdict: 'return', by: '' };
    } else {
      const rule = chain.rules[index]!;
      const where = `${ruleset.tool} ${chain.name}: ${rule.text}`;
      let match = matchAll(rule.matches, q, rule.verdict.kind === 'jump' || rule.verdict.kind === 'goto');
      let verdict = rule.verdict;
      if (verdict.kind === 'vmap') {
        const entry = verdict.entries.find((e) => (verdict.kind === 'vmap' && verdict.on === 'dport' ? inRanges(q.port, e.ranges) : e.states.includes('new')));
        if (!entry) match = 'no';
        else verdict = entry.verdict;
      }
      const taken = (): Outcome | undefined => {
        switch (verdict.kind) {
          case 'accept':
            return { verdict: 'accept', by: where };
          case 'drop':
            return { verdict: 'drop', by: where };
          case 'return':
            return { verdict: 'return', by: where };
          case 'jump':
          case 'goto': {
            const target = byName(verdict.chain);
            if (!target || seen.includes(target.name) || seen.length > 16) {
              unknown.add(where);
              return { verdict: mode === 'pessimistic' ? 'accept' : 'drop', by: where };
            }
            const inner = evalChain(ruleset, target, q, mode, [...seen, chain.name], notes);
            if (inner.verdict !== 'return') return inner;
            return verdict.kind === 'goto' ? (chain.input ? { verdict: chain.policy === 'drop' ? 'drop' : 'accept', by: `policy ${chain.policy} of chain ${chain.name}` } : inner) : undefined;
          }
          case 'unknown':
            unknown.add(where);
            return { verdict: mode === 'pessimistic' ? 'accept' : 'drop', by: where };
          default:
            return undefined;
        }
      };
      if (match === 'no') {
        // Accepted but for its named sources or interfaces: the evidence of a restriction.
        const limiting = (m: FirewallMatch) =>
          (m.kind === 'saddr' && !m.negated && !m.everyone && (m.family === 'any' || m.family === q.family)) ||
          (m.kind === 'iif' && !m.negated && !m.names.every((n) => n === 'lo'));
        const open = rule.matches.filter((m) => !limiting(m));
        if (verdict.kind === 'accept' && open.length < rule.matches.length && matchAll(open, q) === 'yes') allowed.add(where);
        result = from(index + 1);
      }
      else if (match === 'yes') result = taken() ?? from(index + 1);
      else {
        // The rule may or may not apply: the sender picks what lets it in; an unknown leans by mode.
        const a = taken() ?? from(index + 1);
        const b = from(index + 1);
        if (match === 'unknown' && a.verdict !== b.verdict) unknown.add(where);
        const preferAccept = match === 'sender' || mode === 'pessimistic';
        const pick = (x: Outcome, y: Outcome) => (x.verdict === 'accept' ? x : y.verdict === 'accept' ? y : x);
        const pickDrop = (x: Outcome, y: Outcome) => (x.verdict === 'drop' ? x : y.verdict === 'drop' ? y : x);
        result = preferAccept ? pick(a, b) : pickDrop(a, b);
      }
    }
    memo.set(index, result);
    return result;
  };
  return from(0);
}

function evaluate(ruleset: FirewallRuleset, q: ReachQuery, mode: Mode, notes: Notes): Outcome {
  const bases = ruleset.chains.filter((c) => c.input && (c.family === q.family || c.family === 'inet')).sort((a, b) => a.priority - b.priority);
  if (bases.length === 0) return { verdict: 'accept', by: `${ruleset.tool}: no input filter chain for ${q.family === 'ip' ? 'IPv4' : 'IPv6'}` };
  let last: Outcome = { verdict: 'accept', by: '' };
  // A packet must be accepted by every base chain on the hook.
  for (const chain of bases) {
    last = evalChain(ruleset, chain, q, mode, [], notes);
    if (last.verdict === 'drop') return last;
  }
  return last;
}

/** Whether a new connection from an arbitrary address reaches the port through this ruleset. Pure. */
export function portReach(ruleset: FirewallRuleset, q: ReachQuery): Reach {
  const notes: Notes = { unknown: new Set(), allowed: new Set() };
  const pessimistic = evaluate(ruleset, q, 'pessimistic', notes);
  const optimistic = evaluate(ruleset, q, 'optimistic', { unknown: notes.unknown, allowed: new Set() });
  const allowedFrom = [...notes.allowed];
  if (pessimistic.verdict === 'drop') return { outcome: 'closed', decidedBy: pessimistic.by, allowedFrom, unknown: [] };
  if (optimistic.verdict === 'accept') return { outcome: 'open', decidedBy: optimistic.by, allowedFrom, unknown: [] };
  return { outcome: 'unknown', decidedBy: pessimistic.by, allowedFrom, unknown: [...notes.unknown] };
}
