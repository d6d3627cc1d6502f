import { connect, ConnectionError, ReplyError } from '../gather/live/resp.ts';
import type { Reply, RespConnection } from '../gather/live/resp.ts';
import type { Target } from '../redis/target.ts';
import { targetPassword } from '../redis/target.ts';
import { authArgs, targetConnectOptions } from '../gather/live/login.ts';
import { FIX_COMMAND_TIMEOUT_MS } from '../util/defaults.ts';
import { redactWords } from '../util/redact.ts';

/**
 * AUTH refused by a server whose default user needs no password (a sentinel beside password-protected data nodes,
 * given REDISCLI_AUTH; Redis before 6 says "no password is set"): the connection works without one, as the audit
 * takes it (src/gather/live/gather-live.ts).
 */
const NO_PASSWORD_NEEDED = /without any password configured|no password is set/i;

/** Why AUTH was refused, in the server's words (its first sentence), the password masked if a server echoed it. */
function refusedBecause(reply: ReplyError, cred: Credential): string {
  return redactWords(reply.message.split(/\.(?:\s|$)/)[0] ?? reply.code, [cred.password ?? '']);
}

/** How a connection logs in: a user and password, or nothing (the default user without AUTH). */
export interface Credential {
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** For messages: `the target's credentials`, `user 'admin'`. */
  readonly label: string;
}

/** The client name every fix connection sets, so that a second fix can see the first in CLIENT LIST. */
export const CLIENT_NAME = 'redfort-fix';

/** Never sent, whatever a plan or a rollback file says. */
const FORBIDDEN = new Set(['flushall', 'flushdb', 'debug', 'shutdown', 'module', 'monitor', 'eval', 'evalsha', 'function', 'script', 'save', 'bgsave', 'swapdb', 'migrate', 'restore', 'del', 'unlink', 'replicaof', 'slaveof', 'failover', 'cluster']);

/** Read-only or connection-level commands the engine itself sends (beside the plan's). */
const ENGINE_COMMANDS = new Set(['auth', 'ping', 'info', 'config get', 'acl list', 'acl users', 'acl getuser', 'client setname', 'client list', 'cluster info', 'sentinel master', 'sentinel masters', 'role', 'multi', 'exec']);

/** A plan or rollback command: `CONFIG SET`, `ACL SETUSER`, `ACL DELUSER`, `SENTINEL SET`, `CONFIG REWRITE`, `ACL SAVE`. */
const MUTATIONS = new Set(['config set', 'acl setuser', 'acl deluser', 'sentinel set', 'config rewrite', 'acl save']);

export class CommandRefused extends Error {}

/** Throws unless the command is one fix may send: its own read-only ones, or a mutation of a permitted kind. */
export function checkCommand(args: readonly string[]): void {
  const name = (args[0] ?? '').toLowerCase();
  const sub = `${name} ${(args[1] ?? '').toLowerCase()}`;
  if (ENGINE_COMMANDS.has(sub)) return;
  if (FORBIDDEN.has(name)) throw new CommandRefused(`refusing to send ${name.toUpperCase()}: fix never sends it`);
  // CONFIG SET takes several name-value pairs (7.0): the refusal names the setting that moves a file.
  const moved = sub === 'config set' ? args.slice(2).find((a, i) => i % 2 === 0 && /^(dir|dbfilename|appenddirname|appendfilename|logfile|unixsocket)$/i.test(a)) : undefined;
  if (moved !== undefined) throw new CommandRefused(`refusing to change ${moved}: fix never moves files`);
  if (ENGINE_COMMANDS.has(name) || ENGINE_COMMANDS.has(sub) || MUTATIONS.has(sub)) return;
  throw new CommandRefused(`refusing to send ${args.slice(0, 2).join(' ').toUpperCase()}: not a command fix sends`);
}

export function credentialOf(target: Target): Credential {
  return { user: target.username, password: targetPassword(target), label: "the target's credentials" };
}

export interface SessionOptions {
  readonly connectTimeoutMs?: number | undefined;
  readonly commandTimeoutMs?: number | undefined;
}

/** Opens a connection and logs in with `cred`; resolves with the connection, or rejects with why not. */
export async function login(target: Target, cred: Credential, options: SessionOptions = {}): Promise<RespConnection> {
  const conn = await connect(
    await targetConnectOptions(target, { connectTimeoutMs: options.connectTimeoutMs, commandTimeoutMs: options.commandTimeoutMs ?? FIX_COMMAND_TIMEOUT_MS }),
  );
  try {
    const auth = authArgs(cred.user, cred.password);
    const [authReply, ping] = auth ? await conn.pipeline([auth, ['PING']]) : [null, await conn.command(['PING'])];
    if (authReply instanceof ReplyError && !NO_PASSWORD_NEEDED.test(authReply.message)) throw new Error(`${cred.label} were refused: ${refusedBecause(authReply, cred)}`);
    // A user without +ping (the auditor) is still logged in: NOPERM comes after a successful AUTH.
    if (ping instanceof ReplyError && ping.code !== 'NOPERM') throw new Error(`${cred.label} cannot run PING: ${ping.message.split('.')[0]}`);
    return conn;
  } catch (error) {
    await conn.close();
    throw error;
  }
}

/** Whether `cred` can log in to the node now (a fresh connection, AUTH, PING). */
export async function canLogIn(target: Target, cred: Credential, options: SessionOptions = {}): Promise<string | undefined> {
  try {
    const conn = await login(target, cred, options);
    await conn.close();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * One named connection to a node, logged in with the first credential that works. Every command goes through
 * {@link checkCommand}; error replies are returned, connection failures thrown.
 */
export class NodeSession {
  #conn: RespConnection | undefined;
  #cred: Credential | undefined;

  constructor(
    readonly target: Target,
    readonly address: string,
    private readonly options: SessionOptions = {},
  ) {}

  get credential(): Credential | undefined {
    return this.#cred;
  }

  /** Logs in with the first of `creds` that works (a fresh connection), and names it. */
  async open(creds: readonly Credential[]): Promise<void> {
    await this.close();
    const errors: string[] = [];
    for (const cred of creds) {
      try {
        const conn = await login(this.target, cred, this.options);
        await conn.command(['CLIENT', 'SETNAME', CLIENT_NAME]);
        this.#conn = conn;
        this.#cred = cred;
        return;
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
    throw new Error(`cannot log in to ${this.address}: ${errors.join('; ') || 'no credentials'}`);
  }

  async send(args: readonly string[]): Promise<Reply> {
    checkCommand(args);
    if (!this.#conn || this.#conn.closed) throw new ConnectionError('closed', 'the connection was lost');
    return this.#conn.command(args);
  }

  async close(): Promise<void> {
    const conn = this.#conn;
    this.#conn = undefined;
    await conn?.close();
  }
}

/** `ERR …` text of an error reply, or undefined. */
export function replyError(reply: Reply): string | undefined {
  return reply instanceof ReplyError ? reply.message : undefined;
}
