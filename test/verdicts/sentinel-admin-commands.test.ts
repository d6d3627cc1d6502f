import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles, auditTarget } from '../../src/app/audit.ts';
import type { RuleResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { expectStatus } from '../probe/helpers.ts';
import { rawCommand } from '../harness/raw.ts';
import { freePort, startRedis, stopAll } from '../harness/servers.ts';

// QA43-1: a sentinel.conf as the Bitnami chart's start-sentinel.sh writes it (auth.acl.sentinel on: a user of its own,
// +@all). `redis-server --sentinel` swaps in a command table of its own (15 commands: no CONFIG, FLUSHALL, MONITOR,
// REPLICAOF, DEBUG, MODULE), so the live audit of the sentinel names SHUTDOWN alone; the file-only audit of the same
// file listed CONFIG SET, FLUSHALL, FLUSHDB, MONITOR, REPLICAOF, SLAVEOF (DEBUG and MODULE LOAD with 6.2) "through ACL
// SETUSER", the commands of a redis-server.

const REQUIREPASS = 'sentinel-admin-requirepass-0123456789';
const USER_PASS = 'sentinel-admin-user-pass-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'redfort-sentinel-admin-'));
after(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

function sentinelConf(port: number, masterPort: number): string {
  const hash = createHash('sha256').update(USER_PASS).digest('hex');
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    `sentinel monitor mymaster localhost ${masterPort} 1`,
    `user my-user on #${hash} ~* &* +@all`,
    'sentinel sentinel-user my-user',
    `sentinel sentinel-pass ${USER_PASS}`,
    'sentinel auth-pass mymaster sentinel-admin-master-pass-0123',
    `requirepass ${REQUIREPASS}`,
    'sentinel resolve-hostnames yes',
    'sentinel announce-ip localhost',
    '',
  ].join('\n');
}

const ONLY_SHUTDOWN = /^1 admin command is neither renamed nor denied to every user: SHUTDOWN \(default, my-user\)$/;
const verdict = (results: readonly RuleResult[]) => expectStatus(results, 'commands.dangerous-not-renamed', 'fail')[0]!;

describe('commands.dangerous-not-renamed judges a Sentinel by its own commands (QA43-1)', () => {
  it('a live 7.0 sentinel has no CONFIG, FLUSHALL, MONITOR or REPLICAOF: its file-only audit says SHUTDOWN alone, as the live one', async () => {
    const masterPort = await freePort();
    const file = join(dir, 'sentinel.conf');
    const sentinel = await startRedis({
      sentinel: true,
      password: REQUIREPASS,
      killOnStop: true,
      confText: (port) => {
        // The file as written, before the running sentinel rewrites its own copy.
        writeFileSync(file, sentinelConf(port, masterPort));
        return sentinelConf(port, masterPort);
      },
    });
    const raw = (args: string[]) => rawCommand(sentinel.host, sentinel.port, args, { password: REQUIREPASS }).then(String, (e: Error) => e.message);
    for (const args of [['CONFIG', 'GET', 'port'], ['FLUSHALL'], ['MONITOR'], ['REPLICAOF', 'no', 'one'], ['DEBUG', 'help']]) {
      assert.match(await raw(args), /unknown command/i, args.join(' '));
    }
    const live = await auditTarget(resolveTarget(sentinel.url, {}, { REDISCLI_AUTH: REQUIREPASS }));
    assert.match(verdict(live.results).message, ONLY_SHUTDOWN);

    for (const version of ['7.0.15', '7.2.6', '6.2.16', 'valkey-9.1.2', undefined]) {
      const { results } = await auditFiles({ sentinelConfigPath: file, version });
      const found = verdict(results);
      assert.match(found.message, ONLY_SHUTDOWN, `--redis-version ${version}`);
      // Not renamed: no command of a Sentinel.
      assert.ok(found.evidence.includes('config: no command of a Sentinel'), found.evidence.join('\n'));
      assert.ok(found.evidence.includes('flushall: no command of a Sentinel'), found.evidence.join('\n'));
    }
    // A 6.0 sentinel has no ACL command and loads no user lines (its one user is default); it refuses `&*` in one.
    const file60 = join(dir, 'sentinel-6.0.conf');
    const hash = createHash('sha256').update(USER_PASS).digest('hex');
    writeFileSync(file60, `port 26379\nsentinel monitor mymaster 127.0.0.1 ${masterPort} 1\nuser my-user on #${hash} ~* +@all\nrequirepass ${REQUIREPASS}\n`);
    const { results } = await auditFiles({ sentinelConfigPath: file60, version: '6.0.20' });
    assert.match(verdict(results).message, /^1 admin command is neither renamed nor denied to every user: SHUTDOWN \(default\)$/);
  });

  it("a sentinel's rename-command of SHUTDOWN hides it; the rest are still no commands of a Sentinel", async () => {
    const file = join(dir, 'renamed.conf');
    writeFileSync(file, `${sentinelConf(26379, 6379)}rename-command SHUTDOWN ""\n`);
    const { results } = await auditFiles({ sentinelConfigPath: file, version: '7.0.15' });
    const [found] = expectStatus(results, 'commands.dangerous-not-renamed', 'pass');
    assert.match(found!.message, /or hidden \(shutdown renamed or removed; config, debug, module, flushall, flushdb, monitor, replicaof, slaveof no commands of a Sentinel\)$/);
  });
});
