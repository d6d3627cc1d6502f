import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { auditTarget, gatherTarget } from '../../src/app/audit.ts';
import { rawCommand } from '../harness/raw.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// With CONFIG renamed away the settings came from the config file alone, though the options the server was started
// with override it: `redis-server redis.conf --protected-mode no` with `protected-mode yes` in the file passed
// network.protected-mode-off ("protected-mode is 'yes'").
describe('CONFIG renamed, and options on the command line that override the file', () => {
  let titled: RunningServer;
  let plain: RunningServer;
  before(async () => {
    [titled, plain] = await Promise.all([
      // set-proc-title yes (the default): /proc shows the title, not the options.
      startRedis({ conf: 'rename-command CONFIG ""\nprotected-mode yes\nappendonly no', args: ['--protected-mode', 'no', '--appendonly', 'yes'], killOnStop: true }),
      startRedis({ conf: 'set-proc-title no\nrename-command CONFIG ""\nprotected-mode yes\nappendonly no', args: ['--protected-mode', 'no', '--appendonly', 'yes'], killOnStop: true }),
    ]);
  });
  after(() => Promise.all([titled?.stop(), plain?.stop()]));

  const audit = (server: RunningServer) => auditTarget(resolveTarget(server.url, {}, {}), { noProbe: true });
  const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id);

  it('the truth: protected mode is off (INFO shows AOF on), and only the second command line shows it', async () => {
    assert.match(readFileSync(`/proc/${plain.pid}/cmdline`, 'utf8'), /--protected-mode\0no/);
    assert.doesNotMatch(readFileSync(`/proc/${titled.pid}/cmdline`, 'utf8'), /--protected-mode/);
  });

  it('command line unknown (set-proc-title): the settings are unknown, not the file\'s', async () => {
    const r = await audit(titled);
    for (const id of ['network.protected-mode-off', 'persistence.none', 'network.bind-all-interfaces']) {
      const results = of(r, id);
      assert.deepEqual(results.map((x) => x.status), ['skip'], `${id}: ${results.map((x) => x.message).join('\n')}`);
      assert.match(results[0]!.message, /^CONFIG GET could not be read, and the config file .* may not hold the running values: the options process \d+ was started with override it, and they are unknown \(set-proc-title replaced its arguments with the title /);
      // What would get them judged is said (QA36-11): the file alone would pass protected mode, which runs off.
      assert.match(results[0]!.message, /to have them judged, start it with 'set-proc-title no' in the file .*or let the auditor run CONFIG GET/);
    }
  });

  it('command line readable: its options are applied over the file', async () => {
    const r = await audit(plain);
    const [protectedMode] = of(r, 'network.protected-mode-off');
    assert.equal(protectedMode?.status, 'fail', protectedMode?.message);
    assert.match(protectedMode!.message, /^protected-mode is 'no'/);
    assert.deepEqual(protectedMode!.source, { kind: 'host', detail: `the command line of process ${plain.pid} (--protected-mode)` });
    assert.match(of(r, 'persistence.none')[0]!.message, /AOF/);
  });

  // Without host facts the config file of a local server is read all the same (the exporter's `host: false`), and
  // its values were taken as the running ones: both passed on the file's `protected-mode yes`.
  it('without host facts (--no-host): the same, the command line read for the file it overrides', async () => {
    const noHost = (server: RunningServer) => auditTarget(resolveTarget(server.url, {}, {}), { noProbe: true, noHost: true });
    const [titledResult, plainResult] = await Promise.all([noHost(titled), noHost(plain)]);
    const unknown = of(titledResult, 'network.protected-mode-off');
    assert.deepEqual(unknown.map((x) => x.status), ['skip'], unknown.map((x) => x.message).join('\n'));
    assert.match(unknown[0]!.message, /may not hold the running values: the options process \d+ was started with override it, and they are unknown/);
    const [protectedMode] = of(plainResult, 'network.protected-mode-off');
    assert.equal(protectedMode?.status, 'fail', protectedMode?.message);
    assert.deepEqual(protectedMode!.source, { kind: 'host', detail: `the command line of process ${plain.pid} (--protected-mode)` });
    assert.match(of(plainResult, 'persistence.none')[0]!.message, /AOF/);
  });
});

// redis-server appends its options to the config file's text and loads both: a file's `save 3600 1` and
// `--save 60 100` make both save points, `--client-output-buffer-limit` sets one class and keeps the file's others.
// With CONFIG GET unavailable, redfort applied each option as if it stood alone: save '60 100', the file's pubsub
// limit replaced by the default.
describe('CONFIG renamed: options that a file may repeat add to the file\'s lines (real server)', () => {
  let redis: RunningServer;
  const hidden = 'cfg-hidden-0123';
  before(async () => {
    redis = await startRedis({
      // The audit's user may not run CONFIG (renamed or not): else it is asked under the file's name (QA44-6).
      conf: `set-proc-title no\nrename-command CONFIG ${hidden}\nsave 3600 1\nclient-output-buffer-limit pubsub 1mb 1mb 0\nuser auditor on >auditor-pw-0123456789 ~* &* +@all -config`,
      args: ['--save', '60 100', '--client-output-buffer-limit', 'normal 1mb 2mb 3', '--rename-command', 'FLUSHALL', ''],
      killOnStop: true,
    });
  });
  after(() => redis?.stop());

  it('gives what the server has', async () => {
    const running = async (name: string) => ((await rawCommand(redis.host, redis.port, [hidden, 'GET', name])) as string[])[1];
    assert.equal(await running('save'), '3600 1 60 100');
    const gathered = await gatherTarget(resolveTarget(redis.url, { user: 'auditor', pass: 'auditor-pw-0123456789' }, {}), { noProbe: true });
    assert.ok(gathered.ok && gathered.facts.config, gathered.ok ? JSON.stringify(gathered.facts.unavailable) : gathered.error);
    const config = gathered.facts.config;
    for (const name of ['save', 'client-output-buffer-limit']) {
      assert.equal(config.get(name)?.value, await running(name), name);
      assert.deepEqual(config.get(name)?.source, { kind: 'host', detail: `the command line of process ${redis.pid} (--${name})` });
    }
    assert.deepEqual([...(gathered.facts.commands?.renames ?? new Map())].map(([from, to]) => [from, to.value]).sort(), [['config', hidden], ['flushall', '']]);
  });
});
