import type * as tls from 'node:tls';
import { loadBuiltin } from '../../util/builtin.ts';
import type { CipherProbe, TlsVersionName, TlsVersionProbe } from '../../facts/types.ts';
import { handshake } from './handshake.ts';
import type { Endpoint, HandshakeResult } from './handshake.ts';

export const TLS_VERSIONS: readonly TlsVersionName[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * Every pre-TLS-1.3 suite OpenSSL 3.0 knows (`openssl ciphers 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'`), plus the legacy
 * 3DES, DES, RC4 and export ones a client linked to an older OpenSSL can still offer. `tls.getCiphers()` lists only
 * 57 of them; OpenSSL skips the names it does not know, as long as one is left.
 */
export const TLS12_CIPHERS: readonly string[] = [
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'DHE-DSS-AES256-GCM-SHA384', 'DHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305', 'DHE-RSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES256-CCM8',
  'ECDHE-ECDSA-AES256-CCM', 'DHE-RSA-AES256-CCM8', 'DHE-RSA-AES256-CCM', 'ECDHE-ECDSA-ARIA256-GCM-SHA384',
  'ECDHE-ARIA256-GCM-SHA384', 'DHE-DSS-ARIA256-GCM-SHA384', 'DHE-RSA-ARIA256-GCM-SHA384', 'ADH-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'DHE-DSS-AES128-GCM-SHA256', 'DHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES128-CCM8', 'ECDHE-ECDSA-AES128-CCM', 'DHE-RSA-AES128-CCM8', 'DHE-RSA-AES128-CCM',
  'ECDHE-ECDSA-ARIA128-GCM-SHA256', 'ECDHE-ARIA128-GCM-SHA256', 'DHE-DSS-ARIA128-GCM-SHA256', 'DHE-RSA-ARIA128-GCM-SHA256',
  'ADH-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-RSA-AES256-SHA384', 'DHE-RSA-AES256-SHA256',
  'DHE-DSS-AES256-SHA256', 'ECDHE-ECDSA-CAMELLIA256-SHA384', 'ECDHE-RSA-CAMELLIA256-SHA384', 'DHE-RSA-CAMELLIA256-SHA256',
  'DHE-DSS-CAMELLIA256-SHA256', 'ADH-AES256-SHA256', 'ADH-CAMELLIA256-SHA256', 'ECDHE-ECDSA-AES128-SHA256',
  'ECDHE-RSA-AES128-SHA256', 'DHE-RSA-AES128-SHA256', 'DHE-DSS-AES128-SHA256', 'ECDHE-ECDSA-CAMELLIA128-SHA256',
  'ECDHE-RSA-CAMELLIA128-SHA256', 'DHE-RSA-CAMELLIA128-SHA256', 'DHE-DSS-CAMELLIA128-SHA256', 'ADH-AES128-SHA256',
  'ADH-CAMELLIA128-SHA256', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA', 'DHE-RSA-AES256-SHA',
  'DHE-DSS-AES256-SHA', 'DHE-RSA-CAMELLIA256-SHA', 'DHE-DSS-CAMELLIA256-SHA', 'AECDH-AES256-SHA',
  'ADH-AES256-SHA', 'ADH-CAMELLIA256-SHA', 'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA',
  'DHE-RSA-AES128-SHA', 'DHE-DSS-AES128-SHA', 'DHE-RSA-CAMELLIA128-SHA', 'DHE-DSS-CAMELLIA128-SHA',
  'AECDH-AES128-SHA', 'ADH-AES128-SHA', 'ADH-CAMELLIA128-SHA', 'RSA-PSK-AES256-GCM-SHA384',
  'DHE-PSK-AES256-GCM-SHA384', 'RSA-PSK-CHACHA20-POLY1305', 'DHE-PSK-CHACHA20-POLY1305', 'ECDHE-PSK-CHACHA20-POLY1305',
  'DHE-PSK-AES256-CCM8', 'DHE-PSK-AES256-CCM', 'RSA-PSK-ARIA256-GCM-SHA384', 'DHE-PSK-ARIA256-GCM-SHA384',
  'AES256-GCM-SHA384', 'AES256-CCM8', 'AES256-CCM', 'ARIA256-GCM-SHA384',
  'PSK-AES256-GCM-SHA384', 'PSK-CHACHA20-POLY1305', 'PSK-AES256-CCM8', 'PSK-AES256-CCM',
  'PSK-ARIA256-GCM-SHA384', 'RSA-PSK-AES128-GCM-SHA256', 'DHE-PSK-AES128-GCM-SHA256', 'DHE-PSK-AES128-CCM8',
  'DHE-PSK-AES128-CCM', 'RSA-PSK-ARIA128-GCM-SHA256', 'DHE-PSK-ARIA128-GCM-SHA256', 'AES128-GCM-SHA256',
  'AES128-CCM8', 'AES128-CCM', 'ARIA128-GCM-SHA256', 'PSK-AES128-GCM-SHA256',
  'PSK-AES128-CCM8', 'PSK-AES128-CCM', 'PSK-ARIA128-GCM-SHA256', 'AES256-SHA256',
  'CAMELLIA256-SHA256', 'AES128-SHA256', 'CAMELLIA128-SHA256', 'ECDHE-PSK-AES256-CBC-SHA384',
  'ECDHE-PSK-AES256-CBC-SHA', 'SRP-DSS-AES-256-CBC-SHA', 'SRP-RSA-AES-256-CBC-SHA', 'SRP-AES-256-CBC-SHA',
  'RSA-PSK-AES256-CBC-SHA384', 'DHE-PSK-AES256-CBC-SHA384', 'RSA-PSK-AES256-CBC-SHA', 'DHE-PSK-AES256-CBC-SHA',
  'ECDHE-PSK-CAMELLIA256-SHA384', 'RSA-PSK-CAMELLIA256-SHA384', 'DHE-PSK-CAMELLIA256-SHA384', 'AES256-SHA',
  'CAMELLIA256-SHA', 'PSK-AES256-CBC-SHA384', 'PSK-AES256-CBC-SHA', 'PSK-CAMELLIA256-SHA384',
  'ECDHE-PSK-AES128-CBC-SHA256', 'ECDHE-PSK-AES128-CBC-SHA', 'SRP-DSS-AES-128-CBC-SHA', 'SRP-RSA-AES-128-CBC-SHA',
  'SRP-AES-128-CBC-SHA', 'RSA-PSK-AES128-CBC-SHA256', 'DHE-PSK-AES128-CBC-SHA256', 'RSA-PSK-AES128-CBC-SHA',
  'DHE-PSK-AES128-CBC-SHA', 'ECDHE-PSK-CAMELLIA128-SHA256', 'RSA-PSK-CAMELLIA128-SHA256', 'DHE-PSK-CAMELLIA128-SHA256',
  'AES128-SHA', 'CAMELLIA128-SHA', 'PSK-AES128-CBC-SHA256', 'PSK-AES128-CBC-SHA',
  'PSK-CAMELLIA128-SHA256', 'ECDHE-ECDSA-NULL-SHA', 'ECDHE-RSA-NULL-SHA', 'AECDH-NULL-SHA',
  'NULL-SHA256', 'ECDHE-PSK-NULL-SHA384', 'ECDHE-PSK-NULL-SHA256', 'ECDHE-PSK-NULL-SHA',
  'RSA-PSK-NULL-SHA384', 'RSA-PSK-NULL-SHA256', 'DHE-PSK-NULL-SHA384', 'DHE-PSK-NULL-SHA256',
  'RSA-PSK-NULL-SHA', 'DHE-PSK-NULL-SHA', 'NULL-SHA', 'NULL-MD5',
  'PSK-NULL-SHA384', 'PSK-NULL-SHA256', 'PSK-NULL-SHA',
  // Not in OpenSSL 3's default provider (so not in Node 20): offered in case this client has them.
  'ECDHE-ECDSA-DES-CBC3-SHA', 'ECDHE-RSA-DES-CBC3-SHA', 'EDH-RSA-DES-CBC3-SHA', 'EDH-DSS-DES-CBC3-SHA', 'DES-CBC3-SHA',
  'ADH-DES-CBC3-SHA', 'AECDH-DES-CBC3-SHA', 'ECDHE-ECDSA-RC4-SHA', 'ECDHE-RSA-RC4-SHA', 'RC4-SHA', 'RC4-MD5',
  'ADH-RC4-MD5', 'AECDH-RC4-SHA', 'EDH-RSA-DES-CBC-SHA', 'DES-CBC-SHA', 'EXP-RC4-MD5', 'EXP-DES-CBC-SHA',
  'IDEA-CBC-SHA', 'SEED-SHA',
];

export const TLS13_SUITES: readonly string[] = [
  'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_128_CCM_SHA256',
  'TLS_AES_128_CCM_8_SHA256',
];

/** The weak families of the catalogue, by their OpenSSL cipher-string alias. */
const WEAK_FAMILIES: readonly [string, string][] = [
  ['NULL', 'eNULL'], ['anonymous', 'aNULL'], ['EXPORT', 'EXPORT'], ['RC4', 'RC4'], ['DES', 'DES'], ['3DES', '3DES'], ['MD5', 'MD5'],
];

let untestable: readonly string[] | undefined;

/** Weak families this Node's OpenSSL cannot offer at all (3DES and RC4 on Node 20), found once. */
export function untestableFamilies(): readonly string[] {
  untestable ??= WEAK_FAMILIES.filter(([, alias]) => {
    try {
      loadBuiltin<typeof tls>('node:tls').createSecureContext({ ciphers: `${alias}:@SECLEVEL=0` });
      return false;
    } catch {
      return true;
    }
  }).map(([name]) => name);
  return untestable;
}

/** Legacy versions: Node refuses them by itself unless the security level is 0 (and then offers SHA-1 signatures). */
function versionOptions(version: TlsVersionName): tls.ConnectionOptions {
  return {
    minVersion: version,
    maxVersion: version,
    ...(version === 'TLSv1.3' ? {} : { ciphers: 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' }),
  };
}

/** Whether the server answered with the version offered, read from one handshake. */
export function versionStatus(version: TlsVersionName, result: HandshakeResult): TlsVersionProbe {
  if (result.cipher !== undefined && result.protocol === version) {
    const after = result.ok ? '' : ` (then ${result.error})`;
    return { version, status: 'accepted', detail: `${result.cipher}${after}` };
  }
  if (result.alert === 'internal error') {
    return { version, status: 'internal-error', detail: 'alert internal error: the configuration enables it, the TLS library refuses it' };
  }
  if (result.alert !== undefined) return { version, status: 'refused', detail: `alert ${result.alert}` };
  if (result.unreachable) return { version, status: 'untested', detail: result.error ?? 'no connection' };
  // A close without an alert, or this client refusing on its own (no protocols available).
  const ownRefusal = /no protocols available|unsupported protocol/i.test(result.error ?? '');
  return { version, status: ownRefusal ? 'untested' : 'refused', detail: result.error ?? 'refused' };
}

export interface TlsProbeContext {
  readonly endpoint: Endpoint;
  /** CA, client certificate, SNI: what the target's own connection uses. */
  readonly base: tls.ConnectionOptions;
  readonly timeoutMs: number;
  /** Runs `task` when a connection slot is free (bounds concurrent connections per target). */
  readonly slot: <T>(task: () => Promise<T>) => Promise<T>;
}

/** One handshake per protocol version, concurrently. */
export function probeVersions(context: TlsProbeContext): Promise<TlsVersionProbe[]> {
  return Promise.all(
    TLS_VERSIONS.map((version) =>
      context.slot(async () => versionStatus(version, await handshake(context.endpoint, { tls: { ...context.base, ...versionOptions(version) }, timeoutMs: context.timeoutMs }))),
    ),
  );
}

/**
 * Offers every remaining suite, records the one the server picks, removes it and repeats until the server has
 * none left: one handshake per accepted suite, plus one. The server's choice shows in its ServerHello, so this works
 * even when a missing client certificate fails the handshake afterwards.
 */
async function eliminate(context: TlsProbeContext, version: 'TLSv1.2' | 'TLSv1.3', names: readonly string[]): Promise<{ found: string[]; stopped: string | undefined }> {
  let remaining = [...names];
  const found: string[] = [];
  for (let round = 0; round <= names.length && remaining.length > 0; round++) {
    const ciphers = version === 'TLSv1.3' ? remaining.join(':') : `${remaining.join(':')}:@SECLEVEL=0`;
    const result = await context.slot(() =>
      handshake(context.endpoint, { tls: { ...context.base, minVersion: version, maxVersion: version, ciphers }, timeoutMs: context.timeoutMs }),
    );
    if (result.cipher === undefined) {
      // No common suite left: the server refuses before choosing. Anything else stopped the scan early.
      const done = result.alert !== undefined || /no ciphers available|no shared cipher|no cipher match/i.test(result.error ?? '');
      return { found, stopped: done ? undefined : (result.error ?? 'the server stopped answering') };
    }
    if (!remaining.includes(result.cipher)) return { found, stopped: `the server chose ${result.cipher}, which was not offered` };
    found.push(result.cipher);
    remaining = remaining.filter((name) => name !== result.cipher);
  }
  return { found, stopped: undefined };
}

/**
 * Whether a suite is accepted does not depend on what else is offered, so the TLS 1.2 list is split into this many
 * interleaved parts, eliminated side by side: the same suites in about a quarter of the time on a weak server.
 */
const PARTS = 4;

/** TLS 1.2 suites by elimination (and the TLS 1.3 ones, which are all strong, for the record). */
export async function probeCiphers(context: TlsProbeContext, versions: readonly TlsVersionProbe[]): Promise<CipherProbe> {
  const accepted = (v: TlsVersionName) => versions.some((p) => p.version === v && p.status === 'accepted');
  const notTestable = untestableFamilies();
  if (!accepted('TLSv1.2') && !accepted('TLSv1.3')) {
    return { status: 'untested', detail: 'neither TLS 1.2 nor TLS 1.3 was accepted', tls12: [], tls13: [], notTestable };
  }
  const parts = Array.from({ length: PARTS }, (_, i) => TLS12_CIPHERS.filter((_, j) => j % PARTS === i));
  const [tls12Parts, tls13] = await Promise.all([
    accepted('TLSv1.2') ? Promise.all(parts.map((part) => eliminate(context, 'TLSv1.2', part))) : undefined,
    accepted('TLSv1.3') ? eliminate(context, 'TLSv1.3', TLS13_SUITES) : undefined,
  ]);
  const tls12 = tls12Parts && {
    found: tls12Parts.flatMap((p) => p.found).sort((a, b) => TLS12_CIPHERS.indexOf(a) - TLS12_CIPHERS.indexOf(b)),
    stopped: tls12Parts.find((p) => p.stopped !== undefined)?.stopped,
  };
  const stopped = [tls12?.stopped && `TLS 1.2: ${tls12.stopped}`, tls13?.stopped && `TLS 1.3: ${tls13.stopped}`].filter(Boolean);
  const untested = accepted('TLSv1.2') ? '' : '; TLS 1.2 was not accepted';
  return {
    status: stopped.length > 0 ? 'partial' : 'complete',
    detail: stopped.length > 0 ? `stopped early: ${stopped.join('; ')}` : `enumerated by elimination${untested}`,
    tls12: tls12?.found ?? [],
    tls13: tls13?.found ?? [],
    notTestable,
  };
}
