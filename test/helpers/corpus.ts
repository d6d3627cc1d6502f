import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The real-world files of test/fixtures/corpus (written by others; MANIFEST.tsv says where each comes from). */
export const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'corpus');

/** The corpus's files of these kinds (MANIFEST.tsv's `kind`: redis.conf, fragment, sentinel.conf, acl), in its order. */
export function corpusFiles(kinds: readonly string[]): string[] {
  const [header, ...rows] = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trimEnd().split('\n');
  const cols = header!.split('\t');
  const file = cols.indexOf('file');
  const kind = cols.indexOf('kind');
  return rows.map((row) => row.split('\t')).filter((cells) => kinds.includes(cells[kind]!)).map((cells) => cells[file]!);
}

/**
 * Lines appended to a corpus file so that redis-server (or redis-sentinel) starts with it here: a free port on
 * loopback, its own directory, no daemon, no socket file, no TLS port (later lines win, and the file's own lines keep
 * their numbers).
 */
export function startHereLines(port: number): string {
  return `\nport ${port}\nbind 127.0.0.1\ndaemonize no\nsupervised no\nlogfile ""\npidfile redis.pid\ndir ./\nunixsocket ""\ntls-port 0\n`;
}
