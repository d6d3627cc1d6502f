import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redfort } from './run.ts';

// --profile strict's non-default port (network.default-port fails on 6379 only). QA40-54: every server moved to
// 16379, one already off 6379 too (two servers of one host onto one port). QA40-19: a Sentinel-watched master moved
// from 6379 while the sentinel.conf written in the same run still monitored 6379. Each run's trial starts the output
// with the real redis-server (and redis-sentinel).

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-strict-port-'));
after(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
async function strict(conf: string, sentinel?: string): Promise<{ diff: string; plan: string; sentinelOut?: string; stdout: string }> {
  const dir = mkdtempSync(join(work, 'case-'));
  const confPath = join(dir, 'redis.conf');
  writeFileSync(confPath, conf.replace(/DIR/g, dir));
  const args = ['harden', '--config', confPath, '--profile', 'strict', '--out', join(dir, `out${n++}`)];
  if (sentinel !== undefined) {
    writeFileSync(join(dir, 'sentinel.conf'), sentinel.replace(/DIR/g, dir));
    args.push('--sentinel-config', join(dir, 'sentinel.conf'));
  }
  const run = await redfort(args);
  assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
  assert.match(run.stdout, /Trial start: passed/, run.stdout);
  const out = args.at(-1)!.startsWith('--') ? '' : args[args.indexOf('--out') + 1]!;
  return {
    diff: readFileSync(join(out, 'redis.conf.diff'), 'utf8'),
    plan: readFileSync(join(out, 'PLAN.md'), 'utf8'),
    ...(sentinel !== undefined ? { sentinelOut: readFileSync(join(out, 'sentinel.conf'), 'utf8') } : {}),
    stdout: run.stdout,
  };
}

describe('harden --profile strict moves only a 6379 server alone', () => {
  it('keeps a port already off 6379', async () => {
    const r = await strict('port 16380\nbind 127.0.0.1\ndir DIR\n');
    assert.doesNotMatch(r.diff, /^[-+]port /m, r.diff);
    assert.doesNotMatch(r.plan, /\| network\.default-port \| port/);
  });

  it('moves a server alone on 6379 to 16379 and tells PLAN.md that every client must follow', async () => {
    const r = await strict('port 6379\nbind 127.0.0.1\ndir DIR\n');
    assert.match(r.diff, /^\+port 16379$/m, r.diff);
    assert.match(r.plan, /\*\*Port:\*\* the server moves from 6379 to 16379 .*Every client must connect to 16379/);
  });

  it('keeps 6379 for a Sentinel-watched master, whose sentinel.conf still monitors it, and says how the group moves', async () => {
    const r = await strict(
      'port 6379\nbind 127.0.0.1\ndir DIR\nrequirepass StrictPortPassword-2026\nmasterauth StrictPortPassword-2026\n',
      'port 26379\nbind 127.0.0.1\ndir DIR\nsentinel monitor mm 127.0.0.1 6379 2\nsentinel auth-pass mm StrictPortPassword-2026\n',
    );
    assert.doesNotMatch(r.diff, /^[-+]port /m, r.diff);
    assert.match(r.sentinelOut!, /^sentinel monitor mm 127\.0\.0\.1 6379 2$/m);
    assert.match(r.plan, /network\.default-port: port 6379 kept\. This is a node of a replication group: .*the sentinel\.conf written here monitors 6379/);
  });

  it('keeps 6379 for a replica', async () => {
    const r = await strict('port 6379\nbind 127.0.0.1\ndir DIR\nreplicaof 127.0.0.1 6390\n');
    assert.doesNotMatch(r.diff, /^[-+]port /m, r.diff);
    assert.match(r.plan, /network\.default-port: port 6379 kept/);
  });
});
