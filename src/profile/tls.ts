/**
 * TLS settings: Mozilla's "intermediate" configuration (Server Side TLS 5.7, https://ssl-config.mozilla.org/
 * guidelines/5.7.json), restricted to its ECDHE suites so that no DH parameter file is needed (Mozilla's later
 * revisions drop the DHE suites too).
 *
 * Where the checklist and Mozilla disagree: Mozilla says `tls-prefer-server-ciphers no` for intermediate (every
 * suite on the list is strong, so the client may pick the one its hardware does fastest); the checklist, and the
 * rule `tls.server-ciphers-not-preferred`, ask for `yes`. redfort takes the checklist's side: with this list the
 * server's order costs nothing in security, and a server that later gains a weaker suite still picks its own.
 */

export const TLS_GUIDELINE = 'Mozilla Server Side TLS 5.7, intermediate (ECDHE suites)';

export const TLS_PROTOCOLS = 'TLSv1.2 TLSv1.3';

export const TLS_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export const TLS_CIPHERSUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'].join(':');

/** The checklist's side of the disagreement described above. */
export const TLS_PREFER_SERVER_CIPHERS = 'yes';

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** One directive and its value as redis.conf spells it (`tls-protocols` quoted: it holds a space). */
export interface Directive {
  readonly directive: string;
  readonly value: string;
}

/** The plaintext port's TLS companion under `baseline` (the plaintext one stays open): 6380 for 6379, else port + 1. */
export function tlsPortFor(plainPort: number): number {
  return plainPort === 6379 ? 6380 : plainPort + 1;
}

/**
 * The TLS directives, in the order they are written. Client certificates are required (`tls-auth-clients yes`)
 * with the CA given, and replication and the cluster bus use TLS too.
 */
export function tlsDirectives(files: TlsFiles, options: { tlsPort: number; cluster?: boolean }): Directive[] {
  const list: Directive[] = [
    { directive: 'tls-port', value: String(options.tlsPort) },
    { directive: 'tls-cert-file', value: files.cert },
    { directive: 'tls-key-file', value: files.key },
    { directive: 'tls-ca-cert-file', value: files.ca },
    { directive: 'tls-auth-clients', value: 'yes' },
    { directive: 'tls-protocols', value: TLS_PROTOCOLS },
    { directive: 'tls-ciphers', value: TLS_CIPHERS },
    { directive: 'tls-ciphersuites', value: TLS_CIPHERSUITES },
    { directive: 'tls-prefer-server-ciphers', value: TLS_PREFER_SERVER_CIPHERS },
    { directive: 'tls-replication', value: 'yes' },
  ];
  if (options.cluster) list.push({ directive: 'tls-cluster', value: 'yes' });
  return list;
}
