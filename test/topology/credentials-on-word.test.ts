import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { parseTrustedNetwork } from '../../src/exporter/allow.ts';
import type { AllowEntry } from '../../src/exporter/allow.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA44-54: --replication (--sentinel, --cluster) sends the run's password to whatever address a node names: a replica
// whose INFO says master_host:<anyone> has the auditor's AUTH sent there first thing, and nothing said so. The README
// promises the same credentials for discovered nodes (kept); the deployment entry now names every address that got
// them only on a node's word (not the seed's host, not a --node-override HOST:PORT).
after(stopAll);

const PASSWORD = 'Word-Of-A-Node-Passw0rd-77';

/** A server at 127.0.0.2 (another host for discovery) that keeps every byte it is sent and answers nothing useful. */
function capture(): Promise<{ port: number; received: () => string; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (data) => {
      chunks.push(data);
      socket.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.2', () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        received: () => Buffer.concat(chunks).toString('latin1'),
        close: () => new Promise((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}

describe('--replication: a master address only a replica names', () => {
  let replica: RunningServer;
  let fake: Awaited<ReturnType<typeof capture>>;
  before(async () => {
    fake = await capture();
    replica = await startRedis({ conf: `requirepass ${PASSWORD}\nreplicaof 127.0.0.2 ${fake.port}\nloglevel warning`, password: PASSWORD });
  });
  after(() => fake?.close());

  it('is named in a warning of the deployment entry, with the command that named it', async () => {
    const seed = resolveTarget(replica.url, { pass: PASSWORD }, {});
    const entries = await auditDeployment(seed, { kind: 'replication', noProbe: true, noHost: true, connectTimeoutMs: 3000, commandTimeoutMs: 5000 });
    const warnings = entries[0]?.warnings ?? [];
    const warning = warnings.find((w) => w.includes(`127.0.0.2:${fake.port}`));
    assert.ok(warning, JSON.stringify(warnings));
    assert.match(warning, /^the run's credentials \(the password\) went to 127\.0\.0\.2:\d+, which only INFO replication named \(not on the seed's host, not given with --node-override HOST:PORT\)/);
    assert.ok(!warning.includes(PASSWORD));
    // What the warning is about: the address got the password (sent, as the README says, and now said).
    assert.ok(fake.received().includes(PASSWORD));
  });

  it('says nothing of a node on the seed\'s own host', async () => {
    const master = await startRedis({ conf: `requirepass ${PASSWORD}\nloglevel warning`, password: PASSWORD });
    const seed = resolveTarget(master.url, { pass: PASSWORD }, {});
    const entries = await auditDeployment(seed, { kind: 'replication', noProbe: true, noHost: true, connectTimeoutMs: 3000, commandTimeoutMs: 5000 });
    assert.ok(entries.length > 0);
    assert.ok(!entries.some((e) => (e.warnings ?? []).some((w) => w.includes("the run's credentials"))), JSON.stringify(entries.map((e) => e.warnings)));
  });
});

// QA44-54's rest: --trust-discovered. A discovered node outside every network given gets none of the run's credentials:
// it is audited as a client without them, its rules that need a login skip saying why, and the deployment entry names it.
const ONLY_LOOPBACK_ONE: AllowEntry[] = [parseTrustedNetwork('127.0.0.1/32') as AllowEntry];

describe('--trust-discovered 127.0.0.1/32', () => {
  it('parses CIDRs, addresses, names and allowlist entries; refuses the rest', () => {
    for (const text of ['10.0.0.0/8', '10.0.0.5', 'fd00::/8', '::1', '[::1]', 'redis-a.internal', '10.0.0.0/24:6379-6380', '[fd00::1]:6379']) {
      assert.equal(typeof parseTrustedNetwork(text), 'object', text);
    }
    for (const text of ['10.0.0.0/33', '300.1.1.1', 'a b', '', '10.0.0.0/8:0']) assert.equal(typeof parseTrustedNetwork(text), 'string', text);
  });

  it('sends no password to a master address only a replica names (a recording server at 127.0.0.2)', async () => {
    const fake = await capture();
    try {
      const replica = await startRedis({ conf: `requirepass ${PASSWORD}\nreplicaof 127.0.0.2 ${fake.port}\nloglevel warning`, password: PASSWORD });
      const seed = resolveTarget(replica.url, { pass: PASSWORD }, {});
      const entries = await auditDeployment(seed, { kind: 'replication', noProbe: true, noHost: true, connectTimeoutMs: 3000, commandTimeoutMs: 5000, trustDiscovered: ONLY_LOOPBACK_ONE });
      const warnings = entries[0]?.warnings ?? [];
      assert.ok(!warnings.some((w) => /went to/.test(w)), JSON.stringify(warnings));
      assert.ok(warnings.some((w) => w.startsWith(`the run's credentials were not sent to 127.0.0.2:${fake.port}, outside --trust-discovered, which only INFO replication named`)), JSON.stringify(warnings));
      // It was asked something (a client without credentials), and never the password.
      assert.ok(fake.received().length > 0);
      assert.ok(!fake.received().includes(PASSWORD), fake.received());
      assert.ok(!fake.received().includes('AUTH'), fake.received());
    } finally {
      await fake.close();
    }
  });

  it('a real replica announced at 127.0.0.2: audited without credentials, no AUTH reaches it, its login rules skip saying why', async () => {
    const master = await startRedis({ conf: `requirepass ${PASSWORD}\nloglevel warning`, password: PASSWORD });
    const replica = await startReplica(master, { host: '127.0.0.2', masterauth: PASSWORD, password: PASSWORD, conf: `requirepass ${PASSWORD}\nreplica-announce-ip 127.0.0.2\nloglevel warning` });
    const authCalls = async (): Promise<number> => {
      const stats = String(await rawCommand(replica.host, replica.port, ['INFO', 'commandstats'], { password: PASSWORD, timeoutMs: 2000 }));
      const line = /^cmdstat_auth:(.*)$/m.exec(stats)?.[1] ?? '';
      return ['calls', 'rejected_calls', 'failed_calls'].reduce((sum, k) => sum + Number(new RegExp(`(?:^|,)${k}=(\\d+)`).exec(line)?.[1] ?? 0), 0);
    };
    const seed = resolveTarget(master.url, { pass: PASSWORD }, {});
    const options = { kind: 'replication' as const, noProbe: true, noHost: true, connectTimeoutMs: 3000, commandTimeoutMs: 5000 };
    // Without the flag, as the README says: the replica gets the password (and logs in with it).
    const before = await authCalls();
    const trusting = await auditDeployment(seed, options);
    assert.ok((await authCalls()) - before >= 2, 'the audit without --trust-discovered logged in to the replica');
    assert.ok(trusting.some((e) => e.target === `redis://127.0.0.2:${replica.port}`));

    const start = await authCalls();
    const entries = await auditDeployment(seed, { ...options, trustDiscovered: ONLY_LOOPBACK_ONE });
    // Only this test's own AUTH of the INFO above: the audit sent none.
    assert.equal((await authCalls()) - start, 1, 'no AUTH from the audit reached the replica');
    const node = entries.find((e) => e.target === `redis://127.0.0.2:${replica.port}`);
    assert.ok(node, JSON.stringify(entries.map((e) => e.target)));
    assert.equal(node.error, undefined);
    const skipped = node.results.filter((r) => r.status === 'skip' && /outside --trust-discovered/.test(r.message));
    assert.ok(skipped.some((r) => r.ruleId === 'auth.dangerous-commands-allowed'), JSON.stringify(node.results.map((r) => [r.ruleId, r.status, r.message])));
    assert.ok((node.warnings ?? []).some((w) => /outside --trust-discovered/.test(w)), JSON.stringify(node.warnings));
    assert.ok(!JSON.stringify(entries).includes(PASSWORD));
    // The master, the seed on 127.0.0.1, is audited with the credentials.
    const seedEntry = entries.find((e) => e.target === `redis://${master.host}:${master.port}`);
    assert.ok(seedEntry && !seedEntry.results.some((r) => /outside --trust-discovered/.test(r.message)));
  });
});
