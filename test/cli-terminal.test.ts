import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawCommand } from './harness/raw.ts';
import { startRedis, startSentinels, stopAll } from './harness/servers.ts';
import type { RunningServer } from './harness/servers.ts';
import { runCli } from './topology/cli.ts';
import { confirmationText } from '../src/cli/commands/fix.ts';
import type { FixPlan } from '../src/fix/types.ts';

// Redis takes any user name and Sentinel any master name without spaces: ESC and BEL too. The audit's text report
// shows them escaped; reboot-plan, fix --plan and harden wrote them raw, so a server recoloured, cleared or retitled
// the operator's terminal (and PLAN.md, read with cat).
const EVIL = '\u001b]0;pwned\u0007\u001b[2J\u001b[31mred';
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

const work = mkdtempSync(join(tmpdir(), 'redfort-terminal-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('server-made names never reach the terminal raw', () => {
  let master: RunningServer;
  let sentinel: RunningServer;
  before(async () => {
    master = await startRedis({ conf: 'protected-mode no' });
    assert.equal(await rawCommand(master.host, master.port, ['ACL', 'SETUSER', `u${EVIL}`, 'on', '>Terminal-e2e-5b8c1d7f9a3e', '~*', '+@all']), 'OK');
    sentinel = (await startSentinels(1, master, { quorum: 1 }))[0]!;
    assert.equal(await rawCommand(sentinel.host, sentinel.port, ['SENTINEL', 'MONITOR', `m${EVIL}`, master.host, String(master.port), '1']), 'OK');
  });

  it('reboot-plan', async () => {
    const run = await runCli(['reboot-plan', `redis://${sentinel.host}:${sentinel.port}`]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /master 'm\\u001b\]0;pwned\\u0007\\u001b\[2J\\u001b\[31mred'/);
    assert.doesNotMatch(run.stdout + run.stderr, RAW);
  });

  it('fix --plan', async () => {
    const run = await runCli(['fix', `redis://${master.host}:${master.port}`, '--plan', '--out', join(work, 'plan.json'), '--secrets', join(work, 'secrets.env')]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /ACL SETUSER u\\u001b/);
    assert.doesNotMatch(run.stdout + run.stderr, RAW);
  });

  it('harden, and its PLAN.md', async () => {
    const out = join(work, 'hardened');
    const run = await runCli(['harden', `redis://${master.host}:${master.port}`, '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // PLAN.md is Markdown: the name's escape written `\u001b`, and that backslash and the bracket escaped as Markdown text.
    assert.match(readFileSync(join(out, 'PLAN.md'), 'utf8'), /user u\\\\u001b\\\]0;pwned/);
    assert.doesNotMatch(run.stdout + run.stderr, RAW);
    assert.doesNotMatch(readFileSync(join(out, 'PLAN.md'), 'utf8'), RAW);
    // The ACL file is for the server: the name as it is.
    assert.ok(readFileSync(join(out, 'users.acl'), 'utf8').includes(`user u${EVIL} on`));
  });

  it("fix --apply --include-disruptive's question, from a plan file's steps", () => {
    const plan = { steps: [{ id: 4, class: 'disruptive', node: `n${EVIL}`, reason: `clients logged in as 'u${EVIL}' must log in again` }, { id: 5, class: 'safe', node: 'n', reason: `r${EVIL}` }] } as unknown as FixPlan;
    const text = confirmationText(plan);
    assert.match(text, /^\n1 disruptive step may lock out or break clients:\n {2}4\. n\\u001b\]0;pwned\\u0007.*'u\\u001b\]0;pwned/);
    assert.doesNotMatch(text, RAW);
  });
});
