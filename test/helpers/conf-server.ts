import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigParseError, effectiveConfig, loadConf } from '../../src/gather/conf/redis-conf.ts';
import type { EffectiveConf } from '../../src/gather/conf/redis-conf.ts';
import { lookupDirective } from '../../src/redis/directives.ts';
import { rawPipeline } from '../harness/raw.ts';

// What the tests that start redis-server from a config file and compare the parser with CONFIG GET share
// (test/conf/corpus-server.test.ts, test/property/conf-server.test.ts).

/** The version of the redis-server on PATH as the parser takes it: `7.0.15`, or `valkey-8.0.1` for Valkey. */
export function serverVersion(): string | undefined {
  const out = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
  const v = /v=(\S+)/.exec(out)?.[1];
  return v !== undefined && /^valkey/i.test(out) ? `valkey-${v}` : v;
}

/** The user the tests read CONFIG GET as (a file's own users may be off, or have passwords not shown here). */
export const READER = 'redfort-corpus-reader';

/** The reader's `user` line, unless the file keeps its users in an ACL file (the server refuses both). */
export function readerLine(text: string): string {
  return /^\s*aclfile\s/im.test(text) ? '' : `user ${READER} on nopass ~* &* +@all\n`;
}

/** The parser's view of the config file at `dir`/redis.conf: the effective config, or what it says instead. */
export function parseIn(dir: string, version: string | undefined, sentinel = false): { eff?: EffectiveConf; error?: ConfigParseError; messages: string[] } {
  const cwd = realpathSync(dir);
  try {
    // As redfort gathers files: the line the server stops at is the one named (deferErrors).
    const parsed = loadConf(join(cwd, 'redis.conf'), { cwd, deferErrors: true, ...(version !== undefined ? { version } : {}) });
    const eff = effectiveConfig(parsed, { version, sentinel });
    return { eff, messages: [...parsed.warnings, ...eff.warnings] };
  } catch (error) {
    if (!(error instanceof ConfigParseError)) throw error;
    return { error, messages: [error.message] };
  }
}

export function pairs(reply: readonly unknown[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  return map;
}

/** A reply of name, value pairs (CONFIG GET, SENTINEL MASTER…), asked as the reader user, values as bytes. */
export async function askAsReaderBytes(port: number, args: readonly string[]): Promise<Map<string, Buffer>> {
  const [auth, reply] = await rawPipeline('127.0.0.1', port, [['AUTH', READER, 'any'], args], { bytes: true });
  assert.ok(Buffer.isBuffer(auth), `AUTH as ${READER}: ${String(auth)}`);
  assert.ok(Array.isArray(reply), `${args.join(' ')}: ${String(reply)}`);
  const map = new Map<string, Buffer>();
  for (let i = 0; i < reply.length; i += 2) map.set(String(reply[i]), reply[i + 1] as Buffer);
  return map;
}

/** {@link askAsReaderBytes} with the values as UTF-8 text. */
export async function askAsReader(port: number, args: readonly string[]): Promise<Map<string, string>> {
  return new Map([...(await askAsReaderBytes(port, args))].map(([k, v]) => [k, String(v)]));
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Values the parser derives that CONFIG GET (under the name or an alias) answers otherwise, and how many it compared:
 * every config value (file or compiled default) and, with `secrets`, the digest of every secret. `config` is the
 * name CONFIG answers to (a file may rename it).
 */
export async function differences(port: number, eff: EffectiveConf, options: { secrets?: boolean; config?: string } = {}): Promise<{ compared: number; differ: string[] }> {
  const configName = options.config ?? 'CONFIG';
  const ask = (args: readonly string[]): Promise<Map<string, Buffer>> => askAsReaderBytes(port, [configName, ...args]);
  const all = await ask(['GET', '*']);
  let compared = 0;
  const differ: string[] = [];
  const serverValue = async (name: string): Promise<Buffer | undefined> => {
    const names = [name, ...(lookupDirective(name)?.aliases ?? [])];
    const got = names.map((n) => all.get(n)).find((v) => v !== undefined);
    // Hidden configs (watchdog-period...) answer only to their exact name.
    return got ?? (await ask(['GET', name])).get(name);
  };
  for (const [name, fact] of eff.config) {
    if (name.includes('.')) continue;
    const bytes = await serverValue(name);
    if (bytes === undefined) {
      differ.push(`${name}: CONFIG GET has none`);
      continue;
    }
    const got = String(bytes);
    // The server lowers maxclients to what RLIMIT_NOFILE allows; only a limit it can honour compares.
    if (name === 'maxclients' && fact.source.kind === 'default' && Number(got) < 10000) continue;
    compared++;
    if (fact.value !== got) differ.push(`${name}: parser ${JSON.stringify(fact.value)}, server ${JSON.stringify(got)} (${fact.source.kind})`);
  }
  if (options.secrets) {
    for (const [name, fact] of eff.secrets) {
      const bytes = await serverValue(name);
      if (bytes === undefined) {
        differ.push(`${name}: CONFIG GET has none`);
        continue;
      }
      compared++;
      if (fact.value.sha256 !== sha(bytes) || fact.value.length !== bytes.length) {
        differ.push(`${name}: the parser's digest is not that of the server's value (parser ${fact.value.length} bytes, server ${bytes.length}; ${fact.source.kind})`);
      }
    }
  }
  return { compared, differ };
}
