import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/util/hash.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { runCli } from './cli.ts';
import { auth, buildCluster, eventually } from './live-helpers.ts';

// A real 3-master cluster over 127.0.0.1-3 (cluster-announce-ip per host): what identifies the deployment entry
// (baselines across a node joining), and a --host-key file that names none of its nodes. The tests run in order:
// the last one adds a node.
after(stopAll);

const PASSWORD = 'identity-secret-4c7d21e9';

interface Report {
  targets: { target: string; results: { ruleId: string; status: string; message: string; baselined?: boolean; fingerprint?: string }[] }[];
}

describe('a 3-master cluster over 3 hosts', () => {
  let nodes: RunningServer[];
  let seed: string;
  let dir: string;
  const ports = (i: number) => `${nodes[i]!.host}:${nodes[i]!.port}`;

  before(async () => {
    nodes = await buildCluster([{ host: '127.0.0.1' }, { host: '127.0.0.2' }, { host: '127.0.0.3' }], { password: PASSWORD });
    seed = `redis://:${PASSWORD}@${ports(0)}`;
    dir = await mkdtemp(join(tmpdir(), 'redfort-identity-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('--host-key naming none of the nodes: not used, said on stderr, and no spread "from" it', async () => {
    const file = join(dir, 'zones.txt');
    await writeFile(file, '10.0.0.1 zone-a\n10.0.0.2 zone-b\n10.0.0.3 zone-c\n');
    const audit = await runCli(['audit', seed, '--cluster', '--no-host', '--no-probe', '--host-key', file, '--format', 'json', '--fail-on', 'none']);
    assert.equal(audit.code, 0, audit.stderr);
    assert.match(audit.stderr, new RegExp(`warning: .*--host-key ${file.replace(/[.]/g, '\\.')} names none of the 3 nodes: it was not used, the nodes are grouped by their host addresses`));
    const deployment = (JSON.parse(audit.stdout) as Report).targets[0]!;
    const spread = deployment.results.filter((r) => r.ruleId === 'cluster.quorum-host-spread');
    assert.ok(spread.length > 0);
    for (const r of spread) {
      assert.doesNotMatch(r.message, /zones\.txt|failure domain|zone-/, r.message);
      assert.match(r.message, /host 127\.0\.0\.\d/);
    }
    const plan = await runCli(['reboot-plan', seed, '--host-key', file]);
    assert.match(plan.stderr, /warning: --host-key .*zones\.txt names none of the 3 nodes/);
    assert.doesNotMatch(plan.stdout, /zones\.txt|failure domains from/);
    assert.match(plan.stdout, /host 127\.0\.0\.1/);
    // A file that names one node is used as before, without the warning.
    await writeFile(file, `${nodes[0]!.host} zone-a\n`);
    const named = await runCli(['reboot-plan', seed, '--host-key', file]);
    assert.doesNotMatch(named.stderr, /names none/);
    assert.match(named.stdout, /'zone-a'/);
    assert.doesNotMatch(audit.stdout + audit.stderr + plan.stdout + plan.stderr, new RegExp(PASSWORD));
  });

  it('a baseline keeps matching the deployment\'s findings after a node joins; one written with the node count too', async () => {
    const baseline = join(dir, 'bl.json');
    const args = ['audit', seed, '--cluster', '--no-host', '--no-probe', '--format', 'json', '--fail-on', 'none'];
    const first = await runCli([...args, '--baseline-write', baseline]);
    assert.equal(first.code, 0, first.stderr);
    const before = (JSON.parse(first.stdout) as Report).targets[0]!;
    assert.equal(before.target, `cluster redis://${ports(0)} (3 nodes)`);
    const failures = before.results.filter((r) => r.status === 'fail');
    assert.ok(failures.length >= 3, JSON.stringify(failures));
    // The baseline names the deployment by kind and seed only.
    const written = JSON.parse(await readFile(baseline, 'utf8')) as { findings: { target: string }[] };
    assert.ok(written.findings.some((f) => f.target === `cluster redis://${ports(0)}`), JSON.stringify(written.findings));
    assert.ok(written.findings.every((f) => !/nodes\)/.test(f.target)));
    // A baseline as an older redfort wrote it: the name with its node count, fingerprinted on the whole name.
    const legacy = join(dir, 'legacy.json');
    await writeFile(legacy, JSON.stringify({
      version: 1,
      findings: failures.map((r) => ({ ruleId: r.ruleId, target: before.target, fingerprint: sha256Hex(`${r.ruleId}\n${before.target}\n${r.message.replace(/\d+/g, '0')}`).slice(0, 32) })),
    }));

    // A fourth node joins (a master without slots).
    const extra = await startRedis({
      host: '127.0.0.1', password: PASSWORD,
      conf: ['cluster-enabled yes', 'cluster-config-file nodes.conf', 'cluster-node-timeout 5000', 'cluster-announce-ip 127.0.0.1', `requirepass ${PASSWORD}`, `masterauth ${PASSWORD}`].join('\n'),
    });
    await rawCommand(nodes[0]!.host, nodes[0]!.port, ['CLUSTER', 'MEET', extra.host, extra.port], auth(nodes[0]!));
    await eventually('the seed to know 4 nodes', async () => /cluster_known_nodes:4/.test(String(await rawCommand(nodes[0]!.host, nodes[0]!.port, ['CLUSTER', 'INFO'], auth(nodes[0]!)))));

    for (const file of [baseline, legacy]) {
      const run = await runCli([...args, '--baseline', file]);
      const after = (JSON.parse(run.stdout) as Report).targets[0]!;
      assert.equal(after.target, `cluster redis://${ports(0)} (4 nodes)`);
      const fails = after.results.filter((r) => r.status === 'fail');
      assert.deepEqual(fails.map((r) => [r.ruleId, r.message]), failures.map((r) => [r.ruleId, r.message]));
      assert.ok(fails.every((r) => r.baselined === true), `${file}: ${JSON.stringify(fails)}`);
      assert.doesNotMatch(run.stderr, /matches no finding/, file);
    }
    // The fingerprint the report gives does not change with the count either.
    const again = (JSON.parse((await runCli(args)).stdout) as Report).targets[0]!;
    assert.deepEqual(again.results.filter((r) => r.status === 'fail').map((r) => r.fingerprint), failures.map((r) => r.fingerprint));
  });
});
