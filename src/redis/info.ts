import type { InfoSections } from '../facts/types.ts';

/** Parses `INFO` text into lowercase sections of `field -> value`. */
export function parseInfo(text: string): InfoSections {
  const sections = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  sections.set('', current);
  for (const raw of text.split('\n')) {
    const line = raw.trim();
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
