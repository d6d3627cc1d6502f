import { digestPassword } from '../../acl/parse.ts';
import type { DefaultPasswordProbe } from '../../facts/types.ts';
import { ReplyError } from '../live/resp.ts';
import { connectTrusting } from '../live/tls-trust.ts';
import type { RespConnection } from '../live/resp.ts';
import { AUDIT_REPLY_BOUNDS } from '../live/login.ts';
import type { Endpoint } from './handshake.ts';
import type { PlainProbeOptions } from './unauth.ts';

/**
 * What scanners try first, after no password at all (the unauthenticated probe): `foobared` is the example in
 * redis.conf, the others are the usual defaults of images and tutorials. Kept short on purpose: failed AUTHs are
 * logged (ACL LOG) and may trip rate limits.
 */
export const DEFAULT_PASSWORDS: readonly string[] = ['foobared', 'redis', 'password', 'admin'];

/** AUTH as the default user with each default password on one connection, stopping at the first that works. */
export async function probeDefaultPasswords(endpoint: Endpoint, options: PlainProbeOptions): Promise<DefaultPasswordProbe> {
  const source = { kind: 'probe', detail: `AUTH with ${DEFAULT_PASSWORDS.length} default passwords on ${endpoint.host}:${endpoint.port}` } as const;
  let conn: RespConnection | undefined;
  let attempts = 0;
  try {
    const trusted = await connectTrusting({ ...endpoint, ...AUDIT_REPLY_BOUNDS, tls: options.tls, connectTimeoutMs: options.connectTimeoutMs, commandTimeoutMs: options.commandTimeoutMs, signal: options.signal });
    conn = trusted.conn;
    // No AUTH at all to a server whose certificate no trusted CA signed: what it answers says nothing of the real one.
    if (trusted.withheld) return { attempts, accepted: undefined, outcome: 'untested', detail: `default passwords were not tried: ${trusted.withheld}`, source };
    for (const password of DEFAULT_PASSWORDS) {
      attempts += 1;
      const reply = await conn.command(['AUTH', password]);
      if (reply === 'OK') {
        return { attempts, accepted: digestPassword(password), outcome: 'guessed', detail: `the default user accepted one of the ${DEFAULT_PASSWORDS.length} default passwords that scanners try`, source };
      }
      if (reply instanceof ReplyError && /without any password configured|no password is set/i.test(reply.message)) {
        return { attempts, accepted: undefined, outcome: 'untested', detail: 'the default user has no password: see the unauthenticated probe', source };
      }
    }
    return { attempts, accepted: undefined, outcome: 'not-guessed', detail: `none of ${attempts} default passwords was accepted`, source };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { attempts, accepted: undefined, outcome: attempts > 0 ? 'not-guessed' : 'untested', detail: `stopped after ${attempts} attempts: ${message}`, source };
  } finally {
    void conn?.close();
  }
}
