// Times discovering and auditing a whole 6-node cluster (3 masters, 3 replicas over 127.0.0.1-3, each node
// announcing its own address), and planning its reboot.
// Usage: npm run build && node bench/cluster.mjs   (prints a Markdown table for the README)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

function freePort(host) {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, host, () => {
      const { port } = server.address();
      server.close(() => (port + 10000 <= 65535 ? resolve(port) : freePort(host).then(resolve, reject)));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cli = (port, host, ...args) => spawnSync('redis-cli', ['-h', host, '-p', String(port), ...args], { encoding: 'utf8' }).stdout;

async function startNode(host) {
  const port = await freePort(host);
  const dir = mkdtempSync(join(tmpdir(), 'redfort-bench-cluster-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', host, '--dir', dir, '--save', '', '--logfile', join(dir, 'log'),
    '--cluster-enabled', 'yes', '--cluster-node-timeout', '5000', '--cluster-announce-ip', host], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !cli(port, host, 'PING').includes('PONG'); i++) await sleep(50);
  return { host, port, stop: () => { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); } };
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], mean: samples.reduce((a, b) => a + b, 0) / samples.length, min: sorted[0], max: sorted.at(-1) };
}

async function timeIt(rounds, fn) {
  await fn();
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return stats(samples);
}

const nodes = await Promise.all(Array.from({ length: 6 }, (_, i) => startNode(HOSTS[i % 3])));
try {
  execFileSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], { stdio: 'ignore' });
  // Wait until every node sees 3 masters with slots and 3 replicas.
  for (let i = 0; i < 300; i++) {
    const views = nodes.map((n) => cli(n.port, n.host, 'CLUSTER', 'NODES'));
    if (views.every((v) => (v.match(/ slave /g) ?? []).length === 3 && !/fail|handshake/.test(v))) break;
    await sleep(100);
  }
  const { auditDeployment, auditTarget, planDeployment, resolveTarget } = await import('../dist/index.mjs');
  const url = `redis://${nodes[0].host}:${nodes[0].port}`;
  const seed = resolveTarget(url, {}, {});
  const rows = [
    ['library: auditDeployment --cluster, 6 nodes (discovery + every node + deployment entry; host facts, probes)', await timeIt(ROUNDS, () => auditDeployment(seed, { kind: 'cluster' }))],
    ['library: the same without host facts and network probes', await timeIt(ROUNDS, () => auditDeployment(seed, { kind: 'cluster', noHost: true, noProbe: true }))],
    ['library: one node alone (auditTarget, no host facts, no probes), for comparison', await timeIt(ROUNDS, () => auditTarget(seed, { noHost: true, noProbe: true }))],
    ['library: planDeployment (reboot plan from the seed only)', await timeIt(ROUNDS, () => planDeployment(seed))],
    ['CLI: `redfort audit --cluster --format json --no-probe` (process start to exit)', await timeIt(Math.max(3, ROUNDS / 4), () => new Promise((resolve) => {
      spawn(process.execPath, ['bin/redfort.cjs', 'audit', url, '--cluster', '--format', 'json', '--fail-on', 'none', '--no-probe'], { stdio: 'ignore' }).once('close', resolve);
    }))],
    ['CLI: `redfort reboot-plan` (process start to exit)', await timeIt(Math.max(3, ROUNDS / 4), () => new Promise((resolve) => {
      spawn(process.execPath, ['bin/redfort.cjs', 'reboot-plan', url], { stdio: 'ignore' }).once('close', resolve);
    }))],
  ];
  console.log(`Rounds: ${ROUNDS}; 6-node cluster over ${HOSTS.join(', ')}; redis-server ${spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.split(' ')[2]}; node ${process.version}\n`);
  console.log('| what | median ms | mean ms | min ms | max ms |');
  console.log('|---|---|---|---|---|');
  for (const [name, s] of rows) console.log(`| ${name} | ${s.median.toFixed(1)} | ${s.mean.toFixed(1)} | ${s.min.toFixed(1)} | ${s.max.toFixed(1)} |`);
} finally {
  for (const node of nodes) node.stop();
}
