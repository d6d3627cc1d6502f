import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeServer } from './fake-resp-server.ts';
import type { FakeHandler, FakeServer, FakeServerOptions } from './fake-resp-server.ts';

/**
 * Replays the replies a real server gave (recorded with scripts/record-replies.mjs) for versions CI cannot run:
 * Debian ships one Redis, users run 6.x, 7.2, 7.4, 8.x and Valkey. A recording lives in
 * test/fixtures/replies/<product>-<version>-<scenario>.json:
 *
 *   { "product": "redis", "version": "6.2.16", "recordedFrom": "how the server was started (no secrets)",
 *     "replies": [ { "command": ["INFO"], "reply": "$1234\r\n# Server\r\n…" }, … ] }
 *
 * `reply` is the raw RESP bytes, one character per byte (latin1). Commands match case-insensitively, except AUTH's
 * arguments (passwords), which match exactly. Entries with `"unauthenticated": true` answer a connection that has
 * not authenticated yet; when a recording has any, a new connection starts unauthenticated, gets `-NOAUTH` for a
 * command recorded only after AUTH, and is authenticated by an AUTH whose recorded reply is +OK. An AUTH the
 * recording lacks gets the reply of the recorded `["AUTH", "*"]` (a wrong password), else -WRONGPASS. A command
 * the recording lacks gets `-ERR unknown command`. Replies are the RESP2 ones even after HELLO 3.
 */

export interface RecordedReply {
  readonly command: readonly string[];
  readonly reply: string;
  readonly unauthenticated?: boolean;
}

export interface Recording {
  readonly product: string;
  readonly version: string;
  readonly recordedFrom: string;
  readonly replies: readonly RecordedReply[];
}

export interface RecordedServer extends FakeServer {
  readonly url: string;
  readonly recording: Recording;
}

export interface RecordedServerOptions extends FakeServerOptions {
  /** Answers a command before the recording does (a reply, or undefined to let the recording answer). */
  readonly override?: (argv: string[]) => ReturnType<FakeHandler> | undefined;
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'replies');

/** The recording test/fixtures/replies/<name>.json, e.g. `redis-6.2.16-default`. */
export function loadRecording(name: string): Recording {
  const recording = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Recording;
  if (!Array.isArray(recording.replies)) throw new Error(`${name}.json: no replies`);
  return recording;
}

function keyOf(argv: readonly string[]): string {
  const [name = '', ...rest] = argv;
  const upper = name.toUpperCase();
  return upper === 'AUTH' ? ['AUTH', ...rest].join('\0') : [upper, ...rest.map((a) => a.toUpperCase())].join('\0');
}

const WRONG_AUTH = keyOf(['AUTH', '*']);

/** A handler answering from the recording, one authentication state per connection. */
export function recordedHandler(recording: Recording, override?: RecordedServerOptions['override']): FakeHandler {
  const before = new Map<string, string>();
  const after = new Map<string, string>();
  for (const entry of recording.replies) (entry.unauthenticated ? before : after).set(keyOf(entry.command), entry.reply);
  const needsAuth = before.size > 0;
  const authenticated = new WeakSet<object>();
  return (argv, { socket }) => {
    const overridden = override?.(argv);
    if (overridden !== undefined) return overridden;
    const key = keyOf(argv);
    const isAuth = argv[0]?.toUpperCase() === 'AUTH';
    const signedIn = !needsAuth || authenticated.has(socket);
    let reply: string | undefined;
    if (isAuth) {
      reply = after.get(key) ?? before.get(key) ?? (signedIn ? after.get(WRONG_AUTH) ?? before.get(WRONG_AUTH) : before.get(WRONG_AUTH) ?? after.get(WRONG_AUTH));
      reply ??= '-WRONGPASS invalid username-password pair\r\n';
      if (key !== WRONG_AUTH && (after.has(key) || before.has(key)) && reply.startsWith('+OK')) authenticated.add(socket);
    } else if (!signedIn) {
      reply = before.get(key) ?? (after.has(key) ? '-NOAUTH Authentication required.\r\n' : undefined);
    } else {
      reply = after.get(key) ?? before.get(key);
    }
    return Buffer.from(reply ?? `-ERR unknown command '${argv[0] ?? ''}'\r\n`, 'latin1');
  };
}

/** A fake server on loopback answering with a recording (an object or the name of a file in test/fixtures/replies). */
export async function startRecordedServer(recording: Recording | string, options: RecordedServerOptions = {}): Promise<RecordedServer> {
  const loaded = typeof recording === 'string' ? loadRecording(recording) : recording;
  const server = await startFakeServer(recordedHandler(loaded, options.override), options);
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return Object.assign(server, { url: `redis://${host}:${server.port}`, recording: loaded });
}
