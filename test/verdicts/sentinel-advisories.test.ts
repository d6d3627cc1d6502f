import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { audit } from '../probe/helpers.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startSentinels, stopAll } from '../harness/servers.ts';

// A sentinel has no RESTORE, no HyperLogLog commands and never loads an RDB file, yet the advisories reached only
// through them kept their severity there, with a mitigation the sentinel refuses: `ACL SETUSER <user> -restore
// -restore-asking` answers "Unknown command or category name in ACL" (seen on redis-sentinel 6.2.16 to 8.0-m01 and
// valkey-sentinel 8.0.1 built from source).
describe('version.known-vulnerabilities on a sentinel', () => {
  after(stopAll);

  it('lowers the advisories reached through commands a sentinel does not have, and asks for no ACL it refuses', async () => {
    const master = await startRedis({ killOnStop: true });
    const [sentinel] = await startSentinels(1, master, { quorum: 1 });
    const refused = await rawCommand(sentinel!.host, sentinel!.port, ['ACL', 'SETUSER', 'probe', '-restore', '-restore-asking']).catch((e: Error) => e.message);
    assert.match(String(refused), /Unknown command or category name in ACL/);
    const { results } = await audit(sentinel!.url, {}, { noProbe: true, noHost: true });
    const findings = results.filter((r) => r.ruleId === 'version.known-vulnerabilities' && r.status === 'fail');
    const restore = findings.filter((r) => /\bRESTORE\b/.test(r.message.split(';')[0]!));
    const hll = findings.filter((r) => /HyperLogLog/.test(r.message.split(';')[0]!));
    assert.ok(restore.length + hll.length > 0, `no RESTORE or HyperLogLog advisory for this version:\n${findings.map((r) => r.message.slice(0, 100)).join('\n')}`);
    // The ACL key-permission bugs (SORT_RO, keyspecs) need commands that take keys: a sentinel has none.
    const keyed = findings.filter((f) => /^(CVE-2023-41053|REDIS-2026-08-ACL-KEY-MISMATCH|REDIS-2026-08-KEYNUM-OOB) /.test(f.message));
    assert.ok(keyed.length > 0, 'no ACL key-permission advisory for this version');
    for (const r of keyed) {
      assert.equal(r.severity, 'low', r.message);
      assert.match(r.message, /lowered: it needs commands that take keys, and none of a sentinel's does/);
    }
    for (const r of [...restore, ...hll]) {
      assert.equal(r.severity, 'low', r.message);
      assert.match(r.message, /lowered: it needs (RESTORE|the HyperLogLog commands \(PFADD, PFCOUNT, PFMERGE, PFDEBUG\)), which a sentinel does not have/);
      assert.doesNotMatch(r.remediation, /ACL SETUSER <user> -(restore|@hyperloglog)/, r.remediation);
    }
  });
});
