import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis, startSentinels, stopAll } from '../harness/servers.ts';

// protected-mode 'no' behind a loopback-only bind failed network.protected-mode-off as critical ("anyone who reaches
// the port runs commands"), though protected mode refuses only non-loopback clients and such a bind admits none: today
// the same server with protected-mode 'yes' lets in exactly the same clients, and what is left is a second line of
// defence should bind widen: low. Debian's packaged sentinel.conf (protected-mode no) given a bind 127.0.0.1 line, or a
// redis.conf of the tutorials, is that shape. The open default user stays auth.no-authentication's (critical) finding.
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id).map((x) => `${x.status} ${x.severity}: ${x.message}`).join('\n');

describe('protected-mode no behind a loopback-only bind', () => {
  after(stopAll);

  it('a server: protected-mode-off is low, no-authentication stays critical', async () => {
    const redis = await startRedis({ conf: 'bind 127.0.0.1 -::1\nprotected-mode no', killOnStop: true });
    const result = await auditTarget(resolveTarget(redis.url, {}, {}), { noHost: true });
    assert.match(of(result, 'network.protected-mode-off'), /^fail low: protected-mode is 'no' while the default user logs in without a password; bind admits only loopback clients \('127\.0\.0\.1 -::1'\)/);
    assert.match(of(result, 'auth.no-authentication'), /^fail critical: /);
  });

  it('a sentinel (Debian sentinel.conf: protected-mode no) bound to loopback: the same', async () => {
    const master = await startRedis({ killOnStop: true });
    const [sentinel] = await startSentinels(1, master, { quorum: 1, conf: 'protected-mode no\nbind 127.0.0.1' });
    const result = await auditTarget(resolveTarget(sentinel!.url, {}, {}));
    assert.match(of(result, 'network.protected-mode-off'), /^fail low: protected-mode is 'no' while the default user logs in without a password; bind admits only loopback clients \('127\.0\.0\.1'\)/);
  });
});
