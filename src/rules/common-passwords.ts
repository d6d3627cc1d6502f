import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.ts';
import { sha256Hex } from '../util/hash.ts';

let hashes: Set<string> | undefined;

/** Whether a SHA-256 (hex) is that of a bundled common password; the list is hashed once, on first use. */
export function isCommonPassword(sha256: string): boolean {
  hashes ??= new Set(
    readFileSync(join(packageRoot(), 'data', 'common-passwords.txt'), 'utf8')
      .split('\n')
      .filter((p) => p !== '')
      .map(sha256Hex),
  );
  return hashes.has(sha256);
}
