import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Absolute paths of the test certificates made by `test/fixtures/gen-certs.sh`. */
export interface CertSet {
  dir: string;
  ca: string;
  caKey: string;
  /** Signed by the CA; SAN localhost, 127.0.0.1, 127.0.0.2, 127.0.0.3. */
  serverCert: string;
  serverKey: string;
  /** Client certificate signed by the CA. */
  clientCert: string;
  clientKey: string;
  /** Self-signed client certificate that the CA does not vouch for. */
  probeCert: string;
  probeKey: string;
  /** Server certificate that expires in 10 days. */
  expiringCert: string;
  expiringKey: string;
  /** Server certificate valid from 2020-01-01 to 2020-02-01. */
  expiredCert: string;
  expiredKey: string;
  /** Server certificate with a 1024-bit RSA key; start it with `tls.legacySeclevel`. */
  weakCert: string;
  weakKey: string;
  /** A second CA, which the test CA's clients do not trust, and a server certificate it signed (SAN as serverCert). */
  otherCa: string;
  otherServerCert: string;
  otherServerKey: string;
  /** A self-signed server certificate (SAN as serverCert). */
  selfSignedCert: string;
  selfSignedKey: string;
  /** Signed by the CA, SAN as serverCert, extendedKeyUsage serverAuth only: no TLS client certificate. */
  serverOnlyCert: string;
  serverOnlyKey: string;
  /** Valid 2020-01-01 .. 2020-02-01, naming the test CA as issuer but signed by a forger's key (CERT_HAS_EXPIRED to Node). */
  forgedCert: string;
  forgedKey: string;
  /** Signed by the CA, SAN DNS:localhost only (no IP address), serverAuth and clientAuth: a cluster reached by name. */
  dnsOnlyCert: string;
  dnsOnlyKey: string;
  /** Client certificate signed by the CA, CN redfort-uri, SAN URI:spiffe://redfort.test/app (Valkey's tls-auth-clients-user URI). */
  uriClientCert: string;
  uriClientKey: string;
}

const script = fileURLToPath(new URL('../fixtures/gen-certs.sh', import.meta.url));
let pending: Promise<CertSet> | undefined;

/**
 * Generates the test certificates once per process into a temporary directory
 * (removed when the process exits) and returns their paths. Under scripts/test.sh
 * (REDFORT_TEST_CERTS: a directory of the run) the set is generated once per run and
 * each process gets a copy of its own: some 20 keys are 2.6 s of CPU, and some 25
 * test files use them.
 */
export function makeCerts(): Promise<CertSet> {
  pending ??= generate();
  return pending;
}

async function generateInto(dir: string): Promise<void> {
  // Some 20 keys (RSA 2048 among them): on 2 cores under load the script took more than the 60 s it had.
  await promisify(execFile)('bash', [script, dir], { timeout: 180_000 });
}

/** The run's set in `shared`: made by the first process that needs it (one that loses the race drops its own). */
async function generatedOnce(shared: string): Promise<string> {
  const set = join(shared, 'set');
  if (existsSync(set)) return set;
  const own = mkdtempSync(join(shared, 'making-'));
  try {
    await generateInto(own);
    renameSync(own, set);
  } catch (error) {
    rmSync(own, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
  }
  return set;
}

async function generate(): Promise<CertSet> {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-certs-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  try {
    const shared = process.env.REDFORT_TEST_CERTS;
    if (shared) cpSync(await generatedOnce(shared), dir, { recursive: true });
    else await generateInto(dir);
  } catch (error) {
    pending = undefined;
    const { stderr = '', killed = false } = error as { stderr?: string; killed?: boolean };
    throw new Error(`gen-certs.sh failed${killed ? ' (stopped after 180 s)' : ''}: ${(error as Error).message}\n${stderr}`.trim());
  }
  const path = (name: string) => join(dir, name);
  return {
    dir,
    ca: path('ca.crt'),
    caKey: path('ca.key'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    probeCert: path('probe.crt'),
    probeKey: path('probe.key'),
    expiringCert: path('expiring.crt'),
    expiringKey: path('expiring.key'),
    expiredCert: path('expired.crt'),
    expiredKey: path('expired.key'),
    weakCert: path('weak.crt'),
    weakKey: path('weak.key'),
    otherCa: path('other-ca.crt'),
    otherServerCert: path('other-server.crt'),
    otherServerKey: path('other-server.key'),
    selfSignedCert: path('self-signed.crt'),
    selfSignedKey: path('self-signed.key'),
    serverOnlyCert: path('server-only.crt'),
    serverOnlyKey: path('server-only.key'),
    forgedCert: path('forged.crt'),
    forgedKey: path('forged.key'),
    dnsOnlyCert: path('dns-only.crt'),
    dnsOnlyKey: path('dns-only.key'),
    uriClientCert: path('uri-client.crt'),
    uriClientKey: path('uri-client.key'),
  };
}
