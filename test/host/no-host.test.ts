import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { createHostDiscovery } from '../../src/gather/host/discovery.ts';
import { readTcpSockets } from '../../src/gather/host/proc.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// `--no-host` turns host facts off, not the config files: for a server on this machine, the file the process listening
// on the port was started with is found through /proc and read (docs/host-audit.md). With the file given (--config),
// the port's process is not looked up for it, and nothing of the socket table is read.
after(stopAll);

describe('--no-host', () => {
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis();
  });

  /** A discovery whose socket table reads are counted. */
  function counted(): { discovery: ReturnType<typeof createHostDiscovery>; reads: () => number } {
    let reads = 0;
    const read = () => (reads++, readTcpSockets());
    return { discovery: createHostDiscovery({ tcpSockets: read, recentTcpSockets: read }), reads: () => reads };
  }

  it('gathers no host fact, and reads the config file of the process listening on the port', async () => {
    const { discovery, reads } = counted();
    const result = await auditTarget(resolveTarget(redis.url, {}, {}), { noHost: true, noProbe: true, hostDiscovery: discovery });
    const status = new Map(result.results.map((r) => [r.ruleId, r]));
    assert.equal(status.get('config.runtime-drift')?.status, 'pass');
    assert.equal(status.get('host.runs-as-root')?.status, 'skip');
    assert.match(status.get('host.runs-as-root')!.message, /--no-host/);
    assert.equal(reads(), 1);
  });

  it('with the config file given, reads no socket table and judges every rule the same', async () => {
    const found = await auditTarget(resolveTarget(redis.url, {}, {}), { noHost: true, noProbe: true });
    const { discovery, reads } = counted();
    const given = await auditTarget(resolveTarget(redis.url, {}, {}), { noHost: true, noProbe: true, configPath: redis.confPath, hostDiscovery: discovery });
    assert.equal(reads(), 0);
    assert.deepEqual(new Map(given.results.map((r) => [r.ruleId, r.status])), new Map(found.results.map((r) => [r.ruleId, r.status])));
    assert.equal(given.results.find((r) => r.ruleId === 'config.runtime-drift')?.status, 'pass');
  });
});
