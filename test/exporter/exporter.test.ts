import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { parseExporterConfig } from '../../src/exporter/config.ts';
import { loadInventoryTargets } from '../../src/exporter/inventory.ts';
import type { InventoryTargets } from '../../src/exporter/inventory.ts';
import { openListener, startExporter } from '../../src/exporter/server.ts';
import type { RunningExporter } from '../../src/exporter/server.ts';
import { RULES } from '../../src/rules/index.ts';
import { auditTarget, gatherTarget } from '../../src/app/audit.ts';
import { readTcpSockets } from '../../src/gather/host/proc.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { makeCerts } from '../harness/certs.ts';
import { startFakeServer } from '../helpers/fake-resp-server.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { freePort, startRedis, stopAll } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';
import type { RunningServer } from '../harness/servers.ts';

// The exporter in this process against real servers: the allowlist, the deadline, reuse, auth, secrets.
after(stopAll);

const password = randomBytes(16).toString('hex');
const token = randomBytes(16).toString('hex');

interface Recorder {
  readonly port: number;
  connections: number;
  close(): void;
}

/** A listening socket that records connects and never answers: a silent server. */
async function recorder(): Promise<Recorder> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    rec.connections += 1;
    sockets.add(socket);
    socket.on('error', () => {});
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const rec: Recorder = {
    port,
    connections: 0,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
  return rec;
}

async function exporterWith(yaml: string, logs: string[], inventory?: InventoryTargets): Promise<RunningExporter> {
  const config = await parseExporterConfig(yaml, 'exporter.yaml', {
    env: { TEST_PASSWORD: password, TEST_TOKEN: token },
    readFile: (path) => readFile(path, 'utf8'),
    ruleIds: RULES.map((r) => r.id),
  });
  return startExporter({ config, listen: '127.0.0.1:0', log: (line) => logs.push(line), ...(inventory ? { inventory } : {}) });
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; type: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' };
}

function sample(body: string, name: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('redfort exporter', () => {
  let open: RunningServer;
  let locked: RunningServer;
  let silent: Recorder;
  let outside: Recorder;
  let exporter: RunningExporter;
  const logs: string[] = [];
  let connectsPerAudit = 0;

  before(async () => {
    [open, locked, silent, outside] = await Promise.all([
      startRedis({ conf: 'protected-mode no' }),
      startRedis({ conf: `requirepass ${password}`, password }),
      recorder(),
      recorder(),
    ]);
    exporter = await exporterWith(
      `modules:
  default: { passwordEnv: TEST_PASSWORD, cacheSeconds: 0 }
  open: { cacheSeconds: 300 }
allow:
  - 127.0.0.1:${open.port}
  - 127.0.0.1:${locked.port}
  - 127.0.0.1:${silent.port}
`,
      logs,
    );
  });
  after(async () => {
    await exporter?.close(1000);
    silent?.close();
    outside?.close();
  });

  it('audits an allowed target: rule series, failures, server identity', async () => {
    const res = await get(`${exporter.url}/probe?target=127.0.0.1:${open.port}&module=open`);
    assert.equal(res.status, 200);
    assert.match(res.type, /^text\/plain; version=0\.0\.4/);
    assert.equal(sample(res.body, 'redfort_probe_success'), 1);
    assert.match(res.body, /^redfort_rule_failed\{rule="auth\.no-authentication",severity="critical",section="Account"\} 1$/m);
    assert.match(res.body, /^redfort_failures\{severity="critical"\} [1-9]/m);
    assert.match(res.body, /^redfort_server_info\{product="redis",version="[\d.]+",role="master"\} 1$/m);
    assert.match(res.body, /^redfort_unauthenticated_access 1$/m);
    // A rule without its source (no host facts for this module) is skipped, never a pass.
    assert.match(res.body, /^redfort_rule_skipped\{rule="host\.runs-as-root",[^}]*status="skip"\} 1$/m);
    assert.doesNotMatch(res.body, /redfort_rule_failed\{rule="host\.runs-as-root"/);
  });

  it('answers OpenMetrics when asked', async () => {
    const res = await get(`${exporter.url}/probe?target=127.0.0.1:${open.port}&module=open`, { accept: 'application/openmetrics-text;version=1.0.0,text/plain;q=0.5' });
    assert.match(res.type, /^application\/openmetrics-text; version=1\.0\.0/);
    assert.match(res.body, /^# TYPE redfort_server info$/m);
    assert.ok(res.body.endsWith('# EOF\n'));
  });

  it('refuses a target off the allowlist with 403 and never connects to it', async () => {
    for (const target of [`127.0.0.1:${outside.port}`, `redis://127.0.0.1:${outside.port}`, `localhost:${outside.port}`]) {
      const res = await get(`${exporter.url}/probe?target=${encodeURIComponent(target)}`);
      assert.equal(res.status, 403, target);
    }
    // The silent recorder is allowed: the same kind of socket does see a connection when one is made.
    await get(`${exporter.url}/probe?target=127.0.0.1:${silent.port}`, { 'x-prometheus-scrape-timeout-seconds': '0.7' });
    connectsPerAudit = silent.connections;
    assert.ok(connectsPerAudit > 0, 'the allowed recorder was connected to');
    assert.equal(outside.connections, 0);
  });

  it('refuses credentials in the target and unknown modules with 400', async () => {
    assert.equal((await get(`${exporter.url}/probe?target=${encodeURIComponent(`redis://:guess@127.0.0.1:${open.port}`)}`)).status, 400);
    // Nor is the refused password logged: the log line once held the target as the scrape wrote it. A lone user info
    // is a password to redis-cli (`redis://secret@host`): neither the log nor the reply shows it.
    const specs = [`redis://u:pw-in-url-1@127.0.0.1:${open.port}`, 'redis://u:pw-in-url-2@127.0.0.1:99999', 'pw-in-url-3@127.0.0.1:6379', `redis://pw-in-url-4@127.0.0.1:${open.port}`, 'rediss://pw-in-url-5@[::1'];
    for (const spec of specs) {
      const res = await get(`${exporter.url}/probe?target=${encodeURIComponent(spec)}`);
      assert.equal(res.status, 400, spec);
      assert.doesNotMatch(res.body, /pw-in-url/);
    }
    const refused = logs.filter((l) => l.includes('"outcome":"invalid"'));
    assert.ok(refused.some((l) => l.includes(`"target":"redis://127.0.0.1:${open.port}"`)), refused.join('\n'));
    for (const line of logs) assert.doesNotMatch(line, /pw-in-url/);
    assert.equal((await get(`${exporter.url}/probe?target=127.0.0.1:${open.port}&module=nope`)).status, 400);
    assert.equal((await get(`${exporter.url}/probe`)).status, 400);
    // The reason quotes the target and the module as written: a terminal escape or a NUL in them comes back escaped.
    const hostile = await get(`${exporter.url}/probe?target=${encodeURIComponent('\x1b[2J\x00:6379')}`);
    assert.equal(hostile.status, 400);
    assert.equal(hostile.body, "invalid target '\\u001b[2J\\u0000:6379': host '\\u001b[2J\\u0000' is not a valid host name or IP address\n");
    const module = await get(`${exporter.url}/probe?target=127.0.0.1:${open.port}&module=${encodeURIComponent('\x07\x1b]0;t')}`);
    assert.equal(module.status, 400);
    assert.doesNotMatch(module.body, /[\x00-\x08\x0b-\x1f\x7f]/);
  });

  it('refuses a target or module given twice with 400 and a reason, and connects to neither', async () => {
    // The first was audited, silently: '?target=A&target=B' audited A, and the log named A alone.
    const before = outside.connections;
    for (const query of [`target=127.0.0.1:${open.port}&target=127.0.0.1:${outside.port}`, `target=127.0.0.1:${outside.port}&target=127.0.0.1:${open.port}`, `target=127.0.0.1:${open.port}&target=127.0.0.1:${open.port}`]) {
      const res = await get(`${exporter.url}/probe?${query}&module=open`);
      assert.equal(res.status, 400, query);
      assert.equal(res.body, "the 'target' parameter is given 2 times: a scrape names one target\n", query);
    }
    const modules = await get(`${exporter.url}/probe?target=127.0.0.1:${open.port}&module=open&module=default`);
    assert.equal(modules.status, 400);
    assert.equal(modules.body, "the 'module' parameter is given 2 times: a scrape names one module\n");
    assert.equal(outside.connections, before);
  });

  it('times out a silent target within the scrape deadline, with the reason in the log, while a live target is answered', async () => {
    const order: string[] = [];
    const connects = silent.connections;
    const silentProbe = () => get(`${exporter.url}/probe?target=127.0.0.1:${silent.port}`, { 'x-prometheus-scrape-timeout-seconds': '3' });
    // Two scrapes of one target at once (an HA pair) share one audit.
    const slow = Promise.all([silentProbe(), silentProbe()]).then(([r]) => {
      order.push('silent');
      return r;
    });
    const fast = get(`${exporter.url}/probe?target=127.0.0.1:${locked.port}`).then((r) => {
      order.push('live');
      return r;
    });
    const [s, f] = await Promise.all([slow, fast]);
    assert.deepEqual(order, ['live', 'silent']);
    assert.equal(s.status, 200);
    assert.equal(sample(s.body, 'redfort_probe_success'), 0);
    assert.equal(sample(f.body, 'redfort_probe_success'), 1);
    assert.equal(silent.connections - connects, connectsPerAudit, 'two simultaneous scrapes made one audit');
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'probe' && l.target === `redis://127.0.0.1:${silent.port}` && l.outcome === 'timeout');
    assert.ok(line, `no timeout log line in:\n${logs.join('\n')}`);
    assert.match(line.reason, /timed out/);
  });

  // QA43-54: prom-client's defaults include three gauges named *_total, which promtool refuses; a team that lints every
  // exporter's /metrics in CI failed on redfort's.
  it('/metrics passes promtool check metrics', async () => {
    await get(`${exporter.url}/probe?target=${encodeURIComponent(`redis://127.0.0.1:${silent.port}/5`)}`, { 'x-prometheus-scrape-timeout-seconds': '1' });
    const body = (await get(`${exporter.url}/metrics`)).body;
    assert.match(body, /^redfort_exporter_probes_total\{/m);
    assert.match(body, /^process_cpu_seconds_total /m, "prom-client's process metrics are kept");
    const dir = await mkdtemp(join(tmpdir(), 'redfort-metrics-'));
    try {
      await writeFile(join(dir, 'metrics.prom'), body);
      const { stdout, stderr } = await promisify(execFile)('sh', ['-c', `promtool check metrics < '${join(dir, 'metrics.prom')}' 2>&1; echo "exit $?"`]);
      assert.equal(`${stdout}${stderr}`.trim(), 'exit 0', 'promtool says');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // QA35-6: the histogram said `failed` for a timed-out audit while the probe counter said `timeout`.
  it('labels a timed-out audit timeout in the duration histogram, as the probe counter does', async () => {
    const count = (body: string, name: string, outcome: string) => sample(body, `${name}{module="default",outcome="${outcome}"}`) ?? 0;
    const histogram = 'redfort_exporter_audit_duration_seconds_count';
    const before = (await get(`${exporter.url}/metrics`)).body;
    const res = await get(`${exporter.url}/probe?target=${encodeURIComponent(`redis://127.0.0.1:${silent.port}/7`)}`, { 'x-prometheus-scrape-timeout-seconds': '1.5' });
    assert.equal(sample(res.body, 'redfort_probe_success'), 0);
    // The audit is observed when it ends, which may be a moment after the scrape was answered.
    let after = (await get(`${exporter.url}/metrics`)).body;
    for (let i = 0; i < 50 && count(after, histogram, 'timeout') === count(before, histogram, 'timeout'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = (await get(`${exporter.url}/metrics`)).body;
    }
    assert.equal(count(after, 'redfort_exporter_probes_total', 'timeout') - count(before, 'redfort_exporter_probes_total', 'timeout'), 1);
    assert.equal(count(after, histogram, 'timeout') - count(before, histogram, 'timeout'), 1, after);
    assert.equal(count(after, histogram, 'failed'), count(before, histogram, 'failed'));
  });

  it("says in a timeout's reason how long the audit waited for a free slot", async () => {
    const slotLogs: string[] = [];
    const one = await exporterWith(`concurrency: 1\nmodules: { default: {} }\nallow: ['127.0.0.1:${silent.port}']\n`, slotLogs);
    try {
      const scrape = (db: number, timeout: string) => get(`${one.url}/probe?target=${encodeURIComponent(`redis://127.0.0.1:${silent.port}/${db}`)}`, { 'x-prometheus-scrape-timeout-seconds': timeout });
      // The first holds the only slot for 1.5 s; the second gets it then, and runs out of time on the silent server.
      // The others are sent once the first's audit has reached the silent server (it holds the slot then), not after a
      // fixed 50 ms: on a loaded machine a later scrape could take the slot first.
      const connects = silent.connections;
      const first = scrape(1, '2');
      await eventually('the first scrape to hold the slot', async () => silent.connections > connects, { timeoutMs: 10_000, intervalMs: 5 });
      const [, second, never] = await Promise.all([first, scrape(2, '3.5'), scrape(3, '1')]);
      assert.equal(sample(second.body, 'redfort_probe_success'), 0);
      const reasonOf = (db: number) => (JSON.parse(slotLogs.find((l) => l.includes(`:${silent.port}/${db}"`))!) as { outcome: string; reason: string });
      const late = reasonOf(2);
      assert.equal(late.outcome, 'timeout');
      const waited = /it waited (\d+\.\d) s for a free slot first \(concurrency 1\)$/.exec(late.reason);
      assert.ok(waited && Number(waited[1]) >= 1, late.reason);
      // The wait is counted once (QA39-55): the audit's own time and the wait add up to the scrape's 3 s; the reason
      // said 'timed out after 3.0 s' (wait included), then the wait again.
      const took = /^timed out after (\d+\.\d) s/.exec(late.reason);
      assert.ok(took && Number(took[1]) + Number(waited[1]) <= 3.3, late.reason);
      assert.ok(sample(second.body, 'redfort_probe_duration_seconds')! <= 3.3 - Number(waited[1]), second.body);
      assert.equal(sample(never.body, 'redfort_probe_success'), 0);
      assert.match(reasonOf(3).reason, /free slot/);
      assert.doesNotMatch(reasonOf(1).reason, /free slot/);
    } finally {
      await one.close(1000);
    }
  });

  it('reuses a result within cacheSeconds', async () => {
    const before = await get(`${exporter.url}/metrics`);
    const count = (body: string, module: string) => sample(body, `redfort_exporter_audit_duration_seconds_count{module="${module}",outcome="success"}`) ?? 0;
    // module open caches for 300 s: audited once above, reused now.
    const reused = await get(`${exporter.url}/probe?target=127.0.0.1:${open.port}&module=open`);
    assert.equal(sample(reused.body, 'redfort_probe_success'), 1);
    assert.ok(sample(reused.body, 'redfort_probe_cache_age_seconds')! > 0);
    const afterward = await get(`${exporter.url}/metrics`);
    assert.equal(count(afterward.body, 'open'), count(before.body, 'open'));
    assert.match(afterward.body, /^redfort_exporter_cache_hits_total\{module="open"\} [1-9]/m);
    assert.match(afterward.body, /^redfort_exporter_probes_total\{module="default",outcome="denied"\} [1-9]/m);
    assert.match(afterward.body, /^process_resident_memory_bytes /m);
  });

  it('warns at the start when it listens beyond loopback without TLS or authentication, and not on loopback', async () => {
    const config = await parseExporterConfig('modules:\n  default: { probe: false }\nallow:\n  - 127.0.0.1:1\n', 'exporter.yaml', { env: {}, readFile: (path) => readFile(path, 'utf8'), ruleIds: RULES.map((r) => r.id) });
    const warnings = async (listen: string): Promise<string[]> => {
      const lines: string[] = [];
      const exporter = await startExporter({ config, listen, log: (line) => lines.push(line) });
      await exporter.close(1000);
      return lines.map((l) => JSON.parse(l) as { level: string; msg: string }).filter((l) => l.level === 'warn').map((l) => l.msg);
    };
    const open = await warnings('0.0.0.0:0');
    assert.equal(open.length, 1, open.join('\n'));
    assert.match(open[0]!, /^listening beyond loopback without TLS \(web\.tlsCert, web\.tlsKey\) or authentication \(web\.basicAuth or a bearer token\): anyone who reaches this port/);
    assert.deepEqual(await warnings('127.0.0.1:0'), []);
    assert.equal(openListener('10.0.0.5', { tlsCert: 'c', tlsKey: 'k', basicAuth: { username: 'p', password: 'x' } }), undefined);
    assert.match(openListener('10.0.0.5', { bearerToken: 't' })!, /without TLS \(web\.tlsCert, web\.tlsKey\): .*in clear text$/);
    assert.match(openListener('::', { tlsCert: 'c', tlsKey: 'k' })!, /without authentication \(web\.basicAuth or a bearer token\): .*credentials$/);
    assert.equal(openListener('::1', {}), undefined);
  });

  it('logs one JSON line per probe and never a password', async () => {
    const res = await get(`${exporter.url}/probe?target=127.0.0.1:${locked.port}`);
    assert.ok(!res.body.includes(password));
    for (const line of logs) assert.ok(!line.includes(password), line);
    const probes = logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'probe');
    assert.ok(probes.every((l) => typeof l.target === 'string' && typeof l.module === 'string' && typeof l.outcome === 'string' && typeof l.duration_seconds === 'number'));
  });

  // A one-letter module password was masked in the JSON text of each line: the keys went with it ('l***v***l'), and a
  // word with it inside ('r***dis') told the reader what it was. Now string values are masked a whole word at a time.
  it('masks a short password in its log lines a whole value word at a time, keys and JSON intact', async () => {
    const lines: string[] = [];
    const config = await parseExporterConfig(`modules:\n  default: { passwordEnv: SHORT, probe: false }\nallow:\n  - 127.0.0.1:${open.port}\n`, 'exporter.yaml', {
      env: { SHORT: 'e' },
      readFile: (path) => readFile(path, 'utf8'),
      ruleIds: RULES.map((r) => r.id),
    });
    const short = await startExporter({ config, listen: '127.0.0.1:0', log: (line) => lines.push(line) });
    try {
      await get(`${short.url}/probe?target=redis://127.0.0.1:1`);
      await get(`${short.url}/probe?target=127.0.0.1:${open.port}`);
    } finally {
      await short.close(1000);
    }
    assert.ok(lines.length >= 3, lines.join('\n'));
    const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.flatMap(strings) : v !== null && typeof v === 'object' ? Object.values(v).flatMap(strings) : []);
    for (const line of lines) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      assert.ok('level' in parsed && 'msg' in parsed, line);
      for (const value of strings(parsed)) assert.ok(!value.includes('e') && !/[^\s"'`<>()[\]{},;:=@/\\?&#|*]\*\*\*|\*\*\*[^\s"'`<>()[\]{},;:=@/\\?&#|*]/.test(value), `${value} in ${line}`);
    }
  });

  it('protects /probe and /metrics with basic auth or a bearer token, /-/healthy stays open', async () => {
    const basicLogs: string[] = [];
    const basic = await exporterWith(`modules: { default: {} }\nallow: ['127.0.0.1:${open.port}']\nweb: { basicAuth: { username: prometheus, passwordEnv: TEST_TOKEN } }\n`, basicLogs);
    const bearer = await exporterWith(`modules: { default: {} }\nallow: ['127.0.0.1:${open.port}']\nweb: { bearerTokenEnv: TEST_TOKEN }\n`, []);
    try {
      assert.equal((await get(`${basic.url}/probe?target=127.0.0.1:${open.port}`)).status, 401);
      assert.equal((await get(`${basic.url}/metrics`, { authorization: `Basic ${Buffer.from('prometheus:wrong').toString('base64')}` })).status, 401);
      assert.equal((await get(`${basic.url}/metrics`, { authorization: `Basic ${Buffer.from(`prometheus:${token}`).toString('base64')}` })).status, 200);
      assert.equal((await get(`${basic.url}/-/healthy`)).status, 200);
      assert.equal((await get(`${bearer.url}/metrics`)).status, 401);
      assert.equal((await get(`${bearer.url}/metrics`, { authorization: `Bearer ${token}` })).status, 200);
    } finally {
      await Promise.all([basic.close(1000), bearer.close(1000)]);
    }
  });

  it('serves over TLS when web.tlsCert and web.tlsKey are set', async () => {
    const certs = await makeCerts();
    const secure = await exporterWith(`modules: { default: {} }\nallow: ['127.0.0.1:${open.port}']\nweb: { tlsCert: '${certs.serverCert}', tlsKey: '${certs.serverKey}', bearerTokenEnv: TEST_TOKEN }\n`, []);
    try {
      assert.match(secure.url, /^https:/);
      const ca = await readFile(certs.ca);
      const body = await new Promise<string>((resolve, reject) => {
        https.get(`${secure.url}/probe?target=127.0.0.1:${open.port}`, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString('utf8')));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      assert.equal(sample(body, 'redfort_probe_success'), 1);
    } finally {
      await secure.close(1000);
    }
  });

  it('allows the servers of the inventory of audit --targets, with their own credentials', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redfort-inventory-'));
    try {
      const path = join(dir, 'inventory.yaml');
      await writeFile(path, `defaults: { passwordEnv: INVENTORY_PASSWORD, labels: { env: test } }\ntargets:\n  - url: redis://127.0.0.1:${locked.port}\n`);
      const { targets } = await loadInventoryTargets(path, { INVENTORY_PASSWORD: password }, (p) => readFile(p, 'utf8'));
      // No allow entry and a module without a password: the inventory alone lets the scrape in and logs in.
      const inventoryOnly = await exporterWith(`modules: { default: {} }\ninventory: ${path}\n`, [], targets);
      try {
        const listed = await get(`${inventoryOnly.url}/probe?target=127.0.0.1:${locked.port}`);
        assert.equal(sample(listed.body, 'redfort_probe_success'), 1);
        assert.match(listed.body, /^redfort_rule_failed\{rule="auth\.no-authentication",[^}]*\} 0$/m);
        // Judged from CONFIG GET: only with the inventory's password (without one the server is seen on the wire only).
        assert.match(listed.body, /^redfort_rule_failed\{rule="auth\.requirepass-used",[^}]*\} 1$/m);
        assert.equal((await get(`${inventoryOnly.url}/probe?target=127.0.0.1:${open.port}`)).status, 403);
      } finally {
        await inventoryOnly.close(1000);
      }
      await assert.rejects(loadInventoryTargets(path, {}, (p) => readFile(p, 'utf8')), /inventory\.yaml:\d+: passwordEnv names INVENTORY_PASSWORD, which is not set/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reaches an inventory's rediss:// server over TLS with its TLS files when scraped as host:port, with the module's password", async () => {
    const certs = await makeCerts();
    // TLS only, client certificates required: the inventory's certificate and key are needed, not just TLS.
    const tlsOnly = await startRedis({ tls: { certs }, conf: `requirepass ${password}`, password });
    const dir = await mkdtemp(join(tmpdir(), 'redfort-inventory-'));
    const logs: string[] = [];
    let exporterTls: RunningExporter | undefined;
    try {
      const path = join(dir, 'inventory.yaml');
      await writeFile(path, `targets:\n  - url: rediss://127.0.0.1:${tlsOnly.port}\n    cacert: ${certs.ca}\n    cert: ${certs.clientCert}\n    key: ${certs.clientKey}\n`);
      const { targets } = await loadInventoryTargets(path, {}, (p) => readFile(p, 'utf8'));
      // What is tested is the way in, not the time: the default 10 s per audit was too short on a loaded machine (its
      // audits there took 8.2 s, and once ran out: 'timed out after 10.6 s (the scrape's deadline)', success 0).
      exporterTls = await exporterWith(`modules: { default: { passwordEnv: TEST_PASSWORD, timeoutSeconds: 60 } }\ninventory: ${path}\n`, logs, targets);
      // file_sd lists host:port; the inventory says how that server is reached.
      const res = await get(`${exporterTls.url}/probe?target=127.0.0.1:${tlsOnly.port}`);
      assert.equal(res.status, 200);
      assert.equal(sample(res.body, 'redfort_probe_success'), 1, logs.join('\n'));
      assert.match(res.body, /^redfort_tls_certificate_expiry_timestamp_seconds\{listener="target"\} \d+$/m);
      assert.match(logs.at(-1)!, /"target":"rediss:\/\/127\.0\.0\.1:\d+"/);
      // Written rediss://, as the inventory has it: the same; written redis://, the scheme differs: refused (QA35-1).
      assert.equal(sample((await get(`${exporterTls.url}/probe?target=${encodeURIComponent(`rediss://127.0.0.1:${tlsOnly.port}/3`)}`)).body, 'redfort_probe_success'), 1, logs.at(-1));
      assert.equal(JSON.parse(logs.at(-1)!).target, `rediss://127.0.0.1:${tlsOnly.port}/3`);
      const plain = await get(`${exporterTls.url}/probe?target=${encodeURIComponent(`redis://127.0.0.1:${tlsOnly.port}`)}`);
      assert.equal(plain.status, 400);
      assert.match(plain.body, /the scheme differs from the inventory's entry, which lists 127\.0\.0\.1:\d+ as rediss:\/\/ \(TLS\)/);
      assert.ok(!logs.join('\n').includes(password));
    } finally {
      await exporterTls?.close(1000);
      await tlsOnly.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  // QA35-1: `rediss://H:P` of a server the inventory lists as `redis://H:P` with a password was audited in plain text
  // with that password (a silent TLS downgrade), and the database of `redis://H:P/5` was dropped.
  it("refuses a scrape whose scheme differs from the inventory's entry, and connects to nothing; keeps the scrape's database", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redfort-inventory-'));
    const silentListed = await recorder();
    const logs: string[] = [];
    let listedExporter: RunningExporter | undefined;
    try {
      const path = join(dir, 'inventory.yaml');
      await writeFile(path, `defaults: { passwordEnv: INVENTORY_PASSWORD }\ntargets:\n  - url: redis://127.0.0.1:${locked.port}\n  - url: redis://127.0.0.1:${silentListed.port}\n`);
      const { targets } = await loadInventoryTargets(path, { INVENTORY_PASSWORD: password }, (p) => readFile(p, 'utf8'));
      listedExporter = await exporterWith(`modules: { default: { probe: false } }\ninventory: ${path}\n`, logs, targets);
      for (const port of [locked.port, silentListed.port]) {
        for (const scheme of ['rediss', 'valkeys', 'REDISS']) {
          const res = await get(`${listedExporter.url}/probe?target=${encodeURIComponent(`${scheme}://127.0.0.1:${port}`)}`, { 'x-prometheus-scrape-timeout-seconds': '2' });
          assert.equal(res.status, 400, `${scheme} ${port}: ${res.body}`);
          assert.equal(res.body, `target 'rediss://127.0.0.1:${port}': the scheme differs from the inventory's entry, which lists 127.0.0.1:${port} as redis:// (plain text); scrape it as 127.0.0.1:${port} or fix the inventory\n`);
        }
      }
      assert.equal(silentListed.connections, 0, 'no connection to a target refused for its scheme');
      assert.ok(logs.filter((l) => l.includes('"msg":"probe"')).every((l) => l.includes('"outcome":"invalid"')), logs.join('\n'));
      // The inventory's scheme, as host:port or written alike, still works; the scrape's database is the one audited.
      for (const [target, shown] of [[`127.0.0.1:${locked.port}`, `redis://127.0.0.1:${locked.port}`], [`redis://127.0.0.1:${locked.port}/5`, `redis://127.0.0.1:${locked.port}/5`]]) {
        const res = await get(`${listedExporter.url}/probe?target=${encodeURIComponent(target!)}`);
        assert.equal(sample(res.body, 'redfort_probe_success'), 1, `${target}: ${logs.at(-1)}`);
        assert.equal(JSON.parse(logs.at(-1)!).target, shown);
      }
      assert.ok(!logs.join('\n').includes(password));
    } finally {
      await listedExporter?.close(1000);
      silentListed.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  // The version label came straight from INFO: a hostile server put there the password the module sent it, escapes
  // and a megabyte, all into every scrape and Prometheus' index.
  it("gives the version label only a version's characters, never the module's password", async () => {
    for (const version of [`7.0.15-${password}`, `7.0.15\u001b[31m${'x'.repeat(1_000_000)}`]) {
      const info = `# Server\r\nredis_version:${version}\r\nredis_mode:standalone\r\n# Replication\r\nrole:master\r\n`;
      const fake = await startFakeServer((argv) => {
        const command = argv[0]!.toUpperCase();
        if (command === 'AUTH') return '+OK\r\n';
        if (command === 'INFO') return `$${Buffer.byteLength(info)}\r\n${info}\r\n`;
        return `-ERR unknown command, the password is ${password}\r\n`;
      });
      const hostile = await exporterWith(`modules:\n  default: { passwordEnv: TEST_PASSWORD, probe: false }\nallow:\n  - 127.0.0.1:${fake.port}\n`, []);
      try {
        const res = await get(`${hostile.url}/probe?target=127.0.0.1:${fake.port}`);
        assert.equal(res.status, 200);
        assert.equal(sample(res.body, 'redfort_probe_success'), 1);
        assert.match(res.body, /^redfort_server_info\{product="redis",version="unreadable",role="master"\} 1$/m);
        assert.ok(!res.body.includes(password) && !res.body.includes('\u001b') && res.body.length < 100_000, `${res.body.length} bytes`);
      } finally {
        await hostile.close(1000);
        await fake.close();
      }
    }
  });

  // Prometheus scrapes over keep-alive connections: after SIGTERM it kept sending scrapes on them, each started a new
  // audit, and the exporter exited only when the 10 s grace ran out, cutting off whatever ran then.
  it('stops taking scrapes on kept-alive connections when closing: exits once the running probes are answered', async () => {
    const closingLogs: string[] = [];
    const closing = await exporterWith(`modules: { default: {} }\nallow: ['127.0.0.1:${open.port}', '127.0.0.1:${silent.port}']\n`, closingLogs);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const request = (target: string, timeout = '5') =>
      new Promise<number>((resolve, reject) => {
        http.get(`${closing.url}/probe?target=${target}`, { agent, headers: { 'x-prometheus-scrape-timeout-seconds': timeout } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        }).on('error', reject);
      });
    let scraping = true;
    try {
      assert.equal(await request(`127.0.0.1:${open.port}`), 200);
      // One audit running (1.5 s on the silent server) when the exporter is told to stop; a scraper keeps asking meanwhile.
      const running = request(`127.0.0.1:${silent.port}`, '2');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const begun = Date.now();
      const closed = closing.close(8000);
      const scraper = (async () => {
        while (scraping) {
          await request(`127.0.0.1:${open.port}`).catch(() => 0);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
      assert.equal(await running, 200);
      await closed;
      const took = Date.now() - begun;
      scraping = false;
      await scraper;
      assert.ok(took < 5000, `closed after ${took} ms`);
      const probes = closingLogs.filter((l) => l.includes('"msg":"probe"'));
      // The first scrape and the running one: no audit started after close().
      assert.equal(probes.length, 2, probes.join('\n'));
    } finally {
      scraping = false;
      agent.destroy();
      await closing.close(100);
    }
  });

  it('bounds the audits at once: past concurrency and maxQueued a probe is answered success 0 at once', async () => {
    const bounded = await exporterWith(`concurrency: 1\nmaxQueued: 0\nmodules: { default: {} }\nallow: ['127.0.0.1:${silent.port}', '127.0.0.1:${open.port}']\n`, []);
    try {
      // The silent server's audit ends at the scrape's deadline: a timeout, even when its command timeout fires a
      // moment before the deadline's timer (src/exporter/probe.ts ranOut; it was told 'failed' now and then).
      const busy = get(`${bounded.url}/probe?target=127.0.0.1:${silent.port}`, { 'x-prometheus-scrape-timeout-seconds': '2' });
      // Wait until the silent audit holds the only slot.
      const connects = silent.connections;
      while (silent.connections === connects) await new Promise((r) => setTimeout(r, 10));
      const refused = await get(`${bounded.url}/probe?target=127.0.0.1:${open.port}`);
      assert.equal(sample(refused.body, 'redfort_probe_success'), 0);
      await busy;
      const metrics = await get(`${bounded.url}/metrics`);
      assert.match(metrics.body, /^redfort_exporter_probes_total\{module="default",outcome="timeout"\} 2$/m);
    } finally {
      await bounded.close(1000);
    }
  });
});

/** Each rule's status in a probe's answer: pass or fail from redfort_rule_failed, the others from redfort_rule_skipped. */
function ruleStatuses(body: string): Map<string, string> {
  const statuses = new Map<string, string>();
  for (const m of body.matchAll(/^redfort_rule_failed\{rule="([^"]+)".*\} ([01])$/gm)) statuses.set(m[1]!, m[2] === '1' ? 'fail' : 'pass');
  for (const m of body.matchAll(/^redfort_rule_skipped\{rule="([^"]+)".*status="([^"]+)"\} 1$/gm)) statuses.set(m[1]!, m[2]!);
  return statuses;
}

// With host: false a scrape gathers no host facts, but reads the config file of the process that listens on a local
// target's port (found through /proc, never from the server's word), as `redfort audit --no-host` does. The port is
// looked up in one socket table that the scrapes share for a few seconds; each confirms the owner in /proc.
// The network probes connect to ports the audited server's configuration names: its tls-port, cluster bus and
// plaintext port. A hostile server on an allowed address named any port of its host, and the exporter sent its
// handshakes there.
describe("the exporter's network probes reach only the ports it allows", () => {
  it("never connects to a tls-port the server names off the allowlist, and does when it is allowed", async () => {
    const named = await recorder();
    // A real server, its CONFIG GET * saying that its tls-port is the recorder's (a server's word is all a probe has).
    const real = await startRedis({ conf: 'protected-mode no' });
    const fake = await forwardingProxy(real, {
      rewrite(argv, reply) {
        if (argv[0]?.toUpperCase() !== 'CONFIG' || !Array.isArray(reply)) return reply;
        return reply.map((value, i) => (i % 2 === 1 && reply[i - 1] === 'tls-port' ? String(named.port) : value));
      },
    });
    const scrape = async (allow: string) => {
      const exporter = await exporterWith(`modules:\n  default: { probe: true, cacheSeconds: 0 }\nallow:\n${allow}`, []);
      try {
        return await get(`${exporter.url}/probe?target=127.0.0.1:${fake.port}`, { 'X-Prometheus-Scrape-Timeout-Seconds': '3' });
      } finally {
        await exporter.close(1000);
      }
    };
    try {
      const res = await scrape(`  - 127.0.0.1:${fake.port}\n`);
      assert.equal(res.status, 200);
      assert.equal(sample(res.body, 'redfort_probe_success'), 1, res.body.slice(0, 400));
      assert.equal(named.connections, 0, 'the tls-port off the allowlist was connected to');
      await scrape(`  - 127.0.0.1:${fake.port}\n  - 127.0.0.1:${named.port}\n`);
      assert.ok(named.connections > 0, 'an allowed tls-port is probed');
    } finally {
      named.close();
      await fake.close();
    }
  });

  it('leaves the plaintext port beside TLS unprobed when it is not allowed, and says so', async () => {
    const server = await startRedis({ tls: { plaintextPort: true, authClients: 'no' } });
    const target = resolveTarget(`rediss://127.0.0.1:${server.tlsPort}`, { cacert: server.certs!.ca }, {});
    const refused: number[] = [];
    const refuse = (_host: string, port: number) => {
      refused.push(port);
      return port === server.port ? `port ${port} is not allowed here` : undefined;
    };
    const gathered = await gatherTarget(target, { mayConnect: refuse });
    assert.ok(gathered.ok, gathered.ok ? '' : gathered.error);
    assert.equal(gathered.facts.probe?.plaintext, undefined);
    assert.ok(gathered.facts.probe?.notes.includes(`the plaintext port ${server.port} was not probed: port ${server.port} is not allowed here`), String(gathered.facts.probe?.notes));
    assert.deepEqual(refused, [server.port], 'asked about the plaintext port alone (the target itself is always allowed)');
    const allowed = await gatherTarget(target, { mayConnect: () => undefined });
    assert.ok(allowed.ok);
    assert.equal(allowed.facts.probe?.plaintext?.outcome, 'answers');
  });
});

describe("the exporter's scrapes of servers on its own machine", () => {
  let a: RunningServer;
  let b: RunningServer;
  let exporter: RunningExporter;
  let reads = 0;
  const logs: string[] = [];
  const probe = async (port: number) => (await get(`${exporter.url}/probe?target=127.0.0.1:${port}&module=local`)).body;

  before(async () => {
    [a, b] = await Promise.all([startRedis({ killOnStop: true }), startRedis()]);
    const config = await parseExporterConfig(
      `modules:\n  local: { host: false, probe: true }\nallow: ['127.0.0.1:${a.port}', '127.0.0.1:${b.port}']\n`,
      'exporter.yaml',
      { env: {}, readFile: (path) => readFile(path, 'utf8'), ruleIds: RULES.map((r) => r.id) },
    );
    // A table's life longer than the test: every read after the first is one a probe asked for.
    exporter = await startExporter({ config, listen: '127.0.0.1:0', log: (line) => logs.push(line), socketTable: { ttlMs: 600_000, read: () => (reads++, readTcpSockets()) } });
  });
  after(() => exporter?.close());

  it('share one read of the socket table and judge every rule as a fresh audit does, the config file read', async () => {
    for (const server of [a, b, a, b]) {
      const statuses = ruleStatuses(await probe(server.port));
      assert.equal(statuses.get('config.runtime-drift'), 'pass', `${server.port}: the config file was read and matches`);
      const audited = await auditTarget(resolveTarget(`127.0.0.1:${server.port}`, {}, {}), { noHost: true });
      assert.deepEqual(statuses, new Map(audited.results.map((r) => [r.ruleId, r.status])));
    }
    assert.equal(reads, 1);
  });

  it("finds a server restarted on the same port within the table's life, and reads its own config file", async () => {
    await a.stop();
    const again = await startRedis({ port: a.port, conf: 'maxmemory-policy allkeys-lru' });
    // Set at run time only: the drift shows that the file read is the new server's.
    await rawCommand('127.0.0.1', again.port, ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
    assert.equal(ruleStatuses(await probe(again.port)).get('config.runtime-drift'), 'fail');
    assert.equal(reads, 2, 'the stale table proposed the old socket: the table was read anew');
    assert.equal(ruleStatuses(await probe(again.port)).get('config.runtime-drift'), 'fail');
    assert.equal(reads, 2, 'the table read anew is the one the next scrapes share');
  });
});
