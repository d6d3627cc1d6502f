import type * as tls from 'node:tls';
import type { CertificateLoginProbe, PlaintextProbe, UnauthenticatedProbe } from '../../facts/types.ts';
import { connect, ConnectionError, ReplyError } from '../live/resp.ts';
import type { Reply, RespConnection } from '../live/resp.ts';
import { AUDIT_REPLY_BOUNDS } from '../live/login.ts';
import type { Endpoint } from './handshake.ts';
import { infoField, parseInfo } from '../../redis/info.ts';
import type { InfoSections } from '../../facts/types.ts';
import { clipped } from '../../util/shown.ts';

export interface PlainProbeOptions {
  /** TLS options for a TLS endpoint (the target's CA and client certificate: TLS is not a Redis credential). */
  readonly tls: tls.ConnectionOptions | undefined;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  /** The target's signal: aborting it closes the probe's connection. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Why `tls` holds no client certificate though the target has one: the server may log a certificate in as a user
   * (tls-auth-clients-user), so the client without credentials presents none. A handshake refused for the missing
   * certificate is then the server refusing that client.
   */
  readonly withoutCertificate?: string | undefined;
}

/** OpenSSL's alerts for a client certificate missing or refused (TLS 1.3 sends them after the handshake, at the first read). */
const CERTIFICATE_REFUSED = /alert (?:certificate required|handshake failure|bad certificate|certificate unknown|unknown ca|access denied)/i;

/** The most of a reply a probe's detail shows: a server's reply is its word, and may be megabytes of it. */
const SHOWN_CHARS = 1000;

/**
 * A reply as a probe's detail shows it, clipped: an error `-…`, a string `+…`, anything else as JSON (integers past
 * 2^53 are bigints, which JSON.stringify refuses: the target was an error 'Do not know how to serialize a BigInt').
 */
export function showReply(reply: Reply): string {
  const text =
    reply instanceof ReplyError
      ? `-${reply.message}`
      : typeof reply === 'string'
        ? `+${reply}`
        : typeof reply === 'number' || typeof reply === 'bigint'
          ? `:${reply}`
          : (JSON.stringify(reply, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}` : value instanceof Map ? Object.fromEntries(value) : value)) ?? String(reply));
  return clipped(text, SHOWN_CHARS);
}

const show = showReply;

function failure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The errors a server gives a client for who it is before it runs a command: a password is needed (`NOAUTH`; Redis
 * before 2.8 `-ERR operation not permitted`), protected mode (`DENIED`), or the default user's rules (`NOPERM`).
 */
const ABOUT_THE_CLIENT = /^(?:NOAUTH|DENIED|NOPERM)\b|authentication required|operation not permitted/i;

/**
 * PING's reply says nothing of the password when PING is renamed away (`-ERR unknown command`: the server looks a
 * command up before it asks for a password), when it is another error than one about the client (`-BUSY` while a
 * script runs, `-LOADING`, `-MASTERDOWN`: a server checks the password before those, so a server without one answers
 * them too), or is not a reply a server gives to PING: INFO server then tells.
 */
export function pingTellsNothing(ping: Reply): boolean {
  return ping instanceof ReplyError ? !ABOUT_THE_CLIENT.test(ping.message) : ping !== 'PONG';
}

/** How a probe's detail ends when a NOPERM showed the client in as the default user. */
const AS_DEFAULT_USER = 'the server took the client without credentials as the default user, which needs no password; what that user may run is unknown';

/**
 * NOPERM is no refusal: the server took the client without credentials as the default user, which needs no password,
 * and only that user's rules keep PING from it (`user default on nopass -@all +get +set` answers PING with NOPERM
 * and runs GET and SET for anyone). INFO server then tells whether it runs more.
 */
export function isNoPerm(reply: Reply | undefined): boolean {
  return reply instanceof ReplyError && /^NOPERM\b/.test(reply.message);
}

/**
 * What the probe makes of its replies on `endpoint`: to PING, and to INFO when PING was answered or told nothing.
 * `parsed`, when given, is that INFO text parsed already (an audit's own connection parses it for its facts).
 */
export function unauthenticatedAnswer(endpoint: Endpoint, tls: boolean, ping: Reply, info: Reply | undefined, parsed?: InfoSections): UnauthenticatedProbe {
  const answer = (outcome: UnauthenticatedProbe['outcome'], detail: string, denied?: 'PING' | 'INFO server'): UnauthenticatedProbe => ({ ...endpointOf(endpoint, tls), outcome, detail, ...(denied ? { deniedAsDefaultUser: denied } : {}), source: sourceOf(endpoint) });
  if (pingTellsNothing(ping)) {
    const asked = `PING: ${show(ping)}; INFO server: ${show(info ?? null)}`;
    if (typeof info === 'string') return answer('open', `PING: ${show(ping)}; INFO server answered`);
    // INFO's NOPERM, as PING's below: the client got in as the password-less default user.
    if (isNoPerm(info)) return answer('untested', `${asked}: ${AS_DEFAULT_USER}`, 'INFO server');
    if (info instanceof ReplyError && !pingTellsNothing(info)) return answer('refused', asked);
    return answer('untested', `${asked}: neither answer says whether a password is needed`);
  }
  if (isNoPerm(ping)) {
    if (typeof info === 'string') return answer('open', `PING: ${show(ping)}; INFO server answered`);
    return answer('untested', `PING: ${show(ping)}${info === undefined ? '' : `; INFO server: ${show(info)}`}: ${AS_DEFAULT_USER}`, 'PING');
  }
  if (ping instanceof ReplyError) return answer('refused', `PING: ${show(ping)}`);
  if (typeof info !== 'string') return answer('open', `PING: +PONG; INFO server: ${show(info ?? null)}`);
  const fields = parsed ?? parseInfo(info);
  const version = infoField(fields, 'valkey_version') ?? infoField(fields, 'redis_version');
  const product = infoField(fields, 'valkey_version') ? 'valkey_version' : 'redis_version';
  return answer('open', `PING: +PONG; INFO server answered${version ? ` (${product} ${version})` : ''}`);
}

function endpointOf(endpoint: Endpoint, tls: boolean) {
  return { host: endpoint.host, port: endpoint.port, tls };
}

function sourceOf(endpoint: Endpoint) {
  return { kind: 'probe', detail: `PING and INFO server without AUTH on ${endpoint.host}:${endpoint.port}` } as const;
}

/**
 * Connects without AUTH and sends PING, then INFO server when PING was answered: the only commands it sends.
 * `open` when the server runs them for anyone who reaches it. An audit without credentials has these answers from
 * its own connection already (`facts.connection.anonymous`) and does not call this.
 */
export async function probeUnauthenticated(endpoint: Endpoint, options: PlainProbeOptions): Promise<UnauthenticatedProbe> {
  const tls = options.tls !== undefined;
  const without = options.withoutCertificate;
  const base = { ...endpointOf(endpoint, tls), ...(without !== undefined && tls ? { withoutCertificate: without } : {}) };
  const source = sourceOf(endpoint);
  // Without a certificate where one is a credential: the server refusing the handshake for it refused this client.
  const refusedForCertificate = (error: unknown): UnauthenticatedProbe | undefined =>
    without !== undefined && tls && error instanceof ConnectionError && error.kind === 'tls' && CERTIFICATE_REFUSED.test(error.message)
      ? { ...base, outcome: 'refused', detail: `the TLS handshake without a client certificate: ${error.message.replace(/: the server requires a client certificate \(--cert and --key\)$/, '')}`, source }
      : undefined;
  let conn: RespConnection | undefined;
  try {
    conn = await connect({ ...endpoint, ...AUDIT_REPLY_BOUNDS, tls: options.tls, connectTimeoutMs: options.connectTimeoutMs, commandTimeoutMs: options.commandTimeoutMs, signal: options.signal });
  } catch (error) {
    return refusedForCertificate(error) ?? { ...base, outcome: 'untested', detail: `no connection: ${failure(error)}`, source };
  }
  let ping: Reply | undefined;
  try {
    ping = await conn.command(['PING']);
    const answer = unauthenticatedAnswer(endpoint, tls, ping, ping === 'PONG' || pingTellsNothing(ping) || isNoPerm(ping) ? await conn.command(['INFO', 'server']) : undefined);
    return { ...answer, ...base };
  } catch (error) {
    if (ping === undefined) {
      const refused = refusedForCertificate(error);
      if (refused) return refused;
    }
    if (error instanceof ConnectionError && ['closed', 'reset'].includes(error.kind)) {
      // PING was answered and the server hung up before INFO: a server at maxclients answers every new client
      // '-ERR max number of clients reached' and closes. It had no room, and refused no password: PING's answer alone
      // decides, as when INFO is not asked.
      if (ping !== undefined) {
        const closed = `PING: ${show(ping)}; INFO server: ${error.message}`;
        if (ping === 'PONG') return { ...base, outcome: 'open', detail: closed, source };
        if (isNoPerm(ping)) return { ...base, outcome: 'untested', detail: `${closed}: ${AS_DEFAULT_USER}`, deniedAsDefaultUser: 'PING', source };
        return { ...base, outcome: 'untested', detail: `${closed}: the server hung up after an answer that does not say whether a password is needed`, source };
      }
      // Hung up before any answer to PING: no Redis does that for a missing password (it answers NOAUTH, or -DENIED,
      // or '-ERR max number of clients' before closing); a proxy or a filter in front may. It says nothing of
      // whether the server wants a password (review N2: this was 'refused', and auth.no-authentication passed on it).
      return { ...base, outcome: 'untested', detail: `PING: ${error.message}: the connection was closed before any answer, which does not say whether a password is needed`, source };
    }
    return { ...base, outcome: 'untested', detail: `PING: ${failure(error)}`, source };
  } finally {
    void conn.close();
  }
}

/**
 * Who the target's client certificate alone logs in as: `ACL WHOAMI` without AUTH, on a server that may log a
 * certificate in as the user it names (tls-auth-clients-user). The only command it sends.
 */
export async function probeCertificateLogin(endpoint: Endpoint, options: PlainProbeOptions): Promise<CertificateLoginProbe> {
  const source = { kind: 'probe', detail: `ACL WHOAMI with the client certificate given and no AUTH on ${endpoint.host}:${endpoint.port}` } as const;
  let conn: RespConnection | undefined;
  try {
    conn = await connect({ ...endpoint, ...AUDIT_REPLY_BOUNDS, tls: options.tls, connectTimeoutMs: options.connectTimeoutMs, commandTimeoutMs: options.commandTimeoutMs, signal: options.signal });
  } catch (error) {
    return { detail: `no connection: ${failure(error)}`, source };
  }
  try {
    const reply = await conn.command(['ACL', 'WHOAMI']);
    if (typeof reply === 'string' && reply !== '') return { user: reply, detail: `ACL WHOAMI: ${show(reply)}`, source };
    return { detail: `ACL WHOAMI: ${show(reply)}`, source };
  } catch (error) {
    return { detail: `ACL WHOAMI: ${failure(error)}`, source };
  } finally {
    void conn.close();
  }
}

/** Whether the plaintext port answers RESP (PING, no AUTH). */
export async function probePlaintext(endpoint: Endpoint, options: Omit<PlainProbeOptions, 'tls'>): Promise<PlaintextProbe> {
  const where = `${endpoint.host}:${endpoint.port}`;
  const source = { kind: 'probe', detail: `PING in clear text on ${where}` } as const;
  const base = { host: endpoint.host, port: endpoint.port, source };
  let conn: RespConnection | undefined;
  try {
    conn = await connect({ ...endpoint, ...AUDIT_REPLY_BOUNDS, connectTimeoutMs: options.connectTimeoutMs, commandTimeoutMs: options.commandTimeoutMs, signal: options.signal });
  } catch (error) {
    if (error instanceof ConnectionError && error.kind === 'refused') return { ...base, outcome: 'closed', detail: 'connection refused' };
    return { ...base, outcome: 'untested', detail: `no connection: ${failure(error)}` };
  }
  try {
    const reply = await conn.command(['PING']);
    return { ...base, outcome: 'answers', detail: `PING: ${show(reply)}` };
  } catch (error) {
    if (error instanceof ConnectionError && error.kind === 'closed' && /: /.test(error.message)) {
      // An error written on connect, then a hang-up (protected mode, maxclients): still Redis in clear text.
      return { ...base, outcome: 'answers', detail: `PING: ${error.message}` };
    }
    return { ...base, outcome: 'not-resp', detail: `PING: ${failure(error)}` };
  } finally {
    void conn.close();
  }
}
