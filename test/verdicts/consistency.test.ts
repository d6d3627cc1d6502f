import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { freePort, startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// Found by auditing the corpus's letsencrypt/boulder configs (port 0, tls-port, CONFIG renamed) live and from their
// files on a real 7.0.15: with the command line unknown (set-proc-title), the skip said "they do override it: INFO
// tcp_port is N, the file gives port 0", though Redis reports the TLS port as tcp_port when `port` is 0.
describe('CONFIG renamed on a TLS-only server: INFO tcp_port is the tls-port', () => {
  let tlsOnly: RunningServer;
  let overridden: RunningServer;
  let plainPort: number;
  before(async () => {
    plainPort = await freePort('127.0.0.1');
    [tlsOnly, overridden] = await Promise.all([
      startRedis({ tls: { authClients: 'no' }, conf: 'rename-command CONFIG ""', killOnStop: true }),
      // The same file, but the command line opens a plaintext port: that does override it.
      startRedis({ tls: { authClients: 'no' }, conf: 'rename-command CONFIG ""', args: ['--port', String(plainPort)], killOnStop: true }),
    ]);
  });
  after(() => Promise.all([tlsOnly?.stop(), overridden?.stop()]));

  const audit = (url: string, server: RunningServer) =>
    auditTarget(resolveTarget(url, url.startsWith('rediss:') ? { cacert: server.certs!.ca } : {}, {}), { noProbe: true });
  const bind = (r: TargetResult) => r.results.filter((x) => x.ruleId === 'network.bind-all-interfaces');

  it('port 0 and tls-port N with tcp_port N: unknown command line, no claim of an override', async () => {
    const [result] = bind(await audit(`rediss://127.0.0.1:${tlsOnly.port}`, tlsOnly));
    assert.equal(result?.status, 'skip', result?.message);
    assert.match(result!.message, /may not hold the running values: .* they are unknown \(set-proc-title/);
    assert.doesNotMatch(result!.message, /override it:/);
  });

  it('a --port on the command line still shows as an override', async () => {
    const [result] = bind(await audit(`redis://127.0.0.1:${plainPort}`, overridden));
    assert.equal(result?.status, 'skip', result?.message);
    assert.match(result!.message, new RegExp(`; they do override it: INFO tcp_port is ${plainPort}, the file gives port 0 and tls-port ${overridden.tlsPort}$`));
  });
});

// The same audits: with CONFIG renamed (settings unknown), commands.dangerous-not-renamed counted MODULE LOAD as
// reachable ('4 admin commands'; 3 from the file) though 7.0's enable-module-command, unknown here, refuses it to
// every client unless it is 'yes' or 'local'. A user allowed only MODULE LOAD and DEBUG among the admin commands
// made the rule fail on a 7.0.15 that refuses both (compiled default 'no').
describe('CONFIG renamed on 7.0.15: DEBUG and MODULE LOAD behind switches that cannot be read', () => {
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({
      // -acl|setuser: with ACL SETUSER the user grants itself the rest (QA41-18).
      conf: 'rename-command CONFIG ""\nuser default on nopass ~* &* +@all -flushall -flushdb -shutdown -monitor -replicaof -slaveof -acl|setuser',
      killOnStop: true,
    });
  });
  after(() => redis?.stop());

  it('the truth: the server refuses both to a user whose ACL allows them', async () => {
    await assert.rejects(rawCommand(redis.host, redis.port, ['MODULE', 'LOAD', '/nonexistent.so']), /MODULE command not allowed/);
    await assert.rejects(rawCommand(redis.host, redis.port, ['DEBUG', 'SLEEP', '0']), /DEBUG command not allowed/);
  });

  it('is skipped (unknown), not failed', async () => {
    const r = await auditTarget(resolveTarget(redis.url, {}, {}), { noProbe: true });
    const [result] = r.results.filter((x) => x.ruleId === 'commands.dangerous-not-renamed');
    assert.equal(result?.status, 'skip', result?.message);
    assert.match(result!.message, /^DEBUG \(default\), MODULE LOAD \(default\) are allowed by ACL, and whether enable-debug-command, enable-module-command \(7\.0\+\) refuse them to every client is unknown: /);
  });
});
