import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { auditFiles, auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { loopbackName } from '../harness/names.ts';
import { startRedis, stopAll } from '../harness/servers.ts';

// QA41-1: a host name in bind (`bind vm`, a compose service name) failed network.bind-all-interfaces ('exposes Redis
// beyond loopback', high) and made tls.disabled high ('listeners reach: public'), though the server resolves it at start
// (getaddrinfo) and here listens on 127.0.0.1 only. Live on this machine it is judged on the addresses the process
// listens on (host facts); from the file alone, not judged.
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id).map((x) => ({ status: x.status, severity: x.severity, message: x.message, evidence: x.evidence }));

describe('bind names this machine by a host name that resolves to loopback', () => {
  after(stopAll);

  it('live with host facts: judged on the listener, 127.0.0.1; from the file alone: not judged', async () => {
    const name = await loopbackName();
    const redis = await startRedis({ conf: `bind ${name}`, killOnStop: true });
    const live = await auditTarget(resolveTarget(redis.url, {}, {}), { noProbe: true });
    const [bind] = of(live, 'network.bind-all-interfaces');
    assert.equal(bind?.status, 'pass', bind?.message);
    assert.equal(bind?.message, `bind is '${name}'; '${name}' is a host name: the server listens on 127.0.0.1`);
    const [tls] = of(live, 'tls.disabled');
    assert.equal(tls?.severity, 'medium', tls?.message);
    assert.deepEqual(tls?.evidence, ['listeners reach: loopback']);

    const file = await auditFiles({ configPath: redis.confPath, version: '7.0.15' });
    const [fileBind] = of(file, 'network.bind-all-interfaces');
    assert.equal(fileBind?.status, 'skip', fileBind?.message);
    assert.match(fileBind!.message, new RegExp(`^bind is '${name}': '${name}' is a host name, which the server resolves where it starts, and what it resolves to where the server runs is not known to this audit`));
    const [fileTls] = of(file, 'tls.disabled');
    assert.equal(fileTls?.severity, 'medium', fileTls?.message);
    assert.equal(fileTls?.evidence[0], 'listeners reach: unknown');
  });
});
