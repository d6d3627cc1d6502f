// QA42-56, QA42-52 on a real Redis 6.0.20 build: a 6.0 Sentinel loads no ACL users (sentinel-user/-pass and an aclfile
// are 6.2's), so requirepass is its only authentication, and its peers log in to it with their own requirepass
// (6.0.20 sentinel.c:1996). harden removed the line ("the default user is off", which a 6.0 sentinel cannot be) and
// said every rule passed: the hardened sentinel answered SENTINEL commands without AUTH. Without a requirepass in the
// input it left the sentinel open and told of an ACL file that turns the default user off.
// Now the sentinel keeps requirepass, with a new password given on the command line like auth-pass; a deployed copy
// started with the 6.0.20 redis-sentinel refuses a client without it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { realBuild, sentinelPath } from '../harness/builds.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { passwordsIn, redfort } from '../harden/run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-sentinel-60-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});
const STOCK = readFileSync(join(dirname(dirname(realBuild('redis-6.0.20'))), 'sentinel.conf'), 'utf8').replace(/^sentinel monitor mymaster 127\.0\.0\.1 6379 2$/m, 'sentinel monitor mymaster 127.0.0.1 23690 2\nsentinel auth-pass mymaster OldMasterPassw0rd-1');
const OLD = 'SentinelOwnPassw0rd-xyz';

async function harden(name: string, text: string): Promise<{ code: number; stdout: string; out: string; plan: string }> {
  const dir = join(work, name);
  mkdirSync(join(dir, 'in'), { recursive: true });
  writeFileSync(join(dir, 'in', 'sentinel.conf'), text);
  const out = join(dir, 'out');
  const before = process.env.PATH;
  process.env.PATH = `${dirname(realBuild('redis-6.0.20'))}:${before}`;
  try {
    const run = await redfort(['harden', '--sentinel-config', join(dir, 'in', 'sentinel.conf'), '--redis-version', '6.0.20', '--out', out]);
    return { ...run, out, plan: readFileSync(join(out, 'PLAN.md'), 'utf8') };
  } finally {
    process.env.PATH = before;
  }
}

/** The drop-in of the sentinel's unit. */
function dropIn(out: string): string {
  const dir = join(out, 'host', 'systemd');
  const unit = readdirSync(dir).find((d) => d.includes('sentinel'))!;
  return readFileSync(join(dir, unit, 'redfort.conf'), 'utf8');
}

/** The hardened sentinel.conf started as the drop-in starts it (its requirepass on the command line), on a free port. */
async function deployed(out: string, password: string): Promise<{ port: number }> {
  const text = readFileSync(join(out, 'sentinel.conf'), 'utf8');
  return startRedis({ sentinel: true, binary: sentinelPath('redis-6.0.20'), confText: (port) => text.replace(/^port .*$/m, `port ${port}`).replace(/^dir .*$/m, '').replace(/^pidfile .*$/m, '').replace(/^syslog-enabled .*$/m, ''), args: ['--requirepass', password], password, killOnStop: true });
}

describe('harden of a Redis 6.0 sentinel keeps its only authentication, requirepass (QA42-56, QA42-52)', () => {
  it('a sentinel with requirepass keeps one (a new password, on the command line), and refuses clients without it', async () => {
    const run = await harden('kept', `${STOCK}requirepass ${OLD}\n`);
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /^Trial start: passed: redis-sentinel 6\.0\.20 started .*1 user logged in \(requirepass\)/m, run.stdout);
    assert.match(run.stdout, /^auth\.no-authentication +pass +pass$/m, run.stdout);
    assert.doesNotMatch(run.stdout, /not fixed by harden/, run.stdout);
    const conf = readFileSync(join(run.out, 'sentinel.conf'), 'utf8');
    assert.doesNotMatch(conf, /default user is off/);
    assert.doesNotMatch(conf + run.plan, new RegExp(OLD));
    assert.match(dropIn(run.out), /^ExecStart=.* --requirepass \$\{REDFORT_PASSWORD_sentinel_requirepass\}/m);
    const [password] = passwordsIn(join(run.out, 'credentials.env'), ['sentinel_requirepass']);
    assert.match(password ?? '', /^[0-9a-f]{64}$/);
    assert.match(run.plan, /requirepass \([^)]*sentinel\.conf\): the old password of this Sentinel/);
    const sentinel = await deployed(run.out, password!);
    await assert.rejects(rawCommand('127.0.0.1', sentinel.port, ['SENTINEL', 'MASTERS']), /NOAUTH/);
    const masters = await rawCommand('127.0.0.1', sentinel.port, ['SENTINEL', 'MASTERS'], { password: password! });
    assert.ok(Array.isArray(masters) && masters.length === 1, JSON.stringify(masters));
  });

  it('a sentinel without requirepass gets one, and PLAN.md tells of no ACL file', async () => {
    const run = await harden('open', STOCK);
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /^auth\.no-authentication +fail +pass$/m, run.stdout);
    assert.match(dropIn(run.out), /--requirepass \$\{REDFORT_PASSWORD_sentinel_requirepass\}/);
    assert.doesNotMatch(run.plan, /ACL file turns off/);
    // Hardened alone: its peers log in to it with their own requirepass, which must be this one.
    assert.match(run.plan, /peer sentinels log in to it with their own `requirepass`, which must be this one \(`REDFORT_PASSWORD_sentinel_requirepass`/);
    assert.match(run.plan, /Sentinel clients[^\n]*REDFORT_PASSWORD_sentinel_requirepass/);
  });
});
