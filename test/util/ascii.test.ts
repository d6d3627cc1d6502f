import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asciiLower } from '../../src/gather/conf/tokenize.ts';
import { slowdown } from '../helpers/timing.ts';

describe('asciiLower (sdstolower, strcasecmp)', () => {
  it('lowercases ASCII capitals only, and keeps every other code unit as it is', () => {
    const reference = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
    for (const s of ['', 'port', 'PORT', 'rename-COMMAND', 'AbC\u212A', 'İSTANBUL', 'ÀÉ', 'Ω𝔸Z', '\uD800A\uDC00B', 'A\u0000B', 'ZZ\uFFFF']) {
      assert.equal(asciiLower(s), reference(s), JSON.stringify(s));
    }
    // The Kelvin sign and the dotted capital I are no ASCII: toLowerCase would make them 'k' and 'i̇'.
    assert.equal(asciiLower('\u212AB\u0130'), '\u212Ab\u0130');
  });

  // A config file may hold a 16 MiB `rename-command` name: a callback per capital letter took 5 s of CPU and 6 s of
  // garbage collection on it in the CLI (655 MB peak; 21 s and 689 MB for effectiveConfig under load), where the
  // engine's own toLowerCase takes some 100 ms.
  it('takes time linear in the length, without a call per capital letter (16 MiB of capitals)', () => {
    const capitals = 'A'.repeat(16 * 1024 * 1024);
    const mixed = 'A\u00e9'.repeat(8 * 1024 * 1024);
    for (const [name, s] of [['ASCII', capitals], ['with non-ASCII letters', mixed]] as const) {
      const ratio = slowdown(() => asciiLower(s), () => capitals.toLowerCase());
      assert.ok(ratio < 25, `${name}: ${ratio.toFixed(1)}x the time of toLowerCase`);
    }
    assert.equal(asciiLower(mixed).slice(0, 4), 'a\u00e9a\u00e9');
  });
});
