import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveTarget, targetPassword } from '../../src/redis/target.ts';
import { RULES } from '../../src/rules/index.ts';
import { parseSettings } from '../../src/settings/parse.ts';
import { flagsFor } from '../../src/settings/targets.ts';
import { AuditRequestError, resolveTargets } from '../../src/app/targets.ts';

const settings = parseSettings(
  `targets:
  redis://db1:6380:
    user: auditor
    passwordEnv: DB1_PW
    tls: true
    cacert: /etc/ca.crt
    db: 3
  db2:6379:
    passwordEnv: DB2_PW
`,
  '.redfort.yaml',
  { ruleIds: RULES.map((r) => r.id) },
);
const env = { DB1_PW: 'from-env-1', REDISCLI_AUTH: 'global' };

function resolve(spec: string | undefined, flags = {}) {
  const target = resolveTarget(spec, flagsFor(spec, flags, settings, env), env);
  return { display: target.display, password: targetPassword(target), tls: target.tls, db: target.db };
}

describe('per-target defaults of the settings file', () => {
  it('apply to the same server however it is spelled', () => {
    const t = resolve('db1:6380');
    assert.equal(t.display, 'rediss://auditor@db1:6380/3');
    assert.equal(t.password, 'from-env-1');
    assert.equal(t.tls?.caFile, '/etc/ca.crt');
    assert.equal(resolve('redis://other@db1:6380').display, 'rediss://other@db1:6380/3', 'the URL user wins');
  });

  it('give way to the command line and to the URL', () => {
    assert.equal(resolve('db1:6380', { user: 'cli' }).display, 'rediss://cli@db1:6380/3');
    assert.equal(resolve('redis://u:url-pw@db1:6380').password, 'url-pw');
    assert.equal(resolve('db1:6380', { pass: 'cli-pw' }).password, 'cli-pw');
    assert.equal(resolve('redis://db1:6380/5').db, 5);
    assert.equal(resolve('db1:6380', { cacert: '/cli/ca.crt' }).tls?.caFile, '/cli/ca.crt');
  });

  it('leave other servers alone (REDISCLI_AUTH still applies)', () => {
    const t = resolve('db3:6379');
    assert.equal(t.display, 'redis://db3:6379');
    assert.equal(t.password, 'global');
  });

  it('fail clearly when passwordEnv names a variable that is not set', () => {
    assert.throws(() => resolve('db2'), /^SettingsError: \.redfort\.yaml:8: targets: db2:6379: passwordEnv names DB2_PW, which is not set$/);
  });
});

describe('a settings-file target whose passwordEnv is not set', () => {
  it('is an error for that target alone (targetFor), shown without a password', async () => {
    const { targetFor } = await import('../../src/settings/targets.ts');
    const { targetProblem } = await import('../../src/redis/target.ts');
    const bad = targetFor('db2', {}, settings, env);
    assert.equal(bad.display, 'redis://db2:6379');
    assert.equal(targetProblem(bad), '.redfort.yaml:8: targets: db2:6379: passwordEnv names DB2_PW, which is not set');
    assert.equal(targetPassword(bad), undefined, 'REDISCLI_AUTH is not sent to a target that names its own variable');
    const good = targetFor('db1:6380', {}, settings, env);
    assert.equal(targetProblem(good), undefined);
    assert.equal(targetPassword(good), 'from-env-1');
    assert.throws(() => targetFor('redis://db1:99999', {}, settings, env), /TargetError|invalid target/);
  });

  it('on real servers: that target is reported as not audited, the others are audited', async () => {
    const { startRedis, stopAll } = await import('../harness/servers.ts');
    const { runAudit } = await import('../../src/app/run.ts');
    const { targetFor } = await import('../../src/settings/targets.ts');
    const password = 'Targets-env-4d8c1a7e93';
    const [open, guarded] = await Promise.all([startRedis({ conf: 'protected-mode no' }), startRedis({ conf: `requirepass ${password}`, password })]);
    try {
      const file = parseSettings(`targets:\n  ${open.url}: {}\n  ${guarded.url}:\n    passwordEnv: GUARDED_PW_UNSET\n`, '.redfort.yaml', { ruleIds: RULES.map((r) => r.id) });
      const targets = file.targets.map((t) => targetFor(t.spec, {}, file, {}));
      const report = await runAudit({ targets, options: { noHost: true, noProbe: true }, settings: file });
      assert.deepEqual(report.targets.map((t) => [t.target, t.error]), [
        [open.url, undefined],
        [guarded.url, `.redfort.yaml:3: targets: ${guarded.url}: passwordEnv names GUARDED_PW_UNSET, which is not set`],
      ]);
      assert.equal(report.summary.targetErrors, 1);
      assert.ok(report.targets[0]!.results.some((r) => r.status === 'fail'), 'the open server was audited');
      // Set, it is audited with that password.
      const withEnv = await runAudit({ targets: file.targets.map((t) => targetFor(t.spec, {}, file, { GUARDED_PW_UNSET: password })), options: { noHost: true, noProbe: true } });
      assert.equal(withEnv.summary.targetErrors, 0, JSON.stringify(withEnv.targets.map((t) => t.error)));
    } finally {
      await stopAll();
    }
  });
});

// A connect-time TLS file error named the --cacert flag for the settings file's `cacert` key.
describe("a settings-file target's TLS files", () => {
  it('are named by the key and the target entry in errors; a command-line flag by the flag', async () => {
    const { targetFor } = await import('../../src/settings/targets.ts');
    const { tlsOptions } = await import('../../src/gather/live/tls-options.ts');
    await assert.rejects(tlsOptions(targetFor('db1:6380', {}, settings, env)), { message: "cannot read the cacert file '/etc/ca.crt' (.redfort.yaml:6): no such file or directory" });
    await assert.rejects(tlsOptions(targetFor('db1:6380', { cacert: '/cli/ca.crt' }, settings, env)), { message: "cannot read the --cacert file '/cli/ca.crt': no such file or directory" });
  });
});

// QA40-60: a TLS setting of .redfort.yaml that cannot apply was reported as a command-line flag ('--cacert needs --tls
// or a rediss:// URL', '--cert and --key must be given together') the user never gave, without the file's line.
describe("a settings-file target's TLS settings that cannot apply", () => {
  const file = parseSettings(
    `targets:
  redis://127.0.0.1:22001: { cacert: ca.crt }
  127.0.0.1:22002:
    user: auditor
    sni: db.example.com
  127.0.0.1:22003: { insecure: true }
  127.0.0.1:22004:
    tls: true
    cert: /etc/client.crt
  rediss://127.0.0.1:22005: { cacertdir: /etc/ssl/certs }
`,
    '.redfort.yaml',
    { ruleIds: RULES.map((r) => r.id) },
  );
  const target = async (spec: string, flags = {}) => (await import('../../src/settings/targets.ts')).targetFor(spec, flags, file, {});

  it("are named by the file's key at its line, with the target", async () => {
    await assert.rejects(target('redis://127.0.0.1:22001'), { name: 'TargetError', message: ".redfort.yaml:2: cacert needs 'tls: true' or a rediss:// URL (target 'redis://127.0.0.1:22001')" });
    await assert.rejects(target('127.0.0.1:22002'), { message: ".redfort.yaml:5: sni needs 'tls: true' or a rediss:// URL (target '127.0.0.1:22002')" });
    await assert.rejects(target('127.0.0.1:22003'), { message: ".redfort.yaml:6: insecure needs 'tls: true' or a rediss:// URL (target '127.0.0.1:22003')" });
    await assert.rejects(target('127.0.0.1:22004'), { message: ".redfort.yaml:9: cert needs key beside it: a client certificate and its private key go together (target '127.0.0.1:22004')" });
  });

  it('apply when the URL or the command line turns TLS on; a flag given is named as the flag', async () => {
    assert.equal((await target('rediss://127.0.0.1:22001')).tls?.caFile !== undefined, true);
    assert.equal((await target('127.0.0.1:22003', { tls: true })).tls?.insecure, true);
    assert.equal((await target('rediss://127.0.0.1:22005')).tls?.caDir, '/etc/ssl/certs');
    await assert.rejects(target('127.0.0.1:22009', { cacert: 'ca.crt' }), { message: "invalid target '127.0.0.1:22009': --cacert needs --tls or a rediss:// URL" });
  });
});

// -s PATH names one server, as -h/-p do: with no target given the settings file's targets were each resolved with the
// socket beside their host ("a unix socket and a host or port" for the first, the run refused) instead of the socket.
describe('-s PATH beside a settings file with targets', () => {
  it('audits the socket alone, as -h does; with several targets, one line', () => {
    const targets = resolveTargets({ specs: [], flags: { socket: '/run/redis/redis.sock' }, settings, env: {} });
    assert.deepEqual(targets.map((t) => t.display), ['unix:///run/redis/redis.sock']);
    assert.throws(() => resolveTargets({ specs: ['db1:6380', 'db2'], flags: { socket: '/run/redis/redis.sock' }, settings, env: {} }), (e: unknown) => e instanceof AuditRequestError && /-s\/--socket applies to a single target/.test(e.message));
  });
});
