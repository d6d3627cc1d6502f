import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditTarget, gatherTarget, reportOf } from '../../src/app/audit.ts';
import type { AuditOptions } from '../../src/app/audit.ts';
import { createHostDiscovery } from '../../src/gather/host/discovery.ts';
import type { HostDiscovery } from '../../src/gather/host/discovery.ts';
import { readUnit } from '../../src/gather/host/systemd.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { REPORTERS } from '../../src/report/index.ts';
import { RULES } from '../../src/rules/index.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';

/** Everything a value holds, Maps and Sets included, as text. */
const text = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : v));

// A real redis-server 7.0.15 started with the arguments systemd gives for a unit's ExecStart that quotes its passwords
// (`--user app on ">S3cret pass\"w0rd"`), its title written over its command line (set-proc-title yes): the host stage
// reads the options from the unit. The ExecStart was split at blanks with its quotes kept, so `">S3cret` was no password
// to the masking (the password went into the facts and every report) and the `--user` options were not read. systemctl
// show joins the arguments with blanks: the unit's file (systemctl cat) says which words they were.
describe("a unit's ExecStart is read as systemd unquotes it; its passwords stay in the gatherer (real 7.0.15)", () => {
  const UNIT = 'redfort-quoted.service';
  const password = 'S3cret pass"w0rd';
  const requirepass = "Req 'sq1x' pw";
  const secrets = ['S3cret', 'w0rd', 'sq1x', requirepass];
  const auditor = { user: 'auditor', pass: 'auditor-password-0123456789' };
  let redis: RunningServer;
  let dir: string;
  const PATH = process.env.PATH;
  const systemctl = (script: string) => writeFile(join(dir, 'systemctl'), `#!/bin/sh\n${script}\n`).then(() => chmod(join(dir, 'systemctl'), 0o755));
  let discovery: HostDiscovery;
  let options: AuditOptions;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'redfort-unit-execstart-'));
    redis = await startRedis({
      conf: `user ${auditor.user} on >${auditor.pass} ~* &* +@all`,
      // What systemd passes for the ExecStart below.
      args: ['--user', 'app', 'on', `>${password}`, '~*', '+@all', '--requirepass', requirepass],
      username: auditor.user,
      password: auditor.pass,
      killOnStop: true,
    });
    const execStart = `/usr/bin/redis-server ${redis.confPath} --user app on ">S3cret pass\\"w0rd" ~* +@all --requirepass "Req 'sq1x' pw"`;
    await writeFile(join(dir, 'unit'), `# /etc/systemd/system/${UNIT}\n[Unit]\nDescription=quoted\n\n[Service]\nUser=redis\nExecStart=${execStart}\n`);
    // systemctl show: the arguments joined with blanks (systemctl-show.c, strv_join(argv, " ")).
    await writeFile(join(dir, 'show'), `User=redis\nExecStart={ path=/usr/bin/redis-server ; argv[]=/usr/bin/redis-server ${redis.confPath} --user app on >${password} ~* +@all --requirepass ${requirepass} ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }\n`);
    process.env.PATH = `${dir}:${PATH}`;
    const base = createHostDiscovery();
    discovery = { ...base, systemd: (pid, signal) => (pid === redis.pid ? readUnit(UNIT, signal) : base.systemd(pid, signal)) };
    options = { noProbe: true, hostDiscovery: discovery };
  });
  after(async () => {
    process.env.PATH = PATH;
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const target = () => resolveTarget(redis.url, { user: auditor.user, pass: auditor.pass }, {});

  /** Gathers the target's facts, checks that no secret is in them, and gives its host facts and systemd unit. */
  async function gatheredUnit() {
    const gathered = await gatherTarget(target(), options);
    assert.ok(gathered.ok, gathered.ok ? '' : gathered.error);
    for (const secret of secrets) assert.ok(!text(gathered.facts).includes(secret), `${secret} in the facts`);
    const host = gathered.facts.host!;
    assert.ok(host.systemd.known && host.systemd.value);
    return { host, unit: host.systemd.value };
  }

  it('the truth: the server took the unquoted words, and wrote its title over its arguments', async () => {
    assert.equal(await rawCommand(redis.host, redis.port, ['PING'], { user: 'app', password }), 'PONG');
    assert.equal(await rawCommand(redis.host, redis.port, ['PING'], { password: requirepass }), 'PONG');
  });

  for (const [how, script] of [
    ['after systemctl show', `case "$1" in show) cat "${'$'}{DIR}/show" ;; cat) cat "${'$'}{DIR}/unit" ;; *) exit 1 ;; esac`],
    ['when systemctl show gives no answer', `case "$1" in cat) cat "${'$'}{DIR}/unit" ;; *) exit 1 ;; esac`],
  ] as const) it(`reads the --user options from the unit file (${how}), the passwords as digests only`, async () => {
    await systemctl(script.replaceAll('${DIR}', dir));
    const { host, unit } = await gatheredUnit();
    assert.equal(unit.execStartExact, true);
    assert.deepEqual(unit.execStart!.slice(2), ['--user', 'app', 'on', '>***', '~*', '+@all', '--requirepass', '***']);
    assert.ok(host.commandLine.known && host.commandLine.users.known, JSON.stringify(host.commandLine));
    const app = host.commandLine.users.value.find((u) => u.name === 'app');
    assert.deepEqual(app?.passwords.map((p) => p.sha256), [createHash('sha256').update(password).digest('hex')]);
  });

  it('no report format shows them', async () => {
    const result = await auditTarget(target(), options);
    assert.equal(result.error, undefined);
    const report = reportOf([result]);
    for (const [name, reporter] of REPORTERS) {
      const out = reporter(report, { rules: RULES, color: false, root: process.cwd() });
      for (const secret of secrets) assert.ok(!out.includes(secret), `${secret} in the ${name} report: ${out.split('\n').filter((l) => l.includes(secret)).join('\n')}`);
    }
  });

  it('without the unit file, systemctl show: the --user words after the name are masked, the users unknown', async () => {
    await systemctl(`case "$1" in show) cat "${dir}/show" ;; *) exit 1 ;; esac`);
    const { host, unit } = await gatheredUnit();
    assert.equal(unit.execStartExact, false);
    assert.ok(host.commandLine.known);
    assert.ok(!host.commandLine.users.known);
    assert.match(host.commandLine.users.reason, /not read from `systemctl show`, which joins the unit's arguments with blanks/);
  });
});
