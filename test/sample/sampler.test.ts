import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { auditTarget, reportOf } from '../../src/app/audit.ts';
import type { AuditOptions } from '../../src/app/audit.ts';
import { auditDeployment } from '../../src/app/deployment.ts';
import { auditCommands } from '../../src/gather/live/gather-live.ts';
import { SAMPLE_ACL_GRANTS, SAMPLE_COMMANDS } from '../../src/gather/sample/index.ts';
import { sampleGrants } from '../../src/gather/sample/sample.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { REPORTERS } from '../../src/report/index.ts';
import { RULES } from '../../src/rules/index.ts';
import { rawCommand, rawPipeline } from '../harness/raw.ts';
import { eventually } from '../harness/wait.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { err } from '../helpers/fake-resp-server.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { generate } from './generator.ts';
import { errorsOf, jsonReportValidator } from '../report/validators.ts';
import { build, runCli } from '../report/cli-run.ts';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The sampler against a real server: what it sends (MONITOR), what it never shows, what it needs (ACL), where it reads.
after(stopAll);

const OPTIONS: AuditOptions = { noProbe: true, noHost: true, sample: { keys: 10_000, timeMs: 30_000 } };
const keyspace = generate(5, 7);
let server: RunningServer;

before(async () => {
  server = await startRedis({ killOnStop: true });
  for (let i = 0; i < keyspace.commands.length; i += 500) await rawPipeline(server.host, server.port, keyspace.commands.slice(i, i + 500));
  // db1 holds one more key, for --sample-databases.
  await rawPipeline(server.host, server.port, [['SELECT', '1'], ['SET', 'other:1:email', 'zoe.quinn@example.net']]);
});

function results(entry: { results: readonly { ruleId: string; status: string; message: string }[] }) {
  return entry.results.filter((r) => r.ruleId === 'data.client-side-encryption');
}

/** MONITOR lines (`1700000000.000000 [0 127.0.0.1:5555] "SCAN" "12" …`) seen while `run` runs. */
async function monitor(run: () => Promise<unknown>): Promise<{ client: string; command: string }[]> {
  const socket = net.connect({ host: server.host, port: server.port });
  let text = '';
  socket.on('data', (chunk) => {
    text += chunk.toString('utf8');
  });
  socket.write('MONITOR\r\n');
  await new Promise((resolve) => socket.once('data', resolve));
  await run();
  // Read until a marker sent after the run shows up, not for a fixed 200 ms: on a loaded machine the last lines of
  // the run could still be unread when the socket was closed.
  const marker = `redfort-monitor-end-${process.pid}-${Date.now()}`;
  await rawCommand(server.host, server.port, ['ECHO', marker]);
  await eventually('MONITOR to show the end of the run', async () => text.includes(marker), { intervalMs: 20 });
  socket.destroy();
  return [...text.matchAll(/^\+?\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"(.*)$/gm)]
    .filter((m) => !(m[2] === 'ECHO' && m[3]!.includes(marker)))
    .map((m) => ({ client: m[1]!, command: m[2]!.toLowerCase() }));
}

test('MONITOR during a sampled audit: the sampler sends only SELECT, SCAN, TYPE and the bounded reads; nothing writes', async () => {
  const seen = await monitor(() => auditTarget(resolveTarget(server.url, {}, {}), { ...OPTIONS, sample: { ...OPTIONS.sample, databases: [0, 1] } }));
  const samplers = new Set(seen.filter((s) => s.command === 'scan').map((s) => s.client));
  assert.equal(samplers.size, 1, 'one sampling connection');
  const sampled = new Set(seen.filter((s) => samplers.has(s.client)).map((s) => s.command));
  for (const c of sampled) assert.ok(SAMPLE_COMMANDS.has(c), `the sampler sent ${c}`);
  for (const c of ['scan', 'type', 'getrange', 'hrandfield', 'lrange', 'srandmember', 'zrange', 'xrange', 'select']) assert.ok(sampled.has(c), `${c} was not used`);
  const audit = new Set(auditCommands().map((p) => p.args[0]!.toLowerCase()));
  for (const { command } of seen) assert.ok(SAMPLE_COMMANDS.has(command) || audit.has(command), `the audit sent ${command}`);
});

test('no planted value and no key name appears in any report format', async () => {
  const entry = await auditTarget(resolveTarget(server.url, {}, {}), OPTIONS);
  assert.equal(results(entry)[0]?.status, 'fail');
  const report = reportOf([entry]);
  const outputs = [...REPORTERS].map(([format, reporter]) => [format, reporter(report, { rules: RULES, color: false })] as const);
  const needles = [...new Set([...keyspace.planted, ...keyspace.keys, 'zoe.quinn@example.net', 'other:1:email'])].filter((n) => n.length >= 6);
  assert.ok(needles.length > 300);
  for (const [format, text] of outputs) {
    for (const needle of needles) assert.ok(!text.includes(needle) && !text.includes(JSON.stringify(needle).slice(1, -1)), `${format} shows a planted value or key name`);
  }
  const json = JSON.parse(outputs.find(([f]) => f === 'json')![1]);
  const validate = jsonReportValidator();
  assert.ok(validate(json), errorsOf(validate));
  const sample = json.targets[0].sample;
  assert.equal(sample.databases[0].db, 0);
  assert.ok(sample.detectors['card-number'] > 0);
  assert.ok(sample.findings.some((f: { detector: string; pattern: string }) => f.detector === 'email' && f.pattern === 'g-email:*'));
});

test('--sample-databases: only the databases asked for', async () => {
  const entry = await auditTarget(resolveTarget(server.url, {}, {}), { ...OPTIONS, sample: { databases: [1] } });
  const [r] = results(entry);
  assert.equal(r?.status, 'fail');
  assert.match(r!.message, /e-mail addresses in clear text in 1 key of 1 sampled key of db1 \(other:\*:\*\)/);
});

test('a user without read permission: skip with the ACL line; the documented grants are enough', async () => {
  const auditor = 'user auditor on >auditor-pw resetkeys resetchannels -@all +info +config|get +acl|list +acl|cat +command|info +time +cluster|nodes';
  await rawPipeline(server.host, server.port, [['ACL', 'SETUSER', ...auditor.split(' ').slice(1)]]);
  const denied = await auditTarget(resolveTarget(server.url, { user: 'auditor', pass: 'auditor-pw' }, {}), OPTIONS);
  const [skip] = results(denied);
  assert.equal(skip?.status, 'skip', skip?.message);
  assert.ok(skip!.message.includes(`ACL SETUSER <auditor> ${SAMPLE_ACL_GRANTS}`), skip!.message);
  await rawPipeline(server.host, server.port, [['ACL', 'SETUSER', 'auditor', ...SAMPLE_ACL_GRANTS.split(' ')]]);
  const granted = await auditTarget(resolveTarget(server.url, { user: 'auditor', pass: 'auditor-pw' }, {}), OPTIONS);
  assert.equal(results(granted)[0]?.status, 'fail', results(granted)[0]?.message);
});

test('a 6.0 server: the ACL line the skip gives is one 6.0 takes (no %R~*, no +hrandfield), and it is enough', async () => {
  // The line was the 7.0 form on every server: Redis 6.0.20 refuses +hrandfield and %R~*, 6.2.16 %R~* (seen live).
  // Debian ships 7.0 only: a proxy in front of it says 6.0.20 in INFO and refuses those two words as 6.0 does.
  const proxy = await forwardingProxy(server, {
    local(argv) {
      if (argv[0]?.toLowerCase() !== 'acl' || argv[1]?.toLowerCase() !== 'setuser') return undefined;
      const word = argv.slice(3).find((w) => w === '%R~*' || w.toLowerCase() === '+hrandfield');
      if (word === undefined) return undefined;
      return err(word === '%R~*' ? `ERR Error in ACL SETUSER modifier '${word}': Syntax error` : `ERR Error in ACL SETUSER modifier '${word}': Unknown command or category name in ACL`);
    },
    rewrite: (argv, reply) => (argv[0]?.toLowerCase() === 'info' && typeof reply === 'string' ? reply.replace(/^redis_version:.*$/m, 'redis_version:6.0.20\r') : reply),
  });
  try {
    const auditor = 'auditor6 on >auditor-pw resetkeys -@all +info +config|get +acl|list +acl|cat +command|info +time +cluster|nodes';
    await rawPipeline(server.host, server.port, [['ACL', 'SETUSER', ...auditor.split(' ')]]);
    const seed = resolveTarget(`redis://${proxy.host}:${proxy.port}`, { user: 'auditor6', pass: 'auditor-pw' }, {});
    const [skip] = results(await auditTarget(seed, OPTIONS));
    assert.equal(skip?.status, 'skip', skip?.message);
    const line = /ACL SETUSER <auditor> (.*) \(docs\/auditor-user\.md\)/.exec(skip!.message)?.[1];
    assert.ok(line, skip!.message);
    assert.equal(await rawPipeline(proxy.host, proxy.port, [['ACL', 'SETUSER', 'auditor6', ...line.split(' ')]]).then(([r]) => String(r)), 'OK');
    const [granted] = results(await auditTarget(seed, OPTIONS));
    assert.equal(granted?.status, 'fail', granted?.message);
  } finally {
    await proxy.close();
    await rawPipeline(server.host, server.port, [['ACL', 'DELUSER', 'auditor6']]);
  }
});

test('a 7.2+ server: CLIENT NO-TOUCH ON before the first read, so the sample leaves the keys\' LRU/LFU as they were (QA45-4)', async () => {
  // Debian ships 7.0 (no NO-TOUCH): a proxy says 7.2.6 in INFO and answers CLIENT NO-TOUCH as 7.2 does (OK, or
  // NOPERM for a user without +client|no-touch); every other command reaches the real server.
  let refuse = false;
  const proxy = await forwardingProxy(server, {
    local(argv) {
      if (argv[0]?.toLowerCase() !== 'client' || argv[1]?.toLowerCase() !== 'no-touch') return undefined;
      return refuse ? err("NOPERM User default has no permissions to run the 'client|no-touch' command") : '+OK\r\n';
    },
    rewrite: (argv, reply) => (argv[0]?.toLowerCase() === 'info' && typeof reply === 'string' ? reply.replace(/^redis_version:.*$/m, 'redis_version:7.2.6\r') : reply),
  });
  try {
    const seed = resolveTarget(`redis://${proxy.host}:${proxy.port}`, {}, {});
    const [sampled] = results(await auditTarget(seed, OPTIONS));
    assert.equal(sampled?.status, 'fail', sampled?.message);
    const sent = proxy.commands.map((c) => c.map((w) => w.toLowerCase()).join(' '));
    const noTouch = sent.indexOf('client no-touch on');
    assert.ok(noTouch >= 0, 'CLIENT NO-TOUCH ON was not sent');
    assert.ok(noTouch < sent.findIndex((c) => c.startsWith('getrange ') || c.startsWith('hrandfield ')), 'CLIENT NO-TOUCH ON after a read');
    refuse = true;
    const [skip] = results(await auditTarget(seed, OPTIONS));
    assert.equal(skip?.status, 'skip', skip?.message);
    assert.match(skip!.message, /may not run CLIENT NO-TOUCH, so the keyspace was not sampled: .*ACL SETUSER <auditor> \+client\|no-touch \+select /);
  } finally {
    await proxy.close();
  }
});

test('--replication: a master with a replica is sampled on the replica; the replica points at its master', async () => {
  const replica = await startReplica(server, { killOnStop: true });
  try {
    const entries = await auditDeployment(resolveTarget(server.url, {}, {}), { ...OPTIONS, kind: 'replication' });
    const master = entries.find((e) => e.target === server.url.replace(/\/$/, '') || e.target.endsWith(`:${server.port}`))!;
    const slave = entries.find((e) => e.target.endsWith(`:${replica.port}`))!;
    assert.equal(master.sample?.replica, true);
    assert.ok(master.sample?.node.endsWith(`:${replica.port}`), master.sample?.node);
    assert.equal(results(master)[0]?.status, 'fail');
    assert.match(results(master)[0]!.message, /read on the replica/);
    assert.equal(results(slave)[0]?.status, 'skip');
    assert.match(results(slave)[0]!.message, /sampled once per master/);
    assert.match(results(entries[0]!)[0]!.message, /sampled per master/);
  } finally {
    await replica.stop();
  }
});

test('the CLI: --sample-data in every output format and on stderr shows no planted value or key name; bad budgets exit 2', async () => {
  await build();
  const dir = await mkdtemp(join(tmpdir(), 'redfort-sample-'));
  try {
    const outputs = ['json', 'sarif', 'junit', 'html', 'markdown'].flatMap((f) => ['-o', `${f}=${join(dir, `report.${f}`)}`]);
    const run = await runCli(['audit', server.url, '--sample-data', '10000', '--sample-time', '30', '--no-probe', '--no-host', '--format', 'text', ...outputs]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /data\.client-side-encryption/);
    const texts = [run.stdout, run.stderr];
    for (const name of await readdir(dir)) texts.push(await readFile(join(dir, name), 'utf8'));
    assert.equal(texts.length, 7);
    const needles = [...new Set([...keyspace.planted, ...keyspace.keys])].filter((n) => n.length >= 6);
    texts.forEach((text, i) => { for (const needle of needles) assert.ok(!text.includes(needle), `output ${i} shows ${needle}`); });
    const bad = await runCli(['audit', server.url, '--sample-data', '--sample-time', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^redfort: --sample-time must be seconds from 0 to 3600, not '0'\n$/);
    const alone = await runCli(['audit', server.url, '--sample-databases', '0,1']);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--sample-databases tunes the keyspace sample: add --sample-data/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--targets: an inventory entry with sampleData is sampled, one with sampleData: false is not, even with --sample-data', async () => {
  await build();
  const dir = await mkdtemp(join(tmpdir(), 'redfort-sample-inv-'));
  try {
    const { writeFile } = await import('node:fs/promises');
    const inventory = join(dir, 'inventory.yaml');
    await writeFile(inventory, `targets:\n  - { url: "${server.url}", sampleData: 100 }\n  - { url: "${server.url}/1", sampleData: false }\n`);
    const run = await runCli(['audit', '--targets', inventory, '--no-probe', '--no-host', '--format', 'json', '--quiet']);
    const report = JSON.parse(run.stdout) as { targets: { target: string; sample?: { limits: { keys: number } }; results: { ruleId: string; status: string }[] }[] };
    const [sampled, off] = report.targets;
    assert.equal(sampled?.sample?.limits.keys, 100, run.stderr);
    assert.equal(off?.sample, undefined);
    assert.equal(off?.results.find((r) => r.ruleId === 'data.client-side-encryption')?.status, 'manual');
    const forced = JSON.parse((await runCli(['audit', '--targets', inventory, '--sample-data', '--no-probe', '--no-host', '--format', 'json', '--quiet'])).stdout) as typeof report;
    assert.equal(forced.targets[1]?.sample, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// Review R31-7: the version is read as src/redis/version.ts reads it, the product named or not (`valkey-8.0.1`,
// `redis-6.2.16` were NaN, and the 7.0 line by chance).
test('sampleGrants: the line by release, however the version is written', () => {
  const six2 = SAMPLE_ACL_GRANTS.replace('%R~*', '~*');
  assert.equal(sampleGrants('6.0.20'), six2.replace(' +hrandfield', ''));
  for (const v of ['6.2.16', 'redis-6.2.16', 'v6.2']) assert.equal(sampleGrants(v), six2, v);
  for (const v of ['7.0.15', undefined]) assert.equal(sampleGrants(v), SAMPLE_ACL_GRANTS, String(v));
  // 7.2+ and Valkey: the sample sends CLIENT NO-TOUCH ON first (QA45-4).
  for (const v of ['7.2.6', 'valkey-8.0.1', 'valkey-7.2.7']) assert.equal(sampleGrants(v), `+client|no-touch ${SAMPLE_ACL_GRANTS}`, v);
});
