import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Facts } from '../../src/facts/types.ts';
import { discoverDeployment, nodeTarget, replicasFromInfo } from '../../src/gather/topology/discover.ts';
import type { Gathered } from '../../src/gather/topology/discover.ts';
import { groupsFromReplies } from '../../src/gather/topology/sentinel.ts';
import { parseClusterNodes } from '../../src/gather/live/parse-replies.ts';
import { ReplyError } from '../../src/gather/live/resp.ts';
import { resolveTarget, targetPassword } from '../../src/redis/target.ts';
import type { Target } from '../../src/redis/target.ts';
import { parseHostKey } from '../../src/topology/host-key.ts';
import { liveFacts } from '../rule-tester.ts';
import { MAX_DEPLOYMENT_NODES } from '../../src/util/defaults.ts';
import type { SentinelMaster } from '../../src/facts/live.ts';
import { arr, bulk, err, simple, startFakeServer } from '../helpers/fake-resp-server.ts';
import { runCli } from './cli.ts';

const NODES = `a 10.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191
b 10.0.0.2:7001@17001,redis-b master - 0 0 2 connected 8192-16383
c 10.0.0.1:7002@17002 slave a 0 0 1 connected
d 10.0.0.3:7003@17003 slave,fail b 0 0 2 disconnected
e :0@0 master,noaddr - 0 0 0 disconnected`;

function clusterSeed(text = NODES): Facts {
  const nodes = parseClusterNodes(text);
  return { ...liveFacts({ mode: 'cluster', conf: 'cluster-enabled yes' }), cluster: { nodes, myId: 'a', state: 'ok', source: { kind: 'live', command: 'CLUSTER NODES' } } };
}

/** A gatherer whose seed answers CLUSTER NODES with `text` and every other node fails; what it was asked, in `asked`. */
function seedOnly(text: string, asked: Target[]): (target: Target, isSeed: boolean) => Promise<Gathered> {
  return async (target, isSeed) => {
    asked.push(target);
    return isSeed ? { ok: true, facts: clusterSeed(text) } : { ok: false, error: 'x' };
  };
}

describe('discoverDeployment (with a fake gatherer)', () => {
  const seed = resolveTarget('rediss://auditor:s3cret-pass@10.0.0.1:7000', { cacert: '/ca.pem', sni: 'redis.internal' }, {});

  it('a cluster: every node of CLUSTER NODES but the address-less, the seed gathered once, the rest with its credentials', async () => {
    const asked: Target[] = [];
    const gather = async (target: Target, isSeed: boolean): Promise<Gathered> => {
      asked.push(target);
      if (isSeed) return { ok: true, facts: clusterSeed() };
      if (target.port === 7003) return { ok: false, error: 'connection refused' };
      return { ok: true, facts: { ...liveFacts({ mode: 'cluster' }), target: target.display } };
    };
    const discovery = await discoverDeployment(seed, { kind: 'cluster', gather, hostKey: parseHostKey('10.0.0.1 rack-1\nredis-b rack-2\n', 'racks') });
    // In address order (host, then port), not CLUSTER NODES's.
    assert.ok(discovery.ok);
    assert.deepEqual(asked.map((t) => t.display), ['rediss://auditor@10.0.0.1:7000', 'rediss://auditor@10.0.0.1:7002', 'rediss://auditor@10.0.0.2:7001', 'rediss://auditor@10.0.0.3:7003']);
    for (const t of asked.slice(1)) {
      assert.equal(targetPassword(t), 's3cret-pass');
      assert.deepEqual(t.tls, { caFile: '/ca.pem', servername: 'redis.internal', insecure: false });
    }
    const { topology } = discovery;
    assert.equal(topology.kind, 'cluster');
    assert.equal(topology.hostKey, 'racks');
    assert.deepEqual(topology.nodes.map((n) => [n.address, n.role, n.label, n.masterAddress, n.health, n.error]), [
      ['10.0.0.1:7000', 'master', 'rack-1', undefined, [], undefined],
      ['10.0.0.1:7002', 'replica', 'rack-1', '10.0.0.1:7000', [], undefined],
      ['10.0.0.2:7001', 'master', 'rack-2', undefined, [], undefined],
      ['10.0.0.3:7003', 'replica', '10.0.0.3', '10.0.0.2:7001', ['fail', 'disconnected'], 'connection refused'],
    ]);
    assert.deepEqual(topology.nodes[0]!.slots, [[0, 8191]]);
    assert.equal(topology.nodes[0]!.summary?.server?.mode, 'cluster');
    assert.equal(topology.nodes[3]!.summary, undefined);
  });

  it('overrides: by host:port the URL is used as given; by role its credentials reach the node at its own address', async () => {
    const asked: string[] = [];
    const gather = async (target: Target, isSeed: boolean): Promise<Gathered> => {
      asked.push(`${target.display} ${targetPassword(target) ?? '-'}`);
      return isSeed ? { ok: true, facts: clusterSeed() } : { ok: false, error: 'x' };
    };
    const nodeOverrides = new Map([
      ['10.0.0.2:7001', resolveTarget('redis://:nat-pass@192.168.1.2:17001', {}, {})],
      ['replica', resolveTarget('redis://repl:repl-pass@any:1', {}, {})],
    ]);
    await discoverDeployment(seed, { kind: 'cluster', gather, nodeOverrides, concurrency: 1 });
    assert.deepEqual(asked.slice(1), ['redis://repl@10.0.0.1:7002 repl-pass', 'redis://192.168.1.2:17001 nat-pass', 'redis://repl@10.0.0.3:7003 repl-pass']);
  });

  it('cluster-preferred-endpoint-type hostname: a node announcing a name is dialled at its address and its certificate checked against the name', async () => {
    const seedFacts = (preferred: string): Facts => {
      const facts = clusterSeed(NODES.replace('10.0.0.3:7003@17003 ', '10.0.0.3:7003@17003,redis-d ').replace(',redis-b ', ',bad/name '));
      return { ...facts, ...liveFacts({ mode: 'cluster', conf: `cluster-enabled yes\ncluster-preferred-endpoint-type ${preferred}` }), cluster: facts.cluster! };
    };
    const names = async (preferred: string, from: Target) => {
      const asked: Target[] = [];
      const gather = async (target: Target, isSeed: boolean): Promise<Gathered> => {
        asked.push(target);
        return isSeed ? { ok: true, facts: seedFacts(preferred) } : { ok: false, error: 'x' };
      };
      await discoverDeployment(from, { kind: 'cluster', gather, nodeOverrides: new Map([['replica', resolveTarget('rediss://repl:p@any:1', {}, {})]]), concurrency: 1 });
      return asked.slice(1).map((t) => `${t.display} ${t.tls?.servername ?? '-'}`);
    };
    // Replica d announces redis-d: its clients are sent there by name (it is reached with the replicas' override, at its
    // own address). Replica c announces none, and b's is no host name: the seed's (or the override's) name stays.
    assert.deepEqual(await names('hostname', seed), ['rediss://repl@10.0.0.1:7002 -', 'rediss://auditor@10.0.0.2:7001 redis.internal', 'rediss://repl@10.0.0.3:7003 redis-d']);
    assert.deepEqual(await names('ip', seed), ['rediss://repl@10.0.0.1:7002 -', 'rediss://auditor@10.0.0.2:7001 redis.internal', 'rediss://repl@10.0.0.3:7003 -']);
    // Without TLS there is no name to check.
    const plain = resolveTarget('redis://auditor:s3cret-pass@10.0.0.1:7000', {}, {});
    const plainNames = await names('hostname', plain);
    assert.equal(plainNames[1], 'redis://auditor@10.0.0.2:7001 -');
  });

  it('the seed must be of the kind asked for', async () => {
    const gather = async (): Promise<Gathered> => ({ ok: true, facts: liveFacts() });
    const discovery = await discoverDeployment(seed, { kind: 'sentinel', gather });
    assert.equal(discovery.ok, false);
    assert.match(discovery.ok ? '' : discovery.error, /^--sentinel needs a sentinel node, but rediss:\/\/auditor@10\.0\.0\.1:7000 runs in standalone mode$/);
    const unreachable = await discoverDeployment(seed, { kind: 'cluster', gather: async () => ({ ok: false, error: 'connect timed out' }) });
    assert.deepEqual(unreachable, { ok: false, error: 'connect timed out', seedFacts: undefined });
  });

  it('replication: up from a replica to its master, then down every slaveN line, chained replicas included', async () => {
    const info = (text: string) => liveFacts({ info: `# Replication\n${text}\n` });
    const byPort: Record<number, Facts> = {
      6380: info('role:slave\nmaster_host:10.0.0.1\nmaster_port:6379\nmaster_link_status:up'),
      6379: info('role:master\nconnected_slaves:2\nslave0:ip=10.0.0.2,port=6380,state=online,offset=1,lag=0\nslave1:ip=10.0.0.3,port=6381,state=wait_bgsave,offset=0,lag=0'),
      6381: info('role:slave\nmaster_host:10.0.0.1\nmaster_port:6379\nmaster_link_status:down\nslave0:ip=10.0.0.4,port=6382,state=online,offset=1,lag=0'),
      6382: info('role:slave\nmaster_host:10.0.0.3\nmaster_port:6381\nmaster_link_status:up'),
    };
    const replica = resolveTarget('redis://10.0.0.2:6380', {}, {});
    const discovery = await discoverDeployment(replica, { kind: 'replication', gather: async (t) => ({ ok: true, facts: byPort[t.port]! }) });
    assert.ok(discovery.ok);
    assert.deepEqual(discovery.topology.nodes.map((n) => [n.address, n.role, n.masterAddress, n.health]), [
      ['10.0.0.1:6379', 'master', undefined, []],
      ['10.0.0.2:6380', 'replica', '10.0.0.1:6379', []],
      ['10.0.0.3:6381', 'replica', '10.0.0.1:6379', ['state=wait_bgsave', 'disconnected']],
      ['10.0.0.4:6382', 'replica', '10.0.0.3:6381', []],
    ]);
    assert.deepEqual(replicasFromInfo(byPort[6379]!).map((r) => `${r.host}:${r.port}`), ['10.0.0.2:6380', '10.0.0.3:6381']);
  });

  // The node list is the server's word: a hostile node listing 20,000 addresses once had the audit connect to
  // each (47 s, 1.5 GB, then "unexpected error: Invalid string length" writing the report).
  it(`a cluster or replication group of more than ${MAX_DEPLOYMENT_NODES} nodes is an error, and no other node is contacted`, async () => {
    const lines = [`a 10.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383`];
    for (let i = 0; i < MAX_DEPLOYMENT_NODES; i++) lines.push(`n${i} 10.1.${i >> 8}.${i & 255}:6379@16379 master - 0 0 1 connected`);
    const asked: Target[] = [];
    const cluster = await discoverDeployment(seed, { kind: 'cluster', gather: seedOnly(lines.join('\n'), asked) });
    assert.equal(cluster.ok, false);
    assert.equal(cluster.ok ? '' : cluster.error, `CLUSTER NODES lists ${MAX_DEPLOYMENT_NODES + 1} nodes: more than the ${MAX_DEPLOYMENT_NODES} redfort audits in one deployment (a broken or hostile server?)`);
    assert.equal(asked.length, 1, 'only the seed was gathered');

    const slaves = Array.from({ length: MAX_DEPLOYMENT_NODES }, (_, i) => `slave${i}:ip=10.2.${i >> 8}.${i & 255},port=6379,state=online,offset=1,lag=0`);
    const master = liveFacts({ info: `# Replication\nrole:master\nconnected_slaves:${slaves.length}\n${slaves.join('\n')}\n` });
    asked.length = 0;
    const group = await discoverDeployment(resolveTarget('redis://10.0.0.1:6379', {}, {}), { kind: 'replication', gather: async (t) => (asked.push(t), { ok: true, facts: master }) });
    assert.equal(group.ok, false);
    assert.match(group.ok ? '' : group.error, new RegExp(`^INFO replication lists ${MAX_DEPLOYMENT_NODES + 1} nodes: more than the ${MAX_DEPLOYMENT_NODES}`));
    assert.equal(asked.length, 1, 'only the seed was gathered');
  });

  // Each replica of INFO replication was looked for among the ones listed before it: a hostile master's 150,000 (within
  // the 16 MiB of an INFO reply) held one CPU for minutes before the bound above refused them; 40,000 took 120 s (2 cores, load 15).
  it('a master listing 40,000 replicas is refused at once', async () => {
    const slaves = Array.from({ length: 40_000 }, (_, i) => `slave${i}:ip=10.3.${i >> 8}.${i & 255},port=6379,state=online,offset=1,lag=0`);
    const master = liveFacts({ info: `# Replication\nrole:master\nconnected_slaves:${slaves.length}\n${slaves.join('\n')}\n` });
    // CPU time, not wall time: with nothing to wait for (the gatherer is a fake), the CPU it takes is its cost, whatever
    // else the machine runs (on 2 loaded cores it took 9.3 s of wall time, failing the 8 s it was given).
    const started = process.cpuUsage();
    const group = await discoverDeployment(resolveTarget('redis://10.0.0.1:6379', {}, {}), { kind: 'replication', gather: async () => ({ ok: true, facts: master }) });
    const { user, system } = process.cpuUsage(started);
    const ms = (user + system) / 1000;
    assert.match(group.ok ? '' : group.error, /^INFO replication lists 40001 nodes: more than the 1000/);
    assert.ok(ms < 8_000, `took ${Math.round(ms)} ms of CPU`);
  });
});

// A node list naming an address no server has threw the target error of that address out of discovery: the whole
// run stopped ("redfort: invalid target '127.0.0.9': -p 99999: port must be 1-65535", exit 2), the other targets of
// an inventory unreported. It is the deployment's error now, and no node is contacted.
describe('discoverDeployment: a node list naming an impossible address', () => {
  const seed = resolveTarget('redis://10.0.0.1:7000', {}, {});
  const cases: [string, string, RegExp][] = [
    ['a port above 65535', 'z 127.0.0.9:99999@1 slave a 0 0 1 connected', /^CLUSTER NODES names 127\.0\.0\.9:99999, which is no address redfort can connect to \(port must be 1-65535\): a broken or hostile server\?$/],
    ['a host with a space', 'z bad\\x20host:7005@17005 slave a 0 0 1 connected', /^CLUSTER NODES names .*, which is no address redfort can connect to \(host .* is not a valid host name or IP address\)/],
  ];
  for (const [name, line, error] of cases) {
    it(`CLUSTER NODES with ${name}: the deployment is an error, no node is contacted`, async () => {
      const asked: Target[] = [];
      const cluster = await discoverDeployment(seed, { kind: 'cluster', gather: seedOnly(`a 10.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383\nb 10.0.0.2:7001@17001 slave a 0 0 1 connected\n${line}`, asked) });
      assert.equal(cluster.ok, false);
      assert.match(cluster.ok ? '' : cluster.error, error);
      assert.equal(asked.length, 1, 'only the seed was gathered');
    });
  }

  it('INFO replication of a replica naming a master at port 0 or 70000: the group is an error', async () => {
    for (const port of [0, 70000]) {
      const replica = liveFacts({ info: `# Replication\nrole:slave\nmaster_host:10.0.0.9\nmaster_port:${port}\nmaster_link_status:up\n` });
      const group = await discoverDeployment(seed, { kind: 'replication', gather: async () => ({ ok: true, facts: replica }) });
      assert.equal(group.ok, false);
      assert.match(group.ok ? '' : group.error, new RegExp(`^INFO replication names 10\\.0\\.0\\.9:${port}, which is no address redfort can connect to \\(port must be 1-65535\\)`));
    }
  });

  // `master_host:` empty was told as "(-h is empty)", a flag nobody gave: the server reported an empty address.
  it('INFO replication naming a master with an empty host (:0, :6379), and reboot-plan against it: the server reported it', async () => {
    for (const port of [0, 6379]) {
      const replica = liveFacts({ info: `# Replication\nrole:slave\nmaster_host:\nmaster_port:${port}\nmaster_link_status:down\n` });
      const group = await discoverDeployment(seed, { kind: 'replication', gather: async () => ({ ok: true, facts: replica }) });
      assert.equal(group.ok, false);
      assert.match(group.ok ? '' : group.error, new RegExp(`^INFO replication names :${port}, which is no address redfort can connect to \\(the server reported an empty host\\): a broken or hostile server\\?$`));
    }
    const server = await startFakeServer((argv) => {
      const command = argv[0]!.toUpperCase();
      if (command === 'INFO') return bulk('# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n# Replication\r\nrole:slave\r\nmaster_host:\r\nmaster_port:0\r\nmaster_link_status:down\r\n');
      return command === 'PING' ? simple('PONG') : err('ERR unknown command');
    });
    try {
      const run = await runCli(['reboot-plan', `redis://127.0.0.1:${server.port}`]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /INFO replication names :0, which is no address redfort can connect to \(the server reported an empty host\)/);
      assert.doesNotMatch(run.stderr, /-h/);
    } finally {
      await server.close();
    }
  });
});

// A node list is the server's word, and may name one server many times: CLUSTER NODES naming one silent address 999 times
// (under 999 ids) had --cluster connect to it 999 times, 16 at a time, each until its own --target-timeout (321 s at
// 5 s). Replication and sentinel nodes were taken once per address already; every spelling of an address is one now.
describe('discoverDeployment: each address once, however the node list spells it', () => {
  const seed = resolveTarget('redis://10.0.0.1:7000', {}, {});

  it('CLUSTER NODES naming one node 999 times (and the seed again under another id): each gathered once', async () => {
    const spellings = ['10.0.0.2', '10.0.0.2.', '10.0.2', '167772162', '0xa.0.0.2', '::ffff:10.0.0.2', '::FFFF:a00:2'];
    const lines = [`a 10.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383`, `s 10.0.0.1:7000@17000 slave a 0 0 1 connected`];
    for (let i = 0; i < 999; i++) lines.push(`n${i} ${spellings[i % spellings.length]}:7001@17001 slave a 0 0 1 connected`);
    const asked: Target[] = [];
    const cluster = await discoverDeployment(seed, { kind: 'cluster', gather: seedOnly(lines.join('\n'), asked) });
    assert.ok(cluster.ok);
    assert.deepEqual(asked.map((t) => t.display), ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7001']);
    assert.deepEqual(cluster.topology.nodes.map((n) => [n.address, n.role, n.error]), [
      ['10.0.0.1:7000', 'master', undefined],
      ['10.0.0.2:7001', 'replica', 'x'],
    ]);
  });

  it('the seed listed after another id at its address is still the seed (its own line wins)', async () => {
    const asked: Target[] = [];
    const cluster = await discoverDeployment(seed, { kind: 'cluster', gather: seedOnly(`s 10.0.0.1:7000@17000 slave a 0 0 1 connected\na 10.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-16383`, asked) });
    assert.ok(cluster.ok);
    assert.equal(asked.length, 1);
    assert.deepEqual(cluster.topology.nodes.map((n) => [n.address, n.role, n.error]), [['10.0.0.1:7000', 'master', undefined]]);
  });

  it('replication: a loop (a replica listing its master, itself, the seed under other spellings) takes each address once', async () => {
    const info = (text: string) => liveFacts({ info: `# Replication\n${text}\n` });
    const slave = (i: number, host: string, port: number) => `slave${i}:ip=${host},port=${port},state=online,offset=1,lag=0`;
    const byPort: Record<number, Facts> = {
      // The seed: a replica of a master at another spelling of 10.0.0.1.
      6380: info(`role:slave\nmaster_host:10.0.1\nmaster_port:6379\nmaster_link_status:up\n${slave(0, '10.0.0.1', 6379)}`),
      6379: info(`role:master\n${slave(0, '10.0.0.2', 6380)}\n${slave(1, '10.0.0.3', 6381)}\n${slave(2, '::ffff:10.0.0.2', 6380)}`),
      6381: info(`role:slave\nmaster_host:10.0.0.1\nmaster_port:6379\n${slave(0, '10.0.0.1', 6379)}\n${slave(1, '10.0.0.3', 6381)}\n${slave(2, '167772162', 6380)}`),
    };
    const asked: string[] = [];
    const discovery = await discoverDeployment(resolveTarget('redis://10.0.0.2:6380', {}, {}), { kind: 'replication', gather: async (t) => (asked.push(t.display), { ok: true, facts: byPort[t.port]! }) });
    assert.ok(discovery.ok);
    assert.deepEqual(asked, ['redis://10.0.0.2:6380', 'redis://10.0.1:6379', 'redis://10.0.0.3:6381']);
    assert.deepEqual(discovery.topology.nodes.map((n) => [n.address, n.role]), [
      ['10.0.1:6379', 'master'],
      ['10.0.0.2:6380', 'replica'],
      ['10.0.0.3:6381', 'replica'],
    ]);
    assert.equal(discovery.warnings, undefined);
  });

  // QA39-11: a node known by a host name is placed on the host of its address; one whose name does not resolve is
  // said, within the connect timeout, never guessed.
  it('replication: a master known by a host name is labelled with its address, or said when the name does not resolve', async () => {
    const facts: Record<number, Facts> = {
      6380: liveFacts({ info: '# Replication\nrole:slave\nmaster_host:redis-a.internal\nmaster_port:6379\nmaster_link_status:up\n' }),
      6379: liveFacts({ info: '# Replication\nrole:master\nconnected_slaves:1\nslave0:ip=10.0.0.2,port=6380,state=online,offset=1,lag=0\n' }),
    };
    const seed = resolveTarget('redis://10.0.0.2:6380', {}, {});
    const discover = (lookup: (name: string) => Promise<readonly string[]>, extra: { connectTimeoutMs?: number } = {}) =>
      discoverDeployment(seed, { kind: 'replication', gather: async (t) => ({ ok: true, facts: facts[t.port]! }), lookup, ...extra });
    const asked: string[] = [];
    // Of its addresses, the one another node is known by: the master shares the replica's host.
    const shared = await discover(async (name) => (asked.push(name), ['10.0.0.9', '10.0.0.2']));
    assert.ok(shared.ok);
    assert.deepEqual(asked, ['redis-a.internal']);
    assert.deepEqual(shared.topology.nodes.map((n) => [n.address, n.label, n.resolved?.value, n.unresolved]), [
      ['redis-a.internal:6379', '10.0.0.2', ['10.0.0.9', '10.0.0.2'], undefined],
      ['10.0.0.2:6380', '10.0.0.2', undefined, undefined],
    ]);
    assert.deepEqual(shared.topology.nodes[0]!.resolved!.source, { kind: 'host', detail: 'name lookup of redis-a.internal' });
    assert.equal(shared.warnings, undefined);
    const elsewhere = await discover(async () => ['10.0.0.7']);
    assert.ok(elsewhere.ok);
    assert.equal(elsewhere.topology.nodes[0]!.label, '10.0.0.7');

    const notFound = await discover(() => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND redis-a.internal'), { code: 'ENOTFOUND' })));
    assert.ok(notFound.ok);
    assert.deepEqual([notFound.topology.nodes[0]!.label, notFound.topology.nodes[0]!.unresolved, notFound.topology.nodes[0]!.resolved], ['redis-a.internal', 'host name not found', undefined]);
    assert.deepEqual(notFound.warnings, ['redis-a.internal:6379: its host name did not resolve (host name not found): it is counted as a host of its own, which may not be so']);

    const started = Date.now();
    const silent = await discover(() => new Promise(() => {}), { connectTimeoutMs: 200 });
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.ok(silent.ok);
    assert.equal(silent.topology.nodes[0]!.unresolved, 'no answer within 200 ms');
  });

  it('replication: a replica of itself is asked once', async () => {
    const loop = liveFacts({ info: '# Replication\nrole:slave\nmaster_host:10.0.0.2\nmaster_port:6380\nmaster_link_status:down\n' });
    const asked: string[] = [];
    const discovery = await discoverDeployment(resolveTarget('redis://10.0.0.2:6380', {}, {}), { kind: 'replication', gather: async (t) => (asked.push(t.display), { ok: true, facts: loop }) });
    assert.ok(discovery.ok);
    assert.deepEqual(asked, ['redis://10.0.0.2:6380']);
    assert.equal(discovery.topology.nodes.length, 1);
  });

  it('a sentinel listing 2,000 peers at 5 spellings of 400 addresses: each gathered once, each one vote in its group', async () => {
    const peer = (host: string, port: number, flags: string) => arr(...['name', `${host}:${port}`, 'ip', host, 'port', String(port), 'flags', flags].map(bulk));
    // 400 addresses (10.5.0.0 …), each in 5 spellings, plus the seed itself and one replica 100 times.
    const sentinels = Array.from({ length: 2000 }, (_, i) => {
      const n = i % 400;
      const spelling = Math.floor(i / 400);
      const host = [`10.5.${n >> 8}.${n & 255}`, `10.5.${n >> 8}.${n & 255}.`, `::ffff:10.5.${n >> 8}.${n & 255}`, String(0x0a050000 + n), `10.${0x050000 + n}`][spelling]!;
      return peer(host, 26379, 'sentinel');
    });
    const replicas = Array.from({ length: 100 }, () => peer('10.6.0.1', 6379, 'slave'));
    const pipeline = await startFakeServer((argv) => {
      const command = argv.slice(0, 2).join(' ').toUpperCase();
      if (command === 'SENTINEL SENTINELS') return arr(...sentinels, peer('127.0.0.1', pipeline.port, 'sentinel'));
      if (command === 'SENTINEL REPLICAS') return arr(...replicas);
      return simple('OK 3 usable Sentinels');
    });
    try {
      const seed = resolveTarget(`redis://127.0.0.1:${pipeline.port}`, {}, {});
      const source = { kind: 'live', command: 'SENTINEL MASTERS' } as const;
      const master: SentinelMaster = { name: 'm', host: '10.7.0.1', port: 6379, quorum: 2, flags: 'master', numOtherSentinels: 2000, numReplicas: 100, authUser: undefined, authPass: undefined, source };
      const seedFacts: Facts = { ...liveFacts({ mode: 'sentinel' }), sentinel: { masters: [master], config: new Map(), sentinelPass: undefined, denyScriptsReconfig: undefined, masterAuthKnown: false, source } };
      const asked: string[] = [];
      const gather = async (t: Target, isSeed: boolean): Promise<Gathered> => (asked.push(t.display), isSeed ? { ok: true, facts: seedFacts } : { ok: false, error: 'x' });
      const discovery = await discoverDeployment(seed, { kind: 'sentinel', gather });
      assert.ok(discovery.ok, discovery.ok ? '' : discovery.error);
      // The seed, the master, the replica and the 400 sentinels; the seed is not asked again.
      assert.equal(asked.length, 403);
      assert.equal(new Set(asked).size, 403);
      assert.equal(discovery.topology.nodes.length, 403);
      assert.equal(discovery.topology.groups[0]!.sentinels.length, 401);
    } finally {
      await pipeline.close();
    }
  });

  // QA44-50's rest: of two listings of one address (one run_id, one address once resolved), the one kept was ranked
  // without its role: SENTINEL MASTERS' `localhost:6379` lost to a stale known-replica `127.0.0.1:6379` (an IP), and
  // the group was left with a replica for its master.
  it('a sentinel listing its master by name and, stale, as a replica at its IP: one node, the master', async () => {
    const peer = (host: string, port: number, flags: string) => arr(...['name', `${host}:${port}`, 'ip', host, 'port', String(port), 'flags', flags].map(bulk));
    const pipeline = await startFakeServer((argv) => {
      const command = argv.slice(0, 2).join(' ').toUpperCase();
      if (command === 'SENTINEL SENTINELS') return arr();
      if (command === 'SENTINEL REPLICAS') return arr(peer('127.0.0.1', 6379, 'slave'));
      return simple('OK 1 usable Sentinels');
    });
    try {
      const seed = resolveTarget(`redis://127.0.0.1:${pipeline.port}`, {}, {});
      const source = { kind: 'live', command: 'SENTINEL MASTERS' } as const;
      const master: SentinelMaster = { name: 'm', host: 'localhost', port: 6379, quorum: 1, flags: 'master', numOtherSentinels: 0, numReplicas: 1, authUser: undefined, authPass: undefined, source };
      const seedFacts: Facts = { ...liveFacts({ mode: 'sentinel' }), sentinel: { masters: [master], config: new Map(), sentinelPass: undefined, denyScriptsReconfig: undefined, masterAuthKnown: false, source } };
      const server = liveFacts({ info: `# Server\nredis_version:7.0.15\nrun_id:${'ab'.repeat(20)}\n# Replication\nrole:master\nconnected_slaves:0\n` });
      const gather = async (_t: Target, isSeed: boolean): Promise<Gathered> => ({ ok: true, facts: isSeed ? seedFacts : server });
      const discovery = await discoverDeployment(seed, { kind: 'sentinel', gather, lookup: async () => ['127.0.0.1'] });
      assert.ok(discovery.ok, discovery.ok ? '' : discovery.error);
      const nodes = discovery.topology.nodes.filter((n) => n.port === 6379);
      assert.deepEqual(nodes.map((n) => [n.address, n.role]), [['localhost:6379', 'master']]);
      assert.equal(discovery.topology.groups[0]!.master, 'localhost:6379');
      assert.ok((discovery.warnings ?? []).some((w) => /one server at localhost:6379 and 127\.0\.0\.1:6379/.test(w) && /lists its master as a replica too/.test(w)), JSON.stringify(discovery.warnings));
    } finally {
      await pipeline.close();
    }
  });

  it('replication: a chain of made-up replicas is followed 8 links down, then a warning names the seed', async () => {
    // Each node lists one new replica at the next port, forever.
    const asked: number[] = [];
    const gather = async (t: Target): Promise<Gathered> => {
      asked.push(t.port);
      return { ok: true, facts: liveFacts({ info: `# Replication\nrole:${t.port === 6379 ? 'master' : 'slave'}\nslave0:ip=10.0.0.1,port=${t.port + 1},state=online,offset=1,lag=0\n` }) };
    };
    const discovery = await discoverDeployment(resolveTarget('redis://10.0.0.1:6379', {}, {}), { kind: 'replication', gather });
    assert.ok(discovery.ok);
    assert.equal(asked.length, 8);
    assert.deepEqual(discovery.warnings, ['INFO replication: 1 replica more than 8 links down the chain from the master of redis://10.0.0.1:6379 was not audited (10.0.0.1:6387): a broken or hostile server?']);
  });
});

describe('sentinel replies and node targets', () => {
  it('reads SENTINEL REPLICAS / SENTINELS / CKQUORUM, three replies per master', () => {
    const entry = (fields: Record<string, string>) => Object.entries(fields).flat();
    const [group, refused] = groupsFromReplies(['a', 'b'], [
      [entry({ name: '10.0.0.2:6379', ip: '10.0.0.2', port: '6379', flags: 'slave,s_down', 'master-link-status': 'err' })],
      [entry({ name: 'x', ip: '10.0.0.5', port: '26379', flags: 'sentinel' })],
      'OK 3 usable Sentinels. Quorum and failover authorization can be reached',
      new ReplyError('NOPERM this user has no permissions to run the \'sentinel|replicas\' command'),
      [],
      new ReplyError('NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the majority and authorize a failover'),
    ]);
    assert.deepEqual(group!.replicas, [{ host: '10.0.0.2', port: 6379, flags: ['slave', 's_down'], masterLinkStatus: 'err' }]);
    assert.deepEqual(group!.sentinels.map((s) => `${s.host}:${s.port}`), ['10.0.0.5:26379']);
    assert.deepEqual(group!.ckquorum?.value, { ok: true, message: 'OK 3 usable Sentinels. Quorum and failover authorization can be reached' });
    assert.deepEqual(group!.unavailable, {});
    assert.equal(refused!.unavailable.replicas, 'the audit user may not run SENTINEL REPLICAS b (grant +sentinel|replicas)');
    assert.equal(refused!.ckquorum?.value.ok, false);
    const [unknown] = groupsFromReplies(['c'], [[], [], new ReplyError("ERR unknown subcommand 'CKQUORUM'")]);
    assert.equal(unknown!.ckquorum, undefined);
    assert.match(unknown!.unavailable.ckquorum!, /SENTINEL CKQUORUM c failed: ERR unknown subcommand/);
  });

  it('nodeTarget keeps the user, password, database and TLS files, at another address', () => {
    const seed = resolveTarget('rediss://u:p@[::1]:7000/2', { cert: '/c.pem', key: '/k.pem', insecure: true }, {});
    const node = nodeTarget(seed, '10.0.0.9', 7009);
    assert.equal(node.display, 'rediss://u@10.0.0.9:7009/2');
    assert.equal(targetPassword(node), 'p');
    assert.deepEqual(node.tls, { certFile: '/c.pem', keyFile: '/k.pem', insecure: true });
    assert.equal(nodeTarget(resolveTarget('redis://h:1', {}, {}), '::1', 2).display, 'redis://[::1]:2');
  });
});
