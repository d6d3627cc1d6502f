import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { freePort } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';

// QA43-3: the Docker image's shape (`redis-server --port … --requirepass …`, no config file, set-proc-title yes), audited
// with --config: host.config-file-permissions told the user who gave --config to "pass --config if it has one".
const PASSWORD = 'qa43-3-password-k29dm4x7q';

describe('a server started without a config file, audited with --config (real 7.0.15)', () => {
  let server: ChildProcess;
  let port: number;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'redfort-qa43-3-'));
    await writeFile(join(dir, 'redis.conf'), 'appendonly yes\nprotected-mode no\n');
    port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', PASSWORD, '--dir', dir, '--save', ''], { cwd: dir, stdio: 'ignore' });
    await eventually('the server answers PING', async () => (await rawCommand('127.0.0.1', port, ['PING'], { password: PASSWORD }).catch(() => undefined)) === 'PONG');
  });
  after(async () => {
    server?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('the skip says why the file given is not judged as the server\'s, and never advises --config', async () => {
    const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${port}`, { pass: PASSWORD }, {}), { configPath: join(dir, 'redis.conf'), noProbe: true });
    assert.equal(r.error, undefined, r.error);
    const [perm] = r.results.filter((x) => x.ruleId === 'host.config-file-permissions');
    assert.equal(perm?.status, 'skip', perm?.message);
    assert.doesNotMatch(perm!.message, /pass --config/);
    assert.match(perm!.message, /nothing shows that it reads .*redis\.conf, given with --config, so that file is not judged as the server's own/);
    for (const x of r.results) assert.doesNotMatch(x.message, /pass --config if it has one/, x.ruleId);
  });
});
