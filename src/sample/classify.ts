import type { DetectorId } from './detectors.ts';
import { DETECTORS, MAX_TEXT, isHashed, isPlaintextSecretValue, isSecretFieldName, looksEncrypted } from './detectors.ts';

/** What one key's sampled values hold. Only kinds and flags: never a value. */
export interface KeyVerdict {
  readonly plaintext: Set<DetectorId>;
  encrypted: boolean;
  hashed: boolean;
}

export function emptyVerdict(): KeyVerdict {
  return { plaintext: new Set(), encrypted: false, hashed: false };
}

/** Detectors that also run on key names: personal data used as a key (`session:alice@example.com`). */
const KEY_NAME_DETECTORS = DETECTORS.filter((d) => ['email', 'phone', 'card-number', 'us-ssn', 'iban'].includes(d.id));

/** JSON objects nested deeper than this are not walked (their text is still scanned). */
const MAX_DEPTH = 16;
/** At most this many embedded `name: value` pairs are looked at per value. */
const MAX_PAIRS = 256;

/** Judges one key name: the key itself can hold personal data. */
export function classifyKeyName(name: string, verdict: KeyVerdict): void {
  const text = name.length > MAX_TEXT ? name.slice(0, MAX_TEXT) : name;
  for (const d of KEY_NAME_DETECTORS) if (!verdict.plaintext.has(d.id) && d.test(text)) verdict.plaintext.add(d.id);
}

/**
 * Judges one sampled value, with the name of the field it was stored under when there is one (a hash field, a
 * stream field, the last segment of a string key's name). Documents (JSON, query strings, PHP-serialized
 * arrays) are searched inside: their field names count as well.
 */
export function classifyValue(raw: string, field: string | undefined, verdict: KeyVerdict): void {
  const value = raw.length > MAX_TEXT ? raw.slice(0, MAX_TEXT) : raw;
  if (field !== undefined && isSecretFieldName(field)) {
    if (isPlaintextSecretValue(value)) verdict.plaintext.add('secret-field');
  }
  const trimmed = value.trim();
  if (trimmed === '') return;
  if (isHashed(trimmed)) {
    verdict.hashed = true;
    return;
  }
  if (looksEncrypted(trimmed)) {
    verdict.encrypted = true;
    return;
  }
  for (const d of DETECTORS) if (!verdict.plaintext.has(d.id) && d.test(value)) verdict.plaintext.add(d.id);
  searchInside(trimmed, verdict);
}

function searchInside(text: string, verdict: KeyVerdict): void {
  if (text.startsWith('{') || text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined) {
      walk(parsed, undefined, 0, verdict, { pairs: 0 });
      return;
    }
  }
  // A document cut at 4 KiB, or a format JSON.parse does not take: pick its `name: value` pairs out.
  let pairs = 0;
  for (const [name, value] of embeddedPairs(text)) {
    if (++pairs > MAX_PAIRS) break;
    if (isSecretFieldName(name) && isPlaintextSecretValue(value)) verdict.plaintext.add('secret-field');
    const v = value.trim();
    if (isHashed(v)) verdict.hashed = true;
    else if (looksEncrypted(v)) verdict.encrypted = true;
  }
}

function walk(node: unknown, field: string | undefined, depth: number, verdict: KeyVerdict, budget: { pairs: number }): void {
  if (depth > MAX_DEPTH || ++budget.pairs > MAX_PAIRS) return;
  if (typeof node === 'string') {
    classifyValue(node, field, verdict);
  } else if (typeof node === 'number' && field !== undefined && isSecretFieldName(field)) {
    classifyValue(String(node), field, verdict);
  } else if (Array.isArray(node)) {
    for (const item of node) walk(item, field, depth + 1, verdict, budget);
  } else if (node !== null && typeof node === 'object') {
    for (const [name, value] of Object.entries(node as Record<string, unknown>)) walk(value, name, depth + 1, verdict, budget);
  }
}

const PAIR_PATTERNS = [
  /"([A-Za-z_][\w.-]{0,63})"\s*:\s*"((?:[^"\\]|\\.){0,4096})"/g, // JSON, possibly cut short
  /(?:^|[?&;\s,])([A-Za-z_][\w.-]{0,63})=([^&;\s,]{1,4096})/g, // query strings, connection strings, .env
  /s:\d+:"([A-Za-z_][\w.-]{0,63})";s:\d+:"([^"]{0,4096})";/g, // PHP serialize()
  /(?:^|\n)\s*([A-Za-z_][\w.-]{0,63}):\s+["']?([^\s"'][^\n"']{0,4095})/g, // YAML
];

function* embeddedPairs(text: string): Generator<[string, string]> {
  for (const re of PAIR_PATTERNS) {
    for (const match of text.matchAll(re)) yield [match[1] as string, match[2] as string];
  }
}
