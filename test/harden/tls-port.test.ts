import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deploymentPorts } from '../../src/harden/deployment.ts';
import type { DeploymentPorts } from '../../src/harden/deployment.ts';
import { harden } from '../../src/harden/harden.ts';
import { parseClusterNodes } from '../../src/gather/live/parse-replies.ts';
import { chooseTlsPort, PROFILES } from '../../src/profile/index.ts';
import type { UsedPort } from '../../src/profile/index.ts';
import { resolveVersion } from '../../src/redis/directives.ts';
import { liveFacts } from '../rule-tester.ts';

// The TLS port harden gives a node: never a port the deployment it knows of uses (a neighbour's port, a cluster bus, a
// sentinel), the same offset for every node so that nodes hardened one at a time never meet, 6380 beside a lone 6379.

const used = (entries: Record<number, string>): UsedPort[] => Object.entries(entries).map(([port, by]) => ({ port: Number(port), by }));

/** A cluster of `count` nodes on consecutive ports from `first`, each with its bus at port + 10000. */
function cluster(first: number, count: number): { nodes: number[]; used: UsedPort[] } {
  const nodes = Array.from({ length: count }, (_, i) => first + i);
  return { nodes, used: nodes.flatMap((p) => [{ port: p, by: `the port of node 127.0.0.1:${p}` }, { port: p + 10_000, by: `the cluster bus port of node 127.0.0.1:${p}` }]) };
}

const CLUSTER_NODES = [
  'a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460',
  'a2 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-10922',
  'a3 127.0.0.1:7002@17002 master - 0 0 3 connected 10923-16383',
  'a4 127.0.0.1:7003@17003 slave a1 0 0 1 connected',
  'a5 127.0.0.1:7004@17004 slave a2 0 0 2 connected',
  'a6 127.0.0.1:7005@17005 slave a3 0 0 3 connected',
].join('\n');

const TLS = { cert: '/etc/redis/tls/redis.crt', key: '/etc/redis/tls/redis.key', ca: '/etc/redis/tls/ca.crt' };

function hardenTls(conf: string, extra: { version?: string; deployment?: DeploymentPorts; tlsPort?: number; strict?: boolean } = {}) {
  const version = extra.version ?? '7.0.15';
  const facts = liveFacts({ conf, version });
  return harden(facts, { path: '/etc/redis/redis.conf', text: conf }, {
    profile: PROFILES[extra.strict ? 'strict' : 'baseline'],
    version: resolveVersion(version),
    prefix: '',
    tls: TLS,
    reuse: new Map(),
    deployedConf: '/etc/redis/redis.conf',
    replication: false,
    generatePassword: () => 'x'.repeat(64),
    ...(extra.deployment ? { deployment: extra.deployment } : {}),
    ...(extra.tlsPort !== undefined ? { tlsPort: extra.tlsPort } : {}),
  });
}

/** The line that decides a directive: the last one (facts made from a text apart from the file: harden appends its lines). */
const line = (text: string | undefined, directive: string): string | undefined => text?.split('\n').filter((l) => l.startsWith(`${directive} `)).at(-1);
const numbers = (ports: Iterable<number>): number[] => [...new Set(ports)].sort((a, b) => a - b);

describe('chooseTlsPort', () => {
  it('a lone 6379 gets 6380, and any lone port the one beside it', () => {
    assert.deepEqual(chooseTlsPort({ plain: 6379, nodes: [6379], used: used({ 6379: 'this' }), busFollowsTls: false, firstOffset: 1 }), { port: 6380, offset: 1, passed: [] });
    assert.equal(chooseTlsPort({ plain: 7000, nodes: [7000], used: used({ 7000: 'this', 17000: 'bus' }), busFollowsTls: false, firstOffset: 1 })?.port, 7001);
  });

  it('a cluster on 7000-7005: one offset for all, each node its own port + 6, none on a port of the deployment', () => {
    const c = cluster(7000, 6);
    const chosen = c.nodes.map((plain) => chooseTlsPort({ plain, nodes: c.nodes, used: c.used, busFollowsTls: false, firstOffset: 1 })!);
    assert.deepEqual(chosen.map((x) => x.port), [7006, 7007, 7008, 7009, 7010, 7011]);
    assert.equal(new Set(chosen.map((x) => x.offset)).size, 1, 'the same offset on every node');
    for (const x of chosen) assert.ok(!c.used.some((u) => u.port === x.port));
    assert.deepEqual(chosen[0]!.passed[0], { offset: 1, node: 7000, port: 7001, by: 'the port of node 127.0.0.1:7001' });
    assert.equal(chosen[0]!.passed.length, 5);
  });

  it('a master, its replica and three sentinels on consecutive ports: 6379 and 6380 get 6381 and 6382', () => {
    const u = used({ 6379: 'master', 6380: 'replica', 26379: 'sentinel', 26380: 'sentinel', 26381: 'sentinel' });
    assert.deepEqual([6379, 6380].map((plain) => chooseTlsPort({ plain, nodes: [6379, 6380], used: u, busFollowsTls: false, firstOffset: 1 })?.port), [6381, 6382]);
  });

  it('before 7.0 the bus follows tls-port: its tls-port + 10000 must be free too', () => {
    // Offset 1 gives 7001, whose bus would be 17001: another node's bus.
    const u = used({ 7000: 'this', 17000: 'bus of 7000', 17001: 'the cluster bus port of node 10.0.0.9:7001' });
    const choice = chooseTlsPort({ plain: 7000, nodes: [7000], used: u, busFollowsTls: true, firstOffset: 1 })!;
    assert.equal(choice.port, 7002);
    assert.match(choice.passed[0]!.by, /its cluster bus port, 17001, is the cluster bus port of node 10\.0\.0\.9:7001/);
    assert.equal(chooseTlsPort({ plain: 7000, nodes: [7000], used: u, busFollowsTls: false, firstOffset: 1 })!.port, 7001);
  });

  it('strict starts at its own offset; no port at all past 65535', () => {
    assert.equal(chooseTlsPort({ plain: 6379, nodes: [6379], used: used({ 6379: 'this', 16379: 'bus' }), busFollowsTls: false, firstOffset: 10_000 })?.port, 16380);
    assert.equal(chooseTlsPort({ plain: 65_535, nodes: [65_535], used: [], busFollowsTls: false, firstOffset: 1 }), undefined);
    assert.equal(chooseTlsPort({ plain: 60_000, nodes: [60_000], used: [], busFollowsTls: true, firstOffset: 1 }), undefined, 'the bus would be past 65535');
  });
});

describe('deploymentPorts', () => {
  it('a live cluster node: every node and bus of CLUSTER NODES, itself told apart', () => {
    const facts = liveFacts({ conf: 'port 7000\ncluster-enabled yes', mode: 'cluster', extra: { cluster: { nodes: parseClusterNodes(CLUSTER_NODES), myId: 'a1', state: 'ok', source: { kind: 'live', command: 'CLUSTER NODES' } } } });
    const d = deploymentPorts(facts, facts.config!, {});
    assert.deepEqual(numbers(d.nodes), [7000, 7001, 7002, 7003, 7004, 7005]);
    assert.deepEqual(numbers(d.used.map((u) => u.port)), [7000, 7001, 7002, 7003, 7004, 7005, 17000, 17001, 17002, 17003, 17004, 17005]);
    assert.deepEqual(d.others, { nodes: 5, sentinels: 0 });
    assert.equal(d.bus, 17000);
    assert.deepEqual(d.sources, ['6 nodes in CLUSTER NODES']);
  });

  it("a config file's nodes.conf (7.2: tls-port= and tcp-port= in the address), INFO replication, a sentinel.conf", () => {
    const facts = liveFacts({ conf: 'port 7000\ncluster-enabled yes\ncluster-port 27000' });
    const nodesFile = {
      path: '/var/lib/redis/nodes-7000.conf',
      text: 'a1 127.0.0.1:7000@27000,,tls-port=0,shard-id=s1 myself,master - 0 0 1 connected 0-16383\n'
        + 'a2 127.0.0.1:7101@17100,,tcp-port=7100,tls-port=7101,shard-id=s1 slave a1 0 0 1 connected\n'
        + 'vars currentEpoch 1 lastVoteEpoch 0\n',
    };
    const d = deploymentPorts(facts, facts.config!, { nodesFile });
    assert.equal(d.bus, 27000, 'cluster-port');
    assert.ok(d.used.some((u) => u.port === 7101 && /tls-port of node 127\.0\.0\.1:7100/.test(u.by)), JSON.stringify(d.used));
    assert.deepEqual(d.nodes, [7000], 'the node whose TLS port is known keeps it: it needs none');

    const replica = liveFacts({ conf: 'port 6380\nreplicaof 10.0.0.1 6379', info: '# Replication\nrole:slave\nmaster_host:10.0.0.1\nmaster_port:6379\n' });
    const sentinel = 'port 26380\nsentinel monitor mymaster 10.0.0.1 6379 2\nsentinel known-replica mymaster 10.0.0.2 6381\nsentinel known-sentinel mymaster 10.0.0.1 26379 abc\n';
    const r = deploymentPorts(replica, replica.config!, { sentinelText: sentinel, sentinelPath: 'sentinel.conf' });
    assert.deepEqual(numbers(r.nodes), [6379, 6380, 6381]);
    assert.deepEqual(numbers(r.used.map((u) => u.port)), [6379, 6380, 6381, 26379, 26380]);
    assert.deepEqual(r.others, { nodes: 2, sentinels: 2 });
  });

  it("an address that is no address (a hostile server's CLUSTER NODES) is not repeated", () => {
    const nodes = parseClusterNodes('a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected\na2 \u001b[2J\u001b[31mevil:7001@17001 master - 0 0 2 connected');
    const facts = liveFacts({ conf: 'port 7000\ncluster-enabled yes', mode: 'cluster', extra: { cluster: { nodes, myId: 'a1', state: 'ok', source: { kind: 'live', command: 'CLUSTER NODES' } } } });
    const d = deploymentPorts(facts, facts.config!, {});
    assert.deepEqual(d.used.filter((u) => u.port === 7001).map((u) => u.by), ['the port of node (an address that does not read as one):7001']);
  });

  it("a master's INFO replication lists its replicas", () => {
    const facts = liveFacts({ conf: 'port 6379', info: '# Replication\nrole:master\nconnected_slaves:2\nslave0:ip=127.0.0.1,port=6380,state=online,offset=1,lag=0\nslave1:ip=127.0.0.1,port=6381,state=online,offset=1,lag=0\n' });
    const d = deploymentPorts(facts, facts.config!, {});
    assert.deepEqual(numbers(d.nodes), [6379, 6380, 6381]);
    assert.deepEqual(d.sources, ['INFO replication']);
  });
});

describe('harden: the TLS port it writes', () => {
  const clusterFacts = liveFacts({ conf: 'port 7000\ncluster-enabled yes', mode: 'cluster', extra: { cluster: { nodes: parseClusterNodes(CLUSTER_NODES), myId: 'a1', state: 'ok', source: { kind: 'live', command: 'CLUSTER NODES' } } } });
  const clusterDeployment = deploymentPorts(clusterFacts, clusterFacts.config!, {});

  it('a lone 6379: tls-port 6380, and it says a server harden cannot see may use it', () => {
    const r = hardenTls('port 6379\n', { deployment: deploymentPorts(liveFacts({ conf: 'port 6379' }), liveFacts({ conf: 'port 6379' }).config!, {}) });
    assert.equal(line(r.conf, 'tls-port'), 'tls-port 6380');
    assert.match(r.notes.join('\n'), /TLS listens on 6380 \(port \+ 1\)\. No other node of this server's deployment is in harden's inputs: if another server on this host uses 6380, choose another with --tls-port N/);
  });

  it('cluster node 7000 of 7000-7005: tls-port 7006, the bus pinned at 17000 (7.0+), and PLAN.md says why', () => {
    const r = hardenTls('port 7000\ncluster-enabled yes\n', { deployment: clusterDeployment });
    assert.equal(line(r.conf, 'tls-port'), 'tls-port 7006');
    assert.equal(line(r.conf, 'tls-cluster'), 'tls-cluster yes');
    assert.equal(line(r.conf, 'cluster-port'), 'cluster-port 17000');
    const notes = r.notes.join('\n');
    assert.match(notes, /TLS listens on 7006 \(port \+ 6\): port \+ 1 = 7001 is the port of node 127\.0\.0\.1:7001, and every offset up to 5 meets a known port too\. The offset is the deployment's/);
    assert.match(notes, /harden knows 5 other nodes of this deployment \(6 nodes in CLUSTER NODES; ports in use: 7000-7005, 17000-17005\)/);
    assert.match(notes, /Cluster bus:\*\* it stays on 17000/);
  });

  it('Redis 6.2 has no cluster-port: the bus follows tls-port, so its bus port must be free too, and PLAN.md says the bus moves', () => {
    const facts = liveFacts({ conf: 'port 7000\ncluster-enabled yes', version: '6.2.16', mode: 'cluster', extra: { cluster: { nodes: parseClusterNodes(CLUSTER_NODES.replace('7005@17005', '7005@17011')), myId: 'a1', state: 'ok', source: { kind: 'live', command: 'CLUSTER NODES' } } } });
    const r = hardenTls('port 7000\ncluster-enabled yes\n', { version: '6.2.16', deployment: deploymentPorts(facts, facts.config!, {}) });
    // From offset 6 (7006-7011) on, node 7005's announced bus, 17011, is in the way of some node's new bus until 12.
    assert.equal(line(r.conf, 'tls-port'), 'tls-port 7012');
    assert.equal(line(r.conf, 'cluster-port'), undefined);
    assert.match(r.manual.join('\n'), /no cluster-port, so with tls-cluster yes this node's bus moves from 17000 to tls-port \+ 10000 \(17012\)/);
  });

  it("a server's own tls-port is kept; --tls-port wins over both", () => {
    const kept = hardenTls('port 7000\ntls-port 7443\ncluster-enabled yes\n', { deployment: clusterDeployment });
    assert.equal(line(kept.conf, 'tls-port'), 'tls-port 7443');
    assert.match(kept.notes.join('\n'), /TLS listens on 7443 \(kept\): the tls-port the server already has/);
    const asked = hardenTls('port 7000\ncluster-enabled yes\n', { deployment: clusterDeployment, tlsPort: 8000 });
    assert.equal(line(asked.conf, 'tls-port'), 'tls-port 8000');
    assert.match(asked.notes.join('\n'), /TLS listens on 8000 \(--tls-port\)/);
  });

  it('strict: 16379 for a server alone (as before); in a deployment its port + the first free offset from 10000', () => {
    assert.equal(line(hardenTls('port 7000\n', { strict: true }).conf, 'tls-port'), 'tls-port 16379');
    const r = hardenTls('port 7000\ncluster-enabled yes\n', { strict: true, deployment: clusterDeployment });
    // 17000-17005 are the buses: offset 10006.
    assert.equal(line(r.conf, 'tls-port'), 'tls-port 17006');
    assert.equal(line(r.conf, 'port'), 'port 0');
  });
});
