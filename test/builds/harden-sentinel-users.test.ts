// QA42-57 on a real Redis 7.2.6 build: a sentinel.conf with users of its own (what Sentinel's rewrite writes back:
// `+@all`) had them moved into sentinel-users.acl as they were, without -@dangerous, while harden claimed
// auth.dangerous-commands-allowed: every such run exited 1 on its own output. Now each kept user gets -@dangerous,
// as a redis.conf's users do, and the run passes what it claims.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { realBuild } from '../harness/builds.ts';
import { redfort } from '../harden/run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-sentinel-users-'));
after(() => rmSync(work, { recursive: true, force: true }));
const OPS = createHash('sha256').update('Ops-strong-password-0123456789abcdef').digest('hex');
const STOCK = readFileSync(join(dirname(dirname(realBuild('redis-7.2.6'))), 'sentinel.conf'), 'utf8').replace(/^sentinel monitor mymaster 127\.0\.0\.1 6379 2$/m, 'sentinel monitor mymaster 127.0.0.1 23690 2\nsentinel auth-pass mymaster OldMasterPassw0rd-1');

describe("harden of a sentinel.conf with its own users (QA42-57)", () => {
  it('appends -@dangerous to each kept user, and passes auth.dangerous-commands-allowed', async () => {
    const dir = join(work, 'users');
    mkdirSync(join(dir, 'in'), { recursive: true });
    writeFileSync(join(dir, 'in', 'sentinel.conf'), `${STOCK}user default on nopass ~* &* +@all\nuser ops on #${OPS} ~* &* +@all\n`);
    const out = join(dir, 'out');
    const before = process.env.PATH;
    process.env.PATH = `${dirname(realBuild('redis-7.2.6'))}:${before}`;
    let run;
    try {
      run = await redfort(['harden', '--sentinel-config', join(dir, 'in', 'sentinel.conf'), '--redis-version', '7.2.6', '--out', out]);
    } finally {
      process.env.PATH = before;
    }
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^auth\.dangerous-commands-allowed +fail +pass$/m, run.stdout);
    const acl = readFileSync(join(out, 'sentinel-users.acl'), 'utf8');
    assert.match(acl, new RegExp(`^user ops on #${OPS} .*\\+@all.* -@dangerous`, 'm'), acl);
    assert.match(run.stdout, /^Trial start: passed: /m, run.stdout);
  });
});
