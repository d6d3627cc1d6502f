import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { makeCerts } from '../harness/certs.ts';
import type { RespValue } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { err } from '../helpers/fake-resp-server.ts';
import type { FakeServer } from '../helpers/fake-resp-server.ts';

// A server on this machine names its tls-cert-file in CONFIG GET. redfort read whatever path a loopback target named,
// as root, and described the file in the report (a private certificate's subject and expiry; for another file, whether
// it exists and that it is no certificate), even when the port was held by a process that is no Redis server at all:
// a proxy any local user can run. Now it is read only when the listening process is a Redis or Valkey server whose
// own user can read it, the rule INFO's config_file already followed.
describe("tls-cert-file: a local server's word is not a path root redfort follows", () => {
  let real: RunningServer;
  let proxy: FakeServer;
  let secret: string;
  const dir = mkdtempSync(join(tmpdir(), 'redfort-certword-'));
  before(async () => {
    const certs = await makeCerts();
    secret = join(dir, 'private.crt');
    copyFileSync(certs.expiringCert, secret);
    real = await startRedis({ conf: 'save ""', killOnStop: true });
    // A real 7.0.15 behind a proxy whose CONFIG GET claims TLS with that certificate.
    proxy = await forwardingProxy(real, {
      local: (argv) => (argv[0]!.toUpperCase() === 'HELLO' ? err('ERR unknown command') : undefined),
      rewrite(argv, reply) {
        if (argv.slice(0, 2).join(' ').toUpperCase() !== 'CONFIG GET' || !Array.isArray(reply)) return reply;
        const lies: Record<string, string> = { 'tls-port': String(real.port + 1), 'tls-cert-file': secret };
        const pairs: RespValue[] = [];
        for (let i = 0; i + 1 < reply.length; i += 2) pairs.push(reply[i]!, lies[String(reply[i])] ?? reply[i + 1]!);
        return pairs;
      },
    });
  });
  after(async () => {
    await proxy?.close();
    await real?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const certificate = (r: TargetResult) => r.results.filter((x) => x.ruleId === 'tls.certificate').map((x) => `${x.status}: ${x.message}`).join('\n');

  it('a port held by a process that is not a Redis server: the file is not read, and the report says why', async () => {
    const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${proxy.port}`, {}, {}), { commandTimeoutMs: 5000, connectTimeoutMs: 2000 });
    assert.equal(r.error, undefined);
    const text = certificate(r);
    assert.doesNotMatch(text, /CN=localhost|expires on|holds no readable/, text);
    assert.match(text, new RegExp(`^skip: .*tls-cert-file ${secret.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} was not read: port ${proxy.port} is held by '(node|MainThread)'`, 'm'));
  });

  it('the same with --no-host: the process is still looked up before the file is read', async () => {
    const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${proxy.port}`, {}, {}), { commandTimeoutMs: 5000, connectTimeoutMs: 2000, noHost: true, noProbe: true });
    assert.doesNotMatch(certificate(r), /CN=localhost|expires on/);
  });
});
