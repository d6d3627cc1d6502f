// harden had no --start-dir / --path-map, which audit has for a config whose include lives outside the checkout
// (QA41-103: a Bitnami chart's `include /opt/bitnami/redis/etc/overrides.conf`, an include relative to the directory
// the server starts in): such a config could not be hardened from its checkout at all (exit 2). The same flags now
// (one definition, src/cli/kit.ts): the files are read as audit reads them, the trial starts a copy whose include
// names the file read for it here (or from the start directory), and the re-audit reads them so too. Real
// redis-server 7.0.15 for the trial.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redfort } from './run.ts';

const base = mkdtempSync(join(tmpdir(), 'redfort-harden-outside-'));
after(() => rmSync(base, { recursive: true, force: true }));
const DEPLOYED = '/opt/bitnami/redis/etc';

/** A checkout: conf/redis.conf includes the deploy-time overrides.conf (in chart/), conf/master.conf a base.conf of run/. */
function checkout(name: string, overrides = 'maxmemory-samples 7\n'): string {
  const dir = join(base, name);
  for (const sub of ['chart', 'conf', 'run']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'conf', 'redis.conf'), `port 6379\nbind 127.0.0.1\ninclude ${DEPLOYED}/overrides.conf\n`);
  writeFileSync(join(dir, 'chart', 'overrides.conf'), overrides);
  // Written for the server's working directory: base.conf is in run/, where the server starts, not beside master.conf.
  writeFileSync(join(dir, 'conf', 'master.conf'), 'port 6380\nbind 127.0.0.1\ninclude base.conf\n');
  writeFileSync(join(dir, 'run', 'base.conf'), overrides);
  return dir;
}

describe('harden: --path-map and --start-dir, as audit has them (QA41-103)', () => {
  it('a deploy-time include: read from the checkout with --path-map; the trial starts with that file', async () => {
    assert.equal(existsSync(DEPLOYED), false, `${DEPLOYED} exists on this machine: the test needs it absent`);
    const dir = checkout('bitnami');
    const refused = await redfort(['harden', '--config', join(dir, 'conf', 'redis.conf'), '--redis-version', '7.0.15', '--out', join(dir, 'refused')]);
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /^redfort: .*redis\.conf:3: include: can't open config file '\/opt\/bitnami\/redis\/etc\/overrides\.conf': no such file .*read it from the checkout with --path-map \/opt\/bitnami\/redis\/etc=DIR\n$/);
    const out = join(dir, 'out');
    const run = await redfort(['harden', '--config', join(dir, 'conf', 'redis.conf'), '--redis-version', '7.0.15', '--path-map', `${DEPLOYED}=${join(dir, 'chart')}`, '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // It passes only if the trial's copy names the checkout's file: this machine has no /opt/bitnami.
    assert.match(run.stdout, /^Trial start: passed: redis-server 7\.0\.15/m);
    // The output keeps the deployed path: it is where the server reads it.
    assert.match(readFileSync(join(out, 'redis.conf'), 'utf8'), new RegExp(`^include ${DEPLOYED}/overrides\\.conf$`, 'm'));
  });

  it('a relative include: read from --start-dir, where the trial starts too', async () => {
    const dir = checkout('relative');
    const refused = await redfort(['harden', '--config', join(dir, 'conf', 'master.conf'), '--redis-version', '7.0.15', '--out', join(dir, 'refused')]);
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /master\.conf:3: include: can't open config file '.*\/conf\/base\.conf': no such file .*looked for relative to the config file's directory, an assumption: .*--start-dir DIR/);
    const out = join(dir, 'out');
    const run = await redfort(['harden', '--config', join(dir, 'conf', 'master.conf'), '--redis-version', '7.0.15', '--start-dir', join(dir, 'run'), '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^Trial start: passed: redis-server 7\.0\.15/m);
  });

  it('neither goes with a live server; a DEPLOYED that is not absolute is refused: one line, exit 2', async () => {
    const dir = checkout('cli');
    const live = await redfort(['harden', 'redis://127.0.0.1:1', '--start-dir', join(dir, 'run'), '--out', join(dir, 'out-live')]);
    assert.equal(live.code, 2);
    assert.match(live.stderr, /^redfort: --start-dir describes where the server of files hardened alone starts and reads its includes: give it with --config or --sentinel-config and no server\n$/);
    const bad = await redfort(['harden', '--config', join(dir, 'conf', 'redis.conf'), '--path-map', 'relative=chart', '--out', join(dir, 'out-bad')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^redfort: --path-map must be DEPLOYED=DIR/);
    assert.equal(existsSync(join(dir, 'out-live')) || existsSync(join(dir, 'out-bad')), false);
  });
});
