import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeCerts } from '../harness/certs.ts';
import { rawCommand } from '../harness/raw.ts';
import type { RunningServer } from '../harness/servers.ts';
import { freePortRun, startCluster, startRedis, stopAll } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';
import { redfort } from './run.ts';

// A cluster whose nodes listen on consecutive ports of one host, as deployments number them (7000-7005): harden gave
// node 7000 `tls-port 7001`, node 7001's port, and with tls-cluster yes moved its bus to 17001, node 7001's bus. Here
// every node is hardened with certificates, the whole cluster restarts on the hardened files, and every node comes up
// (none meets "Address already in use"), the cluster forms again over its TLS bus, and the audit of a hardened node
// over its TLS port passes the TLS rules.

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-cluster-tls-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

function credentials(out: string): Map<string, string> {
  const lines = readFileSync(join(out, 'credentials.env'), 'utf8').split('\n').filter((l) => l.startsWith('REDFORT_PASSWORD_'));
  return new Map(lines.map((l) => [l.slice('REDFORT_PASSWORD_'.length, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** The rules PLAN.md says harden fixes. */
function claimed(out: string): string[] {
  return readFileSync(join(out, 'PLAN.md'), 'utf8').split('\n').filter((l) => /^\| [a-z]+\.[a-z-]+ \| \w+ \| \w+ \| yes \|$/.test(l)).map((l) => l.split(' | ')[0]!.slice(2));
}

const TLS_RULES = ['tls.disabled', 'tls.weak-protocols', 'tls.weak-ciphers', 'tls.client-auth-disabled', 'tls.server-ciphers-not-preferred', 'tls.replication-plaintext', 'tls.cluster-bus-plaintext'];

describe('harden: TLS ports on a cluster whose nodes use consecutive ports', () => {
  it('6 nodes on P..P+5: each gets P+6..P+11, the hardened cluster restarts whole over a TLS bus, and the re-audit over TLS passes', { timeout: 240_000 }, async () => {
    const certs = await makeCerts();
    // Room for the TLS ports the fix gives (P+6..P+11), which must be free for the restart.
    const first = await freePortRun(6, '127.0.0.1', { withBusPort: true, alsoFree: 6 });
    const ports = Array.from({ length: 6 }, (_, i) => first + i);
    const cluster = await startCluster({ masters: 3, replicasPerMaster: 1, ports });
    const nodes = cluster.nodes;
    assert.deepEqual(nodes.map((n) => n.port), ports);

    const tlsFlags = ['--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--tls-ca', certs.ca];
    const outs = nodes.map((_, i) => join(work, `node${i}`));
    const summaries: string[] = [];
    for (const [i, node] of nodes.entries()) {
      // Node 0 makes the group's passwords (one replication user for every node); the others reuse them.
      const run = await redfort(['harden', node.url, ...tlsFlags, '--out', outs[i]!, ...(i > 0 ? ['--secrets', join(outs[0]!, 'credentials.env')] : [])]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      summaries.push(run.stdout);
    }
    // From its config file alone (the nodes.conf beside its data names the others), node 0 gets the same port.
    const fromFile = await redfort(['harden', '--config', nodes[0]!.confPath, ...tlsFlags, '--out', join(work, 'file0')]);
    assert.equal(fromFile.code, 0, fromFile.stdout + fromFile.stderr);
    const nodesConf = nodes.map((n) => readFileSync(join(n.dir, 'nodes.conf'), 'utf8'));
    await cluster.stop();

    const pw = credentials(outs[0]!);
    const restarted = await Promise.all(nodes.map((node, i): Promise<RunningServer> => {
      // The old server's directory went with it: dir, logfile and aclfile are the test's; nodes.conf is the old one.
      const text = readFileSync(join(outs[i]!, 'redis.conf'), 'utf8').replace(/^(dir|logfile) .*$/gm, '');
      return startRedis({
        port: node.port,
        confText: () => [text, 'dir ./', `aclfile ${join(outs[i]!, 'users.acl')}`].join('\n'),
        files: { 'nodes.conf': nodesConf[i]! },
        args: ['--masterauth', pw.get('replication')!],
        username: 'admin',
        password: pw.get('admin')!,
        readyTimeoutMs: 20_000,
      });
    }));

    const tlsPorts = restarted.map((_, i) => Number(/^tls-port (\d+)$/m.exec(readFileSync(join(outs[i]!, 'redis.conf'), 'utf8'))?.[1]));
    assert.deepEqual(tlsPorts, ports.map((p) => p + 6), 'each node its own port + 6: the first offset that meets no port of the cluster');
    assert.match(summaries[0]!, new RegExp(`^TLS port: ${first + 6} \\(port \\+ 6\\): port \\+ 1 = ${first + 1} is the port of node 127\\.0\\.0\\.1:${first + 1}`, 'm'));
    assert.ok(readFileSync(join(outs[0]!, 'PLAN.md'), 'utf8').includes(`harden knows 5 other nodes of this deployment (6 nodes in CLUSTER NODES, INFO replication; ports in use: ${first}-${first + 5}, ${first + 10_000}-${first + 10_005})`));
    assert.match(readFileSync(join(work, 'file0', 'redis.conf'), 'utf8'), new RegExp(`^tls-port ${first + 6}$`, 'm'));
    for (const [i, out] of outs.entries()) assert.match(readFileSync(join(out, 'redis.conf'), 'utf8'), new RegExp(`^cluster-port ${ports[i]! + 10_000}$`, 'm'), 'the bus stays where the other nodes know it');

    const admin = { user: 'admin', password: pw.get('admin')! };
    const overTls = { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
    for (const [i, server] of restarted.entries()) {
      assert.equal(await rawCommand(server.host, tlsPorts[i]!, ['PING'], { ...admin, tls: overTls }), 'PONG', `node ${server.port} answers on its tls-port`);
    }
    // The cluster forms again over its TLS bus (tls-cluster yes, the bus pinned to its old port) and replicas sync over TLS.
    await eventually('the hardened cluster to reach cluster_state:ok with every replica linked', async () => {
      for (const server of restarted) {
        const info = String(await rawCommand(server.host, server.port, ['CLUSTER', 'INFO'], admin));
        if (!/cluster_state:ok/.test(info) || !/cluster_known_nodes:6/.test(info)) return false;
        const replication = String(await rawCommand(server.host, server.port, ['INFO', 'replication'], admin));
        if (!/role:master/.test(replication) && !/master_link_status:up/.test(replication)) return false;
      }
      return true;
    }, { timeoutMs: 60_000 });

    // The audit of hardened node 0, over its TLS port with a client certificate: every rule harden claims holds, the TLS ones pass.
    const audit = await redfort(['audit', `rediss://admin:${pw.get('admin')}@127.0.0.1:${tlsPorts[0]}`, '--cacert', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey, '--no-probe', '--no-host', '--format', 'json', '--fail-on', 'none']);
    const report = JSON.parse(audit.stdout) as { targets: { error?: string; results: { ruleId: string; status: string; message: string }[] }[] };
    assert.equal(report.targets[0]!.error, undefined, audit.stdout + audit.stderr);
    const results = report.targets[0]!.results;
    assert.deepEqual(TLS_RULES.map((rule) => `${rule}: ${results.find((r) => r.ruleId === rule)?.status}`), TLS_RULES.map((rule) => `${rule}: pass`));
    const failing = results.filter((r) => claimed(outs[0]!).includes(r.ruleId) && r.status === 'fail');
    assert.deepEqual(failing.map((r) => `${r.ruleId}: ${r.message}`), []);
    await Promise.all(restarted.map((s) => s.stop()));
  });
});
