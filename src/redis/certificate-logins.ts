import type { ConfigMap, ServerIdentity } from '../facts/types.ts';
import { existsInVersion, lookupDirective, resolveVersion } from './directives.ts';

/**
 * Whether a client certificate logs in as an ACL user (`tls-auth-clients-user`, Redis 8.6 and Valkey 9.0+): each TLS
 * client whose certificate the server verified (tls-auth-clients yes or optional, a certificate of tls-ca-cert-file's
 * CA) is logged in, with no AUTH and no password, as the enabled user named by the certificate's subject CN (`CN`),
 * or (Valkey, `URI`) by the first of its URI subjectAltNames that names one (redis 8.6.3 networking.c
 * clientAcceptHandler and tls.c tlsGetPeerUsername; valkey 9.1.2 tls.c tlsGetPeerUser). A certificate naming no enabled
 * user is the default user's client, as without the setting.
 *
 * - `on`: every enabled user (`on`), with a password or without, is reachable by anyone holding a certificate of that
 *   CA that names it: the users without a password or nopass, who cannot log in otherwise, included.
 * - `off`: no certificate logs in (the setting is off, the release has none, TLS clients send none, no TLS port).
 * - `unknown`: the release has the setting and the configuration does not say what it is.
 */
export type CertificateLogins =
  | { readonly state: 'on'; readonly field: 'CN' | 'URI'; readonly settings: string }
  | { readonly state: 'off' }
  | { readonly state: 'unknown'; readonly why: string };

const OFF: CertificateLogins = { state: 'off' };

/** What `config` (CONFIG GET, else the files) and the server's release say of certificate logins. Pure. */
export function certificateLogins(config: ConfigMap | undefined, server: Pick<ServerIdentity, 'product' | 'version' | 'mode'> | undefined): CertificateLogins {
  if (server?.mode === 'sentinel') return OFF;
  const setting = config?.get('tls-auth-clients-user');
  if (setting === undefined) {
    // Its default is off everywhere, and every CONFIG GET * of a release that has it lists it: unknown only when the
    // configuration was not read, on a release that has it (or one not known).
    if (config !== undefined) return OFF;
    if (server?.version !== undefined && server.product !== 'unknown' && !existsInVersion(lookupDirective('tls-auth-clients-user')!, resolveVersion(`${server.product} ${server.version}`))) return OFF;
    return { state: 'unknown', why: 'the configuration could not be read, so whether tls-auth-clients-user logs certificates in as users is unknown' };
  }
  const value = setting.value.trim().toUpperCase();
  if (value !== 'CN' && value !== 'URI') return OFF;
  const clientAuth = (config?.get('tls-auth-clients')?.value ?? 'yes').trim().toLowerCase();
  if (clientAuth === 'no') return OFF;
  const tlsPort = config?.get('tls-port')?.value.trim();
  if (tlsPort === '0' || tlsPort === '') return OFF;
  return { state: 'on', field: value, settings: `tls-auth-clients-user ${value}, tls-auth-clients ${clientAuth}` };
}
