import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import AjvModule from 'ajv';
import { parse } from 'yaml';
import { parseInventory } from '../../src/settings/inventory.ts';

// QA39-50: docs/inventory.schema.json, the schema editors check an inventory with, had drifted from the parser: it
// took `url`/`group` in `defaults` and groups, any `sampleData`, any scheme and port, and flagged `defaults:`,
// `groups: { g: }` and `labels:` left empty, which redfort takes. Each inventory below is given to both: the schema
// must accept exactly what the parser accepts.

const schemaText = readFileSync(new URL('../../docs/inventory.schema.json', import.meta.url), 'utf8');
const schemaJson = JSON.parse(schemaText) as { definitions: Record<string, { properties?: Record<string, unknown> }> };
// Strict: a keyword the schema misspells, or a pattern no editor can compile, fails here.
const schema = new AjvModule.default({ strict: true, strictTypes: false, strictRequired: false, allErrors: true }).compile(schemaJson);

/** Whether the parser takes the inventory (`redfort audit --targets` also refuses one without a target). */
function parserTakes(text: string): boolean {
  try {
    return parseInventory(text, 'f.yaml').targets.length > 0;
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'SettingsError') throw error;
    return false;
  }
}

function schemaTakes(text: string): boolean {
  return schema(parse(text)) as boolean;
}

const U = 'redis://10.0.0.1:6379';
const t = (entry: string) => `targets:\n  - ${entry}\n`;

/** Inventories redfort takes: the schema must not flag them. */
const accepted: readonly string[] = [
  // QA42-5: a flow list, a first item whose value is on the next line, a quoted first key, a label of 150 emoji
  // (150 characters, 300 UTF-16 units): the schema took them, the parser read the first three as URL lines.
  `[${U}, db2:6380]\n`,
  `-\n  url: ${U}\n`,
  `"targets": ["${U}"]\n`,
  t(`{ url: ${U}, labels: { a: "${'\u{1F600}'.repeat(150)}" } }`),
  `- ${U}\n- db2:6380\n`,
  `- url: ${U}\n  user: a\n`,
  `defaults:\ntargets: [${U}]\n`,
  `groups:\ntargets: [${U}]\n`,
  `groups: { g: }\ntargets: [{ url: ${U}, group: g }]\n`,
  `groups: {}\ntargets: [${U}]\n`,
  `defaults: { labels: }\ngroups: { g: { labels: { team: a } } }\ntargets: [{ url: ${U}, group: g, labels: }]\n`,
  t(`{ url: ${U}, labels: { n: 5, f: 1.5, b: true, e: "", ${'a'.repeat(63)}: x, "team/sub.x_y-z": "${'v'.repeat(200)}" } }`),
  t(`{ url: ${U}, labels: {} }`),
  t(`{ url: ${U}, cluster: true, nodeOverrides: }`),
  t(`{ url: ${U}, sentinel: true, nodeOverrides: { Master: { user: a }, REPLICA: { passwordEnv: B }, "Redis-B.internal:06379": { tls: false }, "[::1]:6379": { user: c }, "h:65535": { user: d } } }`),
  `defaults: { nodeOverrides: { sentinel: { user: s } } }\ntargets: [${U}]\n`,
  t(`{ url: ${U}, cluster: false, sentinel: true }`),
  t(`{ url: ${U}, cluster: false, sentinel: false, replication: false }`),
  t(`{ url: ${U}, replication: true }`),
  `defaults: { cluster: true }\ntargets: [{ url: ${U}, sentinel: true }]\n`,
  `defaults: { password: x }\ntargets: [{ url: ${U}, passwordEnv: A }]\n`,
  t(`{ url: ${U}, passwordFile: pw.txt, user: auditor, db: 3 }`),
  t(`{ url: "rediss://h:6380", cacert: ca.pem, cacertdir: certs, cert: c.pem, key: k.pem, sni: h.example, insecure: false, tls: true }`),
  t(`{ url: ${U}, distroPackage: "redis-server=5:7.0.15-1~deb12u10" }`),
  ...['true', 'false', '1', '10000000', '{}', '{ keys: 10, databases: [0, 15], time: 1.5, bytes: 1024 }', '{ time: 3600, bytes: 1099511627776 }'].map((s) => t(`{ url: ${U}, sampleData: ${s} }`)),
  ...[
    'redis://h', 'rediss://h:6380', 'valkey://h:6379', 'valkeys://h:6380/2', 'REDIS://H:1', 'Valkeys://h',
    'redis://u:p4ss@h:1/3', 'redis://u@h', 'redis://@h', 'redis://u:p@ss/w@h:1', 'redis://h/', 'redis://h/2147483647',
    'redis://h:016401', 'redis://h:65535', 'redis://redis_1:6379', 'redis://10.0.0.1', 'redis://[::1]:6379',
    'redis://[fe80::1%25eth0]:6379', 'rediss://[2001:db8::5]',
    'h', 'h:1', 'db.example.com.', 'db-1.example.com:6379', '10.0.0.1:6379', '[::1]:6379', '[::1]', '::1', 'fe80::1',
    'h:06379',
  ].map((u) => t(`"${u}"`)),
  JSON.stringify({ targets: [{ url: U, labels: { a: 'b' } }] }),
  // QA42-19: .redfort.yaml's shape, URL -> settings.
  `targets:\n  ${U}:\n  "db2:6380": { user: a, passwordEnv: B, tls: true, cacert: ca.pem, sampleData: 5 }\n`,
  `groups: { g: {} }\ntargets: { "${U}": { group: g, labels: { a: b }, cluster: true } }\n`,
];

/** Inventories redfort refuses (exit 2, `file:line`): the schema must flag them. */
const refused: readonly string[] = [
  `defaults: { url: ${U} }\ntargets: [${U}]\n`,
  `defaults: { group: g }\ngroups: { g: { user: a } }\ntargets: [${U}]\n`,
  `groups: { g: { url: ${U} } }\ntargets: [{ url: ${U}, group: g }]\n`,
  `groups: { g: { group: h }, h: {} }\ntargets: [{ url: ${U}, group: g }]\n`,
  `groups: [a]\ntargets: [${U}]\n`,
  `defaults: [a]\ntargets: [${U}]\n`,
  `foo: 1\ntargets: [${U}]\n`,
  'targets: []\n',
  'targets: {}\n',
  `targets: { "${U}": { url: ${U} } }\n`,
  `targets: { "${U}": { colour: blue } }\n`,
  `targets: { "${U}": [a] }\n`,
  `targets: { "${U}": { password: x, passwordEnv: A } }\n`,
  'targets: { "redis://h:0": {} }\n',
  'targets: { "S3cr3t!pa$$word": {} }\n',
  `"${U}": {}\n`,
  'targets:\n',
  'defaults: { user: a }\n',
  '[]\n',
  t(`{ url: ${U}, cluster: true, sentinel: true }`),
  t(`{ url: ${U}, sentinel: true, replication: true }`),
  t(`{ url: ${U}, cluster: true, replication: true }`),
  `defaults: { cluster: true, replication: true }\ntargets: [${U}]\n`,
  t(`{ url: ${U}, cluster: "true" }`),
  t(`{ url: ${U}, tls: "yes" }`),
  t(`{ url: ${U}, foo: 1 }`),
  t(`{ url: ${U}, password: x, passwordEnv: A }`),
  `groups: { g: { passwordEnv: A, passwordFile: b } }\ntargets: [{ url: ${U}, group: g }]\n`,
  t(`{ url: ${U}, passwordEnv: "A-B" }`),
  t(`{ url: ${U}, user: "" }`),
  t(`{ url: ${U}, db: -1 }`),
  t(`{ url: ${U}, db: "1" }`),
  t(`{ url: ${U}, distroPackage: "latest" }`),
  t(`{ user: a }`),
  t(`{ url: null }`),
  'targets: [6379]\n',
  'targets: [true]\n',
  `targets: [[${U}]]\n`,
  ...['"yes"', '{ foo: 1 }', '0', '10000001', '1.5', 'null', '{ keys: 0 }', '{ databases: [] }', '{ databases: [-1] }', '{ time: 0 }', '{ time: 3601 }', '{ bytes: 10 }'].map((s) => t(`{ url: ${U}, sampleData: ${s} }`)),
  ...['{ n: null }', '{ n: [1] }', '{ "-x": a }', '{ "a b": a }', `{ ${'a'.repeat(64)}: a }`, `{ a: "${'v'.repeat(201)}" }`, '{ a: "x\\ty" }', '{ a: "\\e[31m" }', '[a]'].map((l) => t(`{ url: ${U}, labels: ${l} }`)),
  ...['{ replicas: { user: a } }', '{ "10.0.0.5": { user: a } }', '{ "h:99999": { user: a } }', '{ "h:0": { user: a } }', '{ "h:000000": { user: a } }', '{ master: {} }', '{ master: }', '{ master: { db: 1 } }', '{ master: { labels: { a: b } } }', '{ master: { url: x } }', '{ master: { passwordEnv: A, password: b } }', '[master]'].map((n) => t(`{ url: ${U}, cluster: true, nodeOverrides: ${n} }`)),
  ...[
    'http://h:6379', 'unix:///tmp/r.sock', 'redis://h:6379?x=1', 'redis://h#f', 'redis://h:0', 'redis://h:70000', 'redis://h:', 'redis://',
    'redis://6380', 'redis://h/x', 'redis://h/2147483648', 'redis://::1', 'redis://h:1:2', 'redis://[::1', 'redis://h h',
    'h:0', 'h:70000', 'h:016401', '6380', 'redis_1:6379', 'h h', 'a@h', 'h/1', 'h:1:2', '-h', '',
    'S3cr3t!pa$$word',
    // QA42-5: a blank before or after the target (the parser trimmed a URL and took it; a host:port it refused).
    ' redis://h:1', 'redis://h:1 ', 'redis://h:1\\t', ' h:1', 'h:1 ', '\\u00a0redis://h:1',
  ].map((u) => t(`"${u}"`)),
  `targets:\n  - url: " ${U}"\n`,
  `targets:\n  " ${U}": {}\n`,
];

/**
 * What the parser refuses and no JSON Schema can say: a reference from one key to another (a group that `groups`
 * does not name), and an IPv6 address or percent-encoding the URL's pattern only shapes (the parser asks node:net
 * and decodeURIComponent). An editor takes them; redfort says what is wrong at the line.
 */
const beyondSchema: readonly string[] = [
  t(`{ url: ${U}, group: nope }`),
  `groups: { g: {} }\ntargets: [{ url: ${U}, group: h }]\n`,
  t('"redis://[1:2:3]:6379"'),
  t('"redis://%zz@h:1"'),
];

describe('docs/inventory.schema.json and the parser', () => {
  for (const text of accepted) {
    it(`both take ${JSON.stringify(text).slice(0, 150)}`, () => {
      assert.equal(parserTakes(text), true, 'the parser refuses it');
      assert.equal(schemaTakes(text), true, JSON.stringify(schema.errors));
    });
  }
  for (const text of refused) {
    it(`both refuse ${JSON.stringify(text).slice(0, 150)}`, () => {
      assert.equal(parserTakes(text), false, 'the parser takes it');
      assert.equal(schemaTakes(text), false, 'the schema takes it');
    });
  }
  for (const text of beyondSchema) {
    it(`the parser alone refuses ${JSON.stringify(text).slice(0, 150)}`, () => {
      assert.equal(parserTakes(text), false);
      assert.equal(schemaTakes(text), true, JSON.stringify(schema.errors));
    });
  }

  it("the schema's keys are the parser's: of the defaults and groups, of a target, of a nodeOverrides entry", () => {
    const expected = (text: string): string[] => {
      try {
        parseInventory(text, 'f.yaml');
      } catch (error) {
        const keys = /\(expected ([^)]+)\)/.exec(String(error))?.[1];
        if (keys !== undefined) return keys.split(', ').sort();
      }
      assert.fail(`no list of keys for ${text}`);
    };
    const d = schemaJson.definitions;
    const names = (name: string) => Object.keys(d[name]!.properties!).sort();
    assert.deepEqual(names('settings'), expected(`defaults: { colour: blue }\ntargets: [${U}]\n`));
    assert.deepEqual(names('settings'), expected(`groups: { g: { colour: blue } }\ntargets: [${U}]\n`));
    assert.deepEqual(names('settingsFields'), names('settings'));
    assert.deepEqual(names('target'), expected(t(`{ url: ${U}, colour: blue }`)));
    assert.deepEqual(names('entrySettings'), expected(`targets: { "${U}": { colour: blue } }\n`));
    assert.deepEqual(names('nodeConnection'), expected(t(`{ url: ${U}, cluster: true, nodeOverrides: { master: { colour: blue } } }`)));
  });
});
