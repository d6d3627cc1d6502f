/**
 * Whether a certificate can serve as a TLS server or client certificate, as OpenSSL decides it when it verifies
 * the peer (crypto/x509/v3_purp.c check_purpose_ssl_server / check_purpose_ssl_client): an extended key usage
 * extension must name the use, a key usage extension must allow the signature (or key agreement) it needs.
 * A Redis server presents `tls-client-cert-file`, else `tls-cert-file`, as a client: to its master
 * (`tls-replication yes`), on the cluster bus (`tls-cluster yes`), and a sentinel to the nodes it watches; the
 * server it connects to refuses a certificate that is not a client one whenever it asks for one (tls-auth-clients
 * yes or optional; the cluster bus always).
 */

import type { CertificateFacts, Facts } from '../facts/types.ts';

const EKU_NAMES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

/** The names of extended key usage OIDs (Node's X509Certificate.keyUsage), unknown ones as the OID. */
export function extendedKeyUsageNames(oids: readonly string[]): string[] {
  return oids.map((oid) => EKU_NAMES[oid] ?? oid);
}

const KEY_USAGE_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];

/** DER length at `at`: [length, offset of the contents], or undefined. */
function derLength(der: Uint8Array, at: number): [number, number] | undefined {
  const first = der[at];
  if (first === undefined) return undefined;
  if (first < 0x80) return [first, at + 1];
  const bytes = first & 0x7f;
  if (bytes === 0 || bytes > 3 || at + 1 + bytes > der.length) return undefined;
  let length = 0;
  for (let i = 0; i < bytes; i++) length = length * 256 + der[at + 1 + i]!;
  return [length, at + 1 + bytes];
}

/**
 * The key usage bits of a DER certificate: the names of the bits set, `[]` for an extension that could not be read
 * (no use allowed: unknown is not usable), undefined when the certificate has no key usage extension (Node's
 * X509Certificate does not expose it).
 */
export function keyUsageNames(der: Uint8Array): string[] | undefined {
  // Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER (2.5.29.15: 06 03 55 1d 0f), critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
  for (let i = 0; i + 5 <= der.length; i++) {
    if (der[i] !== 0x06 || der[i + 1] !== 0x03 || der[i + 2] !== 0x55 || der[i + 3] !== 0x1d || der[i + 4] !== 0x0f) continue;
    let at = i + 5;
    if (der[at] === 0x01 && der[at + 1] === 0x01) at += 3;
    if (der[at] !== 0x04) continue;
    const octets = derLength(der, at + 1);
    if (!octets) return [];
    at = octets[1];
    if (der[at] !== 0x03) return [];
    const bits = derLength(der, at + 1);
    if (!bits || bits[0] < 1) return [];
    const [length, start] = bits;
    const names: string[] = [];
    for (let byte = 1; byte < length && start + byte < der.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        if ((der[start + byte]! & (0x80 >> bit)) !== 0) names.push(KEY_USAGE_BITS[(byte - 1) * 8 + bit] ?? `bit ${(byte - 1) * 8 + bit}`);
      }
    }
    return names;
  }
  return undefined;
}

type Use = 'client' | 'server';

/**
 * Why the certificate cannot be used as a TLS `use` certificate (an OpenSSL peer refuses it as one: `its extended key
 * usage is serverAuth, without clientAuth`), or undefined when it can: judged on its extensions only (its chain, dates
 * and names are other questions).
 */
export function purposeProblem(c: Pick<CertificateFacts, 'extendedKeyUsage' | 'keyUsage'>, use: Use): string | undefined {
  const wanted = use === 'client' ? 'clientAuth' : 'serverAuth';
  const eku = c.extendedKeyUsage;
  if (eku !== undefined && !eku.includes(wanted)) {
    return `its extended key usage is ${eku.length > 0 ? eku.join(', ') : 'empty'}, without ${wanted}`;
  }
  const ku = c.keyUsage;
  // ssl_client: digitalSignature or keyAgreement; ssl_server: those or keyEncipherment (RSA key exchange).
  const allowed = use === 'client' ? ['digitalSignature', 'keyAgreement'] : ['digitalSignature', 'keyEncipherment', 'keyAgreement'];
  if (ku !== undefined && !ku.some((k) => allowed.includes(k))) {
    return `its key usage is ${ku.length > 0 ? ku.join(', ') : 'unreadable'}, without ${allowed.join(' or ')}`;
  }
  return undefined;
}

/**
 * The certificate a server presents when it connects to others over TLS (to its master, on the cluster bus, a
 * sentinel to its nodes): `tls-client-cert-file` when set, else `tls-cert-file`, as read or as its own TLS port served
 * it; with the directive that names it, or why it is not known. `config` reads the server's settings.
 */
export function presentedClientCertificate(facts: Facts, config: (name: string) => string | undefined): { certificate: CertificateFacts; directive: string } | { unknown: string } {
  const clientFile = config('tls-client-cert-file') ?? '';
  if (clientFile !== '') {
    const read = facts.probe?.clientCertificateFile;
    if (read) return { certificate: read, directive: `tls-client-cert-file ${clientFile}` };
    return { unknown: facts.probe?.clientCertificateFileUnread ?? `tls-client-cert-file ${clientFile} was not read (fix reads it only on this machine)` };
  }
  const file = facts.probe?.certificateFile;
  if (file) return { certificate: file, directive: `tls-cert-file ${config('tls-cert-file') ?? ''}`.trim() };
  // No tls-client-cert-file: the certificate the server serves on its TLS port is its tls-cert-file.
  const served = facts.probe?.tls.find((p) => p.role !== 'cluster-bus' && p.certificate)?.certificate;
  if (served) return { certificate: served, directive: 'tls-cert-file, as its TLS port served it' };
  const why = facts.probe?.networkSkipped ?? facts.unavailable.probe ?? 'no TLS handshake with it';
  return { unknown: `its certificate was not seen (${why})` };
}
