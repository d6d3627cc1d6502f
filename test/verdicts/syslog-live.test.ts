import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// Issue 11: "log to syslog" passed the logging rules on a host with no /dev/log, where nothing is logged.
describe('syslog-enabled yes, judged against /dev/log where the server runs', () => {
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({ conf: 'syslog-enabled yes\nsyslog-ident redfort-test', killOnStop: true });
  });
  after(() => redis?.stop());

  it('fails logging.syslog-disabled only when /dev/log is missing, and says so', async () => {
    const r = await auditTarget(resolveTarget(redis.url, {}, {}), { noProbe: true });
    const [syslog] = r.results.filter((x) => x.ruleId === 'logging.syslog-disabled');
    // The same test holds on a host with and without a syslog socket: the verdict must follow it.
    if (existsSync('/dev/log')) {
      assert.equal(syslog?.status, 'pass', syslog?.message);
    } else {
      assert.equal(syslog?.status, 'fail', syslog?.message);
      assert.match(syslog!.message, /\/dev\/log does not exist where the server runs/);
    }
  });
});
