import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditInventory, loadInventory } from '../../src/app/inventory.ts';
import { startCluster } from '../harness/servers.ts';
import type { RunningCluster } from '../harness/servers.ts';
import { fleetSummaryText } from '../../src/report/fleet-text.ts';

// QA42-8: a cluster listed node by node with `cluster: true` on each (an inventory made from a host list) was audited
// once per entry, N×N, with no warning: the parser's "listed twice" compares the seeds only.
let cluster: RunningCluster;
let urls: string[];
let run: Awaited<ReturnType<typeof auditInventory>>;
before(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
  urls = cluster.nodes.map((n) => `redis://127.0.0.1:${n.port}`);
  const text = `defaults: { cluster: true }\ntargets:\n${urls.map((u) => `  - ${u}\n`).join('')}`;
  const loaded = await loadInventory({ text, name: 'cl.yaml', baseDir: '/' }, { flags: {}, kind: undefined, env: {}, options: { targetTimeoutMs: 60_000 } });
  run = await auditInventory(loaded, { settings: undefined, baseline: undefined, failOn: 'none', keepResults: true, jsonl: false });
});
after(async () => {
  await cluster?.stop();
});

test('an entry whose seed is a node of an earlier deployment entry is a warning naming both lines', () => {
  const twice = (run.report.warnings ?? []).filter((w) => w.kind === 'listed-twice');
  assert.deepEqual(twice.map((w) => w.message), [
    `cl.yaml:4: ${urls[1]} is a node of the cluster of line 3: its deployment is audited twice`,
    `cl.yaml:5: ${urls[2]} is a node of the cluster of line 3: its deployment is audited twice`,
  ]);
  assert.deepEqual(twice.map((w) => w.source?.line), [4, 5]);
});

// QA42-8's rest: the totals and the summary counted each node once per entry (12 targets, `rule: 9/9 fail` for three
// servers), and a node's line did not say which entry found it.
test('each server and the cluster are counted once in the summary and the totals; node lines name their entry', () => {
  // The report keeps every entry's results: three deployments of three nodes.
  assert.equal(run.report.targets.length, 12);
  const { summary } = run.report;
  assert.equal(summary.targets, 4);
  assert.equal(summary.repeated, 8);
  const counted = run.report.targets.filter((t) => t.target === `cluster ${urls[0]} (3 nodes)` || (urls.includes(t.target) && run.report.targets.indexOf(t) < 4));
  assert.equal(counted.length, 4);
  assert.equal(summary.pass + summary.fail + summary.skip + summary.error + summary.manual, counted.reduce((n, t) => n + t.results.length, 0));
  assert.deepEqual(run.lines.map((l) => l.target).sort(), [`cluster ${urls[0]} (3 nodes)`, ...urls].sort());
  for (const l of run.lines) if (urls.includes(l.target)) assert.equal(l.entry, 'cluster of cl.yaml:3', l.target);
  assert.ok(run.totals.length > 0);
  for (const t of run.totals) assert.ok(t.judged <= 3 && t.failed <= t.judged, `${t.ruleId}: ${t.failed}/${t.judged}`);
  // A rule every node judges: judged on three servers, not nine.
  const nodeRule = run.totals.find((t) => t.judged === 3);
  assert.ok(nodeRule, JSON.stringify(run.totals));
  const text = fleetSummaryText(run.lines, run.totals, summary, { color: false, entries: 3 });
  assert.match(text, /^Fleet: 4 targets of 3 inventory entries/);
  assert.match(text, /8 more results of servers \(or deployments\) an earlier inventory entry audited too/);
  assert.ok(text.includes(`${urls[1]} (cluster of cl.yaml:3)`), text);
});
