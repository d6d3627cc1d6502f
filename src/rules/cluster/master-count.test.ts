import { parseClusterNodes } from '../../gather/live/parse-replies.ts';
import type { ClusterFacts } from '../../facts/types.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './master-count.ts';
import { ring, topology } from '../../../test/topology/fixtures.ts';

function cluster(nodes: string): ClusterFacts {
  const parsed = parseClusterNodes(nodes);
  return { nodes: parsed, myId: parsed.find((n) => n.flags.includes('myself'))?.id, state: 'ok', source: { kind: 'live', command: 'CLUSTER NODES' } };
}
const clusterFacts = (nodes: string) => liveFacts({ conf: 'cluster-enabled yes', mode: 'cluster', extra: { cluster: cluster(nodes) } });

// CLUSTER NODES as redis-server 7.0 prints it (`ip:port@cport`, with `,hostname` when one is announced).
const THREE = `07c37dfeb235213a872192d90877d0cd55635b91 10.0.0.4:6379@16379 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1700000002000 4 connected
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 10.0.0.2:6379@16379 master - 0 1700000001000 2 connected 5461-10922
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 10.0.0.3:6379@16379 master - 0 1700000002000 3 connected 10923-16383
6ec23923021cf3ffec47632106199cb7f496ce01 10.0.0.5:6379@16379 slave 67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 0 1700000001000 5 connected
824fe116063bc5fcf9f4ffd895bc17aee7731ac3 10.0.0.6:6379@16379 slave 292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 0 1700000002000 6 connected
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 10.0.0.1:6379@16379 myself,master - 0 0 1 connected 0-5460`;

const FOUR = `e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 10.0.0.1:6379@16379,redis-a myself,master - 0 0 1 connected 0-4095
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 10.0.0.2:6379@16379,redis-b master - 0 1700000001000 2 connected 4096-8191
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 10.0.0.3:6379@16379,redis-c master - 0 1700000002000 3 connected 8192-12287
07c37dfeb235213a872192d90877d0cd55635b91 10.0.0.4:6379@16379,redis-d master - 0 1700000002000 4 connected 12288-16383`;

const TWO = `e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 10.0.0.1:6379@16379 myself,master - 0 0 1 connected 0-8191
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 10.0.0.2:6379@16379 master - 0 1700000001000 2 connected 8192-16383
07c37dfeb235213a872192d90877d0cd55635b91 10.0.0.4:6379@16379 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1700000002000 4 connected`;

// A fourth master that serves no slots yet (added, not rebalanced) does not vote.
const THREE_PLUS_EMPTY = `${THREE}
a1b2c3d4e5f60718293a4b5c6d7e8f9012345678 10.0.0.7:6379@16379 master - 0 1700000002000 7 connected`;

// One of three masters has failed: two are left to vote.
const ONE_FAILED = `e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 10.0.0.1:6379@16379 myself,master - 0 0 1 connected 0-5460
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 10.0.0.2:6379@16379 master - 0 1700000001000 2 connected 5461-10922
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 10.0.0.3:6379@16379 master,fail - 1700000000000 1700000000000 3 disconnected 10923-16383`;

// Four masters, one down: three are left to vote, but the majority is still counted over four (3 of 4).
const FOUR_ONE_FAILED = FOUR.replace('10.0.0.4:6379@16379,redis-d master - 0 1700000002000 4 connected', '10.0.0.4:6379@16379,redis-d master,fail - 1700000000000 1700000000000 4 disconnected');

const FIVE = `${FOUR.split('\n').map((l) => l.replace('12288-16383', '12288-14000')).join('\n')}
a1b2c3d4e5f60718293a4b5c6d7e8f9012345678 10.0.0.5:6379@16379,redis-e master - 0 1700000002000 5 connected 14001-16383`;

// Seven masters, one down: six are up, an even number, but the majority is 4 of 7 and two more may fail (review R31-6);
// five with one down likewise (3 of 5, one more).
const SEVEN = Array.from({ length: 7 }, (_, i) => `${String(i + 1).repeat(40)} 10.0.0.${i + 1}:6379@16379 ${i === 0 ? 'myself,master' : 'master'} - 0 1700000002000 ${i + 1} connected ${i * 2341}-${i === 6 ? 16383 : (i + 1) * 2341 - 1}`).join('\n');
const SEVEN_ONE_FAILED = SEVEN.replace('10.0.0.7:6379@16379 master - 0 1700000002000 7 connected', '10.0.0.7:6379@16379 master,fail - 1700000000000 1700000000000 7 disconnected');
const FIVE_ONE_FAILED = FIVE.replace('10.0.0.5:6379@16379,redis-e master - 0 1700000002000 5 connected', '10.0.0.5:6379@16379,redis-e master,fail - 1700000000000 1700000000000 5 disconnected');

ruleTester(rule, {
  pass: [
    { name: '3 masters with replicas', facts: clusterFacts(THREE), message: /^the cluster has 3 masters serving slots$/ },
    { name: '3 masters and one without slots', facts: clusterFacts(THREE_PLUS_EMPTY), message: /3 masters/ },
    { name: '5 masters', facts: clusterFacts(FIVE), message: /5 masters/ },
  ],
  fail: [
    { name: '4 masters: even', facts: clusterFacts(FOUR), messages: [/the cluster has 4 masters serving slots: an even number adds no failure tolerance/], severity: 'medium' },
    { name: '2 masters', facts: clusterFacts(TWO), messages: [/the cluster has 2 masters serving slots: fewer than 3 cannot keep a majority/] },
    // It said "the cluster has 2 masters serving slots: fewer than 3" (QA41-23): the shape is 3, one of them is down.
    {
      name: '3 masters, one failed',
      facts: clusterFacts(ONE_FAILED),
      messages: [/^the cluster has 3 masters serving slots, 1 of them down \(10\.0\.0\.3:6379: fail\): failover elections still need 2 of 3, so one more lost master stops every failover$/],
    },
    {
      name: '4 masters, one failed: 3 left, but the majority is 3 of 4',
      facts: clusterFacts(FOUR_ONE_FAILED),
      messages: [/^the cluster has 4 masters serving slots, 1 of them down \(10\.0\.0\.4:6379: fail\): failover elections still need 3 of 4, so one more lost master stops every failover, and 4 is an even number/],
    },
    {
      name: '7 masters, one failed: 6 left, but the majority is 4 of 7 and 2 more may fail',
      facts: clusterFacts(SEVEN_ONE_FAILED),
      messages: [/^the cluster has 7 masters serving slots, 1 of them down \(10\.0\.0\.7:6379: fail\): failover elections still need 4 of 7, so only 2 more may fail$/],
    },
    {
      name: '5 masters, one failed: 4 left, the majority 3 of 5',
      facts: clusterFacts(FIVE_ONE_FAILED),
      messages: [/^the cluster has 5 masters serving slots, 1 of them down \(10\.0\.0\.5:6379: fail\): failover elections still need 3 of 5, so only 1 more may fail$/],
    },
    { name: 'a single master', facts: clusterFacts('e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383'), messages: [/1 master serving slots: fewer than 3/] },
  ],
  skip: [
    { name: 'not a cluster node', facts: liveFacts(), message: /not a cluster node/ },
    { name: 'CLUSTER NODES denied', facts: liveFacts({ mode: 'cluster', unavailable: { cluster: 'CLUSTER NODES: NOPERM' } }), message: /NOPERM/ },
  ],
});

// The deployment view: every node discovered, labelled by --host-key when given.
const deployment = (t: ReturnType<typeof topology>) => liveFacts({ extra: { topology: t }, unavailable: { config: 'deployment entry' } });

ruleTester(rule, {
  pass: [
    { name: 'deployment: three masters discovered', facts: deployment(topology('cluster', ring())), message: /^the cluster has 3 masters serving slots$/ },
  ],
  fail: [
    {
      name: 'deployment: a failed master is counted in the shape and said as down',
      facts: deployment(topology('cluster', ring().map((n, i) => (i === 2 ? { ...n, health: ['fail'] } : n)))),
      messages: [/^the cluster has 3 masters serving slots, 1 of them down .*: failover elections still need 2 of 3, so one more lost master stops every failover$/],
    },
  ],
  skip: [
    { name: 'deployment: a sentinel group is no cluster', facts: deployment(topology('sentinel', [{ address: '10.0.0.1:26379', role: 'sentinel' }])), message: /not a cluster: the deployment is a sentinel group/ },
  ],
});
