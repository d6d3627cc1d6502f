// What each phase of a one-server audit costs (issue 15): node start, loading the CLI, the live round trip, the
// config-file stage, the network probes, host facts, judging, the report, the whole CLI run. In process (the
// library, warm) and as processes (cold, as a user runs it). Medians of ROUNDS.
// Usage: npm run build && node bench/phases.mjs   (ROUNDS=20)
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { startRedisFleet } from './fleet-servers.mjs';
import { ensureBuilt } from './built.mjs';

ensureBuilt();

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const CLI = new URL('../bin/redfort.cjs', import.meta.url).pathname;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; node ${process.version}; load average at start ${load()}\n`);
const fleet = await startRedisFleet(1);
try {
  const port = fleet.ports[0];
  const lib = await import('../dist/index.mjs');
  const target = lib.resolveTarget(`redis://127.0.0.1:${port}`, {}, {});
  const time = async (fn) => {
    await fn();
    const xs = [];
    for (let i = 0; i < ROUNDS; i++) {
      const s = performance.now();
      await fn();
      xs.push(performance.now() - s);
    }
    return median(xs);
  };
  const live = await time(() => lib.gatherLive(target, {}));
  // The config-file stage always runs for a local target (it finds the listening process's redis.conf).
  const files = await time(() => lib.auditTarget(target, { noHost: true, noProbe: true }));
  const probes = await time(() => lib.auditTarget(target, { noHost: true }));
  const host = await time(() => lib.auditTarget(target, { noProbe: true }));
  const all = await time(() => lib.auditTarget(target, {}));
  // Judged on facts gathered afresh each time: the ACL analysis is shared within one target's facts only.
  const fresh = [];
  for (let i = 0; i <= ROUNDS; i++) fresh.push((await lib.gatherTarget(target, {})).facts);
  const facts = fresh[0];
  const judge = await time(() => lib.judgeFacts(fresh.pop() ?? facts, {}));
  const report = lib.reportOf([lib.judgeFacts(facts, {})]);
  const json = await time(() => lib.REPORTERS.get('json')(report, { rules: lib.RULES, color: false }));
  const proc = (args) => median(Array.from({ length: ROUNDS }, () => {
    const s = performance.now();
    spawnSync(process.execPath, args, { stdio: 'ignore' });
    return performance.now() - s;
  }));
  const start = proc(['-e', '0']);
  const version = proc([CLI, '--version']);
  const loaded = proc([CLI, 'rules', '--format', 'json']);
  const offline = proc([CLI, 'audit', `redis://127.0.0.1:${port}`, '--format', 'json', '--fail-on', 'none', '--no-host', '--no-probe']);
  const cli = proc([CLI, 'audit', `redis://127.0.0.1:${port}`, '--format', 'json', '--fail-on', 'none']);
  console.log('| phase | median ms |\n|---|---|');
  for (const [name, ms] of [
    ['node start (`node -e 0`)', start],
    ['`redfort --version` (start + bin/redfort.cjs, the `redfort` command, and the 1.7 KB CommonJS entry, version inlined)', version],
    ['`redfort rules --format json` (start + loading the CLI and the rule catalogue)', loaded],
    ['library, warm: live gathering (connect, one pipelined round trip, parse)', live],
    ['library, warm: `auditTarget` without probes or host facts (live, the config-file stage, judging)', files],
    ['library, warm: `auditTarget` with the network probes, no host facts', probes],
    ['library, warm: `auditTarget` with host facts, no probes', host],
    ['library, warm: `auditTarget`, everything (probes and host facts at once)', all],
    ['library, warm: judging every rule', judge],
    ['library, warm: JSON report', json],
    ['CLI: `redfort audit URL --format json --no-host --no-probe`', offline],
    ['CLI: `redfort audit URL --format json` (everything)', cli],
  ]) console.log(`| ${name} | ${ms.toFixed(1)} |`);
  console.log(`\nload average at the end ${load()}`);
} finally {
  await fleet.stop();
}
