import type { InfoSections } from '../facts/types.ts';

/**
 * Parses `INFO` text into lowercase sections of `field -> value`. Walks the text line by line instead of
 * splitting it into one array first: a hostile server's 60 MB INFO of millions of short lines would otherwise
 * cost an array of millions of strings at once (about three times the time and four times the memory).
 */
export function parseInfo(text: string): InfoSections {
  const sections = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  sections.set('', current);
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    if (line.startsWith('#')) {
      current = new Map();
      sections.set(line.slice(1).trim().toLowerCase(), current);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) current.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return sections;
}

/** Looks a field up in any section (field names are unique across INFO sections). */
export function infoField(info: InfoSections, field: string): string | undefined {
  for (const section of info.values()) {
    const value = section.get(field);
    if (value !== undefined) return value;
  }
  return undefined;
}
