import type {
  CertificateFacts,
  ClientAuthProbe,
  Facts,
  ProbeFacts,
  SourceKind,
  TlsPortProbe,
  TlsVersionName,
  TlsVersionProbe,
  UnauthenticatedProbe,
} from '../../src/facts/types.ts';

// Probe facts as the network probes would report them, for the rule test tables.

const WIRE = { kind: 'probe', detail: 'TLS handshakes with 127.0.0.1:6380' } as const;

export interface PortSpec {
  readonly port?: number;
  readonly role?: TlsPortProbe['role'];
  /** Versions the server answered; the others were refused with protocol_version. */
  readonly accepted?: readonly TlsVersionName[];
  /** Versions answered with internal_error (enabled, but refused by the library's security level). */
  readonly internalError?: readonly TlsVersionName[];
  readonly tls12?: readonly string[];
  readonly tls13?: readonly string[];
  readonly ciphers?: Partial<TlsPortProbe['ciphers']>;
  readonly clientAuth?: ClientAuthProbe['mode'];
  readonly certificate?: CertificateFacts;
  readonly error?: string;
}

/** One probed TLS port: TLS 1.2 and 1.3 with two AEAD suites, client certificates required, unless told otherwise. */
export function tlsPort(spec: PortSpec = {}): TlsPortProbe {
  const accepted = spec.accepted ?? ['TLSv1.2', 'TLSv1.3'];
  const versions: TlsVersionProbe[] = (['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const).map((version) =>
    accepted.includes(version)
      ? { version, status: 'accepted', detail: version === 'TLSv1.3' ? 'TLS_AES_256_GCM_SHA384' : 'ECDHE-RSA-AES256-SHA' }
      : spec.internalError?.includes(version)
        ? { version, status: 'internal-error', detail: 'alert internal error' }
        : { version, status: 'refused', detail: 'alert protocol version' },
  );
  const mode = spec.clientAuth ?? 'required';
  return {
    host: '127.0.0.1',
    port: spec.port ?? 6380,
    role: spec.role ?? 'target',
    ...(spec.error ? { error: spec.error } : {}),
    versions: spec.error ? [] : versions,
    ciphers: {
      status: 'complete',
      detail: 'enumerated by elimination',
      tls12: spec.tls12 ?? ['ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-GCM-SHA256'],
      tls13: spec.tls13 ?? ['TLS_AES_256_GCM_SHA384'],
      notTestable: ['RC4', '3DES'],
      ...spec.ciphers,
    },
    clientAuth: { mode, detail: mode === 'required' ? 'without a client certificate: TLSv1.3: alert certificate required' : `mode ${mode}` },
    ...(spec.certificate ? { certificate: spec.certificate } : {}),
    source: WIRE,
  };
}

const DAY = 86_400;
/** The audit's clock in the rule tests (`ruleContext({ nowSeconds: 1_800_000_000 })` and liveFacts' TIME). */
export const NOW = 1_800_000_000;

/** A CA-signed RSA 2048 certificate for localhost, valid for a year from 30 days ago. */
export function certificate(spec: Partial<CertificateFacts> = {}): CertificateFacts {
  return {
    subject: 'O=redfort test, CN=localhost',
    issuer: 'O=redfort test, CN=redfort test CA',
    subjectAltName: 'DNS:localhost, IP Address:127.0.0.1',
    validFrom: NOW - 30 * DAY,
    validTo: NOW + 335 * DAY,
    keyType: 'rsa',
    keyBits: 2048,
    curve: undefined,
    selfSigned: false,
    chain: { trusted: true, against: 'cacert', error: undefined },
    hostname: { name: '127.0.0.1', matches: true, error: undefined },
    fingerprint256: 'AA:BB',
    source: WIRE,
    ...spec,
  };
}

export function unauthenticated(outcome: UnauthenticatedProbe['outcome'], detail?: string): UnauthenticatedProbe {
  const details = { open: 'PING: +PONG; INFO server answered (redis_version 7.0.15)', refused: 'PING: -NOAUTH Authentication required.', untested: 'no connection: connection refused' };
  return {
    outcome,
    host: '127.0.0.1',
    port: 6379,
    tls: false,
    detail: detail ?? details[outcome],
    source: { kind: 'probe', detail: 'PING and INFO server without AUTH on 127.0.0.1:6379' },
  };
}

/** Adds probe facts to facts made by `liveFacts`. */
export function withProbe(facts: Facts, probe: Partial<ProbeFacts>): Facts {
  return {
    ...facts,
    probe: { tls: [], notes: [], source: { kind: 'probe', detail: 'network probes of 127.0.0.1' }, ...probe },
    sources: new Set<SourceKind>([...facts.sources, 'probe']),
  };
}
