import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigParseError, effectiveConfig, loadConf, parseConfText } from '../../src/gather/conf/redis-conf.ts';
import type { EffectiveConf, ParsedConf } from '../../src/gather/conf/redis-conf.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Files the tests read: real-world configs (corpus/, with their MANIFEST and licences) and reference facts. */
export const FIXTURES = resolve(REPO_ROOT, 'test/fixtures');

/** An in-memory file system for `loadConf`: absolute path -> content. */
export function vfs(files: Readonly<Record<string, string>>): {
  readFile: (p: string) => string;
  glob: (pattern: string) => string[];
  reads: string[];
} {
  const reads: string[] = [];
  return {
    reads,
    readFile(p: string): string {
      reads.push(p);
      const text = files[p];
      if (text === undefined) {
        throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
      }
      return text;
    },
    glob(pattern: string): string[] {
      const re = new RegExp(
        `^${pattern
          .split('')
          .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|\\]/g, '\\$&')))
          .join('')}$`,
      );
      return Object.keys(files)
        .filter((f) => re.test(f) && !f.split('/').pop()!.startsWith('.'))
        .sort();
    },
  };
}

/** Loads `files['/etc/redis/redis.conf']` (or `top`) from an in-memory file system. */
export function load(files: Readonly<Record<string, string>>, top = '/etc/redis/redis.conf', cwd?: string, options: { readonly version?: string } = {}): ParsedConf {
  const fs = vfs(files);
  return loadConf(top, { readFile: fs.readFile, glob: fs.glob, ...(cwd === undefined ? {} : { cwd }), ...options });
}

/** The effective configuration of one redis.conf text. */
export function conf(text: string, options: { version?: string; sentinel?: boolean; versionKnown?: boolean } = {}): EffectiveConf {
  return effectiveConfig(load({ '/etc/redis/redis.conf': text }), options);
}

/** The value `config` holds for `name`. */
export function value(eff: EffectiveConf, name: string): string | undefined {
  return eff.config.get(name)?.value;
}

/** Asserts that `fn` throws a ConfigParseError and returns it. */
export function parseError(fn: () => unknown): ConfigParseError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigParseError, `expected ConfigParseError, got ${String(err)}`);
    assert.equal(err.message, `${err.path}:${err.line}: ${err.reason}`);
    return err;
  }
  assert.fail('expected a ConfigParseError');
}

export { parseConfText, join };
