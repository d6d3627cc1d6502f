import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readLogrotate } from '../../src/gather/host/logrotate.ts';
import { readUnitFiles } from '../../src/gather/host/systemd.ts';
import { tlsOptions } from '../../src/gather/live/tls-options.ts';
import { readCertificateFile } from '../../src/gather/probe/certificate.ts';
import { readRollback, RollbackFileError } from '../../src/fix/rollback.ts';
import { resolveTarget } from '../../src/redis/target.ts';
import { DEFAULT_MAX_FILE_BYTES } from '../../src/util/read-file.ts';
import { makeCerts } from '../harness/certs.ts';
import { freePort } from '../harness/servers.ts';
import { runCli } from '../report/cli-run.ts';

// The host and TLS readers read through the one capped, regular-file-only reader: a FIFO (which a plain read
// would wait on forever) and a file over the cap are refused and said why. A reader that regressed to a plain
// read hangs on the FIFO: the per-test timeout turns that into a failure instead of a stuck suite.
const dir = mkdtempSync(join(tmpdir(), 'redfort-readers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);
// Sparse: over the cap without writing 16 MiB.
const huge = join(dir, 'huge');
writeFileSync(huge, '');
truncateSync(huge, DEFAULT_MAX_FILE_BYTES + 1);

const GUARD = { timeout: 20_000 };

describe('the host and TLS readers refuse a FIFO and an oversized file', () => {
  test('logrotate: an include naming a FIFO or a huge file is a problem, the rest is read', GUARD, async () => {
    const conf = join(dir, 'logrotate.d');
    mkdirSync(conf);
    writeFileSync(join(conf, 'redis'), `/var/log/redis/*.log {\n weekly\n}\ninclude ${fifo}\ninclude ${huge}\n`);
    const read = await readLogrotate({ logrotateDir: conf });
    assert.ok(read.known);
    assert.deepEqual(read.value.files, [join(conf, 'redis')]);
    assert.deepEqual(read.value.stanzas.map((s) => s.patterns[0]), ['/var/log/redis/*.log']);
    assert.deepEqual(read.value.problems, [
      `cannot read ${fifo}: a FIFO, not a regular file`,
      `cannot read ${huge}: larger than 16 MiB, the most redfort reads of one file`,
    ]);
  });

  test('systemd: a unit file or drop-in that is a FIFO or huge is skipped', GUARD, async () => {
    const first = join(dir, 'units-1');
    const second = join(dir, 'units-2');
    mkdirSync(join(first, 'redis-server.service.d'), { recursive: true });
    mkdirSync(second);
    execFileSync('mkfifo', [join(first, 'redis-server.service')]);
    writeFileSync(join(second, 'redis-server.service'), '[Service]\nUser=redis\nNoNewPrivileges=yes\n');
    execFileSync('mkfifo', [join(first, 'redis-server.service.d', 'fifo.conf')]);
    writeFileSync(join(first, 'redis-server.service.d', 'huge.conf'), '');
    truncateSync(join(first, 'redis-server.service.d', 'huge.conf'), DEFAULT_MAX_FILE_BYTES + 1);
    writeFileSync(join(first, 'redis-server.service.d', 'zz.conf'), '[Service]\nPrivateTmp=yes\n');
    const read = await readUnitFiles('redis-server.service', [first, second]);
    assert.ok(read);
    assert.equal(read.paths[0], join(second, 'redis-server.service'));
    assert.match(read.text, /User=redis/);
    assert.match(read.text, /PrivateTmp=yes/);
    assert.ok(read.text.length < 1024, 'the huge drop-in was read');
  });

  test('tls-cert-file: a FIFO or a huge file is not readable, with the reason', GUARD, async () => {
    assert.equal(await readCertificateFile(fifo), `tls-cert-file ${fifo} is not readable here (a FIFO, not a regular file)`);
    assert.equal(
      await readCertificateFile(huge),
      `tls-cert-file ${huge} is not readable here (larger than 16 MiB, the most redfort reads of one file)`,
    );
  });

  test('--cacert and --cacertdir: a FIFO is refused, one in a CA directory is passed over', GUARD, async () => {
    await assert.rejects(
      tlsOptions(resolveTarget('rediss://127.0.0.1:6379', { cacert: fifo }, {})),
      { message: `cannot read the --cacert file '${fifo}': a FIFO, not a regular file` },
    );
    // A file that is readable but holds no certificate is refused too, naming the flag and the file: a --cacert
    // without one was ignored, and the audit went on without verifying the server.
    const notPem = join(dir, 'not-pem.txt');
    writeFileSync(notPem, 'root:$6$not-a-certificate:19000:0:99999:7:::\n');
    await assert.rejects(tlsOptions(resolveTarget('rediss://127.0.0.1:6379', { cacert: notPem }, {})), { message: `the --cacert file '${notPem}' holds no PEM certificate` });
    await assert.rejects(tlsOptions(resolveTarget('rediss://127.0.0.1:6379', { cert: notPem, key: notPem }, {})), { message: `the --cert file '${notPem}' holds no PEM certificate` });
    const cadir = join(dir, 'cadir');
    mkdirSync(cadir);
    execFileSync('mkfifo', [join(cadir, 'a.pem')]);
    await assert.rejects(
      tlsOptions(resolveTarget('rediss://127.0.0.1:6379', { cacertdir: cadir }, {})),
      { message: `the --cacertdir directory '${cadir}' holds no PEM certificate` },
    );
  });
});

describe('--key must hold a PEM private key that redfort can use', () => {
  test('no key, an OpenSSH key, a DER key and an encrypted key: one line naming the flag and the file', GUARD, async () => {
    const certs = await makeCerts();
    const der = join(dir, 'client.der');
    execFileSync('openssl', ['pkey', '-in', certs.clientKey, '-outform', 'DER', '-out', der]);
    const encrypted = join(dir, 'client-enc.key');
    execFileSync('openssl', ['pkey', '-in', certs.clientKey, '-aes256', '-passout', 'pass:secret', '-out', encrypted]);
    const openssh = join(dir, 'id_ed25519');
    writeFileSync(openssh, '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n');
    const options = (key: string) => tlsOptions(resolveTarget('rediss://127.0.0.1:6379', { cert: certs.clientCert, key }, {}));
    // The certificate alone, given as the key: OpenSSL said only `DECODER routines::unsupported` at connect time.
    for (const key of [certs.clientCert, der, openssh]) {
      await assert.rejects(options(key), { name: 'TargetError', message: `the --key file '${key}' holds no PEM private key` });
    }
    await assert.rejects(options(encrypted), { message: `the --key file '${encrypted}' holds an encrypted private key (redfort takes no passphrase)` });
    assert.ok((await options(certs.clientKey)).key, 'a good key is refused');
  });

  test('a key that is not the certificate\'s, and PEM bodies OpenSSL cannot read: one line naming the files', GUARD, async () => {
    const certs = await makeCerts();
    const options = (flags: { cacert?: string; cert?: string; key?: string }) => tlsOptions(resolveTarget('rediss://127.0.0.1:6379', flags, {}));
    // OpenSSL said `key values mismatch` at connect time, naming neither file.
    await assert.rejects(options({ cert: certs.clientCert, key: certs.serverKey }), {
      name: 'TargetError',
      message: `the --cert file '${certs.clientCert}' and the --key file '${certs.serverKey}' do not match: the key is not the certificate's`,
    });
    const broken = join(dir, 'broken.crt');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n');
    const brokenKey = join(dir, 'broken.key');
    writeFileSync(brokenKey, '-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n');
    await assert.rejects(options({ cert: broken, key: certs.clientKey }), { message: `the --cert file '${broken}' holds a PEM certificate OpenSSL cannot read` });
    await assert.rejects(options({ cert: certs.clientCert, key: brokenKey }), { message: `the --key file '${brokenKey}' holds a PEM private key OpenSSL cannot read` });
    // Node skipped such a CA without a word: the audit connected unverified and blamed the server's certificate.
    const bundle = join(dir, 'bundle.crt');
    writeFileSync(bundle, `${readFileSync(certs.ca, 'utf8')}${readFileSync(broken, 'utf8')}`);
    await assert.rejects(options({ cacert: bundle }), { message: `the --cacert file '${bundle}' holds a PEM certificate OpenSSL cannot read (certificate 2 of 2)` });
    writeFileSync(bundle, `${readFileSync(certs.ca, 'utf8')}${readFileSync(certs.ca, 'utf8').slice(0, 200)}`);
    await assert.rejects(options({ cacert: bundle }), { message: `the --cacert file '${bundle}' holds a PEM certificate cut short (no END line)` });
    assert.ok((await options({ cacert: certs.ca, cert: certs.clientCert, key: certs.clientKey })).key, 'a good set is refused');
  });

  test('the CLI: one line naming the target, the flag and the file, exit 2', GUARD, async () => {
    const certs = await makeCerts();
    const target = `rediss://127.0.0.1:${await freePort()}`;
    const run = await runCli(['audit', target, '--cert', certs.clientCert, '--key', certs.clientCert, '--format', 'json']);
    assert.equal(run.code, 2);
    assert.deepEqual(run.stderr.trim().split('\n'), [`redfort: ${target}: the --key file '${certs.clientCert}' holds no PEM private key`]);
    const mismatch = await runCli(['audit', target, '--cert', certs.clientCert, '--key', certs.serverKey, '--format', 'json']);
    assert.equal(mismatch.code, 2);
    assert.deepEqual(mismatch.stderr.trim().split('\n'), [`redfort: ${target}: the --cert file '${certs.clientCert}' and the --key file '${certs.serverKey}' do not match: the key is not the certificate's`]);
  });
});

describe("fix's rollback file goes through the one reader", () => {
  test('a rollback file that is a FIFO or huge is refused, not waited on', GUARD, async () => {
    // A synchronous read of the FIFO would block this process, timers and the test's timeout included: a writer
    // in another process ends that wait after a while, so that such a regression fails (on an empty record)
    // instead of hanging the suite.
    const writer = spawn('sh', ['-c', `sleep 3; echo > '${fifo}'`], { stdio: 'ignore' });
    try {
      await assert.rejects(readRollback(fifo), (error: unknown) => {
        assert.ok(error instanceof RollbackFileError);
        assert.equal(error.message, `${fifo}: cannot read the rollback file: a FIFO, not a regular file`);
        return true;
      });
    } finally {
      writer.kill();
    }
    await assert.rejects(readRollback(huge), { message: `${huge}: cannot read the rollback file: larger than 16 MiB, the most redfort reads of one file` });
    await assert.rejects(readRollback(join(dir, 'missing.json')), { message: `${join(dir, 'missing.json')}: cannot read the rollback file: no such file` });
  });
});
