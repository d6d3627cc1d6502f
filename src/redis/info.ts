import type { InfoSections } from '../facts/types.ts';

/**
 * The most sections kept: a real INFO has about 15 (`INFO everything` with modules a few more), and a hostile one of
 * 16 MiB of `# Sn` headers made 1.3 million maps (330 MB for one target) that every infoField then walked.
 */
const MAX_SECTIONS = 256;

/**
 * Parses `INFO` text into lowercase sections of `field -> value`. Walks the text line by line instead of
 * splitting it into one array first: a hostile server's 60 MB INFO of millions of short lines would otherwise
 * cost an array of millions of strings at once (about three times the time and four times the memory). A line is
 * trimmed by moving its bounds rather than copied (twice, with and without its CR): a field's name and value are
 * the only strings made of it.
 */
export function parseInfo(text: string): InfoSections {
  const sections = new Map<string, Map<string, string>>();
  let current = new Map<string, string>();
  sections.set('', current);
  // Whether the section under way is past MAX_SECTIONS: its fields are dropped.
  let dropped = false;
  // The first colon at or after the line under way (-1: none left), searched again only once passed: lines without
  // a colon never make a search run on to the end of the text more than once.
  let colon = -2;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    // The line without what trim() would remove around it.
    let from = start;
    let to = end;
    start = end + 1;
    while (from < to && trimmed(text.charCodeAt(from))) from++;
    while (to > from && trimmed(text.charCodeAt(to - 1))) to--;
    if (from === to) continue;
    if (text.charCodeAt(from) === HASH) {
      const name = text.slice(from + 1, to).trim().toLowerCase();
      dropped = sections.size >= MAX_SECTIONS && !sections.has(name);
      if (dropped) continue;
      current = new Map();
      sections.set(name, current);
      continue;
    }
    if (dropped) continue;
    if (colon < from && colon !== -1) colon = text.indexOf(':', from);
    if (colon > from && colon < to) {
      const field = text.slice(from, colon);
      const value = text.slice(colon + 1, to);
      // `# Modules` has one `module:name=…` line per loaded module: keep them all, one per line.
      const earlier = field === 'module' ? current.get(field) : undefined;
      current.set(field, earlier === undefined ? value : `${earlier}\n${value}`);
    }
  }
  return sections;
}

/**
 * The names of the loaded modules (`module:name=bf,ver=…` lines of `# Modules`), or undefined when the reply has
 * no `# Modules` section (a Redis before 4.0, or a reply cut short): then which modules run is unknown.
 */
export function infoModules(info: InfoSections): readonly string[] | undefined {
  const section = info.get('modules');
  if (!section) return undefined;
  const lines = section.get('module');
  if (lines === undefined) return [];
  return lines.split('\n').map((line) => /^name=([^,]*)/.exec(line)?.[1] ?? '').filter((name) => name !== '');
}

const HASH = 0x23;
const SPACE = /\s/;

/** Whether String.prototype.trim removes this UTF-16 unit: JavaScript's white space and line terminators, as `\s`. */
function trimmed(unit: number): boolean {
  if (unit < 128) return unit === 0x20 || (unit >= 0x09 && unit <= 0x0d);
  return SPACE.test(String.fromCharCode(unit));
}

/** Looks a field up in any section (field names are unique across INFO sections). */
export function infoField(info: InfoSections, field: string): string | undefined {
  for (const section of info.values()) {
    const value = section.get(field);
    if (value !== undefined) return value;
  }
  return undefined;
}
