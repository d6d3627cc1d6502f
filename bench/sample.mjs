// The keyspace sampler against big data on a real local redis-server: a 1 GiB string, a 10-million-field hash, a
// 10-million-element list, and a keyspace of a million keys. Each sample runs in its own Node process, so that its
// peak RSS is its own. Prints a Markdown table for the README.
// Usage: node --import tsx bench/sample.mjs   (needs redis-server and about 3 GB of free memory;
// BENCH_BIG_MB=1024, BENCH_ELEMENTS=10000000 and BENCH_KEYS=1000000 scale it down)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 1024);
const ELEMENTS = Number(process.env.BENCH_ELEMENTS ?? 10_000_000);
const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);

if (process.argv[2] === 'child') {
  // One sample, in this process: `child <port> <db>`; prints the outcome and this process's peak RSS.
  const { sampleKeyspace } = await import('../src/gather/sample/sample.ts');
  const { resolveTarget } = await import('../src/redis/target.ts');
  const started = performance.now();
  const outcome = await sampleKeyspace(resolveTarget(`redis://127.0.0.1:${process.argv[3]}`, {}, {}), { databases: [Number(process.argv[4])] }, { version: '7.0' });
  const ms = performance.now() - started;
  const facts = outcome.ok ? outcome.facts : undefined;
  process.stdout.write(JSON.stringify({
    ok: outcome.ok,
    reason: outcome.ok ? undefined : outcome.reason,
    keys: facts?.databases[0]?.keys,
    unread: facts?.databases[0]?.unread,
    bytesRead: facts?.bytesRead,
    stopped: facts?.stopped,
    ms: Math.round(ms),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }));
  process.exit(0);
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function cli(port, ...args) {
  const out = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (out.status !== 0) throw new Error(out.stderr);
  return out.stdout.trim();
}

const port = await freePort();
const dir = mkdtempSync(join(tmpdir(), 'redfort-bench-sample-'));
const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes', '--proto-max-bulk-len', '2gb', '--logfile', join(dir, 'log')], { stdio: 'ignore' });
try {
  for (let i = 0; i < 100 && !/PONG/.test(spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8' }).stdout); i++) await new Promise((r) => setTimeout(r, 50));
  const fill = (db, script, ...args) => cli(port, '-n', String(db), 'EVAL', script, '1', ...args);
  // db0: one string of BIG_MB MiB (SETRANGE at the last offset allocates it all) beside a few small keys.
  cli(port, '-n', '0', 'SETRANGE', 'big:1', String(BIG_MB * 1024 * 1024 - 1), 'x');
  cli(port, '-n', '0', 'SET', 'user:1:email', 'alice@example.com');
  // db1: a hash of ELEMENTS fields; db2: a list of ELEMENTS elements (filled in server-side chunks of 1,000).
  const chunked = (cmd, pairs) => `local n = tonumber(ARGV[1]); for i = 1, n, 1000 do local t = {}; for j = i, math.min(i + 999, n) do ${pairs} end; redis.call('${cmd}', KEYS[1], unpack(t)) end; return n`;
  fill(1, chunked('HSET', "t[#t+1] = 'field:' .. j; t[#t+1] = 'value ' .. j"), 'huge:hash', String(ELEMENTS));
  fill(2, chunked('RPUSH', "t[#t+1] = 'element ' .. j"), 'huge:list', String(ELEMENTS));
  // db3: KEYS small strings.
  cli(port, '-n', '3', 'DEBUG', 'POPULATE', String(KEYS), 'key', '64');
  const serverRss = Math.round(Number(/used_memory_rss:(\d+)/.exec(cli(port, 'INFO', 'memory'))?.[1] ?? 0) / 1024 / 1024);
  const rows = [
    ['a 1 GiB string (+1 small key)', 0, `${BIG_MB} MiB string`],
    ['a 10-million-field hash', 1, `${ELEMENTS.toLocaleString('en-US')} fields`],
    ['a 10-million-element list', 2, `${ELEMENTS.toLocaleString('en-US')} elements`],
    ['a million keys', 3, `${KEYS.toLocaleString('en-US')} keys`],
    ['an empty database (the process alone)', 9, '0 keys'],
  ];
  const self = fileURLToPath(import.meta.url);
  console.log(`Sampler (default budgets: 1,000 keys, 5 s, 32 MiB) on redis-server 7.0 holding ${serverRss} MiB:\n`);
  console.log('| database | size | keys read | bytes read | time | peak RSS of the sampling process |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, db, size] of rows) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', self, 'child', String(port), String(db)], { encoding: 'utf8' });
    const r = JSON.parse(child.stdout || '{}');
    const bytes = r.bytesRead === undefined ? '-' : `${(r.bytesRead / 1024).toFixed(1)} KiB`;
    console.log(`| ${name} | ${size} | ${r.keys ?? r.reason} | ${bytes} | ${r.ms} ms | ${r.maxRssMiB} MiB |${r.stopped ? ` stopped: ${r.stopped}` : ''}`);
  }
} finally {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
