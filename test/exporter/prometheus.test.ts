import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { build, ROOT, runCli } from '../report/cli-run.ts';
import { eventually, startPrometheus } from '../harness/prometheus.ts';
import type { RunningPrometheus } from '../harness/prometheus.ts';
import { freePort, startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// A real Prometheus scrapes the built `redfort exporter` in the multi-target pattern of examples/prometheus/,
// against real redis-server targets; results are read back through Prometheus' HTTP API.
after(stopAll);

const EXAMPLES = join(ROOT, 'examples', 'prometheus');
const password = randomBytes(16).toString('hex');

interface Exporter {
  readonly address: string;
  readonly child: ChildProcess;
  readonly lines: string[];
}

async function startExporter(config: string): Promise<Exporter> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'redfort.mjs'), 'exporter', '--config', config, '--listen', address], {
    env: { ...process.env, TEST_PASSWORD: password },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    const parts = (partial + d.toString('utf8')).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  await eventually(`the exporter on ${address}`, async () => ((await fetch(`http://${address}/-/healthy`)).ok ? true : undefined), 30_000);
  return { address, child, lines };
}

/** The example's config with short intervals, this test's exporter addresses, and rules that fire at once. */
function adapt(text: string, exporters: readonly string[]): string {
  return text
    .replace(/scrape_interval: \S+/, 'scrape_interval: 2s')
    .replace(/scrape_timeout: \S+/, 'scrape_timeout: 2s')
    .replace(/evaluation_interval: \S+/, 'evaluation_interval: 1s')
    .replaceAll('127.0.0.1:9779', exporters[0]!)
    .replaceAll('127.0.0.1:9780', exporters[1] ?? exporters[0]!);
}

const instances = (rows: { labels: Record<string, string> }[]) => rows.map((r) => r.labels['instance']!).sort();

describe('redfort exporter under a real Prometheus', () => {
  let open: RunningServer;
  const locked: RunningServer[] = [];
  let outside: net.Server;
  let outsidePort: number;
  let outsideConnects = 0;
  let work: string;
  let a: Exporter;
  let b: Exporter;
  let targets: string;
  let rules: string;
  const all: string[] = [];

  before(async () => {
    await build();
    const servers = await Promise.all([
      startRedis({ conf: 'protected-mode no' }),
      ...[1, 2, 3].map(() => startRedis({ conf: `requirepass ${password}`, password })),
    ]);
    open = servers[0]!;
    locked.push(...servers.slice(1));
    all.push(...servers.map((s) => `127.0.0.1:${s.port}`).sort());
    outside = net.createServer((socket) => {
      outsideConnects += 1;
      socket.destroy();
    });
    outsidePort = await freePort();
    await new Promise<void>((resolve) => outside.listen(outsidePort, '127.0.0.1', resolve));

    work = await mkdtemp(join(tmpdir(), 'redfort-exporter-'));
    const config = join(work, 'exporter.yaml');
    await writeFile(config, `modules:
  default: { passwordEnv: TEST_PASSWORD, host: false, probe: true }
  open: { host: false }
allow:
${servers.map((s) => `  - 127.0.0.1:${s.port}`).join('\n')}
`);
    [a, b] = await Promise.all([startExporter(config), startExporter(config)]);
    // file_sd: the wide-open server with module `open`, the others with the default module.
    targets = [
      `- targets: ['127.0.0.1:${open.port}']\n  labels: { __param_module: open, team: cache }`,
      `- targets: [${locked.map((s) => `'127.0.0.1:${s.port}'`).join(', ')}]\n  labels: { team: payments }`,
    ].join('\n') + '\n';
    // Rules fire on the first evaluation: the `for:` durations are for production.
    rules = (await readFile(join(EXAMPLES, 'rules', 'redfort.rules.yml'), 'utf8')).replace(/^(\s+)for: \S+$/gm, '$1for: 0s');
  });

  after(async () => {
    for (const e of [a, b]) if (e && e.child.exitCode === null) e.child.kill('SIGKILL');
    outside?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('one Prometheus: rule series for every target, an alert for the wide-open one, a refused target never connected to', async () => {
    const prom = await startPrometheus({
      'prometheus.yml': adapt(await readFile(join(EXAMPLES, 'prometheus.yml'), 'utf8'), [a.address]),
      'rules/redfort.rules.yml': rules,
      // A target off the exporter's allowlist in Prometheus' list: the scrape is refused (up 0).
      'targets/example.yml': `${targets}- targets: ['127.0.0.1:${outsidePort}']\n  labels: { team: rogue }\n`,
    });
    try {
      const withRules = await eventually('redfort_rule_failed series for every target', async () => {
        const rows = await prom.query('count by (instance) (redfort_rule_failed)');
        return rows.length === all.length ? rows : undefined;
      });
      assert.deepEqual(instances(withRules), all);
      for (const row of withRules) assert.ok(row.value >= 10, `${row.labels['instance']}: ${row.value} rule series`);
      assert.deepEqual(instances(await prom.query('redfort_probe_success == 1')), all);

      const firing = await eventually('RedisAuthenticationOpen firing', async () => {
        const rows = await prom.query('ALERTS{alertname="RedisAuthenticationOpen", alertstate="firing"}');
        return rows.length > 0 ? rows : undefined;
      });
      assert.deepEqual(instances(firing), [`127.0.0.1:${open.port}`]);
      assert.equal(firing[0]!.labels['team'], 'cache');

      const refused = await eventually('the refused target scraped', async () => {
        const rows = await prom.query(`up{instance="127.0.0.1:${outsidePort}"}`);
        return rows.length > 0 ? rows : undefined;
      });
      assert.equal(refused[0]!.value, 0);
      assert.equal(outsideConnects, 0, 'the exporter connected to a target off its allowlist');
      assert.ok(a.lines.some((l) => l.includes('"outcome":"denied"') && l.includes(`127.0.0.1:${outsidePort}`)));
    } finally {
      await prom.stop();
    }
  });

  it('two Prometheus shards with hashmod over two exporter replicas scrape every target exactly once', async () => {
    const shardConfig = await readFile(join(EXAMPLES, 'sharded', 'prometheus-shard.yml'), 'utf8');
    const marks = [a.lines.length, b.lines.length];
    // A probe of the previous test can still be finishing on a loaded machine: only probes begun from here count.
    const shardsStarted = Date.now();
    const shards: RunningPrometheus[] = [];
    try {
      for (const shard of ['0', '1']) {
        shards.push(await startPrometheus({
          'sharded/prometheus.yml': adapt(shardConfig, [a.address, b.address]).replace(/regex: '0'(\s+# SHARD)/, `regex: '${shard}'$1`).replace("shard: '0'", `shard: '${shard}'`),
          'rules/redfort.rules.yml': rules,
          'targets/example.yml': targets,
        }, 'sharded/prometheus.yml'));
      }
      const seen = await eventually('every target scraped by one shard', async () => {
        const rows = await Promise.all(shards.map((p) => p.query('redfort_probe_success == 1')));
        return rows[0]!.length + rows[1]!.length >= all.length ? rows.map(instances) : undefined;
      });
      // Give each shard time for more scrapes: a target scraped by both would show up by now.
      await sleep(3000);
      const final = await Promise.all(shards.map(async (p) => instances(await p.query('count by (instance) (redfort_probe_success)'))));
      assert.deepEqual([...final[0]!, ...final[1]!].sort(), all, `shards saw ${JSON.stringify(final)} (first ${JSON.stringify(seen)})`);
      assert.equal(final[0]!.filter((i) => final[1]!.includes(i)).length, 0);
      // And each target went through exactly one exporter replica.
      const probed = (e: Exporter, mark: number) => new Set(e.lines.slice(mark).map((l) => JSON.parse(l)).filter((l) => l.msg === 'probe' && Date.parse(l.time) - l.duration_seconds * 1000 >= shardsStarted).map((l) => String(l.target).replace('redis://', '')));
      const viaA = probed(a, marks[0]!);
      const viaB = probed(b, marks[1]!);
      assert.deepEqual([...viaA, ...viaB].sort(), all);
    } finally {
      await Promise.all(shards.map((p) => p.stop()));
    }
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const exits = [a, b].map((e) => new Promise<number | null>((resolve) => e.child.once('exit', (code) => resolve(code))));
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    assert.deepEqual(await Promise.all(exits), [0, 0]);
    assert.ok(a.lines.some((l) => l.includes('"msg":"shutting down"')));
  });

  it('a config mistake stops the exporter at start: one line naming file:line, exit 2', async () => {
    const config = join(work, 'bad.yaml');
    await writeFile(config, 'modules:\n  default: { passwordEnv: REDFORT_TEST_UNSET_VARIABLE }\nallow: [127.0.0.1:6379]\n');
    const run = await runCli(['exporter', '--config', config]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `redfort: ${config}:2: modules: default: passwordEnv names REDFORT_TEST_UNSET_VARIABLE, which is not set\n`);
  });
});
