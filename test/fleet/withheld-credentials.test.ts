import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { auditInventory, loadInventory } from '../../src/app/inventory.ts';
import { fleetSummaryText } from '../../src/report/fleet-text.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA42-11: a target whose credentials were withheld (its certificate did not verify against the entry's cacert) was
// summed up as a nearly clean server at the bottom of the "worst first" summary, though most of its rules were
// skipped: not marked NOAUTH, not counted "without credentials". Only stderr said it.
const PASSWORD = 'withheld-qa42-Zp81vQ';
let dir: string;
let tls: RunningServer;
let open: RunningServer;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redfort-withheld-'));
  [tls, open] = await Promise.all([
    startRedis({ tls: { authClients: 'no' }, conf: `requirepass ${PASSWORD}`, password: PASSWORD, killOnStop: true }),
    startRedis({ killOnStop: true }),
  ]);
});
after(async () => {
  await stopAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a target whose credentials were withheld is marked, counted and sorted with those audited without credentials', async () => {
  const text = `targets:\n  - { url: ${tls.url}, passwordEnv: PW_W, cacert: ${tls.certs!.otherCa} }\n  - ${open.url}\n`;
  const loaded = await loadInventory({ text, name: 'wc.yaml', baseDir: dir }, { flags: {}, kind: undefined, env: { PW_W: PASSWORD }, options: { targetTimeoutMs: 60_000 } });
  const run = await auditInventory(loaded, { settings: undefined, baseline: undefined, failOn: 'high', keepResults: false, root: dir, jsonl: false });
  const withheld = run.lines.find((l) => l.target.startsWith('rediss://'));
  assert.ok(withheld?.withheld, 'the audit withheld the credentials');
  assert.ok(withheld.noCredentials, 'marked as audited without its credentials');
  assert.ok(withheld.noCredentials.skipped > 10, `skipped: ${withheld.noCredentials.skipped}`);
  assert.ok(run.lines[0] === withheld, 'sorted above the open server it would otherwise follow');
  const summary = fleetSummaryText(run.lines, run.totals, run.report.summary, { color: false });
  assert.match(summary, /^Fleet: 2 targets, 0 not audited, 1 without credentials, /);
  const line = summary.split('\n').find((l) => l.includes('rediss://'))!;
  assert.match(line, /^ {2}NOAUTH {3}rediss:\/\/\S+ +credentials withheld \(certificate did not verify\): \d+ rules skipped/);
  assert.ok(!summary.includes(PASSWORD));
});
