import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseExporterConfig } from '../../src/exporter/config.ts';
import { loadInventoryTargets } from '../../src/exporter/inventory.ts';
import { startExporter } from '../../src/exporter/server.ts';
import { RULES } from '../../src/rules/index.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA43-60: a Debian-packaged server declared by `distroPackage` (an inventory entry's, or a module's) is judged by
// the exporter as `audit --targets` judges it: the advisories its package fixed are not critical failures.
after(stopAll);

const password = randomBytes(16).toString('hex');
/** Debian 12's redis-server, a revision whose changelog names the RediShell fixes (CVE-2025-49844 …). */
const PATCHED = 'redis-server=5:7.0.15-1~deb12u10';

async function probe(yaml: string, target: string, inventoryPath?: string): Promise<string> {
  const config = await parseExporterConfig(yaml, 'exporter.yaml', { env: { TEST_PASSWORD: password }, readFile: (p) => readFile(p, 'utf8'), ruleIds: RULES.map((r) => r.id) });
  const inventory = inventoryPath ? await loadInventoryTargets(inventoryPath, { TEST_PASSWORD: password }, (p) => readFile(p, 'utf8')) : undefined;
  const exporter = await startExporter({ config, listen: '127.0.0.1:0', log: () => {}, ...(inventory ? { inventory: inventory.targets, inventoryPackages: inventory.packages } : {}) });
  try {
    const res = await fetch(`${exporter.url}/probe?target=${target}`, { headers: { 'x-prometheus-scrape-timeout-seconds': '30' } });
    return await res.text();
  } finally {
    await exporter.close(1000);
  }
}

const criticalVulnerabilities = /^redfort_rule_failed\{rule="version\.known-vulnerabilities",severity="critical",[^}]*\} 1$/m;

describe('the exporter judges a declared distribution package (distroPackage)', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    // Debian's own redis-server (7.0.15): upstream, its version has critical advisories.
    server = await startRedis({ conf: `requirepass ${password}`, password });
    dir = await mkdtemp(join(tmpdir(), 'redfort-exporter-package-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("takes an inventory entry's distroPackage, as audit --targets does", async () => {
    const path = join(dir, 'inventory.yaml');
    await writeFile(path, `targets:\n  - url: redis://127.0.0.1:${server.port}\n    passwordEnv: TEST_PASSWORD\n    distroPackage: ${PATCHED}\n`);
    const bare = await probe(`modules: { default: { passwordEnv: TEST_PASSWORD } }\nallow: ['127.0.0.1:${server.port}']\n`, `127.0.0.1:${server.port}`);
    assert.match(bare, /^redfort_probe_success 1$/m);
    assert.match(bare, criticalVulnerabilities, 'undeclared, the upstream advisories of 7.0.15 fail critical');
    const declared = await probe(`modules: { default: {} }\ninventory: ${path}\n`, `127.0.0.1:${server.port}`, path);
    assert.match(declared, /^redfort_probe_success 1$/m);
    assert.doesNotMatch(declared, criticalVulnerabilities);
    assert.match(declared, /^redfort_rule_failed\{rule="version\.known-vulnerabilities",[^}]*\} [01]$/m);
  });

  it('takes a module\'s distroPackage for its allow-listed targets, and refuses a malformed one naming the line', async () => {
    const declared = await probe(`modules: { default: { passwordEnv: TEST_PASSWORD, distroPackage: '${PATCHED}' } }\nallow: ['127.0.0.1:${server.port}']\n`, `127.0.0.1:${server.port}`);
    assert.match(declared, /^redfort_probe_success 1$/m);
    assert.doesNotMatch(declared, criticalVulnerabilities);
    await assert.rejects(
      parseExporterConfig(`modules:\n  default:\n    distroPackage: 'not a version'\nallow: ['127.0.0.1:1']\n`, 'exporter.yaml', { env: {}, readFile: (p) => readFile(p, 'utf8'), ruleIds: RULES.map((r) => r.id) }),
      /^ExporterConfigError: exporter\.yaml:3: modules: default: distroPackage: /,
    );
  });
});
