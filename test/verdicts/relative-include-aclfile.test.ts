import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { auditFiles, auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { rawCommand } from '../harness/raw.ts';
import { freePort } from '../harness/servers.ts';

// Where redis-server opens the files a config names by a relative path (checked on Debian's 7.0.15 below): an
// `include` from the directory it was started in, or the one a `dir` line before it moved to (config.c applies each
// line as it reads it, `dir` by chdir); the `aclfile` after the whole config, from where the last `dir` left it.

const statusOf = (r: TargetResult, id: string) => r.results.find((x) => x.ruleId === id)?.status;
const resultOf = (r: TargetResult, id: string) => r.results.find((x) => x.ruleId === id);

const base = mkdtempSync(join(tmpdir(), 'redfort-relative-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(base, { recursive: true, force: true });
});

/** redis-server started in `cwd` with `args` (a relative config path among them); resolves once it answers PING. */
async function serve(cwd: string, args: readonly string[], port: number): Promise<void> {
  const child = spawn('redis-server', args, { cwd, stdio: 'ignore' });
  children.push(child);
  for (let i = 0; i < 100; i++) {
    if (await rawCommand('127.0.0.1', port, ['PING']).then((r) => r === 'PONG', () => false)) return;
    await sleep(50);
  }
  throw new Error(`redis-server on ${port} did not start`);
}

describe('relative include and aclfile, as a real redis-server opens them', () => {
  let port = 0;
  let acl = 0;
  const inc = join(base, 'inc');
  const moved = join(base, 'moved');
  before(async () => {
    port = await freePort();
    acl = await freePort();
    // The server starts in inc/ with sub/a.conf: its `include b.conf` is inc/b.conf, not sub/b.conf beside a.conf.
    mkdirSync(join(inc, 'sub'), { recursive: true });
    writeFileSync(join(inc, 'sub', 'a.conf'), `include b.conf\nport ${port}\nsave ""\nappendonly no\n`);
    writeFileSync(join(inc, 'sub', 'b.conf'), 'bind 0.0.0.0\nprotected-mode no\n');
    writeFileSync(join(inc, 'b.conf'), 'bind 127.0.0.1\n');
    await serve(inc, ['sub/a.conf'], port);
    // `dir data` then `aclfile users.acl`: the server reads moved/data/users.acl, not moved/users.acl.
    mkdirSync(join(moved, 'data'), { recursive: true });
    writeFileSync(join(moved, 'data', 'users.acl'), 'user default on nopass ~* &* +@all\nuser x on >clear-text-password-here ~* +get\n');
    writeFileSync(join(moved, 'redis.conf'), `port ${acl}\nsave ""\nappendonly no\ndir ${join(moved, 'data')}\naclfile users.acl\n`);
    await serve('/', [join(moved, 'redis.conf')], acl);
  });

  it('the real server took inc/b.conf and data/users.acl', async () => {
    assert.deepEqual(await rawCommand('127.0.0.1', port, ['CONFIG', 'GET', 'bind']), ['bind', '127.0.0.1']);
    const users = (await rawCommand('127.0.0.1', acl, ['ACL', 'USERS'])) as string[];
    assert.deepEqual([...users].sort(), ['default', 'x']);
  });

  it('a live audit reads the include from where the process started: no drift, bind as it runs', async () => {
    const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${port}`, {}, {}), { noProbe: true });
    assert.equal(statusOf(r, 'config.runtime-drift'), 'pass', resultOf(r, 'config.runtime-drift')?.message);
    assert.match(resultOf(r, 'config.runtime-drift')!.message, /matches 2 files/);
    assert.equal(statusOf(r, 'network.bind-all-interfaces'), 'pass');
  });

  it('a file-only audit warns that a relative include depends on where the server starts', async () => {
    const r = await auditFiles({ configPath: join(inc, 'sub', 'a.conf') });
    assert.ok(r.warnings?.some((w) => w.includes(`${join(inc, 'sub', 'a.conf')}:1: include 'b.conf' is relative: redis-server opens it from the directory it was started in`)), JSON.stringify(r.warnings));
  });

  it('the aclfile is read from the last dir, in a file-only audit and beside the live server', async () => {
    const file = await auditFiles({ configPath: join(moved, 'redis.conf') });
    assert.equal(statusOf(file, 'auth.plaintext-passwords'), 'fail', resultOf(file, 'auth.plaintext-passwords')?.message);
    assert.deepEqual(resultOf(file, 'auth.plaintext-passwords')!.source, { kind: 'file', path: join(moved, 'data', 'users.acl'), line: 2 });
    const live = await auditTarget(resolveTarget(`redis://127.0.0.1:${acl}`, {}, {}), { noProbe: true });
    assert.equal(statusOf(live, 'auth.plaintext-passwords'), 'fail', resultOf(live, 'auth.plaintext-passwords')?.message);
    assert.equal(statusOf(live, 'config.runtime-drift'), 'pass', resultOf(live, 'config.runtime-drift')?.message);
  });
});
