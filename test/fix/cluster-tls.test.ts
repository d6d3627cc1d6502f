import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildPlan } from '../../src/fix/plan.ts';
import { formatPlanText } from '../../src/fix/text.ts';
import { rawCommand } from '../harness/raw.ts';
import type { RunningServer } from '../harness/servers.ts';
import { startCluster, startRedis, stopAll } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';
import { address, plan, state, target } from './helpers.ts';

// fix's restart step for tls.cluster-bus-plaintext said only "add `tls-cluster yes` and restart". On 7.0+ a node
// without cluster-port then listens for the bus on tls-port + 10000 instead of port + 10000: the other nodes (their
// nodes.conf) look for it where it was, and a cluster restarted that way stays in cluster_state:fail (measured on
// 7.0.15). Here three masters on 127.0.0.1-3 (each announcing its own address) have a TLS port beside their plaintext
// one; the plan pins each node's bus with `cluster-port`, the whole cluster restarts with the plan's lines, and forms
// again.

after(stopAll);

const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** `host:port@bus` of every node as one node's CLUSTER NODES says, in address order. */
async function view(node: RunningServer): Promise<string[]> {
  const text = String(await rawCommand(node.host, node.port, ['CLUSTER', 'NODES'], { timeoutMs: 2000 }));
  return text.trim().split('\n').map((l) => l.split(' ')[1]!.split(',')[0]!).sort();
}

describe('fix: tls-cluster on a 7.0+ cluster pins the bus with cluster-port', () => {
  it('plans cluster-port at the bus port of today before tls-cluster yes, and the cluster restarted with both lines forms again', { timeout: 180_000 }, async () => {
    const cluster = await startCluster({ masters: 3, replicasPerMaster: 0, hosts: HOSTS, tls: { authClients: 'no', plaintextPort: true } });
    const nodes = cluster.nodes;
    const seed = target(nodes[0]!.url);
    const s = await state(seed, { kind: 'cluster', noProbe: true });
    const p = plan(s, seed);
    const text = formatPlanText(p);
    const bus = (n: RunningServer) => n.port + 10_000;
    for (const node of nodes) {
      const steps = p.steps.filter((st) => st.node === address(node) && st.class === 'restart' && st.rules.includes('tls.cluster-bus-plaintext'));
      assert.deepEqual(steps.map((st) => st.configLine), [`cluster-port ${bus(node)}`, 'tls-cluster yes'], address(node));
      const [pin, tls] = steps as [(typeof steps)[0], (typeof steps)[0]];
      assert.equal(pin.reason, `the cluster bus listens on ${bus(node)} today; with tls-cluster yes and no cluster-port it would move to tls-port + 10000 (${node.tlsPort! + 10_000}) at the restart, where the other nodes (their nodes.conf) do not look for it, and the cluster could not form again: cluster-port keeps it on ${bus(node)}, and cannot be changed at run time: add \`cluster-port ${bus(node)}\` to ${node.confPath} and restart the node`);
      assert.match(tls.reason, /^fix does not set tls-cluster at run time \(CONFIG SET tls-cluster yes makes a node without cluster-port announce its bus at tls-port \+ 10000, where it does not listen: the other nodes lose it\): add `tls-cluster yes` to \S+ and restart the node\. Until every node of the cluster runs with tls-cluster yes, a node restarted with tls-cluster yes and one still without it do not reach each other over the bus \(each marks the other failing, and replicas may take over\): restart every node together with both lines, or, without downtime, restart the nodes one at a time with \S+ holding the cluster-port line only, then run CONFIG SET tls-cluster yes on every node, then add tls-cluster yes and restart them one at a time again$/);
      assert.ok(text.includes(`${address(node)}  add \`cluster-port ${bus(node)}\` to the config file, then restart (not executed)`), text);
    }
    assert.ok(!p.manual.some((m) => m.rule === 'tls.cluster-bus-plaintext'), JSON.stringify(p.manual));

    // Before 7.0 there is no cluster-port (a line of it stops the server): the step says where the bus goes instead.
    const old = buildPlan({ target: seed.display, deployment: s.deployment, nodes: s.nodes.map((n) => ({ ...n, facts: { ...n.facts, server: { ...n.facts.server!, version: '6.2.16' } } })) });
    const oldSteps = old.steps.filter((st) => st.node === address(nodes[0]!) && st.class === 'restart' && st.rules.includes('tls.cluster-bus-plaintext'));
    assert.deepEqual(oldSteps.map((st) => st.configLine), ['tls-cluster yes']);
    assert.match(oldSteps[0]!.reason, new RegExp(`This release has no cluster-port: the bus moves from ${bus(nodes[0]!)} to tls-port \\+ 10000 \\(${nodes[0]!.tlsPort! + 10_000}\\), which the other nodes' nodes.conf does not know: .*\\(CLUSTER MEET host tls-port\\)`));

    // The files as they are now, before anything below changes what the nodes know of each other.
    const files = nodes.map((n) => ({ conf: readFileSync(n.confPath, 'utf8'), nodesConf: readFileSync(join(n.dir, 'nodes.conf'), 'utf8') }));
    const before = await view(nodes[1]!);
    assert.deepEqual(before, nodes.map((n) => `${n.host}:${n.port}@${bus(n)}`).sort());

    // Why fix does not set it at run time: CONFIG SET tls-cluster yes on a node without cluster-port is accepted, the
    // node goes on listening on port + 10000, but tells the others its bus is at tls-port + 10000.
    const first = nodes[0]!;
    assert.equal(await rawCommand(first.host, first.port, ['CONFIG', 'SET', 'tls-cluster', 'yes']), 'OK');
    // (The client port it announces becomes its TLS port too: what node 1, still on a plaintext bus, shows.)
    let seen: string[] = [];
    await eventually('node 1 to see node 0 announce its bus at tls-port + 10000', async () => (seen = await view(nodes[1]!)).includes(`${first.host}:${first.tlsPort}@${first.tlsPort! + 10_000}`), { detail: () => seen.join(' ') });
    assert.equal(await connects(first.host, bus(first)), true, 'node 0 still listens on port + 10000');
    assert.equal(await connects(first.host, first.tlsPort! + 10_000), false, 'node 0 does not listen on tls-port + 10000');
    await cluster.stop();

    // The plan's tls-cluster steps followed as written: every node restarts with its lines added to its file, all together.
    const restarted = await Promise.all(
      nodes.map((node, i) => {
        const lines = p.steps.filter((st) => st.node === address(node) && st.class === 'restart' && st.rules.includes('tls.cluster-bus-plaintext')).map((st) => st.configLine!);
        const text = files[i]!.conf.replace(/^(dir|logfile) .*$/gm, '');
        return startRedis({ host: node.host, port: node.port, confText: () => [text, 'dir ./', ...lines].join('\n'), files: { 'nodes.conf': files[i]!.nodesConf }, killOnStop: true });
      }),
    );
    try {
      for (const node of restarted) {
        await eventually(`${address(node)} to reach cluster_state:ok`, async () => /cluster_state:ok/.test(String(await rawCommand(node.host, node.port, ['CLUSTER', 'INFO'], { timeoutMs: 2000 }))), { timeoutMs: 30_000 });
        assert.deepEqual(await view(node), before, `${address(node)}: every bus where it was`);
      }
      const config = await rawCommand(first.host, first.port, ['CONFIG', 'GET', 'tls-cluster']);
      assert.deepEqual(config, ['tls-cluster', 'yes']);
    } finally {
      await Promise.all(restarted.map((n) => n.stop()));
    }
  });
});
