import assert from 'node:assert/strict';
import type { RuleResult } from '../../src/engine/run.ts';
import { audit } from '../probe/helpers.ts';

// Before 6.2.7 (CVE-2022-24735) SCRIPT LOAD compiles `function f_<sha>() <body> end` and runs it, so a body
// `end <code> local function g()` runs <code> at load time with every Lua global: a user denied EVAL and EVALSHA but
// allowed SCRIPT LOAD reaches every Lua runtime advisory (bit.tohex, unpack, the GC, metatables). version.known-
// vulnerabilities lowered them to low there ("it needs EVAL/FCALL and no user that can log in may run scripts").
// Shared by test/verdicts/script-load-injection.test.ts (recordings of real 6.0.20 and 6.2.16 servers,
// test/fixtures/replies/redis-*-script-load.json) and test/builds/script-load-injection.test.ts (the real builds).

/** The ACL file both servers were started (and recorded) with: `aclfile users.acl`. */
export const ACL = 'user default off\nuser admin on nopass ~* +@all -eval -evalsha\n';
export const ADMIN = { user: 'admin', password: 'x' };
export const INJECTION = 'end error(tostring(bit.tohex(255))) local function g()';
/** Lua runtime advisories that affect 6.0.20 and 6.2.16: only a script that runs reaches them. */
const RUNTIME = ['CVE-2024-46981', 'CVE-2025-46817', 'CVE-2025-46818', 'CVE-2026-23631'];

/** The advisories' findings of an audit as admin, by advisory. */
export async function judged(host: string, port: number): Promise<Record<string, RuleResult>> {
  const { results } = await audit(`redis://admin:x@${host}:${port}`, {}, { noProbe: true, noHost: true });
  return Object.fromEntries(['CVE-2024-31449', ...RUNTIME].flatMap((id) => {
    const found = results.find((r) => r.ruleId === 'version.known-vulnerabilities' && r.message.startsWith(`${id} `));
    return found ? [[id, found]] : [];
  }));
}

/** 6.0.20: SCRIPT LOAD runs code, so the runtime advisories keep their severity. */
export function expectKept(found: Record<string, RuleResult>): void {
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

/** 6.2.16: SCRIPT LOAD only compiles, so the runtime advisories stay lowered. */
export function expectLowered(found: Record<string, RuleResult>): void {
  // CVE-2024-31449 is fixed in 6.2.16.
  assert.equal(found['CVE-2024-31449'], undefined);
  for (const id of RUNTIME) {
    assert.equal(found[id]!.severity, 'low', found[id]!.message);
    assert.match(found[id]!.message, /; lowered: it needs EVAL\/FCALL and no user that can log in may run scripts/);
  }
}
