import { advisoryKey } from './advisories.ts';
import type { Advisory, AdvisoryDataset, AdvisoryEntry, AdvisoryIndex, Span } from './advisories.ts';

/**
 * Where each element of a JSON array of objects is, in bytes: the array's text is scanned for the braces that
 * open and close its top-level objects, outside strings.
 */
export function recordSpans(bytes: Uint8Array): Span[] {
  const spans: Span[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (inString) {
      if (byte === 0x5c) i++; // a backslash escapes the next byte
      else if (byte === 0x22) inString = false;
      continue;
    }
    if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      depth++;
      if (depth === 2) {
        if (byte !== 0x7b) throw new Error(`advisory data: byte ${i}: an element that is not an object`);
        start = i;
      }
    } else if (byte === 0x5d || byte === 0x7d) {
      depth--;
      if (depth === 1) spans.push([start, i + 1 - start]);
    }
  }
  return spans;
}

/** The index of data/advisories.json (its bytes): see AdvisoryIndex in advisories.ts. */
export function buildAdvisoryIndex(bytes: Buffer): AdvisoryIndex {
  const entries = JSON.parse(bytes.toString('utf8')) as readonly AdvisoryEntry[];
  const spans = recordSpans(bytes);
  if (spans.length !== entries.length) throw new Error(`advisory data: ${entries.length} records but ${spans.length} objects found`);
  const branches: Span[] = [];
  const vulnerabilities: AdvisoryIndex['vulnerabilities'][number][] = [];
  let dataset: AdvisoryDataset | undefined;
  entries.forEach((entry, i) => {
    if (entry.record_type === 'dataset') dataset = { compiled: entry.compiled, updated: entry.updated };
    else if (entry.record_type === 'branch_support') branches.push(spans[i]!);
    else if (entry.record_type === 'vulnerability') vulnerabilities.push({ ...advisoryKey(entry as Advisory), at: spans[i]! });
  });
  return {
    about: 'Made from data/advisories.json by scripts/advisories-index.ts: where each record is and what the version rules need first. Do not edit.',
    bytes: bytes.length,
    branches,
    vulnerabilities,
    dataset: dataset ?? missingDataset(),
  };
}

function missingDataset(): never {
  throw new Error('advisory data: no dataset record (its compilation date)');
}

/** The index file's text. */
export function advisoryIndexText(bytes: Buffer): string {
  return `${JSON.stringify(buildAdvisoryIndex(bytes))}\n`;
}
