import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { realBuild, versionOf } from '../harness/builds.ts';
import { rawCommand, RespError } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// QA41-107: `bind … protected-mode yes` with a password-less default user is closed to other hosts on 7.0+ and open on
// 3.2-6.x (redis@6.2.16 networking.c applies protected mode only when `server.bindaddr_count == 0`). Audited without
// --redis-version, network.protected-mode-off took the unknown version for 7.x and passed it (critical) as a fact.

after(stopAll);

/** An address of this machine off the loopback: a client coming from it is not local to protected mode. */
function outsideAddress(): string | undefined {
  return Object.values(networkInterfaces()).flatMap((l) => l ?? []).find((a) => a.family === 'IPv4' && !a.internal)?.address;
}

const verdict = (r: TargetResult) => r.results.filter((x) => x.ruleId === 'network.protected-mode-off').map((x) => `${x.status} ${x.severity}: ${x.message}`).join('\n');

describe('protected-mode yes with a bind line, the version unknown (QA41-107)', () => {
  const outside = outsideAddress();
  const bind = `bind 127.0.0.1 ${outside ?? '0.0.0.0'}\nprotected-mode yes`;
  for (const [name, binary, open] of [['redis-6.2.16', realBuild('redis-6.2.16'), true], ['Debian 7.0.15', 'redis-server', false]] as const) {
    it(`${name}: ${open ? 'lets another host in' : 'refuses another host'}; the files alone are a skip, with the version the server's verdict`, async () => {
      const server = await startRedis({ binary, conf: bind, killOnStop: true });
      if (outside !== undefined) {
        const reply = await rawCommand(outside, server.port, ['PING']).catch((e: unknown) => e);
        if (open) assert.equal(reply, 'PONG');
        else assert.ok(reply instanceof RespError && reply.code === 'DENIED', String(reply));
      }
      const unknown = await auditFiles({ configPath: server.confPath });
      assert.match(verdict(unknown), /^skip critical: protected-mode is 'yes' and bind is set \('127\.0\.0\.1 [^']+'\) while the default user logs in without a password: Redis 7\.0\+ applies protected mode whatever bind says, 3\.2-6\.x ignore it when bind is set, and the files do not say which version runs them: pass --redis-version$/);
      const known = await auditFiles({ configPath: server.confPath, version: versionOf(binary === 'redis-server' ? '/usr/bin/redis-server' : binary) });
      assert.match(verdict(known), open ? /^fail critical: protected-mode is 'yes' but Redis 6 ignores it because bind is set/ : /^pass critical: protected-mode is 'yes': with a password-less default user only loopback and unix-socket clients are accepted$/);
    });
  }

  it('a loopback-only bind: both kinds of release admit only this host, so it passes whatever the version', async () => {
    const server = await startRedis({ conf: 'bind 127.0.0.1 -::1\nprotected-mode yes', killOnStop: true });
    assert.match(verdict(await auditFiles({ configPath: server.confPath })), /^pass critical: protected-mode is 'yes': with a password-less default user only loopback and unix-socket clients are accepted$/);
  });
});
