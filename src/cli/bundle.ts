import type { Hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { loadBuiltin } from '../util/builtin.ts';

/**
 * The CLI's code, loaded with the V8 code cache the build made for it (Node 20 has no compile cache for ES
 * modules: `module.enableCompileCache()` is 22.1+). The CLI is one CommonJS bundle, compiled through `vm.Script`
 * with the cache's bytecode, so that a run neither parses nor compiles what the cache holds. The cache is used
 * only for the very bundle it was made from and only whole: it starts with the SHA-1 of the bundle's text (V8
 * itself checks no more than the text's length) and of its own data (V8 checks no checksum in release builds).
 * V8 rejects it when this Node, V8 or its flags differ from the build's (NODE_OPTIONS=--max-old-space-size
 * included). In every such case the bundle is compiled as any script is: slower to start, nothing else changes.
 */

/** How the cache file begins: the digest of the bundle it belongs to, then that of V8's data that follows. */
const DIGEST_BYTES = 20;

function sha1(data: Buffer | string): Buffer {
  // Loaded here, not where the entry starts: `redfort --version` needs neither node:crypto nor node:vm.
  const hash: Hash = loadBuiltin<typeof import('node:crypto')>('node:crypto').createHash('sha1');
  return hash.update(data).digest();
}

/** CommonJS's wrapper: the bundle's text inside it is what the cache was made for. */
function wrap(text: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${text}\n})`;
}

export interface LoadedBundle {
  readonly exports: Record<string, unknown>;
  /** Whether V8 took the cache: false when there was none, it belonged to another bundle, or V8 rejected it. */
  readonly cached: boolean;
  /** A new cache for this bundle (the digests, then V8's data), with what has run so far compiled: the build's. */
  cacheData(): Buffer;
}

/** V8's data of the cache file when it is whole and belongs to the bundle of digest `bundle`, else undefined. */
function cacheFor(cacheFile: string, bundle: Buffer): Buffer | undefined {
  let file: Buffer;
  try {
    file = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const data = file.subarray(2 * DIGEST_BYTES);
  const whole = data.length > 0 && file.subarray(0, DIGEST_BYTES).equals(bundle) && file.subarray(DIGEST_BYTES, 2 * DIGEST_BYTES).equals(sha1(data));
  return whole ? data : undefined;
}

/** Loads and runs the CommonJS bundle `file`, with the code cache of `cacheFile` when it is this bundle's. */
export function loadBundle(path: string, cacheFile: string): LoadedBundle {
  const file = resolve(path);
  const bytes = readFileSync(file);
  const digest = sha1(bytes);
  const cachedData = cacheFor(cacheFile, digest);
  const { Script } = loadBuiltin<typeof import('node:vm')>('node:vm');
  const script = new Script(wrap(bytes.toString('utf8')), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    cached: cachedData !== undefined && script.cachedDataRejected === false,
    cacheData: () => {
      const data = script.createCachedData();
      return Buffer.concat([digest, sha1(data), data]);
    },
  };
}
