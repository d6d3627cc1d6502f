import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FLEET_V8_FLAGS } from '../../src/cli/bundle.ts';
import { runNode } from '../report/cli-run.ts';

// MEM-27: a fleet run streamed to JSON Lines peaked at 135 MiB instead of 108 for 1,000 targets, not for what it
// keeps but because V8's allocation-site pretenuring decided, at a young collection early in the run (the first
// targets all in flight together, everything alive), that objects of some sites (a rule result, its message) live
// long: from then on every target's objects of those sites went straight to the old generation, garbage that only a
// full collection frees, at about four times the live heap. Whether it happened depended on when that collection
// fell, run to run. FLEET_V8_FLAGS turns the pretenuring off (src/cli/bundle.ts).

/**
 * In a fresh node whose young generation is at its largest (as a fleet run's is after its first growth): 2,000
 * objects of one object literal kept over a young collection, then 100,000 more of it dropped at once; prints how
 * many bytes the old generation grew by meanwhile. `flags`: V8 flags set at run time first, as src/cli/start.ts sets
 * a fleet run's.
 */
async function oldGrowth(flags: string): Promise<number> {
  const script = [
    "import v8 from 'node:v8';",
    `if (${JSON.stringify(flags)} !== '') v8.setFlagsFromString(${JSON.stringify(flags)});`,
    "const old = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;",
    'function make(i) { return { a: i, b: i + 1, c: null }; }',
    'const kept = [];',
    'for (let i = 0; i < 2000; i++) kept.push(make(i));',
    "globalThis.gc({ type: 'minor' });",
    "globalThis.gc({ type: 'minor' });",
    'const before = old();',
    'let last;',
    'for (let i = 0; i < 100000; i++) last = make(i);',
    'process.stdout.write(`${old() - before} ${kept.length + last.a}\\n`);',
  ].join('\n');
  const run = await runNode(['--expose-gc', '--min-semi-space-size=16', '--input-type=module', '-e', script]);
  assert.equal(run.code, 0, run.stderr);
  const [grown, check] = run.stdout.trim().split(' ').map(Number);
  assert.equal(check, 2000 + 99999, run.stdout);
  return grown!;
}

describe("a fleet run's V8 flags and the old generation (MEM-27)", () => {
  it('objects of a site once seen all alive still start young, and die young', async () => {
    // Without the flags, this V8 sends the 100,000 (some 4 MB) to the old generation: the case is real here.
    const defaults = await oldGrowth('');
    assert.ok(defaults > 2_000_000, `V8's defaults: the old generation grew by ${defaults} bytes (pretenured)`);
    const fleet = await oldGrowth(FLEET_V8_FLAGS);
    assert.ok(fleet < 500_000, `under FLEET_V8_FLAGS the old generation grew by ${fleet} bytes`);
  });
});
