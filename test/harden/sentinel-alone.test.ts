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

// QA42-58: `harden --sentinel-config … --tls-cert/--tls-key/--tls-ca` gave the sentinel no TLS and said nothing (PLAN.md's
// table alone showed tls.disabled fail -> fail). harden sets up no Sentinel's TLS: the summary and PLAN.md say so, and
// what to set by hand. Real certificates (openssl), the trial with Debian's redis-sentinel.
describe('harden of a Sentinel with --tls-* (QA42-58)', () => {
  it('says the sentinel gets no TLS from them, in the summary and PLAN.md, with the directives to set by hand', async () => {
    const { makeCerts } = await import('../harness/certs.ts');
    const certs = await makeCerts();
    const { stdout, plan } = await hardened('tls', ['--profile', 'strict', '--tls-cert', certs.serverCert, '--tls-key', certs.serverKey, '--tls-ca', certs.ca]);
    assert.match(stdout, /^TLS: not set up for the Sentinel: --tls-cert\/--tls-key\/--tls-ca apply to a redis-server only; tls\.disabled still fails \(PLAN\.md says what to set by hand\)$/m);
    const manual = plan.slice(plan.indexOf('## What redfort could not do for you'));
    assert.match(manual, /\*\*TLS: this Sentinel gets none: --tls-cert, --tls-key and --tls-ca were not applied to it\.\*\*/);
    for (const directive of ['tls-port', 'tls-cert-file', 'tls-key-file', 'tls-ca-cert-file', 'tls-replication yes']) assert.ok(manual.includes(`\`${directive}\``), directive);
    assert.match(plan, /\| tls\.disabled \| fail \| fail \|/);
    // Without the flags, nothing of it.
    const plain = await hardened('no-tls', ['--profile', 'strict']);
    assert.doesNotMatch(plain.stdout + plain.plan, /not set up for the Sentinel|this Sentinel gets none/);
  });
});
