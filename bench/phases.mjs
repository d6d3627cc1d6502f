// What each phase of a one-server audit costs (issue 15): node start, loading the CLI, the live round trip, the
// network probes, host facts, judging, the report. Usage: npm run build && node bench/phases.mjs
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { startRedisFleet } from './fleet-servers.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const CLI = new URL('../bin/redfort.mjs', import.meta.url).pathname;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fleet = await startRedisFleet(1);
try {
  const port = fleet.ports[0];
  const lib = await import('../dist/index.mjs');
  const target = lib.resolveTarget(`redis://127.0.0.1:${port}`, {}, {});
  const time = async (fn) => {
    const xs = [];
    for (let i = 0; i < ROUNDS; i++) {
      const s = performance.now();
      await fn();
      xs.push(performance.now() - s);
    }
    return median(xs);
  };
  const live = await time(() => lib.gatherLive(target, {}));
  const noExtras = await time(() => lib.auditTarget(target, { noHost: true, noProbe: true }));
  const probes = await time(() => lib.auditTarget(target, { noHost: true }));
  const all = await time(() => lib.auditTarget(target, {}));
  const facts = (await lib.gatherTarget(target, {})).facts;
  const judge = await time(() => lib.judgeFacts(facts, {}));
  const report = lib.reportOf([lib.judgeFacts(facts, {})]);
  const json = await time(() => lib.REPORTERS.get('json')(report, { rules: lib.RULES, color: false }));
  const proc = (args) => median(Array.from({ length: ROUNDS }, () => {
    const s = performance.now();
    spawnSync(process.execPath, args, { stdio: 'ignore' });
    return performance.now() - s;
  }));
  const start = proc(['-e', '0']);
  const version = proc([CLI, '--version']);
  const cli = proc([CLI, 'audit', `redis://127.0.0.1:${port}`, '--format', 'json', '--fail-on', 'none']);
  console.log('| phase | median ms |\n|---|---|');
  for (const [name, ms] of [
    ['node start (`node -e 0`)', start],
    ['`redfort --version` (start + the 0.4 KB entry)', version],
    ['live gathering: connect, AUTH, one pipelined round trip, parse', live],
    ['judging every rule', judge],
    ['network probes (unauthenticated PING/INFO; TLS when configured)', probes - noExtras],
    ['host facts (/proc, files, firewall, logrotate, systemd, package)', all - probes],
    ['JSON report', json],
    ['whole CLI run: `redfort audit URL --format json`', cli],
  ]) console.log(`| ${name} | ${ms.toFixed(1)} |`);
} finally {
  await fleet.stop();
}
