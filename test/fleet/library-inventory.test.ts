import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { auditInventory, loadInventory, SettingsError } from '../../src/index.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA45-52: the README names loadInventory and auditInventory for library users, who called loadInventory('fleet.yaml')
// as they call loadSettings(path) and got "TypeError: Cannot read properties of undefined (reading 'slice')". A path
// now reads the file (passwordEnv from the env it is given); both take the CLI's defaults for what they are not given.
const ENV = 'REDFORT_LIBRARY_INVENTORY_PW';
let dir: string;
let first: RunningServer;
let second: RunningServer;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redfort-libinv-'));
  [first, second] = await Promise.all([
    startRedis({ conf: 'requirepass library-env-Pw-1234', password: 'library-env-Pw-1234', killOnStop: true }),
    startRedis({ conf: 'requirepass library-file-Pw-5678', password: 'library-file-Pw-5678', killOnStop: true }),
  ]);
});
after(async () => {
  delete process.env[ENV];
  await stopAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('loadInventory(path) and auditInventory(inventory): every target audited with its own password, labels kept', async () => {
  process.env[ENV] = 'library-env-Pw-1234';
  await writeFile(join(dir, 'pw'), 'library-file-Pw-5678\n');
  await chmod(join(dir, 'pw'), 0o600);
  const path = join(dir, 'fleet.yaml');
  await writeFile(path, `defaults: { labels: { env: prod } }\ntargets:\n  - { url: redis://127.0.0.1:${first.port}, passwordEnv: ${ENV}, labels: { team: a } }\n  - { url: redis://127.0.0.1:${second.port}, passwordFile: pw, labels: { team: b } }\n`);
  const run = await auditInventory(await loadInventory(path, { env: process.env }));
  assert.equal(run.report.targets.length, 2);
  for (const target of run.report.targets) assert.equal(target.error, undefined, target.error);
  assert.deepEqual(run.report.targets.map((t) => t.labels), [{ env: 'prod', team: 'a' }, { env: 'prod', team: 'b' }]);
  // Authenticated: the ACL rules were judged, not skipped for want of a password.
  for (const target of run.report.targets) {
    assert.ok(target.results.some((r) => r.ruleId === 'auth.default-user-enabled' && r.status !== 'skip'), target.target);
  }
  assert.ok(!JSON.stringify(run.report).includes('library-env-Pw-1234'));
  assert.ok(!JSON.stringify(run.report).includes('library-file-Pw-5678'));
});

test('loadInventory: a missing file or a wrong argument is a SettingsError that says what it takes', async () => {
  const missing = join(dir, 'nowhere.yaml');
  await assert.rejects(loadInventory(missing), (e: Error) => e instanceof SettingsError && e.message === `${missing}: cannot read the inventory: no such file`);
  await assert.rejects(loadInventory(42 as unknown as string), (e: Error) => e instanceof SettingsError && /^loadInventory takes a file path, or \{ text, name, baseDir \}/.test(e.message));
});
