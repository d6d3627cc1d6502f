import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { processMode } from '../../src/facts/host.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// A server or sentinel that takes no command before AUTH, audited without credentials, is still known by the process
// listening on its port: the JSON report's `kind` is absent only when nothing tells what the target is (QA38-6).
after(stopAll);

describe('kind of a target audited without credentials', () => {
  let server: RunningServer;
  let sentinel: RunningServer;
  before(async () => {
    [server, sentinel] = await Promise.all([
      startRedis({ conf: 'requirepass kind-test-password-0123456789', password: 'kind-test-password-0123456789' }),
      startRedis({ sentinel: true, conf: 'requirepass kind-test-password-0123456789', password: 'kind-test-password-0123456789' }),
    ]);
  });

  for (const [name, running, kind] of [['a redis-server', () => server, 'server'], ['a redis-sentinel', () => sentinel, 'sentinel']] as const) {
    it(`${name} is kind ${kind} from the process on its port`, async () => {
      const result = await auditTarget(resolveTarget(running().url, {}, {}), { noProbe: true });
      assert.ok(result.results.some((r) => r.status !== 'error'), 'the target was reached and judged');
      assert.equal(result.server, undefined, 'no INFO without credentials');
      assert.equal(result.kind, kind);
      assert.equal(result.role, kind === 'sentinel' ? 'sentinel' : undefined);
    });
  }

  it('tells a sentinel by its name, its --sentinel argument or its process title, and nothing else', () => {
    assert.equal(processMode({ name: 'redis-sentinel', cmdline: ['redis-sentinel *:26379'] }), 'sentinel');
    assert.equal(processMode({ name: 'redis-server', cmdline: ['/usr/bin/redis-server', '/etc/sentinel.conf', '--sentinel'] }), 'sentinel');
    assert.equal(processMode({ name: 'valkey-server', cmdline: ['valkey-server *:26379 [sentinel]'] }), 'sentinel');
    assert.equal(processMode({ name: 'redis-server', cmdline: ['redis-server 127.0.0.1:6379'] }), 'server');
    assert.equal(processMode({ name: 'redis-server', cmdline: ['redis-server *:7000 [cluster]'] }), 'server');
    assert.equal(processMode({ name: 'haproxy', cmdline: ['haproxy', '--sentinel'] }), undefined);
  });
});
