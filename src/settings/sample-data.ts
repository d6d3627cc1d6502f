import type { SampleRequest } from '../gather/sample/index.ts';
import type { Shape } from '../util/shown.ts';
import { shown, shownValue } from '../util/shown.ts';

/**
 * The `sampleData` of an inventory entry (`.redfort.yaml` targets, `--targets` inventories), as plain data:
 * `true` (defaults), `false` (never, even with --sample-data), a number of keys per database, or
 * `{ keys, databases, time, bytes }` (time in seconds). Returns the request, `null` for off, or the problem.
 */
export function parseSampleData(value: unknown): SampleRequest | null | { readonly error: string } {
  if (value === true) return {};
  if (value === false) return null;
  if (typeof value === 'number') return wholeNumber(value, 1, 10_000_000) ? { keys: value } : { error: `sampleData must be true, false, a number of keys (1..10000000) or { keys, databases, time, bytes }, not ${value}` };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: `sampleData must be true, false, a number of keys or { keys, databases, time, bytes }, not ${shownValue(value)}` };
  }
  const request: { keys?: number; databases?: number[]; timeMs?: number; bytes?: number } = {};
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    if (name === 'keys' && typeof v === 'number' && wholeNumber(v, 1, 10_000_000)) request.keys = v;
    else if (name === 'databases' && Array.isArray(v) && v.length > 0 && v.every((db) => typeof db === 'number' && wholeNumber(db, 0, 1_000_000))) request.databases = v as number[];
    else if (name === 'time' && typeof v === 'number' && v > 0 && v <= 3600) request.timeMs = Math.round(v * 1000);
    else if (name === 'bytes' && typeof v === 'number' && wholeNumber(v, 1024, 2 ** 40)) request.bytes = v;
    else if (['keys', 'databases', 'time', 'bytes'].includes(name)) {
      const expected = { keys: 'a number of keys (1..10000000)', databases: 'a list of database numbers', time: 'seconds (0..3600)', bytes: 'a number of bytes (at least 1024)' }[name];
      return { error: `sampleData: ${name} must be ${expected}, not ${shownValue(v)}` };
    } else return { error: `sampleData: unknown key ${shown(name, KEY_NAME)} (expected keys, databases, time, bytes)` };
  }
  return request;
}

/** An unknown key as a message quotes it: the characters of a key name, else only its length. */
const KEY_NAME: Shape = { noun: 'key name', pattern: /^[A-Za-z_][A-Za-z0-9_.-]*$/, max: 64 };

function wholeNumber(n: number, min: number, max: number): boolean {
  return Number.isInteger(n) && n >= min && n <= max;
}
