import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { freePort } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';

// QA39-3: a server started with `--aclfile` and no config file (the docker-compose way: `redis-server --aclfile
// /data/users.acl`). The host stage read that ACL file (host.config-file-permissions named its passwords), but
// auth.weak-password saw only ACL LIST's hashes and passed on the one password it logged in with, and
// auth.plaintext-passwords skipped "the server's config file was not read". The ACL file the server names (CONFIG GET
// aclfile) is now read as the files stage reads a config file's aclfile. Real servers (Debian's redis-server).
const ADMIN = 'admin-password-0123456789abcdef';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const started: { child: ChildProcess; dir: string }[] = [];
after(() => {
  for (const { child, dir } of started) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** redis-server started with `--aclfile` and no config file. */
async function withAclFile(acl: string, args: readonly string[] = []): Promise<{ port: number; pid: number; path: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redfort-aclfile-only-'));
  const path = join(dir, 'users.acl');
  writeFileSync(path, acl, { mode: 0o600 });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--aclfile', path, ...args], { stdio: 'ignore', cwd: dir });
  started.push({ child, dir });
  await eventually('redis-server answers PING', async () => (await rawCommand('127.0.0.1', port, ['PING'], { user: 'admin', password: ADMIN }).catch(() => undefined)) === 'PONG');
  return { port, pid: child.pid!, path };
}

const audit = (port: number): Promise<TargetResult> => auditTarget(resolveTarget(`redis://admin@127.0.0.1:${port}`, { pass: ADMIN }, {}), { noProbe: true });
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id).map((x) => [x.status, x.message]);

describe('a server started with --aclfile and no config file (real servers)', () => {
  it('its ACL file is read: short and clear-text passwords fail; what the config file holds stays unknown', async () => {
    const acl = `user default off\nuser admin on >${ADMIN} ~* &* +@all\nuser app on >app-pass-12 ~app:* +get\nuser ro on #${sha('a password redfort never sees')} ~* +get\n`;
    const { port, path } = await withAclFile(acl);
    const r = await audit(port);
    assert.equal(r.error, undefined, r.error);
    assert.deepEqual(of(r, 'auth.weak-password'), [['fail', "user 'app' has an 11-character password (shorter than 16)"]]);
    assert.deepEqual(of(r, 'auth.plaintext-passwords'), [
      ['fail', "user 'admin' has 1 clear-text password ('>…')"],
      ['fail', "user 'app' has 1 clear-text password ('>…')"],
    ]);
    const found = r.results.find((x) => x.ruleId === 'auth.plaintext-passwords');
    assert.deepEqual(found?.source, { kind: 'file', path, line: 2 });
    // The title replaced the arguments and INFO names no config file: the settings are not compared, the users are.
    const [drift] = of(r, 'config.runtime-drift');
    assert.equal(drift?.[0], 'skip');
    assert.match(drift?.[1] ?? '', new RegExp(`^the running users match the ACL file ${path}, but the settings were not compared: the server's config file was not read: `));
    assert.doesNotMatch(JSON.stringify(r), /app-pass-12|admin-password-0123/);
  });

  it('hashes only: no clear-text password in the ACL file, yet the config file it may have is unknown (a skip)', async () => {
    const { port, path } = await withAclFile(`user default off\nuser admin on #${sha(ADMIN)} ~* &* +@all\n`);
    const [plain] = of(await audit(port), 'auth.plaintext-passwords');
    assert.equal(plain?.[0], 'skip');
    assert.match(plain?.[1] ?? '', new RegExp(`^no clear-text password in ${path} \\(the server's ACL file, CONFIG GET aclfile\\), but the server's config file was not read: `));
  });

  it('started without a config file, its command line readable: the ACL file is all there is; ACL SETUSER never saved is drift', async () => {
    const { port, pid } = await withAclFile(`user default off\nuser admin on #${sha(ADMIN)} ~* &* +@all\n`, ['--set-proc-title', 'no']);
    const r = await audit(port);
    assert.deepEqual(of(r, 'auth.plaintext-passwords'), [['pass', `no clear-text password in 1 file or on the command line of process ${pid}`]]);
    assert.deepEqual(of(r, 'config.runtime-drift'), [['pass', 'the running configuration matches 1 file']]);
    await rawCommand('127.0.0.1', port, ['ACL', 'SETUSER', 'later', 'on', `#${sha('x')}`, '~*', '+get'], { user: 'admin', password: ADMIN });
    const [drift] = of(await audit(port), 'config.runtime-drift');
    assert.equal(drift?.[0], 'fail', drift?.[1]);
    assert.match(drift?.[1] ?? '', /later/);
  });
});
