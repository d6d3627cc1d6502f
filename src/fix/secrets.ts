import { chmodSync, closeSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

// Interim: the secrets file format belongs to the shared hardening profile (src/profile/, issue 13).

const LINE = /^REDFORT_PASSWORD_([^=\s]+)=(.*)$/;

/** Reads `REDFORT_PASSWORD_<user>=<password>` lines; a missing file is an empty map. */
export function readSecrets(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** Writes the secrets file with mode 0600 (temp file + rename). */
export function writeSecrets(path: string, secrets: ReadonlyMap<string, string>): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, [...secrets].map(([user, pw]) => `REDFORT_PASSWORD_${user}=${pw}\n`).join(''));
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
