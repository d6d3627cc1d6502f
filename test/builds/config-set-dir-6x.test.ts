import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { realBuild } from '../harness/builds.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// LEFT-3 rest on the real 6.0.20 and 6.2.16: no protected configs and no enable-module-command before 7.0, so a user
// granted `+config|set` by name sets dir and dbfilename and the server writes its RDB file where it is told, and one
// granted `+module|load` loads a library. The rule passed both ("granted one by one"); it fails them now.
after(stopAll);
const PW = 'a-password-0123456789abcdef';
const RULE = 'auth.dangerous-commands-allowed';

describe('CONFIG SET dir and MODULE LOAD granted by name before 7.0', () => {
  for (const name of ['redis-6.0.20', 'redis-6.2.16'] as const) {
    it(`${name}: fails both users, and what it says is so`, async () => {
      const server = await startRedis({ binary: realBuild(name), killOnStop: true });
      const run = (args: string[], as?: { user?: string; password: string }) => rawCommand(server.host, server.port, args, as ?? {});
      const elsewhere = mkdtempSync(join(tmpdir(), 'redfort-dir-6x-'));
      try {
        assert.equal(await run(['ACL', 'SETUSER', 'cfg', 'on', `>${PW}`, '~*', '-@all', '+get', '+set', '+config|set']), 'OK');
        assert.equal(await run(['ACL', 'SETUSER', 'mod', 'on', `>${PW}`, '~*', '-@all', '+get', '+module|load']), 'OK');
        assert.equal(await run(['ACL', 'SETUSER', 'root', 'on', `>${PW}`, '~*', '+@all']), 'OK');
        assert.equal(await run(['ACL', 'SETUSER', 'default', 'off']), 'OK');
        const r = await auditTarget(resolveTarget(server.url, { user: 'root', pass: PW }, {}), { noProbe: true, noHost: true });
        const results = r.results.filter((x) => x.ruleId === RULE);
        const of = (user: string) => results.find((x) => x.message.startsWith(`user '${user}' `));
        assert.equal(of('cfg')?.status, 'fail', JSON.stringify(results.map((x) => `${x.status} ${x.message}`)));
        assert.match(of('cfg')!.message, /may run CONFIG SET \(granted by \+config\|set; no protected configs before Redis 7\.0\): CONFIG SET dir and dbfilename/);
        assert.equal(of('mod')?.status, 'fail');
        assert.match(of('mod')!.message, /may run MODULE LOAD \(granted by \+module\|load; no enable-module-command before Redis 7\.0\)/);
        for (const [k, v] of [['dir', elsewhere], ['dbfilename', 'chosen.txt']]) assert.equal(await run(['CONFIG', 'SET', k!, v!], { user: 'cfg', password: PW }), 'OK');
        assert.equal(await run(['SET', 'k', 'v'], { user: 'cfg', password: PW }), 'OK');
        assert.equal(await run(['SAVE'], { user: 'root', password: PW }), 'OK');
        assert.ok(existsSync(join(elsewhere, 'chosen.txt')));
        await assert.rejects(run(['MODULE', 'LOAD', join(elsewhere, 'none.so')], { user: 'mod', password: PW }), /Error loading the extension/);
      } finally {
        await server.stop();
        rmSync(elsewhere, { recursive: true, force: true });
      }
    });
  }
});
