import { after, describe, it } from 'node:test';
import { startRecordedServer } from '../helpers/recorded-server.ts';
import type { RecordedServer } from '../helpers/recorded-server.ts';
import { expectKept, expectLowered, judged } from './script-load.ts';

// Before 6.2.7 (CVE-2022-24735) SCRIPT LOAD runs the top-level code of what it loads (see ./script-load.ts). The
// recordings of real 6.0.20 and 6.2.16 servers (test/fixtures/replies/redis-*-script-load.json); the same verdicts on
// the real builds, with the injection itself, are in test/builds/script-load-injection.test.ts (npm run test:builds).

const recorded: RecordedServer[] = [];
after(async () => {
  await Promise.all(recorded.map((s) => s.close()));
});

describe('version.known-vulnerabilities: SCRIPT LOAD runs Lua before 6.2.7', () => {
  it('the recorded 6.0.20 keeps the Lua runtime advisories of a user denied EVAL and EVALSHA; the recorded 6.2.16 lowers them', async () => {
    const [old, fixed] = await Promise.all(['redis-6.0.20-script-load', 'redis-6.2.16-script-load'].map((name) => startRecordedServer(name)));
    recorded.push(old!, fixed!);
    expectKept(await judged('127.0.0.1', old!.port));
    expectLowered(await judged('127.0.0.1', fixed!.port));
  });
});
