import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.ts';
import { sha256Hex } from '../util/hash.ts';

let hashes: Set<string> | undefined;

/**
 * The SHA-256 of the passwords of a `redfort-secrets.env` that redfort's own repository held from 55c0baf to 6634dd3
 * (2026-12-06): a `redfort fix --apply` run from a checkout of those days reused them for the users it made (admin,
 * app, auditor, cache). They are public in the repository's history; only their hashes are kept here.
 */
const PUBLISHED = new Set([
  'c1ea5b7fa300eb2bdeca4744a896d226deb607d796bc5341df716afa32f348c5',
  '5bea406863a8d6c34fd2e01c5a09420003af02d975e741da2c404b5f9319dba6',
  '9a6e3a8ec769aa12ff38d9c927aab52360f41a09e9659b0f2b1bd0faf90ebe7e',
  '3ed4e5c0636db4a9b76d64df7e2aafd4c604228d2471529438d4151806753d4b',
]);

/** Whether a SHA-256 (hex) is that of a password redfort's own repository once published (see {@link PUBLISHED}). */
export function isPublishedPassword(sha256: string): boolean {
  return PUBLISHED.has(sha256);
}

/**
 * Whether a SHA-256 (hex) is that of a bundled common password, or of one redfort's repository published; the list
 * is hashed once, on first use.
 */
export function isCommonPassword(sha256: string): boolean {
  if (PUBLISHED.has(sha256)) return true;
  hashes ??= new Set(
    readFileSync(join(packageRoot(), 'data', 'common-passwords.txt'), 'utf8')
      .split('\n')
      .filter((p) => p !== '')
      .map(sha256Hex),
  );
  return hashes.has(sha256);
}
