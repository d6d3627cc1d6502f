import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { realBuild } from '../harness/builds.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { address, plan, state, target } from '../fix/helpers.ts';

after(stopAll);

// QA38-17 on the real builds: Redis 8's `lua-enable-deprecated-api` (immutable) and Valkey's `lua-enable-insecure-api`
// (PROTECTED_CONFIG: CONFIG SET changes it where enable-protected-configs lets the client), both HIDDEN_CONFIG.
const RULE = 'commands.protected-features-enabled';

describe('the Lua sandbox switch on Redis 8.6.3 and Valkey 9.1.2', () => {
  it('Redis 8.6.3: fails the rule, and fix plans the restart line', async () => {
    const server = await startRedis({ binary: realBuild('redis-8.6.3'), conf: 'lua-enable-deprecated-api yes', killOnStop: true });
    assert.equal(await rawCommand(server.host, server.port, ['EVAL', 'return type(setfenv)', '0']), 'function');
    const r = await auditTarget(resolveTarget(server.url, {}, {}), { noProbe: true, noHost: true });
    const rule = r.results.find((x) => x.ruleId === RULE);
    assert.equal(rule?.status, 'fail', rule?.message);
    assert.match(rule!.message, /^lua-enable-deprecated-api is 'yes'/);
    const seed = target(server.url);
    const p = plan(await state(seed, { noProbe: true }), seed);
    const step = p.steps.find((s) => s.node === address(server) && s.configLine === 'lua-enable-deprecated-api no');
    assert.equal(step?.class, 'restart', JSON.stringify(p.steps.map((s) => s.configLine ?? s.command.join(' '))));
    assert.match(step!.reason, /lua-enable-deprecated-api cannot be changed at run time/);
  });

  it('Valkey 9.1.2: fails the rule by its own name; a CONFIG SET not written back is drift, not "cannot change it"', async () => {
    const server = await startRedis({ binary: realBuild('valkey-9.1.2'), conf: 'lua-enable-insecure-api yes\nenable-protected-configs local', killOnStop: true });
    assert.equal(await rawCommand(server.host, server.port, ['EVAL', 'return type(newproxy)', '0']), 'function');
    const r = await auditTarget(resolveTarget(server.url, {}, {}), { noProbe: true });
    const rule = r.results.find((x) => x.ruleId === RULE && /lua/.test(x.message));
    assert.equal(rule?.status, 'fail', rule?.message);
    assert.match(rule!.message, /^lua-enable-insecure-api is 'yes'/);
    const seed = target(server.url);
    const p = plan(await state(seed, { noProbe: true }), seed);
    const step = p.steps.find((s) => s.node === address(server) && s.configLine === 'lua-enable-insecure-api no');
    assert.equal(step?.class, 'restart', JSON.stringify(p.steps.map((s) => s.configLine ?? s.command.join(' '))));
    assert.match(step!.reason, /enable-protected-configs/);

    // Settable at run time from loopback (enable-protected-configs local): the file still says yes.
    assert.equal(await rawCommand(server.host, server.port, ['CONFIG', 'SET', 'lua-enable-insecure-api', 'no']), 'OK');
    const after = await auditTarget(resolveTarget(server.url, {}, {}), { noProbe: true });
    assert.equal(after.results.some((x) => x.ruleId === RULE && /lua/.test(x.message) && x.status === 'fail'), false);
    const drift = after.results.filter((x) => x.ruleId === 'config.runtime-drift');
    assert.ok(drift.some((x) => x.status === 'fail' && /lua-enable-deprecated-api is 'no' at run time but 'yes' in the file/.test(x.message)), JSON.stringify(drift.map((x) => `${x.status} ${x.message}`)));
  });
});
