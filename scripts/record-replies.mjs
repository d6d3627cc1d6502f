#!/usr/bin/env node
// Records a real server's replies to the audit's commands, for test/helpers/recorded-server.ts to replay in CI
// (which has only Debian's Redis): test/fixtures/replies/<product>-<version>-<scenario>.json.
//
//   node scripts/record-replies.mjs URL OUT.json [--user U] [--pass P] [--scenario TEXT] [--cacert F --cert F --key F]
//
// URL is redis://host:port or rediss://host:port (TLS; the certificate is not verified unless --cacert is given).
// Sent, read-only, as the audit sends them (src/gather/live/gather-live.ts, src/gather/probe/*):
// - when a password is given, first on a connection that has not authenticated: PING, INFO server, INFO, a wrong
//   AUTH (recorded as ["AUTH", "*"]: the reply to any password the recording lacks), HELLO 3; these entries carry
//   "unauthenticated": true;
// - then on a new connection: AUTH (when given), bench/audit-commands.mjs AUDIT_COMMANDS, PING, INFO server,
//   the CVE-2022-0543 probe's EVAL, SENTINEL REPLICAS/SENTINELS/CKQUORUM of each master a sentinel names, the
//   wrong AUTH again (without a password) and HELLO 3 last (it switches the connection to RESP3).
// The password is written in the file (AUTH's entry): record only servers started for the purpose, with a
// password made for them. recordedFrom says how the server was started (--scenario), without secrets.
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { AUDIT_COMMANDS } from '../bench/audit-commands.mjs';

const LUA_PACKAGE_SCRIPT = 'return type(package)';
/** The AUTH entry that answers any password the recording does not hold. */
const WRONG_PASSWORD = '*';

function fail(message) {
  process.stderr.write(`record-replies: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const positional = [];
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const name = a.slice(2);
      if (!['user', 'pass', 'scenario', 'cacert', 'cert', 'key', 'product', 'version'].includes(name)) fail(`unknown option ${a}`);
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      options[name] = argv[++i];
    } else positional.push(a);
  }
  if (positional.length !== 2) fail('usage: record-replies.mjs URL OUT.json [--user U] [--pass P] [--scenario TEXT] [--cacert F --cert F --key F]');
  return { url: positional[0], out: positional[1], options };
}

function encode(args) {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** The end (exclusive) of the RESP2/RESP3 reply that starts at `pos`, or -1 when the buffer does not hold all of it. */
export function replyEnd(buf, pos) {
  if (pos >= buf.length) return -1;
  const lineEnd = buf.indexOf('\r\n', pos);
  if (lineEnd === -1) return -1;
  const type = String.fromCharCode(buf[pos]);
  const head = buf.toString('latin1', pos + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+': case '-': case ':': case ',': case '#': case '_': case '(':
      return next;
    case '$': case '=': case '!': {
      const n = Number(head);
      if (n < 0) return next;
      return buf.length >= next + n + 2 ? next + n + 2 : -1;
    }
    case '*': case '~': case '>': case '%': case '|': {
      let n = Number(head);
      if (n < 0) return next;
      if (type === '%' || type === '|') n *= 2;
      let at = next;
      for (let i = 0; i < n; i++) {
        at = replyEnd(buf, at);
        if (at === -1) return -1;
      }
      return at;
    }
    default:
      // An inline reply of an old or foreign server: up to the line's end.
      return next;
  }
}

async function open(url, options) {
  const port = Number(url.port || 6379);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const socket = url.protocol === 'rediss:'
    ? tls.connect({
      host, port, servername: net.isIP(host) ? undefined : host,
      rejectUnauthorized: options.cacert !== undefined,
      ca: options.cacert && readFileSync(options.cacert),
      cert: options.cert && readFileSync(options.cert),
      key: options.key && readFileSync(options.key),
    })
    : net.connect({ host, port });
  await new Promise((resolve, reject) => {
    socket.once(url.protocol === 'rediss:' ? 'secureConnect' : 'connect', resolve);
    socket.once('error', reject);
  });
  socket.setTimeout(10_000, () => socket.destroy(new Error(`${url.host}: no reply within 10 s`)));
  let buffer = Buffer.alloc(0);
  let closed = false;
  let waiting;
  socket.on('data', (chunk) => { buffer = Buffer.concat([buffer, chunk]); waiting?.(); });
  socket.on('close', () => { closed = true; waiting?.(); });
  socket.on('error', () => {});
  return {
    /** Sends one command and returns its raw reply, or undefined when the server hung up. */
    async send(args) {
      socket.write(encode(args));
      for (;;) {
        const end = replyEnd(buffer, 0);
        if (end !== -1) {
          const reply = buffer.toString('latin1', 0, end);
          buffer = buffer.subarray(end);
          return reply;
        }
        if (closed) return undefined;
        await new Promise((resolve) => { waiting = resolve; });
        waiting = undefined;
      }
    },
    close() { socket.destroy(); },
  };
}

/** The bulk strings of an array reply (RESP2), e.g. SENTINEL MASTERS' flat field lists. */
function sentinelMasterNames(raw) {
  if (!raw || raw[0] !== '*') return [];
  const names = [];
  const buf = Buffer.from(raw, 'latin1');
  const lineEnd = buf.indexOf('\r\n');
  const count = Number(buf.toString('latin1', 1, lineEnd));
  let at = lineEnd + 2;
  for (let i = 0; i < count; i++) {
    const end = replyEnd(buf, at);
    const fields = Buffer.from(buf.subarray(at, end)).toString('latin1').split('\r\n');
    // *N, $len, name, $len, <value>, ...: the value after "name".
    const idx = fields.indexOf('name');
    if (idx !== -1 && fields[idx + 2] !== undefined) names.push(fields[idx + 2]);
    at = end;
  }
  return names;
}

function fieldOf(info, name) {
  const match = new RegExp(`^${name}:(.*)$`, 'm').exec(info ?? '');
  return match?.[1].trim();
}

async function main() {
  const { url: rawUrl, out, options } = parseArgs(process.argv.slice(2));
  let url;
  try {
    url = new URL(rawUrl);
  } catch {
    fail(`not a URL: ${rawUrl}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') fail(`${rawUrl}: only redis:// and rediss:// are recorded`);
  const user = options.user ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const pass = options.pass ?? (url.password ? decodeURIComponent(url.password) : undefined);
  const auth = pass === undefined ? undefined : user ? ['AUTH', user, pass] : ['AUTH', pass];

  const replies = [];
  const record = async (conn, command, extra = {}) => {
    const reply = await conn.send(command);
    if (reply === undefined) throw new Error(`${url.host} hung up after ${command.join(' ').slice(0, 60)}`);
    replies.push({ command, reply, ...extra });
    return reply;
  };

  let conn;
  try {
    if (auth) {
      conn = await open(url, options);
      for (const command of [['PING'], ['INFO', 'server'], ['INFO'], ['AUTH', WRONG_PASSWORD], ['HELLO', '3']]) {
        await record(conn, command, { unauthenticated: true });
      }
      conn.close();
    }
    conn = await open(url, options);
    if (auth) {
      const reply = await record(conn, auth);
      if (!reply.startsWith('+OK')) throw new Error(`${url.host}: AUTH was refused: ${reply.trim()}`);
    }
    for (const command of [...AUDIT_COMMANDS, ['PING'], ['INFO', 'server'], ['EVAL', LUA_PACKAGE_SCRIPT, '0']]) await record(conn, command);
    const masters = replies.find((r) => r.command.join(' ') === 'SENTINEL MASTERS');
    for (const name of sentinelMasterNames(masters?.reply)) {
      for (const sub of ['REPLICAS', 'SENTINELS', 'CKQUORUM']) await record(conn, ['SENTINEL', sub, name]);
    }
    if (!auth) await record(conn, ['AUTH', WRONG_PASSWORD]);
    await record(conn, ['HELLO', '3']);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  } finally {
    conn?.close();
  }

  const info = replies.find((r) => r.command.length === 1 && r.command[0] === 'INFO' && !r.unauthenticated)?.reply;
  const valkey = fieldOf(info, 'valkey_version');
  const recording = {
    product: options.product ?? (valkey !== undefined || fieldOf(info, 'server_name') === 'valkey' ? 'valkey' : 'redis'),
    version: options.version ?? valkey ?? fieldOf(info, 'redis_version') ?? 'unknown',
    recordedFrom: options.scenario ?? `${url.protocol}//${url.host}${user ? ` as ${user}` : ''}`,
    replies,
  };
  writeFileSync(out, `${JSON.stringify(recording, null, 1)}\n`);
  process.stdout.write(`${out}: ${replies.length} replies from ${recording.product} ${recording.version}\n`);
}

await main();
