import { FileReadError, readTextFile } from '../../util/read-file.ts';
import type { Facts, HostValue, Source } from '../../facts/types.ts';
import { splitArgs } from '../conf/split-args.ts';
import { fsReason, hostSource } from './proc.ts';

/** Directives whose first argument is a password. */
const PASSWORD_DIRECTIVES = new Set(['requirepass', 'masterauth', 'primaryauth', 'tls-key-file-pass', 'tls-client-key-file-pass']);

/**
 * The secret-bearing lines of a redis.conf, sentinel.conf or ACL file, as `path:line: directive` (never a
 * value): a non-empty password directive, a `user` with a `>password` or `#hash`, `sentinel auth-pass` or
 * `sentinel sentinel-pass`. Pure.
 */
export function secretLines(text: string, path: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const split = splitArgs(line);
    const args = Array.isArray(split) ? split : line.split(/\s+/);
    const name = (args[0] ?? '').toLowerCase();
    const at = `${path}:${i + 1}`;
    if (PASSWORD_DIRECTIVES.has(name) && (args[1] ?? '') !== '') found.push(`${at}: ${name}`);
    else if (name === 'user' && args.slice(2).some((a) => a.startsWith('>') || a.startsWith('#'))) {
      const kinds = [args.slice(2).some((a) => a.startsWith('>')) ? 'password' : '', args.slice(2).some((a) => a.startsWith('#')) ? 'password hash' : '']
        .filter((k) => k !== '')
        .join(' and ');
      found.push(`${at}: user ${args[1] ?? ''} ${kinds}`);
    } else if (name === 'sentinel' && ['auth-pass', 'sentinel-pass'].includes((args[1] ?? '').toLowerCase())) {
      found.push(`${at}: sentinel ${(args[1] ?? '').toLowerCase()}`);
    }
  });
  return found;
}

function fileLine(source: Source, path: string): number | undefined {
  return source.kind === 'file' && source.path === path ? source.line : undefined;
}

/**
 * What the config-file gatherer already learned about a file's secrets, when it read that file: its secret
 * directives, users with passwords, and sentinel credentials. Undefined when it did not read the file.
 */
export function secretsFromFacts(facts: Facts, path: string): string[] | undefined {
  const files = facts.files;
  if (!files || !files.paths.includes(path)) return undefined;
  // One name per line, the first found: sentinel credentials, secret directives, then users with passwords.
  const byLine = new Map<number, string>();
  const note = (source: Source | undefined, name: string): void => {
    const line = source ? fileLine(source, path) : undefined;
    if (line !== undefined && !byLine.has(line)) byLine.set(line, name);
  };
  for (const master of facts.sentinel?.masters ?? []) if (master.authPass?.value.set) note(master.authPass.source, 'sentinel auth-pass');
  if (facts.sentinel?.sentinelPass?.value.set) note(facts.sentinel.sentinelPass.source, 'sentinel sentinel-pass');
  // As the file writes it (Valkey's primaryauth, not masterauth), as auth.plaintext-passwords names it.
  for (const [name, fact] of files.secrets) if (fact.value.set) note(fact.source, files.spelled?.get(name) ?? name);
  // The implicit default user points at its requirepass line, already named.
  for (const user of files.users) if (user.passwords.length > 0) note(user.source, `user ${user.name} ${user.plaintextPasswords > 0 ? 'password' : 'password hash'}`);
  return [...byLine].sort(([a], [b]) => a - b).map(([line, name]) => `${path}:${line}: ${name}`);
}

/** The secrets of a config file: from the config-file gatherer's facts, else by reading the file (values dropped). */
export async function fileSecrets(facts: Facts, path: string): Promise<HostValue<readonly string[]>> {
  const known = secretsFromFacts(facts, path);
  if (known) return { known: true, value: known, source: facts.files!.source };
  try {
    return { known: true, value: secretLines(await readTextFile(path), path), source: hostSource(`read ${path} for secret directives`) };
  } catch (error) {
    if (error instanceof FileReadError && error.reason !== 'denied' && error.reason !== 'missing') return { known: false, reason: `cannot read ${path}: ${error.detail}` };
    return { known: false, reason: fsReason(error, `cannot read ${path}`) };
  }
}
