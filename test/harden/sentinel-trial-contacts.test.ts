// QA41-61: harden's trial Sentinel only moved `sentinel monitor` to a closed port: the `known-replica` and
// `known-sentinel` lines of the file (what every running sentinel's own file holds) made it connect to the real
// replica and the real sentinel, log in there with the new credentials and subscribe to their hello channel. And the
// regex that moved `sentinel monitor` mangled a quoted master name (`"my master"`), so the trial failed on harden's
// own edit. The trial's copy is rewritten from the parsed lines now: it contacts nothing but harden. Real servers:
// a master, a node named as its replica and a sentinel named as a peer, each counting the connections it gets.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-sentinel-contacts-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** The connections a server has accepted so far (each call is one more). */
async function accepted(server: RunningServer): Promise<number> {
  return Number(/^total_connections_received:(\d+)/m.exec(String(await rawCommand(server.host, server.port, ['INFO', 'stats'])))?.[1]);
}

/** A master, a node its file names as a replica and a sentinel its file names as a peer, none in touch with another. */
async function nodes(): Promise<{ master: RunningServer; replica: RunningServer; peer: RunningServer }> {
  const master = await startRedis({ killOnStop: true });
  const replica = await startRedis({ killOnStop: true });
  // A sentinel that watches nothing: only the trial would connect to it.
  const peer = await startRedis({ sentinel: true, killOnStop: true, confText: (port) => `port ${port}\nbind 127.0.0.1\ndir ./\n` });
  return { master, replica, peer };
}

/** Hardens the sentinel.conf whose lines `lines` gives: the run, and how many connections each node got meanwhile. */
async function harden(name: string, all: RunningServer[], lines: string[]): Promise<{ stdout: string; code: number; got: number[]; out: string }> {
  const conf = join(work, `${name}.conf`);
  writeFileSync(conf, ['port 26379', 'bind 127.0.0.1', ...lines, ''].join('\n'));
  const before = await Promise.all(all.map(accepted));
  const out = join(work, name);
  const run = await redfort(['harden', '--sentinel-config', conf, '--redis-version', '7.0.15', '--out', out]);
  // Sentinel's timer reconnects its instances every 100 ms: give a trial that lived on a moment to show.
  await new Promise((r) => setTimeout(r, 300));
  const after = await Promise.all(all.map(accepted));
  assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
  // Less this test's own INFO.
  return { stdout: run.stdout, code: run.code, got: after.map((n, i) => n - before[i]! - 1), out };
}

const RUNID = '0b17ce47417cbf9efe16275ec11bd6edbbeb1b15';

describe("harden's trial Sentinel contacts no node its sentinel.conf names (QA41-61)", () => {
  it('known-replica and known-sentinel: no connection to the replica or the peer (nor the master)', { timeout: 90_000 }, async () => {
    const { master, replica, peer } = await nodes();
    const run = await harden('known', [master, replica, peer], [
      `sentinel monitor mymaster ${master.host} ${master.port} 1`,
      `sentinel known-replica mymaster ${replica.host} ${replica.port}`,
      `sentinel known-sentinel mymaster ${peer.host} ${peer.port} ${RUNID}`,
    ]);
    assert.match(run.stdout, /^Trial start: passed/m, run.stdout);
    assert.deepEqual(run.got, [0, 0, 0], 'connections the trial made to the master, the replica and the peer');
    // The output keeps the file's lines: they are the deployment's.
    const hardened = readFileSync(join(run.out, 'sentinel.conf'), 'utf8');
    assert.match(hardened, new RegExp(`^sentinel known-replica mymaster ${replica.host} ${replica.port}$`, 'm'));
    assert.match(hardened, new RegExp(`^sentinel known-sentinel mymaster ${peer.host} ${peer.port} ${RUNID}$`, 'm'));
  });

  it('a quoted master name ("my master"): the trial starts it, and contacts none of its nodes', { timeout: 90_000 }, async () => {
    const { master, replica, peer } = await nodes();
    const run = await harden('quoted', [master, replica, peer], [
      `sentinel monitor "my master" ${master.host} ${master.port} 1`,
      `sentinel known-replica "my master" ${replica.host} ${replica.port}`,
      `sentinel known-sentinel "my master" ${peer.host} ${peer.port} ${RUNID}`,
    ]);
    assert.match(run.stdout, /^Trial start: passed/m, run.stdout);
    assert.deepEqual(run.got, [0, 0, 0], 'connections the trial made to the master, the replica and the peer');
    const hardened = readFileSync(join(run.out, 'sentinel.conf'), 'utf8');
    assert.match(hardened, new RegExp(`^sentinel monitor "my master" ${master.host} ${master.port} 1$`, 'm'));
    // harden's own lines name the master as one word too (they were `sentinel auth-user "my sentinel`).
    assert.match(hardened, /^sentinel auth-user "my master" sentinel$/m);
    assert.doesNotMatch(run.stdout, /Unbalanced quotes/);
  });

  it('a known-replica in an include, which the trial cannot rewrite: no trial start, and it says why', { timeout: 90_000 }, async () => {
    const { master, replica, peer } = await nodes();
    const included = join(work, 'known.conf');
    writeFileSync(included, `sentinel known-replica mymaster ${replica.host} ${replica.port}\n`);
    const run = await harden('included', [master, replica, peer], [`sentinel monitor mymaster ${master.host} ${master.port} 1`, `include ${included}`]);
    assert.match(run.stdout, new RegExp(`^Trial start: unvalidated: trial start skipped: the config names a node to contact in an include \\(sentinel known-replica at ${included.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:1\\)`, 'm'), run.stdout);
    assert.deepEqual(run.got, [0, 0, 0], 'connections the trial made to the master, the replica and the peer');
  });
});
