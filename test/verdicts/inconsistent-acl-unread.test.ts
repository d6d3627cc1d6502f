import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// ACL users are not replicated: 'ops' exists on the master only. An auditor without +acl|list reads the nodes' CONFIG
// but not their users, and config.inconsistent-nodes passed with "all 2 nodes agree on their TLS and auth settings".
after(stopAll);
const PW = 'Acl-Unread-Secret-4e8b1d';
const AUDITOR = { user: 'auditor', pass: 'Auditor-Secret-7c2a9f' };

describe('a master and a replica whose ACL users differ, audited without +acl|list', () => {
  let master: RunningServer;
  before(async () => {
    const users = `requirepass ${PW}\nmasterauth ${PW}\nuser ${AUDITOR.user} on >${AUDITOR.pass} +@all -acl`;
    master = await startRedis({ password: PW, conf: `${users}\nuser ops on >Ops-Secret-1f5d +@all` });
    await startReplica(master, { password: PW, conf: users });
  });

  it('config.inconsistent-nodes skips, naming the nodes whose users it could not read', async () => {
    const results = await auditDeployment(resolveTarget(master.url, AUDITOR, {}), { noHost: true, noProbe: true, kind: 'replication' });
    assert.deepEqual(results.map((r) => r.error), results.map(() => undefined));
    const r = results[0]!.results.filter((x) => x.ruleId === 'config.inconsistent-nodes');
    assert.deepEqual(r.map((x) => x.status), ['skip'], r.map((x) => x.message).join('\n'));
    assert.match(r[0]!.message, /^the ACL users of 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+ could not be read \(the audit user may not run ACL LIST \(grant \+acl\|list\)[^)]*\), so whether all 2 nodes agree on them is unknown; the other TLS and auth settings agree$/);
  });
});
