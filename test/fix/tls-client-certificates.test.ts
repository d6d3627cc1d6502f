import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { makeCerts } from '../harness/certs.ts';
import { rawCommand } from '../harness/raw.ts';
import type { RunningServer } from '../harness/servers.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';
import { address, plan, state, target } from './helpers.ts';

// QA38-16: fix planned `CONFIG SET tls-auth-clients yes` on a master and replica that replicate over TLS with a
// certificate whose extended key usage is serverAuth only. The replica presents that certificate (tls-cert-file, no
// tls-client-cert-file) as its client certificate; the apply succeeded (the link up stays up), and replication broke at
// the next reconnect: the master refuses a certificate that is no client certificate once it asks for one. Here the
// same on Debian's 7.0.15 with real certificates: the step is left to the user, saying why, until the nodes present
// client certificates (tls-client-cert-file), and then it is planned, and the link survives a reconnect.

after(stopAll);

const info = async (s: RunningServer) => String(await rawCommand(s.host, s.port, ['INFO', 'replication'], { tls: s.rawTls }));
const linkUp = async (replica: RunningServer) => /master_link_status:up/.test(await info(replica));
const tlsAuthStep = (p: ReturnType<typeof plan>, node: string) => p.steps.find((st) => st.node === node && st.command.join(' ') === 'CONFIG SET tls-auth-clients yes');

describe('fix: tls-auth-clients yes and the nodes\' own client certificates', () => {
  it('holds the step while the nodes present a serverAuth-only certificate as clients, plans it once they present client certificates', { timeout: 120_000 }, async () => {
    const certs = await makeCerts();
    const tls = { certs, authClients: 'no' as const, cert: certs.serverOnlyCert, key: certs.serverOnlyKey };
    const master = await startRedis({ tls, conf: 'tls-replication yes' });
    const replica = await startReplica(master, { tls });
    const flags = { cacert: certs.ca, cert: certs.clientCert, key: certs.clientKey };
    const seed = target(master.url, flags);
    const nodes = [master, replica].map(address);

    let p = plan(await state(seed, { kind: 'replication' }), seed);
    for (const node of nodes) {
      assert.equal(tlsAuthStep(p, node), undefined, `${node}: ${JSON.stringify(tlsAuthStep(p, node))}`);
      const item = p.manual.find((m) => m.node === node && m.rule === 'tls.client-auth-disabled');
      assert.ok(item, JSON.stringify(p.manual));
      for (const n of nodes) {
        assert.match(item.message, new RegExp(`${n.replace(/\./g, '\\.')} connects to its master with tls-replication yes .*presenting tls-cert-file ${certs.serverOnlyCert.replace(/[.]/g, '\\.')} \\(O=redfort test, CN=localhost\\) as its client certificate, and its extended key usage is serverAuth, without clientAuth: it is no TLS client certificate`), item.message);
      }
      assert.match(item.message, /^CONFIG SET tls-auth-clients yes would break the deployment's own TLS links at their next reconnect .* Give those servers a certificate with extendedKeyUsage clientAuth .* as tls-client-cert-file/);
    }

    // Why: with the step applied by hand, the replica's next connection is refused ("certificate verify failed").
    assert.equal(await rawCommand(master.host, master.port, ['CONFIG', 'SET', 'tls-auth-clients', 'yes'], { tls: master.rawTls }), 'OK');
    assert.equal(await linkUp(replica), true, 'the link up stays up');
    await rawCommand(replica.host, replica.port, ['CLIENT', 'KILL', 'TYPE', 'master'], { tls: replica.rawTls });
    await eventually('the master to refuse the replica', async () => /certificate verify failed/.test(readFileSync(master.logPath, 'utf8')), { timeoutMs: 15_000 });
    assert.equal(await linkUp(replica), false);
    assert.equal(await rawCommand(master.host, master.port, ['CONFIG', 'SET', 'tls-auth-clients', 'no'], { tls: master.rawTls }), 'OK');
    await eventually('the link to come back', () => linkUp(replica), { timeoutMs: 15_000 });

    // Client certificates for both nodes: the step is planned on both, and the link survives it and a reconnect.
    for (const s of [master, replica]) {
      assert.equal(await rawCommand(s.host, s.port, ['CONFIG', 'SET', 'tls-client-cert-file', certs.clientCert, 'tls-client-key-file', certs.clientKey], { tls: s.rawTls }), 'OK');
    }
    p = plan(await state(seed, { kind: 'replication' }), seed);
    for (const node of nodes) {
      assert.ok(tlsAuthStep(p, node), `${node}: ${JSON.stringify(p.manual)}`);
      assert.ok(!p.manual.some((m) => m.node === node && m.rule === 'tls.client-auth-disabled'), JSON.stringify(p.manual));
    }
    // Single-node mode on the master: its replica was not audited, so the certificate it presents is unknown.
    const single = plan(await state(seed), seed);
    assert.equal(tlsAuthStep(single, nodes[0]!), undefined);
    assert.match(single.manual.find((m) => m.rule === 'tls.client-auth-disabled')?.message ?? '', /^this server replicates over TLS \(1 replica; tls-replication yes\): .*Run fix with --replication/);

    for (const s of [replica, master]) assert.equal(await rawCommand(s.host, s.port, ['CONFIG', 'SET', 'tls-auth-clients', 'yes'], { tls: s.rawTls }), 'OK');
    await rawCommand(replica.host, replica.port, ['CLIENT', 'KILL', 'TYPE', 'master'], { tls: replica.rawTls });
    await eventually('the link to come back with client certificates', () => linkUp(replica), { timeoutMs: 15_000 });
  });
});
