import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ConfigMap } from '../../src/facts/types.ts';
import { ownTlsFiles } from '../../src/harden/own-tls.ts';
import { makeCerts } from '../harness/certs.ts';
import { freePort, startRedis, stopAll } from '../harness/servers.ts';
import { redfort } from './run.ts';

// QA36-1: a config that already names its TLS files (tls-cert-file, tls-key-file, tls-ca-cert-file) left
// tls.client-auth-disabled, tls.server-ciphers-not-preferred and tls.replication-plaintext failing, and PLAN.md said
// "redfort has no certificate for this server": harden now uses them as if given with --tls-cert/--tls-key/--tls-ca.
// A config file's are read (the key must be the certificate's) and loaded by the trial; a live server's are its word,
// never read: harden names them as the server already does, and its trial server runs without TLS.

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-own-tls-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const FIXED = ['tls.client-auth-disabled', 'tls.server-ciphers-not-preferred', 'tls.replication-plaintext', 'tls.weak-ciphers'];

/** PLAN.md's before/after row of a rule harden claims. */
const row = (plan: string, rule: string): string | undefined => plan.split('\n').find((l) => l.startsWith(`| ${rule} |`) && l.endsWith('| yes |'));

describe("harden with the TLS files the config already names (no --tls-*)", () => {
  it("a config file's own files: relative ones resolved against its dir, read, used as --tls-* would be", async () => {
    const certs = await makeCerts();
    // The config in one directory, its `dir` and its TLS files in another: redis-server chdirs to `dir` before it
    // loads them, so the relative names are `dir`'s, not the config's directory's.
    const confDir = join(work, 'etc');
    const dataDir = join(work, 'data');
    mkdirSync(confDir);
    mkdirSync(dataDir);
    copyFileSync(certs.serverCert, join(dataDir, 'server.crt'));
    copyFileSync(certs.serverKey, join(dataDir, 'server.key'));
    copyFileSync(certs.ca, join(dataDir, 'ca.crt'));
    const tlsPort = await freePort();
    const conf = join(confDir, 'redis.conf');
    writeFileSync(conf, `port 0\ntls-port ${tlsPort}\ndir ${dataDir}\ntls-cert-file server.crt\ntls-key-file server.key\ntls-ca-cert-file ca.crt\ntls-auth-clients optional\nsave ""\n`);
    const out = join(work, 'files');
    const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^Trial start: passed: redis-server 7\.0\.15 started/m);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.doesNotMatch(plan, /no certificate/);
    for (const rule of FIXED) assert.match(row(plan, rule) ?? `${rule}: not claimed`, /\| pass \| yes \|$/, rule);
    assert.match(row(plan, 'tls.client-auth-disabled')!, /\| fail \| pass \| yes \|$/);
    const hardened = readFileSync(join(out, 'redis.conf'), 'utf8');
    for (const [directive, file] of <[string, string][]>[['tls-cert-file', 'server.crt'], ['tls-key-file', 'server.key'], ['tls-ca-cert-file', 'ca.crt']]) {
      assert.match(hardened, new RegExp(`^${directive} "?${join(dataDir, file)}"?$`, 'm'), directive);
    }
    // The ports as the config had them: TLS only, on its own tls-port.
    assert.match(hardened, /^port 0$/m);
    assert.match(hardened, new RegExp(`^tls-port ${tlsPort}$`, 'm'));
    assert.match(hardened, /^tls-auth-clients yes$/m);
    assert.match(plan, new RegExp(`\\*\\*TLS certificate: the config's own\\.\\*\\* .*\`tls-cert-file ${join(dataDir, 'server.crt')}\` \\(${conf}:4\\).* It read them`));
    assert.match(plan, new RegExp(`resolved against ${dataDir}, the server's \`dir\``));
    assert.match(plan, /There is no plaintext port \(`port 0`, kept\)/);
    assert.doesNotMatch(plan, /plaintext port 0 stays open/);
    // permissions.sh sets their modes, as for --tls-key.
    assert.match(readFileSync(join(out, 'host', 'permissions.sh'), 'utf8'), new RegExp(`^set_ root:redis 0640 '?${join(dataDir, 'server.key')}'?$`, 'm'));
  });

  it('a key that is not the certificate\'s, or no CA: not used, and PLAN.md says why (not "no certificate")', async () => {
    const certs = await makeCerts();
    const cases: [string, string, RegExp][] = [
      ['mismatch', `tls-cert-file ${certs.serverCert}\ntls-key-file ${certs.clientKey}\ntls-ca-cert-file ${certs.ca}\n`, /TLS: the config's own TLS files are not used: its tls-cert-file \S+ and its tls-key-file \S+ do not match: the key is not the certificate's\. Run `redfort harden` again with `--tls-cert FILE/],
      ['no-ca', `tls-cert-file ${certs.serverCert}\ntls-key-file ${certs.serverKey}\n`, /TLS: the config's own TLS files are not used: the config names a certificate, tls-cert-file '\S+' \(\S+:2\), but no tls-ca-cert-file/],
      ['unreadable', `tls-cert-file ${certs.serverCert}\ntls-key-file ${join(work, 'missing.key')}\ntls-ca-cert-file ${certs.ca}\n`, /TLS: the config's own TLS files are not used: its tls-key-file \S+missing\.key cannot be read here \(no such file\)/],
    ];
    for (const [name, lines, message] of cases) {
      const conf = join(work, `${name}.conf`);
      writeFileSync(conf, `port 6379\n${lines}`);
      const out = join(work, `refused-${name}`);
      const run = await redfort(['harden', '--config', conf, '--redis-version', '7.0.15', '--out', out]);
      assert.equal(run.code, 0, name + run.stdout + run.stderr);
      const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
      assert.match(plan, message, name);
      assert.doesNotMatch(plan, /no certificate|TLS certificate: the config's own/, name);
      assert.doesNotMatch(readFileSync(join(out, 'redis.conf'), 'utf8'), /^tls-port /m, name);
    }
  });

  it("a live server's own files: named as it names them, never read, and the trial runs without TLS", async () => {
    const certs = await makeCerts();
    // Relative names, resolved by the server against its dir (CONFIG GET dir).
    const server = await startRedis({
      tls: { authClients: 'optional', cert: 'own.crt', key: 'own.key' },
      files: { 'own.crt': readFileSync(certs.serverCert, 'utf8'), 'own.key': { content: readFileSync(certs.serverKey, 'utf8'), mode: 0o600 } },
    });
    // The server has loaded them: what is at those paths now is not read by harden (it would refuse a key that is not
    // the certificate's), nor loaded by its trial server (which would not start with it).
    writeFileSync(join(server.dir, 'own.key'), readFileSync(certs.clientKey, 'utf8'));
    const out = join(work, 'live');
    const run = await redfort(['harden', server.url, '--cacert', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey, '--out', out]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^Trial start: passed: .*\(without TLS: its certificate files are the live server's word, which harden does not read, so its trial server did not load them either\)$/m);
    const plan = readFileSync(join(out, 'PLAN.md'), 'utf8');
    assert.doesNotMatch(plan, /no certificate/);
    for (const rule of FIXED) assert.match(row(plan, rule) ?? `${rule}: not claimed`, /\| pass \| yes \|$/, rule);
    assert.match(plan, new RegExp(`\\*\\*TLS certificate: the server's own, not read\\.\\*\\* .*\`tls-key-file ${join(server.dir, 'own.key')}\`.*it did not read them`));
    const hardened = readFileSync(join(out, 'redis.conf'), 'utf8');
    assert.match(hardened, new RegExp(`^tls-cert-file "?${join(server.dir, 'own.crt')}"?$`, 'm'));
    assert.match(hardened, new RegExp(`^tls-key-file "?${join(server.dir, 'own.key')}"?$`, 'm'));
    assert.match(hardened, new RegExp(`^tls-port ${server.tlsPort}$`, 'm'));
    // permissions.sh does not chown or chmod a path only the server named.
    const perms = readFileSync(join(out, 'host', 'permissions.sh'), 'utf8');
    assert.doesNotMatch(perms, /^ch(own|mod) .*own\.key/m);
    assert.match(perms, /^# .*own\.key.*: the live server's TLS files \(CONFIG GET\), left alone/m);
    await server.stop();
  });
});

// The choice itself, on settings alone: when a live server's word is taken, and how relative names resolve.
describe('ownTlsFiles', () => {
  const live = (entries: Record<string, string>): ConfigMap => new Map(Object.entries(entries).map(([k, value]) => [k, { value, source: { kind: 'live' as const, command: 'CONFIG GET' } }]));
  const file = (entries: Record<string, string>): ConfigMap => new Map(Object.entries(entries).map(([k, value], i) => [k, { value, source: { kind: 'file' as const, path: '/etc/redis/redis.conf', line: i + 1 } }]));
  const files = { 'tls-cert-file': 'tls/r.crt', 'tls-key-file': 'tls/r.key', 'tls-ca-cert-file': '/etc/ssl/ca.crt' };

  it('a config file: relative names against its dir, itself against the config directory', () => {
    const own = ownTlsFiles(file({ dir: 'data', ...files }), { confPath: '/etc/redis/redis.conf' });
    assert.ok(own && 'files' in own);
    assert.deepEqual(own.files, { cert: '/etc/redis/data/tls/r.crt', key: '/etc/redis/data/tls/r.key', ca: '/etc/ssl/ca.crt' });
    assert.equal(own.read, true);
    assert.deepEqual(own.resolved.map((r) => r.directive), ['tls-cert-file', 'tls-key-file']);
  });

  it("a live server's: against CONFIG GET dir, only when it uses TLS with those very files", () => {
    const running = live({ dir: '/var/lib/redis', 'tls-port': '6380', ...files });
    const own = ownTlsFiles(running, { live: running });
    assert.ok(own && 'files' in own);
    assert.equal(own.files.cert, '/var/lib/redis/tls/r.crt');
    assert.equal(own.read, false);
    const replicationOnly = live({ dir: '/var/lib/redis', 'tls-port': '0', 'tls-replication': 'yes', ...files });
    assert.ok('files' in ownTlsFiles(replicationOnly, { live: replicationOnly })!);
    const off = live({ dir: '/var/lib/redis', 'tls-port': '0', ...files });
    assert.match((ownTlsFiles(off, { live: off }) as { why: string }).why, /does not use TLS .* never loaded those files/);
    // The config file read beside it names another key than the server runs with.
    const other = ownTlsFiles(file({ ...files, 'tls-key-file': 'tls/old.key' }), { live: running });
    assert.match((other as { why: string }).why, /^the running server uses another tls-key-file than its config file names \(CONFIG GET 'tls\/r\.key', the file tls-key-file 'tls\/old\.key' \(\/etc\/redis\/redis\.conf:2\)\)/);
    // CONFIG GET did not answer for them: the file's word alone is not the server's use.
    assert.match((ownTlsFiles(file(files), { live: live({ 'tls-port': '6380' }) }) as { why: string }).why, /are not known \(CONFIG GET did not answer for them\)/);
  });

  it('none named: undefined (harden has no certificate); half of them: why', () => {
    assert.equal(ownTlsFiles(file({ port: '6379' }), {}), undefined);
    assert.match((ownTlsFiles(file({ 'tls-key-file': '/k' }), {}) as { why: string }).why, /^the config names tls-key-file '\/k' \(\/etc\/redis\/redis\.conf:1\) but no tls-cert-file$/);
    assert.match((ownTlsFiles(file({ 'tls-cert-file': '/c', 'tls-key-file': '/k', 'tls-ca-cert-dir': '/etc/ssl/certs' }), {}) as { why: string }).why, /but no tls-ca-cert-file, .*\(it has a tls-ca-cert-dir, which harden does not take/);
  });
});
