import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { isAllowed, parseAllowEntry } from '../../src/exporter/allow.ts';
import type { AllowEntry } from '../../src/exporter/allow.ts';
import { ExporterConfigError, parseExporterConfig } from '../../src/exporter/config.ts';
import { renderProbe } from '../../src/exporter/metrics.ts';
import { loadInventoryTargets } from '../../src/exporter/inventory.ts';
import type { ProbeSnapshot } from '../../src/exporter/metrics.ts';
import { RULES } from '../../src/rules/index.ts';
import { makeCerts } from '../harness/certs.ts';
import { runCli } from '../report/cli-run.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const EXAMPLES = join(ROOT, 'examples', 'prometheus');

function parse(yaml: string, env: Record<string, string> = {}, files: Record<string, string> = {}) {
  return parseExporterConfig(yaml, '/etc/redfort/exporter.yaml', {
    env,
    readFile: async (path) => {
      if (path in files) return files[path]!;
      throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    },
    ruleIds: RULES.map((r) => r.id),
  });
}

async function parseError(yaml: string, env: Record<string, string> = {}): Promise<string> {
  try {
    await parse(yaml, env);
  } catch (error) {
    assert.ok(error instanceof ExporterConfigError, String(error));
    return error.message;
  }
  assert.fail('expected an ExporterConfigError');
}

const snapshot: ProbeSnapshot = {
  success: true,
  durationSeconds: 0.0123,
  finishedAt: 1_800_000_000,
  rules: [
    { rule: 'auth.no-authentication', section: 'Account', severity: 'critical', status: 'fail' },
    { rule: 'network.protected-mode-off', section: 'Foundation', severity: 'critical', status: 'pass' },
    { rule: 'host.runs-as-root', section: 'Foundation', severity: 'high', status: 'skip' },
    { rule: 'cluster.master-count', section: 'Cluster extras', severity: 'medium', status: 'skip' },
  ],
  server: { product: 'redis', version: '7.0.15', role: 'master' },
  endOfLife: 1,
  certificates: [{ listener: 'target', notAfter: 1_900_000_000 }],
  unauthenticated: 1,
};

describe('exporter config', () => {
  it('a double-quoted text of more than 1 MiB is one line naming it, before the yaml library builds it', async () => {
    assert.equal(await parseError(`modules:\n  default: { user: "${'u'.repeat(1_500_000)}" }\n`), '/etc/redfort/exporter.yaml:2: a double-quoted text of 1,500,002 characters (not shown): no value here is longer than 1,048,576');
  });

  it('a document nested thousands deep is one line saying so, not the parser\'s stack overflow', async () => {
    await assert.rejects(parse(`targets: ${'['.repeat(5000)}${']'.repeat(5000)}\n`), /exporter\.yaml:1: nested too deeply to read/);
  });

  // QA39-56: the yaml library records no error for an alias to no anchor; its value was read as empty.
  it('an alias that names no anchor before it is one line naming it and its line', async () => {
    assert.equal(await parseError('modules:\n  default: *nope\nallow: [127.0.0.1:1]\n'), '/etc/redfort/exporter.yaml:2: alias *nope names no anchor set before it: an alias repeats the value of an anchor (&name) written above it');
  });

  // QA39-51: block mappings closed by one dedented line made the yaml library throw V8's RangeError out of parseDocument.
  it('block mappings nested thousands deep, then a dedented line: one line at the line the parser reached', async () => {
    const deep = `modules:\n  default: {}\n${Array.from({ length: 2500 }, (_, i) => `${' '.repeat(i)}k:\n`).join('')}listen: 127.0.0.1:9779\n`;
    assert.equal(await parseError(deep), '/etc/redfort/exporter.yaml:2503: nested too deeply to read (thousands of levels)');
  });

  it('reads the shape of the issue', async () => {
    const config = await parse(
      `listen: 127.0.0.1:9779
modules:
  default: { user: auditor, passwordEnv: REDIS_AUDITOR_PASSWORD, host: false, probe: true }
  tls: { tls: true, cacert: ca.pem, passwordFile: /run/secrets/pw, rules: { tls: off, tls.certificate: on }, thresholds: { certExpiryDays: 14 }, cacheSeconds: 60 }
allow:
  - 127.0.0.1:6379-6399        # host:port or host:port range
  - 10.20.0.0/16:6379          # CIDR:port
inventory: inventory.yaml
`,
      { REDIS_AUDITOR_PASSWORD: 's3cret' },
      { '/run/secrets/pw': 'from-file\n' },
    );
    assert.equal(config.listen, '127.0.0.1:9779');
    const def = config.modules.get('default')!;
    assert.equal(def.user, 'auditor');
    assert.equal(def.password, 's3cret');
    assert.equal(def.host, false);
    assert.equal(def.cacheSeconds, 0);
    const tls = config.modules.get('tls')!;
    assert.equal(tls.password, 'from-file');
    assert.equal(tls.cacert, '/etc/redfort/ca.pem');
    assert.equal(tls.thresholds.certExpiryDays, 14);
    assert.ok(tls.disabled.has('tls.disabled'));
    assert.ok(!tls.disabled.has('tls.certificate'));
    assert.equal(config.inventory, '/etc/redfort/inventory.yaml');
    assert.equal(config.allow.length, 2);
  });

  it('a passwordFile or bearerTokenFile is read as the inventory reads one: its first line, the line ending stripped', async () => {
    const files = { '/pw': 'first\r\nsecond line\n', '/token': 'tok\n\0binary after the first line', '/empty': '\nsecond\n' };
    const config = await parse('modules:\n  default: { passwordFile: /pw }\nallow: [127.0.0.1:1]\nweb: { bearerTokenFile: /token }\n', {}, files);
    assert.equal(config.modules.get('default')!.password, 'first');
    assert.equal(config.web.bearerToken, 'tok');
    await assert.rejects(parse('modules:\n  default: { passwordFile: /empty }\nallow: [127.0.0.1:1]\n', {}, files), {
      message: "/etc/redfort/exporter.yaml:2: modules: default: passwordFile '/empty' is empty",
    });
  });

  it('names the line of every mistake', async () => {
    assert.match(await parseError('modules: { default: {} }\nallow: [127.0.0.1:1]\nlisten: 9779\n'), /exporter\.yaml:3: listen must be ADDRESS:PORT/);
    assert.match(await parseError('modules:\n  default: { pasword: x }\nallow: [127.0.0.1:1]\n'), /:2: modules: default: unknown key 'pasword'/);
    assert.match(await parseError('modules:\n  default: { passwordEnv: NOPE }\nallow: [127.0.0.1:1]\n'), /:2: modules: default: passwordEnv names NOPE, which is not set/);
    assert.match(await parseError('modules:\n  default: { passwordFile: /no/such }\nallow: [127.0.0.1:1]\n'), /:2: modules: default: cannot read passwordFile '\/no\/such': no such file/);
    await assert.rejects(parse('modules:\n  default: { passwordFile: /proc/self/environ }\nallow: [127.0.0.1:1]\n', {}, { '/proc/self/environ': 'HOME=/root\0TOKEN=x\0' }), {
      message: "/etc/redfort/exporter.yaml:2: modules: default: passwordFile '/proc/self/environ' holds a control character on its first line: not a password file",
    });
    assert.match(await parseError('modules: { default: {} }\nallow:\n  - 10.0.0.0/33:6379\n'), /:3: allow: '10\.0\.0\.0\/33:6379': '10\.0\.0\.0\/33' is not a CIDR network/);
    assert.match(await parseError('modules: { default: {} }\nallow:\n  - 127.0.0.1:6400-6379\n'), /:3: allow: .*ports must be/);
    assert.match(await parseError('modules:\n  default: { rules: { nosuch.rule: off } }\nallow: [127.0.0.1:1]\n'), /:2: modules: default: rules: unknown rule or area 'nosuch\.rule'/);
    assert.match(await parseError('modules: { default: {} }\n'), /allow or inventory: name the targets/);
    assert.match(await parseError('root:$6$salt$hash:19000:0:99999:7:::\n'), /^\/etc\/redfort\/exporter\.yaml:1: the exporter config: unknown key \(not shown: 35 characters that are no key name\)/);
    // A dotted or long key of a file given by mistake (a password file, a redis.conf read as YAML) is not echoed.
    assert.match(await parseError('S3cret.pw: x\n'), /^\/etc\/redfort\/exporter\.yaml:1: the exporter config: unknown key \(not shown: 9 characters that are no key name\)/);
    assert.match(await parseError(`modules:\n  default: { ${'k'.repeat(41)}: x }\nallow: [127.0.0.1:1]\n`), /:2: modules: default: unknown key \(not shown: 41 characters that are no key name\)/);
    assert.match(await parseError('allow: [127.0.0.1:1]\n'), /modules: at least one module/);
    assert.match(await parseError('modules: { default: {} }\nallow: [127.0.0.1:1]\nweb: { basicAuth: { username: p } }\n'), /:3: web: basicAuth needs passwordEnv or passwordFile/);
  });
});

// `inventory: /dev/zero` said `/dev/zero: cannot read the inventory: …`, without the exporter config's file:line.
describe('exporter config: an inventory that cannot be read', () => {
  it('one line naming the config file and the line of inventory:, and why; exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redfort-exporter-inventory-'));
    try {
      const cases: [string, RegExp][] = [
        ['/dev/zero', /a character device, not a regular file/],
        [dir, /is a directory/],
        [join(dir, 'missing.yaml'), /no such file/],
      ];
      for (const [inventory, why] of cases) {
        const config = join(dir, 'exporter.yaml');
        await writeFile(config, `modules: { default: { probe: true } }\nallow: [127.0.0.1:6379]\ninventory: ${inventory}\n`);
        const result = await runCli(['exporter', '--config', config, '--listen', '127.0.0.1:0']);
        assert.equal(result.code, 2, result.stderr);
        assert.equal(result.stderr.split('\n').length, 2, result.stderr);
        assert.ok(result.stderr.startsWith(`redfort: ${config}:3: cannot read inventory '${inventory}': `), result.stderr);
        assert.match(result.stderr, why);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// QA39-52: the exporter read its `inventory:` with its config's 1 MiB and refused one of 12,000 targets (1.1 MB) that
// `redfort audit --targets` reads (64 MiB): one fleet inventory could not serve both.
describe('exporter inventory: read as audit --targets reads it', () => {
  it('an inventory over 1 MiB is parsed (to the mistake on its last line); a passwordFile over 64 KiB is refused as the audit refuses it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redfort-exporter-big-'));
    try {
      const big = join(dir, 'big.yaml');
      const entries = Array.from({ length: 12_000 }, (_, i) => `  - { url: redis://10.1.${i >> 8}.${i & 255}:6379, labels: { team: payments, env: prod, region: eu-west-1 } }\n`);
      await writeFile(big, `targets:\n${entries.join('')}  - { url: redis://10.2.0.1:6379, colour: blue }\n`);
      const config = join(dir, 'exporter.yaml');
      await writeFile(config, `modules: { default: { probe: true } }\ninventory: big.yaml\n`);
      const result = await runCli(['exporter', '--config', config, '--listen', '127.0.0.1:0']);
      assert.equal(result.code, 2, result.stderr);
      assert.ok(result.stderr.startsWith(`redfort: ${big}:12002: targets: unknown key 'colour' (expected url, group,`), result.stderr);
      assert.equal(result.stderr.split('\n').length, 2, result.stderr);
      // The audit's limit of a password file, 64 KiB, where the exporter's own files may hold 1 MiB.
      await writeFile(join(dir, 'pw.txt'), `${'x'.repeat(70_000)}\n`, { mode: 0o600 });
      await writeFile(join(dir, 'inv.yaml'), 'targets:\n  - { url: redis://127.0.0.1:6379, passwordFile: pw.txt }\n');
      await writeFile(config, `modules: { default: { probe: true } }\ninventory: inv.yaml\n`);
      const secret = await runCli(['exporter', '--config', config, '--listen', '127.0.0.1:0']);
      assert.equal(secret.code, 2, secret.stderr);
      assert.equal(secret.stderr, `redfort: ${join(dir, 'inv.yaml')}:2: cannot read the password file '${join(dir, 'pw.txt')}': larger than 64 KiB, the most redfort reads of one file\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// QA35-7: an inventory listing one host:port twice kept the last entry, its user and password, without a word.
describe('exporter inventory: one host:port listed twice', () => {
  it('two entries that reach it differently: one line naming the second and the first, exit 2, no secret', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redfort-exporter-twice-'));
    try {
      const inventory = join(dir, 'inv2.yaml');
      await writeFile(inventory, `targets:\n  - { url: redis://127.0.0.1:27003, user: aud, passwordEnv: BETA_PW }\n  - { url: redis://127.0.0.1:27003, user: nosuch, password: WrongInline-123456 }\n`);
      const config = join(dir, 'exporter.yaml');
      await writeFile(config, `modules: { default: { host: false } }\ninventory: ${inventory}\n`);
      const result = await runCli(['exporter', '--config', config, '--listen', '127.0.0.1:0'], { env: { BETA_PW: 'BetaSecret-98765' } });
      assert.equal(result.code, 2, result.stderr);
      const lines = result.stderr.trimEnd().split('\n');
      // The inline password's warning, then the error.
      assert.equal(lines.at(-1), `redfort: ${inventory}:3: 127.0.0.1:27003 is already listed at line 2 with another user and password: the exporter looks a scrape's target up by host:port, so one entry must say how to reach it`, result.stderr);
      assert.equal(lines.filter((l) => !l.includes('warning:')).length, 1, result.stderr);
      assert.doesNotMatch(result.stderr, /BetaSecret|WrongInline/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names what differs (database, scheme, TLS files); entries alike are one warning naming both lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redfort-exporter-twice-'));
    try {
      const certs = await makeCerts();
      const read = (p: string) => readFile(p, 'utf8');
      const cases: [string, string][] = [
        ['redis://127.0.0.1:6390\n# a comment\nredis://127.0.0.1:6390/2\n', ':3: 127.0.0.1:6390 is already listed at line 1 with another database:'],
        ['db.example:6390\nrediss://DB.example:6390\n', ':2: DB.example:6390 is already listed at line 1 with another scheme (redis:// or rediss://):'],
        [`targets:\n  - { url: rediss://127.0.0.1:6390, cacert: ${certs.ca} }\n  - { url: rediss://127.0.0.1:6390, cacert: ${certs.otherCa} }\n`, ':3: 127.0.0.1:6390 is already listed at line 2 with another TLS setting:'],
      ];
      for (const [text, message] of cases) {
        const path = join(dir, 'inventory.yaml');
        await writeFile(path, text);
        await assert.rejects(loadInventoryTargets(path, {}, read), (error: Error) => error instanceof ExporterConfigError && error.message.startsWith(`${path}${message}`), text);
      }
      // The same server reached alike, written alike or not: a warning, and the exporter uses it. The audit's own
      // "it is audited twice" is not said: a scrape audits it once.
      const path = join(dir, 'alike.yaml');
      await writeFile(path, `defaults: { passwordEnv: PW }\ntargets:\n  - url: redis://127.0.0.1:6390\n  - url: 127.0.0.1:6390\n    labels: { team: a }\n  - url: redis://127.0.0.1:6390\n`);
      const { targets, warnings } = await loadInventoryTargets(path, { PW: 'Alike-Secret-1234' }, read);
      assert.equal(targets.size, 1);
      assert.deepEqual(warnings.map((w) => w.message), [
        `${path}:4: 127.0.0.1:6390 is listed twice (first at line 3), alike: the exporter uses the first`,
        `${path}:6: 127.0.0.1:6390 is listed twice (first at line 3), alike: the exporter uses the first`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // TWIN-2: the first ten "listed twice" were counted among every warning of the inventory (its inline passwords too):
  // ten lines with a password written in them left none of its duplicates named, only "1 more target is listed twice".
  it('the duplicates named one by one are the first ten duplicates, whatever else the inventory is warned of', async () => {
    const text = [...Array.from({ length: 10 }, (_, i) => `redis://:pw-${i}@h${i}:6390`), 'redis://:pw-0@h0:6390', ''].join('\n');
    const { targets, warnings } = await loadInventoryTargets('inv.txt', {}, async () => text);
    assert.equal(targets.size, 10);
    assert.deepEqual(warnings.filter((w) => w.kind === 'listed-twice'), [
      { kind: 'listed-twice', message: 'inv.txt:11: h0:6390 is listed twice (first at line 1), alike: the exporter uses the first', source: { kind: 'file', path: 'inv.txt', line: 11 } },
    ]);
  });
});

describe('exporter config: certificates and keys that do not go together', () => {
  it('web tlsCert/tlsKey and a module\'s cert/key: one line naming both files and the line, at start', async () => {
    const certs = await makeCerts();
    const files = Object.fromEntries(await Promise.all([certs.serverCert, certs.serverKey, certs.clientKey].map(async (f) => [f, await readFile(f, 'utf8')] as const)));
    const error = async (yaml: string) => parse(yaml, {}, files).then(() => assert.fail('expected an error'), (e: unknown) => (e as Error).message);
    assert.equal(
      await error(`modules: { default: {} }\nallow: [127.0.0.1:1]\nweb:\n  tlsCert: ${certs.serverCert}\n  tlsKey: ${certs.clientKey}\n`),
      `/etc/redfort/exporter.yaml:5: web: tlsCert '${certs.serverCert}' and tlsKey '${certs.clientKey}' do not match: the key is not the certificate's`,
    );
    assert.equal(
      await error(`modules:\n  tls:\n    cert: ${certs.serverCert}\n    key: ${certs.clientKey}\nallow: [127.0.0.1:1]\n`),
      `/etc/redfort/exporter.yaml:4: modules: tls: cert '${certs.serverCert}' and key '${certs.clientKey}' do not match: the key is not the certificate's`,
    );
    assert.match(await error(`modules: { default: {} }\nallow: [127.0.0.1:1]\nweb: { tlsCert: ${certs.serverCert}, tlsKey: /no/such.key }\n`), /:3: web: cannot read tlsKey '\/no\/such\.key': no such file/);
    // A pair that goes together; a module's file that cannot be read now is left to each probe, which names it.
    const config = await parse(`modules:\n  tls: { cert: ${certs.serverCert}, key: /not/yet.key }\nallow: [127.0.0.1:1]\nweb: { tlsCert: ${certs.serverCert}, tlsKey: ${certs.serverKey} }\n`, {}, files);
    assert.equal(config.web.tlsKey, certs.serverKey);
  });
});

describe('allowlist', () => {
  const entries = ['127.0.0.1:6379-6399', '10.20.0.0/16:6379', 'db1.internal:6380', '[fd00::/8]:6379', '[::1]:7000'].map((t) => parseAllowEntry(t) as AllowEntry);
  const cases: [string, number, boolean][] = [
    ['127.0.0.1', 6379, true],
    ['127.0.0.1', 6399, true],
    ['127.0.0.1', 6400, false],
    ['127.0.0.2', 6379, false],
    ['10.20.255.1', 6379, true],
    ['10.21.0.1', 6379, false],
    ['10.20.0.1', 6380, false],
    ['db1.internal', 6380, true],
    ['DB1.internal.', 6380, true],
    ['db2.internal', 6380, false],
    // A name is never resolved: localhost is not 127.0.0.1 for the allowlist.
    ['localhost', 6379, false],
    ['fd12::1', 6379, true],
    ['fe80::1', 6379, false],
    ['::1', 7000, true],
  ];
  for (const [host, port, allowed] of cases) {
    it(`${host}:${port} is ${allowed ? 'allowed' : 'refused'}`, () => assert.equal(isAllowed(entries, host, port), allowed));
  }
  it('rejects malformed entries', () => {
    for (const text of ['127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', 'a b:1', '::1:6379', '10.0.0.0/8:*', '300.1.1.1:6379', '10.0.0.256:6379']) assert.equal(typeof parseAllowEntry(text), 'string', text);
    assert.equal(parseAllowEntry('300.1.1.1:6379'), "'300.1.1.1:6379': '300.1.1.1' is not an IPv4 address");
  });
});

describe('probe metrics', () => {

  it('passes promtool check metrics (names, HELP, TYPE, units)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redfort-metrics-'));
    try {
      for (const [name, s] of [['ok', snapshot], ['failed', { success: false, reason: 'refused', durationSeconds: 1, finishedAt: 1, rules: [], certificates: [] }]] as const) {
        const file = join(dir, `${name}.prom`);
        await writeFile(file, renderProbe(s, 'text', { cacheAgeSeconds: 0 }));
        const { stdout, stderr } = await run('sh', ['-c', `promtool check metrics < '${file}'`]);
        assert.equal(`${stdout}${stderr}`.trim(), '', `${name}: promtool says`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows only bounded labels: rule ids, severities, sections, statuses, product, version, role', () => {
    const text = renderProbe(snapshot, 'text', { cacheAgeSeconds: 0 });
    const allowed = new Set(['rule', 'severity', 'section', 'status', 'product', 'version', 'role', 'listener']);
    for (const match of text.matchAll(/[{,]([a-z_]+)="/g)) assert.ok(allowed.has(match[1]!), match[1]);
  });

  it('renders a failed probe as success 0 with nothing else about the target', () => {
    const text = renderProbe({ success: false, reason: 'ECONNREFUSED', durationSeconds: 0.5, finishedAt: 1, rules: [], certificates: [] }, 'openmetrics', { cacheAgeSeconds: 0 });
    assert.match(text, /^redfort_probe_success 0$/m);
    assert.doesNotMatch(text, /redfort_rule_failed|ECONNREFUSED/);
    assert.ok(text.endsWith('# EOF\n'));
  });
});

describe('examples/prometheus', () => {
  it('promtool checks the alert rules, runs their unit tests and checks both Prometheus configs', async () => {
    await run('promtool', ['check', 'rules', join(EXAMPLES, 'rules', 'redfort.rules.yml')]);
    await run('promtool', ['test', 'rules', join(EXAMPLES, 'rules', 'redfort.rules.test.yml')]);
    await run('promtool', ['check', 'config', join(EXAMPLES, 'prometheus.yml')]);
    await run('promtool', ['check', 'config', join(EXAMPLES, 'sharded', 'prometheus-shard.yml')]);
  });

  it('the dashboard and the rules query only metrics the exporter exports', async () => {
    const exported = new Set([
      'redfort_probe_success', 'redfort_probe_duration_seconds', 'redfort_probe_cache_age_seconds', 'redfort_audit_timestamp_seconds',
      'redfort_rule_failed', 'redfort_rule_skipped', 'redfort_failures', 'redfort_rules', 'redfort_server_info',
      'redfort_version_end_of_life', 'redfort_unauthenticated_access', 'redfort_tls_certificate_expiry_timestamp_seconds',
    ]);
    const rendered = renderProbe(snapshot, 'text', { cacheAgeSeconds: 0 });
    for (const name of exported) assert.match(rendered, new RegExp(`^# TYPE ${name} `, 'm'));
    const dashboard = JSON.parse(await readFile(join(EXAMPLES, 'grafana', 'redfort-posture.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const rules = await readFile(join(EXAMPLES, 'rules', 'redfort.rules.yml'), 'utf8');
    const exprs = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), rules];
    for (const expr of exprs) for (const m of expr.matchAll(/redfort_[a-z_]+/g)) assert.ok(exported.has(m[0]), `${m[0]} is not exported`);
  });
});
