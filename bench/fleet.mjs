// Fleet and start-up benchmark (issue 15): redfort beside nmap's redis-info on the same ports, side by side.
//   1. 200 local redis-server processes, full audit with host facts, against `nmap -Pn -p P1,…,P200 --script
//      +redis-info 127.0.0.1`;
//   2. 1,000 targets answered by one lightweight fake-server process (replies recorded from a real server):
//      wall time, CPU and peak RSS of `redfort audit --targets FILE --format jsonl -o FILE`;
//   (1 and 2 also with --jobs 1 and 1 with --jobs 2: one thread, and the main thread with a worker thread)
//   3. one server: `redfort audit URL --format json` against nmap on its port and a bare `node -e 0`.
//   4. (context, not one of the goals) a fleet across a network: REMOTE=200 fake servers that hold every reply
//      REMOTE_DELAY=20 ms, as a round trip would, audited as remote servers are (`--no-host`: no host facts to read)
//      beside nmap on the same ports. Loopback has no round trip, so part 1 measures CPU only; this one, the waiting.
// Usage: npm run build && node bench/fleet.mjs   (FLEET=200 FAKES=1000 ROUNDS=5 FAKE_ROUNDS=5 REMOTE=200
//   REMOTE_DELAY=20 to change the sizes; PARTS=fakes, or any of fleet,one,fakes,remote separated by commas, to run
//   only those parts; the default is fleet,one,fakes)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { recordReplies, startFakeFleet, startRedisFleet } from './fleet-servers.mjs';
import { ensureBuilt } from './built.mjs';
import { AUDIT_COMMANDS } from './audit-commands.mjs';

ensureBuilt();

const FLEET = Number(process.env.FLEET ?? 200);
const FAKES = Number(process.env.FAKES ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const FAKE_ROUNDS = Number(process.env.FAKE_ROUNDS ?? 5);
const REMOTE = Number(process.env.REMOTE ?? 200);
const REMOTE_DELAY = Number(process.env.REMOTE_DELAY ?? 20);
const PARTS = new Set((process.env.PARTS ?? 'fleet,one,fakes').split(',').map((p) => p.trim()));
for (const p of PARTS) if (!['fleet', 'one', 'fakes', 'remote'].includes(p)) throw new Error(`PARTS: unknown part '${p}' (fleet, one, fakes, remote)`);
const CLI = new URL('../bin/redfort.cjs', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'redfort-bench-fleet-'));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Runs a command to its end without blocking this process (the fake servers below answer from its event loop), with
 * this process's environment or `env`.
 */
function run(cmd, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

/**
 * Runs each command once per round, interleaved (so that load hits them alike); median ms and peak RSS MiB.
 * Asynchronously: with spawnSync the fake fleet, served by this very process, could not answer, and every one of
 * its targets timed out (the "1,000 targets took 320 s" of the last run).
 */
async function sideBySide(commands, rounds = ROUNDS) {
  const times = commands.map(() => []);
  const cpu = commands.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, [, cmd, args, env]] of commands.entries()) {
      const start = performance.now();
      // CPU (user + system) of the command and its threads, as /usr/bin/time reads it.
      const timed = await run('/usr/bin/time', ['-f', '%U %S', cmd, ...args], env);
      times[i].push(performance.now() - start);
      const [user, system] = timed.stderr.trim().split('\n').pop().split(' ').map(Number);
      cpu[i].push((user + system) * 1000);
    }
  }
  const rows = [];
  for (const [i, [name, cmd, args, env]] of commands.entries()) {
    const timed = await run('/usr/bin/time', ['-f', '%M', cmd, ...args], env);
    const rss = Number(timed.stderr.trim().split('\n').pop()) / 1024;
    rows.push({ name, ms: median(times[i]), cpu: median(cpu[i]), rss });
  }
  return rows;
}

function print(title, rows) {
  console.log(`\n${title}\n`);
  console.log('| what | median ms | median CPU ms | peak RSS MiB |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.ms.toFixed(0)} | ${r.cpu === undefined ? 'n/a' : r.cpu.toFixed(0)} | ${Number.isFinite(r.rss) ? r.rss.toFixed(0) : 'n/a'} |`);
}

const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; node ${process.version}; load average at start ${load()}`);
// NODE_EXTRA_CA_CERTS makes every Node process read and parse that file's certificates as it starts, before any of
// its own code runs: with Debian's bundle of about 140, some 40 ms of CPU (`node -e 0` 60 ms instead of 20 here).
// Some machines set it (this project's did); most users' do not, and nmap never pays it. When it is set, the Node
// commands also run without it, and the ratios are given both ways.
const extraCa = process.env.NODE_EXTRA_CA_CERTS;
const withoutCa = extraCa === undefined ? undefined : Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_EXTRA_CA_CERTS'));
const bare = ' (without NODE_EXTRA_CA_CERTS)';
if (extraCa !== undefined) console.log(`NODE_EXTRA_CA_CERTS is set (${extraCa}): the Node commands run with it and, in rows marked so, without it`);
const nmap = (ports) => ['nmap', ['-Pn', '-p', ports.join(','), '--script', '+redis-info', '127.0.0.1']];
const ratios = [];
// The fake servers replay one real server's replies: a run of the fakes alone still starts one real server.
const fleet = await startRedisFleet(PARTS.has('fleet') ? FLEET : 1);
try {
  if (PARTS.has('fleet')) {
    const targets = join(work, 'fleet.txt');
    writeFileSync(targets, fleet.ports.map((p) => `redis://127.0.0.1:${p}`).join('\n'));
    // The default (--jobs auto: worker threads only when the load average leaves a core idle), one thread, and the
    // main thread with a worker thread (src/app/pool.ts).
    const audit = (jobs) => ['node', [CLI, 'audit', '--targets', targets, '--format', 'json', '-o', join(work, 'fleet.json'), '--fail-on', 'none', '--quiet', '--jobs', jobs]];
    const rows = await sideBySide([
      [`redfort audit --targets (${FLEET} local servers, host facts and probes)`, ...audit('auto')],
      [`nmap -Pn -p P1,…,P${FLEET} --script +redis-info 127.0.0.1`, ...nmap(fleet.ports)],
      ['the same, --jobs 1', ...audit('1')],
      ['the same, --jobs 2', ...audit('2')],
      ...(withoutCa ? [[`the same, --jobs auto${bare}`, ...audit('auto'), withoutCa], [`the same, --jobs 1${bare}`, ...audit('1'), withoutCa]] : []),
    ], Math.min(ROUNDS, 3));
    print(`${FLEET} local redis-server processes`, rows);
    ratios.push([`${FLEET} local servers with host facts / nmap`, rows[0].ms / rows[1].ms, 1.0]);
    ratios.push([`the same, --jobs 1 / nmap`, rows[2].ms / rows[1].ms, 1.0]);
    ratios.push([`the same, --jobs 2 / nmap`, rows[3].ms / rows[1].ms, 1.0]);
    if (withoutCa) {
      ratios.push([`${FLEET} local servers / nmap${bare}`, rows[4].ms / rows[1].ms, 1.0]);
      ratios.push([`the same, --jobs 1 / nmap${bare}`, rows[5].ms / rows[1].ms, 1.0]);
    }
  }

  if (PARTS.has('one')) {
    const one = `redis://127.0.0.1:${fleet.ports[0]}`;
    const single = await sideBySide([
      ['redfort audit URL --format json (host facts and probes)', 'node', [CLI, 'audit', one, '--format', 'json', '--fail-on', 'none']],
      ['redfort --version', 'node', [CLI, '--version']],
      ['nmap -Pn -p P --script +redis-info 127.0.0.1', ...nmap([fleet.ports[0]])],
      ['node -e 0', 'node', ['-e', '0']],
      ...(withoutCa ? [
        [`redfort audit URL --format json${bare}`, 'node', [CLI, 'audit', one, '--format', 'json', '--fail-on', 'none'], withoutCa],
        [`node -e 0${bare}`, 'node', ['-e', '0'], withoutCa],
      ] : []),
    ], ROUNDS * 4);
    print('One server', single);
    ratios.push(['one server / nmap', single[0].ms / single[2].ms, 0.7]);
    ratios.push(['one server / node -e 0', single[0].ms / single[3].ms, 2.0]);
    if (withoutCa) {
      ratios.push([`one server / nmap${bare}`, single[4].ms / single[2].ms, 0.7]);
      ratios.push([`one server / node -e 0${bare}`, single[4].ms / single[5].ms, 2.0]);
    }
  }

  // Replies of a real server, served by one process on FAKES ports.
  const commands = AUDIT_COMMANDS;
  if (PARTS.has('fakes')) {
    const replies = await recordReplies(fleet.ports[0], [...commands, ['PING'], ['INFO', 'server'], ['HELLO', '3']]);
    const fakes = await startFakeFleet(FAKES, replies);
    try {
      const list = join(work, 'fakes.txt');
      writeFileSync(list, fakes.ports.map((p) => `redis://127.0.0.1:${p}`).join('\n'));
      // The peak RSS of one run depends on when V8 happens to collect: several runs, each under /usr/bin/time, the
      // default (a streamed run: one worker thread with a bounded heap) and --jobs 1 (all in one thread) alternately.
      const runs = [];
      const single = [];
      for (let r = 0; r < FAKE_ROUNDS; r++) {
        for (const [jobs, into] of [['auto', runs], ['1', single]]) {
          const start = performance.now();
          const timed = await run('/usr/bin/time', ['-f', '%M %U %S', 'node', CLI, 'audit', '--targets', list, '--format', 'jsonl', '-o', join(work, 'fakes.jsonl'), '--fail-on', 'none', '--quiet', '--jobs', jobs]);
          const [kb, user, system] = timed.stderr.trim().split('\n').pop().split(' ').map(Number);
          into.push({ ms: performance.now() - start, rss: kb / 1024, cpu: (user + system) * 1000 });
        }
      }
      const rss = runs.map((r) => r.rss);
      const each = (xs) => xs.map((r) => r.rss.toFixed(0)).join(', ');
      print(`${FAKES} targets (one fake-server process), ${FAKE_ROUNDS} runs each; peak RSS of each: ${each(runs)} MiB (default), ${each(single)} MiB (--jobs 1)`, [
        { name: `redfort audit --targets (${FAKES} fake servers) --format jsonl -o FILE`, ms: median(runs.map((r) => r.ms)), cpu: median(runs.map((r) => r.cpu)), rss: median(rss) },
        { name: 'the same, --jobs 1', ms: median(single.map((r) => r.ms)), cpu: median(single.map((r) => r.cpu)), rss: median(single.map((r) => r.rss)) },
      ]);
      // A run whose targets all failed is fast or slow for the wrong reason: say how many were really audited.
      const lines = readFileSync(join(work, 'fakes.jsonl'), 'utf8').split('\n').filter((l) => l.startsWith('{"type":"target"'));
      const failed = lines.filter((l) => JSON.parse(l).error !== undefined).length;
      console.log(`\n${lines.length} targets in the JSON Lines file, ${failed} of them errors`);
      ratios.push([`${FAKES} targets peak RSS MiB (median of ${FAKE_ROUNDS}; highest ${Math.max(...rss).toFixed(0)})`, median(rss), 150]);
      ratios.push([`the same, --jobs 1 (highest ${Math.max(...single.map((r) => r.rss)).toFixed(0)})`, median(single.map((r) => r.rss)), 150]);
    } finally {
      await fakes.stop();
    }
  }

  if (PARTS.has('remote')) {
    const replies = await recordReplies(fleet.ports[0], [...commands, ['PING'], ['INFO', 'server'], ['HELLO', '3']]);
    const far = await startFakeFleet(REMOTE, replies, { delay: REMOTE_DELAY });
    try {
      const list = join(work, 'remote.txt');
      writeFileSync(list, far.ports.map((p) => `redis://127.0.0.1:${p}`).join('\n'));
      const out = join(work, 'remote.json');
      const rows = await sideBySide([
        [`redfort audit --targets (${REMOTE} servers ${REMOTE_DELAY} ms away) --no-host --format json -o FILE`, 'node', [CLI, 'audit', '--targets', list, '--no-host', '--format', 'json', '-o', out, '--fail-on', 'none', '--quiet']],
        [`nmap -Pn -p P1,…,P${REMOTE} --script +redis-info 127.0.0.1`, ...nmap(far.ports)],
      ]);
      print(`${REMOTE} fake servers answering each request after ${REMOTE_DELAY} ms (a network's round trip; context, not a goal)`, rows);
      const audited = JSON.parse(readFileSync(out, 'utf8')).targets.filter((t) => t.error === undefined).length;
      console.log(`\n${audited} of ${REMOTE} targets audited without an error`);
      ratios.push([`${REMOTE} servers ${REMOTE_DELAY} ms away / nmap (context)`, rows[0].ms / rows[1].ms, 1.0]);
    } finally {
      await far.stop();
    }
  }
} finally {
  await fleet.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(`\nload average at the end ${load()}`);
console.log('\n| goal | measured | limit |\n|---|---|---|');
for (const [name, value, limit] of ratios) console.log(`| ${name} | ${value.toFixed(2)} | ${limit} |`);
