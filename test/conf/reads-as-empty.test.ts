import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// QA41-114: fopen() of a directory (or /dev/null) succeeds on Linux and fgets() returns nothing. redis-server
// (6.2.16, 7.0.15, 8.6.3, valkey 9.1.2) starts with `include DIR` (no setting added) and with `aclfile DIR` or
// `aclfile /dev/null` (default user 'on nopass ~* &* +@all', requirepass ignored). redfort called the include a
// refusal (exit 2) and the users unknown (skip): it models them as empty files, never opening them.
const d = mkdtempSync(join(tmpdir(), 'redfort-empty-'));
mkdirSync(join(d, 'sub.conf'));
mkdirSync(join(d, 'acl'));
after(async () => { await stopAll(); rmSync(d, { recursive: true, force: true }); });
const PW = 'Zq7SomeLongPassword1234';

function status(result: TargetResult, id: string): string | undefined {
  return result.results.find((r) => r.ruleId === id)?.status;
}

describe('aclfile or include naming a directory, aclfile /dev/null', () => {
  for (const acl of [join(d, 'acl'), '/dev/null']) {
    it(`aclfile ${acl}: the server starts with default nopass, and redfort judges that`, async () => {
      const conf = `requirepass ${PW}\ninclude ${join(d, 'sub.conf')}\naclfile ${acl}\n`;
      const server = await startRedis({ conf });
      assert.deepEqual(await rawCommand(server.host, server.port, ['ACL', 'LIST']), ['user default on nopass ~* &* +@all']);
      await server.stop();
      const file = join(d, acl === '/dev/null' ? 'null.conf' : 'dir.conf');
      writeFileSync(file, `port 7000\nbind 127.0.0.1\n${conf}`);
      const result = await auditFiles({ configPath: file });
      assert.equal(result.error, undefined);
      assert.equal(status(result, 'auth.no-authentication'), 'fail');
      assert.equal(status(result, 'auth.default-user-enabled'), 'fail');
      const warnings = result.warnings ?? [];
      assert.ok(warnings.some((w) => w === `${file}:4: include '${join(d, 'sub.conf')}' is a directory: redis-server reads nothing from it (no setting added)`), warnings.join('\n'));
      assert.ok(warnings.some((w) => w.startsWith(`the ACL file ${acl} is ${acl === '/dev/null' ? '/dev/null' : 'a directory'}: redis-server reads no user from it`)), warnings.join('\n'));
      assert.ok(!JSON.stringify(result).includes(PW));
    });
  }
});
