import type { ConfigMap } from '../../facts/types.ts';
import type { Verdict } from '../define.ts';
import { skip } from '../define.ts';
import { tlsEnabled } from '../util.ts';

/** The TLS settings rules only apply when a TLS listener exists. */
export function unlessTls(config: ConfigMap): Verdict | undefined {
  if (config.get('tls-port') === undefined) return skip('this server reports no tls-port: it was built without TLS support, or is a Redis before 6.0, which has no TLS');
  if (!tlsEnabled(config)) return skip('TLS is not enabled (tls-port is 0): see tls.disabled');
  return undefined;
}

/**
 * Whether `tls-protocols` enables TLS 1.3 and nothing else: every word is TLSv1.3. Redis (src/tls.c,
 * parseProtocolsConfig) splits the value on spaces and matches each word with strcasecmp, ORing the protocol bits,
 * so `tlsv1.3` and `TLSv1.3 TLSv1.3` are TLS 1.3 only as well. Unset or empty is Redis's default, TLS 1.2 and 1.3.
 */
export function tls13Only(config: ConfigMap): boolean {
  const words = (config.get('tls-protocols')?.value ?? '').trim().split(/\s+/).filter(Boolean);
  return words.length > 0 && words.every((word) => word.toLowerCase() === 'tlsv1.3');
}

/** The system trust stores of the distributions: ~140 public roots, any of which issues certificates to anyone. */
const SYSTEM_CA_FILES = new Set([
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Alpine, Arch, Gentoo
  '/etc/ssl/cert.pem', // Alpine, the BSDs, macOS
  '/usr/lib/ssl/cert.pem', // Debian's OPENSSLDIR
  '/etc/pki/tls/certs/ca-bundle.crt', // RHEL, Fedora, CentOS, Amazon Linux
  '/etc/pki/tls/certs/ca-bundle.trust.crt',
  '/etc/pki/tls/cert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/ca-bundle.pem', // openSUSE, SLES
  '/var/lib/ca-certificates/ca-bundle.pem',
  '/etc/ssl/certs/ca-bundle.crt',
  '/usr/local/share/certs/ca-root-nss.crt', // FreeBSD
  '/usr/local/etc/ssl/cert.pem',
]);
const SYSTEM_CA_DIRS = new Set(['/etc/ssl/certs', '/usr/lib/ssl/certs', '/etc/pki/tls/certs', '/etc/pki/ca-trust/extracted/pem', '/var/lib/ca-certificates/pem', '/usr/share/ca-certificates', '/usr/local/share/certs', '/system/etc/security/cacerts']);

function normalPath(path: string): string {
  return path.trim().replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
}

/**
 * The system's public CA bundle or trust directory among the CAs a server verifies client certificates against
 * (tls-ca-cert-file and tls-ca-cert-dir are loaded into one store, redis@7.2.6 tls.c createSSLContext
 * SSL_CTX_load_verify_locations), as `tls-ca-cert-file '/etc/ssl/certs/ca-certificates.crt'`; undefined otherwise. The
 * certifi bundle of a Python environment counts too. QA41-3.
 */
export function publicCaStore(config: ConfigMap): string | undefined {
  const file = config.get('tls-ca-cert-file')?.value;
  const dir = config.get('tls-ca-cert-dir')?.value;
  if (file && (SYSTEM_CA_FILES.has(normalPath(file)) || /\/certifi\/cacert\.pem$/.test(normalPath(file)))) return `tls-ca-cert-file '${file.trim()}'`;
  if (dir && SYSTEM_CA_DIRS.has(normalPath(dir))) return `tls-ca-cert-dir '${dir.trim()}'`;
  return undefined;
}

/**
 * Why only a client holding a certificate from the configured CA reaches the server over TCP, else undefined: no
 * plaintext port, and TLS with `tls-auth-clients yes` (QA38-21: a TLS handshake without a certificate is refused,
 * "alert certificate required"). A password-less default user then lets in anyone with such a certificate, not anyone
 * who reaches the port: still a failure (a password or a named user is the ask), graded high, not critical
 * (auth.no-authentication; network.protected-mode-off, QA41-8).
 */
export function certificateOnly(config: ConfigMap | undefined): string | undefined {
  const value = (name: string) => config?.get(name)?.value.trim();
  const tlsPort = value('tls-port');
  if (value('port') !== '0' || tlsPort === undefined || tlsPort === '' || tlsPort === '0') return undefined;
  if (value('tls-auth-clients')?.toLowerCase() !== 'yes') return undefined;
  if (!value('tls-ca-cert-file') && !value('tls-ca-cert-dir')) return undefined;
  // The system's public roots admit anyone who can get a certificate: no narrower than an open port (QA41-3).
  if (config && publicCaStore(config)) return undefined;
  return `port 0, tls-port ${tlsPort}, tls-auth-clients yes`;
}
