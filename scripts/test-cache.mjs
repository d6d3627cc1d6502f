// The cache of compiled tests and sources that scripts/test-compile.mjs writes and scripts/test-loader.mjs reads:
// under node_modules/.cache, a directory per checkout (worktrees may share one node_modules). A .ts file's output is
// named by the hash of its path and its content, so it is only ever found for the very file it was compiled from.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

export function cacheDir(root = ROOT) {
  const key = createHash('sha256').update(root).digest('hex').slice(0, 12);
  return join(root, 'node_modules', '.cache', 'redfort-tests', key);
}

/** The name of the compiled file for the .ts at `path` (relative to the root) with this content. */
export function compiledName(path, content) {
  return `${createHash('sha1').update(path).update('\0').update(content).digest('hex')}.js`;
}
