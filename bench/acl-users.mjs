// One real redis-server with 10,000 ACL users (each its own password, keys and channels, all `+@all`: each fails
// auth.dangerous-commands-allowed with 75 lines), audited through the built CLI in each format: wall time, CPU and
// peak RSS. What remains at this size is the short-password table (built once per process whenever a hash's clear
// text is unknown, src/rules/short-passwords.ts) and the report itself (some 38 MB of JSON).
// Usage: npm run build && node bench/acl-users.mjs   (BENCH_USERS=10000 BENCH_FORMATS=json,text,sarif)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureBuilt } from './built.mjs';

ensureBuilt();
const CLI = new URL('../bin/redfort.cjs', import.meta.url).pathname;
// 10,000 permission sets is what redfort judges on one server (src/acl/limits.ts): the default user and 9,999 more.
const USERS = Number(process.env.BENCH_USERS ?? 10_000) - 1;
const FORMATS = (process.env.BENCH_FORMATS ?? 'json,text,sarif').split(',');
const dir = mkdtempSync(join(tmpdir(), 'redfort-acl-users-'));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function encode(argv) {
  return `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Sends `commands` in one pipeline and waits for as many `+OK` lines. */
function pipeline(port, commands) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.end(commands.map(encode).join('')));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (text.split('\r\n').length - 1 >= commands.length) {
        socket.destroy();
        if (/^-/m.test(text)) reject(new Error(text.split('\r\n').find((l) => l.startsWith('-'))));
        else resolve();
      }
    });
    socket.on('error', reject);
  });
}

async function startServer(port) {
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      await pipeline(port, [['PING']]);
      return server;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  server.kill('SIGKILL');
  throw new Error(`redis-server did not start on port ${port}`);
}

/** Wall time, CPU seconds and peak RSS (/usr/bin/time) of one CLI run. */
function run(args) {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%U %S %M', process.execPath, CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => {
      const [user, sys, kib] = stderr.trim().split('\n').pop().split(' ').map(Number);
      resolve({ code, ms: performance.now() - start, cpu: user + sys, rssMiB: kib / 1024 });
    });
  });
}

const port = await freePort();
const server = await startServer(port);
let broken = 0;
const rows = [];
try {
  const users = Array.from({ length: USERS }, (_, i) => ['ACL', 'SETUSER', `app${i}`, 'on', `>password-of-app-${i}-0123456789`, `~app${i}:*`, `&app${i}:*`, '+@all']);
  await pipeline(port, users);
  const load = loadavg()[0].toFixed(1);
  for (const format of FORMATS) {
    const out = join(dir, `report.${format}`);
    const r = await run(['audit', `redis://127.0.0.1:${port}`, '--format', format, '-o', out, '--fail-on', 'none', '--quiet', '--no-host']);
    if (r.code !== 0) broken++;
    rows.push(`| ${USERS + 1} users, ${format} | ${(r.ms / 1000).toFixed(1)} s | ${r.cpu.toFixed(2)} s | ${r.rssMiB.toFixed(0)} MiB | ${r.code === 0 ? 'ok' : `exit ${r.code}`} |`);
  }
  console.log(`load average ${load}, ${(await import('node:os')).cpus().length} CPUs`);
} finally {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
console.log('| case | wall time | CPU | peak RSS | |\n|---|---|---|---|---|');
console.log(rows.join('\n'));
process.exit(broken ? 1 : 0);
