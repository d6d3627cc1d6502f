import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory of redfort's package.json, from the sources (src/…) or the bundle (dist/…) alike. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'redfort') {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('redfort: cannot find its package directory');
    dir = parent;
  }
}

/** Inlined by the build (scripts/build.mjs `define`): the bundle knows its version without reading a file. */
declare const __REDFORT_VERSION__: string | undefined;

export function packageVersion(): string {
  if (typeof __REDFORT_VERSION__ === 'string') return __REDFORT_VERSION__;
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Inlined by the build too: the advisory data's dates (data/advisories-index.json's `dataset`). */
declare const __REDFORT_ADVISORIES__: { compiled: string; updated: string } | undefined;
let advisories: { readonly compiled: string; readonly updated: string } | undefined;

/** The dates of the advisory data (its `dataset` record): when it was compiled and last changed. */
export function advisoryDates(): { readonly compiled: string; readonly updated: string } {
  if (typeof __REDFORT_ADVISORIES__ === 'object') return __REDFORT_ADVISORIES__;
  advisories ??= (JSON.parse(readFileSync(join(packageRoot(), 'data', 'advisories-index.json'), 'utf8')) as { dataset: { compiled: string; updated: string } }).dataset;
  return advisories;
}

/** The `tool` of a report: redfort, its version and its advisory data's dates. */
export function reportTool(): { readonly name: 'redfort'; readonly version: string; readonly advisories: { readonly compiled: string; readonly updated: string } } {
  return { name: 'redfort', version: packageVersion(), advisories: advisoryDates() };
}
