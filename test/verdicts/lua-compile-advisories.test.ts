import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { RuleResult } from '../../src/engine/run.ts';
import { advisoryFinding, audit } from '../probe/helpers.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// version.known-vulnerabilities lowers a Lua advisory to low when no user that can log in may run scripts. A bug in
// Lua's parser or lexer is reached before any script runs: SCRIPT LOAD compiles the source (luaCreateFunction ->
// luaL_loadbuffer), FUNCTION LOAD compiles a library and runs its top-level code. Denying EVAL, EVALSHA and FCALL
// (the Percona advice the advisory data quotes) leaves both open. Redis 7.0.15 (Debian's, its package unseen with
// noHost) is affected by CVE-2025-49844 (parser) and CVE-2025-46819 (lexer), and by CVE-2025-46817 (unpack(), which
// only a running script reaches), all fixed on no 7.0.
const PARSER = 'CVE-2025-49844';
const LEXER = 'CVE-2025-46819';
const RUNTIME = 'CVE-2025-46817';
const NO_SCRIPTS = 'user default on nopass ~* &* -@all +get +ping +exists';
const AUDITOR = 'user auditor on >auditpw resetkeys resetchannels -@all +info +config|get +acl|list +acl|cat +command|info +time';
const DENY_RUN = '-eval -evalsha -eval_ro -evalsha_ro -fcall -fcall_ro';

async function judged(server: RunningServer): Promise<Record<string, RuleResult>> {
  const { results } = await audit(`redis://auditor:auditpw@${server.host}:${server.port}`, {}, { noProbe: true, noHost: true });
  return Object.fromEntries([PARSER, LEXER, RUNTIME].map((id) => [id, advisoryFinding(results, id)]));
}

describe('version.known-vulnerabilities: SCRIPT LOAD and FUNCTION LOAD reach the Lua parser and lexer', () => {
  after(stopAll);

  it('a user denied EVAL, EVALSHA and FCALL who may SCRIPT LOAD keeps the parser and lexer advisories', async () => {
    const server = await startRedis({ conf: `${NO_SCRIPTS}\nuser admin on >adminpw ~* &* +@all ${DENY_RUN}\n${AUDITOR}`, killOnStop: true });
    const admin = { user: 'admin', password: 'adminpw' };
    await assert.rejects(rawCommand(server.host, server.port, ['EVAL', 'return 1', '0'], admin), /NOPERM/);
    assert.match(String(await rawCommand(server.host, server.port, ['SCRIPT', 'LOAD', 'return 1'], admin)), /^[0-9a-f]{40}$/);
    // What it compiles is Lua source: a syntax error comes from Lua's parser.
    await assert.rejects(rawCommand(server.host, server.port, ['SCRIPT', 'LOAD', 'return ('], admin), /Error compiling script/);

    const found = await judged(server);
    assert.equal(found[PARSER]!.severity, 'critical', found[PARSER]!.message);
    assert.equal(found[LEXER]!.severity, 'medium', found[LEXER]!.message);
    for (const id of [PARSER, LEXER]) assert.doesNotMatch(found[id]!.message, /lowered/);
    // unpack() runs only in a script that runs: still lowered.
    assert.equal(found[RUNTIME]!.severity, 'low', found[RUNTIME]!.message);
    assert.match(found[RUNTIME]!.message, /; lowered: it needs EVAL\/FCALL and no user that can log in may run scripts/);
  });

  it('FUNCTION LOAD alone keeps them too; -@scripting lowers them', async () => {
    const loader = await startRedis({ conf: `${NO_SCRIPTS}\nuser fn on >fnpw -@all +function|load\n${AUDITOR}`, killOnStop: true });
    const fn = { user: 'fn', password: 'fnpw' };
    assert.equal(await rawCommand(loader.host, loader.port, ['FUNCTION', 'LOAD', "#!lua name=lib\nlocal n = 0\nfor i = 1, 3 do n = n + i end\nredis.register_function('f' .. n, function() return 1 end)"], fn), 'lib');
    const kept = await judged(loader);
    assert.equal(kept[PARSER]!.severity, 'critical', kept[PARSER]!.message);
    assert.equal(kept[RUNTIME]!.severity, 'low', kept[RUNTIME]!.message);

    const closed = await startRedis({ conf: `${NO_SCRIPTS}\nuser admin on >adminpw ~* &* +@all -@scripting\n${AUDITOR}`, killOnStop: true });
    await assert.rejects(rawCommand(closed.host, closed.port, ['SCRIPT', 'LOAD', 'return 1'], { user: 'admin', password: 'adminpw' }), /NOPERM/);
    const lowered = await judged(closed);
    for (const id of [PARSER, LEXER]) {
      assert.equal(lowered[id]!.severity, 'low', lowered[id]!.message);
      assert.match(lowered[id]!.message, /; lowered: it needs EVAL\/FCALL, SCRIPT LOAD or FUNCTION LOAD and no user that can log in may run or load scripts/);
    }
  });
});
