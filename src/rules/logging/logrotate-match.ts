import type { LogrotateStanza } from '../../facts/types.ts';
import { globSegmentRegExp } from '../../util/glob.ts';

/**
 * Whether a logrotate path pattern names `path`, as glob(3) without flags matches: per path segment, and a
 * leading dot only by a literal dot.
 */
export function logrotateMatches(pattern: string, path: string): boolean {
  const ps = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  const xs = path.split('/').filter((s, i) => s !== '' || i === 0);
  if (ps.length !== xs.length) return false;
  return ps.every((seg, k) => {
    const name = xs[k]!;
    if (name.startsWith('.') && !seg.startsWith('.')) return seg === name;
    return globSegmentRegExp(seg).test(name);
  });
}

/** The first stanza with a pattern naming `path`, or undefined. */
export function coveringStanza(stanzas: readonly LogrotateStanza[], path: string): { stanza: LogrotateStanza; pattern: string } | undefined {
  for (const stanza of stanzas) {
    const pattern = stanza.patterns.find((p) => logrotateMatches(p, path));
    if (pattern) return { stanza, pattern };
  }
  return undefined;
}
