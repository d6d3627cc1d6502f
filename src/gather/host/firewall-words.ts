/** What `nft list ruleset` and `iptables-save` share: ports, services, protocols, words and `{ … }` groups. */

export type Range = readonly [number, number];
export type Family = 'ip' | 'ip6';

/** Service names `nft list ruleset` and iptables may print instead of numbers (from /etc/services). */
const SERVICES: Readonly<Record<string, number>> = {
  ssh: 22, telnet: 23, smtp: 25, domain: 53, http: 80, https: 443, redis: 6379, 'redis-server': 6379, 'http-alt': 8080, 'webcache': 8080,
};

export const PROTOCOLS: Readonly<Record<string, string>> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'ipv6-icmp', '132': 'sctp' };

export function parsePort(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  return SERVICES[text.toLowerCase()];
}

/** `6379`, `6379-6380` (nft), `6379:6380` (iptables), `ssh`; undefined when not a port. */
export function parseRange(text: string): Range | undefined {
  const m = /^([^-:]+)[-:]([^-:]+)$/.exec(text);
  if (m) {
    const lo = parsePort(m[1]!);
    const hi = parsePort(m[2]!);
    return lo !== undefined && hi !== undefined ? [lo, hi] : undefined;
  }
  const port = parsePort(text);
  return port === undefined ? undefined : [port, port];
}

export function parseRanges(items: readonly string[]): Range[] | undefined {
  const ranges = items.map(parseRange);
  return ranges.every((r): r is Range => r !== undefined) ? ranges : undefined;
}

export function isEveryone(address: string): boolean {
  return address === '0.0.0.0/0' || address === '::/0' || address === '0/0';
}

/** Splits a rule into words, `{ … }` groups (one token each) and quoted strings. */
export function tokenize(text: string): string[] {
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
export function items(token: string): string[] {
  const inner = token.startsWith('{') ? token.slice(1, -1) : token;
  return inner.split(',').map((s) => s.trim().replace(/^"|"$/g, '')).filter((s) => s !== '');
}
