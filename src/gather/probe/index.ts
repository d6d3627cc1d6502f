import { isAbsolute } from 'node:path';
import type * as tls from 'node:tls';
import type { CertificateFacts, ConfigMap, DefaultPasswordProbe, Facts, PlaintextProbe, ProbeFacts, SourceKind, TlsPortProbe, UnauthenticatedProbe } from '../../facts/types.ts';
import type { Enricher, EnrichOptions } from '../enrich.ts';
import type { Target } from '../../redis/target.ts';
import { tlsOptions } from '../live/tls-options.ts';
import { authCommand } from '../live/login.ts';
import { certificateFromPeer, readCaFile, readCertificateFile } from './certificate.ts';
import { OPEN_HANDSHAKE, probeClientAuth } from './client-auth.ts';
import { probeDefaultPasswords } from './credentials.ts';
import { probeLuaPackage } from './cve-2022-0543.ts';
import { handshake } from './handshake.ts';
import type { Endpoint } from './handshake.ts';
import { probeCiphers, probeVersions, untestableFamilies } from './tls.ts';
import type { TlsProbeContext } from './tls.ts';
import { probeCertificateLogin, probePlaintext, probeUnauthenticated } from './unauth.ts';
import { certificateLogins } from '../../redis/certificate-logins.ts';
import type { PlainProbeOptions } from './unauth.ts';
import { isLocalHost } from '../../net/address.ts';
import { serverMayRead } from '../host/index.ts';
import { CONNECT_TIMEOUT_MS } from '../../util/defaults.ts';

/** Connections one target's probes may hold open at once. */
const MAX_CONNECTIONS = 4;
/** Probes wait at most this long for a reply, whatever --timeout says: a healthy server answers PING at once. */
const MAX_REPLY_WAIT_MS = 3000;

function portOf(config: ConfigMap | undefined, name: string): number {
  const value = Number(config?.get(name)?.value ?? 0);
  return Number.isInteger(value) && value > 0 ? value : 0;
}

function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    // A finished task hands its slot straight to the next waiter, so `active` never passes `limit`.
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active += 1;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}

interface PortPlan {
  readonly port: number;
  readonly role: TlsPortProbe['role'];
}

/** The TLS ports the audit knows of: the target's, `tls-port`, and the cluster bus when `tls-cluster` is on. */
function tlsPorts(facts: Facts, target: Target, config: ConfigMap | undefined): PortPlan[] {
  const plans: PortPlan[] = [];
  if (target.tls) plans.push({ port: target.port, role: 'target' });
  const tlsPort = portOf(config, 'tls-port');
  if (tlsPort > 0 && tlsPort !== target.port) plans.push({ port: tlsPort, role: 'tls-port' });
  const clustered = facts.server?.mode === 'cluster' || config?.get('cluster-enabled')?.value === 'yes';
  if (tlsPort > 0 && clustered && config?.get('tls-cluster')?.value === 'yes') {
    // The bus listens on cluster-port, or on the client port + 10000 (the TLS port when tls-cluster is on).
    const myself = facts.cluster?.nodes.find((node) => node.flags.includes('myself'));
    const bus = myself?.busPort || portOf(config, 'cluster-port') || tlsPort + 10000;
    if (bus <= 65535 && !plans.some((p) => p.port === bus)) plans.push({ port: bus, role: 'cluster-bus' });
  }
  return plans;
}

function withoutClientCertificate(options: tls.ConnectionOptions): tls.ConnectionOptions {
  const { cert: _cert, key: _key, pfx: _pfx, passphrase: _passphrase, ...rest } = options;
  return rest;
}

/** A TLS port without a handshake, and why: every finding of it untested. */
function notHandshaken(endpoint: Endpoint, role: TlsPortProbe['role'], error: string, source: TlsPortProbe['source']): TlsPortProbe {
  return {
    host: endpoint.host, port: endpoint.port, role, error, versions: [],
    ciphers: { status: 'untested', detail: 'no TLS handshake', tls12: [], tls13: [], notTestable: untestableFamilies() },
    clientAuth: { mode: 'unknown', detail: 'no TLS handshake' }, source,
  };
}

async function probeTlsPort(
  endpoint: Endpoint,
  role: TlsPortProbe['role'],
  base: tls.ConnectionOptions,
  check: { caGiven: boolean; hostname: string },
  limits: { timeoutMs: number; slot: TlsProbeContext['slot']; mayConnect?: EnrichOptions['mayConnect'] },
): Promise<TlsPortProbe> {
  const where = `${endpoint.host}:${endpoint.port}`;
  const source = { kind: 'probe', detail: `TLS handshakes with ${where}` } as const;
  const context: TlsProbeContext = { endpoint, base, timeoutMs: limits.timeoutMs, slot: limits.slot };
  // The cluster bus speaks its own protocol, not RESP: no PING there.
  const bus = role === 'cluster-bus';
  // A port the server's configuration named, refused by the run (the exporter's allowlist): no connection.
  const refused = role === 'target' ? undefined : limits.mayConnect?.(endpoint.host, endpoint.port);
  if (refused !== undefined) return notHandshaken(endpoint, role, refused, source);
  const open = await limits.slot(() =>
    handshake(endpoint, {
      tls: { ...withoutClientCertificate(base), ...OPEN_HANDSHAKE },
      timeoutMs: limits.timeoutMs,
      ...(bus ? {} : { pingTimeoutMs: limits.timeoutMs }),
    }),
  );
  if (open.unreachable) return notHandshaken(endpoint, role, open.error ?? 'no TLS handshake', source);
  const certificate = open.peer
    ? certificateFromPeer(open.peer, { authorized: open.authorized, authorizationError: open.authorizationError, ...check }, source)
    : undefined;
  const [versionsAndCiphers, clientAuth] = await Promise.all([
    probeVersions(context).then(async (versions) => ({ versions, ciphers: await probeCiphers(context, versions) })),
    bus
      ? Promise.resolve({ mode: 'unknown' as const, detail: 'not tested on the cluster bus, which always requires a client certificate' })
      : probeClientAuth(context, open),
  ]);
  return {
    host: endpoint.host, port: endpoint.port, role, versions: versionsAndCiphers.versions, ciphers: versionsAndCiphers.ciphers,
    clientAuth, ...(certificate ? { certificate } : {}), source,
  };
}

/** Probes one TLS port on its own, with its own connection bound: what `bench/tls-probe.mjs` times. */
export function probeOneTlsPort(
  endpoint: Endpoint,
  options: { tls?: tls.ConnectionOptions; timeoutMs?: number; caGiven?: boolean; hostname?: string } = {},
): Promise<TlsPortProbe> {
  return probeTlsPort(endpoint, 'target', { ...options.tls, rejectUnauthorized: false }, { caGiven: options.caGiven ?? false, hostname: options.hostname ?? endpoint.host }, {
    timeoutMs: options.timeoutMs ?? CONNECT_TIMEOUT_MS,
    slot: limiter(MAX_CONNECTIONS),
  });
}

/** The plaintext port beside TLS: the target itself when it is plaintext, else `port` from the configuration. */
async function plaintextProbe(
  target: Target,
  config: ConfigMap | undefined,
  unauth: UnauthenticatedProbe,
  options: Omit<PlainProbeOptions, 'tls'>,
  notes: string[],
  mayConnect: EnrichOptions['mayConnect'],
): Promise<PlaintextProbe | undefined> {
  if (!target.tls) {
    if (unauth.outcome === 'untested') return undefined;
    return { host: target.host, port: target.port, outcome: 'answers', detail: unauth.detail, source: unauth.source };
  }
  if (!config?.has('port')) {
    notes.push('the plaintext port is unknown (the configuration could not be read): it was not probed');
    return undefined;
  }
  const port = portOf(config, 'port');
  if (port === 0) return undefined;
  const refused = mayConnect?.(target.host, port);
  if (refused !== undefined) {
    notes.push(`the plaintext port ${port} was not probed: ${refused}`);
    return undefined;
  }
  return probePlaintext({ host: target.host, port }, options);
}

/**
 * The certificate of `tls-cert-file` when the server is this machine, or why it was not read. A live server's word
 * is taken only for a file its own process can read (host/index.ts serverMayRead); a file-only audit reads the
 * files it was given.
 */
async function certificateFile(facts: Facts, config: ConfigMap | undefined, target: Target | undefined, options: EnrichOptions, directive = 'tls-cert-file'): Promise<CertificateFacts | string | undefined> {
  const path = config?.get(directive)?.value ?? '';
  if (path === '') return undefined;
  if (target && !isLocalHost(target.host)) return undefined;
  if (!isAbsolute(path)) return `${directive} '${path}' is relative to the server's working directory: it was not read`;
  if (target) {
    const may = await serverMayRead(target.host, target.port, path, facts, options.hostPid, options.hostDiscovery);
    if (may !== true) return `${directive} ${path} was not read: ${may}`;
  }
  return readCertificateFile(path, directive);
}

/** The certificates of `tls-ca-cert-file`, read as {@link certificateFile} reads tls-cert-file; none when not read. */
async function caFile(facts: Facts, config: ConfigMap | undefined, target: Target | undefined, options: EnrichOptions): Promise<Pick<ProbeFacts, 'caCertificateFile'>> {
  const path = config?.get('tls-ca-cert-file')?.value ?? '';
  if (path === '' || !isAbsolute(path) || (target && !isLocalHost(target.host))) return {};
  if (target && (await serverMayRead(target.host, target.port, path, facts, options.hostPid, options.hostDiscovery)) !== true) return {};
  const read = await readCaFile(path);
  return typeof read === 'string' || read.length === 0 ? {} : { caCertificateFile: read };
}

async function gatherProbes(facts: Facts, target: Target | undefined, options: EnrichOptions): Promise<Facts> {
  const config = facts.config ?? facts.files?.config;
  const tlsConfigured = portOf(config, 'tls-port') > 0 || target?.tls !== undefined;
  const notes: string[] = [];
  const file = tlsConfigured ? await certificateFile(facts, config, target, options) : undefined;
  const clientFile = tlsConfigured ? await certificateFile(facts, config, target, options, 'tls-client-cert-file') : undefined;
  const cas = tlsConfigured ? await caFile(facts, config, target, options) : {};
  const networkSkipped = options.noProbe
    ? 'network probes were turned off (--no-probe)'
    : !target
      ? 'no live server to probe'
      : target.socket !== undefined
        ? 'the target is a unix socket: the network probes (TLS handshakes, a client without credentials) need a TCP port'
        : undefined;
  const network = target && !networkSkipped ? await probeNetwork(facts, target, { config, tlsConfigured }, options, notes) : undefined;

  if (!network && typeof file !== 'object') {
    const why = [networkSkipped, file].filter((w) => w !== undefined).join('; ');
    return { ...facts, unavailable: { ...facts.unavailable, probe: why || 'no network probe was run' } };
  }
  const probe: ProbeFacts = {
    tls: [],
    ...network,
    ...certificateFiles(file, clientFile),
    ...cas,
    ...(networkSkipped ? { networkSkipped } : {}),
    notes,
    source: { kind: 'probe', detail: target ? `network probes of ${target.host}` : 'tls-cert-file' },
  };
  return { ...facts, probe, sources: new Set<SourceKind>([...facts.sources, 'probe']) };
}

/** The probe facts of tls-cert-file's and tls-client-cert-file's certificates: each read, or why not. */
function certificateFiles(file: CertificateFacts | string | undefined, clientFile: CertificateFacts | string | undefined): Pick<ProbeFacts, 'certificateFile' | 'certificateFileUnread' | 'clientCertificateFile' | 'clientCertificateFileUnread'> {
  return {
    ...(typeof file === 'object' ? { certificateFile: file } : {}),
    ...(typeof file === 'string' ? { certificateFileUnread: file } : {}),
    ...(typeof clientFile === 'object' ? { clientCertificateFile: clientFile } : {}),
    ...(typeof clientFile === 'string' ? { clientCertificateFileUnread: clientFile } : {}),
  };
}

/**
 * A file-only audit's certificates: those of `tls-cert-file` and `tls-client-cert-file` when the config names them
 * with an absolute path (the config's own word, read as its includes and aclfile are), so that tls.certificate judges
 * the certificate a config (or harden's output) deploys. Facts unchanged when the config names none (QA38-14).
 */
export async function fileCertificates(facts: Facts): Promise<Facts> {
  const config = facts.files?.config ?? facts.config;
  const tlsOn = (name: string) => config?.get(name)?.value === 'yes';
  if (!(portOf(config, 'tls-port') > 0 || tlsOn('tls-replication') || tlsOn('tls-cluster'))) return facts;
  const file = await certificateFile(facts, config, undefined, {});
  const clientFile = await certificateFile(facts, config, undefined, {}, 'tls-client-cert-file');
  const cas = await caFile(facts, config, undefined, {});
  if (file === undefined && clientFile === undefined && cas.caCertificateFile === undefined) return facts;
  const probe: ProbeFacts = {
    tls: [],
    ...certificateFiles(file, clientFile),
    ...cas,
    networkSkipped: 'no live server to probe',
    notes: [],
    source: { kind: 'probe', detail: 'tls-cert-file' },
  };
  return { ...facts, probe, sources: new Set<SourceKind>([...facts.sources, 'probe']) };
}

type NetworkFacts = Pick<ProbeFacts, 'unauthenticated' | 'tls' | 'plaintext' | 'defaultPasswords' | 'luaPackage' | 'certificateLogin'>;

async function probeNetwork(
  facts: Facts,
  target: Target,
  { config, tlsConfigured }: { config: ConfigMap | undefined; tlsConfigured: boolean },
  options: EnrichOptions,
  notes: string[],
): Promise<NetworkFacts> {
  const timeouts = {
    connectTimeoutMs: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    commandTimeoutMs: Math.min(options.commandTimeoutMs ?? MAX_REPLY_WAIT_MS, MAX_REPLY_WAIT_MS),
  };
  const slot = limiter(MAX_CONNECTIONS);
  const endpoint: Endpoint = { host: target.host, port: target.port };
  let targetTls: tls.ConnectionOptions | undefined;
  if (target.tls) {
    // The target's CA, client certificate and SNI; rejectUnauthorized off: the certificate probe judges the server's.
    targetTls = { ...(await tlsOptions(target)), rejectUnauthorized: false };
  }
  const plain: PlainProbeOptions = { tls: targetTls, ...timeouts, signal: options.signal };
  // Where a client certificate may log in as a user (tls-auth-clients-user), the one given is a credential: the client
  // without credentials presents none, and what the certificate alone logs in as is asked apart (QA38-13).
  const logins = certificateLogins(config, facts.server);
  const certified = targetTls !== undefined && target.tls?.certFile !== undefined && logins.state !== 'off'
    ? logins.state === 'on' ? `${logins.settings}: a client certificate logs in as the user it names` : `a client certificate may log in as a user (${logins.why})`
    : undefined;
  const anonymousOptions: PlainProbeOptions = certified !== undefined ? { ...plain, tls: withoutClientCertificate(targetTls!), withoutCertificate: certified } : plain;

  // An audit without credentials was itself the client without AUTH: its answers are taken, no connection opened
  // (not when its certificate was a credential).
  const anonymous = certified === undefined ? facts.connection?.anonymous : undefined;
  const unauthenticated = anonymous ? Promise.resolve(anonymous) : slot(() => probeUnauthenticated(endpoint, anonymousOptions));
  const certificateLogin = certified !== undefined ? slot(() => probeCertificateLogin(endpoint, plain)) : undefined;
  const hostname = target.tls?.servername ?? target.host;
  const caGiven = target.tls?.caFile !== undefined || target.tls?.caDir !== undefined;
  const tlsResults = Promise.all(
    tlsPorts(facts, target, config).map(({ port, role }) =>
      probeTlsPort({ host: target.host, port }, role, targetTls ?? {}, { caGiven, hostname }, { timeoutMs: timeouts.connectTimeoutMs, slot, mayConnect: options.mayConnect }),
    ),
  );
  // The probes that send AUTH (the target's password, the default ones) verify the certificate as the audit's own
  // connection does, and send nothing to one no trusted CA signed unless --insecure (src/gather/live/tls-trust.ts).
  const login: PlainProbeOptions = { ...plain, tls: target.tls ? await tlsOptions(target) : undefined };
  const auth = facts.connection?.credentialsWithheld ? undefined : authCommand(target);
  const luaPackage = options.probeIntrusive ? slot(() => probeLuaPackage(endpoint, auth, login)) : undefined;

  const unauth = await unauthenticated;
  const plaintext = tlsConfigured ? plaintextProbe(target, config, unauth, timeouts, notes, options.mayConnect) : undefined;
  let defaultPasswords: DefaultPasswordProbe | undefined;
  if (options.probeCredentials) {
    if (unauth.outcome === 'refused' && /NOAUTH|Authentication required/i.test(unauth.detail)) {
      defaultPasswords = await slot(() => probeDefaultPasswords(endpoint, login));
    } else {
      notes.push(`default passwords were not tried: ${unauth.outcome === 'open' ? 'the server needs no password' : `the server did not ask for one (${unauth.detail})`}`);
    }
  }
  const [tlsProbes, plaintextResult, lua, byCertificate] = await Promise.all([tlsResults, plaintext, luaPackage, certificateLogin]);
  if (!options.probeIntrusive) notes.push('CVE-2022-0543 was not probed (needs --probe-intrusive)');
  return {
    unauthenticated: unauth,
    tls: tlsProbes,
    ...(plaintextResult ? { plaintext: plaintextResult } : {}),
    ...(defaultPasswords ? { defaultPasswords } : {}),
    ...(lua ? { luaPackage: lua } : {}),
    ...(byCertificate ? { certificateLogin: byCertificate } : {}),
  };
}

/**
 * Adds what a client on the network observes: unauthenticated access, each TLS port's versions, ciphers, client
 * certificate policy and certificate, the plaintext port beside TLS, and (opt-in) default passwords and the
 * CVE-2022-0543 EVAL. Sends only PING, INFO server, AUTH (opt-in) and that EVAL (opt-in). Never throws.
 */
export const probeEnricher: Enricher = async (facts, target, options) => {
  try {
    return await gatherProbes(facts, target, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ...facts, unavailable: { ...facts.unavailable, probe: `the network probes failed: ${message}` } };
  }
};
