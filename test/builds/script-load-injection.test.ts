import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import { realBuild } from '../harness/builds.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { ACL, ADMIN, expectKept, expectLowered, INJECTION, judged } from '../verdicts/script-load.ts';

// The real builds behind the recordings of test/verdicts/script-load-injection.test.ts: 6.0.20 runs the top-level code
// SCRIPT LOAD loads (CVE-2022-24735), 6.2.16 only compiles it; the verdicts are the recordings' ones.

after(stopAll);

async function real(build: 'redis-6.0.20' | 'redis-6.2.16'): Promise<{ host: string; port: number }> {
  return startRedis({ binary: realBuild(build), conf: 'aclfile users.acl', files: { 'users.acl': ACL }, username: 'admin', password: 'x', killOnStop: true });
}

describe('version.known-vulnerabilities: SCRIPT LOAD runs Lua before 6.2.7, on the real builds', () => {
  it('a real 6.0.20: a user denied EVAL and EVALSHA runs bit.tohex through SCRIPT LOAD, and the Lua runtime advisories are kept', async () => {
    const server = await real('redis-6.0.20');
    await assert.rejects(rawCommand(server.host, server.port, ['EVAL', 'return 1', '0'], ADMIN), /NOPERM/);
    await assert.rejects(rawCommand(server.host, server.port, ['SCRIPT', 'LOAD', INJECTION], ADMIN), /user_script:1: 000000ff/);
    expectKept(await judged(server.host, server.port));
  });

  it('a real 6.2.16 compiles the body alone: the same user only compiles, and the runtime advisories stay lowered', async () => {
    const server = await real('redis-6.2.16');
    await assert.rejects(rawCommand(server.host, server.port, ['SCRIPT', 'LOAD', INJECTION], ADMIN), /'<eof>' expected near 'end'/);
    expectLowered(await judged(server.host, server.port));
  });
});
