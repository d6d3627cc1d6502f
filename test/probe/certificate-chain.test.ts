import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { audit, expectStatus } from './helpers.ts';

// QA41-22: tls.certificate judged only the first certificate of tls-cert-file (and the peer's leaf): a chain whose
// intermediate expired passed the file-only audit ("valid until …"), and live it failed with the leaf's dates and
// never named the intermediate. Every certificate of the file (and of the chain the server sends) is judged now.
// The chain is made here with openssl: CA (valid) -> intermediate (2024-01-01 .. 2025-06-01) -> leaf (valid).

after(stopAll);

const dir = mkdtempSync(join(tmpdir(), 'redfort-chain-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeChain(): { ca: string; chain: string; key: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256'];
  openssl('req', '-x509', '-new', ...ec, '-days', '365', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/O=redfort chain/CN=chain CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  // `openssl x509` of 3.0 cannot backdate: `openssl ca` can.
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'int.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  writeFileSync(join(dir, 'leaf.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
  writeFileSync(join(dir, 'ca.cnf'), [
    '[ ca ]', 'default_ca = c', '[ c ]', `dir = ${dir}`, 'database = $dir/index.txt', 'new_certs_dir = $dir', 'serial = $dir/serial',
    'certificate = $dir/ca.crt', 'private_key = $dir/ca.key', 'default_md = sha256', 'policy = p', 'unique_subject = no',
    '[ p ]', 'organizationName = optional', 'commonName = supplied', '',
  ].join('\n'));
  openssl('req', '-new', ...ec, '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/O=redfort chain/CN=chain Intermediate');
  openssl('ca', '-batch', '-config', 'ca.cnf', '-notext', '-extfile', 'int.ext', '-in', 'int.csr', '-out', 'int.crt',
    '-startdate', '20240101000000Z', '-enddate', '20250601000000Z');
  openssl('req', '-new', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/O=redfort chain/CN=127.0.0.1');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'int.crt', '-CAkey', 'int.key', '-set_serial', '0x2001', '-days', '365', '-sha256',
    '-extfile', 'leaf.ext', '-out', 'leaf.crt');
  const chain = join(dir, 'chain.crt');
  writeFileSync(chain, readFileSync(join(dir, 'leaf.crt'), 'utf8') + readFileSync(join(dir, 'int.crt'), 'utf8'));
  return { ca: join(dir, 'ca.crt'), chain, key: join(dir, 'leaf.key') };
}

describe('tls.certificate: every certificate of the chain', () => {
  let files: ReturnType<typeof makeChain>;
  before(() => {
    files = makeChain();
  });

  it('a file-only audit fails the expired intermediate of tls-cert-file, naming it', async () => {
    const conf = join(dir, 'r.conf');
    writeFileSync(conf, `port 0\ntls-port 26510\ntls-cert-file ${files.chain}\ntls-key-file ${files.key}\ntls-ca-cert-file ${files.ca}\n`);
    const result = await auditFiles({ configPath: conf, version: '7.0.15', versionKnown: true });
    const findings = expectStatus(result.results, 'tls.certificate', 'fail');
    const expired = findings.find((f) => /Intermediate/.test(f.message));
    assert.ok(expired, findings.map((f) => f.message).join('\n'));
    assert.match(expired.message, /^the intermediate certificate O=redfort chain, CN=chain Intermediate \(depth 1\) of tls-cert-file \/.*\/chain\.crt expired on 2025-06-01, \d+ days ago: clients that verify the chain refuse to connect$/);
    assert.equal(expired.severity, 'high');
    // At the line the intermediate starts, after the leaf's.
    const line = readFileSync(join(dir, 'leaf.crt'), 'utf8').split('\n').length;
    assert.deepEqual(expired.source, { kind: 'file', path: files.chain, line });
  });

  it('live (real 7.0.15): the intermediate the server sends is named, and the verification error goes to it', async () => {
    const server = await startRedis({ tls: { authClients: 'no', cert: files.chain, key: files.key } });
    // Without --insecure: the audit's connection does not verify, goes on without verifying, and says why.
    const { results } = await audit(server.url, { cacert: files.ca });
    const findings = expectStatus(results, 'tls.certificate', 'fail');
    assert.equal(findings.length, 1, findings.map((f) => f.message).join('\n'));
    const [finding] = findings;
    assert.match(finding!.message, /^the intermediate certificate O=redfort chain, CN=chain Intermediate \(depth 1\) of 127\.0\.0\.1:\d+ and tls-cert-file \/.*\/chain\.crt expired on 2025-06-01/);
    assert.ok(finding!.evidence?.some((e) => /^did not verify: .*CERT_HAS_EXPIRED/.test(e)), finding!.evidence?.join('\n'));
    assert.ok(finding!.evidence?.includes('valid 2024-01-01 to 2025-06-01'), finding!.evidence?.join('\n'));
  });
});
