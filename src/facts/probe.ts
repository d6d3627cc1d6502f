/** What a client on the network observes: unauthenticated access, TLS ports, certificates, default passwords. */

import type { SecretDigest, Source } from './source.ts';

/**
 * What a client on the network observes, with no credentials (or, behind opt-in flags, default passwords and one
 * harmless EVAL). Each part is absent when its probe did not run; `notes` says why.
 */
export interface ProbeFacts {
  /** PING and INFO server on the target without AUTH. */
  readonly unauthenticated?: UnauthenticatedProbe;
  /** Each TLS port the audit knows of: the target's, the server's `tls-port`, the cluster bus when `tls-cluster` is on. */
  readonly tls: readonly TlsPortProbe[];
  /** The plaintext port, when TLS is configured beside it. */
  readonly plaintext?: PlaintextProbe;
  /** The certificate read from `tls-cert-file`, when that file is readable from here (a local server). */
  readonly certificateFile?: CertificateFacts;
  /** Why a configured `tls-cert-file` was not read (unreadable, relative path). */
  readonly certificateFileUnread?: string;
  /**
   * The certificate read from `tls-client-cert-file` (what the server presents as a TLS client: to its master, to
   * the other nodes' cluster bus), when set and readable from here (a local server).
   */
  readonly clientCertificateFile?: CertificateFacts;
  /** Why a configured `tls-client-cert-file` was not read. */
  readonly clientCertificateFileUnread?: string;
  /**
   * The certificates of `tls-ca-cert-file` (the CAs the server verifies clients and its TLS peers against), when set
   * and readable from here, as {@link certificateFile} is (QA41-22).
   */
  readonly caCertificateFile?: readonly CertificateFacts[];
  /** Why no network probe ran (`--no-probe`, no live server); only the local certificate file was read. */
  readonly networkSkipped?: string;
  /**
   * Who the client certificate given (`--cert`) alone logged in as, on a server whose certificates may log in as users
   * (`tls-auth-clients-user`): ACL WHOAMI without AUTH.
   */
  readonly certificateLogin?: CertificateLoginProbe;
  /** `--probe-credentials`: AUTH with a few default passwords. */
  readonly defaultPasswords?: DefaultPasswordProbe;
  /** `--probe-intrusive`: `EVAL "return type(package)" 0` (CVE-2022-0543). */
  readonly luaPackage?: LuaPackageProbe;
  /** Probes that were not run or could not run, and why. */
  readonly notes: readonly string[];
  readonly source: Source;
}

export interface CertificateLoginProbe {
  /** The user ACL WHOAMI named: the one the certificate logged in as (`default` when it names no enabled user). */
  readonly user?: string;
  /** The reply or the error. */
  readonly detail: string;
  readonly source: Source;
}

export interface UnauthenticatedProbe {
  /** `open`: PING answered without AUTH; `refused`: NOAUTH, DENIED or a hang-up; `untested`: no connection. */
  readonly outcome: 'open' | 'refused' | 'untested';
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** The reply or the error, e.g. `+PONG; INFO server: redis_version 7.0.15` or `-NOAUTH Authentication required.` */
  readonly detail: string;
  /**
   * `untested` because the command named was answered NOPERM: the client got in as the default user, which needs no
   * password, and only that user's rules refused it (PING, or INFO server when PING was renamed away).
   */
  readonly deniedAsDefaultUser?: 'PING' | 'INFO server';
  /**
   * Why the probe presented no client certificate though one was given: the server may log a certificate in as a user
   * (`tls-auth-clients-user CN, tls-auth-clients yes`), so a certificate is a credential there.
   */
  readonly withoutCertificate?: string;
  readonly source: Source;
}

export type TlsVersionName = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface TlsVersionProbe {
  readonly version: TlsVersionName;
  /**
   * `accepted`: the server answered with this version (its ServerHello, even when a client-certificate check failed
   * after it); `refused`: a protocol_version alert or no common cipher; `internal-error`: an internal_error alert, which
   * OpenSSL 3 sends when the configuration enables the version but its security level forbids it;
   * `untested`: this client could not offer it, or the connection failed.
   */
  readonly status: 'accepted' | 'refused' | 'internal-error' | 'untested';
  /** The negotiated cipher, or the alert or error. */
  readonly detail: string;
}

export interface CipherProbe {
  /** `complete`: enumerated until no suite was left; `partial`: stopped early (`detail` says why); `untested`. */
  readonly status: 'complete' | 'partial' | 'untested';
  readonly detail: string;
  /** TLS 1.2 suites the server accepted, OpenSSL names, in the order found. */
  readonly tls12: readonly string[];
  /** TLS 1.3 suites the server accepted. */
  readonly tls13: readonly string[];
  /** Weak families this client cannot offer, so their acceptance is unknown (3DES and RC4 on Node 20). */
  readonly notTestable: readonly string[];
}

export interface ClientAuthProbe {
  /**
   * `required`: no certificate, no session; `optional`: no certificate works, an untrusted one is refused;
   * `none`: both work (no certificate is asked for); `unknown`: could not tell (`detail` says why).
   */
  readonly mode: 'required' | 'optional' | 'none' | 'unknown';
  readonly detail: string;
}

export interface TlsPortProbe {
  readonly host: string;
  readonly port: number;
  /** Why the port was probed: the target itself, the server's `tls-port`, or the cluster bus. */
  readonly role: 'target' | 'tls-port' | 'cluster-bus';
  /** Set when no TLS session could be started at all (refused, timed out, not TLS): nothing else was tested. */
  readonly error?: string;
  readonly versions: readonly TlsVersionProbe[];
  readonly ciphers: CipherProbe;
  readonly clientAuth: ClientAuthProbe;
  readonly certificate?: CertificateFacts;
  readonly source: Source;
}

export interface CertificateFacts {
  /** `O=..., CN=...` */
  readonly subject: string;
  readonly issuer: string;
  /** `DNS:localhost, IP Address:127.0.0.1`, when present. */
  readonly subjectAltName: string | undefined;
  /** Unix seconds. */
  readonly validFrom: number;
  readonly validTo: number;
  /** `rsa`, `ec`, `ed25519`, `dsa`, ... */
  readonly keyType: string;
  /** RSA/DSA modulus length, or the EC curve size. */
  readonly keyBits: number | undefined;
  readonly curve: string | undefined;
  /** Issued by itself and signed with its own key. */
  readonly selfSigned: boolean;
  /** Whether the chain verified against the CA given with --cacert (or the system roots when none was given); absent for a file. */
  readonly chain?: { readonly trusted: boolean; readonly against: 'cacert' | 'system roots'; readonly error: string | undefined };
  /** Whether the certificate names the host the client asked for (SNI or the target host); absent for a file. */
  readonly hostname?: { readonly name: string; readonly matches: boolean; readonly error: string | undefined };
  readonly fingerprint256: string;
  /**
   * The extended key usages (`serverAuth`, `clientAuth`, else the OID); absent when the certificate has no such
   * extension, which allows every use.
   */
  readonly extendedKeyUsage?: readonly string[];
  /** The key usage bits (`digitalSignature`, `keyEncipherment`, ...); absent when the certificate has no such extension. */
  readonly keyUsage?: readonly string[];
  /**
   * The certificates of its chain, in order (depth 1, 2, …): those after it in the file, or those above it in the
   * handshake (the intermediates the server sent, and the CA they verified to). Absent when there are none.
   */
  readonly chainCertificates?: readonly CertificateFacts[];
  readonly source: Source;
}

export interface PlaintextProbe {
  readonly host: string;
  readonly port: number;
  /** `answers`: a RESP reply in clear text; `closed`: refused; `not-resp`: something else answered; `untested`. */
  readonly outcome: 'answers' | 'closed' | 'not-resp' | 'untested';
  readonly detail: string;
  readonly source: Source;
}

export interface DefaultPasswordProbe {
  /** How many passwords were tried with AUTH (the empty password is the unauthenticated probe). */
  readonly attempts: number;
  /** The default password that the default user accepted, as a digest; undefined when none did. */
  readonly accepted: SecretDigest | undefined;
  readonly outcome: 'guessed' | 'not-guessed' | 'untested';
  readonly detail: string;
  readonly source: Source;
}

export interface LuaPackageProbe {
  /** `exposed`: `type(package)` is `table` (CVE-2022-0543); `not-exposed`; `untested` (no EVAL permission, ...). */
  readonly outcome: 'exposed' | 'not-exposed' | 'untested';
  readonly detail: string;
  readonly source: Source;
}
