// QA42-51 on real Redis 6.2.16 and 7.2.6 builds: harden of a live server whose config file it cannot read (a docker
// command line, a remote server) took a setting the server did not report (CONFIG GET lua-enable-deprecated-api: an
// empty list; the directive came in the patch releases 6.2.20 and 7.2.11) as '' and wrote `lua-enable-deprecated-api
// no`, which that server refuses: the trial failed at that line, and the file would not start where it is deployed.
// Now a setting the live server does not have is never written, and PLAN.md says so.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { realBuild, type BuildName } from '../harness/builds.ts';
import { rawCommand } from '../harness/raw.ts';
import { freePort } from '../harness/servers.ts';
import { redfort } from '../harden/run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-live-unreported-'));
after(() => rmSync(work, { recursive: true, force: true }));
const PASSWORD = 'OldSecretPassw0rd-shared';

/** redis-server started as a container starts it: every setting on its command line, no config file. */
async function startBare(build: BuildName): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(work, 'data-'));
  const child = spawn(realBuild(build), ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', PASSWORD, '--appendonly', 'yes', '--dir', dir, '--save', ''], { stdio: 'ignore' });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  for (let i = 0; i < 100; i++) {
    try {
      await rawCommand('127.0.0.1', port, ['PING'], { password: PASSWORD });
      return { port, stop };
    } catch {
      await sleep(100);
    }
  }
  await stop();
  throw new Error(`${build} did not start on ${port}`);
}

async function hardenLive(build: BuildName): Promise<{ code: number; stdout: string; conf: string; plan: string }> {
  const server = await startBare(build);
  const out = join(work, build);
  const before = process.env.PATH;
  process.env.PATH = `${dirname(realBuild(build))}:${before}`;
  try {
    const run = await redfort(['harden', `redis://:${PASSWORD}@127.0.0.1:${server.port}`, '--out', out]);
    assert.notEqual(run.code, 2, run.stdout + run.stderr);
    return { ...run, conf: readFileSync(join(out, 'redis.conf'), 'utf8'), plan: readFileSync(join(out, 'PLAN.md'), 'utf8') };
  } finally {
    process.env.PATH = before;
    await server.stop();
  }
}

describe('harden of a live server writes no setting the server did not report (QA42-51)', () => {
  for (const [build, version] of [['redis-7.2.6', '7.2.6'], ['redis-6.2.16', '6.2.16']] as const) {
    it(`Redis ${version}: no lua-enable-deprecated-api line; the trial starts`, async () => {
      const run = await hardenLive(build);
      assert.match(run.stdout, new RegExp(`^Trial start: passed: redis-server ${version.replace(/\./g, '\\.')} started`, 'm'), run.stdout);
      assert.equal(run.code, 0, run.stdout);
      assert.doesNotMatch(run.conf, /lua-enable-deprecated-api/);
      // Since df5411e (QA41-16) the directive table itself knows these releases lack it, so harden does not consider it
      // and PLAN.md has no note of it; the setting the server did not report is still not written (the guard above).
      // 6.2 has no enable-*-command switch: the rule skips there and is not among the rules harden fixes.
      if (version.startsWith('6.2')) assert.doesNotMatch(run.plan, /^\| commands\.protected-features-enabled \|.*\| yes \|$/m);
    });
  }

  it('a 6.2.16 file: commands.protected-features-enabled, which skips before 7.0, is not counted among the rules harden fixes', async () => {
    const conf = join(work, 'r62.conf');
    writeFileSync(conf, `port 6379\nbind 127.0.0.1\nrequirepass ${PASSWORD}\ndir ${work}\n`);
    const out = join(work, 'out-r62');
    const before = process.env.PATH;
    process.env.PATH = `${dirname(realBuild('redis-6.2.16'))}:${before}`;
    try {
      const run = await redfort(['harden', '--config', conf, '--redis-version', '6.2.16', '--out', out]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.doesNotMatch(run.stdout, /commands\.protected-features-enabled/, run.stdout);
      assert.doesNotMatch(readFileSync(join(out, 'PLAN.md'), 'utf8'), /^\| commands\.protected-features-enabled \|.*\| yes \|$/m);
    } finally {
      process.env.PATH = before;
    }
  });
});
