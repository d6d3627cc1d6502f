import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sampleKeyspace } from '../../src/gather/sample/sample.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { DETECTORS } from '../../src/sample/detectors.ts';
import type { SampleFacts } from '../../src/facts/types.ts';
import { rawPipeline } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { GROUPS, generate } from './generator.ts';

// Accuracy measured, not assumed: a real server filled with the labelled keyspace, every key sampled once.
after(stopAll);

const PER_GROUP = 30;
let server: RunningServer;
let sample: SampleFacts;

async function load(s: RunningServer, commands: string[][]): Promise<void> {
  for (let i = 0; i < commands.length; i += 500) {
    const replies = await rawPipeline(s.host, s.port, commands.slice(i, i + 500));
    for (const reply of replies) assert.ok(!(reply instanceof Error), String(reply));
  }
}

before(async () => {
  server = await startRedis({ killOnStop: true });
  await load(server, generate(PER_GROUP).commands);
  const outcome = await sampleKeyspace(resolveTarget(server.url, {}, {}), { keys: 100_000, timeMs: 60_000 }, { version: '7.0' });
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.reason);
  sample = outcome.facts;
});

test('every planted key was sampled once', () => {
  assert.equal(sample.databases[0]?.keys, GROUPS.length * PER_GROUP);
});

test('precision >= 0.95 and recall >= 0.90 per detector on the labelled mix', () => {
  const truth = new Map(GROUPS.map((g) => [g.prefix, new Set<string>(g.truth)]));
  const rows: string[] = [];
  const failures: string[] = [];
  for (const d of DETECTORS) {
    let tp = 0;
    let fp = 0;
    for (const f of sample.findings.filter((x) => x.detector === d.id)) {
      const group = f.pattern.split(':')[0] as string;
      assert.ok(truth.has(group), `pattern ${f.pattern} does not start with a group prefix`);
      if (truth.get(group)!.has(d.id)) tp += f.keys;
      else fp += f.keys;
    }
    const positives = GROUPS.filter((g) => g.truth.includes(d.id)).length * PER_GROUP;
    const fn = positives - tp;
    const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
    const recall = positives === 0 ? 1 : tp / positives;
    rows.push(`${d.id.padEnd(20)} tp ${String(tp).padStart(4)}  fp ${String(fp).padStart(3)}  fn ${String(fn).padStart(3)}  precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}`);
    if (precision < 0.95 || recall < 0.9) failures.push(d.id);
  }
  const encryptedPlanted = GROUPS.filter((g) => g.encrypted).length * PER_GROUP;
  rows.push(`encrypted evidence: ${sample.databases[0]?.encrypted} keys (planted ciphertext: ${encryptedPlanted}), hashed: ${sample.databases[0]?.hashed}`);
  // The confusion figures, for the README and for whoever tunes a detector.
  console.log(`sampler confusion on ${GROUPS.length * PER_GROUP} keys:\n  ${rows.join('\n  ')}`);
  assert.deepEqual(failures, [], rows.join('\n'));
  assert.ok((sample.databases[0]?.encrypted ?? 0) >= encryptedPlanted * 0.9, 'ciphertext is counted as encrypted evidence');
});
