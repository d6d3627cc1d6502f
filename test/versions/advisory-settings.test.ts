import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { advisoryFinding as finding, audit } from '../probe/helpers.ts';
import { startRecordedServer } from '../helpers/recorded-server.ts';
import type { RecordedServer } from '../helpers/recorded-server.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// Advisories whose bug needs a setting the server does not have (a cluster bus, a TLS listener, client eviction, a
// writable replica) are lowered to low, as TLS-only ones were: a real Valkey 8.0.1 (recorded replies,
// test/fixtures/replies/valkey-8.0.1-default.json), standalone and without TLS, failed HIGH on a cluster-bus DoS.
// cluster-enabled takes a restart; tls-port (6.2+), maxmemory-clients and replica-read-only are CONFIG SET at run
// time, so those are lowered only when no user that can log in may run CONFIG SET (they were lowered whoever could).

const recorded: RecordedServer[] = [];
after(async () => {
  await Promise.all(recorded.map((s) => s.close()));
  await stopAll();
});

describe('advisories that need a setting the server lacks', { concurrency: true }, () => {
  it('Valkey 8.0.1 standalone without TLS: cluster-bus advisories lowered; TLS and client-eviction ones kept, the default user may CONFIG SET', async () => {
    const server = await startRecordedServer('valkey-8.0.1-default');
    recorded.push(server);
    const { facts, results } = await audit(server.url);
    assert.deepEqual([facts.server?.product, facts.server?.version], ['valkey', '8.0.1']);
    for (const id of ['CVE-2026-21863', 'CVE-2026-136156']) {
      const cve = finding(results, id);
      assert.equal(cve.severity, 'low', cve.message);
      assert.ok(cve.message.includes('lowered: only cluster nodes are affected and cluster-enabled is no'), cve.message);
    }
    for (const [id, severity, why] of [
      ['CVE-2026-56684', 'medium', 'only TLS listeners are affected and tls-port is 0'],
      ['CVE-2026-130822', 'high', 'only servers that evict clients are affected and maxmemory-clients is 0'],
    ] as const) {
      const cve = finding(results, id);
      assert.equal(cve.severity, severity, cve.message);
      assert.ok(cve.message.includes(`not lowered: ${why}, but user 'default' may run CONFIG SET, which changes it at run time`), cve.message);
    }
    assert.equal(finding(results, 'CVE-2025-49844').severity, 'critical');
  });

  it('the real 7.0.15: client eviction and TLS off lower their advisories only when no user may CONFIG SET them back', async () => {
    const auditor = 'user auditor on >auditpw resetkeys resetchannels -@all +info +config|get +acl|list +acl|cat +command|info +time';
    const [open, locked, on] = await Promise.all([
      startRedis({ killOnStop: true }),
      startRedis({ conf: `user default on nopass ~* &* +@all -config|set\n${auditor}`, killOnStop: true }),
      startRedis({ conf: 'maxmemory-clients 64mb', killOnStop: true }),
    ]);
    const ids = ['REDIS-2026-08-BLOCKED-CLIENT-UAF', 'CVE-2026-81934'] as const;
    // The default user (nopass, +@all) turns client eviction on: the advisory's precondition is a CONFIG SET away.
    const kept = (await audit(open.url)).results;
    assert.equal(finding(kept, ids[0]).severity, 'medium');
    assert.match(finding(kept, ids[0]).message, /; not lowered: only servers that evict clients are affected and maxmemory-clients is 0, but user 'default' may run CONFIG SET, which changes it at run time/);
    assert.equal(finding(kept, ids[1]).severity, 'critical');
    assert.match(finding(kept, ids[1]).message, /; not lowered: only TLS listeners are affected and tls-port is 0, but user 'default' may run CONFIG SET/);
    assert.match(finding(kept, ids[1]).remediation, /Deny CONFIG SET \(`ACL SETUSER <user> -config\|set`\)/);
    assert.equal(await rawCommand(open.host, open.port, ['CONFIG', 'SET', 'maxmemory-clients', '64mb']), 'OK');
    // -config|set for every user that can log in: lowered.
    await assert.rejects(rawCommand(locked.host, locked.port, ['CONFIG', 'SET', 'maxmemory-clients', '64mb']), /NOPERM/);
    const lowered = (await audit(`redis://auditor:auditpw@${locked.host}:${locked.port}`)).results;
    assert.equal(finding(lowered, ids[0]).severity, 'low');
    assert.match(finding(lowered, ids[0]).message, /lowered: only servers that evict clients are affected, maxmemory-clients is 0 and no user that can log in may run CONFIG SET/);
    assert.equal(finding(lowered, ids[1]).severity, 'low');
    assert.match(finding(lowered, ids[1]).message, /lowered: only TLS listeners are affected, tls-port is 0 and no user that can log in may run CONFIG SET/);
    assert.equal(finding((await audit(on.url)).results, ids[0]).severity, 'medium');
  });

  it('the recorded 6.0.20, whose default user may CONFIG SET: TLS advisories stay lowered, CONFIG SET tls-port is refused before 6.2', async () => {
    // A real 6.0.20 answers CONFIG SET tls-port with 'Unsupported CONFIG parameter: tls-port' (test/builds/advisory-settings.test.ts).
    const server = await startRecordedServer('redis-6.0.20-default');
    recorded.push(server);
    assert.deepEqual(await rawCommand('127.0.0.1', server.port, ['ACL', 'LIST']), ['user default on nopass ~* +@all']);
    const cve = finding((await audit(server.url)).results, 'CVE-2026-81934');
    assert.equal(cve.severity, 'low', cve.message);
    assert.match(cve.message, /lowered: only TLS listeners are affected and tls-port is 0, which CONFIG SET cannot change before 6\.2/);
  });
});
