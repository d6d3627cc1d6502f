import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditDeployment } from '../../src/app/deployment.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { makeCerts } from '../harness/certs.ts';
import type { CertSet } from '../harness/certs.ts';
import { rawCommand } from '../harness/raw.ts';
import { startCluster, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { auth, expectRule } from './live-helpers.ts';

// QA38-10: a TLS-only cluster that announces host names (`cluster-announce-hostname`, `cluster-preferred-endpoint-type
// hostname`) sends its clients to each node by name (MOVED localhost:port), and its certificate names only that
// (SAN DNS:localhost). Discovery dialled every other node at its address and checked the certificate against the
// address: each node but the seed got a false high tls.certificate "did not verify ... clients that verify it refuse
// to connect", and a warning. The node is still dialled at its address; its certificate is checked against the name
// its clients use.
after(stopAll);

const PASSWORD = 'hostname-cluster-0123456789';

function certificateResults(result: TargetResult) {
  return result.results.filter((r) => r.ruleId === 'tls.certificate');
}

describe('a TLS cluster that sends its clients to host names', () => {
  let nodes: RunningServer[];
  let certs: CertSet;

  before(async () => {
    certs = await makeCerts();
    const cluster = await startCluster({
      masters: 3,
      replicasPerMaster: 0,
      password: PASSWORD,
      tls: { certs, cert: certs.dnsOnlyCert, key: certs.dnsOnlyKey, authClients: 'optional', servername: 'localhost' },
      conf: 'cluster-announce-hostname localhost\ncluster-preferred-endpoint-type hostname',
    });
    nodes = cluster.nodes;
  });

  const audit = () =>
    auditDeployment(resolveTarget(`rediss://localhost:${nodes[0]!.port}`, { cacert: certs.ca, pass: PASSWORD }, {}), { kind: 'cluster', noHost: true });

  it('checks each node’s certificate against its announced name, not its address: no node fails tls.certificate', { timeout: 120_000 }, async () => {
    // What clients are told: the name, not the address.
    const nodesView = String(await rawCommand(nodes[0]!.host, nodes[0]!.port, ['CLUSTER', 'NODES'], auth(nodes[0]!)));
    assert.match(nodesView, new RegExp(`127\\.0\\.0\\.1:${nodes[1]!.port}@\\d+,localhost`));
    const results = await audit();
    assert.equal(results.length, 4, results.map((r) => r.target).join(', '));
    for (const node of results.slice(1)) {
      assert.equal(node.error, undefined, `${node.target}: ${node.error}`);
      assert.deepEqual(node.warnings ?? [], [], `${node.target}: ${(node.warnings ?? []).join('\n')}`);
      const messages = certificateResults(node).map((r) => `${r.status} ${r.message}`);
      assert.ok(messages.length > 0 && !messages.some((m) => /did not verify|does not match/.test(m)), `${node.target}:\n${messages.join('\n')}`);
      expectRule(node, 'tls.certificate', 'pass');
    }
  });

  it('with cluster-preferred-endpoint-type ip the clients go to the address: a certificate without it still fails there', { timeout: 120_000 }, async () => {
    for (const node of nodes) await rawCommand(node.host, node.port, ['CONFIG', 'SET', 'cluster-preferred-endpoint-type', 'ip'], auth(node));
    try {
      const results = await audit();
      const others = results.slice(1).filter((r) => !r.target.startsWith('rediss://localhost:'));
      assert.equal(others.length, 2, results.map((r) => r.target).join(', '));
      for (const node of others) {
        const failed = certificateResults(node).filter((r) => r.status === 'fail');
        assert.ok(failed.some((r) => /did not verify .*IP: 127\.0\.0\.1/.test(r.message)), `${node.target}:\n${certificateResults(node).map((r) => `${r.status} ${r.message}`).join('\n')}`);
      }
    } finally {
      for (const node of nodes) await rawCommand(node.host, node.port, ['CONFIG', 'SET', 'cluster-preferred-endpoint-type', 'hostname'], auth(node));
    }
  });
});
