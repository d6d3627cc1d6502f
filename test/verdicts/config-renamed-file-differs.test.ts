import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA41-13: CONFIG renamed (or not granted) and the server's file given with --config, audited without host facts (a
// remote server, --no-host): the file's values were judged as the running ones. A server started from a file with
// `requirepass` and `protected-mode yes`, whose requirepass was emptied and protected mode turned off at run time,
// passed network.protected-mode-off ("protected-mode is 'yes' …"), though ACL LIST in the same run shows a
// password-less default user and a client without credentials ran commands. Debian's 7.0.15 has no INFO listener
// lines: the contradiction is ACL LIST's (and the probe's). The listeners' bind is test/builds/config-renamed-listeners.
const PASSWORD = 'qa41-13-file-password-8f3k2';
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id);

describe('CONFIG renamed, the file given, the running server changed at run time (real 7.0.15)', () => {
  let redis: RunningServer;
  before(async () => {
    redis = await startRedis({
      conf: `rename-command CONFIG qa_cfg_77\nrequirepass ${PASSWORD}\nprotected-mode yes\nuser auditor on >auditor-password-5k2j ~* resetchannels -@all +info +ping +acl|list +acl|cat +command|info +client|setname\nuser noacl on >auditor-password-5k2j ~* resetchannels -@all +info +ping +command|info +client|setname`,
      password: PASSWORD,
      killOnStop: true,
    });
    for (const args of [['protected-mode', 'no'], ['requirepass', '']]) {
      assert.equal(await rawCommand('127.0.0.1', redis.port, ['qa_cfg_77', 'SET', ...args], { password: PASSWORD }), 'OK');
    }
  });
  after(() => redis?.stop());

  const audit = (user: string) => auditTarget(resolveTarget(`redis://127.0.0.1:${redis.port}`, { user, pass: 'auditor-password-5k2j' }, {}), { configPath: redis.confPath, noHost: true });

  it('ACL LIST contradicts the file: rules on the file\'s values skip, saying so; those on live facts still judge', async () => {
    const r = await audit('auditor');
    assert.equal(r.error, undefined, r.error);
    const [mode] = of(r, 'network.protected-mode-off');
    // The old code: pass "protected-mode is 'yes': with a password-less default user only loopback …".
    assert.equal(mode?.status, 'skip', mode?.message);
    assert.match(mode!.message, new RegExp(`^CONFIG GET could not be read, and the running configuration differs from ${redis.confPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(ACL LIST: the default user needs no password, the file gives it a password\\): (bind, )?protected-mode (is|are) the values? of the file, not known to be the running ones?$`));
    assert.equal(of(r, 'auth.requirepass-used')[0]?.status, 'skip');
    const [noAuth] = of(r, 'auth.no-authentication');
    assert.equal(noAuth?.status, 'fail', noAuth?.message);
    // The difference itself is drift, reported once.
    assert.ok(of(r, 'config.runtime-drift').some((d) => d.status === 'fail' && /^user 'default' differs between the running server and the file/.test(d.message)), JSON.stringify(of(r, 'config.runtime-drift')));
    assert.ok(!JSON.stringify(r).includes(PASSWORD));
  });

  it('without ACL LIST, the probe that got in without credentials contradicts the file', async () => {
    const r = await audit('noacl');
    assert.equal(r.error, undefined, r.error);
    const [mode] = of(r, 'network.protected-mode-off');
    assert.equal(mode?.status, 'skip', mode?.message);
    assert.match(mode!.message, /differs from .* \(a client without credentials ran commands \(the unauthenticated probe\), the file gives the default user a password\)/);
  });
});
