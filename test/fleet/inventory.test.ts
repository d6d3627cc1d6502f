import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import AjvModule from 'ajv';
import { parse, Parser } from 'yaml';
import { parseInventory, resolveInventory } from '../../src/settings/inventory.ts';
import { targetPassword } from '../../src/redis/target.ts';
import type { InventoryWarning } from '../../src/engine/report.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { redfort } from '../harden/run.ts';

/** The inventory warnings' messages, as stderr says them. */
const messages = (warnings: readonly InventoryWarning[]): string[] => warnings.map((w) => w.message);

after(stopAll);

const doc = readFileSync(new URL('../../docs/inventory.md', import.meta.url), 'utf8');
const example = doc.split('```yaml\n')[1]!.split('```')[0]!;
const schema = new AjvModule.default({ strict: false }).compile(JSON.parse(readFileSync(new URL('../../docs/inventory.schema.json', import.meta.url), 'utf8')) as object);

/**
 * Milliseconds of CPU this process spent since `started` (process.cpuUsage()): a parse is synchronous, so its CPU time
 * is its cost, whatever else runs on the machine; wall time on 2 loaded cores may be several times more.
 */
function cpuMs(started: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(started);
  return Math.round((user + system) / 1000);
}

describe('inventory', () => {
  it('a YAML inventory of more than 500,000 mapping entries is refused before it is parsed; 20,000 targets with labels load', () => {
    // A 10.9 MB flow mapping of a million entries took 65 s and 1.5 GB before its one-line error.
    const hostile = `targets:\n  - url: redis://h:1\n    user: {${Array.from({ length: 1_000_000 }, (_, i) => `k${i}: v`).join(',')}}\n`;
    assert.throws(() => parseInventory(hostile, 'm.yaml'), /^SettingsError: m\.yaml:1: more than 500,000 mapping entries in a YAML inventory: list a fleet this large one URL a line, or split it$/);
    const fleet = `targets:\n${Array.from({ length: 20_000 }, (_, i) => `  - url: redis://10.0.${i >> 8}.${i & 255}:6379\n    labels: { team: t${i % 7}, region: r${i % 3} }\n`).join('')}`;
    assert.equal(parseInventory(fleet, 'big.yaml').targets.length, 20_000);
  });

  // A list of plain targets has no `: `, so the entries' cap never counted it: 2.5 million (54 MB) ran past 120 s
  // toward some 6 GB. A flow sequence of them neither.
  it('a YAML inventory of more than 500,000 list items is refused before it is parsed, naming the line past it', () => {
    const started = process.cpuUsage();
    const block = `targets:\n${'  - a\n'.repeat(500_001)}`;
    assert.throws(() => parseInventory(block, 'm.yaml'), /^SettingsError: m\.yaml:500002: more than 500,000 list items in a YAML inventory: list a fleet this large one URL a line, or split it$/);
    const flow = `# plain\ntargets: [${'a, '.repeat(500_001)}a]\n`;
    assert.throws(() => parseInventory(flow, 'f.yaml'), /^SettingsError: f\.yaml:2: more than 500,000 list items/);
        assert.ok(cpuMs(started) < 5_000, `${cpuMs(started)} ms of CPU`);
    // A URL's or a label's dash is no item.
    assert.equal(parseInventory(`targets:\n  - redis://db-1:6379\n  - { url: "redis://db-2:1", labels: { team: a-b } }\n`, 'd.yaml').targets.length, 2);
  });

  // A mistake in an inventory the plain reader had read (one it reads to the library's nodes) was dropped, and the
  // text parsed again by the yaml library for the same mistake: on the last line of 300,000 targets, 30 s and 724 MB.
  it("a mistake in a plain YAML inventory is said from the plain reading, never parsed again by the yaml library", () => {
    const original = Parser.prototype.parse;
    let parses = 0;
    Parser.prototype.parse = function (this: Parser, ...args: Parameters<Parser['parse']>) {
      parses++;
      return original.apply(this, args);
    };
    try {
      const bad = `defaults: { user: auditor }\ntargets:\n${'  - redis://h:6379\n'.repeat(3)}  - "::bad::"\n`;
      assert.throws(() => parseInventory(bad, 'b.yaml'), /^SettingsError: b\.yaml:6: targets: invalid target '::bad::'/);
      assert.throws(() => parseInventory('targets:\n  - { url: "redis://a:1", colour: blue }\n', 'k.yaml'), /^SettingsError: k\.yaml:2: targets: unknown key 'colour'/);
      assert.equal(parses, 0);
      // What the plain reader leaves (an anchor) goes to the library: its parse is counted here.
      assert.throws(() => parseInventory('targets:\n  - &x "::bad::"\n', 'a.yaml'), /^SettingsError: a\.yaml:2: targets: invalid target '::bad::'/);
      assert.ok(parses > 0);
    } finally {
      Parser.prototype.parse = original;
    }
  });

  // A label of eight characters with an ESC was 'must be one line of at most 200 characters': the length was not it.
  // QA39-54: a label written as a number was rewritten (1.10 as 1.1, 007 as 7, 0x1F as 31, a 20-digit number rounded).
  it('a label written as a number or a boolean is kept as written, by the yaml library and by the plain reader', () => {
    const flow = parseInventory('targets:\n  - url: redis://a:1\n    labels: { version: 1.10, rack: 007, z: 0o17, h: 0x1F, e: 1e3, b: 12345678901234567890, t: True, q: "008" }\n', 'n.yaml');
    assert.deepEqual(flow.targets[0]!.labels, { version: '1.10', rack: '007', z: '0o17', h: '0x1F', e: '1e3', b: '12345678901234567890', t: 'True', q: '008' });
    const plain = parseInventory('targets:\n  - url: redis://a:1\n    labels:\n      rack: 007\n      ok: TRUE\n      n: 42\n', 'p.yaml');
    assert.deepEqual(plain.targets[0]!.labels, { rack: '007', ok: 'TRUE', n: '42' });
  });

  // QA42-6: `password: "qa\ud800"` ended the run with `redfort: unexpected error: URI malformed` (the password
  // URL-encoded to be masked), and `user: "a\ud800"` failed its target with `s2.yaml:2: URI malformed`.
  it('half of a surrogate pair in a password, a user, a URL or a label is one line naming the line, by its code (QA42-6)', async () => {
    const cases: [string, string][] = [
      ['targets:\n  - url: redis://127.0.0.1:23303\n    password: "qa\\ud800"\n', 's.yaml:3: targets: password holds an unpaired surrogate (\\ud800): not valid text'],
      ['targets:\n  - url: redis://127.0.0.1:23303\n    user: "a\\udc00b"\n', 's.yaml:3: targets: user holds an unpaired surrogate (\\udc00): not valid text'],
      ['defaults: { password: "x\\ud800" }\ntargets: [redis://h:1]\n', 's.yaml:1: defaults: password holds an unpaired surrogate (\\ud800): not valid text'],
      ['targets:\n  - "redis://:a\\udbff@h:1"\n', 's.yaml:2: targets holds an unpaired surrogate (\\udbff): not valid text'],
      ['targets:\n  - { url: redis://h:1, labels: { team: "t\\ud800" } }\n', 's.yaml:2: targets: labels: team holds an unpaired surrogate (\\ud800): not valid text'],
    ];
    for (const [text, message] of cases) assert.throws(() => parseInventory(text, 's.yaml'), { name: 'SettingsError', message }, text);
    // A whole pair is text like any other.
    const inv = parseInventory('targets:\n  - { url: redis://h:1, password: "p\\ud83d\\ude00w" }\n', 'ok.yaml');
    const [resolved] = await resolveInventory(inv, {}, {}, () => Promise.reject(new Error('no file')));
    assert.equal(resolved!.ok && targetPassword(resolved!.target), 'p\u{1F600}w');
  });

  it('a label with a control character says so by its code, not shown; a long one says its length', () => {
    assert.throws(() => parseInventory('targets:\n  - { url: "redis://a:1", labels: { team: "pay\\e[31m" } }\n', 'c.yaml'), /^SettingsError: c\.yaml:2: targets: labels: team holds a control character \(U\+001B\): a label is one line of printable text$/);
    assert.throws(() => parseInventory(`targets:\n  - url: redis://a:1\n    labels:\n      team: ${'a'.repeat(201)}\n`, 'l.yaml'), /^SettingsError: l\.yaml:4: targets: labels: team must be at most 200 characters \(it has 201\)$/);
  });

  it('an inventory of one URL a line: at most 1,000,000 targets, refused before any is read; 64 MiB of blank lines in bounded memory', async () => {
    const many = `# fleet\n\n${'a\n'.repeat(1_000_001)}`;
    const started = process.cpuUsage();
    assert.throws(() => parseInventory(many, 'm.txt'), /^SettingsError: m\.txt:1000003: more than 1,000,000 targets in one inventory: split the fleet$/);
        assert.ok(cpuMs(started) < 5_000, `${cpuMs(started)} ms of CPU`);
    assert.equal(parseInventory(`\n\n  redis://a:1  \n# x\n\nb\n`, 'l.txt').targets.map((t) => `${t.spec}@${t.source.line}`).join(' '), 'redis://a:1@3 b@6');
    // Split into lines, 64 million line feeds were an array of 64 million strings: 1.4 GB.
    const dir = mkdtempSync(join(tmpdir(), 'redfort-inv-'));
    try {
      const file = join(dir, 'blank.txt');
      writeFileSync(file, '\n'.repeat(64 * 1024 * 1024 - 1));
      const code = `import { readFileSync } from 'node:fs'; import { parseInventory } from ${JSON.stringify(new URL('../../src/settings/inventory.ts', import.meta.url).href)}; process.stdout.write(String(parseInventory(readFileSync(${JSON.stringify(file)}, 'utf8'), 'b.txt').targets.length));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', '--input-type=module', '-e', code]);
      assert.equal(stdout, '0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a double-quoted text of more than 1 MiB is one line naming it before the yaml library builds it (20 MB: 1 GB, 5 s)', () => {
    const label = `targets:\n  - url: redis://a:1\n    labels:\n      team: "${'a'.repeat(20_000_000)}"\n`;
    assert.throws(() => parseInventory(label, 'q.yaml'), /^SettingsError: q\.yaml:4: a double-quoted text of 20,000,002 characters \(not shown\): no value here is longer than 1,048,576$/);
    // Escaped quotes do not hide one; a quote in a comment, or texts far apart, are no such text.
    const escaped = `# "\ntargets:\n  - { url: "redis://a:1", user: "${'x\\"'.repeat(400_000)}" }\n`;
    assert.throws(() => parseInventory(escaped, 'e.yaml'), /^SettingsError: e\.yaml:3: a double-quoted text of 1,200,002 characters/);
    const apart = `# "\ndefaults: { user: "auditor" }\ntargets:\n${Array.from({ length: 40_000 }, (_, i) => `  - redis://h${i}:6379\n`).join('')}  - { url: "redis://z:1" }\n`;
    assert.equal(parseInventory(apart, 'a.yaml').targets.length, 40_001);
  });

  it('double-quoted texts of more than 8 MiB in all are one line too, each under 1 MiB (60 of 1 MB: 31.6 s, 2.1 GB)', () => {
    const many = `targets:\n${Array.from({ length: 60 }, (_, i) => `  - url: redis://h${i}:1\n    labels: { team: "${'a'.repeat(1_000_000)}" }\n`).join('')}`;
    const started = process.cpuUsage();
    // The ninth text passes 8,388,608 characters in all; it is on line 2 + 8 * 2 + 1.
    assert.throws(() => parseInventory(many, 'm.yaml'), /^SettingsError: m\.yaml:19: the double-quoted texts up to here hold more than 8,388,608 characters in all: write long values plain or single-quoted$/);
        assert.ok(cpuMs(started) < 10_000, `${cpuMs(started)} ms of CPU`);
    // 100,000 targets, each with a quoted URL and label, stay under it.
    const fleet = `targets:\n${Array.from({ length: 100_000 }, (_, i) => `  - { url: "redis://h${i}:6379", labels: { team: "payments-team-${i % 7}" } }\n`).join('')}`;
    assert.equal(parseInventory(fleet, 'f.yaml').targets.length, 100_000);
  });

  it('a document nested thousands deep is one line saying so, not the parser\'s stack overflow', () => {
    assert.throws(() => parseInventory(`targets: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, 'f.yaml'), /^SettingsError: f\.yaml:1: nested too deeply to read/);
  });

  // QA39-56: the yaml library records no error for an alias to no anchor, and its value was read as empty: the whole
  // fleet was audited without its defaults' credentials and labels (NOAUTH), exit 0.
  it('an alias that names no anchor before it is one line naming the alias and its line; one that does is read', () => {
    const typo = 'groups:\n  base: &comon { user: auditor, passwordEnv: PW, labels: { team: core } }\ndefaults: *common\ntargets: [redis://a:1]\n';
    assert.throws(() => parseInventory(typo, 'f.yaml'), /^SettingsError: f\.yaml:3: alias \*common names no anchor set before it: an alias repeats the value of an anchor \(&name\) written above it$/);
    assert.throws(() => parseInventory('targets:\n  - url: redis://a:1\n    labels: *nope\n', 'f.yaml'), /^SettingsError: f\.yaml:3: alias \*nope names no anchor/);
    assert.throws(() => parseInventory('targets:\n  - *late\n  - &late redis://a:1\n', 'f.yaml'), /^SettingsError: f\.yaml:2: alias \*late names no anchor set before it/);
    assert.throws(() => parseInventory(`targets:\n  - { url: redis://a:1, user: *${'S3cr3t!'.repeat(10)} }\n`, 'f.yaml'), /^SettingsError: f\.yaml:2: an alias \(not shown: 70 characters that are no anchor name\) names no anchor/);
    // QA42-2: an unquoted password that starts with `*` is an alias to YAML; its name was the password, shown whole.
    for (const text of ['targets:\n  - url: redis://127.0.0.1:6379\n    password: *Kq9xS3cret\n', 'targets:\n  - { url: redis://a:1, password: *Kq9xS3cret }\n', 'defaults:\n  password: *Kq9xS3cret\ntargets: [redis://a:1]\n']) {
      assert.throws(() => parseInventory(text, 'f.yaml'), (error: Error) => {
        assert.ok(!error.message.includes('Kq9x'), error.message);
        assert.match(error.message, /an alias \(not shown: 10 characters that are no anchor name\) names no anchor/);
        return true;
      });
    }
    const inv = parseInventory(typo.replace('*common', '*comon'), 'f.yaml');
    assert.deepEqual([inv.targets[0]!.connection, inv.targets[0]!.labels], [{ user: 'auditor', passwordEnv: 'PW' }, { team: 'core' }]);
  });

  // QA39-51: thousands of block mappings closed by one dedented line made the yaml library throw V8's RangeError out
  // of parseDocument: `redfort: unexpected error: Maximum call stack size exceeded`, no file or line, exit 2.
  it('block mappings nested thousands deep, then a dedented line: one line at the line the parser reached, in bounded time', () => {
    const started = process.cpuUsage();
    const deep = `${Array.from({ length: 2500 }, (_, i) => `${' '.repeat(i)}k:\n`).join('')}targets: [redis://a:1]\n`;
    assert.throws(() => parseInventory(deep, 'f.yaml'), /^SettingsError: f\.yaml:2501: nested too deeply to read \(thousands of levels\)$/);
    assert.throws(() => parseInventory(`targets:\n  - url: redis://a:1\n    labels:\n${Array.from({ length: 2500 }, (_, i) => `${' '.repeat(i + 6)}k:\n`).join('')}  - redis://b:1\n`, 'g.yaml'), /^SettingsError: g\.yaml:2504: nested too deeply to read/);
        assert.ok(cpuMs(started) < 15_000, `${cpuMs(started)} ms of CPU`);
  });

  it("docs/inventory.md's key table names every key a target takes (sampleData was missing)", () => {
    let message = '';
    try {
      parseInventory('targets:\n  - { url: redis://a, colour: blue }\n', 'f.yaml');
    } catch (e) {
      message = String(e);
    }
    const keys = /\(expected ([^)]+)\)/.exec(message)?.[1]?.split(', ');
    assert.ok(keys && keys.length > 10, message);
    const documented = new Set([...doc.matchAll(/^\| ([^|]+) \| (?:target|any) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([A-Za-z]+)`/g)].map((k) => k[1]!)));
    assert.deepEqual(keys.filter((k) => !documented.has(k)), []);
  });

  it("parses docs/inventory.md's example, which the published schema accepts", () => {
    assert.equal(schema(parse(example)), true, JSON.stringify(schema.errors));
    const inv = parseInventory(example, 'fleet.yaml');
    assert.deepEqual(inv.targets.map((t) => [t.spec, t.group, t.labels, t.kind, t.source.line]), [
      ['redis://db1.internal:6379', 'payments', { env: 'prod', team: 'payments' }, undefined, 5],
      ['rediss://db2.internal:6380', undefined, { env: 'prod', team: 'search' }, undefined, 7],
      ['redis://cache1:7000', undefined, { env: 'prod' }, 'cluster', 12],
    ]);
    // The group's password file replaces the defaults' variable; the target's own variable replaces both.
    assert.deepEqual(inv.targets[0]!.connection, { user: 'auditor', passwordFile: '/etc/redfort/payments.pw' });
    assert.deepEqual(inv.targets[1]!.connection, { user: 'audit2', passwordEnv: 'DB2_PASSWORD', cacert: '/etc/ssl/redis-ca.pem' });
  });

  it('distroPackage per target, group or defaults (the nearest wins), in the schema too', () => {
    const text = 'defaults: { distroPackage: "5:7.0.15-1~deb12u1" }\ngroups:\n  g: { distroPackage: "redis-server=5:7.0.15-1~deb12u4" }\ntargets:\n  - redis://a\n  - { url: redis://b, group: g }\n  - { url: redis://c, group: g, distroPackage: "valkey-server=8.0.2+dfsg1-1" }\n';
    assert.equal(schema(parse(text)), true, JSON.stringify(schema.errors));
    assert.equal(schema(parse('targets:\n  - { url: redis://a, distroPackage: "latest" }\n')), false);
    const inv = parseInventory(text, 'f.yaml');
    assert.deepEqual(inv.targets.map((t) => t.distroPackage), [
      { version: '5:7.0.15-1~deb12u1', origin: 'distroPackage at f.yaml:1' },
      { name: 'redis-server', version: '5:7.0.15-1~deb12u4', origin: 'distroPackage at f.yaml:3' },
      { name: 'valkey-server', version: '8.0.2+dfsg1-1', origin: 'distroPackage at f.yaml:7' },
    ]);
    assert.throws(() => parseInventory('targets:\n  - { url: redis://a, distroPackage: "latest" }\n', 'f'), /f:2: targets: distroPackage: not a package declaration \(value not shown\): expected \[NAME=\]VERSION/);
  });

  // QA42-19: an inventory written as .redfort.yaml writes its targets (URL -> settings, the shape issue 15 asks to reuse)
  // was refused with 'targets must be a list, not a mapping', and so was `--targets .redfort.yaml`, with no hint.
  it(".redfort.yaml's targets (a mapping URL -> settings) are an inventory, in the schema too; a whole .redfort.yaml says which file it is", async () => {
    const configuration = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const settingsExample = parse(configuration.split('```yaml\n')[1]!.split('```')[0]!) as { targets: Record<string, unknown> };
    const text = `${new (await import('yaml')).Document({ targets: settingsExample.targets }).toString()}`;
    assert.equal(schema(parse(text)), true, JSON.stringify(schema.errors));
    const inv = parseInventory(text, 'copied.yaml', { baseDir: '/etc/redfort' });
    assert.deepEqual(inv.targets.map((t) => [t.spec, t.source.line]), [['rediss://db1.internal:6380', 2], ['db2.internal:6379', 15]]);
    assert.deepEqual(inv.targets[0]!.connection, {
      user: 'auditor', passwordEnv: 'DB1_REDIS_PASSWORD', tls: true, cacert: '/etc/redfort/certs/ca.crt', cacertdir: '/etc/ssl/redis-cas',
      cert: '/etc/redfort/certs/auditor.crt', key: '/etc/redfort/certs/auditor.key', sni: 'db1.internal', insecure: false, db: 0,
    });
    assert.deepEqual(inv.targets[0]!.sampleData, { keys: 1000 });
    assert.equal(inv.targets[0]!.distroPackage?.version, '5:7.0.15-1~deb12u10');
    assert.deepEqual(inv.targets[1]!.connection, {});
    // An entry left empty, a group and labels as a list entry takes them, an error at the entry's line naming it.
    const more = parseInventory('groups: { g: { labels: { team: a } } }\ntargets:\n  redis://a:1:\n  redis://b:2: { group: g, cluster: true }\n', 'f.yaml');
    assert.deepEqual(more.targets.map((t) => [t.spec, t.labels, t.kind ?? null, t.source.line]), [['redis://a:1', {}, null, 3], ['redis://b:2', { team: 'a' }, 'cluster', 4]]);
    assert.throws(() => parseInventory('targets:\n  redis://a:1:\n    colour: x\n', 'f.yaml'), /^SettingsError: f\.yaml:3: targets: redis:\/\/a:1: unknown key 'colour' \(expected group, user, /);
    assert.throws(() => parseInventory('targets:\n  redis://a:1: { url: redis://b:2 }\n', 'f.yaml'), /f\.yaml:2: targets: redis:\/\/a:1: unknown key 'url'/);
    assert.throws(() => parseInventory('targets: {}\n', 'f.yaml'), /f\.yaml:1: the inventory has no targets/);
    assert.equal(schema(parse('targets: {}\n')), false);
    assert.equal(schema(parse('targets:\n  redis://a:1: { url: redis://b:2 }\n')), false);
    // A whole .redfort.yaml: its rules would not apply, so it is refused, naming the key and the flag that takes the file.
    assert.throws(() => parseInventory('failOn: high\ntargets:\n  redis://a:1: {}\n', '.redfort.yaml'), (error: Error) => {
      assert.equal(error.message, '.redfort.yaml:1: failOn is a key of .redfort.yaml, not of an inventory: give a settings file with --config-file FILE (with no target on the command line, redfort audit audits every server of its targets)');
      return true;
    });
    assert.throws(() => parseInventory('targets:\n  redis://a:1: {}\nrules:\n  tls: off\n', '.redfort.yaml'), /^SettingsError: \.redfort\.yaml:3: rules is a key of \.redfort\.yaml/);
  });

  it('a target written twice with the same user is a warning naming both lines; both are kept', () => {
    const lines = parseInventory('redis://a:1\nredis://b:2\nredis://a:1\n', 'list.txt');
    assert.equal(lines.targets.length, 3);
    assert.deepEqual(messages(lines.warnings), ['list.txt:3: redis://a:1 is listed twice (first at line 1): it is audited twice']);
    const yaml = parseInventory('targets:\n  - { url: "redis://u:pw-x@a:1" }\n  - { url: redis://a:1, user: audit2 }\n  - { url: "redis://u:pw-x@a:1", cluster: true }\n  - { url: "redis://u:pw-x@a:1" }\n', 'f.yaml');
    assert.deepEqual(messages(yaml.warnings).filter((w) => /twice/.test(w)), ['f.yaml:5: redis://u:***@a:1 is listed twice (first at line 2): it is audited twice']);
  });

  // QA39-53: the check compared the target as written: three spellings of one server were audited three times unwarned.
  it('a target written twice is the same server however it is spelled: scheme case, host:port, a trailing slash, the user in the URL', () => {
    const lines = parseInventory('redis://127.0.0.1:6379\n127.0.0.1:6379\nREDIS://127.0.0.1:6379/\nrediss://127.0.0.1:6379\nredis://127.0.0.1:6379/1\nDB.example:1\ndb.example.:1\n', 'list.txt');
    assert.deepEqual(messages(lines.warnings), [
      'list.txt:2: 127.0.0.1:6379 is listed twice (first at line 1): it is audited twice',
      'list.txt:3: REDIS://127.0.0.1:6379/ is listed twice (first at line 1): it is audited twice',
      'list.txt:7: db.example.:1 is listed twice (first at line 6): it is audited twice',
    ]);
    const yaml = parseInventory('targets:\n  - url: redis://auditor@h:6379\n  - { url: redis://h:6379, user: auditor }\n  - { url: redis://h:6379, user: other }\n  - { url: redis://h:6379, user: auditor, tls: true }\n', 'f.yaml');
    assert.deepEqual(messages(yaml.warnings).filter((w) => /twice/.test(w)), ['f.yaml:3: redis://h:6379 is listed twice (first at line 2): it is audited twice']);
  });

  it('no user and user default are the same login: listed twice (QA42-15)', async () => {
    const inv = parseInventory('targets:\n  - redis://127.0.0.1:23303\n  - { url: redis://127.0.0.1:23303, user: default }\n  - redis://default@127.0.0.1:23303\n  - { url: redis://127.0.0.1:23303, user: other }\n', 't.yaml');
    assert.deepEqual(messages(inv.warnings), [
      't.yaml:3: redis://127.0.0.1:23303 is listed twice (first at line 2): it is audited twice',
      't.yaml:4: redis://default@127.0.0.1:23303 is listed twice (first at line 2): it is audited twice',
    ]);
    // The exporter took them for two logins and refused to start ("already listed at line 2 with another user").
    const { loadInventoryTargets } = await import('../../src/exporter/inventory.ts');
    const text = 'targets:\n  - redis://127.0.0.1:23303\n  - { url: redis://127.0.0.1:23303, user: default }\n';
    const loaded = await loadInventoryTargets('inv6.yaml', {}, async () => text);
    assert.equal(loaded.targets.size, 1);
    assert.deepEqual(messages(loaded.warnings), ['inv6.yaml:3: 127.0.0.1:23303 is listed twice (first at line 2), alike: the exporter uses the first']);
  });

  it('an inventory pasted many times over gives ten "listed twice" warnings and a count of the rest', () => {
    const inv = parseInventory('redis://a:1\n'.repeat(5_000), 'list.txt');
    assert.equal(inv.targets.length, 5_000);
    assert.equal(inv.warnings.length, 11);
    assert.deepEqual(inv.warnings[9], { kind: 'listed-twice', message: 'list.txt:11: redis://a:1 is listed twice (first at line 1): it is audited twice', source: { kind: 'file', path: 'list.txt', line: 11 } });
    assert.deepEqual(inv.warnings[10], { kind: 'listed-twice', message: 'list.txt: 4989 more targets are listed twice' });
  });

  // QA42-7: 200 entries with an inline password were 200 identical warnings, --quiet or not.
  it('passwords written in the inventory: the first ten lines named, then a count of the rest; one warning a line (QA42-7)', () => {
    const lines = parseInventory(Array.from({ length: 200 }, (_, i) => `redis://:pw${i}@h${i}:1\n`).join(''), 'inl.txt');
    assert.equal(lines.warnings.length, 11);
    assert.deepEqual(lines.warnings[9], { kind: 'inventory-inline-password', message: 'inl.txt:10: a password written in the inventory is readable by anyone who can read the file: prefer passwordEnv or passwordFile', source: { kind: 'file', path: 'inl.txt', line: 10 } });
    assert.deepEqual(lines.warnings[10], { kind: 'inventory-inline-password', message: 'inl.txt: … and 190 more lines with a password written in the inventory' });
    const yaml = parseInventory(`defaults: { password: d }\ntargets:\n${Array.from({ length: 12 }, (_, i) => `  - { url: "redis://:u${i}@h${i}:1", password: x${i} }\n`).join('')}`, 'inl.yaml');
    assert.deepEqual(messages(yaml.warnings).map((w) => w.split(': a password')[0]), ['inl.yaml:1', ...Array.from({ length: 9 }, (_, i) => `inl.yaml:${i + 3}`), 'inl.yaml: … and 3 more lines with a password written in the inventory']);
  });

  it('one URL a line, comments skipped, lines counted', () => {
    const inv = parseInventory('# fleet\n\nredis://a:1\nb:2\n', 'list.txt');
    assert.deepEqual(inv.targets.map((t) => [t.spec, t.source.line]), [['redis://a:1', 3], ['b:2', 4]]);
  });

  for (const [name, text, error] of [
    ['an unknown key', 'targets:\n  - url: redis://a\n    colour: blue\n', /\bf:3: targets: unknown key 'colour'/],
    ['an unknown group', 'targets:\n  - { url: redis://a, group: nope }\n', /\bf:2: targets: redis:\/\/a: unknown group \(value not shown\): the inventory has no groups$/],
    ['an invalid URL', 'targets:\n  - redis://a\n  - http://b\n', /\bf:3: targets: invalid target 'http:\/\/b'/],
    ['two password sources', 'targets:\n  - { url: redis://a, password: x, passwordEnv: Y }\n', /\bf:2: .*exclude each other/],
    ['a duplicate key', 'targets:\n  - url: redis://a\n    url: redis://b\n', /\bf:3: Map keys must be unique/],
    ['no targets', 'defaults: { user: a }\n', /\bf:1: the inventory has no targets/],
    ['a bad URL line', 'redis://a\nredis://b:0\n', /\bf:2: /],
  ] as const) {
    it(`refuses ${name} with file:line`, () => assert.throws(() => parseInventory(text, 'f'), error));
  }

  it('a file that is no inventory is not shown in the error (/etc/shadow, /proc/self/environ, a 10 MB line); a typo is', () => {
    for (const text of ['root:$6$Qx9.salt$hash:19000:0:99999:7:::\n', 'root:x:0:0:root:/root:/bin/bash\n', 'HOME=/root\0TOKEN=ghp_secret\0\n']) {
      assert.throws(() => parseInventory(text, 'list.txt'), (error: Error) => {
        assert.equal(error.message, 'list.txt:1: not a target URL, host or host:port (value not shown)');
        return true;
      });
    }
    assert.throws(() => parseInventory(`redis://${'a'.repeat(100_000)}:6379\n`, 'list.txt'), (error: Error) => {
      assert.equal(error.message, 'list.txt:1: invalid target (not shown: 100013 characters that are no URL or host:port)');
      return true;
    });
    assert.throws(() => parseInventory('targets:\n  - url: "ghp_secret token"\n', 'f.yaml'), (error: Error) => {
      assert.equal(error.message, 'f.yaml:2: targets: not a target URL, host or host:port (value not shown)');
      return true;
    });
    assert.throws(() => parseInventory('db1:99999\n', 'list.txt'), /list\.txt:1: invalid target 'db1:99999': port must be 1-65535/);
    assert.throws(() => parseInventory('redis://user:pw@h/x\n', 'list.txt'), /list\.txt:1: invalid target 'redis:\/\/user@h\/x': database 'x'/);
  });

  // `--targets pw.txt` of a password: its word was taken for a host, looked up in DNS and shown as the target.
  it('a line that is no URL must be a host or host:port (RFC 1123 names, IPv4, IPv6): else nothing of it is shown', () => {
    for (const word of ['S3cr3t!pa$$word', 'p@ss', 'redis_1', 'a_b:6379', 'hunter2 extra', 'redis:6379:x', '-cache', 'cache-', 'x'.repeat(64), '[zz]:6379', 'Tr0ub4dor&3', 'pass word', 'secret=1']) {
      for (const [text, name, line] of [[`# fleet\n${word}\n`, 'pw.txt', 2], [`targets:\n  - ${JSON.stringify(word)}\n`, 'f.yaml', 2], [`targets:\n  - { url: ${JSON.stringify(word)} }\n`, 'f.yaml', 2]] as const) {
        assert.throws(() => parseInventory(text, name), (error: Error) => {
          assert.equal(error.message, `${name}:${line}: ${name === 'f.yaml' ? 'targets: ' : ''}not a target URL, host or host:port (value not shown)`, word);
          return true;
        });
      }
    }
    // Host names, single labels too (a password such as `hunter2` cannot be told from `cache1`: it stays a host), IPv4
    // and IPv6 addresses, with or without a port, and URLs.
    const hosts = ['cache1', 'hunter2', 'db-1.example.com', 'db.example.com.', '10.0.0.1', '10.0.0.1:6380', 'cache1:6379', '::1', '[::1]:6379', `${'a'.repeat(63)}.example`, 'redis://redis_1:6379', 'rediss://h'];
    assert.deepEqual(parseInventory(`${hosts.join('\n')}\n`, 'list.txt').targets.map((t) => t.spec), hosts);
  });

  // A value of an inventory may be a password (or the file a file of secrets given by mistake): errors name the line
  // and what was expected, never the value ('targets must be a list, not "hunter2"').
  it("a YAML inventory's errors show none of its values", () => {
    for (const [text, message] of [
      ['targets: hunter2\n', 'f.yaml:1: targets must be a list of URLs or { url: … } entries, or a mapping URL -> settings as in .redfort.yaml, not a text (value not shown)'],
      ['defaults: S3cret-x\n', 'f.yaml:1: defaults must be a mapping (key: value), not a text (value not shown)'],
      ['targets:\n  - { url: redis://a, tls: s3cret }\n', 'f.yaml:2: targets: tls must be true or false, not a text (value not shown)'],
      ['targets:\n  - { url: redis://a, db: s3cret }\n', 'f.yaml:2: targets: db must be a whole number from 0 to 2147483647, not a text (value not shown)'],
      ['targets:\n  - { url: redis://a, db: 2147483648 }\n', 'f.yaml:2: targets: db must be a whole number from 0 to 2147483647, not the number given (value not shown)'],
      ['targets:\n  - { url: redis://a, user: 123456 }\n', 'f.yaml:2: targets: user must be a non-empty string, not the number given (value not shown)'],
      ['targets:\n  - 123456\n', 'f.yaml:2: targets must be a non-empty string, not the number given (value not shown)'],
      ['targets:\n  - { url: redis://a, labels: { "s3cret pw": x } }\n', "f.yaml:2: targets: labels: a label name (not shown) must be letters, digits, '_', '.', '/' or '-' (at most 63)"],
      ['targets:\n  - { url: redis://a, group: s3cret }\ngroups: { ops: {} }\n', "f.yaml:2: targets: redis://a: unknown group (value not shown): the groups are 'ops'"],
      ['groups:\n  "S3cret pw": { colour: x }\ntargets: [a]\n', "f.yaml:2: groups: a group (its name not shown): unknown key 'colour' (expected user, passwordEnv, passwordFile, password, cacert, cacertdir, cert, key, sni, tls, insecure, db, labels, sampleData, distroPackage, cluster, sentinel, replication, nodeOverrides)"],
      ['targets:\n  - |s3cret\n    x\n', 'f.yaml:2: Block scalar header includes extra characters (not shown)'],
      ['targets:\n  - "a\\qs3cret"\n', 'f.yaml:2: Invalid escape sequence (not shown)'],
    ] as const) {
      assert.throws(() => parseInventory(text, 'f.yaml'), (error: Error) => {
        assert.equal(error.message, message);
        return true;
      });
    }
  });

  // QA42-5: `url: " redis://h:1"` was trimmed and taken (a host:port with a blank was 'not a target'); the schema refuses
  // both. Refused alike, naming the target without its password when it is shaped as one.
  it('a target with a blank before or after it, inside the quotes, is refused saying so, as the schema refuses it', () => {
    for (const [text, message] of [
      ['targets:\n  - url: " redis://h:1"\n', "f.yaml:2: targets: the target 'redis://h:1' has a blank before or after it, inside the quotes: remove it"],
      ['targets:\n  - "redis://u:s3cret@h:1\\t"\n', "f.yaml:2: targets: the target 'redis://u@h:1' has a blank before or after it, inside the quotes: remove it"],
      ['targets:\n  - "h:1 "\n', "f.yaml:2: targets: the target 'h:1' has a blank before or after it, inside the quotes: remove it"],
      ['targets:\n  " redis://h:1": {}\n', "f.yaml:2: targets: the target 'redis://h:1' has a blank before or after it, inside the quotes: remove it"],
      ['targets:\n  - " S3cr3t!pa$$word"\n', 'f.yaml:2: targets: the target (not shown) has a blank before or after it, inside the quotes: remove it'],
    ] as const) {
      assert.throws(() => parseInventory(text, 'f.yaml'), (error: Error) => {
        assert.equal(error.message, message);
        return true;
      });
    }
    // A line of a plain list is trimmed, as every line is.
    assert.deepEqual(parseInventory('  redis://h:1  \n', 'list.txt').targets.map((t) => t.spec), ['redis://h:1']);
  });

  // QA42-13: a comment after a URL (as nmap's -iL takes it) was an invalid target; a UTF-16 file 'not a target URL'.
  it('a # comment after a URL is a comment; a UTF-16 file is said to be one', () => {
    const inventory = parseInventory('redis://db1:6379  # primary\nredis://db2:6380\t# replica\n# all\n', 'list.txt');
    assert.deepEqual(inventory.targets.map((t) => [t.spec, t.source.line]), [['redis://db1:6379', 1], ['redis://db2:6380', 2]]);
    for (const bytes of [Buffer.from('\ufeffredis://db1:6379\n', 'utf16le'), Buffer.from('targets: []\n', 'utf16le'), Buffer.from('\ufeffredis://db1:6379\n', 'utf16le').swap16()]) {
      assert.throws(() => parseInventory(bytes.toString('utf8'), 'u16.txt'), /^SettingsError: u16\.txt: the file is UTF-16 \(every other byte NUL/);
    }
    assert.throws(() => parseInventory('redis://db1:6379#x\n', 'list.txt'), /query strings and fragments are not supported/);
  });

  // Was '(not shown: 26 characters that are no URL or host:port)': the URL is one, with a query string redfort refuses.
  it('a URL with ?query or #fragment: says so, naming the line, quoting the URL up to it (password left out)', () => {
    assert.throws(() => parseInventory('redis://a\nredis://h:6379/0?timeout=5\n', 'list.txt'), (error: Error) => {
      assert.equal(error.message, "list.txt:2: invalid target 'redis://h:6379/0' followed by 10 characters from '?' (not shown): query strings and fragments are not supported");
      return true;
    });
    assert.throws(() => parseInventory('rediss://u:s3cret@h:6380#x\n', 'list.txt'), (error: Error) => {
      assert.equal(error.message, "list.txt:1: invalid target 'rediss://u@h:6380' followed by 2 characters from '#' (not shown): query strings and fragments are not supported");
      assert.ok(!error.message.includes('s3cret'));
      return true;
    });
    assert.throws(() => parseInventory('targets:\n  - url: redis://h?db=1\n', 'f.yaml'), /^SettingsError: f\.yaml:2: targets: invalid target 'redis:\/\/h' followed by 5 characters from '\?' \(not shown\): query strings/);
    // QA42-1: a password holding an unencoded `?` or `#` (the mistake this error is for) was shown up to that character.
    for (const [text, file] of [
      ['redis://u:S3cretPart?rest@127.0.0.1:6379\n', 'inv.txt'],
      ['redis://u:S3cretPart#x@h:6379\n', 'inv.txt'],
      ['targets: ["redis://u:S3cretPart#x@h:6379"]\n', 'inv.yaml'],
      ['targets:\n  - url: "redis://u:S3cretPart?x@h:6379"\n', 'inv.yaml'],
    ] as const) {
      assert.throws(() => parseInventory(text, file), (error: Error) => {
        assert.ok(!error.message.includes('S3cret'), error.message);
        assert.match(error.message, /invalid target 'redis:\/\/u…'/);
        return true;
      });
    }
  });

  // `%YAML 1.2` first was read as one URL a line ('invalid target (not shown: 9 characters ...)').
  it('YAML by its own markers too: a %YAML directive, a --- with a comment; a second document is named', () => {
    for (const text of ['%YAML 1.2\n---\ntargets:\n  - redis://a\n', '--- # fleet\ntargets:\n  - redis://a\n', '# fleet\n---\ntargets:\n  - redis://a\n']) {
      assert.deepEqual(parseInventory(text, 'f.yaml').targets.map((t) => t.spec), ['redis://a'], text);
    }
    assert.throws(() => parseInventory('%YAML 1.2\n---\ntargets:\n  - redis://a\n---\ntargets:\n  - redis://b\n', 'f.yaml'), (error: Error) => {
      assert.equal(error.message, 'f.yaml:5: a second YAML document starts here: the file must hold one document (one `---` at most)');
      return true;
    });
  });

  it('a passwordFile with a control character (/proc/self/environ) fails that target and is sent nowhere', async () => {
    const inv = parseInventory('targets:\n  - { url: redis://a, passwordFile: /proc/self/environ }\n  - { url: redis://b, passwordFile: /ok }\n', 'f');
    const resolved = await resolveInventory(inv, {}, {}, async (path) => (path === '/ok' ? 'tab\tis-fine\n' : 'HOME=/root\0TOKEN=ghp_secret\0'));
    assert.deepEqual(resolved.map((r) => (r.ok ? targetPassword(r.target) : r.error)), [
      "f:2: the password file '/proc/self/environ' holds a control character on its first line: not a password file",
      'tab\tis-fine',
    ]);
  });

  it('a passwordFile is read as the exporter reads one: its first line, the line ending stripped', async () => {
    const inv = parseInventory('targets:\n  - { url: redis://a, passwordFile: /crlf }\n  - { url: redis://b, passwordFile: /empty }\n', 'f');
    const files: Record<string, string> = { '/crlf': 'first\r\nsecond line\n', '/empty': '\nsecond\n' };
    const resolved = await resolveInventory(inv, {}, {}, async (path) => files[path]!);
    assert.deepEqual(resolved.map((r) => (r.ok ? targetPassword(r.target) : r.error)), ['first', "f:3: the password file '/empty' is empty"]);
  });

  it("the defaults' or a group's TLS files apply to the targets that use TLS, and are ignored for redis:// ones (QA42-4)", async () => {
    const inv = parseInventory('defaults: { cacert: /ca.pem, insecure: true, sni: s.example }\ngroups:\n  g: { cert: /c.pem, key: /k.pem }\ntargets:\n  - redis://127.0.0.1:23303\n  - { url: redis://h:2, group: g }\n  - { url: rediss://h:3, group: g }\n', 'mix.yaml');
    const resolved = await resolveInventory(inv, {}, {}, () => Promise.reject(new Error('no file')));
    assert.deepEqual(resolved.map((r) => (r.ok ? [r.target.display, r.target.tls?.caFile, r.target.tls?.certFile] : r.error)), [
      ['redis://127.0.0.1:23303', undefined, undefined],
      ['redis://h:2', undefined, undefined],
      ['rediss://h:3', '/ca.pem', '/c.pem'],
    ]);
  });

  it('a TLS key on a target without TLS, or cert without key, names the YAML key at its line, not a flag', async () => {
    // It said '--cacert needs --tls or a rediss:// URL': flags the inventory does not have.
    const text = [
      'defaults:', '  user: auditor', 'groups:', '  secure:', '    cacert: /ca.pem',
      'targets:', '  - url: redis://a', '    cacert: /ca.pem', '  - { url: redis://b, group: secure }', '  - { url: rediss://c, cert: /c.pem }',
      '  - url: redis://d', '    tls: true', '    key: /k.pem', '  - { url: redis://e, sni: e.example, insecure: false }', '  - redis://f',
    ].join('\n');
    const inv = parseInventory(`${text}\n`, 'f.yaml');
    const resolved = await resolveInventory(inv, {}, {}, () => Promise.reject(new Error('no file')));
    assert.deepEqual(resolved.map((r) => (r.ok ? r.target.display : r.error)), [
      "f.yaml:8: cacert needs 'tls: true' or a rediss:// URL (target 'redis://a')",
      // A group's (or the defaults') TLS files serve its TLS targets and are ignored for a redis:// one (QA42-4).
      'redis://auditor@b:6379',
      "f.yaml:10: cert needs key beside it: a client certificate and its private key go together (target 'rediss://c')",
      "f.yaml:13: key needs cert beside it: a client certificate and its private key go together (target 'redis://d')",
      "f.yaml:14: sni needs 'tls: true' or a rediss:// URL (target 'redis://e')",
      'redis://auditor@f:6379',
    ]);
    // The command line's --tls and --cert make them whole; its own flags keep the flags' wording.
    const withTls = await resolveInventory(inv, { tls: true, cert: '/c.pem', key: '/k.pem' }, {}, () => Promise.reject(new Error('no file')));
    assert.deepEqual(withTls.map((r) => r.ok), [true, true, true, true, true, true]);
    const flag = await resolveInventory(parseInventory('targets:\n  - redis://a\n', 'g.yaml'), { cacert: '/ca.pem' }, {}, () => Promise.reject(new Error('no file')));
    assert.deepEqual(flag.map((r) => (r.ok ? 'ok' : r.error)), ["g.yaml:2: invalid target 'redis://a': --cacert needs --tls or a rediss:// URL"]);
  });

  it('an unset passwordEnv or a missing passwordFile fails that target only', async () => {
    const inv = parseInventory('targets:\n  - { url: redis://a, passwordEnv: SET_PW }\n  - { url: redis://b, passwordEnv: UNSET_PW }\n  - { url: redis://c, passwordFile: /nope }\n', 'f');
    const resolved = await resolveInventory(inv, {}, { SET_PW: 's3cret' }, () => Promise.reject(new Error('no such file')));
    assert.equal(resolved[0]!.ok && targetPassword(resolved[0]!.target), 's3cret');
    assert.deepEqual(resolved.slice(1).map((r) => (r.ok ? 'ok' : r.error)), [
      'f:3: passwordEnv names UNSET_PW, which is not set',
      "f:4: cannot read the password file '/nope': no such file",
    ]);
  });

  // QA42-12: the likely slip with a key called passwordEnv is the password itself in its place, and an alphanumeric
  // password is a valid variable name: "passwordEnv names Kq9xS3cretPassw0rd, which is not set" went to stderr and to
  // every report format. A name is shown only in a variable name's upper case.
  it('an unset passwordEnv whose name is not in upper case is not shown: it may be the password itself (QA42-12)', async () => {
    const inv = parseInventory('targets:\n  - { url: redis://a, passwordEnv: Kq9xS3cretPassw0rd }\n  - { url: redis://b, passwordEnv: db_pw }\n  - { url: redis://c, passwordEnv: DB2_PW }\n', 'pe.yaml');
    const resolved = await resolveInventory(inv, {}, {}, () => Promise.reject(new Error('no such file')));
    assert.deepEqual(resolved.map((r) => (r.ok ? 'ok' : r.error)), [
      "pe.yaml:2: passwordEnv names an environment variable that is not set (name not shown: 18 characters, not in a variable name's upper case: is it the password itself?)",
      "pe.yaml:3: passwordEnv names an environment variable that is not set (name not shown: 5 characters, not in a variable name's upper case: is it the password itself?)",
      'pe.yaml:4: passwordEnv names DB2_PW, which is not set',
    ]);
    // .redfort.yaml's targets and the exporter's modules say it the same way.
    const { flagsFor } = await import('../../src/settings/targets.ts');
    const { parseSettings } = await import('../../src/settings/parse.ts');
    const settings = parseSettings('targets:\n  redis://a:6379: { passwordEnv: Kq9xS3cretPassw0rd }\n', '.redfort.yaml', { ruleIds: [] });
    assert.throws(() => flagsFor('redis://a:6379', {}, settings, {}), (error: Error) => !error.message.includes('Kq9xS3cret') && /name not shown: 18 characters/.test(error.message));
    const { parseExporterConfig } = await import('../../src/exporter/config.ts');
    await assert.rejects(
      parseExporterConfig('modules:\n  default: { passwordEnv: Kq9xS3cretPassw0rd }\nallow: [127.0.0.1:1]\n', 'e.yaml', { env: {}, ruleIds: [], readFile: () => Promise.reject(new Error('no file')) }),
      (error: Error) => !error.message.includes('Kq9xS3cret') && /^e\.yaml:2: modules: default: passwordEnv names an environment variable that is not set \(name not shown: 18 characters/.test(error.message),
    );
  });

  // QA42-17: --pass beside --targets went to every server in place of each entry's own, without a word.
  it('--pass and --user beside an inventory: one warning naming the entries whose own they replace; their passwords are not read (QA42-17)', async () => {
    const inv = parseInventory('targets:\n  - redis://a\n  - { url: redis://b, passwordEnv: B_PW }\n  - { url: redis://c, passwordFile: /nope, user: u }\n  - redis://:pw@d\n', 'px.yaml');
    const warnings: InventoryWarning[] = [];
    const resolved = await resolveInventory(inv, { pass: 'S3cret', user: 'auditor' }, {}, () => Promise.reject(new Error('no such file')), (w) => warnings.push(w));
    assert.deepEqual(resolved.map((r) => r.ok && targetPassword(r.target)), ['S3cret', 'S3cret', 'S3cret', 'S3cret']);
    assert.deepEqual(warnings.map((w) => [w.kind, w.message, w.source]), [
      ['inventory', "--pass replaces the password of 3 inventory entries that give their own (px.yaml:3, 4, 5): they get the command line's", undefined],
      ['inventory', "--user replaces the user of 1 inventory entry that gives its own (px.yaml:4): it gets the command line's", undefined],
    ]);
    const none: InventoryWarning[] = [];
    await resolveInventory(parseInventory('targets:\n  - redis://a\n', 'p.yaml'), { pass: 'S3cret' }, {}, () => Promise.reject(new Error('x')), (w) => none.push(w));
    assert.deepEqual(none, []);
  });

  it('a target whose password cannot be read is named as when it is audited (QA38-5)', async () => {
    // The report's `target`, the baseline's not-audited check and a dashboard key on the name: one name per server.
    const text = 'defaults: { user: auditor }\ntargets:\n  - { url: 127.0.0.1:7001, tls: true, cacert: /ca.pem, user: default, passwordEnv: PW }\n  - { url: redis://127.0.0.1:7002, passwordFile: /pw }\n  - { url: redis://127.0.0.1:7003, sentinel: true, nodeOverrides: { master: { passwordEnv: PW } } }\n';
    const inv = parseInventory(text, 'f.yaml');
    const names = async (env: Record<string, string>) =>
      (await resolveInventory(inv, {}, env, async () => (env.PW ? env.PW : Promise.reject(new Error('no such file'))), undefined, { nodeOverrides: () => true })).map((r) => (r.ok ? r.target.display : r.display));
    const audited = await names({ PW: 'a-password-0123456789' });
    assert.deepEqual(audited, ['rediss://default@127.0.0.1:7001', 'redis://auditor@127.0.0.1:7002', 'redis://auditor@127.0.0.1:7003']);
    assert.deepEqual(await names({}), audited);
  });
});

// QA36-17: an inventory had no way to reach a deployment's nodes with other credentials than the seed's (a Sentinel
// group whose sentinels and data nodes have other passwords). `nodeOverrides`, keyed as --node-override's KEY.
describe('nodeOverrides', () => {
  const nodesExample = doc.split('## Nodes with other credentials')[1]!.split('```yaml\n')[1]!.split('```')[0]!;
  const noFile = () => Promise.reject(new Error('no such file'));
  const deployments = { nodeOverrides: () => true };

  it("parses docs/inventory.md's example, which the schema accepts; keys as discovery looks them up, lines kept", () => {
    assert.equal(schema(parse(nodesExample)), true, JSON.stringify(schema.errors));
    const inv = parseInventory(nodesExample, 'fleet.yaml');
    assert.deepEqual(inv.targets[0]!.nodeOverrides, [
      { key: 'master', connection: { user: 'auditor', passwordEnv: 'DATA_PASSWORD' }, line: 6, keyLines: { user: 6, passwordEnv: 6 } },
      { key: 'replica', connection: { user: 'auditor', passwordEnv: 'DATA_PASSWORD' }, line: 7, keyLines: { user: 7, passwordEnv: 7 } },
      { key: '10.0.5.24:6379', connection: { passwordFile: '/etc/redfort/legacy.pw' }, line: 8, keyLines: { passwordFile: 8 } },
    ]);
    assert.equal(inv.targets[0]!.ownNodeOverrides, 5);
  });

  it('merged key by key, target over group over defaults; the key in lower case, the port a number', () => {
    const text = [
      'defaults: { nodeOverrides: { master: { passwordEnv: D_PW }, sentinel: { user: s } } }',
      'groups:',
      '  g: { nodeOverrides: { Master: { passwordEnv: G_PW }, "Redis-B.internal:06379": { user: b } } }',
      'targets:',
      '  - { url: redis://a, group: g, sentinel: true, nodeOverrides: { sentinel: { user: t } } }',
      '  - { url: redis://b, cluster: true }',
      '',
    ].join('\n');
    // As the parser, the schema takes a role in any case (QA39-50: it flagged `Master`, which redfort takes).
    assert.equal(schema(parse(text)), true, JSON.stringify(schema.errors));
    const inv = parseInventory(text, 'f.yaml');
    const view = (i: number) => inv.targets[i]!.nodeOverrides?.map((o) => [o.key, o.connection, o.line]);
    assert.deepEqual(view(0), [['master', { passwordEnv: 'G_PW' }, 3], ['sentinel', { user: 't' }, 5], ['redis-b.internal:6379', { user: 'b' }, 3]]);
    assert.deepEqual(view(1), [['master', { passwordEnv: 'D_PW' }, 1], ['sentinel', { user: 's' }, 1]]);
    assert.equal(inv.targets[1]!.ownNodeOverrides, undefined);
  });

  for (const [name, body, error] of [
    ['a key that is no role', '{ replicas: { user: a } }', /^SettingsError: f\.yaml:3: targets: nodeOverrides: 'replicas' is no node: a key is master, replica, sentinel or a node's host:port .* \(did you mean 'replica'\?\)$/],
    ['a host without its port', '{ "10.0.0.5": { user: a } }', /^SettingsError: f\.yaml:3: targets: nodeOverrides: '10\.0\.0\.5' is no node/],
    ['a URL with a password as a key (not shown)', '{ "redis://:Hunter2-secret@h:1": { user: a } }', /^SettingsError: f\.yaml:3: targets: nodeOverrides: \(not shown: 27 characters that are no role or host:port\) is no node/],
    ['a key given twice', '{ Master: { user: a }, master: { user: b } }', /^SettingsError: f\.yaml:3: targets: nodeOverrides: master is given twice$/],
    ['a url', '{ master: { url: "redis://x" } }', /^SettingsError: f\.yaml:3: targets: nodeOverrides: master: unknown key 'url' \(expected user, passwordEnv, passwordFile, password, cacert, cacertdir, cert, key, sni, tls, insecure\)$/],
    ['two password sources', '{ master: { passwordEnv: A, passwordFile: b } }', /^SettingsError: f\.yaml:3: targets: nodeOverrides: master: passwordEnv and passwordFile exclude each other/],
    ['an empty override', '{ master: {} }', /^SettingsError: f\.yaml:3: targets: nodeOverrides: master says nothing/],
    ['a list', '[ master ]', /^SettingsError: f\.yaml:3: targets: nodeOverrides must be a mapping \(key: value\), not a list$/],
    ['a password as passwordEnv (not shown)', '{ master: { passwordEnv: "pa ss" } }', /^SettingsError: f\.yaml:3: targets: nodeOverrides: master: passwordEnv must be an environment variable name \(the value is not shown/],
  ] as const) {
    it(`refuses ${name}, naming the line and never the value`, () => {
      assert.throws(() => parseInventory(`targets:\n  - url: redis://a\n    nodeOverrides: ${body}\n`, 'f.yaml'), (e: Error) => {
        assert.match(String(e), error);
        assert.doesNotMatch(String(e), /Hunter2|pa ss/);
        return true;
      });
    });
  }

  it("an inline password is warned of at its line; the schema refuses what the parser refuses", () => {
    const inv = parseInventory('targets:\n  - url: redis://a\n    sentinel: true\n    nodeOverrides:\n      master: { password: inline-pw }\n', 'f.yaml');
    assert.deepEqual(messages(inv.warnings), ['f.yaml:5: a password written in the inventory is readable by anyone who can read the file: prefer passwordEnv or passwordFile']);
    for (const body of ['{ replicas: { user: a } }', '{ master: {} }', '{ master: { url: x } }', '{ master: { passwordEnv: A, password: b } }']) {
      assert.equal(schema(parse(`targets:\n  - url: redis://a\n    nodeOverrides: ${body}\n`)), false, body);
    }
  });

  it("resolved from the seed's settings, each key the override gives replacing the seed's", async () => {
    const text = [
      'targets:',
      '  - url: rediss://auditor@seed:26379',
      '    sentinel: true',
      '    passwordEnv: SEED_PW',
      '    cacert: /ca.pem',
      '    nodeOverrides:',
      '      master: { passwordEnv: DATA_PW }',
      '      replica: { user: default, passwordFile: /data.pw, cert: /c.pem, key: /k.pem }',
      '      "10.0.0.9:6380": { tls: false }',
      '',
    ].join('\n');
    const inv = parseInventory(text, 'f.yaml');
    const [r] = await resolveInventory(inv, {}, { SEED_PW: 'seed-pw', DATA_PW: 'data-pw' }, async () => 'file-pw\n', undefined, deployments);
    assert.ok(r?.ok);
    const o = r.nodeOverrides!;
    const view = (key: string) => { const t = o.get(key)!; return [t.display, t.username, targetPassword(t), t.tls && { ...t.tls }]; };
    assert.deepEqual(view('master'), ['rediss://auditor@seed:26379', 'auditor', 'data-pw', { caFile: '/ca.pem', insecure: false }]);
    assert.deepEqual(view('replica'), ['rediss://default@seed:26379', 'default', 'file-pw', { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem', insecure: false }]);
    assert.deepEqual(view('10.0.0.9:6380'), ['redis://auditor@10.0.0.9:6380', 'auditor', 'seed-pw', undefined]);
    assert.deepEqual([...r.nodeOverrideSources!].map(([key, s]) => [key, `${s.path}:${s.line}`]), [['master', 'f.yaml:7'], ['replica', 'f.yaml:8'], ['10.0.0.9:6380', 'f.yaml:9']]);
    assert.deepEqual([...r.nodeOverridePasswords!].sort(), ['data-pw', 'file-pw', 'seed-pw']);
    // Not asked for (the exporter, a target audited alone): no override is resolved, no password looked up.
    const [alone] = await resolveInventory(inv, {}, { SEED_PW: 'seed-pw' }, noFile);
    assert.ok(alone?.ok);
    assert.equal(alone.nodeOverrides, undefined);
  });

  it('an override that cannot be had fails that target alone, naming the line of its key', async () => {
    const text = [
      'targets:',
      '  - { url: redis://a, sentinel: true, nodeOverrides: { master: { passwordEnv: UNSET_PW } } }',
      '  - url: redis://b',
      '    sentinel: true',
      '    nodeOverrides:',
      '      replica:',
      '        passwordFile: /nope',
      '  - { url: redis://c, sentinel: true, nodeOverrides: { master: { cacert: /ca.pem } } }',
      '  - { url: redis://d, sentinel: true, nodeOverrides: { master: { tls: true, cert: /c.pem } } }',
      '  - { url: redis://e, cluster: true }',
      '',
    ].join('\n');
    const resolved = await resolveInventory(parseInventory(text, 'f.yaml'), {}, {}, noFile, undefined, deployments);
    assert.deepEqual(resolved.map((r) => (r.ok ? r.target.display : r.error)), [
      "f.yaml:2: nodeOverrides: master: passwordEnv names UNSET_PW, which is not set (target 'redis://a')",
      "f.yaml:7: nodeOverrides: replica: cannot read the password file '/nope': no such file (target 'redis://b')",
      "f.yaml:8: nodeOverrides: master: cacert needs 'tls: true' (here or for the target) or a rediss:// URL (target 'redis://c')",
      "f.yaml:9: nodeOverrides: master: cert needs key beside it: a client certificate and its private key go together (target 'redis://d')",
      'redis://e:6379',
    ]);
  });
});

// A passwordFile naming the TLS key (`client.key`) sent the key's armour line as the password: the server said only
// WRONGPASS (and logged a failed AUTH), with nothing naming the inventory line. A file saved "UTF-8 with BOM" sent
// the mark with the password: WRONGPASS too. Real 7.0.15 with requirepass.
describe('passwordFile: a PEM file is refused naming the line, a byte order mark is dropped', () => {
  it('audits the BOM target, fails the PEM one without sending it', async () => {
    const password = 'inventory-pw-0123456789abcdef';
    const server = await startRedis({ conf: `requirepass ${password}`, password, killOnStop: true });
    const dir = mkdtempSync(join(tmpdir(), 'redfort-inventory-pw-'));
    try {
      writeFileSync(join(dir, 'client.key'), '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n');
      writeFileSync(join(dir, 'bom.pw'), `\uFEFF${password}\r\n`, { mode: 0o600 });
      const inv = join(dir, 'fleet.yaml');
      writeFileSync(inv, `targets:\n  - { url: "redis://127.0.0.1:${server.port}/1", passwordFile: client.key }\n  - { url: "redis://127.0.0.1:${server.port}/2", passwordFile: bom.pw }\n`);
      const out = join(dir, 'report.json');
      const run = await redfort(['audit', '--targets', inv, '--no-host', '--no-probe', '--fail-on', 'none', '--format', 'json', '-o', out]);
      assert.equal(run.stderr, `redfort: ${inv}:2: the password file '${join(dir, 'client.key')}' is a PEM file (a key or a certificate), not a password file\n`);
      const report = JSON.parse(readFileSync(out, 'utf8')) as { targets: { target: string; error?: string }[] };
      assert.deepEqual(report.targets.map((t) => t.error ?? 'audited'), [`${inv}:2: the password file '${join(dir, 'client.key')}' is a PEM file (a key or a certificate), not a password file`, 'audited']);
      const log = await rawCommand(server.host, server.port, ['ACL', 'LOG'], { password });
      assert.deepEqual(log, [], 'no AUTH failed on the server');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await server.stop();
    }
  });
});

// A connect-time TLS file error of an inventory target named the command-line flag ("cannot read the --cacert file"),
// which the inventory has not: it names the YAML key and its line now; a flag of the command line keeps the flag's
// wording. Real TLS 7.0.15 (client certificates required): the good target is audited.
describe('inventory TLS files: errors name the inventory key and line', () => {
  it('a missing cacert, a cert and key that do not match; the flag keeps its name', async () => {
    const server = await startRedis({ tls: true, killOnStop: true });
    const certs = server.certs!;
    const dir = mkdtempSync(join(tmpdir(), 'redfort-inventory-tls-'));
    try {
      const at = `127.0.0.1:${server.port}`;
      const inv = join(dir, 'fleet.yaml');
      writeFileSync(inv, [
        'defaults:', `  cacert: ${certs.ca}`, 'targets:',
        `  - url: rediss://${at}/1`, `    cacert: ${join(dir, 'missing.pem')}`,
        `  - url: rediss://${at}/2`, `    cert: ${certs.clientCert}`, `    key: ${certs.probeKey}`,
        `  - url: rediss://${at}/3`, `    cacertdir: ${join(dir, 'nodir')}`, `    cert: ${certs.clientCert}`, `    key: ${certs.clientKey}`,
        `  - { url: "rediss://${at}/4", cert: ${certs.clientCert}, key: ${certs.clientKey} }`, '',
      ].join('\n'));
      const out = join(dir, 'report.json');
      const errors = async (...flags: string[]) => {
        await redfort(['audit', '--targets', inv, ...flags, '--no-host', '--no-probe', '--fail-on', 'none', '--format', 'json', '-o', out]);
        return (JSON.parse(readFileSync(out, 'utf8')) as { targets: { error?: string }[] }).targets.map((t) => t.error ?? 'audited');
      };
      assert.deepEqual(await errors(), [
        `cannot read the cacert file '${join(dir, 'missing.pem')}' (${inv}:5): no such file or directory`,
        `the cert file '${certs.clientCert}' (${inv}:7) and the key file '${certs.probeKey}' (${inv}:8) do not match: the key is not the certificate's`,
        `cannot read the cacertdir directory '${join(dir, 'nodir')}' (${inv}:10): no such file or directory`,
        'audited',
      ]);
      // The command line's --cacert wins over the inventory's, and is named as the flag.
      assert.deepEqual((await errors('--cacert', join(dir, 'flag.pem'))).slice(0, 1), [`cannot read the --cacert file '${join(dir, 'flag.pem')}': no such file or directory`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await server.stop();
    }
  });
});

// A passwordFile is any path the inventory names: a FIFO (open(2) without a writer would wait for ever), a device
// (/dev/zero never ends), a directory, a 100 MB file are one line each naming the inventory line, and no error
// quotes a byte of the file.
describe('passwordFile: only a regular file of at most 64 KiB, never echoed', () => {
  it('a FIFO, /dev/zero, a directory and a 100 MB file fail their target alone, in one line each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'redfort-inventory-pwfile-'));
    try {
      execFileSync('mkfifo', [join(dir, 'fifo')]);
      mkdirSync(join(dir, 'adir'));
      writeFileSync(join(dir, 'big.pw'), 'big-file-secret-line\n');
      truncateSync(join(dir, 'big.pw'), 100 * 1024 * 1024);
      const inv = join(dir, 'fleet.yaml');
      writeFileSync(inv, `targets:\n${['fifo', '/dev/zero', 'adir', 'big.pw'].map((f, i) => `  - { url: "redis://127.0.0.1:1/${i}", passwordFile: ${f} }\n`).join('')}`);
      const out = join(dir, 'report.json');
      const started = Date.now();
      const run = await redfort(['audit', '--targets', inv, '--no-host', '--no-probe', '--fail-on', 'none', '--format', 'json', '-o', out]);
      assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
      const errors = (JSON.parse(readFileSync(out, 'utf8')) as { targets: { error?: string }[] }).targets.map((t) => t.error);
      assert.deepEqual(errors, [
        `${inv}:2: cannot read the password file '${join(dir, 'fifo')}': a FIFO, not a regular file`,
        `${inv}:3: cannot read the password file '/dev/zero': a character device, not a regular file`,
        `${inv}:4: cannot read the password file '${join(dir, 'adir')}': is a directory`,
        `${inv}:5: cannot read the password file '${join(dir, 'big.pw')}': larger than 64 KiB, the most redfort reads of one file`,
      ]);
      assert.doesNotMatch(run.stdout + run.stderr + readFileSync(out, 'utf8'), /big-file-secret-line/);
      assert.equal(run.stderr.split('\n').filter((l) => l.startsWith('redfort: ') && l.includes('password file')).length, 4, run.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
