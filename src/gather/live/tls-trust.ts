import type { X509Certificate } from 'node:crypto';
import type * as tls from 'node:tls';
import { loadBuiltin, nodeCrypto } from '../../util/builtin.ts';
import { readFileBytesSync } from '../../util/read-file.ts';
import { connect, ConnectionError } from './resp.ts';
import type { ConnectOptions, RespConnection } from './resp.ts';

/**
 * When a connection may carry the target's credentials (AUTH, HELLO AUTH, the probes' AUTH) over TLS.
 *
 * A server certificate that does not verify is still audited (issue 11: an expired certificate used to stop the
 * whole audit), over a second connection that does not verify it. But a certificate signed by nobody the run trusts
 * (`--cacert`, `--cacertdir`, or without them Node's bundled roots and `NODE_EXTRA_CA_CERTS`) may be anyone's: a man in the middle with a fresh self-signed
 * certificate got the password this way. So the credentials go only where the chain verifies to a trusted CA:
 *
 * - the chain verifies: the credentials are sent (as before);
 * - the chain verifies but the certificate has another name (`ERR_TLS_CERT_ALTNAME_INVALID`: Node checks the name
 *   only on a chain that verified): sent, and the report says so. Whoever answers holds a key the trusted CA
 *   certified, for some other name;
 * - only the dates fail (`CERT_HAS_EXPIRED`, `CERT_NOT_YET_VALID`): sent when redfort itself verifies every
 *   signature of the chain up to a trusted CA, the dates aside. OpenSSL stops at the first certificate out of date,
 *   from the root down, so its error alone does not say the leaf's signature was checked (a forged leaf under a
 *   CA's expired intermediate reads the same);
 * - anything else (self-signed, unknown issuer, bad signature, not a CA…): withheld, unless `--insecure`, whose
 *   connections verify nothing and so never fail here. The target is audited as one without credentials.
 */

/** What happened to a connection's certificate, and whether the credentials may be sent on it. */
export interface TrustedConnection {
  readonly conn: RespConnection;
  /** The options the connection was made with (verification off when the certificate did not verify). */
  readonly options: ConnectOptions;
  /** Why the certificate did not verify, as the TLS library said it (`… (CODE)`); undefined when it did. */
  readonly tlsUnverified?: string;
  /** Set when the credentials must not be sent on this connection: why. */
  readonly withheld?: string;
}

/** Node's codes for a certificate that does not verify (chain, dates, name): the server is still there to audit. */
const CERTIFICATE_ERRORS = new Set([
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE', 'CERT_REJECTED', 'INVALID_CA', 'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE',
]);

/** Only the dates of a chain that otherwise verified (see the notes above: checked again before credentials go). */
const DATE_ERRORS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** The reason given (in the skips and the warning) when the credentials were withheld. */
export const CREDENTIALS_WITHHELD = "the server's certificate did not verify: credentials withheld (--insecure sends them)";

function certificateError(error: unknown): { code: string; text: string } | undefined {
  if (!(error instanceof ConnectionError)) return undefined;
  const cause = error.cause as (Error & { code?: unknown }) | undefined;
  if (typeof cause?.code !== 'string' || !CERTIFICATE_ERRORS.has(cause.code)) return undefined;
  return { code: cause.code, text: `${cause.message} (${cause.code})` };
}

/**
 * Connects as asked; when the server certificate does not verify, connects again without verifying, and says
 * whether the credentials may still be sent (see the notes above). Throws what {@link connect} throws otherwise.
 */
export async function connectTrusting(options: ConnectOptions): Promise<TrustedConnection> {
  try {
    return { conn: await connect(options), options };
  } catch (error) {
    const failed = certificateError(error);
    if (failed === undefined || options.tls === undefined) throw error;
    const unverified = { ...options, tls: { ...options.tls, rejectUnauthorized: false } };
    const conn = await connect(unverified);
    let trusted = failed.code === 'ERR_TLS_CERT_ALTNAME_INVALID';
    if (DATE_ERRORS.has(failed.code)) {
      try {
        trusted = chainVerifiesApartFromDates(conn.tlsInfo()?.peerCertificate, options.tls.ca);
      } catch {
        trusted = false;
      }
    }
    return { conn, options: unverified, tlsUnverified: failed.text, ...(trusted ? {} : { withheld: CREDENTIALS_WITHHELD }) };
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * The certificates of the `NODE_EXTRA_CA_CERTS` file, which Node adds to its roots as it starts (a chain to one of them
 * verifies) but which `tls.rootCertificates` does not list: read when first asked, as PEM text, from a regular file of
 * at most 16 MiB. None when the variable is unset or the file cannot be read so: the roots alone, as Node trusts then.
 */
let extraRoots: readonly string[] | undefined;
const MAX_EXTRA_CA_BYTES = 16 * 1024 * 1024;

function extraCaCertificates(): readonly string[] {
  if (extraRoots !== undefined) return extraRoots;
  extraRoots = [];
  const file = process.env['NODE_EXTRA_CA_CERTS'];
  if (file === undefined || file === '') return extraRoots;
  try {
    // The project's bounded reader: a regular file only, opened without blocking on a FIFO, at most the cap.
    extraRoots = [readFileBytesSync(file, { maxBytes: MAX_EXTRA_CA_BYTES }).toString('latin1')];
  } catch {
    // Unreadable now: only the roots are anchors, never more than Node trusts.
  }
  return extraRoots;
}

/**
 * The certificates the run trusts: the --cacert and --cacertdir ones, or without them Node's: its bundled roots and the
 * certificates of `NODE_EXTRA_CA_CERTS` (an expired leaf of such a CA had its credentials withheld, said to be signed by
 * no trusted CA, where a valid one of the same CA verified and got them).
 */
function anchorsOf(ca: tls.ConnectionOptions['ca']): X509Certificate[] {
  const { X509Certificate: X509 } = nodeCrypto();
  const given = ca === undefined ? [...loadBuiltin<typeof tls>('node:tls').rootCertificates, ...extraCaCertificates()] : Array.isArray(ca) ? ca : [ca];
  const anchors: X509Certificate[] = [];
  for (const item of given) {
    for (const pem of String(item).match(PEM_CERTIFICATE) ?? []) {
      try {
        anchors.push(new X509(pem));
      } catch {
        // A block OpenSSL would not load either.
      }
    }
  }
  return anchors;
}

/** Whether `parent`, a CA, signed `child`: names, key identifiers and key usage (checkIssued), then the signature. */
function signed(child: X509Certificate, parent: X509Certificate): boolean {
  return parent.ca && child.checkIssued(parent) && child.verify(parent.publicKey);
}

/**
 * Whether every signature from the server's certificate up to one of the trusted certificates verifies, the dates
 * aside: the chain is the one the server sent (as Node shows it), each link checked here, never taken on its word.
 */
export function chainVerifiesApartFromDates(peer: tls.DetailedPeerCertificate | undefined, ca: tls.ConnectionOptions['ca']): boolean {
  if (peer?.raw === undefined) return false;
  const { X509Certificate: X509 } = nodeCrypto();
  const sent: X509Certificate[] = [];
  const seen = new Set<tls.DetailedPeerCertificate>();
  for (let c: tls.DetailedPeerCertificate | undefined = peer; c?.raw !== undefined && !seen.has(c) && seen.size < 16; c = c.issuerCertificate) {
    seen.add(c);
    sent.push(new X509(c.raw));
  }
  const anchors = anchorsOf(ca);
  let current = sent[0]!;
  const used = new Set<X509Certificate>([current]);
  for (let depth = 0; depth < 16; depth++) {
    if (anchors.some((a) => a.raw.equals(current.raw) || signed(current, a))) return true;
    const next = sent.find((c) => !used.has(c) && signed(current, c));
    if (next === undefined) return false;
    used.add(next);
    current = next;
  }
  return false;
}
