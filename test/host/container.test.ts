import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { gatherLive } from '../../src/gather/live/gather-live.ts';
import { listeningConfigFile, listeningExecutable } from '../../src/gather/host/index.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { freePort } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';

// A server in its own mount namespace (a container: `docker run --network host`, or any runtime sharing the host's
// network) names files of its own root. The file at the same path on this machine is another file: judging it gave
// false drift, a plaintext password and permissions of the wrong file, and harden edited it (QA38-15). Here the
// server reads `inner/redis.conf` mounted over `view/` in its namespace, while this machine's `view/redis.conf` is a
// decoy with other settings; nothing of the decoy may reach a verdict, and the files are unknown, not passed.
const NAMESPACES = process.getuid?.() === 0 && (() => { try { execFileSync('unshare', ['-m', '--propagation', 'private', 'true'], { stdio: 'ignore' }); return true; } catch { return false; } })();
const PASSWORD = 'inner-password-0123456789abcdef';

describe('a server in another mount namespace', { skip: !NAMESPACES && 'needs root and mount namespaces (unshare -m)' }, () => {
  let work: string;
  let port: number;
  let child: ChildProcess;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'redfort-container-'));
    port = await freePort();
    for (const d of ['inner', 'view']) mkdirSync(join(work, d));
    writeFileSync(join(work, 'inner', 'redis.conf'), `port ${port}\nbind 127.0.0.1\nrequirepass ${PASSWORD}\nloglevel notice\nsave ""\ndir ${join(work, 'view')}\n`, { mode: 0o600 });
    writeFileSync(join(work, 'view', 'redis.conf'), `port ${port}\nbind 0.0.0.0\nprotected-mode no\nloglevel warning\nrequirepass host-decoy-password-0123456789\n`, { mode: 0o644 });
    const view = join(work, 'view');
    child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount --bind "$1" "$2" && exec redis-server "$2/redis.conf"`, 'sh', join(work, 'inner'), view], { stdio: 'ignore' });
    await eventually('the contained server', async () => (await rawCommand('127.0.0.1', port, ['PING'], { password: PASSWORD })) === 'PONG');
  });
  after(() => {
    child?.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('judges no file of this machine at the paths the server names: they are unknown, and say why', async () => {
    const result = await auditTarget(resolveTarget(`redis://:${PASSWORD}@127.0.0.1:${port}`, {}, {}), { noProbe: true });
    const byId = new Map(result.results.map((r) => [r.ruleId, r]));
    const text = JSON.stringify(result);
    assert.doesNotMatch(text, /0\.0\.0\.0|protected-mode is 'no'|loglevel is 'warning'/, 'nothing of the decoy file');
    assert.equal(byId.get('config.runtime-drift')?.status, 'skip');
    assert.match(byId.get('config.runtime-drift')!.message, /another mount namespace/);
    assert.equal(byId.get('host.config-file-permissions')?.status, 'skip');
    assert.notEqual(byId.get('auth.plaintext-passwords')?.status, 'fail');
    // What the process itself tells stays known: who it runs as.
    assert.notEqual(byId.get('host.runs-as-root')?.status, 'skip');
  });

  it('gives harden no config file, and the executable only because it is the very file of this machine', async () => {
    // What harden asks of a live local server: the config file INFO names, which here is the decoy's path.
    const live = await gatherLive(resolveTarget(`redis://:${PASSWORD}@127.0.0.1:${port}`, {}, {}));
    assert.ok(live.ok);
    const facts = live.facts;
    assert.equal(facts.server?.configFile, join(work, 'view', 'redis.conf'));
    const file = await listeningConfigFile('127.0.0.1', port, facts);
    assert.equal(file.known, false);
    assert.match(file.known ? '' : file.reason, /another mount namespace \(a container\) and sees another file at .*view\/redis\.conf/);
    // The namespace shares this machine's root: its redis-server is this machine's, which the drop-in may start.
    const exe = await listeningExecutable('127.0.0.1', port, facts);
    assert.equal(exe.known && exe.value.endsWith('/redis-server'), true);
  });
});
