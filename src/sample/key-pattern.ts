/**
 * Key patterns: key names with every variable part replaced by `*`, so that a report says where sensitive data
 * lives (`session:*`, `user:*:profile`) without naming a key. Numbers, UUIDs, hex, e-mail addresses, hash tags and
 * anything that is not a plain word are masked. A plain word is kept only when it is the first segment, or when
 * it recurs at its place in the sample and that place takes few values: `user:alice:cart` and `user:bob:cart`
 * both become `user:*:cart`, because the second place takes many values.
 *
 * Never a full key name (issue 16): a key of one segment is the whole name (`payroll_john_doe`), so it is `*` unless
 * it is one of a few generic words ({@link GENERIC}). The first segment of a longer key is its namespace, kept.
 */

const SEPARATOR = /([:/|#;,=\s]+)/;
const WORD = /^[A-Za-z][A-Za-z_-]{0,31}$/;
/** A place with more distinct words than this is a variable part (names, slugs). */
const MAX_DISTINCT = 8;
const MAX_SEGMENTS = 12;
/** The keys of one segment that may be shown: words that name no one. */
const GENERIC = new Set(['config', 'configuration', 'settings', 'cache', 'session', 'sessions', 'queue', 'jobs', 'users', 'tokens', 'secrets', 'keys', 'data', 'state', 'status', 'counter', 'counters', 'stats', 'metrics', 'lock', 'locks', 'leaderboard', 'feature', 'features', 'flags']);

interface Split {
  readonly segments: string[];
  readonly separators: string[];
}

function split(key: string): Split {
  const parts = key.slice(0, 1024).split(SEPARATOR);
  const segments: string[] = [];
  const separators: string[] = [];
  for (let i = 0; i < parts.length; i += 1) {
    if (i % 2 === 0) segments.push(parts[i] as string);
    // Separators are shown as they are, but only their first character (a run of spaces is one space).
    else separators.push((parts[i] as string)[0] as string);
  }
  if (segments.length > MAX_SEGMENTS) {
    segments.length = MAX_SEGMENTS;
    segments[MAX_SEGMENTS - 1] = '*';
    separators.length = MAX_SEGMENTS - 1;
  }
  return { segments, separators };
}

function join(segments: readonly string[], separators: readonly string[]): string {
  let out = segments[0] ?? '';
  for (let i = 1; i < segments.length; i += 1) out += (separators[i - 1] ?? ':') + segments[i];
  // `a:*:*` reads better than `a:*:*` written twice; but keep the count, it tells the shape.
  return out;
}

/** Patterns of many keys at once (the recurrence of words is judged over all of them); same order as `keys`. */
export function keyPatterns(keys: readonly string[]): string[] {
  const splits = keys.map(split);
  const masked = splits.map((s) => s.segments.map((seg, i) => (i === 0
    ? (seg === '' ? '' : WORD.test(seg) && (s.segments.length > 1 || GENERIC.has(seg)) ? seg : '*')
    : WORD.test(seg) ? seg : '*')));
  const width = Math.max(0, ...masked.map((m) => m.length));
  for (let pos = 1; pos < width; pos += 1) {
    // Keys of the same shape: the same number of segments and the same pattern before this place.
    const groups = new Map<string, Map<string, number>>();
    const groupOf = (i: number): string => `${masked[i]!.length}\u0000${masked[i]!.slice(0, pos).join('\u0000')}`;
    for (let i = 0; i < masked.length; i += 1) {
      const seg = masked[i]![pos];
      if (seg === undefined || seg === '*') continue;
      const group = groupOf(i);
      const counts = groups.get(group) ?? new Map<string, number>();
      counts.set(seg, (counts.get(seg) ?? 0) + 1);
      groups.set(group, counts);
    }
    for (let i = 0; i < masked.length; i += 1) {
      const seg = masked[i]![pos];
      if (seg === undefined || seg === '*') continue;
      const counts = groups.get(groupOf(i))!;
      if (counts.size > MAX_DISTINCT || (counts.get(seg) ?? 0) < 2) masked[i]![pos] = '*';
    }
  }
  return masked.map((m, i) => {
    const pattern = join(m, splits[i]!.separators);
    return pattern === '' ? '*' : pattern;
  });
}

/** The pattern of one key judged alone: every segment but a leading word is masked. */
export function keyPattern(key: string): string {
  return keyPatterns([key])[0] as string;
}
