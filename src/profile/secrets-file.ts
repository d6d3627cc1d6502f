import { open } from 'node:fs/promises';
import { refuseUnlessPrivateAt } from '../util/secret-file.ts';
import { readTextFile } from '../util/read-file.ts';
import type { Secret } from './secrets.ts';
import { parseSecrets, renderSecrets, SECRETS_FILE_MODE } from './secrets.ts';

/**
 * Writes a secrets file with mode 0600 from its creation (never world-readable, even for an instant);
 * refuses to overwrite an existing file.
 */
export async function writeSecretsFile(path: string, secrets: readonly Secret[], comments: readonly string[] = []): Promise<void> {
  // Rendered first: a name it refuses leaves no empty file behind (fix's `redfort-secrets.env.PID.tmp`).
  const text = renderSecrets(secrets, comments);
  const handle = await open(path, 'wx', SECRETS_FILE_MODE);
  try {
    await handle.writeFile(text, 'utf8');
    // The umask may have narrowed the mode further, never widened it; make it exactly 0600.
    await handle.chmod(SECRETS_FILE_MODE);
  } finally {
    await handle.close();
  }
}

/**
 * Reads a secrets file; refuses one that is not private ({@link refuseUnlessPrivateAt}: another user's, or one group or
 * others can read: fix's admin got the password of a `redfort-secrets.env` another user planted where root ran it),
 * one reached through another user's symbolic link (QA41-59: root's private file of another deployment, linked to
 * where root ran fix), and, through the one reader, one swapped for a FIFO or grown huge since its stat.
 */
export async function readSecretsFile(path: string): Promise<Secret[]> {
  return parseSecrets(await readTextFile(path, { check: refuseUnlessPrivateAt(path) }));
}
