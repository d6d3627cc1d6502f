// QA44-53: INFO server's listener lines (read when CONFIG GET is renamed away and no config file is read, QA43-10)
// skipped the checks CONFIG GET's values get: 900,000 `bind=` in one listener cost 14 s of CPU and 576 MB for one
// target, and a port `-1` or `99999999999999999999` was taken as a setting (tls.disabled failed on "tls-port '-1'").
// A listener line gets CONFIG GET's checks (at most 16 binds, a port of digits up to 65535, a socket path a server
// takes), read pair by pair up to a bound; else the server is hostile: the rules skip, saying so. A real 7.0.15 with
// CONFIG renamed away, behind a proxy that writes such listener lines into INFO server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import type { RespValue } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import type { FakeServer } from '../helpers/fake-resp-server.ts';

let real: RunningServer;
after(stopAll);
before(async () => {
  real = await startRedis({ conf: 'rename-command CONFIG ""' });
});

/** The real server behind a proxy whose INFO server has no config_file and the given listener lines. */
function withListeners(lines: string): Promise<FakeServer> {
  return forwardingProxy(real, {
    rewrite: (argv, reply): RespValue => {
      if (argv[0]?.toLowerCase() !== 'info' || typeof reply !== 'string') return reply;
      return reply.replace(/^config_file:.*\r?\n/m, 'config_file:\r\n').replace(/^executable:/m, `${lines}\r\nexecutable:`);
    },
  });
}

async function audit(lines: string) {
  const proxy = await withListeners(lines);
  try {
    return await auditTarget(resolveTarget(`redis://127.0.0.1:${proxy.port}`, {}, {}), { noHost: true, noProbe: true });
  } finally {
    await proxy.close();
  }
}

describe("INFO server's listener lines get CONFIG GET's checks (QA44-53)", () => {
  it('sound lines: bind and TLS judged from them, as before', async () => {
    const r = await audit('listener0:name=tcp,bind=0.0.0.0,port=6379');
    assert.equal(r.error, undefined, r.error);
    const bind = r.results.find((x) => x.ruleId === 'network.bind-all-interfaces');
    assert.equal(bind?.status, 'fail', bind?.message);
  });

  it('a port of -1 or 20 digits: skipped as a hostile server, never a setting', async () => {
    const r = await audit('listener0:name=tcp,bind=0.0.0.0,port=99999999999999999999\r\nlistener1:name=unix,bind=/etc/shadow,port=0\r\nlistener2:name=tls,bind=0.0.0.0,port=-1');
    assert.equal(r.error, undefined, r.error);
    for (const id of ['tls.disabled', 'network.bind-all-interfaces', 'network.unix-socket-permissions']) {
      const x = r.results.find((y) => y.ruleId === id);
      assert.equal(x?.status, 'skip', `${id}: ${x?.status} ${x?.message}`);
      assert.match(x!.message, /listener0 has the port '99999999999999999999', which no Redis or Valkey lists: a hostile server, or no Redis/, id);
    }
  });

  it('100,000 binds in one listener: refused at the 25th field, in little CPU', async () => {
    const binds = Array.from({ length: 100_000 }, (_, i) => `bind=10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`).join(',');
    const cpu = process.cpuUsage();
    const r = await audit(`listener0:name=tcp,${binds},port=6379`);
    const used = process.cpuUsage(cpu);
    assert.equal(r.error, undefined, r.error);
    const bind = r.results.find((x) => x.ruleId === 'network.bind-all-interfaces');
    assert.equal(bind?.status, 'skip', bind?.message);
    assert.match(bind!.message, /listener0 has more than 24 fields, which no Redis or Valkey lists: a hostile server/);
    assert.ok(used.user + used.system < 5_000_000, `${(used.user + used.system) / 1000} ms of CPU`);
  });
});
