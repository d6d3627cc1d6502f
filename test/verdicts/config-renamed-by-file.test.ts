import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditTarget } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

// QA44-6: a server that follows Account 6 ("rename CONFIG to something unguessable"), audited with its file given
// (--config): the file names what CONFIG runs as, and the audit user may run it, yet CONFIG GET was never asked under
// that name and 22 rules skipped. Now CONFIG GET is asked under the file's name; the name itself is never shown.
const NAME = 'CONFIG_b840fc02d524045429941cc15f59e41c';
const PASSWORD = 'qa44-6-admin-password-7d1c9e';
const of = (r: TargetResult, id: string) => r.results.find((x) => x.ruleId === id);

describe('CONFIG renamed by the config file given with --config (real 7.0.15)', () => {
  let redis: RunningServer;
  const dir = mkdtempSync(join(tmpdir(), 'redfort-config-renamed-'));
  before(async () => {
    redis = await startRedis({
      conf: `rename-command CONFIG ${NAME}\nprotected-mode yes\nuser default off\nuser admin on >${PASSWORD} ~* &* +@all\nuser getter on >${PASSWORD} resetchannels -@all +info +config|get +acl|list +acl|cat +command|info +client|setname`,
      username: 'admin',
      password: PASSWORD,
      killOnStop: true,
    });
    // A value the file does not hold (it leaves loglevel at notice), set at run time: seen only if CONFIG GET was read.
    assert.equal(await rawCommand('127.0.0.1', redis.port, [NAME, 'SET', 'loglevel', 'warning'], { user: 'admin', password: PASSWORD }), 'OK');
  });
  after(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const audit = (user: string, configPath: string) => auditTarget(resolveTarget(`redis://127.0.0.1:${redis.port}`, { user, pass: PASSWORD }, {}), { configPath, noHost: true, noProbe: true });

  for (const user of ['admin', 'getter']) {
    it(`a user that may run CONFIG GET (${user}): the settings are read under the file's name and judged`, async () => {
      const r = await audit(user, redis.confPath);
      assert.equal(r.error, undefined, r.error);
      // The running value set under the renamed CONFIG, which the file lacks (the old code judged the file's: pass).
      const level = of(r, 'logging.loglevel-too-quiet');
      assert.equal(level?.status, 'fail', level?.message);
      assert.match(level!.message, /^loglevel is 'warning'/);
      assert.equal(r.results.find((x) => x.ruleId === 'network.protected-mode-off')?.source?.kind, 'live');
      assert.ok(!JSON.stringify(r).toLowerCase().includes(NAME.toLowerCase()), 'the renamed name is never shown');
      assert.ok(!JSON.stringify(r).includes(PASSWORD));
    });
  }

  it('a file that names another CONFIG than the running one: the first reading stands (the file\'s values)', async () => {
    const stale = join(dir, 'stale.conf');
    writeFileSync(stale, readFileSync(redis.confPath, 'utf8').replace(NAME, 'CONFIG_not_the_running_name'));
    const r = await audit('admin', stale);
    assert.equal(r.error, undefined, r.error);
    assert.equal(of(r, 'logging.loglevel-too-quiet')?.status, 'pass', of(r, 'logging.loglevel-too-quiet')?.message);
    assert.notEqual(of(r, 'network.protected-mode-off')?.source?.kind, 'live');
  });
});
