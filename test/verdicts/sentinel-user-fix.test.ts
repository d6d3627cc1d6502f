import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import rule from '../../src/rules/sentinel/no-auth-user.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startSentinels, stopAll } from '../harness/servers.ts';
import { eventually } from '../harness/wait.ts';

// sentinel.no-auth-user tells the master to grant the sentinel user only what Sentinel needs. Its list lacked the
// hello channel: from 7.0 a new user has no channel (acl-pubsub-default resetchannels), so sentinels that log in
// with it cannot PUBLISH/SUBSCRIBE __sentinel__:hello and never find each other (real 7.4.1 and 7.0.15:
// num-other-sentinels 0, the master's ACL LOG "channel __sentinel__:hello"). The fix's rules, as printed, must work.

after(stopAll);

const PASSWORD = 'redfort-test-sentinel-Hq2k9x';

describe("sentinel.no-auth-user's sentinel user", () => {
  it('lets two sentinels that log in with it find each other through the master (real redis-server)', async () => {
    const rules = /the master grants that user only what Sentinel needs: `([^`]+)`/.exec(rule.remediation)?.[1];
    assert.ok(rules, rule.remediation);
    const master = await startRedis({ conf: `user sentinel on >${PASSWORD} ${rules}` });
    const sentinels = await startSentinels(2, master, { authUser: 'sentinel', authPass: PASSWORD, quorum: 2 });
    const others = async (s: (typeof sentinels)[number]) => {
      const reply = (await rawCommand(s.host, s.port, ['SENTINEL', 'MASTER', 'mymaster'])) as unknown[];
      const at = reply.findIndex((v) => String(v) === 'num-other-sentinels');
      return Number(String(reply[at + 1]));
    };
    await eventually('each sentinel to know the other', async () => (await others(sentinels[0]!)) >= 1 && (await others(sentinels[1]!)) >= 1, { timeoutMs: 20_000 });
  });
});
