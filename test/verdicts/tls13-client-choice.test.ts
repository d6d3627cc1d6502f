import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { makeCerts } from '../harness/certs.ts';
import type { CertSet } from '../harness/certs.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// A TLS 1.3-only server (tls-protocols "TLSv1.3", as letsencrypt/boulder's redis configs of the corpus) with
// tls-prefer-server-ciphers at its default 'no' failed tls.server-ciphers-not-preferred ("a client can steer the
// handshake to the weakest suite"), though every suite OpenSSL offers there is an AEAD suite with a full-length tag and
// Mozilla's modern profile lets the client choose. The one weaker TLS 1.3 suite, CCM_8 (8-byte tag), still fails it.
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id).map((x) => `${x.status}: ${x.message}`).join('\n');

describe('tls.server-ciphers-not-preferred on real TLS 1.3-only servers', () => {
  let certs: CertSet;
  after(stopAll);
  before(async () => {
    certs = await makeCerts();
  });

  async function audit(conf: string): Promise<TargetResult> {
    const redis = await startRedis({ tls: { authClients: 'no', certs }, conf: `tls-protocols TLSv1.3\ntls-prefer-server-ciphers no\n${conf}`, killOnStop: true });
    try {
      return await auditTarget(resolveTarget(`rediss://127.0.0.1:${redis.port}`, { cacert: certs.ca }, {}), { noHost: true });
    } finally {
      await redis.stop();
    }
  }

  it("OpenSSL's default TLS 1.3 suites leave nothing weak to steer to: pass", async () => {
    const result = await audit('');
    assert.match(of(result, 'tls.server-ciphers-not-preferred'), /^pass: tls-prefer-server-ciphers is 'no', but the server speaks TLS 1\.3 only and every suite it offers .* no weak suite/);
    // The wire agrees: the probe saw TLS 1.3 suites only.
    assert.match(of(result, 'tls.weak-protocols'), /^pass: /);
  });

  it('a TLS 1.3 list with CCM_8 (an 8-byte tag) still fails', async () => {
    const result = await audit('tls-ciphersuites TLS_AES_256_GCM_SHA384:TLS_AES_128_CCM_8_SHA256');
    assert.match(of(result, 'tls.server-ciphers-not-preferred'), /^fail: tls-prefer-server-ciphers is 'no': a client can steer/);
  });
});
