import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rm } from 'node:fs/promises';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// Review R4: a replica whose settings the auditor cannot read at all (it may run INFO only: CONFIG GET and ACL LIST
// refused) was left out of the comparison, and config.inconsistent-nodes passed 'all 2 nodes agree on their TLS and
// auth settings' over the other two, though that replica has a user ('ops') the others lack. Reading less of a node
// turned the skip of an unread ACL into a pass.
after(stopAll);
const PW = 'Unread-Node-Secret-9d3c51';
const AUDITOR = { user: 'auditor', pass: 'Auditor-Secret-2b7e4a' };

describe('a replica whose auditor user may only run INFO', () => {
  let master: RunningServer;
  let hidden: RunningServer;
  before(async () => {
    const base = `requirepass ${PW}\nmasterauth ${PW}`;
    master = await startRedis({ password: PW, conf: `${base}\nuser ${AUDITOR.user} on >${AUDITOR.pass} +@all` });
    await startReplica(master, { password: PW, conf: `${base}\nuser ${AUDITOR.user} on >${AUDITOR.pass} +@all` });
    hidden = await startReplica(master, { password: PW, conf: `${base}\nuser ${AUDITOR.user} on >${AUDITOR.pass} -@all +info\nuser ops on >Ops-Secret-6a0f +@all` });
    // As a server started without a file (or whose file is not on this machine): redfort reads the file INFO names
    // when it can, which would give the replica's settings back.
    await rm(hidden.confPath);
  });

  it('config.inconsistent-nodes skips, naming the replica it could not compare', async () => {
    const results = await auditDeployment(resolveTarget(master.url, AUDITOR, {}), { noHost: true, noProbe: true, kind: 'replication' });
    assert.deepEqual(results.map((r) => r.error), results.map(() => undefined));
    const r = results[0]!.results.filter((x) => x.ruleId === 'config.inconsistent-nodes');
    assert.deepEqual(r.map((x) => x.status), ['skip'], r.map((x) => x.message).join('\n'));
    assert.ok(r[0]!.message.startsWith(`not every node of the deployment could be compared (not compared: 127.0.0.1:${hidden.port}: `), r[0]!.message);
    assert.match(r[0]!.message, /\), so whether they all agree is unknown; the 2 nodes compared agree on the settings read$/);
  });
});
