import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSettings } from '../../src/settings/parse.ts';
import { SettingsError } from '../../src/settings/types.ts';
import { RULES } from '../../src/rules/index.ts';

const ruleIds = RULES.map((r) => r.id);
const parse = (text: string) => parseSettings(text, 'conf/.redfort.yaml', { ruleIds, baseDir: '/srv/app/conf' });

/** The one-line error for `text`, which must be a SettingsError. */
function error(text: string): string {
  try {
    parse(text);
  } catch (e) {
    assert.ok(e instanceof SettingsError, String(e));
    assert.ok(!e.message.includes('\n'), `not one line: ${e.message}`);
    return e.message;
  }
  assert.fail('no error');
}

const FULL = `# every setting
failOn: medium
rules:
  tls: off
  tls.certificate: on
  network.default-port: off
  auth: low
  auth.no-authentication: critical
thresholds:
  backupMaxAgeHours: 48
  minPasswordLength: 20
  certExpiryDays: 0
targets:
  redis://db1.internal:6380:
    user: auditor
    passwordEnv: DB1_REDIS_PASSWORD
    tls: true
    cacert: certs/ca.crt
    cert: /etc/ssl/client.crt
    key: /etc/ssl/client.key
    sni: db1.internal
    insecure: false
  db2:6379: {}
  "[::1]:7000":
    db: 2
suppressions:
  - rule: auth.requirepass-used
    target: redis://db1.internal:6380
    reason: legacy clients only speak AUTH <password>; OPS-123
    expires: 2027-01-31
  - rule: logging
    reason: logs are shipped by the container runtime
`;

describe('.redfort.yaml', () => {
  it('a document nested thousands deep is one line saying so, not the parser\'s stack overflow', () => {
    assert.throws(() => parse(`suppress: ${'['.repeat(5000)}${']'.repeat(5000)}\n`), /conf\/\.redfort\.yaml:1: nested too deeply to read/);
  });

  // QA41-60: 4 MB of brackets took the yaml library 161 s and 2.2 GB before it said "nested too deeply"; 1,000 levels
  // 1.5 s. The nesting is refused before the library sees it, at its line, in milliseconds.
  it('flow brackets nested past 256 levels are refused at once, at their line', () => {
    const started = process.hrtime.bigint();
    assert.throws(() => parse(`failOn: high\nsuppress: ${'['.repeat(400_000)}${']'.repeat(400_000)}\n`), /^SettingsError: conf\/\.redfort\.yaml:2: nested too deeply to read \(more than 256 levels\)$/);
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 1000, 'refused in well under a second');
    assert.throws(() => parse(`suppress:\n  - {a: ${'{a: '.repeat(300)}1${'}'.repeat(300)}}\n`), /^SettingsError: conf\/\.redfort\.yaml:2: nested too deeply to read \(more than 256 levels\)$/);
    assert.throws(() => parse(`suppress:\n${'- '.repeat(300)}x\n`), /^SettingsError: conf\/\.redfort\.yaml:2: nested too deeply to read \(more than 256 levels\)$/);
  });

  it('brackets in plain scalars, quoted scalars and comments are no nesting', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `  - rule: auth.requirepass-used\n    reason: "see [ticket ${i} {"  # [[[ {{{\n  - rule: logging\n    reason: 'it''s [${i} {'`);
    assert.doesNotThrow(() => parse(`suppressions:\n${lines.join('\n')}\n`));
    assert.doesNotThrow(() => parse(`suppressions:\n${Array.from({ length: 300 }, (_, i) => `  - rule: logging\n    reason: a[b{c ${i}`).join('\n')}\n`));
  });

  // QA39-56: `rules: *nope` was read as no rules section.
  it('an alias that names no anchor before it is one line naming it and its line', () => {
    assert.throws(() => parse('failOn: high\nrules: *nope\n'), /^SettingsError: conf\/\.redfort\.yaml:2: alias \*nope names no anchor set before it/);
  });

  // QA39-51: thousands of block mappings closed by one dedented line made the yaml library throw V8's RangeError out
  // of parseDocument: `redfort: unexpected error: Maximum call stack size exceeded`, no file or line.
  it('block mappings nested thousands deep, then a dedented line: the same one line, at the line the parser reached', () => {
    const deep = `${Array.from({ length: 2500 }, (_, i) => `${' '.repeat(i)}k:\n`).join('')}failOn: high\n`;
    assert.throws(() => parse(deep), /^SettingsError: conf\/\.redfort\.yaml:2501: nested too deeply to read \(thousands of levels\)$/);
  });

  it('reads every setting', () => {
    const s = parse(FULL);
    assert.equal(s.path, 'conf/.redfort.yaml');
    assert.equal(s.failOn, 'medium');
    assert.deepEqual([...s.severityOverrides], [['auth', 'low'], ['auth.no-authentication', 'critical']]);
    const tls = RULES.filter((r) => r.id.startsWith('tls.') && r.id !== 'tls.certificate').map((r) => r.id);
    assert.deepEqual([...s.disabled].sort(), [...tls, 'network.default-port'].sort());
    // Where each was turned off: the entry of its area, or of its id.
    assert.deepEqual([...s.disabledBy!.keys()].sort(), [...s.disabled].sort());
    assert.deepEqual(s.disabledBy!.get('tls.disabled'), { rule: 'tls', path: 'conf/.redfort.yaml', line: 4 });
    assert.deepEqual(s.disabledBy!.get('network.default-port'), { rule: 'network.default-port', path: 'conf/.redfort.yaml', line: 6 });
    assert.deepEqual(s.thresholds, { backupMaxAgeHours: 48, minPasswordLength: 20, certExpiryDays: 0 });
    assert.deepEqual(
      s.targets.map((t) => [t.spec, t.source.line]),
      [['redis://db1.internal:6380', 14], ['db2:6379', 23], ['[::1]:7000', 24]],
    );
    assert.deepEqual(s.targets[0]!.defaults, {
      user: 'auditor',
      passwordEnv: 'DB1_REDIS_PASSWORD',
      tls: true,
      cacert: '/srv/app/conf/certs/ca.crt',
      cert: '/etc/ssl/client.crt',
      key: '/etc/ssl/client.key',
      sni: 'db1.internal',
      insecure: false,
    });
    assert.deepEqual(s.targets[2]!.defaults, { db: 2 });
    assert.deepEqual(s.suppressions, [
      {
        rule: 'auth.requirepass-used',
        target: 'redis://db1.internal:6380',
        reason: 'legacy clients only speak AUTH <password>; OPS-123',
        expires: '2027-01-31',
        source: { kind: 'file', path: 'conf/.redfort.yaml', line: 27 },
      },
      { rule: 'logging', reason: 'logs are shipped by the container runtime', source: { kind: 'file', path: 'conf/.redfort.yaml', line: 31 } },
    ]);
  });

  it('accepts an empty file and empty sections', () => {
    const s = parse('');
    assert.equal(s.failOn, undefined);
    assert.equal(s.disabled.size, 0);
    assert.deepEqual(parse('# nothing yet\nrules:\nsuppressions:\n').suppressions, []);
  });

  it('names the file and line of each mistake', () => {
    const cases: [string, RegExp][] = [
      ['failon: high', /^conf\/\.redfort\.yaml:1: the settings file: unknown key 'failon' \(expected failOn, rules, thresholds, targets, suppressions\)$/],
      ['failOn: severe', /^conf\/\.redfort\.yaml:1: failOn must be one of critical, high, medium, low, info, none; not 'severe'$/],
      ['rules:\n  tls.disabled: off\n  tls.nope: off', /:3: rules: unknown rule or area 'tls\.nope'/],
      ['rules:\n  tls: disable', /:2: rules: tls must be off, on or a severity/],
      ['rules:\n  tls: false', /:2: rules: tls must be a non-empty string, not false/],
      ['rules: [tls]', /:1: rules must be a mapping \(key: value\), not a list/],
      ['thresholds:\n  minPasswordLength: "20"', /:2: thresholds: minPasswordLength must be a whole number from 1 to 1024, not "20"/],
      ['thresholds:\n  certExpiryDays: -1', /:2: thresholds: certExpiryDays must be a whole number from 0 to 3650, not -1/],
      ['thresholds:\n  backupMaxAge: 3', /:2: thresholds: unknown key 'backupMaxAge'/],
      ['targets:\n  db1:6379:\n    db: 2147483648', /:3: targets: db1:6379: db must be a whole number from 0 to 2147483647, not 2147483648$/],
      ['targets:\n  db1:6379:\n    password: hunter2', /:3: targets: db1:6379: unknown key 'password': a password never goes in the settings file; name an environment variable with passwordEnv/],
      ['targets:\n  redis://u:hunter2@db1:6379: {}', /:2: targets: a password never goes in the settings file/],
      ['targets:\n  db1:6379:\n    tls: "yes"', /:3: targets: db1:6379: tls must be true or false, not "yes"/],
      ['targets:\n  db1:6379:\n    passwordEnv: "$PW"', /:3: targets: db1:6379: passwordEnv must be an environment variable name/],
      // A password pasted where its variable's name goes is not echoed.
      ['targets:\n  db1:6379:\n    passwordEnv: "s3cret pw!"', /:3: targets: db1:6379: passwordEnv must be an environment variable name \(the value is not shown: it may be the password itself\)$/],
      ['targets:\n  db1:99999: {}', /:2: targets: invalid target 'db1:99999'/],
      ['suppressions:\n  - rule: tls.disabled', /:2: suppressions: an entry has no 'reason'/],
      ['suppressions:\n  - rule: tls.disabled\n    reason: "  "', /:3: suppressions: reason must say why/],
      ['suppressions:\n  - reason: x\n    rule: tls.nope', /:3: suppressions: unknown rule or area 'tls\.nope'/],
      ['suppressions:\n  - rule: tls.disabled\n    reason: x\n    expires: 2027-02-30', /:4: suppressions: expires must be a date YYYY-MM-DD, not '2027-02-30'/],
      ['suppressions:\n  - rule: tls.disabled\n    reason: x\n    until: 2027-02-01', /:4: suppressions: unknown key 'until'/],
      ['suppressions:\n  rule: tls.disabled', /:2: suppressions must be a list/],
      ['rules:\n  tls: off\n  tls: low', /:3: Map keys must be unique/],
      ['rules:\n  tls: off\n bad: [', /^conf\/\.redfort\.yaml:\d+: /],
      ['- just\n- a list', /:1: the settings file must be a mapping/],
      // A file that is no settings file is not echoed: /proc/self/environ is one long scalar, /etc/shadow one odd key.
      ['HOME=/root\0TOKEN=ghp_0123456789abcdef\0LANG=C.UTF-8\0', /^conf\/\.redfort\.yaml:1: the settings file must be a mapping \(key: value\), not a text \(not shown: 51 characters\)$/],
      // The whole file as one scalar is never quoted, however short: an ACL file or a password file given by mistake.
      ['user default on >s3cret-Pw ~* +@all\n', /^conf\/\.redfort\.yaml:1: the settings file must be a mapping \(key: value\), not a text \(not shown: 35 characters\)$/],
      ['hunter2\n', /^conf\/\.redfort\.yaml:1: the settings file must be a mapping \(key: value\), not a text \(not shown: 7 characters\)$/],
      // A value under a key still is, when short and printable; else its length.
      ['thresholds:\n  minPasswordLength: "twenty chars"', /:2: thresholds: minPasswordLength must be a whole number from 1 to 1024, not "twenty chars"$/],
      ['thresholds:\n  minPasswordLength: "tab\\there"', /:2: thresholds: minPasswordLength must be a whole number from 1 to 1024, not a text \(not shown: 8 characters\)$/],
      ['root:$6$salt$hash:19000:0:99999:7:::', /^conf\/\.redfort\.yaml:1: the settings file: unknown key \(not shown: 35 characters that are no key name\) \(expected/],
    ];
    for (const [text, pattern] of cases) assert.match(error(text), pattern, text);
  });

  it('lets an id beat its area whatever the order', () => {
    const s = parse('rules:\n  tls.certificate: high\n  tls: off\n');
    assert.ok(!s.disabled.has('tls.certificate'));
    assert.ok(s.disabled.has('tls.disabled'));
    assert.equal(s.severityOverrides.get('tls.certificate'), 'high');
  });

  it('a double-quoted text of more than 1 MiB is refused before the yaml library builds it a character at a time', () => {
    assert.equal(error(`failOn: high\nsuppressions:\n  - { rule: tls, reason: "${'r'.repeat(2_000_000)}" }\n`), 'conf/.redfort.yaml:3: a double-quoted text of 2,000,002 characters (not shown): no value here is longer than 1,048,576');
  });
});
