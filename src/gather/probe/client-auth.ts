import type { ClientAuthProbe } from '../../facts/types.ts';
import { handshake } from './handshake.ts';
import type { HandshakeResult } from './handshake.ts';
import { PROBE_CLIENT_CERT, PROBE_CLIENT_KEY } from './probe-cert.ts';
import type { TlsProbeContext } from './tls.ts';

/** Alerts a server sends when a client certificate is missing or not trusted. */
const CERTIFICATE_ALERTS = new Set(['handshake failure', 'certificate required', 'unknown ca', 'bad certificate', 'certificate unknown', 'access denied', 'decrypt error']);

/** Options for the connection without a client certificate: any version, so a legacy-only server answers too. */
export const OPEN_HANDSHAKE = { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;

function answered(result: HandshakeResult): boolean {
  return result.ok && result.reply !== undefined && /^[-+$*:_#,(!=%~>|]/.test(result.reply);
}

/** The server chose its parameters, then refused the client for its certificate (in the handshake or, TLS 1.3, after). */
function refusedForCertificate(result: HandshakeResult): boolean {
  return result.cipher !== undefined && result.alert !== undefined && CERTIFICATE_ALERTS.has(result.alert);
}

function summary(result: HandshakeResult): string {
  if (answered(result)) return `${result.protocol ?? 'TLS'}, PING answered ${result.reply}`;
  return `${result.protocol ?? 'TLS'}: ${result.error ?? 'no reply'}`;
}

/**
 * Tells `tls-auth-clients` apart from outside (dependencies.md §3): no certificate refused means `yes`; no
 * certificate accepted but an untrusted self-signed one refused means `optional`; both accepted means `no`.
 * `withoutCertificate` is the handshake (with PING) already made without a certificate.
 */
export async function probeClientAuth(context: TlsProbeContext, withoutCertificate: HandshakeResult): Promise<ClientAuthProbe> {
  if (refusedForCertificate(withoutCertificate)) {
    return { mode: 'required', detail: `without a client certificate: ${summary(withoutCertificate)}` };
  }
  if (!answered(withoutCertificate)) {
    return { mode: 'unknown', detail: `without a client certificate: ${summary(withoutCertificate)}` };
  }
  // The untrusted certificate replaces any certificate of the target's own.
  const { cert: _cert, key: _key, pfx: _pfx, ...base } = context.base;
  const untrusted = await context.slot(() =>
    handshake(context.endpoint, {
      tls: { ...base, ...OPEN_HANDSHAKE, cert: PROBE_CLIENT_CERT, key: PROBE_CLIENT_KEY },
      timeoutMs: context.timeoutMs,
      pingTimeoutMs: context.timeoutMs,
    }),
  );
  const both = `without a certificate: ${summary(withoutCertificate)}; with an untrusted self-signed one: ${summary(untrusted)}`;
  if (answered(untrusted)) return { mode: 'none', detail: both };
  if (refusedForCertificate(untrusted)) return { mode: 'optional', detail: both };
  return { mode: 'unknown', detail: both };
}
