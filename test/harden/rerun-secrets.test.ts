// QA40-14: harden run again on its own output with --secrets wrote a credentials.env without
// REDFORT_PASSWORD_replication (the user is kept, not made again), which the drop-in's ExecStart still passes as
// --masterauth; QA40-9: passwords the --secrets file gave were counted as "new credentials"; QA40-17: the trial said
// "passed … 0 users logged in ()" though --secrets held every password. QA40-10: the config's own certificate, expiring
// within 30 days, was "skip → fail", claimed as fixed by harden, exit 1. Real redis-server/redis-sentinel 7.0.15 trials.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeCerts } from '../harness/certs.ts';
import { freePort } from '../harness/servers.ts';
import { redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-rerun-'));
after(() => rmSync(work, { recursive: true, force: true }));

const env = (path: string): Map<string, string> =>
  new Map(readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('REDFORT_PASSWORD_')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe('harden again on its own output (QA40-14, QA40-9, QA40-17)', () => {
  it('with --secrets: credentials.env keeps every password the drop-in needs, reused not new, and the trial logs in as each user', async () => {
    const conf = join(work, 'redis.conf');
    writeFileSync(conf, `port ${await freePort()}\nbind 127.0.0.1\ndir ${work}\nsave ""\nreplicaof 127.0.0.1 6390\nmasterauth abcdefghijklmnopqrstuvwxyz012345\n`);
    const sentinel = join(work, 'sentinel.conf');
    writeFileSync(sentinel, `port ${await freePort()}\nsentinel monitor mymaster 127.0.0.1 6390 2\n`);
    const h1 = join(work, 'h1');
    const first = await redfort(['harden', '--config', conf, '--sentinel-config', sentinel, '--redis-version', '7.0.15', '--out', h1]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /^5 new credentials in credentials\.env/m);
    const again = ['harden', '--config', join(h1, 'redis.conf'), '--acl', join(h1, 'users.acl'), '--sentinel-config', join(h1, 'sentinel.conf'), '--sentinel-acl', join(h1, 'sentinel-users.acl'), '--redis-version', '7.0.15'];

    const h2 = join(work, 'h2');
    const run = await redfort([...again, '--secrets', join(h1, 'credentials.env'), '--out', h2]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(readFileSync(join(h2, 'redis.conf.diff'), 'utf8'), '');
    assert.deepEqual(env(join(h2, 'credentials.env')), env(join(h1, 'credentials.env')));
    assert.match(readFileSync(join(h2, 'host', 'systemd', 'redis-server.service.d', 'redfort.conf'), 'utf8'), /--masterauth \$\{REDFORT_PASSWORD_replication\}/);
    assert.match(run.stdout, new RegExp(`^5 credentials reused from ${join(h1, 'credentials.env')} in credentials\\.env \\(mode 0600\\)`, 'm'));
    assert.match(run.stdout, /^Trial start: passed: redis-server 7\.0\.15 started on 127\.0\.0\.1:\d+ with the generated files; 5 users logged in \(sentinel, app, admin, auditor, replication\); redis-sentinel 7\.0\.15 started on 127\.0\.0\.1:\d+ with the generated files; 4 users logged in \(sentinel, app, admin, auditor\)$/m);
    assert.match(readFileSync(join(h2, 'PLAN.md'), 'utf8'), /Reused from the --secrets file, not new: `sentinel`, `app`, `admin`, `auditor`, `replication`\./);

    // Without --secrets: nothing new, and the trial says it could not log in rather than "0 users logged in ()".
    const h3 = join(work, 'h3');
    const bare = await redfort([...again, '--out', h3]);
    assert.equal(bare.code, 0, bare.stdout + bare.stderr);
    assert.doesNotMatch(bare.stdout, /0 users logged in/);
    assert.match(bare.stdout, /with the generated files; no user's password known \(their users exist already; --secrets gives harden the credentials\.env that has them\): logins not checked/);
    assert.match(readFileSync(join(h3, 'PLAN.md'), 'utf8'), /No new credential: every generated user already exists\. Keep the credentials\.env of the run that created them\./);

    // --secrets holding only the sentinel's: PLAN.md says what credentials.env lacks for the drop-in.
    const only = join(work, 'only.env');
    writeFileSync(only, readFileSync(join(h1, 'credentials.env'), 'utf8').split('\n').filter((l) => l.startsWith('REDFORT_PASSWORD_sentinel=')).join('\n') + '\n');
    chmodSync(only, 0o600);
    const h4 = join(work, 'h4');
    const part = await redfort([...again, '--secrets', only, '--out', h4]);
    assert.equal(part.code, 0, part.stdout + part.stderr);
    assert.match(part.stdout, /^1 credential reused from \S+only\.env in credentials\.env/m);
    assert.match(readFileSync(join(h4, 'PLAN.md'), 'utf8'), /\*\*It lacks `REDFORT_PASSWORD_replication`\*\*, which the drop-in passes on the command line/);
  });
});

describe("harden keeps the config's own certificate, and judges it as the audit does (QA40-10)", () => {
  it('expiring soon: fail before and after, not claimed as fixed, exit 0', async () => {
    const certs = await makeCerts();
    const conf = join(work, 'tls.conf');
    writeFileSync(conf, `port ${await freePort()}\nbind 127.0.0.1\ndir ${work}\nsave ""\ntls-port ${await freePort()}\ntls-cert-file ${certs.expiringCert}\ntls-key-file ${certs.expiringKey}\ntls-ca-cert-file ${certs.ca}\n`);
    const audit = await redfort(['audit', '--config', conf, '--redis-version', '7.0.15', '--format', 'json', '--fail-on', 'none']);
    const audited = JSON.parse(audit.stdout).targets[0].results.find((r: { ruleId: string }) => r.ruleId === 'tls.certificate');
    assert.equal(audited.status, 'fail');
    const out = join(work, 'h-tls');
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', out]);
    assert.doesNotMatch(run.stdout, /^tls\.certificate +skip/m);
    assert.doesNotMatch(run.stdout, /still failing/);
    assert.match(run.stdout, /^tls\.certificate still fails, the config's own certificate, which harden keeps as it is \(it makes no certificate: renew it, or give --tls-cert\/--tls-key\/--tls-ca\): the certificate of tls-cert-file \S+expiring\.crt .* expires on /m);
    assert.match(readFileSync(join(out, 'PLAN.md'), 'utf8'), /^\| tls\.certificate \| fail \| fail \| +\|$/m);
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });
});
