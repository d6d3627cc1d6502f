import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import type { FakeServer } from '../helpers/fake-resp-server.ts';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import { err } from '../helpers/fake-resp-server.ts';

// A hostile server (a real 7.0.15 behind a proxy) whose CONFIG GET gives settings megabytes long, `save` with
// 3 million numbers, and whose ACL LIST has users with names of a megabyte. persistence.none passed with
// "persistence: RDB (save '3600 1 3600 1 …')", the whole 10 MB value, in every report format; logfile, loglevel,
// aclfile, syslog-enabled and the user names were quoted whole too. A message quotes the start of a server's value
// and its length (util/shown.ts clipped), and no result's text is longer than the engine's bound.
const LONG: Record<string, string> = {
  save: '3600 1 '.repeat(1_500_000).trim(),
  logfile: `/var/log/${'x'.repeat(1_000_000)}.log`,
  loglevel: 'w'.repeat(1_000_000),
  aclfile: `/etc/${'a'.repeat(1_000_000)}.acl`,
  'syslog-enabled': 'n'.repeat(1_000_000),
};
const USERS = [`user ${'u'.repeat(1_000_000)} on nopass ~* &* +@all`, `user ${'v'.repeat(1_000_000)} on #${'0'.repeat(64)} ~* &* +@all -@dangerous`];

describe('a hostile server whose settings and user names are megabytes long', () => {
  let real: RunningServer;
  let hostile: FakeServer;
  before(async () => {
    real = await startRedis({ killOnStop: true });
    hostile = await forwardingProxy(real, {
      local: (argv) => (argv[0]!.toUpperCase() === 'HELLO' ? err('ERR unknown command') : undefined),
      rewrite(argv, reply) {
        const command = argv.slice(0, 2).join(' ').toUpperCase();
        if (command === 'ACL LIST' && Array.isArray(reply)) return [...reply, ...USERS];
        if (command !== 'CONFIG GET' || !Array.isArray(reply)) return reply;
        return reply.map((v, i) => (i % 2 === 1 && String(reply[i - 1]) in LONG ? LONG[String(reply[i - 1])]! : v));
      },
    });
  });
  after(async () => {
    await hostile?.close();
    await real?.stop();
  });

  it('quotes at most the start of each value, with its length', async () => {
    const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${hostile.port}`, {}, {}), { commandTimeoutMs: 20_000, noHost: true, noProbe: true });
    assert.equal(r.error, undefined);
    const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id).map((x) => x.message);
    assert.match(of(r, 'persistence.none').join(), /^persistence: RDB \(save '(3600 1 ){28}3600… \(10499999 characters\)'\)$/);
    assert.match(of(r, 'logging.syslog-disabled').join(), /^syslog-enabled is 'n{200}… \(1000000 characters\)': logs stay on this host$/);
    assert.match(of(r, 'auth.weak-password').join('\n'), /^user 'u{200}… \(1000000 characters\)' is 'nopass'/m);
    const long = r.results.filter((x) => [x.message, x.remediation, ...x.evidence].some((text) => text.length > 4100)).map((x) => x.ruleId);
    assert.deepEqual(long, []);
  });
});
