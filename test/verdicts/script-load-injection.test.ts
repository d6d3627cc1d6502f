import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { RuleResult } from '../../src/engine/run.ts';
import { audit } from '../probe/helpers.ts';
import { startRecordedServer } from '../helpers/recorded-server.ts';
import type { RecordedServer } from '../helpers/recorded-server.ts';
import { rawCommand } from '../harness/raw.ts';
import { realBuild, startRedis, stopAll } from '../harness/servers.ts';

// Before 6.2.7 (CVE-2022-24735) SCRIPT LOAD compiles `function f_<sha>() <body> end` and runs it, so a body
// `end <code> local function g()` runs <code> at load time with every Lua global: a user denied EVAL and EVALSHA but
// allowed SCRIPT LOAD reaches every Lua runtime advisory (bit.tohex, unpack, the GC, metatables). version.known-
// vulnerabilities lowered them to low there ("it needs EVAL/FCALL and no user that can log in may run scripts").
// Real 6.0.20 and 6.2.16 builds when this machine has them; recordings of the same servers
// (test/fixtures/replies/redis-*-script-load.json) otherwise.
const ACL = 'user default off\nuser admin on nopass ~* +@all -eval -evalsha\n';
const ADMIN = { user: 'admin', password: 'x' };
const INJECTION = 'end error(tostring(bit.tohex(255))) local function g()';
/** Lua runtime advisories that affect 6.0.20 and 6.2.16: only a script that runs reaches them. */
const RUNTIME = ['CVE-2024-46981', 'CVE-2025-46817', 'CVE-2025-46818', 'CVE-2026-23631'];

const recorded: RecordedServer[] = [];
after(async () => {
  await Promise.all(recorded.map((s) => s.close()));
  await stopAll();
});

async function real(build: string): Promise<{ host: string; port: number }> {
  return startRedis({ binary: realBuild(build)!, conf: 'aclfile users.acl', files: { 'users.acl': ACL }, username: 'admin', password: 'x', killOnStop: true });
}

async function judged(host: string, port: number): Promise<Record<string, RuleResult>> {
  const { results } = await audit(`redis://admin:x@${host}:${port}`, {}, { noProbe: true, noHost: true });
  return Object.fromEntries(['CVE-2024-31449', ...RUNTIME].flatMap((id) => {
    const found = results.find((r) => r.ruleId === 'version.known-vulnerabilities' && r.message.startsWith(`${id} `));
    return found ? [[id, found]] : [];
  }));
}

function expectKept(found: Record<string, RuleResult>): void {
  for (const id of ['CVE-2024-31449', ...RUNTIME]) {
    const r = found[id];
    assert.ok(r, `no finding for ${id}`);
    assert.notEqual(r.severity, 'low', r.message);
    // CVE-2026-23631 also names the CONFIG SET that makes a replica writable.
    assert.match(r.message, /; not lowered: (?:.*; and )?no user that can log in may run scripts, but user 'admin' may run SCRIPT LOAD, which runs the top-level code of what it loads before 6\.2\.7 \(CVE-2022-24735/);
    // 6.x ACLs refuse `-script|load`: the advice is `-script`.
    assert.match(r.remediation, /Deny SCRIPT LOAD too \(`ACL SETUSER <user> -script`, or -@scripting\)/);
  }
  assert.equal(found['CVE-2024-31449']!.severity, 'high');
}

function expectLowered(found: Record<string, RuleResult>): void {
  // CVE-2024-31449 is fixed in 6.2.16.
  assert.equal(found['CVE-2024-31449'], undefined);
  for (const id of RUNTIME) {
    assert.equal(found[id]!.severity, 'low', found[id]!.message);
    assert.match(found[id]!.message, /; lowered: it needs EVAL\/FCALL and no user that can log in may run scripts/);
  }
}

describe('version.known-vulnerabilities: SCRIPT LOAD runs Lua before 6.2.7', () => {
  it('a real 6.0.20: a user denied EVAL and EVALSHA runs bit.tohex through SCRIPT LOAD, and the Lua runtime advisories are kept', { skip: !realBuild('redis-6.0.20') && 'no real 6.0.20 build here' }, async () => {
    const server = await real('redis-6.0.20');
    await assert.rejects(rawCommand(server.host, server.port, ['EVAL', 'return 1', '0'], ADMIN), /NOPERM/);
    await assert.rejects(rawCommand(server.host, server.port, ['SCRIPT', 'LOAD', INJECTION], ADMIN), /user_script:1: 000000ff/);
    expectKept(await judged(server.host, server.port));
  });

  it('a real 6.2.16 compiles the body alone: the same user only compiles, and the runtime advisories stay lowered', { skip: !realBuild('redis-6.2.16') && 'no real 6.2.16 build here' }, async () => {
    const server = await real('redis-6.2.16');
    await assert.rejects(rawCommand(server.host, server.port, ['SCRIPT', 'LOAD', INJECTION], ADMIN), /'<eof>' expected near 'end'/);
    expectLowered(await judged(server.host, server.port));
  });

  it('the recorded 6.0.20 and 6.2.16 give the same verdicts', async () => {
    const [old, fixed] = await Promise.all(['redis-6.0.20-script-load', 'redis-6.2.16-script-load'].map((name) => startRecordedServer(name)));
    recorded.push(old!, fixed!);
    expectKept(await judged('127.0.0.1', old!.port));
    expectLowered(await judged('127.0.0.1', fixed!.port));
  });
});
