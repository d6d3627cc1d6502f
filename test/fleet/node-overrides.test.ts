import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRedis, startReplica, startSentinels, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { waitForSentinels } from '../topology/live-helpers.ts';
import { build, runCli } from '../report/cli-run.ts';
import { OverrideUse } from '../../src/app/override-use.ts';
import type { NodeOverrides } from '../../src/app/fleet.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import type { Target } from '../../src/redis/target.ts';

// QA36-17: a fleet could not audit a Sentinel group whose sentinels and data nodes have other passwords (the usual
// layout): the inventory had no key for it, and `--node-override` was refused with `--targets`, so every data node
// was `authentication failed: WRONGPASS`, exit 2. An entry's `nodeOverrides` (by role or host:port, with the keys of a
// target: passwordEnv, passwordFile, inline password…) reaches them now, and `--node-override` applies to every
// deployment entry of an inventory, the entry's own KEY winning. Real servers: Debian's redis-server and redis-sentinel.

const DATA_PW = 'group-data-pass-7Hq2Lw9x';
const SENT_PW = 'group-sentinel-pass-3Vb8Nc1k';
const INLINE_PW = 'group-inline-pass-5Tz4Rm6p';
const WRONG_PW = 'group-wrong-pass-9Gd2Ks8j';

let dir: string;
let master: RunningServer;
let replica: RunningServer;
let sentinel: RunningServer;

before(async () => {
  await build();
  dir = await mkdtemp(join(tmpdir(), 'redfort-node-overrides-'));
  master = await startRedis({ conf: `requirepass ${DATA_PW}\nmasterauth ${DATA_PW}`, password: DATA_PW });
  replica = await startReplica(master, { conf: `requirepass ${DATA_PW}`, masterauth: DATA_PW, password: DATA_PW });
  sentinel = (await startSentinels(1, master, { authPass: DATA_PW, requirepass: SENT_PW, quorum: 1 }))[0]!;
  await waitForSentinels([sentinel], 'mymaster', 0, 1);
});

after(async () => {
  await stopAll();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const FORMATS = ['json', 'sarif', 'html', 'markdown', 'junit', 'jsonl'] as const;

/** `audit --targets FILE` with every format written to a file; what it printed and wrote. */
async function audit(inventory: string, name: string, extra: readonly string[] = []) {
  const out = (f: string) => join(dir, `${name}.${f}`);
  const run = await runCli(
    ['audit', '--targets', inventory, '--no-probe', '--no-host', '--fail-on', 'none', ...FORMATS.flatMap((f) => ['-o', `${f}=${out(f)}`]), ...extra],
    { env: { GROUP_SENT_PW: SENT_PW, GROUP_DATA_PW: DATA_PW } },
  );
  // A run refused before any audit writes no file: its exit code and standard error say why.
  const files = await Promise.all(FORMATS.map((f) => readFile(out(f), 'utf8').catch(() => '')));
  const report = JSON.parse(files[0] || '{"targets":[]}') as {
    targets: { target: string; error?: string; warnings?: string[]; labels?: Record<string, string> }[];
    warnings?: { kind: string; message: string; source?: { path: string; line: number } }[];
  };
  return { run, files, report };
}

function noSecrets(texts: readonly string[]): void {
  for (const text of texts) {
    for (const secret of [DATA_PW, SENT_PW, INLINE_PW, WRONG_PW]) assert.ok(!text.includes(secret), `a password leaked: ${secret}`);
  }
}

describe("a Sentinel group whose sentinels' password is not the data nodes', audited from an inventory", () => {
  it("an entry's nodeOverrides reaches the master and the replica with theirs: every node audited, no password shown", async () => {
    await writeFile(join(dir, 'data.pw'), `${DATA_PW}\n`, { mode: 0o600 });
    const inventory = join(dir, 'group.yaml');
    await writeFile(
      inventory,
      [
        'defaults: { labels: { env: prod } }',
        'groups:',
        '  data: { nodeOverrides: { replica: { passwordFile: data.pw } } }',
        'targets:',
        `  - url: redis://127.0.0.1:${sentinel.port}`,
        '    group: data',
        '    sentinel: true',
        '    passwordEnv: GROUP_SENT_PW',
        '    nodeOverrides:',
        '      master: { passwordEnv: GROUP_DATA_PW }',
        `      sentinel: { password: ${INLINE_PW} }`,
        '',
      ].join('\n'),
    );
    const { run, files, report } = await audit(inventory, 'own');
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /WRONGPASS|authentication failed/);
    const targets = report.targets.map((t) => t.target).sort();
    assert.deepEqual(targets, [`redis://127.0.0.1:${master.port}`, `redis://127.0.0.1:${replica.port}`, `redis://127.0.0.1:${sentinel.port}`, `sentinel redis://127.0.0.1:${sentinel.port} (3 nodes)`].sort());
    for (const t of report.targets) {
      assert.equal(t.error, undefined, `${t.target}: ${t.error}`);
      assert.deepEqual(t.labels, { env: 'prod' }, t.target);
    }
    // The inline password is warned of at its line; the sentinel override reached no node (the seed is the only
    // sentinel, reached with the entry's own password): the deployment entry says so, naming the line.
    assert.match(run.stderr, /group\.yaml:11: a password written in the inventory is readable by anyone/);
    const deployment = report.targets.find((t) => t.target.startsWith('sentinel '))!;
    assert.ok(deployment.warnings?.some((w) => w.includes('nodeOverrides sentinel (') && /group\.yaml:11\) was not used: the only sentinel is the seed/.test(w)), JSON.stringify(deployment.warnings));
    // QA37-5: it is a warning of the run too, as an unused suppression is: on standard error, in the report's
    // warnings (with its line), SARIF's configuration notifications, the HTML and Markdown callouts.
    const unused = report.warnings?.filter((w) => w.kind === 'node-override-unused') ?? [];
    assert.equal(unused.length, 1, JSON.stringify(report.warnings));
    assert.equal(unused[0]!.source?.path, inventory);
    assert.equal(unused[0]!.source?.line, 11);
    assert.match(unused[0]!.message, new RegExp(`^nodeOverrides sentinel \\(.*group\\.yaml:11\\) was not used: the only sentinel is the seed, which is reached with the URL given for it \\(sentinel redis://127\\.0\\.0\\.1:${sentinel.port} \\(3 nodes\\)\\)$`));
    assert.equal(run.stderr.match(/nodeOverrides sentinel \(.*\) was not used/g)?.length, 1, `said once: ${run.stderr}`);
    const [, sarif, html, markdown, junit] = files;
    for (const [format, text] of [['sarif', sarif], ['html', html], ['markdown', markdown]] as const) assert.match(text!, /nodeOverrides sentinel \(.*group\.yaml:11\) was not used/, format);
    // And in the text report on standard output (a Warnings: block above the counts) and in JUnit (each suite's
    // <system-err>), which said nothing of it.
    // The block holds the inventory's own warnings too (QA42-16: the password written at line 11).
    assert.match(run.stdout, /^Warnings:\n(?: {2}- .*\n)* {2}- nodeOverrides sentinel \(.*group\.yaml:11\) was not used: the only sentinel is the seed/m);
    const suites = junit!.match(/<testsuite [\s\S]*?<\/testsuite>/g) ?? [];
    assert.equal(suites.length, report.targets.length);
    for (const suite of suites) assert.match(suite, /<system-err>(?:warning: [^<\n]*\n)*warning: nodeOverrides sentinel \(.*group\.yaml:11\) was not used: the only sentinel is the seed[^<]*<\/system-err>/);
    // --summary-only prints the fleet's summary alone: the warning is in it.
    const only = await runCli(['audit', '--targets', inventory, '--no-probe', '--no-host', '--fail-on', 'none', '--summary-only'], { env: { GROUP_SENT_PW: SENT_PW, GROUP_DATA_PW: DATA_PW } });
    assert.equal(only.code, 0, only.stderr);
    assert.match(only.stdout, /^Fleet: /);
    assert.match(only.stdout, /^Warnings:\n(?: {2}- .*\n)* {2}- nodeOverrides sentinel \(.*group\.yaml:11\) was not used/m);
    assert.equal(only.stdout.match(/was not used/g)?.length, 1, only.stdout);
    noSecrets([run.stdout, run.stderr, only.stdout, only.stderr, ...files]);
  });

  it("--node-override applies to every deployment entry of --targets; the entry's own KEY wins over it", async () => {
    const inventory = join(dir, 'cli.yaml');
    await writeFile(
      inventory,
      [
        'targets:',
        `  - { url: "redis://127.0.0.1:${sentinel.port}", sentinel: true, passwordEnv: GROUP_SENT_PW, nodeOverrides: { master: { passwordEnv: GROUP_DATA_PW } } }`,
        '',
      ].join('\n'),
    );
    // --host-key applies to the inventory's deployment entries too: one that names none of the nodes is said on
    // standard error, naming the entry, as a single audit says it.
    const zones = join(dir, 'zones.txt');
    await writeFile(zones, '10.99.99.99 zone-a\n');
    // The command line's master is wrong: the entry's own master wins; its replica is the command line's.
    const { run, files, report } = await audit(inventory, 'cli', [
      '--host-key', zones,
      '--node-override', `master=redis://:${WRONG_PW}@x`,
      '--node-override', `replica=redis://:${DATA_PW}@x`,
      '--node-override', `127.0.0.1:1=redis://:${DATA_PW}@x`,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(report.targets.length, 4);
    for (const t of report.targets) assert.equal(t.error, undefined, `${t.target}: ${t.error}`);
    // The command line's override of an address no node has reached nothing: said once for the run; the entry's
    // own master, which replaced the command line's, is no unused --node-override.
    assert.deepEqual(report.warnings?.map((w) => [w.kind, w.message.replace(/ \(sentinel .*\)$/, '')]), [['node-override-unused', '--node-override 127.0.0.1:1 was not used: no node of the deployment has that address']]);
    assert.match(run.stderr, /redfort: warning: --node-override 127\.0\.0\.1:1 was not used/);
    assert.match(run.stderr, new RegExp(`redfort: warning: sentinel redis://127\\.0\\.0\\.1:${sentinel.port} \\(3 nodes\\): --host-key .*zones\\.txt names none of the 3 nodes: it was not used`));
    noSecrets([run.stdout, run.stderr, ...files]);
  });

  it('an override whose password cannot be had fails that entry alone, naming the line; a stray one stops the run', async () => {
    const inventory = join(dir, 'unset.yaml');
    await writeFile(
      inventory,
      [
        'targets:',
        `  - url: redis://127.0.0.1:${master.port}`,
        '    passwordEnv: GROUP_DATA_PW',
        `  - url: redis://127.0.0.1:${sentinel.port}`,
        '    sentinel: true',
        '    passwordEnv: GROUP_SENT_PW',
        '    nodeOverrides:',
        '      master: { passwordEnv: GROUP_UNSET_PW }',
        '',
      ].join('\n'),
    );
    const { run, report } = await audit(inventory, 'unset');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`unset\\.yaml:8: nodeOverrides: master: passwordEnv names GROUP_UNSET_PW, which is not set \\(target 'redis://127\\.0\\.0\\.1:${sentinel.port}'\\)`));
    assert.equal(report.targets.find((t) => t.target === `redis://127.0.0.1:${master.port}`)?.error, undefined);

    const stray = join(dir, 'stray.yaml');
    await writeFile(stray, `targets:\n  - url: redis://127.0.0.1:${master.port}\n    nodeOverrides: { replica: { passwordEnv: GROUP_DATA_PW } }\n`);
    const refused = await runCli(['audit', '--targets', stray, '--no-probe', '--no-host']);
    assert.equal(refused.code, 2);
    assert.equal(refused.stdout, '');
    assert.equal(refused.stderr, `redfort: ${stray}:3: nodeOverrides says how to reach the nodes of a deployment, and this target is audited alone: add cluster, sentinel or replication: true (or give --cluster, --sentinel or --replication)\n`);
  });
});

describe('OverrideUse: an override is unused only when it reached no node of any deployment entry it applies to', () => {
  it('the command line sentinel of a fleet of a cluster and a sentinel group is used; one used nowhere is said once', () => {
    const target = { display: 'redis://x:1' } as unknown as Target;
    const nodes: NodeOverrides = { nodeOverrides: new Map([['sentinel', target], ['10.9.9.9:1', target]]) };
    const use = new OverrideUse(new Map());
    const entry = (name: string, warnings: string[]): TargetResult => ({ target: name, results: [], warnings });
    use.saw(entry('cluster a', ['--node-override sentinel was not used: no node of the deployment is a sentinel', '--node-override 10.9.9.9:1 was not used: no node of the deployment has that address']), nodes);
    use.saw(entry('sentinel b', ['--node-override 10.9.9.9:1 was not used: no node of the deployment has that address']), nodes);
    // An entry whose discovery failed tells nothing.
    use.saw({ target: 'cluster c', error: 'cannot discover', results: [] }, nodes);
    assert.deepEqual(use.warnings(), [{
      kind: 'node-override-unused',
      message: '--node-override 10.9.9.9:1 was not used by any of the 2 deployment entries it applies to (cluster a: no node of the deployment has that address)',
    }]);
  });
});
