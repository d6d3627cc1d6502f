// Hostile servers and inputs, each run through the built CLI with its wall time and peak RSS bounded.
// Usage: npm run build && node bench/hostile.mjs [case-name pattern]   (prints a Markdown table for the README; exit 1 if a bound is broken)
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const CLI = new URL('../bin/redfort.cjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'redfort-hostile-'));
const servers = [];

/** A fake server: `reply(argv, socket)` answers each command (raw bytes), or handles the socket itself. */
function fake(reply) {
  return new Promise((resolve) => {
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      let buffer = '';
      socket.on('data', (chunk) => {
        buffer += chunk.toString('latin1');
        for (;;) {
          const head = /^\*(\d+)\r\n/.exec(buffer);
          if (!head) return;
          let pos = head[0].length;
          const argv = [];
          for (let i = 0; i < Number(head[1]); i++) {
            const h = /^\$(\d+)\r\n/.exec(buffer.slice(pos));
            if (!h) return;
            pos += h[0].length;
            if (buffer.length < pos + Number(h[1]) + 2) return;
            argv.push(buffer.slice(pos, pos + Number(h[1])));
            pos += Number(h[1]) + 2;
          }
          buffer = buffer.slice(pos);
          const out = reply(argv.map((a) => a.toUpperCase()), socket);
          if (out) socket.write(out);
        }
      });
    });
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/** Wall time and peak RSS (KiB, /usr/bin/time) of one CLI run. */
function run(args) {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', process.execPath, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => {
      const lines = stderr.trim().split('\n');
      resolve({ code, ms: performance.now() - start, rssMiB: Number(lines.pop()) / 1024, stdout, stderr: lines.join('\n') });
    });
  });
}

const bulk = (s) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const info60 = (() => {
  const head = '# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\n';
  const text = head + 'x'.repeat(60_000_000 - head.length) + '\r\n';
  return Buffer.from(bulk(text));
})();

const cases = [];
const LIVE = ['--no-probe', '--no-host', '-f', 'json'];

// 1. A server trickling one byte every 100 ms: cut off at the per-command deadline (--timeout 2000).
cases.push({
  name: 'trickle: 1 byte / 100 ms, beside a healthy target',
  bound: { ms: 8000, rssMiB: 150 },
  async args() {
    const slow = await fake((argv, socket) => {
      if (argv[0] !== 'INFO') return null;
      const reply = Buffer.from(bulk('y'.repeat(10_000)));
      let i = 0;
      const timer = setInterval(() => (socket.destroyed || i >= reply.length ? clearInterval(timer) : socket.write(reply.subarray(i, ++i))), 100);
      socket.on('close', () => clearInterval(timer));
      return null;
    });
    const healthy = await fake((argv) => (argv[0] === 'INFO' ? bulk('# Server\r\nredis_version:7.2.4\r\n') : '-ERR unknown command\r\n'));
    return [`redis://127.0.0.1:${slow}`, `redis://127.0.0.1:${healthy}`, '--timeout', '2000', ...LIVE];
  },
  check: (r) => JSON.parse(r.stdout).targets.length === 2,
});

// 2. Silence with a generous command timeout: the per-target deadline ends it.
cases.push({
  name: 'silent server, --target-timeout 1500',
  bound: { ms: 6000, rssMiB: 150 },
  async args() {
    const silent = await fake(() => null);
    return [`redis://127.0.0.1:${silent}`, '--timeout', '600000', '--target-timeout', '1500', ...LIVE];
  },
  check: (r) => /took longer than its 1500 ms/.test(JSON.parse(r.stdout).targets[0].error ?? ''),
});

// 3. A 60 MB INFO (under the 64 MiB cap).
cases.push({
  name: '60 MB INFO reply',
  bound: { ms: 20000, rssMiB: 300 },
  async args() {
    const port = await fake((argv) => (argv[0] === 'INFO' ? info60 : '-ERR unknown command\r\n'));
    return [`redis://127.0.0.1:${port}`, '--timeout', '60000', ...LIVE];
  },
  check: (r) => JSON.parse(r.stdout).targets.length === 1,
});

// 3b. A 60 MB INFO of 20 million short lines: parsed line by line, never split into one array of 20 million strings.
const infoLines = (() => {
  const head = '# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\n';
  return Buffer.from(bulk(head + 'x\r\n'.repeat((60_000_000 - head.length) / 3)));
})();
cases.push({
  name: '60 MB INFO of 20 M lines',
  bound: { ms: 20000, rssMiB: 300 },
  async args() {
    const port = await fake((argv) => (argv[0] === 'INFO' ? infoLines : '-ERR unknown command\r\n'));
    return [`redis://127.0.0.1:${port}`, '--timeout', '60000', ...LIVE];
  },
  check: (r) => JSON.parse(r.stdout).targets.length === 1,
});

// 4. Millions of empty arrays: cheap on the wire, costly decoded; refused at the cap.
cases.push({
  name: '15 M empty arrays (60 MB on the wire)',
  bound: { ms: 20000, rssMiB: 400 },
  async args() {
    const n = 15_000_000;
    const wire = Buffer.concat([Buffer.from(`*${n}\r\n`), Buffer.alloc(n * 4, '*0\r\n')]);
    const port = await fake((argv) => (argv[0] === 'INFO' ? wire : '-ERR unknown command\r\n'));
    return [`redis://127.0.0.1:${port}`, '--timeout', '60000', ...LIVE];
  },
  check: (r) => /reply too large/.test(JSON.parse(r.stdout).targets[0].error ?? ''),
});

// 5-7. Files that never end or walk the file system.
const fifo = join(dir, 'fifo.conf');
execFileSync('mkfifo', [fifo]);
writeFileSync(join(dir, 'zero.conf'), 'port 6379\ninclude /dev/zero\n');
writeFileSync(join(dir, 'walk.conf'), 'port 6379\ninclude /*/*/*/*/*.conf\n');
symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
cases.push({ name: '--config FIFO', bound: { ms: 3000, rssMiB: 150 }, args: async () => ['--config', fifo], check: (r) => r.code === 2 && /FIFO/.test(r.stderr) });
cases.push({ name: 'include /dev/zero', bound: { ms: 3000, rssMiB: 150 }, args: async () => ['--config', join(dir, 'zero.conf')], check: (r) => r.code === 2 && /character device/.test(r.stderr) });
cases.push({ name: 'include /*/*/*/*/*.conf', bound: { ms: 5000, rssMiB: 150 }, args: async () => ['--config', join(dir, 'walk.conf')], check: (r) => r.code === 2 && /redfort stops there/.test(r.stderr) });
cases.push({ name: '.redfort.yaml -> /dev/zero', bound: { ms: 3000, rssMiB: 150 }, args: async () => ['--config-file', join(dir, 'zero.yaml'), '--config', join(dir, 'walk.conf')], check: (r) => r.code === 2 && /character device/.test(r.stderr) });

// 8-10. Inputs that were quadratic.
writeFileSync(join(dir, 'save.conf'), Array.from({ length: 20_000 }, (_, i) => `save ${i + 1} ${i}`).join('\n') + '\n');
writeFileSync(join(dir, 'users.acl'), `user a on ${Array.from({ length: 80_000 }, (_, i) => `#${i.toString(16).padStart(64, '0')}`).join(' ')} ~* +@all\n`);
writeFileSync(join(dir, 'acl.conf'), `port 6379\naclfile ${join(dir, 'users.acl')}\n`);
writeFileSync(join(dir, 'targets.yaml'), `targets:\n${Array.from({ length: 4000 }, (_, i) => `  redis://10.0.${i >> 8}.${i & 255}:6379:\n    user: auditor\n`).join('')}`);
cases.push({ name: '20,000 save lines', bound: { ms: 5000, rssMiB: 200 }, args: async () => ['--config', join(dir, 'save.conf'), '-f', 'json'], check: (r) => r.code !== 2 });
cases.push({ name: 'one ACL user, 80,000 passwords', bound: { ms: 10000, rssMiB: 300 }, args: async () => ['--config', join(dir, 'acl.conf'), '-f', 'json'], check: (r) => r.code !== 2 });
cases.push({
  name: '4,000-target settings file (4,000 connects at once)',
  bound: { ms: 15000, rssMiB: 800 },
  // Every target is unreachable at once: what is timed is the settings file and the inventory.
  args: async () => ['--config-file', join(dir, 'targets.yaml'), '--connect-timeout', '1', '--concurrency', '4000', '--target-timeout', '2000', ...LIVE],
  check: (r) => JSON.parse(r.stdout).targets.length === 4000 && !/settings/.test(r.stderr.split('\n')[0] ?? ''),
});

const rows = [];
let broken = 0;
// `node bench/hostile.mjs INFO` runs only the cases whose name matches.
const only = process.argv[2] === undefined ? undefined : new RegExp(process.argv[2], 'i');
for (const c of cases.filter((k) => !only || only.test(k.name))) {
  const args = ['audit', ...(await c.args())];
  const r = await run(args);
  const ok = c.check(r) && r.ms <= c.bound.ms && r.rssMiB <= c.bound.rssMiB;
  if (!ok) {
    broken++;
    process.stderr.write(`FAILED ${c.name}: code ${r.code}, ${Math.round(r.ms)} ms, ${r.rssMiB.toFixed(0)} MiB\n${r.stderr.slice(0, 400)}\n`);
  }
  process.stderr.write(`done ${c.name} ${Math.round(r.ms)} ms\n`);
  rows.push(`| ${c.name} | ${(r.ms / 1000).toFixed(1)} s | ${r.rssMiB.toFixed(0)} MiB | ${c.bound.ms / 1000} s, ${c.bound.rssMiB} MiB | ${ok ? 'ok' : 'BROKEN'} |`);
}
for (const s of servers) s.close();
rmSync(dir, { recursive: true, force: true });
console.log('| case | wall time | peak RSS | bound | |\n|---|---|---|---|---|');
console.log(rows.join('\n'));
process.exit(broken ? 1 : 0);
