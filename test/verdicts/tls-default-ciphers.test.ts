import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { audit, expectStatus, port } from '../probe/helpers.ts';

// A TLS server without tls-ciphers offers the TLS 1.2 suites of its OpenSSL's default list: on this host (Debian 12,
// OpenSSL 3.0) that includes CBC suites with a SHA-1 MAC, which the probe reports. Its settings alone (the file, or
// CONFIG GET without the probe) passed it with "the OpenSSL default list has no NULL, export, RC4, DES or MD5
// suites"; the defaults of the host are unknown from the settings, so that is a skip.
after(stopAll);

describe('tls-ciphers unset', { concurrency: true }, () => {
  let server: RunningServer;
  let tls13: RunningServer;
  let named: RunningServer;
  let removed: RunningServer;
  let named13: RunningServer;
  let client: { cacert: string; cert: string; key: string };
  before(async () => {
    server = await startRedis({ tls: { authClients: 'yes' } });
    tls13 = await startRedis({ tls: { authClients: 'yes', certs: server.certs }, conf: 'tls-protocols "TLSv1.3"' });
    named = await startRedis({ tls: { authClients: 'yes', certs: server.certs }, conf: 'tls-ciphers "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA"' });
    // '!SHA1' takes the named CBC suite out again: `openssl ciphers` lists only the GCM suite (review R6).
    removed = await startRedis({ tls: { authClients: 'yes', certs: server.certs }, conf: 'tls-ciphers "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:!SHA1"' });
    named13 = await startRedis({ tls: { authClients: 'yes', certs: server.certs }, conf: 'tls-ciphers "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA"\ntls-protocols "TLSv1.3"' });
    const certs = server.certs!;
    client = { cacert: certs.ca, cert: certs.clientCert, key: certs.clientKey };
  });

  it('the probe: the real server offers CBC-SHA1 suites (a low finding, as before)', async () => {
    const live = await audit(server.url, client);
    const offered = port(live.facts, 'target').ciphers.tls12;
    assert.ok(offered.some((s) => /-SHA$/.test(s)), offered.join(' '));
    const [cbc] = expectStatus(live.results, 'tls.weak-ciphers', 'fail');
    assert.match(cbc!.message, /accepted \d+ CBC suites with a SHA-1 MAC/);
    assert.equal(cbc!.severity, 'low');
  });

  it('its settings alone (CONFIG GET without the probe, or its file): a skip that says why, never a pass', async () => {
    const live = await audit(server.url, client, { noProbe: true, noHost: true });
    const files = await auditFiles({ configPath: server.confPath, version: '7.0.15' });
    for (const results of [live.results, files.results]) {
      const [skipped] = expectStatus(results, 'tls.weak-ciphers', 'skip');
      assert.match(skipped!.message, /^tls-ciphers is unset: the TLS 1\.2 suites are the OpenSSL defaults of the host it runs on, unknown from its settings/);
    }
  });

  it('TLS 1.3 only: the TLS 1.2 list is never used, from the file and on the wire', async () => {
    const [fromFile] = expectStatus((await auditFiles({ configPath: tls13.confPath, version: '7.0.15' })).results, 'tls.weak-ciphers', 'pass');
    assert.match(fromFile!.message, /^tls-ciphers is unset, and tls-protocols is 'TLSv1\.3': TLS 1\.2 is off/);
    const live = await audit(tls13.url, client);
    assert.deepEqual(port(live.facts, 'target').ciphers.tls12, []);
    expectStatus(live.results, 'tls.weak-ciphers', 'pass');
  });

  it('a CBC-SHA1 suite named in tls-ciphers: the same low finding from the file as on the wire', async () => {
    const live = expectStatus((await audit(named.url, client)).results, 'tls.weak-ciphers', 'fail');
    const wire = live.find((r) => /accepted 1 CBC suite with a SHA-1 MAC: ECDHE-RSA-AES128-SHA$/.test(r.message));
    assert.ok(wire, live.map((r) => r.message).join('\n'));
    const [file] = expectStatus((await auditFiles({ configPath: named.confPath, version: '7.0.15' })).results, 'tls.weak-ciphers', 'fail');
    assert.equal(file!.message, "tls-ciphers 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA' names 1 CBC suite with a SHA-1 MAC: ECDHE-RSA-AES128-SHA");
    assert.equal(file!.severity, wire!.severity);
    assert.equal(file!.remediation, wire!.remediation);
  });

  it('a CBC-SHA1 suite named, then removed by an alias (!SHA1): the wire sees none, the settings do not claim it', async () => {
    const live = await audit(removed.url, client);
    assert.deepEqual(port(live.facts, 'target').ciphers.tls12, ['ECDHE-RSA-AES128-GCM-SHA256']);
    const [wire] = expectStatus(live.results, 'tls.weak-ciphers', 'pass');
    assert.match(wire!.message, /^on the wire, 127\.0\.0\.1:\d+ accepted 1 TLS 1\.2 suite and \d+ TLS 1\.3 suites?, none weak/);
    const settings = (await audit(removed.url, client, { noProbe: true, noHost: true })).results;
    const files = (await auditFiles({ configPath: removed.confPath, version: '7.0.15' })).results;
    for (const results of [settings, files]) {
      const [skipped] = expectStatus(results, 'tls.weak-ciphers', 'skip');
      assert.equal(
        skipped!.message,
        "tls-ciphers 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:!SHA1' names ECDHE-RSA-AES128-SHA, but !SHA1 may remove it again: which suites that leaves depends on the OpenSSL the server runs with, unknown from its settings; audit it live with the TLS probe to see what it offers",
      );
    }
  });

  it('a CBC-SHA1 suite named with TLS 1.3 only: nothing of the list is offered, from the file and on the wire', async () => {
    const live = await audit(named13.url, client);
    assert.deepEqual(port(live.facts, 'target').ciphers.tls12, []);
    expectStatus(live.results, 'tls.weak-ciphers', 'pass');
    const [file] = expectStatus((await auditFiles({ configPath: named13.confPath, version: '7.0.15' })).results, 'tls.weak-ciphers', 'pass');
    assert.equal(file!.message, "tls-ciphers is 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA', but tls-protocols is 'TLSv1.3': TLS 1.2 is off, so none of its suites is offered");
  });
});
