import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type { Script } from 'node:vm';
import { loadBuiltin } from '../util/builtin.ts';

/**
 * The CLI's code, loaded with the V8 code cache the build made for it (Node 20 has no compile cache for ES
 * modules: `module.enableCompileCache()` is 22.1+). The CLI is one CommonJS bundle, compiled through `vm.Script`
 * with the cache's bytecode, so that a run neither parses nor compiles what the cache holds.
 *
 * The cache is used only for the very bundle it was made from and only whole. V8 itself checks no more of the
 * source than its length, and in release builds no checksum of the cache unless `--verify-snapshot-checksum` is
 * set. So the cache file is the bundle's own bytes, then V8's data: it belongs to the bundle whose bytes it starts
 * with (compared byte for byte, no digest to compute), and V8's data is made and read with that flag set, so that
 * V8 writes its checksum and refuses data that does not match it. The flag is set only around the compilation and
 * the making of the cache: it is part of V8's flag hash, which the code cache of Node's own modules is checked
 * against too, and every module Node compiles later would otherwise be compiled without its cache.
 * V8 also refuses the cache when this Node, V8 or its flags differ from the build's (NODE_OPTIONS=--max-old-space-size
 * included). In every such case the bundle is compiled as any script is: slower to start, nothing else changes.
 */

/** Runs `fn` with V8's checksum of code caches made and verified (see above), then leaves the flag as it was. */
function withChecksums<T>(fn: () => T): T {
  const v8 = loadBuiltin<typeof import('node:v8')>('node:v8');
  v8.setFlagsFromString('--verify-snapshot-checksum');
  try {
    return fn();
  } finally {
    v8.setFlagsFromString('--no-verify-snapshot-checksum');
  }
}

/** CommonJS's wrapper: the bundle's text inside it is what the cache was made for. */
function wrap(text: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${text}\n})`;
}

export interface LoadedBundle {
  readonly exports: Record<string, unknown>;
  /** Whether V8 took the cache: false when there was none, it belonged to another bundle, or V8 rejected it. */
  readonly cached: boolean;
  /** A new cache for this bundle (its bytes, then V8's data), with what has run so far compiled: the build's. */
  cacheData(): Buffer;
}

/** V8's data of the cache file when the file starts with the bytes of `bundle`, else undefined. */
function cacheFor(cacheFile: string, bundle: Buffer): Buffer | undefined {
  let file: Buffer;
  try {
    file = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  return file.length > bundle.length && file.subarray(0, bundle.length).equals(bundle) ? file.subarray(bundle.length) : undefined;
}

/** Loads and runs the CommonJS bundle `file`, with the code cache of `cacheFile` when it is this bundle's. */
export function loadBundle(path: string, cacheFile: string): LoadedBundle {
  const file = resolve(path);
  const bytes = readFileSync(file);
  const cachedData = cacheFor(cacheFile, bytes);
  const { Script } = loadBuiltin<typeof import('node:vm')>('node:vm');
  const compile = (): Script => new Script(wrap(bytes.toString('utf8')), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const script = cachedData ? withChecksums(compile) : compile();
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    cached: cachedData !== undefined && script.cachedDataRejected === false,
    cacheData: () => Buffer.concat([bytes, withChecksums(() => script.createCachedData())]),
  };
}
