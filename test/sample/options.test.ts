import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSampleData } from '../../src/settings/sample-data.ts';
import { parseSettings } from '../../src/settings/parse.ts';
import { SettingsError } from '../../src/settings/types.ts';
import { auditOptionsOf, samplingOf } from '../../src/settings/apply.ts';
import { sampleRequestFor } from '../../src/gather/sample/index.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { parseExporterConfig } from '../../src/exporter/config.ts';
import { auditOptionsFor } from '../../src/exporter/probe.ts';
import { RULES } from '../../src/rules/index.ts';

const ruleIds = RULES.map((r) => r.id);

test('sampleData: true, false, a number of keys, or { keys, databases, time, bytes }', () => {
  assert.deepEqual(parseSampleData(true), {});
  assert.equal(parseSampleData(false), null);
  assert.deepEqual(parseSampleData(500), { keys: 500 });
  assert.deepEqual(parseSampleData({ keys: 200, databases: [0, 1], time: 2.5, bytes: 1 << 20 }), { keys: 200, databases: [0, 1], timeMs: 2500, bytes: 1 << 20 });
  for (const bad of [0, -1, 1.5, 'yes', [1], { keys: 0 }, { databases: [] }, { time: 0 }, { bytes: 10 }, { seconds: 5 }]) {
    const parsed = parseSampleData(bad);
    assert.ok(parsed !== null && 'error' in parsed, JSON.stringify(bad));
  }
});

test('.redfort.yaml targets: sampleData per target; a bad one names file:line', () => {
  const settings = parseSettings('targets:\n  db1:6379:\n    sampleData: 300\n  db2:6379:\n    sampleData: false\n  db3:6379: {}\n', '/x/.redfort.yaml', { ruleIds });
  const options = auditOptionsOf(settings);
  const target = (spec: string) => resolveTarget(spec, {}, {});
  assert.deepEqual(sampleRequestFor(target('redis://db1:6379'), { ...options, sample: { timeMs: 2000 } }), { timeMs: 2000, keys: 300 });
  assert.equal(sampleRequestFor(target('redis://db2:6379'), { ...options, sample: { timeMs: 2000 } }), undefined);
  assert.deepEqual(sampleRequestFor(target('redis://db3:6379'), { ...options, sample: { timeMs: 2000 } }), { timeMs: 2000 });
  assert.equal(sampleRequestFor(target('redis://db3:6379'), options), undefined);
  assert.throws(() => parseSettings('targets:\n  db1:6379:\n    sampleData: lots\n', '/x/.redfort.yaml', { ruleIds }), (e: Error) => e instanceof SettingsError && /^\/x\/\.redfort\.yaml:3: .*sampleData must be/.test(e.message));
});

test('--sample-time and friends without --sample-data tune the settings\' per-target samples; with it every target is sampled', () => {
  const settings = parseSettings('targets:\n  db1:6379:\n    sampleData: 300\n  db2:6379:\n    sampleData: false\n  db3:6379: {}\n', '/x/.redfort.yaml', { ruleIds });
  const target = (spec: string) => resolveTarget(spec, {}, {});
  const budgets = samplingOf(settings, { timeMs: 2000 }, false);
  assert.equal(budgets.sample, undefined);
  assert.deepEqual(sampleRequestFor(target('redis://db1:6379'), budgets), { timeMs: 2000, keys: 300 });
  assert.equal(sampleRequestFor(target('redis://db2:6379'), budgets), undefined);
  assert.equal(sampleRequestFor(target('redis://db3:6379'), budgets), undefined);
  const everywhere = samplingOf(settings, { timeMs: 2000 }, true);
  assert.deepEqual(sampleRequestFor(target('redis://db3:6379'), everywhere), { timeMs: 2000 });
  assert.equal(sampleRequestFor(target('redis://db2:6379'), everywhere), undefined);
  assert.deepEqual(samplingOf(undefined, { timeMs: 2000 }, false), {});
});

test('exporter modules: sampleData, off by default; a sample takes at most half the scrape', async () => {
  const config = await parseExporterConfig('allow:\n  - 127.0.0.1:6379\nmodules:\n  plain: {}\n  sampled:\n    sampleData: { keys: 100, time: 30 }\n', '/etc/redfort/exporter.yaml', {
    env: {},
    readFile: () => Promise.reject(Object.assign(new Error('missing'), { code: 'ENOENT' })),
    ruleIds,
  });
  assert.equal(auditOptionsFor(config.modules.get('plain')!, 10_000).sample, undefined);
  assert.deepEqual(auditOptionsFor(config.modules.get('sampled')!, 10_000).sample, { keys: 100, timeMs: 5000 });
});

test('--targets inventories: sampleData in defaults, groups and targets (the nearest wins); a bad one names file:line', async () => {
  const { parseInventory } = await import('../../src/settings/inventory.ts');
  const inventory = parseInventory(
    'defaults:\n  sampleData: 200\ngroups:\n  pii:\n    sampleData: { keys: 50, databases: [0, 2] }\ntargets:\n  - redis://a:6379\n  - { url: "redis://b:6379", group: pii }\n  - { url: "redis://c:6379", group: pii, sampleData: false }\n',
    '/x/inventory.yaml',
  );
  assert.deepEqual(inventory.targets.map((t) => t.sampleData), [{ keys: 200 }, { keys: 50, databases: [0, 2] }, null]);
  assert.throws(() => parseInventory('targets:\n  - { url: "redis://a:6379", sampleData: -3 }\n', '/x/inventory.yaml'), (e: Error) => e instanceof SettingsError && /^\/x\/inventory\.yaml:2: .*sampleData must be/.test(e.message));
});

test('a huge or binary value where a setting is expected is described, not quoted: one short line naming file:line', async () => {
  const { parseInventory } = await import('../../src/settings/inventory.ts');
  const big = 'a'.repeat(3_000_000);
  const binary = Buffer.alloc(3_000_000, 'x').toString('base64');
  // Each was quoted whole (JSON.stringify): 3 MB, 1 MB of '[1,1,…]', and 12 MB for the !!binary Buffer's JSON.
  const inventories: [string, RegExp][] = [
    [`targets:\n  - url: redis://a:6379\n    labels: { env: !!binary ${binary} }\n`, /:3: targets: labels: env must be a string, not binary data \(3000000 bytes\)$/],
    // A plain scalar: a double-quoted one this long is refused before the YAML library reads it (its own test).
    [`targets:\n  - url: redis://a:6379\n    sampleData: ${big}\n`, /:3: .*sampleData must be .*, not a text \(not shown: 3000000 characters\)$/],
    [`targets:\n  - url: redis://a:6379\n    sampleData: { keys: [${Array(500_000).fill(1).join(',')}] }\n`, /:3: .*sampleData: keys must be a number of keys \(1\.\.10000000\), not a list$/],
    [`targets:\n  - url: redis://a:6379\n    sampleData: { ${'k'.repeat(2_000_000)}: 1 }\n`, /:3: .*sampleData: unknown key \(not shown: 2000000 characters that are no key name\)/],
    [`targets:\n  - url: redis://a:6379\n    sampleData: { "\\e[31mred\\nline": 1 }\n`, /:3: .*sampleData: unknown key \(not shown: 13 characters that are no key name\)/],
    [`targets:\n  - url: redis://a:6379\n    db: !!binary ${binary}\n`, /:3: targets: db must be a whole number from 0 to 2147483647, not binary data \(3000000 bytes\)$/],
  ];
  for (const [text, pattern] of inventories) {
    assert.throws(() => parseInventory(text, '/x/inventory.yaml'), (e: Error) => {
      assert.ok(e instanceof SettingsError, e.message.slice(0, 200));
      assert.ok(e.message.length < 300, `${e.message.length} characters: ${e.message.slice(0, 200)}`);
      assert.match(e.message, /^\/x\/inventory\.yaml:3: /);
      assert.match(e.message, pattern);
      return true;
    });
  }
  assert.throws(() => parseSettings(`targets:\n  db1:6379:\n    sampleData: ${big}\n`, '/x/.redfort.yaml', { ruleIds }), (e: Error) => e instanceof SettingsError && e.message.length < 300 && /^\/x\/\.redfort\.yaml:3: .*not a text \(not shown: 3000000 characters\)$/.test(e.message));
  assert.throws(() => parseSettings(`thresholds:\n  certExpiryDays: !!binary ${binary}\n`, '/x/.redfort.yaml', { ruleIds }), (e: Error) => e instanceof SettingsError && e.message.length < 300 && /not binary data \(3000000 bytes\)$/.test(e.message));
  const exporter = parseExporterConfig(`modules:\n  m:\n    sampleData: ${big}\nallow: ["127.0.0.1:6379"]\n`, '/x/exporter.yaml', {
    env: {},
    readFile: () => Promise.reject(Object.assign(new Error('missing'), { code: 'ENOENT' })),
    ruleIds,
  });
  await assert.rejects(exporter, (e: Error) => e.message.length < 300 && /not a text \(not shown: 3000000 characters\)/.test(e.message));
});
