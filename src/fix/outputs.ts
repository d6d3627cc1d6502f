// The files `redfort fix` writes besides the servers' own (the plan of --out, the secrets file, the rollback file):
// never a file of a node it plans for, and --out never a file that is not an earlier plan (QA34-16).
import { lstatSync } from 'node:fs';
import { resolve } from 'node:path';
import type { HostFileRole } from '../facts/host.ts';
import { isLocalHost } from '../net/address.ts';
import { FileReadError, readTextFile } from '../util/read-file.ts';
import { realPath } from '../util/write-file.ts';
import type { FixState } from './gather.ts';

/** Bound on an existing --out read to see whether it is a plan: far above the plan of any deployment. */
const MAX_PLAN_BYTES = 16 * 1024 * 1024;

/**
 * Why an existing `--out` may not be replaced by a plan, or undefined: a regular file is replaced only when it is a
 * plan redfort saved (JSON with `format: redfort-fix-plan`), read within a bound; a missing path, or a stream
 * (`/dev/stdout`), is written as before. `redfort fix … --plan --out /etc/redis/redis.conf` replaced the server's
 * config with the plan, and the server did not start again. The reason never holds a byte of the file.
 */
export async function planOutProblem(path: string): Promise<string | undefined> {
  let regular: boolean;
  try {
    regular = lstatSync(path).isFile();
  } catch {
    return undefined; // missing (or not to be looked at): checkOutputPath has judged it
  }
  if (!regular) return undefined;
  let format: unknown;
  try {
    format = (JSON.parse(await readTextFile(path, { maxBytes: MAX_PLAN_BYTES })) as { format?: unknown } | null)?.format;
  } catch (error) {
    if (error instanceof FileReadError) return `exists and cannot be read to see whether it is a plan (${error.detail})`;
    format = undefined;
  }
  if (format !== 'redfort-fix-plan') return 'exists and is not a redfort fix plan (--out replaces only a plan fix saved): remove it or give another --out';
  return undefined;
}

const ROLE_WORDS: Partial<Record<HostFileRole, string>> = {
  config: 'config file',
  'sentinel-config': 'config file',
  include: 'include file',
  acl: 'ACL file',
  rdb: 'RDB file',
  aof: 'AOF file',
  log: 'log file',
  'tls-key': 'TLS key',
  'tls-client-key': 'TLS key',
  'tls-cert': 'TLS certificate',
  'tls-client-cert': 'TLS certificate',
  'tls-ca-file': 'TLS CA file',
};

/**
 * The files of the nodes on this machine, as gathered (real path to what it is, `the config file of 127.0.0.1:6379`):
 * the config file, its includes, the ACL file, and the other files the host audit found the server using.
 */
export function nodeFiles(state: FixState): Map<string, string> {
  const files = new Map<string, string>();
  const add = (path: string | null | undefined, what: string, address: string) => {
    if (!path || !path.startsWith('/')) return;
    const real = realPath(path);
    if (!files.has(real)) files.set(real, `${what} of ${address}`);
  };
  for (const n of state.nodes) {
    if (!isLocalHost(n.host)) continue;
    const configFile = n.facts.server?.configFile;
    add(configFile, 'the config file', n.address);
    add(n.facts.config?.get('aclfile')?.value, 'the ACL file', n.address);
    for (const f of n.facts.host?.files ?? []) {
      const what = ROLE_WORDS[f.role];
      if (what !== undefined) add(f.path, `the ${what}`, n.address);
    }
    // The files its configuration was read from: the config file, its includes, its ACL file.
    for (const p of n.facts.files?.paths ?? []) add(p, 'a configuration file (an include)', n.address);
  }
  return files;
}

/**
 * The first of `outputs` (flag and path: `--out`, `--secrets`, `--rollback-file`) that would be written over a file
 * of a node planned for, or over another of them, as one line naming it; undefined when none.
 */
export function outputClash(outputs: readonly (readonly [flag: string, path: string])[], state: FixState): string | undefined {
  const files = nodeFiles(state);
  const seen = new Map<string, string>();
  for (const [flag, path] of outputs) {
    const real = realPath(path);
    const node = files.get(real);
    if (node !== undefined) return `${flag} ${path}: ${real === resolve(path) ? '' : `(${real}) `}is ${node}: fix never writes a node's own files: give another ${flag}`;
    const other = seen.get(real);
    if (other !== undefined) return `${flag} ${path}: is the ${other} file too: give each its own file`;
    seen.set(real, flag);
  }
  return undefined;
}
