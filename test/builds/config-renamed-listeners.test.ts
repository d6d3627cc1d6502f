import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { realBuild } from '../harness/builds.ts';
import type { BuildName } from '../harness/builds.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA41-13 on the builds whose INFO server lists the running listeners (7.2+: `listener0:name=tcp,bind=0.0.0.0,port=…`):
// a server started from a file with `bind 127.0.0.1`, CONFIG renamed, then `CONFIG SET bind 0.0.0.0` and
// `protected-mode no` at run time. Audited with that file (--config, no host facts: a remote server), bind-all-interfaces
// passed "bind is '127.0.0.1'" and protected-mode-off "protected-mode is 'yes' …", from the file; the same with CONFIG
// not granted to the audit user. INFO's bind is now judged, and the rules on the file's other values skip.
const PASSWORD = 'qa41-13-file-password-8f3k2';
const AUDITOR = 'auditor-password-5k2j7';
const of = (r: TargetResult, id: string) => r.results.filter((x) => x.ruleId === id);

for (const build of ['redis-7.2.6', 'redis-8.6.3'] as const satisfies readonly BuildName[]) {
  describe(`${build}: CONFIG renamed, bind and protected-mode changed at run time, the file given`, () => {
    let redis: RunningServer;
    before(async () => {
      redis = await startRedis({
        binary: realBuild(build),
        conf: `rename-command CONFIG qa_cfg_77\nrequirepass ${PASSWORD}\nprotected-mode yes\nuser nocfg on >${AUDITOR} ~* resetchannels -@all +info +ping +acl|list +acl|cat +command|info +client|setname`,
        password: PASSWORD,
        killOnStop: true,
      });
      for (const args of [['bind', '0.0.0.0'], ['protected-mode', 'no']]) {
        assert.equal(await rawCommand('127.0.0.1', redis.port, ['qa_cfg_77', 'SET', ...args], { password: PASSWORD }), 'OK');
      }
    });
    after(() => redis?.stop());

    // QA44-6: the default user may run CONFIG under the name the file gives it: CONFIG GET is read under it.
    it("the default user: CONFIG GET is read under the file's name for CONFIG, and the running values judged", async () => {
      const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${redis.port}`, { pass: PASSWORD }, {}), { configPath: redis.confPath, noHost: true });
      assert.equal(r.error, undefined, r.error);
      const [bind] = of(r, 'network.bind-all-interfaces');
      assert.equal(bind?.status, 'fail', bind?.message);
      assert.deepEqual(bind!.source, { kind: 'live', command: 'CONFIG GET *' });
      // Judged on the running 'no' (with requirepass set), where the file's 'yes' skipped.
      const [mode] = of(r, 'network.protected-mode-off');
      assert.notEqual(mode?.status, 'skip', mode?.message);
      assert.match(mode!.message, /protected-mode is 'no'/);
      assert.equal(mode!.source?.kind, 'live');
      assert.ok(!JSON.stringify(r).includes(PASSWORD) && !JSON.stringify(r).includes('qa_cfg_77'));
    });

    for (const [who, flags] of [['a user without CONFIG', { user: 'nocfg', pass: AUDITOR }]] as const) {
      it(`${who}: bind is judged from INFO's listener, the file's protected-mode is not judged`, async () => {
        const r = await auditTarget(resolveTarget(`redis://127.0.0.1:${redis.port}`, flags, {}), { configPath: redis.confPath, noHost: true });
        assert.equal(r.error, undefined, r.error);
        const [bind] = of(r, 'network.bind-all-interfaces');
        assert.equal(bind?.status, 'fail', bind?.message);
        assert.match(bind!.message, /^bind is '0\.0\.0\.0': '0\.0\.0\.0' exposes the server beyond loopback/);
        assert.deepEqual(bind!.source, { kind: 'live', command: 'INFO server listener0' });
        const [mode] = of(r, 'network.protected-mode-off');
        assert.equal(mode?.status, 'skip', mode?.message);
        assert.match(mode!.message, /^CONFIG GET could not be read, and the running configuration differs from .*redis\.conf \(INFO server listener0: bind '0\.0\.0\.0', the file '127\.0\.0\.1'\): \S.* (?:is the value|are the values) of the file, not known to be the running ones?$/);
        assert.ok(of(r, 'config.runtime-drift').some((d) => d.status === 'fail' && /^bind is '0\.0\.0\.0' at run time but '127\.0\.0\.1' in the file/.test(d.message)), JSON.stringify(of(r, 'config.runtime-drift')));
        assert.ok(!JSON.stringify(r).includes(PASSWORD) && !JSON.stringify(r).includes(AUDITOR));
      });
    }
  });
}
