// QA39-12 on a real Redis 6.0.20 build: harden's trial gave the secrets the service gets from its credentials
// (masterauth, sentinel auth-pass) on standard input with a trailing `-`, which only 6.2 and later read. 6.0 took the
// `-` as one more word of the last option ("'aclfile "…/users.acl" "-"' wrong number of arguments") and harden
// exited 1 on files that are fine: a replica's, a sentinel's (Ubuntu 22.04 ships 6.0.16).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { realBuild } from '../harness/builds.ts';
import { redfort } from '../harden/run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-trial-60-'));
after(() => rmSync(work, { recursive: true, force: true }));
const SECRET = 'replication-secret-6-0-0123456789';

async function harden(args: readonly string[], out: string): Promise<{ code: number; stdout: string }> {
  const before = process.env.PATH;
  process.env.PATH = `${dirname(realBuild('redis-6.0.20'))}:${before}`;
  try {
    return await redfort(['harden', ...args, '--redis-version', '6.0.20', '--out', out]);
  } finally {
    process.env.PATH = before;
  }
}

/** Every file under `dir`, as text. */
function allText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => readFileSync(join(e.parentPath, e.name), 'utf8')).join('\n');
}

describe("harden's trial passes the secrets to Redis 6.0.20, which reads no trailing '-' (QA39-12)", () => {
  it("a replica's config with requirepass and masterauth starts, and the output holds no secret", async () => {
    const conf = join(work, 'replica.conf');
    writeFileSync(conf, `bind 127.0.0.1\nport 6379\nrequirepass ${SECRET}-client\ndir ${work}\nreplicaof 127.0.0.1 6390\nmasterauth ${SECRET}\n`);
    const out = join(work, 'out-replica');
    const run = await harden(['--config', conf], out);
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /^Trial start: passed: redis-server 6\.0\.20 started/m, run.stdout);
    assert.doesNotMatch(`${run.stdout}\n${allText(out)}`, new RegExp(SECRET));
  });

  it("a sentinel's config with auth-pass starts beside its server's", async () => {
    const conf = join(work, 'master.conf');
    writeFileSync(conf, `bind 127.0.0.1\nport 6379\nrequirepass ${SECRET}\ndir ${work}\n`);
    const sentinel = join(work, 'sentinel.conf');
    writeFileSync(sentinel, `bind 127.0.0.1\nport 26379\ndir ${work}\nsentinel monitor m1 127.0.0.1 6379 2\nsentinel auth-pass m1 ${SECRET}\nsentinel down-after-milliseconds m1 5000\n`);
    const out = join(work, 'out-sentinel');
    const run = await harden(['--config', conf, '--sentinel-config', sentinel], out);
    // A 6.0 Sentinel has no ACL users (6.2): it keeps requirepass, given on the command line (QA42-52: it had none and
    // sentinel.no-auth-user failed, exit 1, on every such run).
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /^Trial start: passed: redis-server 6\.0\.20 started .*; redis-sentinel 6\.0\.20 started on .*1 user logged in \(requirepass\)$/m, run.stdout);
    assert.match(run.stdout, /^sentinel\.no-auth-user \(sentinel\.conf\) +fail +pass$/m, run.stdout);
    assert.match(run.stdout, /^auth\.no-authentication \(sentinel\.conf\) +fail +pass$/m, run.stdout);
    assert.doesNotMatch(`${run.stdout}\n${allText(out)}`, new RegExp(SECRET));
  });
});
