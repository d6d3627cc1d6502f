import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
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
