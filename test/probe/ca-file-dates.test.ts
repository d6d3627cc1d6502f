import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeCerts } from '../harness/certs.ts';
import { redfort } from '../harden/run.ts';

// QA41-22 rest: tls.certificate judged the certificate of tls-cert-file and its chain, never the CAs of
// tls-ca-cert-file, against which the server verifies its clients' certificates and its TLS peers: an expired one
// there verifies none of them, and the rule passed. A file-only audit of a config naming real openssl certificates.
const work = mkdtempSync(join(tmpdir(), 'redfort-ca-file-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Report { targets: { results: { ruleId: string; status: string; message: string; source?: { path?: string; line?: number } }[] }[] }

async function certificateResults(caFile: string): Promise<Report['targets'][number]['results']> {
  const certs = await makeCerts();
  const conf = join(work, `redis-${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(conf, `port 0\ntls-port 6380\ntls-cert-file ${certs.serverCert}\ntls-key-file ${certs.serverKey}\ntls-ca-cert-file ${caFile}\n`);
  const out = join(work, `${Math.random().toString(36).slice(2)}.json`);
  const run = await redfort(['audit', '--config', conf, '--redis-version', '7.0.15', '--format', 'json', '-o', out, '--fail-on', 'none']);
  assert.equal(run.code, 0, run.stderr);
  return (JSON.parse(readFileSync(out, 'utf8')) as Report).targets[0]!.results.filter((r) => r.ruleId === 'tls.certificate');
}

describe('tls.certificate and the CAs of tls-ca-cert-file (QA41-22)', () => {
  it('fails an expired certificate in the CA file, naming its line; passes the valid CA alone', async () => {
    const certs = await makeCerts();
    const good = await certificateResults(certs.ca);
    assert.deepEqual(good.map((r) => r.status), ['pass'], JSON.stringify(good));
    const bundle = join(work, 'bundle.pem');
    const caText = readFileSync(certs.ca, 'utf8');
    writeFileSync(bundle, caText + readFileSync(certs.expiredCert, 'utf8'));
    const bad = await certificateResults(bundle);
    const expired = bad.find((r) => r.status === 'fail' && /in tls-ca-cert-file/.test(r.message));
    assert.ok(expired, JSON.stringify(bad));
    assert.match(expired.message, new RegExp(`^the CA certificate .* in tls-ca-cert-file ${bundle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} expired on 2020-02-01, \\d+ days ago: the server no longer verifies the client certificates and TLS peers it issued$`));
    assert.equal(expired.source?.path, bundle);
    assert.equal(expired.source?.line, caText.split('\n').length);
  });
});
