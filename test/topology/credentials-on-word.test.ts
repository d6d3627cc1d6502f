import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
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
