import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import type { TargetResult } from '../../src/engine/run.ts';

// QA41-108: a config whose `aclfile` is a deploy-time path (the server's /etc/redis/users.acl, absent from the
// checkout) was audited with every user rule a skip, exit 0 and no word anywhere, while a missing `include` in the
// same situation is a one-line error (QA41-103). redis-server refuses to start without its ACL file: a file-only
// audit says so in one line naming the aclfile line and the ways on (--acl FILE, --path-map, --start-dir).

const base = mkdtempSync(join(tmpdir(), 'redfort-aclfile-'));
after(() => rmSync(base, { recursive: true, force: true }));
const DEPLOYED = '/etc/redfort-qa41-108';

const resultOf = (r: TargetResult, id: string) => r.results.find((x) => x.ruleId === id);

describe('an aclfile outside the checkout, in an audit of the files alone', () => {
  it('is an error naming the aclfile line and --acl / --path-map; with either, its users are judged', async () => {
    assert.equal(existsSync(DEPLOYED), false, `${DEPLOYED} exists on this machine: the test needs it absent`);
    const dir = join(base, 'ci');
    mkdirSync(join(dir, 'deploy'), { recursive: true });
    writeFileSync(join(dir, 'ci.conf'), `aclfile ${DEPLOYED}/users.acl\nbind 127.0.0.1\nport 16379\n`);
    writeFileSync(join(dir, 'deploy', 'users.acl'), 'user default on nopass ~* &* +@all\n');
    const conf = join(dir, 'ci.conf');
    const refused = await auditFiles({ configPath: conf });
    assert.match(refused.error ?? '', new RegExp(`^${conf.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:1: aclfile: can't open the ACL file '${DEPLOYED}/users\\.acl': no such file \\(redis-server refuses to start without it\\); .*--acl FILE.*--path-map ${DEPLOYED}=DIR`));
    assert.doesNotMatch(refused.error ?? '', /\n/);
    const given = await auditFiles({ configPath: conf, aclPath: join(dir, 'deploy', 'users.acl') });
    assert.equal(given.error, undefined);
    assert.equal(resultOf(given, 'auth.no-authentication')?.status, 'fail');
    const mapped = await auditFiles({ configPath: conf, pathMap: [[DEPLOYED, join(dir, 'deploy')]] });
    assert.equal(mapped.error, undefined);
    assert.equal(resultOf(mapped, 'auth.no-authentication')?.status, 'fail');
  });

  it('a relative aclfile: the error says its directory was assumed and names --start-dir', async () => {
    const dir = join(base, 'relative');
    mkdirSync(join(dir, 'run'), { recursive: true });
    writeFileSync(join(dir, 'r.conf'), 'port 16379\naclfile users.acl\n');
    writeFileSync(join(dir, 'run', 'users.acl'), 'user default off\n');
    const refused = await auditFiles({ configPath: join(dir, 'r.conf') });
    assert.match(refused.error ?? '', /r\.conf:2: aclfile: can't open the ACL file '.*\/relative\/users\.acl': no such file .*an assumption.*--start-dir DIR/);
    const started = await auditFiles({ configPath: join(dir, 'r.conf'), cwd: join(dir, 'run') });
    assert.equal(started.error, undefined);
    assert.equal(resultOf(started, 'auth.default-user-enabled')?.status, 'pass');
  });

  it('an ACL file there but unreadable (a FIFO): its users skip, with a warning saying so', async () => {
    const dir = join(base, 'fifo');
    mkdirSync(dir, { recursive: true });
    execFileSync('mkfifo', [join(dir, 'users.acl')]);
    writeFileSync(join(dir, 'f.conf'), `port 16379\naclfile ${join(dir, 'users.acl')}\n`);
    const result = await auditFiles({ configPath: join(dir, 'f.conf') });
    assert.equal(result.error, undefined);
    assert.equal(resultOf(result, 'auth.no-authentication')?.status, 'skip');
    assert.ok(result.warnings?.some((w) => /f\.conf:2: the ACL file .* could not be read.*the users it defines are not judged.*--acl FILE/.test(w)), JSON.stringify(result.warnings));
  });
});
