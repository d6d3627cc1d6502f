// QA40-25: a Sentinel hardened alone (no master or replica of its group in the run) logs in to the nodes as a
// `sentinel` user with a new password none of them has, and its peers log in to it as the default user it turns off:
// deployed first, it saw the master down and its peers saw it down, while harden said "fixed" and PLAN.md nothing.
// harden now says what the group needs before it restarts, and does not count sentinel.no-auth-user as fixed.
// The trial starts Debian's redis-sentinel.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { redfort } from './run.ts';

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-sentinel-alone-'));
after(() => rmSync(work, { recursive: true, force: true }));

const SENTINEL = 'port 26379\nprotected-mode no\nsentinel monitor grp 127.0.0.1 6379 2\nsentinel auth-pass grp Old-group-pass-1234\n';

async function hardened(name: string, args: readonly string[]): Promise<{ stdout: string; plan: string }> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'sentinel.conf'), SENTINEL);
  const out = join(dir, 'out');
  const run = await redfort(['harden', '--sentinel-config', join(dir, 'sentinel.conf'), '--redis-version', '7.0.15', '--out', out, ...args.map((a) => a.replace('DIR', dir))]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^Trial start: passed: /m, run.stdout);
  return { stdout: run.stdout, plan: readFileSync(join(out, 'PLAN.md'), 'utf8') };
}

describe('harden of a Sentinel alone (QA40-25)', () => {
  it('says its masters, replicas and peer sentinels need the sentinel user first, and does not count sentinel.no-auth-user as fixed', async () => {
    const { stdout, plan } = await hardened('alone', []);
    assert.match(stdout, /^Sentinel hardened alone: its masters, replicas and peer sentinels need the sentinel user \(this credentials\.env, --secrets\) before it restarts, or the group loses its failover \(PLAN\.md\)$/m);
    const manual = plan.slice(plan.indexOf('## What redfort could not do for you'));
    assert.match(manual, /\*\*This Sentinel was hardened alone: its group must get the `sentinel` user first\.\*\* Its sentinel\.conf logs in to the masters and replicas it monitors \(`grp`\) as `sentinel`/);
    assert.match(manual, /harden every master and replica of the group with `--secrets` naming this credentials\.env/);
    // Not among the rules harden fixes: the row says so, and the count leaves it out.
    assert.match(stdout, /^sentinel\.no-auth-user +fail +pass$/m);
    assert.match(stdout, /^9 of 9 rules harden fixes pass\.$/m);
  });

  it('says nothing of it when --secrets gives the group\'s sentinel password (the group has the user)', async () => {
    const secrets = join(work, 'group.env');
    writeFileSync(secrets, 'REDFORT_PASSWORD_sentinel=Group-sentinel-pass-0123456789abcdef\n', { mode: 0o600 });
    const { stdout, plan } = await hardened('reused', ['--secrets', secrets]);
    assert.doesNotMatch(stdout + plan, /hardened alone/);
  });
});

// QA42-58: `harden --sentinel-config … --tls-cert/--tls-key/--tls-ca` gave the sentinel no TLS (then only said so). A
// Sentinel runs TLS as a server does (6.0+): tls-port and the tls-* files for its clients and peers, and with
// tls-replication yes it dials TLS to its masters, replicas and peer sentinels (sentinel.c). harden sets it up; the
// replication side (and strict's port 0) only where its masters are reached on TLS. Real certificates (openssl), the
// trial with Debian's redis-sentinel, and a real TLS-only master the hardened sentinel monitors.
describe('harden of a Sentinel with --tls-* (QA42-58)', () => {
  const line = (conf: string, name: string): string | undefined => conf.split('\n').find((l) => l.startsWith(`${name} `));

  it('gives it a TLS listener with the files, and holds tls-replication and the plaintext port while its masters may answer in clear text', async () => {
    const { makeCerts } = await import('../harness/certs.ts');
    const certs = await makeCerts();
    const { stdout, plan } = await hardened('tls', ['--profile', 'strict', '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--tls-ca', certs.ca]);
    const conf = readFileSync(join(work, 'tls', 'out', 'sentinel.conf'), 'utf8');
    assert.equal(line(conf, 'tls-port'), 'tls-port 36379', conf);
    assert.equal(line(conf, 'tls-cert-file'), `tls-cert-file ${certs.serverCert}`);
    assert.equal(line(conf, 'tls-key-file'), `tls-key-file ${certs.serverKey}`);
    assert.equal(line(conf, 'tls-ca-cert-file'), `tls-ca-cert-file ${certs.ca}`);
    assert.equal(line(conf, 'tls-protocols'), 'tls-protocols "TLSv1.2 TLSv1.3"');
    assert.equal(line(conf, 'tls-replication'), undefined, 'held: its master 127.0.0.1:6379 may answer in clear text');
    assert.equal(line(conf, 'port'), 'port 26379', 'its peers reach it there while tls-replication is no');
    assert.match(stdout, /^Sentinel TLS: tls-port 36379 \(port \+ 10000\); tls-replication left no and the plaintext port open: /m);
    for (const rule of ['tls.disabled', 'tls.weak-protocols', 'tls.weak-ciphers', 'tls.server-ciphers-not-preferred', 'tls.certificate']) {
      assert.match(plan, new RegExp(`^\\| ${rule.replace('.', '\\.')} \\| \\w+ \\| pass \\| yes \\|$`, 'm'), rule);
    }
    assert.match(plan, /^\| tls\.replication-plaintext \| \w+ \| fail \| {2}\|$/m, 'not claimed');
    assert.match(plan, /^\| tls\.plaintext-port-open \| \w+ \| fail \| {2}\|$/m, 'not claimed');
    const manual = plan.slice(plan.indexOf('## What redfort could not do for you'));
    assert.match(manual, /\*\*Sentinel TLS replication:\*\* harden left the sentinel's `tls-replication no` and its plaintext port open \(profile strict\)/);
    assert.doesNotMatch(stdout + plan, /not set up for the Sentinel|this Sentinel gets none/);
    // Without the flags, nothing of it.
    const plain = await hardened('no-tls', ['--profile', 'strict']);
    assert.doesNotMatch(plain.stdout + plain.plan, /Sentinel TLS/);
  });

  it('with tls-replication yes already: strict closes the plaintext port, and a redis-sentinel started on the output reaches its TLS-only master', async () => {
    const { makeCerts } = await import('../harness/certs.ts');
    const { startRedis } = await import('../harness/servers.ts');
    const { rawCommand } = await import('../harness/raw.ts');
    const { eventually } = await import('../harness/wait.ts');
    const certs = await makeCerts();
    const password = 'Group-sentinel-pass-0123456789abcdef';
    const master = await startRedis({ tls: { certs }, conf: `user default on nopass ~* &* +@all\nuser sentinel on >${password} ~* &* +@all` });
    try {
      const dir = join(work, 'tls-master');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'sentinel.conf'), `port 26379\nsentinel monitor grp 127.0.0.1 ${master.port} 1\nsentinel down-after-milliseconds grp 5000\ntls-replication yes\n`);
      writeFileSync(join(dir, 'group.env'), `REDFORT_PASSWORD_sentinel=${password}\n`, { mode: 0o600 });
      const out = join(dir, 'out');
      const run = await redfort(['harden', '--sentinel-config', join(dir, 'sentinel.conf'), '--secrets', join(dir, 'group.env'), '--redis-version', '7.0.15', '--profile', 'strict', '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--tls-ca', certs.ca, '--out', out]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /^Trial start: passed: /m);
      assert.match(run.stdout, /^Sentinel TLS: tls-port 36379 \(port \+ 10000\); tls-replication yes; port 0$/m);
      const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
      for (const rule of ['tls.disabled', 'tls.replication-plaintext', 'tls.plaintext-port-open', 'tls.client-auth-disabled']) {
        assert.match(plan, new RegExp(`^\\| ${rule.replace('.', '\\.')} \\| \\w+ \\| pass \\| yes \\|$`, 'm'), rule);
      }
      const conf = readFileSync(join(out, 'sentinel.conf'), 'utf8');
      assert.equal(line(conf, 'port'), 'port 0');
      assert.equal(line(conf, 'tls-replication'), 'tls-replication yes');
      // Deployed: its own TLS port from the harness (as the trial's), its ACL file where the output has it, the
      // passwords on the command line as the drop-in gives them; everything else as harden wrote it.
      const admin = /^REDFORT_PASSWORD_admin=(\S+)$/m.exec(readFileSync(join(out, 'credentials.env'), 'utf8'))![1]!;
      const body = conf.replace(/^aclfile .*$/m, `aclfile ${join(out, 'sentinel-users.acl')}`).replace(/^(port|tls-port|dir|logfile|pidfile|daemonize|bind) .*$/gm, '');
      const sentinel = await startRedis({ sentinel: true, tls: { certs }, conf: body, args: ['--sentinel', 'auth-pass', 'grp', password, '--sentinel', 'sentinel-pass', password], username: 'admin', password: admin });
      try {
        // The master listens on TLS alone: a sentinel link there, logged in as the sentinel user, is a TLS one.
        await eventually('the hardened sentinel logged in to its TLS-only master', async () => / name=sentinel-\w+-cmd .* user=sentinel /.test(String(await rawCommand(master.host, master.port, ['CLIENT', 'LIST'], { tls: master.rawTls! }))), { timeoutMs: 20_000 });
        const flags = await eventually('the sentinel sees its master up', async () => {
          const reply = await rawCommand(sentinel.host, sentinel.port, ['SENTINEL', 'MASTER', 'grp'], { tls: sentinel.rawTls!, user: 'admin', password: admin });
          const fields = Array.isArray(reply) ? reply.map(String) : [];
          const value = fields[fields.indexOf('flags') + 1];
          return value === 'master' ? value : undefined;
        }, { timeoutMs: 20_000 });
        assert.equal(flags, 'master');
      } finally {
        await sentinel.stop();
      }
    } finally {
      await master.stop();
    }
  });
});
