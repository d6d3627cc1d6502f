/**
 * `sdstolower` and strcasecmp's case: ASCII letters only (`toLowerCase` alone makes the Kelvin sign a `k` and `İ` two
 * characters). In time linear in the length: a callback per capital letter (`replace(/[A-Z]/g, …)`, as this was
 * written in five places) took 5 s of CPU and 6 s of garbage collection for the 16 MiB name of one
 * `rename-command` line, which a config file may hold (655 MB peak).
 */
export function asciiLower(s: string): string {
  if (!CAPITAL.test(s)) return s;
  if (!NON_ASCII.test(s)) return s.toLowerCase();
  const units = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    units[i] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  }
  // UTF-16 code units back to a string as they are: lone surrogates stay.
  return Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString('utf16le');
}

const CAPITAL = /[A-Z]/;
const NON_ASCII = /[^\x00-\x7f]/;
