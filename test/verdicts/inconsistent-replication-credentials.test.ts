import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, startSentinels, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';

// config.inconsistent-nodes compared masteruser / masterauth across every data node, so a master without them
// (which replicates from nobody) was "inconsistent" with its replicas in every --replication audit. What matters is
// who replicates: the replicas, and with Sentinel (or Cluster) every node, since a failover demotes the master (the
// Sentinel documentation: set them "in all your instances, both masters and replicas"). Shown here on real servers:
// after SENTINEL FAILOVER the old master, without masterauth, cannot authenticate to its new master.
after(stopAll);
const PW = 'Repl-Secret-5d1e9c7a2b';
const REPL = 'Repl-User-Secret-8a3f';
const FAST = { noHost: true, noProbe: true } as const;
const at = (s: RunningServer) => `${s.host}:${s.port}`;
const re = (text: string) => text.replace(/[.()[\]]/g, '\\$&');

describe('a master without masteruser / masterauth, its 2 replicas with them', () => {
  let master: RunningServer;
  let sentinels: RunningServer[];
  before(async () => {
    const users = `requirepass ${PW}\nuser repl on >${REPL} -@all +psync +replconf +ping`;
    master = await startRedis({ password: PW, conf: users });
    await Promise.all([0, 1].map(() => startReplica(master, { password: PW, masteruser: 'repl', masterauth: REPL, conf: users })));
    sentinels = await startSentinels(3, master, { authPass: PW });
  });
  const servers = () => resolveTarget(master.url, { pass: PW }, {});
  const inconsistent = async (kind: 'replication' | 'sentinel') => {
    const seed = kind === 'sentinel' ? resolveTarget(sentinels[0]!.url, {}, {}) : servers();
    const results = await auditDeployment(seed, { ...FAST, kind, nodeOverrides: new Map([['master', servers()], ['replica', servers()]]) });
    assert.deepEqual(results.map((r) => r.error), results.map(() => undefined));
    return results[0]!.results.filter((x) => x.ruleId === 'config.inconsistent-nodes');
  };

  it('--replication: no failover, so the master needs no replication credentials; the replicas agree', async () => {
    const r = await inconsistent('replication');
    assert.deepEqual(r.map((x) => [x.status, x.message]), [['pass', 'all 3 nodes agree on their TLS and auth settings']]);
  });

  it('--sentinel: the master is named as missing them; after a failover it indeed cannot authenticate', async () => {
    const r = await inconsistent('sentinel');
    assert.deepEqual(r.map((x) => x.status), ['fail', 'fail'], r.map((x) => x.message).join('\n'));
    for (const [i, name] of ['masteruser', 'masterauth'].entries()) {
      assert.match(r[i]!.message, new RegExp(`^${name} is not set on ${re(at(master))} \\(master\\) but is on the other 2 nodes: after a Sentinel failover every node may replicate from a new master, so every node needs it, masters too$`));
    }
    // The premise, on the real servers: the demoted master is refused by its new master.
    await eventually('the sentinels to see both replicas', async () => {
      const fields = (await rawCommand(sentinels[0]!.host, sentinels[0]!.port, ['SENTINEL', 'MASTER', 'mymaster'])) as string[];
      return fields[fields.indexOf('num-slaves') + 1] === '2';
    }, { timeoutMs: 20_000 });
    assert.equal(await rawCommand(sentinels[0]!.host, sentinels[0]!.port, ['SENTINEL', 'FAILOVER', 'mymaster']), 'OK');
    await eventually('the old master to be refused by its new master', async () => {
      const info = String(await rawCommand(master.host, master.port, ['INFO', 'replication'], { password: PW }));
      return /role:slave/.test(info) && /master_link_status:down/.test(info) && /-NOAUTH Authentication required/.test(await readFile(master.logPath, 'utf8'));
    }, { timeoutMs: 30_000 });
  });
});
