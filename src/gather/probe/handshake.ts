import type * as tls from 'node:tls';
import { loadBuiltin } from '../../util/builtin.ts';
import { lateTimeout } from '../../util/late-timer.ts';
import type { LateTimer } from '../../util/late-timer.ts';

/** Where the probes connect, and with which TLS material (read once from the target's files). */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface HandshakeOptions {
  /** Passed to `tls.connect`; `rejectUnauthorized` is always false: the probes judge the certificate themselves. */
  readonly tls: tls.ConnectionOptions;
  readonly timeoutMs: number;
  /** After the handshake, send PING and wait this long for the first bytes (TLS 1.3 refusals come only then). */
  readonly pingTimeoutMs?: number;
}

/** What one TLS connection attempt showed. */
export interface HandshakeResult {
  /** The handshake completed (and, with a PING, the server did not refuse the session afterwards). */
  readonly ok: boolean;
  /**
   * Protocol and cipher the server chose. Known from its ServerHello even when the handshake failed after it (a
   * missing client certificate), unknown when the server refused before choosing (protocol_version, no common cipher).
   */
  readonly protocol: string | undefined;
  readonly cipher: string | undefined;
  /** The OpenSSL alert, lowercase (`protocol version`, `internal error`, `certificate required`, `unknown ca`). */
  readonly alert: string | undefined;
  /** Why the attempt failed, in words; undefined when it did not. */
  readonly error: string | undefined;
  /** The connection never reached TLS (refused, unreachable, timed out, not a TLS server). */
  readonly unreachable: boolean;
  readonly peer: tls.DetailedPeerCertificate | undefined;
  readonly authorized: boolean;
  readonly authorizationError: string | undefined;
  /** The first line the server wrote after PING (`+PONG`, `-NOAUTH ...`). */
  readonly reply: string | undefined;
}

const PING = '*1\r\n$4\r\nPING\r\n';

/** Runs one TLS handshake (and optionally one PING); never throws and never outlives its timeouts. */
export function handshake(endpoint: Endpoint, options: HandshakeOptions): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    let socket: tls.TLSSocket;
    let secure = false;
    let settled = false;
    let timer: LateTimer | undefined;
    const finish = (outcome: { ok: boolean; error?: unknown; reply?: string; timedOut?: string }): void => {
      if (settled) return;
      settled = true;
      timer?.cancel();
      const described = outcome.timedOut ? { alert: undefined, text: outcome.timedOut, tlsLevel: false } : describe(outcome.error);
      let cipher: string | undefined;
      let protocol: string | undefined;
      let peer: tls.DetailedPeerCertificate | undefined;
      try {
        cipher = socket.getCipher()?.name;
        protocol = cipher ? (socket.getProtocol() ?? undefined) : undefined;
        const certificate = socket.getPeerCertificate(true);
        peer = certificate && Object.keys(certificate).length > 0 ? certificate : undefined;
      } catch {
        // The handle is gone: nothing was negotiated.
      }
      const authorizationError = socket.authorizationError as unknown;
      resolve({
        ok: outcome.ok,
        protocol,
        cipher,
        alert: described?.alert,
        error: outcome.ok ? undefined : (described?.text ?? 'connection closed'),
        unreachable: !outcome.ok && !secure && cipher === undefined && described?.alert === undefined && !described?.tlsLevel,
        peer,
        authorized: socket.authorized === true,
        authorizationError: authorizationError === undefined || authorizationError === null ? undefined : String(authorizationError),
        reply: outcome.reply,
      });
      socket.on('error', () => {});
      socket.destroy();
    };
    try {
      socket = loadBuiltin<typeof tls>('node:tls').connect({ ...options.tls, host: endpoint.host, port: endpoint.port, rejectUnauthorized: false });
    } catch (error) {
      resolve({
        ok: false, protocol: undefined, cipher: undefined, alert: undefined, error: describe(error)?.text ?? String(error),
        unreachable: false, peer: undefined, authorized: false, authorizationError: undefined, reply: undefined,
      });
      return;
    }
    // A handshake or a reply that came in time while the program was busy is read before the timer fails it.
    timer = lateTimeout(() => finish({ ok: false, timedOut: `no TLS handshake within ${options.timeoutMs} ms` }), options.timeoutMs);
    socket.once('error', (error) => finish({ ok: false, error }));
    socket.once('close', () => finish({ ok: false, error: new Error(secure ? 'connection closed after the handshake' : 'connection closed during the handshake') }));
    socket.once('secureConnect', () => {
      secure = true;
      if (options.pingTimeoutMs === undefined) {
        finish({ ok: true });
        return;
      }
      timer?.cancel();
      timer = lateTimeout(() => finish({ ok: false, timedOut: `no reply to PING within ${options.pingTimeoutMs} ms` }), options.pingTimeoutMs);
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        const end = received.indexOf('\r\n');
        if (end !== -1) finish({ ok: true, reply: received.slice(0, end) });
      });
      socket.write(PING);
    });
  });
}

/** An OpenSSL alert or a network error in a few words. */
function describe(error: unknown): { alert: string | undefined; text: string; tlsLevel: boolean } | undefined {
  if (error === undefined) return undefined;
  const { code, reason, message } = error as { code?: unknown; reason?: unknown; message?: unknown };
  const text = typeof reason === 'string' && reason !== '' ? reason : typeof message === 'string' ? message : String(error);
  const alert = /alert (.+)$/.exec(text)?.[1]?.toLowerCase();
  const tlsLevel = typeof code === 'string' && (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) && !/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|RECORD_LAYER_FAILURE/.test(code);
  return { alert, text: alert ? `alert ${alert}` : text, tlsLevel };
}
