import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** How many folders above the start are looked at, at most (a path deeper than this is no checkout's). */
const MAX_LEVELS = 64;

/**
 * The root of the git checkout `start` lies in: the nearest folder at or above it holding `.git` (a folder, or the
 * file a worktree or submodule has), as GitHub code scanning resolves a SARIF file's relative URIs from the
 * repository's root. Read from the file system alone (no git process), at most {@link MAX_LEVELS} folders up;
 * undefined outside a checkout.
 */
export function repositoryRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (let level = 0; level <= MAX_LEVELS; level++) {
    try {
      const git = statSync(join(dir, '.git'), { throwIfNoEntry: false });
      if (git !== undefined && (git.isDirectory() || git.isFile())) return dir;
    } catch {
      // An unreadable folder on the way up (EACCES): no checkout is seen there; look further up.
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

/** What is wrong with `--source-root DIR` (`dir` resolved), or undefined when it is a folder. */
export function sourceRootProblem(dir: string): string | undefined {
  try {
    const found = statSync(dir, { throwIfNoEntry: false });
    if (found === undefined) return 'no such folder';
    return found.isDirectory() ? undefined : 'not a folder';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'cannot be read';
  }
}
