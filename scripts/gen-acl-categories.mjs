#!/usr/bin/env node
// Regenerates src/acl/data/categories-<product>-<major.minor>.json and categories-sentinel-<major.minor>.json
// (Valkey: categories-sentinel-valkey-<major.minor>.json) from the real server: `ACL CAT`, `ACL CAT <category>` and
// `COMMAND`, in server and sentinel mode.
//
//   node scripts/gen-acl-categories.mjs [--server /usr/bin/redis-server] [--sentinel /usr/bin/redis-sentinel]
//     [--only server|sentinel] [--out DIR]
//
// Valkey 8.0.1's sentinel table came from a build of the 8.0.1 release (make BUILD_TLS=yes):
//   node scripts/gen-acl-categories.mjs --only sentinel --sentinel /tmp/builds/valkey-8.0.1/src/valkey-sentinel
//
// The servers listen on a Unix socket in a temp dir only (port 0), so nothing is exposed and no port is taken.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const outDir = option('--out', join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'acl', 'data'));

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : process.argv[i + 1];
}

/** Parses one RESP2 value from buf at offset; returns [value, nextOffset] or undefined when incomplete. */
function parseReply(buf, offset) {
  const eol = buf.indexOf('\r\n', offset);
  if (eol === -1) return undefined;
  const type = String.fromCharCode(buf[offset]);
  const line = buf.toString('utf8', offset + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new Error(line), next];
    case ':':
      return [Number(line), next];
    case '$': {
      const len = Number(line);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return undefined;
      return [buf.toString('utf8', next, next + len), next + len + 2];
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return [null, next];
      const items = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at);
        if (item === undefined) return undefined;
        items.push(item[0]);
        at = item[1];
      }
      return [items, at];
    }
    default:
      throw new Error(`unexpected RESP type ${type}`);
  }
}

function encode(args) {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Connects to a Unix socket and returns `call(...args)`, one command at a time. */
async function open(path) {
  const socket = createConnection(path);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffer = Buffer.alloc(0);
  let waiting;
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    const parsed = waiting && parseReply(buffer, 0);
    if (parsed) {
      buffer = buffer.subarray(parsed[1]);
      const done = waiting;
      waiting = undefined;
      done(parsed[0]);
    }
  });
  return {
    call(...args) {
      return new Promise((resolve, reject) => {
        waiting = (value) => (value instanceof Error ? reject(value) : resolve(value));
        socket.write(encode(args));
      });
    },
    close() {
      socket.destroy();
    },
  };
}

async function startServer(binary, dir) {
  const socket = join(dir, 'redis.sock');
  const conf = join(dir, 'redis.conf');
  // Sentinel rewrites its config file, so both modes get a throw-away one.
  writeFileSync(conf, [`port 0`, `unixsocket ${socket}`, `dir ${dir}`, `save ""`, `appendonly no`, `logfile ""`, ''].join('\n'));
  const child = spawn(binary, [conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      return { child, client: await open(socket) };
    } catch {
      // not listening yet
    }
  }
  child.kill();
  throw new Error(`${binary} did not start`);
}

async function collect(client) {
  const info = await client.call('INFO', 'server');
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  const valkey = /valkey_version:(\S+)/.exec(info)?.[1];
  const names = (await client.call('ACL', 'CAT')).map((c) => c.toLowerCase()).sort();
  const categories = {};
  for (const name of names) {
    categories[name] = (await client.call('ACL', 'CAT', name)).map((c) => c.toLowerCase()).sort();
  }
  const commands = {};
  for (const entry of await client.call('COMMAND')) {
    // 7.0+: element 9 holds the subcommands as full command entries named `cmd|sub`.
    const subs = Array.isArray(entry[9]) ? entry[9].map((s) => String(s[0]).toLowerCase().split('|')[1]) : [];
    commands[String(entry[0]).toLowerCase()] = subs.sort();
  }
  const sorted = Object.fromEntries(Object.entries(commands).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { product: valkey ? 'valkey' : 'redis', version: valkey ?? version, categories, commands: sorted };
}

function write(file, mode, data) {
  const body = {
    comment: `Generated by scripts/gen-acl-categories.mjs from a live ${data.product} ${data.version} (${mode}). Do not edit.`,
    product: data.product,
    version: data.version,
    mode,
    categories: data.categories,
    commands: data.commands,
  };
  writeFileSync(join(outDir, file), `${JSON.stringify(body, null, 2)}\n`);
  console.log(`wrote ${file}: ${Object.keys(data.categories).length} categories, ${Object.keys(data.commands).length} commands`);
}

async function generate(binary, mode) {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-gen-'));
  const { child, client } = await startServer(binary, dir);
  try {
    const data = await collect(client);
    const minor = data.version.split('.').slice(0, 2).join('.');
    const sentinel = data.product === 'redis' ? `categories-sentinel-${minor}.json` : `categories-sentinel-${data.product}-${minor}.json`;
    write(mode === 'sentinel' ? sentinel : `categories-${data.product}-${minor}.json`, mode, data);
  } finally {
    client.close();
    child.kill();
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const only = option('--only', undefined);
if (only !== undefined && only !== 'server' && only !== 'sentinel') throw new Error(`--only ${only}: server or sentinel`);
if (only !== 'sentinel') await generate(option('--server', '/usr/bin/redis-server'), 'server');
if (only !== 'server') await generate(option('--sentinel', '/usr/bin/redis-sentinel'), 'sentinel');
