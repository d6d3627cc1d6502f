import { open, stat } from 'node:fs/promises';
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

/** Reads a secrets file; refuses one that group or others can read (and, through the one reader, one swapped for a FIFO or grown huge since its stat). */
export async function readSecretsFile(path: string): Promise<Secret[]> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`${path}: not a regular file`);
  if ((info.mode & 0o077) !== 0) throw new Error(`${path}: mode ${(info.mode & 0o777).toString(8)} lets others read it; chmod 600 it first`);
  return parseSecrets(await readTextFile(path));
}
