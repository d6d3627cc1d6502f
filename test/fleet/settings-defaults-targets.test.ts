import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, runCli } from '../report/cli-run.ts';

// QA39-58: .redfort.yaml's connection for a server (`targets: { URL: { user, passwordEnv } }`) applied to that server
// named on the command line, not to the same server listed in a --targets file: there it was NOAUTH, exit 0. It
// now fills in what the inventory and the command line do not say (docs/configuration.md's precedence).
const PASSWORD = 'settings-auditor-password-0123456789';
const OTHER = 'inventory-auditor-password-9876543210';
const dir = mkdtempSync(join(tmpdir(), 'redfort-settings-defaults-'));
let server: RunningServer;
before(async () => {
  await build();
  server = await startRedis({ conf: `user default off\nuser auditor on >${PASSWORD} ~* &* +@all\nuser other on >${OTHER} ~* &* +@all`, killOnStop: true });
  const url = `redis://127.0.0.1:${server.port}`;
  writeFileSync(join(dir, '.redfort.yaml'), `targets:\n  ${url}: { user: auditor, passwordEnv: SETTINGS_PW }\n`);
  writeFileSync(join(dir, 'list.txt'), `${url}\n`);
  writeFileSync(join(dir, 'own.yaml'), `targets:\n  - { url: "${url}", user: other, passwordEnv: INVENTORY_PW }\n`);
});
after(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

interface Report { targets: { target: string; error?: string; results: { ruleId: string; status: string }[] }[] }
const audit = async (args: readonly string[], env: Record<string, string>) => {
  const run = await runCli(['audit', '--no-host', '--no-probe', '--fail-on', 'none', '--format', 'json', ...args], { cwd: dir, env });
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stdout + run.stderr, new RegExp(`${PASSWORD}|${OTHER}`));
  return (JSON.parse(run.stdout) as Report).targets[0]!;
};

test("a --targets list takes .redfort.yaml's user and passwordEnv for the same server", async () => {
  const target = await audit(['--targets', 'list.txt'], { SETTINGS_PW: PASSWORD });
  assert.equal(target.error, undefined);
  assert.equal(target.target, `redis://auditor@127.0.0.1:${server.port}`);
  // Logged in: ACL LIST was read (without credentials the rule is a skip, 'no credentials').
  assert.equal(target.results.find((r) => r.ruleId === 'auth.default-user-enabled')?.status, 'pass');
});

test("the inventory's own user and password beat .redfort.yaml's", async () => {
  const target = await audit(['--targets', 'own.yaml'], { SETTINGS_PW: 'wrong-password', INVENTORY_PW: OTHER });
  assert.equal(target.error, undefined);
  assert.equal(target.target, `redis://other@127.0.0.1:${server.port}`);
});

test(".redfort.yaml's passwordEnv not set is an error of that target, naming the settings file", async () => {
  const run = await runCli(['audit', '--no-host', '--no-probe', '--fail-on', 'none', '--format', 'json', '--targets', 'list.txt'], { cwd: dir, env: {} });
  const target = (JSON.parse(run.stdout) as Report).targets[0]!;
  assert.match(target.error ?? '', /\.redfort\.yaml:2: targets: .*passwordEnv names SETTINGS_PW, which is not set/);
});
