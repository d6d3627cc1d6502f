import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { auditInventory, loadInventory } from '../../src/app/inventory.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA42-16: the inventory's own warnings (a password written in it, a target listed twice) were on stderr only: the
// report (JSON `warnings`, hence SARIF's notifications and the HTML/Markdown callouts) had none of them.
const PASSWORD = 'inline-qa42-Vb73kW';
let dir: string;
let server: RunningServer;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redfort-invwarn-'));
  server = await startRedis({ conf: `requirepass ${PASSWORD}`, password: PASSWORD, killOnStop: true });
});
after(async () => {
  await stopAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("the inventory's warnings are in the report's warnings, with file and line, never a value", async () => {
  await writeFile(join(dir, 'pw.txt'), `${PASSWORD}\n`);
  await chmod(join(dir, 'pw.txt'), 0o644);
  const text = `targets:\n  - { url: redis://127.0.0.1:${server.port}, password: ${PASSWORD} }\n  - { url: "redis://127.0.0.1:${server.port}/", password: ${PASSWORD} }\n  - { url: redis://localhost:${server.port}, passwordFile: pw.txt }\n`;
  const loaded = await loadInventory({ text, name: 'inv.yaml', baseDir: dir }, { flags: {}, kind: undefined, env: {}, options: { targetTimeoutMs: 60_000 } });
  const run = await auditInventory(loaded, { settings: undefined, baseline: undefined, failOn: 'high', keepResults: false, root: dir, jsonl: false });
  const warnings = run.report.warnings ?? [];
  const inline = warnings.find((w) => w.kind === 'inventory-inline-password');
  assert.ok(inline, JSON.stringify(warnings));
  assert.deepEqual(inline.source, { kind: 'file', path: 'inv.yaml', line: 2 });
  const twice = warnings.find((w) => w.kind === 'listed-twice');
  assert.ok(twice, JSON.stringify(warnings));
  assert.equal(twice.source?.line, 3);
  const mode = warnings.find((w) => w.kind === 'password-file-mode');
  assert.ok(mode, JSON.stringify(warnings));
  assert.equal(mode.source?.line, 4);
  assert.ok(!JSON.stringify(warnings).includes(PASSWORD));
});

// TWIN-1: the report's kind and line of each inventory warning were read back out of its text by regexes
// (`^(.+?):(\d+): `): an inventory whose name holds `:12: ` (a folder named with a time) gave every warning that line.
test('each inventory warning has the kind and line it was made with, whatever the inventory is named', async () => {
  const name = join(dir, 'run 03:12: copy', 'inv.yaml');
  const text = `targets:\n  - { url: redis://127.0.0.1:${server.port}, password: ${PASSWORD} }\n  - redis://127.0.0.1:${server.port}\n`;
  const loaded = await loadInventory({ text, name, baseDir: dir }, { flags: { pass: PASSWORD }, kind: undefined, env: {}, options: { targetTimeoutMs: 60_000 } });
  const run = await auditInventory(loaded, { settings: undefined, baseline: undefined, failOn: 'high', keepResults: false, root: dir, jsonl: false });
  assert.deepEqual((run.report.warnings ?? []).map((w) => [w.kind, w.source]), [
    ['inventory-inline-password', { kind: 'file', path: name, line: 2 }],
    ['listed-twice', { kind: 'file', path: name, line: 3 }],
    ['inventory', undefined],
  ]);
  assert.deepEqual(loaded.warnings, (run.report.warnings ?? []).map((w) => w.message));
});
