import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import { readPlainYaml } from '../../src/settings/plain-yaml.ts';
import { parseInventory } from '../../src/settings/inventory.ts';

// src/settings/plain-yaml.ts reads plain inventories without the yaml library's parser (a 20,000-target inventory
// took 3 s and 240 MB there). What it reads must be what the library reads: the same values and the same lines (every
// file:line message and every target's line come from them); what it cannot read exactly, it must leave.
const ROOT = join(import.meta.dirname, '..', '..');

/** Every node's kind, value and line, in document order, as the library parses the text. */
function shape(text: string, node: Node | null | undefined, lines: LineCounter): string[] {
  const out: string[] = [];
  const line = (n: Node | null | undefined) => (n?.range ? lines.linePos(n.range[0]).line : 0);
  const walk = (n: Node | null | undefined, path: string): void => {
    if (isMap(n)) {
      out.push(`${path} map @${line(n)}`);
      n.items.forEach((pair, i) => {
        walk(pair.key as Node, `${path}.key${i}`);
        walk(pair.value as Node, `${path}.value${i}`);
      });
    } else if (isSeq(n)) {
      out.push(`${path} seq @${line(n)}`);
      n.items.forEach((item, i) => walk(item as Node, `${path}[${i}]`));
    } else if (isScalar(n)) out.push(`${path} ${typeof n.value} ${JSON.stringify(n.value)} @${line(n)}`);
    else out.push(`${path} ${String(n)}`);
  };
  walk(node, '');
  return out;
}

/** Plain: the same shape as the library's; else undefined. */
function compare(text: string): boolean {
  const plain = readPlainYaml(text);
  if (!plain) return false;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  assert.deepEqual(doc.errors, [], `read as plain, but the library refuses it:\n${text}`);
  assert.deepEqual(shape(text, plain.doc.contents as Node, plain.lines), shape(text, doc.contents as Node, lines), text);
  return true;
}

describe('plain YAML: the same nodes and lines as the yaml library, or nothing', () => {
  it('reads plain inventories: block mappings and sequences, flow mappings, quotes, comments', () => {
    for (const text of [
      'targets:\n  - redis://a:1\n  - b:2\n',
      'targets:\n- redis://a:1\n- url: redis://b:2\n  user: x\n',
      '# head\n\ndefaults:\n  user: auditor   # trailing\n  passwordEnv: PW\ngroups:\n  prod: { labels: { env: prod } }\n',
      'defaults:\n  tls: true\n  insecure: False\n  db: 3\ntargets:\n  - url: "redis://q:1"\n    labels: { team: \'a b\', rack: "r#1", n: 7 }\n    # between\n    cluster: true\n',
      'targets:\n  -   url: redis://a:1\n      group: g\n  - { url: redis://b:2, user: u }\n',
      'a:\n  b:\n    c: d\n  e: f#g\n',
      'labels: {}\nk: v:w\nx: "1"\ny: 12345\nz: yes\n',
      'groups:\n  payments: { labels: { team: payments, "a b": \'c, d\' }, passwordFile: /etc/redfort/payments.pw }\n',
      'a: {b: c,d: {}}\n',
    ]) assert.ok(compare(text), text);
  });

  it('leaves what it cannot read exactly to the library', () => {
    for (const text of [
      'a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: |\n  text\n', 'a: >\n  text\n', 'a: "x\\ty"\n', "a: 'it''s'\n",
      'a: [1, 2]\n', 'a: { b: [c] }\n', 'a: { b: c }}\n', 'a: { b:c }\n', 'a:\tb\n', 'a: b\r\n', '---\na: b\n', '%YAML 1.2\n---\na: b\n',
      'a:\n', 'a: ~\n', 'a: null\n', 'a: 1.5\n', 'a: 1e3\n', 'a: 0x1F\n', 'a: 0o17\n', 'a: .inf\n', 'a: -1\n',
      'a: 12345678901234567890\n', 'a: multi\n  line\n', '? a\n: b\n', 'a: { b: c, }\n', '"a": b\n',
      'a: b: c\n', '  a: b\n', '- a\nb: c\n', 'a:\n- b\n - c\n',
    ]) assert.equal(readPlainYaml(text), undefined, text);
  });

  it('leaves deep nesting and over-long keys to the library, which reports them as mistakes, not a stack overflow', () => {
    const flow = `targets: ${'{a: '.repeat(5000)}b${' }'.repeat(5000)}\n`;
    const block = Array.from({ length: 6000 }, (_, i) => `${' '.repeat(i)}a${i}:`).join('\n') + ' b\n';
    const longKey = `targets:\n  - url: redis://h:1\n    labels: { ${'k'.repeat(1025)}: v }\n`;
    for (const text of [flow, block, longKey]) assert.equal(readPlainYaml(text), undefined, text.slice(0, 40));
    // Read whole, the deep inventory is one line naming the file, as any other mistake.
    assert.throws(() => parseInventory(flow, 'deep.yaml'), (e: unknown) => e instanceof Error && /^deep\.yaml:\d+: /.test(e.message) && !/Maximum call stack/.test(e.message));
  });

  it('random plain inventories: whatever it reads, it reads as the library does', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[random(xs.length)]!;
    const scalars = ['redis://h:6379', 'h:1', 'auditor', '"quoted: yes"', "'single # not a comment'", 'true', 'False', '42', '007', 'on', 'x y', 'a#b', 'α', '"\'"', 'prod-1', 'k8s.io/name'];
    let read = 0;
    for (let n = 0; n < 400; n++) {
      const lines: string[] = [];
      if (random(2)) lines.push(pick(['# c', '', '   # indented comment']));
      lines.push(`defaults: { user: ${pick(scalars)}, tls: ${pick(['true', 'false'])} }`);
      lines.push('groups:');
      for (let g = 0; g < 1 + random(3); g++) {
        if (random(2)) lines.push(`  g${g}: { labels: { env: ${pick(scalars)} }, user: ${pick(scalars)} }`);
        else lines.push(`  g${g}:`, `    labels: { env: ${pick(scalars)} }`);
      }
      if (random(10) === 0) lines.push('    extra: 1');
      lines.push('targets:');
      const dash = pick(['', '  ', '    ']);
      for (let t = 0; t < 1 + random(5); t++) {
        if (random(3) === 0) lines.push(`${dash}- ${pick(scalars)}${random(4) === 0 ? ' # why' : ''}`);
        else {
          const pad = ' '.repeat(1 + random(3));
          lines.push(`${dash}-${pad}url: ${pick(scalars)}`);
          const inner = dash + ' '.repeat(1 + pad.length);
          for (let k = 0; k < random(4); k++) lines.push(`${inner}${pick(['user', 'group', 'labels', 'db', 'cluster', 'sni'])}: ${random(5) === 0 ? `{ a: ${pick(scalars)} }` : pick(scalars)}`);
          if (random(20) === 0) lines.push(`${inner}  continued`);
        }
        if (random(6) === 0) lines.push(pick(['', '# between', `${dash}  # deeper comment`]));
      }
      if (compare(`${lines.join('\n')}${random(5) ? '\n' : ''}`)) read++;
    }
    assert.ok(read > 200, `only ${read} of 400 were read as plain: the test proves little`);
  });

  it("the repository's own YAML files", () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        if (name === 'node_modules' || name.startsWith('.')) continue;
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.ya?ml$/.test(name)) files.push(path);
      }
    };
    for (const dir of ['docs', 'examples', 'test']) walk(join(ROOT, dir));
    assert.ok(files.length > 3);
    for (const file of files) compare(readFileSync(file, 'utf8'));
  });

  it('an inventory read plain gives the same targets, lines and warnings; a mistake the same file:line message', () => {
    const text = 'defaults:\n  user: auditor\ngroups:\n  prod: { labels: { env: prod }, passwordEnv: PW }\ntargets:\n  - redis://a:1\n  - url: "redis://u:pw@b:2"\n    group: prod\n  - redis://a:1\n';
    assert.ok(readPlainYaml(text));
    const inventory = parseInventory(text, 'f.yaml');
    assert.deepEqual(inventory.targets.map((t) => [t.spec, t.source.line, t.group ?? '', t.connection.user, t.labels]), [
      ['redis://a:1', 6, '', 'auditor', {}],
      ['redis://u:pw@b:2', 7, 'prod', 'auditor', { env: 'prod' }],
      ['redis://a:1', 9, '', 'auditor', {}],
    ]);
    assert.deepEqual(inventory.warnings.map((w) => w.message), [
      'f.yaml:7: a password written in the inventory is readable by anyone who can read the file: prefer passwordEnv or passwordFile',
      'f.yaml:9: redis://a:1 is listed twice (first at line 6): it is audited twice',
    ]);
    assert.throws(() => parseInventory('targets:\n  - url: redis://a\n    colour: blue\n', 'f'), /^SettingsError: f:3: targets: unknown key 'colour'/);
    assert.throws(() => parseInventory('targets:\n  - url: redis://a\n    url: redis://b\n', 'f'), /^SettingsError: f:3: Map keys must be unique/);
  });
});
