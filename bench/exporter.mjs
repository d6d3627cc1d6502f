// Benchmarks `redfort exporter` (the built CLI) against a real local redis-server:
//   1. /probe latency side by side with redis_exporter's /scrape?target= on the same server (Debian's
//      prometheus-redis-exporter), interleaved, sequential, warm;
//   2. throughput: probes per second per exporter core (probes / CPU seconds of the exporter process);
//   3. a soak: RSS of the exporter every 2,000 probes up to BENCH_PROBES (default 10,000).
// Usage: npm run build && node bench/exporter.mjs   (BENCH_ROUNDS=200 BENCH_PROBES=10000 BENCH_CLIENTS=4)
// BENCH_PROFILE_DIR=DIR runs the exporter under --cpu-prof (the profile lands in DIR when it exits, on SIGTERM).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const PROBES = Number(process.env.BENCH_PROBES ?? 10_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
const ROOT = new URL('..', import.meta.url).pathname;
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function until(what, check) {
  for (let i = 0; i < 200; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not start`);
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
  return { median: at(0.5), p90: at(0.9), min: sorted[0] };
}

/** CPU seconds (user + system) and RSS (MiB) of a process, from /proc. */
function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS;
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  return { cpu, rss };
}

const dir = mkdtempSync(join(tmpdir(), 'redfort-bench-exporter-'));
const children = [];
const cleanup = () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanup);

const redisPort = await freePort();
children.push(spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', join(dir, 'redis.log')], { stdio: 'ignore' }));
await until('redis-server', async () => spawnSync('redis-cli', ['-p', String(redisPort), 'PING'], { encoding: 'utf8' }).stdout.includes('PONG'));

const redfortPort = await freePort();
writeFileSync(join(dir, 'exporter.yaml'), `modules:\n  default: { host: false, probe: true }\nallow: ['127.0.0.1:${redisPort}']\nconcurrency: ${CLIENTS}\n`);
const profile = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, '--cpu-prof-interval', '100'] : [];
const redfort = spawn(process.execPath, [...profile, join(ROOT, 'bin', 'redfort.cjs'), 'exporter', '--config', join(dir, 'exporter.yaml'), '--listen', `127.0.0.1:${redfortPort}`], { stdio: 'ignore' });
children.push(redfort);
await until('redfort exporter', async () => (await fetch(`http://127.0.0.1:${redfortPort}/-/healthy`)).ok);

const peerPort = await freePort();
const peer = spawnSync('sh', ['-c', 'command -v prometheus-redis-exporter'], { encoding: 'utf8' }).stdout.trim();
if (peer) {
  children.push(spawn(peer, ['-web.listen-address', `127.0.0.1:${peerPort}`, '-redis.addr', ''], { stdio: 'ignore' }));
  await until('redis_exporter', async () => (await fetch(`http://127.0.0.1:${peerPort}/metrics`)).ok);
}

const redfortUrl = `http://127.0.0.1:${redfortPort}/probe?target=127.0.0.1:${redisPort}&module=default`;
const peerUrl = `http://127.0.0.1:${peerPort}/scrape?target=redis://127.0.0.1:${redisPort}`;
async function timed(url) {
  const start = performance.now();
  const res = await fetch(url);
  const body = await res.text();
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return { ms: performance.now() - start, bytes: body.length, body };
}

// 1. Latency, interleaved so that both see the same machine load.
for (let i = 0; i < 30; i++) {
  await timed(redfortUrl);
  if (peer) await timed(peerUrl);
}
const ours = [];
const theirs = [];
let ourBytes = 0;
let theirBytes = 0;
let series = 0;
for (let i = 0; i < ROUNDS; i++) {
  const a = await timed(redfortUrl);
  ours.push(a.ms);
  ourBytes = a.bytes;
  series = a.body.split('\n').filter((l) => l && !l.startsWith('#')).length;
  if (!a.body.includes('redfort_probe_success 1')) throw new Error(`probe failed:\n${a.body}`);
  if (peer) {
    const b = await timed(peerUrl);
    theirs.push(b.ms);
    theirBytes = b.bytes;
  }
}
const o = stats(ours);
const t = peer ? stats(theirs) : undefined;

// 2 and 3. Throughput and RSS over PROBES probes from CLIENTS concurrent clients.
const before = usage(redfort.pid);
const rssSeries = [before.rss];
let done = 0;
const started = performance.now();
await Promise.all(Array.from({ length: CLIENTS }, async () => {
  while (done < PROBES) {
    const n = ++done;
    await timed(redfortUrl);
    if (n % 2000 === 0) rssSeries.push(usage(redfort.pid).rss);
  }
}));
const wall = (performance.now() - started) / 1000;
const after = usage(redfort.pid);
const cpu = after.cpu - before.cpu;

const f = (n) => n.toFixed(2);
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (${ROUNDS} latency rounds, then ${PROBES} probes)\n`);
console.log(`| | median | p90 | min | body |`);
console.log(`|---|---|---|---|---|`);
console.log(`| redfort exporter \`/probe\` (every rule judged, ${series} series) | ${f(o.median)} ms | ${f(o.p90)} ms | ${f(o.min)} ms | ${(ourBytes / 1024).toFixed(1)} KiB |`);
if (t) console.log(`| redis_exporter \`/scrape?target=\` | ${f(t.median)} ms | ${f(t.p90)} ms | ${f(t.min)} ms | ${(theirBytes / 1024).toFixed(1)} KiB |`);
if (t) console.log(`\nratio of medians: ${f(o.median / t.median)}x (goal: at most 2x); ${ROUNDS} rounds each, interleaved, after 30 warm-up rounds`);
console.log(`\n${PROBES} probes from ${CLIENTS} clients: ${f(PROBES / wall)} probes/s wall, exporter CPU ${f(cpu)} s => ${(PROBES / cpu).toFixed(0)} probes per exporter CPU-second (one core)`);
if (PROFILE_DIR) {
  // The profile is written when the exporter exits on its own (SIGTERM), never on SIGKILL.
  const exited = new Promise((resolve) => redfort.once('exit', resolve));
  redfort.kill('SIGTERM');
  await exited;
}
console.log(`exporter RSS (MiB) every 2,000 probes: ${rssSeries.map((r) => r.toFixed(1)).join(' -> ')}; after ${PROBES}: ${f(after.rss)} MiB; growth from 2,000 to ${PROBES}: ${f(after.rss - (rssSeries[1] ?? before.rss))} MiB`);
cleanup();
// The soak verdict: after the first 2,000 probes the heap has its working size; growth beyond that is a leak.
const growth = after.rss - (rssSeries[1] ?? before.rss);
if (growth > 32) {
  console.log(`RSS grew ${f(growth)} MiB after the first 2,000 probes: a leak?`);
  process.exit(1);
}
process.exit(0);
