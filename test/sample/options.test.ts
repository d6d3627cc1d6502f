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
