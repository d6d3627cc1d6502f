import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { runCli } from '../report/cli-run.ts';
import { address, plan, state, target } from '../fix/helpers.ts';

after(stopAll);

// QA38-17: `lua-enable-deprecated-api yes` (Valkey: lua-enable-insecure-api) gives every script getfenv, setfenv and
// newproxy again, and no rule judged it: the setting is HIDDEN_CONFIG, which `CONFIG GET *` never lists. Debian's
// 7.0.15 has it since 1~deb12u6 (the CVE-2025-46818 fix), as Redis 6.2.20, 7.2.11, 7.4.6 and 8.x do.
describe('the Lua sandbox switch, on a real server', () => {
  let open: RunningServer;
  let closed: RunningServer;
  before(async () => {
    [open, closed] = await Promise.all([
      startRedis({ conf: 'lua-enable-deprecated-api yes', killOnStop: true }),
      startRedis({ killOnStop: true }),
    ]);
  });

  it('the server takes it, and scripts get getfenv (what the rule is about)', async () => {
    assert.deepEqual(await rawCommand(open.host, open.port, ['EVAL', 'return type(getfenv)', '0']), 'function');
    assert.deepEqual(await rawCommand(open.host, open.port, ['CONFIG', 'GET', '*']).then((r) => (r as string[]).includes('lua-enable-deprecated-api')), false);
  });

  it('fails commands.protected-features-enabled live, from CONFIG GET by its name', async () => {
    const r = await auditTarget(resolveTarget(open.url, {}, {}), { noProbe: true, noHost: true });
    const results = r.results.filter((x) => x.ruleId === 'commands.protected-features-enabled');
    assert.equal(results.length, 1, JSON.stringify(results));
    const [rule] = results;
    assert.equal(rule?.status, 'fail', rule?.message);
    assert.match(rule!.message, /lua-enable-deprecated-api is 'yes': every script gets getfenv, setfenv and newproxy/);
    assert.deepEqual(rule!.source, { kind: 'live', command: 'CONFIG GET lua-enable-deprecated-api' });
  });

  it('passes a server with the default, naming the value read', async () => {
    const r = await auditTarget(resolveTarget(closed.url, {}, {}), { noProbe: true, noHost: true });
    const [rule] = r.results.filter((x) => x.ruleId === 'commands.protected-features-enabled');
    assert.equal(rule?.status, 'pass', rule?.message);
    assert.match(rule!.message, /lua-enable-deprecated-api 'no'/);
  });

  it('fix plans the restart line for it', async () => {
    const seed = target(open.url);
    const p = plan(await state(seed, { noProbe: true }), seed);
    const step = p.steps.find((s) => s.node === address(open) && s.configLine === 'lua-enable-deprecated-api no');
    assert.ok(step, JSON.stringify(p.steps.map((s) => s.configLine ?? s.command.join(' '))));
    assert.equal(step.class, 'restart');
    assert.deepEqual(step.rules, ['commands.protected-features-enabled']);
  });

  it('a file audit for 7.0.15 reads the line (the server takes it) and fails the rule at it', async () => {
    const conf = join(open.dir, 'file-only.conf');
    writeFileSync(conf, 'port 6380\nlua-enable-deprecated-api yes\n');
    const { code, stdout } = await runCli(['audit', '--config', conf, '--redis-version', '7.0.15', '--format', 'json']);
    const report = JSON.parse(stdout) as { targets: { error?: string; results: { ruleId: string; status: string; message: string }[] }[] };
    assert.equal(report.targets[0]?.error, undefined, stdout.slice(0, 400));
    const rule = report.targets[0]!.results.find((x) => x.ruleId === 'commands.protected-features-enabled');
    assert.equal(rule?.status, 'fail', JSON.stringify(rule));
    assert.match(rule!.message, /lua-enable-deprecated-api is 'yes'/);
    assert.equal(code, 1);
  });
});
