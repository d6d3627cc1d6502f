import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { parseExporterConfig } from '../../src/exporter/config.ts';
import { startExporter } from '../../src/exporter/server.ts';
import type { RunningExporter } from '../../src/exporter/server.ts';
import { RULES } from '../../src/rules/index.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';

// The exporter's handling of scrapes that meet: shared audits and their deadlines, kept results, malformed requests.
after(stopAll);

async function exporterWith(yaml: string, logs: string[]): Promise<RunningExporter> {
  const config = await parseExporterConfig(yaml, 'exporter.yaml', { env: {}, readFile: (p) => readFile(p, 'utf8'), ruleIds: RULES.map((r) => r.id) });
  return startExporter({ config, listen: '127.0.0.1:0', log: (line) => logs.push(line) });
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.text() };
}

function sample(body: string, name: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('exporter scrapes', () => {
  it("answers a scrape that arrives during a shorter scrape's audit with an audit of its own deadline (QA43-52)", async () => {
    const server = await startRedis({ conf: 'protected-mode no\nenable-debug-command yes' });
    const logs: string[] = [];
    const exporter = await exporterWith(`timeoutMarginSeconds: 0\nmodules: { default: {} }\nallow: ['127.0.0.1:${server.port}']\n`, logs);
    try {
      // The server is busy for 4 s: a scrape with 1 s cannot finish, one with 20 s can.
      const sleeping = rawCommand('127.0.0.1', server.port, ['DEBUG', 'SLEEP', '4'], { timeoutMs: 30_000 });
      await eventually('the server to be busy', async () => {
        try {
          await rawCommand('127.0.0.1', server.port, ['PING'], { timeoutMs: 300 });
          return false;
        } catch {
          return true;
        }
      });
      const target = `${exporter.url}/probe?target=127.0.0.1:${server.port}`;
      const short = get(target, { 'x-prometheus-scrape-timeout-seconds': '1' });
      await eventually('the short scrape to be auditing', async () => sample((await get(`${exporter.url}/metrics`)).body, 'redfort_exporter_audits_in_flight')! >= 1);
      const long = get(target, { 'x-prometheus-scrape-timeout-seconds': '20' });
      const [shortRes, longRes] = await Promise.all([short, long]);
      await sleeping;
      assert.equal(sample(shortRes.body, 'redfort_probe_success'), 0);
      assert.equal(sample(longRes.body, 'redfort_probe_success'), 1, longRes.body.split('\n').filter((l) => l.startsWith('redfort_probe')).join('\n'));
      const outcomes = logs.map((l) => JSON.parse(l) as { msg: string; outcome?: string }).filter((l) => l.msg === 'probe').map((l) => l.outcome).sort();
      assert.deepEqual(outcomes, ['success', 'timeout']);
    } finally {
      await exporter.close(1000);
      await server.stop();
    }
  });

  it('drops kept results when their cacheSeconds are over, and the gauge counts reusable ones only (QA43-53)', async () => {
    const server = await startRedis({ conf: 'protected-mode no' });
    const exporter = await exporterWith(`modules: { default: { cacheSeconds: 1 } }\nallow: ['127.0.0.1:${server.port}']\n`, []);
    try {
      for (const db of [1, 2, 3]) assert.equal(sample((await get(`${exporter.url}/probe?target=${encodeURIComponent(`redis://127.0.0.1:${server.port}/${db}`)}`)).body, 'redfort_probe_success'), 1);
      const entries = async () => sample((await get(`${exporter.url}/metrics`)).body, 'redfort_exporter_cache_entries');
      // Kept while fresh (at least the last one: the first may have expired already on a loaded machine).
      assert.ok((await entries())! >= 1);
      // Nobody scrapes these targets again: they go once expired.
      await eventually('the expired results to be dropped', async () => (await entries()) === 0, { timeoutMs: 10_000 });
    } finally {
      await exporter.close(1000);
      await server.stop();
    }
  });

  it('answers a request-target that cannot parse 400, logging no user info or query (QA43-56)', async () => {
    const logs: string[] = [];
    const exporter = await exporterWith(`modules: { default: {} }\nallow: ['127.0.0.1:1']\n`, logs);
    try {
      const port = Number(new URL(exporter.url).port);
      for (const requestTarget of ['http://u:RawSecret5@[::1/probe?target=redis://:RawSecret6@x', '//u:Raw/Secret7@[::1/probe']) {
        const reply = await new Promise<string>((resolve, reject) => {
          const socket = net.createConnection(port, '127.0.0.1');
          let text = '';
          socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
          socket.on('end', () => resolve(text));
          socket.on('error', reject);
          socket.write(`GET ${requestTarget} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        });
        assert.match(reply, /^HTTP\/1\.1 400 /);
      }
      const text = logs.join('\n');
      assert.doesNotMatch(text, /RawSecret/);
      assert.match(text, /"msg":"bad request","path":"http:\/\/\[::1\/probe"/);
    } finally {
      await exporter.close(1000);
    }
  });
});
