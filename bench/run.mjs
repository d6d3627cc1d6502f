// Benchmarks a full live audit against a real local redis-server, beside peers doing the same reads:
// redis-cli sending the same commands, and nmap's redis-info script when nmap is installed.
// Usage: npm run bench   (needs `npm run build` first; prints a Markdown table for the README)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AUDIT_COMMANDS } from './audit-commands.mjs';
import { ensureBuilt } from './built.mjs';

ensureBuilt();

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redfort-bench-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', join(dir, 'log')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8' }).stdout.includes('PONG')) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop: () => { child.kill(); rmSync(dir, { recursive: true, force: true }); } };
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { median, mean, min: sorted[0], max: sorted[sorted.length - 1] };
}

/** Wall time and peak RSS (KiB, from GNU time when present) of one command, over ROUNDS runs. */
function timeCommand(command, args, input) {
  const samples = [];
  let rss;
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    const result = spawnSync(command, args, { input, encoding: 'utf8' });
    samples.push(performance.now() - start);
    if (result.error) throw result.error;
  }
  const gnuTime = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { input, encoding: 'utf8' });
  if (gnuTime.status !== null && !gnuTime.error) rss = Number(gnuTime.stderr.trim().split('\n').pop());
  return { ...stats(samples), rss };
}

// The commands of redfort's audit pipeline, for redis-cli to send.
const COMMANDS = AUDIT_COMMANDS.map((args) => args.join(' ')).join('\n');

const redis = await startRedis();
const url = `redis://127.0.0.1:${redis.port}`;
try {
  const { auditTarget, resolveTarget } = await import('../dist/index.mjs');
  const target = resolveTarget(url, {}, {});
  const options = { noHost: true, noProbe: true };
  await auditTarget(target, options);
  const inProcess = [];
  for (let i = 0; i < ROUNDS * 10; i++) {
    const start = performance.now();
    await auditTarget(target, options);
    inProcess.push(performance.now() - start);
  }
  const rows = [
    ['redfort library: one round trip + every rule (in process, no host facts or probes)', { ...stats(inProcess), rss: undefined }],
    ['redfort CLI: `redfort audit --format json --no-host --no-probe` (process start to exit)', timeCommand('node', ['bin/redfort.cjs', 'audit', url, '--format', 'json', '--fail-on', 'none', '--no-host', '--no-probe'])],
    ['redfort CLI: `redfort audit --format json` (with host facts and network probes)', timeCommand('node', ['bin/redfort.cjs', 'audit', url, '--format', 'json', '--fail-on', 'none'])],
    ['redis-cli: the same commands from stdin, output discarded', timeCommand('redis-cli', ['-p', String(redis.port)], COMMANDS)],
  ];
  if (spawnSync('nmap', ['--version']).status === 0) {
    rows.push(['nmap --script redis-info (one port)', timeCommand('nmap', ['-Pn', '-n', '-p', String(redis.port), '--script', 'redis-info', '127.0.0.1'])]);
  }
  console.log(`Rounds: ${ROUNDS} (library: ${ROUNDS * 10}); redis-server ${spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.split(' ')[2]}; node ${process.version}\n`);
  console.log('| what | median ms | mean ms | min ms | max ms | peak RSS MiB |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, s] of rows) {
    console.log(`| ${name} | ${s.median.toFixed(1)} | ${s.mean.toFixed(1)} | ${s.min.toFixed(1)} | ${s.max.toFixed(1)} | ${s.rss ? (s.rss / 1024).toFixed(0) : 'n/a'} |`);
  }
} finally {
  redis.stop();
}
