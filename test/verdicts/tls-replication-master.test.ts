import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import { audit } from '../probe/helpers.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';

// tls-replication is how a node connects to its own master (replication.c connectWithMaster). A master's replicas
// connect to its ports: with `port 0` only the TLS port is open, so they replicate over TLS whatever the master's own
// tls-replication says. tls.replication-plaintext said the master's 'no' sent "the full dataset and every write to
// replicas in clear text" (high) while its replica synced over TLS. It still fails, low: after a failover this node,
// a replica then, would connect to its new master in clear text.
describe('tls.replication-plaintext on a TLS-only master (port 0) whose own tls-replication is no', () => {
  after(stopAll);

  it('is low and says its replicas reach it over TLS, live and file-only', async () => {
    const master = await startRedis({ tls: true, conf: 'tls-replication no', killOnStop: true });
    // startReplica sets tls-replication yes on the replica: the only way to a port-0 master.
    const replica = await startReplica(master, { killOnStop: true });
    assert.match(String(await rawCommand(master.host, master.port, ['INFO', 'replication'], { tls: master.rawTls })), /connected_slaves:1\r\n/);
    assert.match(String(await rawCommand(replica.host, replica.port, ['CONFIG', 'GET', 'tls-replication'])), /yes/);
    const certs = master.certs!;

    const { results } = await audit(master.url, { cacert: certs.ca, cert: certs.clientCert, key: certs.clientKey }, { noProbe: true, noHost: true });
    const found = results.filter((r) => r.ruleId === 'tls.replication-plaintext');
    assert.equal(found.length, 1);
    const [r] = found;
    assert.equal(r!.status, 'fail');
    assert.equal(r!.severity, 'low', r!.message);
    assert.match(r!.message, /its replicas can reach it only on its TLS port \(port is 0\), so they replicate over TLS; but should it become a replica \(a failover\), it would connect to its new master in clear text/);
    assert.doesNotMatch(r!.message, /travel to replicas in clear text/);

    // The file alone says the same: no replicaof, port 0.
    const files = await auditFiles({ configPath: master.confPath, version: '7.0.15' });
    const [f] = files.results.filter((x) => x.ruleId === 'tls.replication-plaintext');
    assert.equal(f!.severity, 'low', f!.message);
    assert.match(f!.message, /port is 0/);
  });

  it('with a plaintext port and connected replicas: its own setting says nothing of their links, medium and "may"; a replica in clear text is high', async () => {
    const master = await startRedis({ tls: { plaintextPort: true }, conf: 'tls-replication no', killOnStop: true });
    // One replica reaches the master's TLS port (tls-replication yes), one its plaintext port (tls-replication no).
    const overTls = await startReplica(master, { tls: { certs: master.certs, plaintextPort: true }, conf: `replicaof ${master.host} ${master.tlsPort}\ntls-replication yes`, killOnStop: true });
    const inClear = await startReplica(master, { tls: { certs: master.certs, plaintextPort: true }, killOnStop: true });
    assert.match(String(await rawCommand(master.host, master.port, ['INFO', 'replication'])), /connected_slaves:2\r\n/);
    assert.match(String(await rawCommand(overTls.host, overTls.port, ['INFO', 'replication'])), new RegExp(`master_port:${master.tlsPort}\r\n[^]*master_link_status:up`));

    const { results } = await audit(master.url, {}, { noProbe: true, noHost: true });
    const [r] = results.filter((x) => x.ruleId === 'tls.replication-plaintext');
    assert.equal(r!.severity, 'medium', r!.message);
    assert.match(r!.message, /^tls-replication is 'no', which only decides how this node connects to a master of its own \(after a failover\); its 2 connected replicas may reach it on its plaintext port \d+ and then get the full dataset and every write in clear text: their own tls-replication decides/);
    assert.doesNotMatch(r!.message, /travel to replicas in clear text/);

    // The replica on the plaintext port (TLS enabled, tls-replication no): its own link, certainly in clear text.
    const [replica] = (await audit(inClear.url, {}, { noProbe: true, noHost: true })).results.filter((x) => x.ruleId === 'tls.replication-plaintext');
    assert.equal(replica!.severity, 'high', replica!.message);
    assert.match(replica!.message, new RegExp(`^tls-replication is 'no': this replica connects to its master ${master.host}:${master.port} in clear text`));
  });

  it('with a plaintext port beside TLS and no replica yet, a replica added later may use it: low, as before', async () => {
    const master = await startRedis({ tls: { plaintextPort: true }, conf: 'tls-replication no', killOnStop: true });
    const { results } = await audit(master.url, {}, { noProbe: true, noHost: true });
    const [r] = results.filter((x) => x.ruleId === 'tls.replication-plaintext');
    assert.equal(r!.severity, 'low', r!.message);
    assert.match(r!.message, /no replica is connected now, but one added later would get the full dataset and every write in clear text/);
  });
});
