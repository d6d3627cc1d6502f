import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditInventory, loadInventory } from '../../src/app/inventory.ts';
import { startCluster } from '../harness/servers.ts';
import type { RunningCluster } from '../harness/servers.ts';

// QA42-8: a cluster listed node by node with `cluster: true` on each (an inventory made from a host list) was audited
// once per entry, N×N, with no warning: the parser's "listed twice" compares the seeds only.
let cluster: RunningCluster;
before(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
});
after(async () => {
  await cluster?.stop();
});

test('an entry whose seed is a node of an earlier deployment entry is a warning naming both lines', async () => {
  const urls = cluster.nodes.map((n) => `redis://127.0.0.1:${n.port}`);
  const text = `defaults: { cluster: true }\ntargets:\n${urls.map((u) => `  - ${u}\n`).join('')}`;
  const loaded = await loadInventory({ text, name: 'cl.yaml', baseDir: '/' }, { flags: {}, kind: undefined, env: {}, options: { targetTimeoutMs: 60_000 } });
  const run = await auditInventory(loaded, { settings: undefined, baseline: undefined, failOn: 'none', keepResults: false, jsonl: false });
  const twice = (run.report.warnings ?? []).filter((w) => w.kind === 'listed-twice');
  assert.deepEqual(twice.map((w) => w.message), [
    `cl.yaml:4: ${urls[1]} is a node of the cluster of line 3: its deployment is audited twice`,
    `cl.yaml:5: ${urls[2]} is a node of the cluster of line 3: its deployment is audited twice`,
  ]);
  assert.deepEqual(twice.map((w) => w.source?.line), [4, 5]);
});
