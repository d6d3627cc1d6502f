import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { build, runCli } from '../report/cli-run.ts';
import { workDir } from './helpers.ts';

after(stopAll);

// QA36-3: `fix --rollback FILE` reached every node as a plaintext client of the default user, whatever the record's
// target said (rediss://ops@…): on a TLS-only server with an ACL user, the README's `fix --rollback FILE` reset the
// connection, `--cacert …` was a usage error ("--cacert needs --tls or a rediss:// URL") and without `--user` it was
// WRONGPASS. TLS and the user now come from the record's target unless flags say otherwise.
const OPS_PASS = 'ops-tls-rollback-0123456789abcdef';
describe('fix --rollback of an apply to a TLS-only server as an ACL user', () => {
  let server: RunningServer;
  let dir: string;
  before(async () => {
    await build();
    server = await startRedis({ tls: true, conf: `loglevel warning\nuser default off\nuser ops on >${OPS_PASS} ~* &* +@all`, username: 'ops', password: OPS_PASS });
    dir = workDir();
  });

  it('takes rediss:// and the user from the record; --cacert/--cert/--key beside it are no usage error', async () => {
    const certs = server.certs!;
    const tls = ['--cacert', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey];
    const url = server.url.replace('rediss://', 'rediss://ops@');
    const env = { REDISCLI_AUTH: OPS_PASS };
    const loglevel = () => rawCommand(server.host, server.port, ['CONFIG', 'GET', 'loglevel'], { user: 'ops', password: OPS_PASS, tls: server.rawTls });
    const planned = await runCli(['fix', url, ...tls, '--plan', '--out', 'plan.json', '--no-probe'], { cwd: dir, env });
    assert.equal(planned.code, 0, planned.stdout + planned.stderr);
    const applied = await runCli(['fix', url, ...tls, '--apply', 'plan.json', '--no-probe'], { cwd: dir, env });
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.deepEqual(await loglevel(), ['loglevel', 'notice']);
    assert.match(readFileSync(join(dir, 'redfort-rollback.json'), 'utf8'), new RegExp(`"target": "rediss://ops@${server.host}:${server.port}"`));

    // Without the certificates the TLS handshake fails: not restored, and the message says what was used and what to add.
    const bare = await runCli(['fix', '--rollback', 'redfort-rollback.json'], { cwd: dir, env });
    assert.equal(bare.code, 1, bare.stdout + bare.stderr);
    assert.match(bare.stdout, /NOT restored/);
    assert.ok(bare.stderr.includes(`the record's target is rediss://ops@${server.host}:${server.port}: the rollback connected over TLS as user 'ops'; give the connection flags the apply had (--tls, --cacert, --cert, --key`), bare.stderr);
    assert.ok(!(bare.stdout + bare.stderr).includes(OPS_PASS));
    assert.deepEqual(await loglevel(), ['loglevel', 'notice']);

    const back = await runCli(['fix', '--rollback', 'redfort-rollback.json', ...tls], { cwd: dir, env });
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.match(back.stdout, /restored .*CONFIG SET loglevel/);
    assert.deepEqual(await loglevel(), ['loglevel', 'warning']);
  });
});
