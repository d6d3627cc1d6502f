import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Facts } from '../../src/facts/types.ts';
import { AuditRequestError, nodeOverrides, overrideKey } from '../../src/app/targets.ts';
import { discoverDeployment, unusedOverrides } from '../../src/gather/topology/discover.ts';
import type { Gathered } from '../../src/gather/topology/discover.ts';
import { parseClusterNodes } from '../../src/gather/live/parse-replies.ts';
import { resolveTarget, targetPassword } from '../../src/redis/target.ts';
import type { Target } from '../../src/redis/target.ts';
import { liveFacts } from '../rule-tester.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { runCli } from './cli.ts';

// `--node-override KEY=URL` took any KEY: `bad=…`, the typo `replicas=…`, `127.0.0.1=…` without its port, or a
// host:port no node has ran as if the option were not given (exit 1, no word), and the nodes meant to get other
// credentials got the seed's. A KEY that is neither host:port nor master, replica or sentinel is now a usage error
// (exit 2, one line, before any connection), and an override that reached no node is a warning that names it.

const URL = 'redis://ops:override-secret-5e1a9c7d@x';

describe('--node-override KEY', () => {
  it('is a role or host:port (lower case, the port a number, IPv6 in brackets); anything else is undefined', () => {
    assert.equal(overrideKey('master'), 'master');
    assert.equal(overrideKey('Replica'), 'replica');
    assert.equal(overrideKey('sentinel'), 'sentinel');
    assert.equal(overrideKey('10.0.0.2:7001'), '10.0.0.2:7001');
    assert.equal(overrideKey('Redis-B.internal:06379'), 'redis-b.internal:6379');
    assert.equal(overrideKey('[::1]:6379'), '[::1]:6379');
    for (const bad of ['bad', 'replicas', 'slave', '127.0.0.1', '127.0.0.1:', '127.0.0.1:0', '127.0.0.1:65536', '::1:6379', '[::1]', '[nothex]:1', 'a b:1', ':6379', '10.0.0.1:6379x']) {
      assert.equal(overrideKey(bad), undefined, bad);
    }
  });

  it('a wrong KEY is one line naming it (clipped), never the URL or its password', () => {
    const error = (spec: string) => {
      try {
        nodeOverrides([spec], {}, {});
      } catch (e) {
        assert.ok(e instanceof AuditRequestError);
        return e.message;
      }
      assert.fail(`${spec} was taken`);
    };
    assert.equal(error(`bad=${URL}`), "--node-override 'bad=…': KEY must be a node's host:port (an IPv6 address in brackets: [::1]:6379) or master, replica or sentinel");
    assert.match(error(`replicas=${URL}`), /^--node-override 'replicas=…': KEY must be .* \(did you mean 'replica'\?\)$/);
    assert.match(error(`slave=${URL}`), /\(did you mean 'replica'\?\)$/);
    assert.match(error(`127.0.0.1=${URL}`), /^--node-override '127\.0\.0\.1=…': KEY must be/);
    assert.match(error(`${'k'.repeat(10_000)}=${URL}`), /^--node-override 'k{100,300}… \(10000 characters\)=…': KEY must be/);
    // A URL whose password holds '=' is no KEY=URL: its password is masked, as before.
    assert.equal(error('redis://:pa=ss@x:1'), "--node-override 'redis://:***@x:1' must be KEY=URL (KEY: host:port, master, replica or sentinel)");
  });

  it('the keys are stored as discovery looks them up', () => {
    const overrides = nodeOverrides([`REPLICA=${URL}`, `Host-A:06379=${URL}`, `[::1]:7000=${URL}`], {}, {})!;
    assert.deepEqual([...overrides.keys()], ['replica', 'host-a:6379', '[::1]:7000']);
  });
});

const NODES = `a 10.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191
b 10.0.0.2:7001@17001 master - 0 0 2 connected 8192-16383
c 10.0.0.1:7002@17002 slave a 0 0 1 connected`;

function clusterSeed(): Facts {
  return { ...liveFacts({ mode: 'cluster', conf: 'cluster-enabled yes' }), cluster: { nodes: parseClusterNodes(NODES), myId: 'a', state: 'ok', source: { kind: 'live', command: 'CLUSTER NODES' } } };
}

describe('an override that reaches no node (discovery, with a fake gatherer)', () => {
  const seed = resolveTarget('redis://:seed-pass-1234@10.0.0.1:7000', {}, {});
  const other = resolveTarget('redis://:other-pass-5678@x:1', {}, {});

  it('is a warning naming it; one that reaches a node is not', async () => {
    const asked: string[] = [];
    const gather = async (target: Target, isSeed: boolean): Promise<Gathered> => {
      asked.push(`${target.display} ${targetPassword(target)}`);
      return isSeed ? { ok: true, facts: clusterSeed() } : { ok: false, error: 'x' };
    };
    const overrides = new Map([
      ['10.0.0.2:7001', other],
      ['10.0.0.9:7009', other],
      ['10.0.0.1:7000', other],
      ['sentinel', other],
      ['replica', other],
    ]);
    const discovery = await discoverDeployment(seed, { kind: 'cluster', gather, nodeOverrides: overrides, concurrency: 1 });
    assert.ok(discovery.ok);
    assert.deepEqual(discovery.warnings, [
      '--node-override 10.0.0.9:7009 was not used: no node of the deployment has that address',
      '--node-override 10.0.0.1:7000 was not used: it names the seed, which is reached with the URL given for it',
      '--node-override sentinel was not used: no node of the deployment is a sentinel',
    ]);
    assert.deepEqual(asked.slice(1), ['redis://10.0.0.1:7002 other-pass-5678', 'redis://x:1 other-pass-5678']);
    const none = await discoverDeployment(seed, { kind: 'cluster', gather, concurrency: 1 });
    assert.ok(none.ok);
    // No override warning; the password went to the nodes CLUSTER NODES named off the seed's host (QA44-54, 8241707).
    assert.deepEqual(none.warnings?.map((w) => w.replace(/:.*/, '')), ["the run's credentials (the password) went to 10.0.0.2"]);
    assert.ok(!none.warnings?.some((w) => w.includes('--node-override ') && w.includes('was not used')));
  });

  it('a role whose only node is the seed, or whose every node has an override by address', () => {
    const nodes = [
      { host: '10.0.0.1', port: 6379, role: 'master' as const, seed: true },
      { host: '10.0.0.2', port: 6379, role: 'replica' as const },
    ];
    assert.deepEqual(unusedOverrides(new Map([['master', other], ['replica', other], ['10.0.0.2:6379', other]]), nodes), [
      '--node-override master was not used: the only master is the seed, which is reached with the URL given for it',
      '--node-override replica was not used: every replica has an override for its own address',
    ]);
    // A host in another case is the same node (the KEYs are lower case).
    assert.deepEqual(unusedOverrides(new Map([['redis-a:6379', other]]), [{ host: 'Redis-A', port: 6379, role: 'master' }]), []);
  });
});

describe('the CLI, on a real master and replica', () => {
  let master: RunningServer;
  let replica: RunningServer;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'redfort-override-'));
    master = await startRedis();
    replica = await startReplica(master);
  });

  after(async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const command of ['audit', 'fix'] as const) {
    const extra = command === 'fix' ? ['--plan'] : ['--no-host', '--no-probe'];
    it(`${command}: a KEY that is neither host:port nor a role is exit 2, one line, before any connection`, async () => {
      for (const key of ['bad', 'replicas', '127.0.0.1']) {
        // Port 1: nothing listens there; the error comes before any connection.
        const run = await runCli([command, 'redis://127.0.0.1:1', '--replication', ...extra, '--node-override', `${key}=${URL}`]);
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, new RegExp(`^redfort: --node-override '${key.replace(/\./g, '\\.')}=…': KEY must be a node's host:port`));
        assert.equal(run.stderr.split('\n').length, 2, run.stderr);
        assert.ok(!run.stderr.includes('override-secret'), run.stderr);
      }
    });

    it(`${command}: an override that reaches no node is a warning naming it; the audit goes on`, async () => {
      const run = await runCli([
        command, `redis://${master.host}:${master.port}`, '--replication', ...extra,
        '--node-override', `127.0.0.1:1=${URL}`, '--node-override', `sentinel=${URL}`, '--node-override', `replica=redis://${replica.host}:${replica.port}`,
        ...(command === 'fix' ? ['--secrets', join(dir, 'secrets.env')] : []),
      ]);
      assert.notEqual(run.code, 2, run.stderr);
      const warnings = run.stderr.split('\n').filter((l) => l.includes('--node-override'));
      assert.equal(warnings.length, 2, run.stderr);
      assert.match(warnings[0]!, /^redfort: warning: (?:replication redis:\/\/127\.0\.0\.1:\d+ \(2 nodes\): )?--node-override 127\.0\.0\.1:1 was not used: no node of the deployment has that address$/);
      assert.match(warnings[1]!, /^redfort: warning: (?:replication redis:\/\/127\.0\.0\.1:\d+ \(2 nodes\): )?--node-override sentinel was not used: no node of the deployment is a sentinel$/);
      assert.ok(!run.stderr.includes('override-secret'), run.stderr);
    });
  }
});
