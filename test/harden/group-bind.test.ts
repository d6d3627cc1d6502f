// QA39-7: harden narrowed a cluster node's (and a replica's) `bind 0.0.0.0` to loopback with only the note that
// clients can no longer connect (georgekhananaev/valkey-cluster, eclipse/openvsx, spotahome's replica). The other
// nodes lose it too: a cluster node's bus listens on the same addresses (every other node marks it failed), and
// replicas, Sentinel and a failover's new master reach a replication node there. Without --bind, harden now keeps
// the bind of such a node (network.bind-all-interfaces left failing, said in the summary and PLAN.md's manual
// steps), unless every other node its inputs name is on loopback; then it narrows and says they keep it. The trial
// starts the files with Debian's redis-server. A Sentinel is the same: the other sentinels and its clients reach it on
// the addresses it binds (loopback alone and the group loses its quorum); its bind is kept unless every node and
// sentinel its file names is on loopback (the trial starts Debian's redis-sentinel).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-group-bind-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** nodes.conf lines: this node (myself) on 127.0.0.1:7000, then the others at `hosts`. */
function nodesConf(hosts: readonly string[]): string {
  const id = (n: number): string => String(n).repeat(40).slice(0, 40);
  return [
    `${id(1)} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460`,
    ...hosts.map((h, i) => `${id(i + 2)} ${h}:${7001 + i}@${17001 + i} master - 0 0 ${i + 2} connected`),
    'vars currentEpoch 3 lastVoteEpoch 0',
    '',
  ].join('\n');
}

async function harden(name: string, conf: string, extra: readonly string[] = [], nodes?: string): Promise<{ stdout: string; plan: string; hardened: string }> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'redis.conf'), `${conf}dir ${dir}\n`);
  if (nodes !== undefined) writeFileSync(join(dir, 'nodes.conf'), nodes);
  const out = join(dir, 'out');
  const run = await redfort(['harden', '--config', join(dir, 'redis.conf'), '--out', out, ...extra]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^Trial start: passed: /m, run.stdout);
  return { stdout: run.stdout, plan: readFileSync(join(out, 'PLAN.md'), 'utf8'), hardened: readFileSync(join(out, 'redis.conf'), 'utf8') };
}

/** What PLAN.md's before/after table says of network.bind-all-interfaces: before, after, fixed by harden. */
function bindRow(plan: string): string {
  return /^\| network\.bind-all-interfaces \| ((?:pass|fail|skip) \| .*) \|$/m.exec(plan)?.[1] ?? '';
}

describe("harden and the bind of a cluster or replication node (QA39-7)", () => {
  it('keeps a cluster node\'s bind 0.0.0.0 when it knows none of the other nodes (no nodes.conf), and says why', async () => {
    const { stdout, plan, hardened } = await harden('cluster-unknown', 'bind 0.0.0.0\nprotected-mode no\nport 7000\ncluster-enabled yes\ncluster-node-timeout 5000\nappendonly yes\n');
    assert.match(hardened, /^bind 0\.0\.0\.0$/m);
    assert.doesNotMatch(hardened, /^bind 127\.0\.0\.1/m);
    assert.match(stdout, /^bind kept \(0\.0\.0\.0\): a cluster node, and loopback alone would cut it off from nodes harden does not know; choose with --bind ADDR\.\.\. \(PLAN\.md\)$/m);
    assert.equal(bindRow(plan), 'fail | fail | ');
    const manual = plan.slice(plan.indexOf('## What redfort could not do for you'));
    assert.match(manual, /\*\*bind kept: `0\.0\.0\.0`\.\*\* This is a cluster node, and loopback alone would cut it off from the other nodes, and harden's inputs name none of them \(the cluster-config-file \S+nodes\.conf not read \(no such file\)\), so it cannot tell they are on this host: its cluster bus/);
    assert.match(manual, /run harden again with `--bind ADDR 127\.0\.0\.1`, ADDR being this node's private address that the other nodes reach it on/);
    assert.doesNotMatch(plan, /\*\*bind: 0\.0\.0\.0 dropped\.\*\*/);
  });

  it("keeps it when nodes.conf names a node on another host, naming it", async () => {
    const { stdout, plan, hardened } = await harden('cluster-remote', 'bind 0.0.0.0\nport 7000\ncluster-enabled yes\n', [], nodesConf(['127.0.0.1', '10.1.2.3']));
    assert.match(hardened, /^bind 0\.0\.0\.0$/m);
    assert.match(stdout, /^bind kept \(0\.0\.0\.0\): a cluster node, and loopback alone would cut it off from nodes on other hosts/m);
    assert.match(plan, /loopback alone would cut it off from node 10\.1\.2\.3:7002, which harden's inputs name \(3 nodes in \S+nodes\.conf\)/);
    assert.equal(bindRow(plan), 'fail | fail | ');
  });

  it('narrows it to loopback when every node nodes.conf names is on loopback, and says they keep it', async () => {
    const { stdout, plan, hardened } = await harden('cluster-local', 'bind 0.0.0.0\nport 7000\ncluster-enabled yes\n', [], nodesConf(['127.0.0.1', '127.0.0.1']));
    assert.match(hardened, /^bind 127\.0\.0\.1 -::1$/m);
    assert.doesNotMatch(stdout, /bind kept/);
    assert.match(plan, /\*\*bind: 0\.0\.0\.0 dropped\.\*\* .* The other nodes harden knows \(127\.0\.0\.1:7001, 127\.0\.0\.1:7002\) are on this host and reach it on loopback; one on another host would lose it too \(and its cluster bus\)\./);
    assert.equal(bindRow(plan), 'fail | pass | yes');
  });

  it('keeps a replica\'s bind when its master is on another host', async () => {
    const { stdout, plan, hardened } = await harden('replica', 'bind 0.0.0.0\nport 6380\nreplicaof 10.0.0.5 6379\n');
    assert.match(hardened, /^bind 0\.0\.0\.0$/m);
    assert.match(stdout, /^bind kept \(0\.0\.0\.0\): a node of a replication group/m);
    assert.match(plan, /This is a node of a replication group, and loopback alone would cut it off from node 10\.0\.0\.5:6379, which harden's inputs name \(replicaof\): replicas connect to their master on the addresses it binds, Sentinel watches every node of the group on them/);
    assert.equal(bindRow(plan), 'fail | fail | ');
  });

  it('narrows with --bind as asked, for a cluster node too', async () => {
    const { stdout, plan, hardened } = await harden('cluster-bind', 'bind 0.0.0.0\nport 7000\ncluster-enabled yes\n', ['--bind', '10.1.2.2', '127.0.0.1']);
    assert.match(hardened, /^bind 10\.1\.2\.2 127\.0\.0\.1$/m);
    assert.doesNotMatch(stdout, /bind kept/);
    assert.equal(bindRow(plan), 'fail | pass | yes');
  });

  it('narrows a server alone as before (no cluster, no replication)', async () => {
    const { stdout, plan, hardened } = await harden('alone', 'bind 0.0.0.0\nport 6379\n');
    assert.match(hardened, /^bind 127\.0\.0\.1 -::1$/m);
    assert.doesNotMatch(stdout, /bind kept/);
    assert.match(plan, /\*\*bind: 0\.0\.0\.0 dropped\.\*\* Clients that reached Redis through that address can no longer connect; now bound to 127\.0\.0\.1 -::1\. Give/);
  });
});

/** harden of a sentinel.conf alone (Redis 7.0.15, Debian's redis-sentinel for the trial). */
async function hardenSentinel(name: string, text: string, extra: readonly string[] = []): Promise<{ stdout: string; plan: string; hardened: string }> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'sentinel.conf'), text);
  const out = join(dir, 'out');
  const run = await redfort(['harden', '--sentinel-config', join(dir, 'sentinel.conf'), '--redis-version', '7.0.15', '--out', out, ...extra]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^Trial start: passed: /m, run.stdout);
  return { stdout: run.stdout, plan: readFileSync(join(out, 'PLAN.md'), 'utf8'), hardened: readFileSync(join(out, 'sentinel.conf'), 'utf8') };
}

describe('harden and the bind of a Sentinel', () => {
  it('keeps every interface (the compiled default, no bind line) when the master it monitors is on another host, and says why', async () => {
    const { stdout, plan, hardened } = await hardenSentinel('sentinel-remote', 'port 26379\nprotected-mode no\nsentinel monitor mymaster 10.0.0.5 6379 2\n');
    assert.doesNotMatch(hardened, /^bind /m);
    assert.match(stdout, /^Sentinel bind kept \(\* -::\*\): loopback alone would cut it off from the nodes and sentinels of its group on other hosts; choose with --bind ADDR\.\.\. \(PLAN\.md\)$/m);
    const manual = plan.slice(plan.indexOf('## What redfort could not do for you'));
    assert.match(manual, /\*\*Sentinel bind kept: `\* -::\*`\.\*\* Loopback alone would cut this Sentinel off from node 10\.0\.0\.5:6379, which its file names: the other sentinels/);
    assert.match(manual, /run harden again with `--bind ADDR 127\.0\.0\.1`/);
    assert.doesNotMatch(plan, /\*\*Sentinel bind: .* dropped/);
  });

  it('keeps bind 0.0.0.0 when a known sentinel is on another host, naming it', async () => {
    const { stdout, plan, hardened } = await hardenSentinel('sentinel-known', 'port 26379\nbind 0.0.0.0\nsentinel monitor mymaster 127.0.0.1 6379 2\nsentinel known-sentinel mymaster 10.0.0.7 26379 0123456789012345678901234567890123456789\n');
    assert.match(hardened, /^bind 0\.0\.0\.0$/m);
    assert.match(stdout, /^Sentinel bind kept \(0\.0\.0\.0\)/m);
    assert.match(plan, /cut this Sentinel off from sentinel 10\.0\.0\.7:26379, which its file names/);
  });

  it('narrows it to loopback when every node and sentinel its file names is on loopback', async () => {
    const { stdout, plan, hardened } = await hardenSentinel('sentinel-local', 'port 26379\nsentinel monitor mymaster 127.0.0.1 6379 2\nsentinel known-sentinel mymaster 127.0.0.2 26380 0123456789012345678901234567890123456789\n');
    assert.match(hardened, /^bind 127\.0\.0\.1 -::1$/m);
    assert.doesNotMatch(stdout, /bind kept/);
    assert.match(plan, /\*\*Sentinel bind: \*, -::\* dropped; now 127\.0\.0\.1 -::1\.\*\* .* The nodes and sentinels its file names \(127\.0\.0\.1:6379, 127\.0\.0\.2:26380\) are on this host and reach it on loopback\./);
  });

  it('narrows with --bind as asked', async () => {
    const { stdout, hardened } = await hardenSentinel('sentinel-bind', 'port 26379\nsentinel monitor mymaster 10.0.0.5 6379 2\n', ['--bind', '10.0.0.9', '127.0.0.1']);
    assert.match(hardened, /^bind 10\.0\.0\.9 127\.0\.0\.1$/m);
    assert.doesNotMatch(stdout, /bind kept/);
  });
});
