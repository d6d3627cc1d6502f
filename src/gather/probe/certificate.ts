import type { X509Certificate } from 'node:crypto';
import type * as tls from 'node:tls';
import { loadBuiltin, nodeCrypto } from '../../util/builtin.ts';
import type { CertificateFacts, Source } from '../../facts/types.ts';
import { errnoOf } from '../../util/fs-error.ts';
import { FileReadError, readFileBytes } from '../../util/read-file.ts';
import { extendedKeyUsageNames, keyUsageNames } from '../../redis/tls-purpose.ts';

/** Curve sizes by the names OpenSSL and Node report. */
const CURVE_BITS: Readonly<Record<string, number>> = {
  prime256v1: 256, 'P-256': 256, secp256k1: 256, secp384r1: 384, 'P-384': 384, secp521r1: 521, 'P-521': 521,
  secp224r1: 224, 'P-224': 224, prime192v1: 192, 'P-192': 192, brainpoolP256r1: 256, brainpoolP384r1: 384, brainpoolP512r1: 512,
};

function seconds(date: string): number {
  return Math.floor(Date.parse(date) / 1000);
}

function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

/** Key type and size, validity, self-signature: what a certificate says about itself. */
function describeCertificate(x509: X509Certificate, source: Source): CertificateFacts {
  const key = x509.publicKey;
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  const curve = details.namedCurve;
  const keyBits = details.modulusLength ?? (curve ? CURVE_BITS[curve] : type === 'ed25519' ? 256 : type === 'ed448' ? 456 : undefined);
  let selfSigned = false;
  try {
    selfSigned = x509.checkIssued(x509) && x509.verify(key);
  } catch {
    // A key type verify() does not handle: fall back to the names.
    selfSigned = x509.subject === x509.issuer;
  }
  const usage = keyUsageNames(x509.raw);
  return {
    subject: oneLine(x509.subject),
    issuer: oneLine(x509.issuer),
    subjectAltName: x509.subjectAltName,
    validFrom: seconds(x509.validFrom),
    validTo: seconds(x509.validTo),
    keyType: type,
    keyBits,
    curve,
    selfSigned,
    fingerprint256: x509.fingerprint256,
    ...(x509.keyUsage !== undefined && { extendedKeyUsage: extendedKeyUsageNames(x509.keyUsage) }),
    ...(usage !== undefined && { keyUsage: usage }),
    source,
  };
}

export interface PeerCheck {
  readonly authorized: boolean;
  readonly authorizationError: string | undefined;
  /** Whether a CA was given (--cacert/--cacertdir): the chain was checked against it, else against the system roots. */
  readonly caGiven: boolean;
  /** The name the client asked for (SNI) or, without one, the target host. */
  readonly hostname: string;
}

/** The server certificate as a TLS handshake presented it, with the chain and host-name checks. */
export function certificateFromPeer(peer: tls.DetailedPeerCertificate, check: PeerCheck, source: Source): CertificateFacts | undefined {
  if (!peer.raw) return undefined;
  let x509: X509Certificate;
  try {
    x509 = new (nodeCrypto().X509Certificate)(peer.raw);
  } catch {
    return undefined;
  }
  const identityError = loadBuiltin<typeof tls>('node:tls').checkServerIdentity(check.hostname, peer);
  const chain = peerChain(peer, source);
  // Node checks the name (with SNI) only once the chain verified: a name mismatch is reported apart, below.
  const trusted = check.authorized || check.authorizationError === 'ERR_TLS_CERT_ALTNAME_INVALID';
  // Neither authorized nor an authorization error: the chain was never checked, because the handshake did not
  // finish (a TLS 1.2 server that requires a client certificate sends its own, then refuses the probe without one).
  const checked = check.authorized || check.authorizationError !== undefined;
  return {
    ...describeCertificate(x509, source),
    ...(checked && { chain: { trusted, against: check.caGiven ? 'cacert' : 'system roots', error: trusted ? undefined : check.authorizationError } }),
    hostname: { name: check.hostname, matches: identityError === undefined, error: identityError?.message },
    ...(chain.length > 0 && { chainCertificates: chain }),
  };
}

/**
 * The certificates above the leaf, as the handshake gave them (issuerCertificate, up to the one that issued itself):
 * the intermediates the server sent, and the CA they led to when the chain verified (QA41-22).
 */
function peerChain(peer: tls.DetailedPeerCertificate, source: Source): CertificateFacts[] {
  const chain: CertificateFacts[] = [];
  const seen = new Set<string>([peer.fingerprint256]);
  for (let next = peer.issuerCertificate; next?.raw && !seen.has(next.fingerprint256) && chain.length < 10; next = next.issuerCertificate) {
    seen.add(next.fingerprint256);
    try {
      chain.push(describeCertificate(new (nodeCrypto().X509Certificate)(next.raw), source));
    } catch {
      break;
    }
  }
  return chain;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The certificates of a PEM file after its first, each with the line it starts at; those that do not parse are left out. */
function fileChain(pem: Buffer, path: string): CertificateFacts[] {
  const text = pem.toString('latin1');
  const chain: CertificateFacts[] = [];
  const blocks = [...text.matchAll(PEM_CERTIFICATE)];
  for (const block of blocks.slice(1, 11)) {
    const line = text.slice(0, block.index).split('\n').length;
    try {
      chain.push(describeCertificate(new (nodeCrypto().X509Certificate)(block[0]), { kind: 'file', path, line }));
    } catch {
      // Not a certificate OpenSSL reads either: redis-server refuses the file, which the leaf's read does not hide.
    }
  }
  return chain;
}

/** A PEM file's bytes, or why `directive`'s file is not readable here. */
async function readPem(path: string, directive: string): Promise<Buffer | string> {
  try {
    return await readFileBytes(path);
  } catch (error) {
    // The errno code as before (ENOENT, EACCES); the reader's own refusals (a FIFO, too large) in words.
    const why = errnoOf(error) ?? (error instanceof FileReadError ? error.detail : undefined);
    return `${directive} ${path} is not readable here${why !== undefined ? ` (${why})` : ''}`;
  }
}

/** The most certificates of a `tls-ca-cert-file` judged (a system bundle holds some 150). */
const MAX_CA_CERTIFICATES = 200;

/**
 * The certificates of `tls-ca-cert-file`, each with its line, or why the file could not be read: every one is a CA
 * the server trusts, whose dates decide whether the certificates it issued verify (QA41-22).
 */
export async function readCaFile(path: string, directive = 'tls-ca-cert-file'): Promise<CertificateFacts[] | string> {
  const pem = await readPem(path, directive);
  if (typeof pem === 'string') return pem;
  const text = pem.toString('latin1');
  const found: CertificateFacts[] = [];
  for (const block of [...text.matchAll(PEM_CERTIFICATE)].slice(0, MAX_CA_CERTIFICATES)) {
    const line = text.slice(0, block.index).split('\n').length;
    try {
      found.push(describeCertificate(new (nodeCrypto().X509Certificate)(block[0]), { kind: 'file', path, line }));
    } catch {
      // Not a certificate OpenSSL reads either: redis-server refuses the file.
    }
  }
  return found;
}

/** The certificate of `tls-cert-file` (or the `directive` named), or why it could not be read. */
export async function readCertificateFile(path: string, directive = 'tls-cert-file'): Promise<CertificateFacts | string> {
  const pem = await readPem(path, directive);
  if (typeof pem === 'string') return pem;
  try {
    // The first certificate of the file is the server's; the rest is its chain, each judged too (QA41-22).
    const leaf = describeCertificate(new (nodeCrypto().X509Certificate)(pem), { kind: 'file', path, line: 1 });
    const chain = fileChain(pem, path);
    return chain.length > 0 ? { ...leaf, chainCertificates: chain } : leaf;
  } catch (error) {
    return `${directive} ${path} holds no readable certificate: ${error instanceof Error ? error.message : String(error)}`;
  }
}
