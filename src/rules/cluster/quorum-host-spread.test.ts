import { parseClusterNodes } from '../../gather/live/parse-replies.ts';
import type { ClusterFacts } from '../../facts/types.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './quorum-host-spread.ts';
import { group, ring, topology } from '../../../test/topology/fixtures.ts';
import type { NodeSpec } from '../../../test/topology/fixtures.ts';

function cluster(nodes: string): ClusterFacts {
  const parsed = parseClusterNodes(nodes);
  return { nodes: parsed, myId: parsed.find((n) => n.flags.includes('myself'))?.id, state: 'ok', source: { kind: 'live', command: 'CLUSTER NODES' } };
}
const clusterFacts = (nodes: string) => liveFacts({ conf: 'cluster-enabled yes', mode: 'cluster', extra: { cluster: cluster(nodes) } });

const A = 'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca';
const B = '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1';
const C = '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f';

// CLUSTER NODES as redis-server 7.0 prints it: three hosts, each master's replica on the next host.
const SPREAD = `${A} 10.0.0.1:6379@16379 myself,master - 0 0 1 connected 0-5460
${B} 10.0.0.2:6379@16379 master - 0 1700000001000 2 connected 5461-10922
${C} 10.0.0.3:6379@16379 master - 0 1700000002000 3 connected 10923-16383
07c37dfeb235213a872192d90877d0cd55635b91 10.0.0.2:6380@16380 slave ${A} 0 1700000002000 1 connected
6ec23923021cf3ffec47632106199cb7f496ce01 10.0.0.3:6380@16380 slave ${B} 0 1700000001000 2 connected
824fe116063bc5fcf9f4ffd895bc17aee7731ac3 10.0.0.1:6380@16380 slave ${C} 0 1700000002000 3 connected`;

// `redis-cli --cluster create 127.0.0.1:7000 … 127.0.0.1:7005 --cluster-replicas 1`: one host for everything.
const ONE_HOST = `${A} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460
${B} 127.0.0.1:7001@17001 master - 0 1700000001000 2 connected 5461-10922
${C} 127.0.0.1:7002@17002 master - 0 1700000002000 3 connected 10923-16383
07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:7003@17003 slave ${A} 0 1700000002000 1 connected
6ec23923021cf3ffec47632106199cb7f496ce01 127.0.0.1:7004@17004 slave ${B} 0 1700000001000 2 connected
824fe116063bc5fcf9f4ffd895bc17aee7731ac3 127.0.0.1:7005@17005 slave ${C} 0 1700000002000 3 connected`;

// Masters spread, but the replica of the first master sits on its own host.
const REPLICA_BESIDE_MASTER = SPREAD.replace('10.0.0.2:6380@16380', '10.0.0.1:6381@16381');

// Two of three masters on one host.
const MAJORITY_ON_ONE = SPREAD.replace('10.0.0.2:6379@16379', '10.0.0.1:6390@16390');

// The only replica of the first master on another host has failed.
const FAILED_REPLICA = SPREAD.replace('10.0.0.2:6380@16380 slave', '10.0.0.2:6380@16380 slave,fail').replace(`slave,fail ${A} 0 1700000002000 1 connected`, `slave,fail ${A} 1700000000000 1700000000000 1 disconnected`);

ruleTester(rule, {
  pass: [
    { name: 'three hosts, each replica on another host', facts: clusterFacts(SPREAD), message: /^3 masters over 3 hosts; every slot range has a copy on another host$/ },
    {
      name: 'hostnames announced (7.0 ip:port@cport,hostname)',
      facts: clusterFacts(SPREAD.replace(/(10\.0\.0\.(\d):\d+@\d+)/g, '$1,redis-$2')),
    },
  ],
  fail: [
    {
      name: 'a whole cluster on one host',
      facts: clusterFacts(ONE_HOST),
      messages: [
        /^host 127\.0\.0\.1 holds 3 of 3 masters: losing it leaves no majority to fail over$/,
        /^slots 0-5460 live only on host 127\.0\.0\.1 \(the master and its 1 replica\)/,
        /^slots 5461-10922 live only on host 127\.0\.0\.1/,
        /^slots 10923-16383 live only on host 127\.0\.0\.1/,
      ],
      severity: 'high',
    },
    { name: 'a replica on its master\'s host', facts: clusterFacts(REPLICA_BESIDE_MASTER), messages: [/^slots 0-5460 live only on host 10\.0\.0\.1 \(the master and its 1 replica\): losing that host loses them$/] },
    { name: 'two of three masters on one host', facts: clusterFacts(MAJORITY_ON_ONE), messages: [/^host 10\.0\.0\.1 holds 2 of 3 masters/] },
    { name: 'a failed replica is no copy', facts: clusterFacts(FAILED_REPLICA), messages: [/^slots 0-5460 live only on host 10\.0\.0\.1 \(a master whose replica is not a usable copy now \(10\.0\.0\.2:6380: fail\)\)/] },
    {
      name: 'masters without replicas',
      facts: clusterFacts(SPREAD.split('\n').slice(0, 3).join('\n')),
      messages: [/slots 0-5460 .*a master without replicas/, /slots 5461-10922/, /slots 10923-16383/],
    },
  ],
  skip: [
    { name: 'not a cluster node', facts: liveFacts(), message: /not a cluster node/ },
    { name: 'CLUSTER NODES denied', facts: liveFacts({ mode: 'cluster', unavailable: { cluster: 'CLUSTER NODES: NOPERM' } }), message: /NOPERM/ },
  ],
});

// The deployment view: failure domains from --host-key, sentinel groups, plain replication.
const deployment = (t: ReturnType<typeof topology>) => liveFacts({ extra: { topology: t }, unavailable: { config: 'deployment entry' } });
const zones = (label: (address: string) => string) => topology('cluster', ring().map((n) => ({ ...n, label: label(n.address) })), { hostKey: 'zones.txt' });
const DATA: NodeSpec[] = [
  { address: '10.0.0.1:6379', role: 'master' },
  { address: '10.0.0.2:6379', role: 'replica', master: '10.0.0.1:6379' },
];
const sentinels = (hosts: string[]) => hosts.map((h, i): NodeSpec => ({ address: `${h}:${26379 + i}`, role: 'sentinel' }));
const sentinelGroup = (hosts: string[]) =>
  topology('sentinel', [...DATA, ...sentinels(hosts)], { groups: [group('mymaster', '10.0.0.1:6379', sentinels(hosts).map((s) => s.address), 2)] });

ruleTester(rule, {
  pass: [
    { name: 'deployment: three hosts', facts: deployment(topology('cluster', ring())), message: /^3 masters over 3 hosts; every slot range has a copy on another host$/ },
    { name: 'deployment: three zones from --host-key', facts: deployment(zones((a) => `zone-${a.slice(7, 8)}`)), message: /^3 masters over 3 failure domains \(from zones\.txt\); every slot range has a copy on another failure domain$/ },
    { name: 'sentinel group over three hosts', facts: deployment(sentinelGroup(['10.0.0.1', '10.0.0.2', '10.0.0.3'])), message: /^1 master on 1 host; every master has a copy on another host and its sentinels keep quorum/ },
  ],
  fail: [
    {
      name: 'deployment: two of three hosts share a zone',
      facts: deployment(zones((a) => (a.startsWith('10.0.0.3') ? 'zone-b' : 'zone-a'))),
      messages: [/^'zone-a' holds 2 of 3 masters: losing it leaves no majority to fail over$/, /^slots 0-5460 live only on 'zone-a' \(the master and its 1 replica\): losing that failure domain loses them$/],
    },
    {
      name: 'sentinel group: every sentinel on one host',
      facts: deployment(sentinelGroup(['10.0.0.3', '10.0.0.3', '10.0.0.3'])),
      messages: [/^host 10\.0\.0\.3 runs 3 of the 3 sentinels watching master 'mymaster': losing it leaves 0, fewer than the quorum of 2, so no failover can happen$/],
    },
    {
      name: 'replication: master and replica on one host',
      facts: deployment(topology('replication', [DATA[0]!, { ...DATA[1]!, address: '10.0.0.1:6380' }])),
      messages: [/^master 10\.0\.0\.1:6379 lives only on host 10\.0\.0\.1 \(the master and its 1 replica\): losing that host loses its data$/],
    },
  ],
  skip: [
    {
      // QA39-11: a sentinel known by a name that did not resolve may run on any host: a pass would be a guess.
      name: 'sentinel group with a sentinel whose host name did not resolve',
      facts: deployment((() => {
        const t = sentinelGroup(['10.0.0.1', '10.0.0.2', 'sentinel-c.internal']);
        return { ...t, nodes: t.nodes.map((n) => (n.host === 'sentinel-c.internal' ? { ...n, unresolved: 'host name not found' } : n)) };
      })()),
      message: /^sentinel-c\.internal:26381: its host name did not resolve \(host name not found\): which host it runs on is unknown, so whether losing one host loses a master's every copy or its sentinels' quorum is unknown$/,
    },
    {
      // --sentinel with the minimal Sentinel auditor: SENTINEL REPLICAS and SENTINELS refused. The seed alone and no
      // replica were listed, which failed 'a master without replicas' and 'runs 1 of the 1 sentinels'.
      name: 'sentinel group whose replicas and sentinels could not be listed',
      facts: deployment(topology('sentinel', [{ address: '10.0.0.1:6379', role: 'master' }, { address: '10.0.0.1:26379', role: 'sentinel' }], {
        groups: [{ ...group('mymaster', '10.0.0.1:6379', ['10.0.0.1:26379'], 2), replicasUnavailable: 'the audit user may not run SENTINEL REPLICAS mymaster (grant +sentinel|replicas)', sentinelsUnavailable: 'the audit user may not run SENTINEL SENTINELS mymaster (grant +sentinel|sentinels)' }],
      })),
      message: /^master 'mymaster': the audit user may not run SENTINEL REPLICAS mymaster \(grant \+sentinel\|replicas\); the audit user may not run SENTINEL SENTINELS mymaster \(grant \+sentinel\|sentinels\): where its copies and sentinels run is unknown$/,
    },
  ],
});
