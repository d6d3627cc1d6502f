import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles, auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { MAX_PERMISSION_SETS } from '../../src/acl/limits.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawPipeline } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// Each permission set (a user's rules, or a selector) is evaluated over the command table by every rule that reads the
// users. An ACL LIST or ACL file of a few MiB held 60,000 users (or one user with a million selectors): judging them
// took a minute of CPU and a gigabyte, during which 14 of 200 healthy servers of the same fleet run timed out. Beyond
// MAX_PERMISSION_SETS the users are not judged: the rules that need them skip and say why; the others are judged.
const work = mkdtempSync(join(tmpdir(), 'redfort-acl-limits-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const many = MAX_PERMISSION_SETS + 1;

function assertNotJudged(result: TargetResult, what: RegExp): void {
  assert.equal(result.error, undefined);
  const status = (id: string) => result.results.filter((r) => r.ruleId === id).map((r) => `${r.status}: ${r.message}`).join('\n');
  for (const id of ['auth.dangerous-commands-allowed', 'auth.weak-password', 'auth.default-user-enabled', 'commands.dangerous-not-renamed']) {
    assert.match(status(id), new RegExp(`^skip: ${what.source}.*: more than the 10,000 permission sets .* so its users are not judged`), id);
  }
  assert.match(status('logging.loglevel-too-quiet'), /^pass: /, 'the rules that need no user are judged');
}

describe('an ACL too large to judge', () => {
  it(`a live server with ${many} users: its users are not judged, in bounded time`, async () => {
    const server = await startRedis({ killOnStop: true });
    const commands = Array.from({ length: many }, (_, i) => ['ACL', 'SETUSER', `u${i}`, 'on', `>p${i}`, `~k${i}:*`, '+@all']);
    for (let i = 0; i < commands.length; i += 2000) await rawPipeline(server.host, server.port, commands.slice(i, i + 2000));
    const started = Date.now();
    const result = await auditTarget(resolveTarget(server.url, {}, {}), { commandTimeoutMs: 10_000, noHost: true, noProbe: true });
    assertNotJudged(result, /ACL LIST holds 10,002 users/);
    assert.ok(Date.now() - started < 5_000, `${Date.now() - started} ms`);
    await server.stop();
  });

  it('an ACL file of more users, or of one user with more selectors', async () => {
    const users = join(work, 'users.acl');
    writeFileSync(users, ['user default off', ...Array.from({ length: many }, (_, i) => `user u${i} on >p${i}password ~k${i}:* +@all`)].join('\n') + '\n');
    const selectors = join(work, 'selectors.acl');
    writeFileSync(selectors, `user default off\nuser big on nopass ${'(+get ~x) '.repeat(many)}\n`);
    for (const [path, what] of [[users, /the ACL file \S+users\.acl holds 10,002 users/], [selectors, /the ACL file \S+selectors\.acl holds 2 users with 10,001 selectors/]] as const) {
      const conf = join(work, 'redis.conf');
      writeFileSync(conf, `aclfile ${path}\nloglevel notice\n`);
      assertNotJudged(await auditFiles({ configPath: conf, version: '7.2.4' }), what);
    }
  });
});
