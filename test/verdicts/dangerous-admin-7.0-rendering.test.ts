import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA41-11: on Redis 7.0 (which renders ACL LIST from the command bitmap), a user `-@all +@slow -@dangerous +@admin
// -config -acl` was said to run 6 @dangerous commands through +@admin (client|kill … client|unpause), though ACL
// DRYRUN says it runs DEBUG, SHUTDOWN, MONITOR, SAVE, MODULE … too. The fingerprint of +@admin was measured in
// subcommands: without CONFIG's and ACL's 17 subcommands the user held 48 of @admin's 65 (74%, under 90%). Measured
// in commands (a command with its subcommands counts once), it holds all of @admin but 2 of its commands.
describe("auth.dangerous-commands-allowed: 7.0's rendering of +@admin less two commands", () => {
  let redis: RunningServer;
  const PASS = 'T7-very-long-pass-qa41-11-xyz';
  before(async () => {
    redis = await startRedis({ conf: 'save ""', killOnStop: true });
    const reply = await rawCommand(redis.host, redis.port, ['ACL', 'SETUSER', 't7', 'on', `>${PASS}`, '~*', '-@all', '+@slow', '-@dangerous', '+@admin', '-config', '-acl']);
    assert.equal(reply, 'OK');
  });
  after(() => redis?.stop());

  it('counts every @dangerous command of @admin the user runs, as the server says (ACL DRYRUN)', async () => {
    const r = await auditTarget(resolveTarget(redis.url, {}, {}), { noProbe: true, noHost: true });
    const [finding, ...rest] = r.results.filter((x) => x.ruleId === 'auth.dangerous-commands-allowed' && /user 't7'/.test(x.message));
    assert.ok(finding, r.results.filter((x) => x.ruleId === 'auth.dangerous-commands-allowed').map((x) => `${x.status} ${x.message}`).join('\n'));
    assert.equal(rest.length, 0);
    assert.equal(finding.status, 'fail');
    const commands = finding.evidence.map((e) => /^(\S+) via /.exec(e)?.[1]).filter((c): c is string => c !== undefined);
    for (const c of ['debug', 'shutdown', 'monitor', 'save', 'bgsave', 'module|load', 'replicaof', 'failover', 'client|kill']) {
      assert.ok(commands.includes(c), `${c} not among ${commands.join(', ')}`);
    }
    assert.ok(!commands.some((c) => c === 'config' || c.startsWith('config|') || c.startsWith('acl|')), commands.join(', '));
    const count = Number(/may run (\d+) @dangerous commands through \+@admin/.exec(finding.message)?.[1]);
    assert.equal(count, commands.length, finding.message);
    // Each one the server itself lets the user run.
    for (const c of commands) {
      const args = c.split('|');
      // Any answer but the permission's refusal (an arity error comes after the permission check passed).
      const dry = await rawCommand(redis.host, redis.port, ['ACL', 'DRYRUN', 't7', ...args]).then(String, (e: Error) => e.message);
      assert.doesNotMatch(dry, /no permissions/, `ACL DRYRUN t7 ${args.join(' ')}: ${dry}`);
    }
  });
});
