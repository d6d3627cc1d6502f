import type { Target } from '../../redis/target.ts';
import { targetPassword } from '../../redis/target.ts';
import { AUDIT_MAX_REPLY_BYTES, COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS } from '../../util/defaults.ts';
import type { ConnectOptions } from './resp.ts';
import { tlsOptions } from './tls-options.ts';

/**
 * How every connection to a target starts (the audit, the sampler, the sentinel groups, fix): the target's
 * address and TLS settings with the named default timeouts, then AUTH with its credentials, sent in the same
 * round trip as the first commands (each caller pipelines it with its own).
 */

/** `AUTH password` for the default user, `AUTH user password` for a named one; undefined without a password. */
export function authArgs(user: string | undefined, password: string | undefined): string[] | undefined {
  if (password === undefined) return undefined;
  return user ? ['AUTH', user, password] : ['AUTH', password];
}

/** The AUTH command for the target's own credentials (user from the URL or --user, password from wherever given). */
export function authCommand(target: Target): string[] | undefined {
  return authArgs(target.username, targetPassword(target));
}

/** What an audit's connections (the audit's own, the probes', the sentinels') take from a server, per reply and per call. */
export const AUDIT_REPLY_BOUNDS = { maxReplyBytes: AUDIT_MAX_REPLY_BYTES, maxCallBytes: AUDIT_MAX_REPLY_BYTES } as const;

export interface TargetConnectSettings {
  /** Default {@link CONNECT_TIMEOUT_MS}. */
  readonly connectTimeoutMs?: number | undefined;
  /** Default {@link COMMAND_TIMEOUT_MS}. */
  readonly commandTimeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** The options that connect to the target: its host and port, its TLS files read, the timeouts. */
export async function targetConnectOptions(target: Target, settings: TargetConnectSettings = {}): Promise<ConnectOptions> {
  return {
    host: target.host,
    port: target.port,
    ...(target.socket !== undefined ? { path: target.socket } : {}),
    tls: target.tls ? await tlsOptions(target) : undefined,
    connectTimeoutMs: settings.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    commandTimeoutMs: settings.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
    signal: settings.signal,
  };
}
