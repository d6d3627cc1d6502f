// QA38-18 on a real Redis 6.2.16 build: before 7.0 redis-server opens `logfile` for appending as it reads the line,
// before the trial's `--logfile` on the command line overrides it. A log directory this machine lacks stopped the
// trial ("Can't open the log file: No such file or directory", harden exit 1), and one it has got the deployed
// server's log file created or appended to by harden's trial: the trial starts a copy whose logfile is its own.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { realBuild } from '../harness/builds.ts';
import { redfort } from '../harden/run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-trial-logfile-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function harden(name: string, logfile: string): Promise<{ code: number; stdout: string; out: string }> {
  const conf = join(work, `${name}.conf`);
  writeFileSync(conf, `bind 127.0.0.1\nport 6379\ndir ${work}\nlogfile ${logfile}\n`);
  const out = join(work, `out-${name}`);
  const before = process.env.PATH;
  process.env.PATH = `${dirname(realBuild('redis-6.2.16'))}:${before}`;
  try {
    const run = await redfort(['harden', '--config', conf, '--redis-version', '6.2.16', '--out', out]);
    return { ...run, out };
  } finally {
    process.env.PATH = before;
  }
}

describe("harden's trial and the config's logfile, Redis 6.2.16 (QA38-18)", () => {
  it('starts the files when the log directory does not exist on this machine', async () => {
    const logfile = join(work, 'absent', 'redis.log');
    const run = await harden('absent', logfile);
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /^Trial start: passed: redis-server 6\.2\.16 started/m, run.stdout);
    assert.ok(readFileSync(join(run.out, 'redis.conf'), 'utf8').includes(`logfile ${logfile}\n`), 'the output keeps its logfile');
    assert.ok(!existsSync(dirname(logfile)));
  });

  it("never writes the deployed server's log file", async () => {
    mkdirSync(join(work, 'log'));
    const logfile = join(work, 'log', 'redis.log');
    const run = await harden('present', logfile);
    assert.equal(run.code, 0, run.stdout);
    assert.ok(!existsSync(logfile), 'the trial created the log file the config names');
    writeFileSync(logfile, 'the real log\n');
    assert.equal((await harden('present-again', logfile)).code, 0);
    assert.equal(readFileSync(logfile, 'utf8'), 'the real log\n');
  });
});
