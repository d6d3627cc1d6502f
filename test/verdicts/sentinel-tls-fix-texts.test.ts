import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { audit } from '../probe/helpers.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// A sentinel has no CONFIG command, and SENTINEL CONFIG SET takes no TLS setting nor requirepass, yet the TLS rules
// and auth.requirepass-used told a sentinel to `CONFIG SET tls-auth-clients yes`, `CONFIG SET requirepass ""` and
// the like (seen on valkey-sentinel 8.0.1 as the Valkey Helm chart configures it: `tls-auth-clients no`), and
// tls.replication-plaintext said that "the full dataset" of a sentinel travels in clear text.
const PASSWORD = 'sentinel-requirepass-0123456789abcdef';

describe('fix texts on a sentinel with weak TLS settings and requirepass', () => {
  after(stopAll);

  it('name sentinel.conf and a restart, never a CONFIG SET the sentinel refuses', async () => {
    const master = await startRedis({ killOnStop: true });
    const sentinel = await startRedis({
      sentinel: true,
      tls: { authClients: 'no', plaintextPort: true },
      conf: [`sentinel monitor mymaster ${master.host} ${master.port} 1`, 'tls-prefer-server-ciphers no', 'tls-replication no', 'tls-protocols "TLSv1.1 TLSv1.2"', `requirepass ${PASSWORD}`].join('\n'),
      password: PASSWORD,
      killOnStop: true,
    });
    const refused = await rawCommand(sentinel.host, sentinel.port, ['CONFIG', 'SET', 'tls-auth-clients', 'yes'], { password: PASSWORD }).catch((e: Error) => e.message);
    assert.match(String(refused), /unknown command/i);
    const { results } = await audit(sentinel.url, { pass: PASSWORD }, { noProbe: true, noHost: true });
    const failed = (id: string) => {
      const found = results.filter((r) => r.ruleId === id && r.status === 'fail');
      assert.ok(found.length > 0, `${id}: ${results.filter((r) => r.ruleId === id).map((r) => `${r.status} ${r.message}`).join('\n')}`);
      return found;
    };
    for (const id of ['tls.client-auth-disabled', 'tls.server-ciphers-not-preferred', 'tls.weak-protocols', 'tls.plaintext-port-open', 'tls.replication-plaintext', 'auth.requirepass-used']) {
      for (const r of failed(id)) {
        assert.doesNotMatch(r.remediation, /`CONFIG SET/, `${id}: ${r.remediation}`);
        assert.match(r.remediation, /sentinel\.conf/, `${id}: ${r.remediation}`);
      }
    }
    const [replication] = failed('tls.replication-plaintext');
    assert.match(replication!.message, /this sentinel reaches the masters, their replicas and the other sentinels in clear text/);
    assert.doesNotMatch(replication!.message, /dataset/);
  });
});
