import { DEFAULT_MAX_FILE_BYTES, readFileBytes, readTextFile, withRegularFile } from '../../util/read-file.ts';
import { readSync } from 'node:fs';
import { notRead, runProgram } from '../../util/run-program.ts';
import { readdir, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { loadBuiltin } from '../../util/builtin.ts';
import type { HostValue, PackageFacts } from '../../facts/types.ts';
import { deletedTarget, hostSource } from './proc.ts';

/** `dpkg-query -S` output (`redis-server: /usr/bin/redis-server`, `pkg1, pkg2: path`) -> the first package name. */
export function parseDpkgSearch(text: string, path: string): string | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('diversion ')) continue;
    const colon = line.lastIndexOf(': ');
    if (colon === -1 || line.slice(colon + 2).trim() !== path) continue;
    return line.slice(0, colon).split(',')[0]!.trim().replace(/:[a-z0-9-]+$/, '');
  }
  return undefined;
}

/** `rpm -qf --qf '%{NAME}\t%{EPOCH}:%{VERSION}-%{RELEASE}\n'` output -> name and version (`(none):` epoch dropped). */
export function parseRpmQuery(text: string): { name: string; version: string } | undefined {
  const line = text.split('\n')[0]?.trim() ?? '';
  const m = /^(\S+)\t(?:\(none\):)?(\S+)$/.exec(line);
  return m ? { name: m[1]!, version: m[2]! } : undefined;
}

/** The package named like the file, when its dpkg file list holds the path. */
async function ownedByNamesake(path: string): Promise<string | undefined> {
  const name = basename(path);
  const dir = '/var/lib/dpkg/info';
  // The package's own list first: a directory of thousands of files is listed only for a multi-arch name (NAME:ARCH.list).
  if ((await readTextFile(join(dir, `${name}.list`)).catch(() => '')).split('\n').includes(path)) return name;
  const lists = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.startsWith(`${name}:`) && f.endsWith('.list'));
  for (const list of lists) {
    const text = await readTextFile(join(dir, list)).catch(() => '');
    if (text.split('\n').includes(path)) return list.slice(0, -'.list'.length).replace(/:.*$/, '');
  }
  return undefined;
}

/** The advisory ids a changelog names, upper-case, each once, in order of appearance. */
export function changelogCves(text: string): string[] {
  return [...new Set([...text.matchAll(/\bCVE-\d{4}-\d{4,}\b/gi)].map((m) => m[0].toUpperCase()))];
}

/** A Debian package's changelog as installed with it (plain or gzipped); undefined when absent. */
export async function debianChangelog(name: string): Promise<string | undefined> {
  for (const file of ['changelog.Debian.gz', 'changelog.Debian']) {
    const data = await readFileBytes(join('/usr/share/doc', name, file)).catch(() => undefined);
    if (!data) continue;
    try {
      // Unpacked within the same cap as any file read: a gzip bomb fails here instead of filling memory.
      return file.endsWith('.gz') ? loadBuiltin<typeof import('node:zlib')>('node:zlib').gunzipSync(data, { maxOutputLength: DEFAULT_MAX_FILE_BYTES }).toString('utf8') : data.toString('utf8');
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * What `dpkg-query -W -f '${Version}' NAME` prints, read from dpkg's own database (/var/lib/dpkg/status) instead of
 * starting a program (tens of milliseconds, on the path of every local audit). Only when that answer is certain:
 * no other admin directory (DPKG_ADMINDIR), no pending journal in /var/lib/dpkg/updates, exactly one stanza for
 * the package; else undefined and the caller asks dpkg-query.
 */
export async function statusVersion(
  name: string,
  admin = '/var/lib/dpkg',
  /** For tests: a smaller chunk makes every stanza cross chunks. */
  chunkBytes = STATUS_CHUNK,
): Promise<{ ok: boolean; stdout: string; missing: boolean } | undefined> {
  if (process.env.DPKG_ADMINDIR !== undefined && admin === '/var/lib/dpkg') return undefined;
  const pending = await readdir(join(admin, 'updates')).catch(() => undefined);
  if (pending === undefined || pending.some((f) => /^\d+$/.test(f))) return undefined;
  let stanza: Buffer | undefined;
  try {
    stanza = withRegularFile(join(admin, 'status'), DEFAULT_MAX_FILE_BYTES, (fd) => stanzaOf(fd, name, chunkBytes));
  } catch {
    return undefined;
  }
  const version = stanza && /^Version: (.*)$/m.exec(stanza.toString('utf8'))?.[1]?.trim();
  return version === undefined ? undefined : { ok: true, stdout: version, missing: false };
}

/** How much of dpkg's database is read at a time (into one buffer, reused). */
const STATUS_CHUNK = 64 * 1024;
const LF = 0x0a;

/**
 * The bytes of the one stanza of package `name` in a dpkg database open at `fd` (from its `Package:` line to the
 * blank line after it, or the end); undefined when there is none or more than one. The database is large (800 KB
 * on a desktop) and only this stanza is wanted: it is searched a chunk at a time in one buffer, the last bytes of a
 * chunk kept in front of the next so that a line across two is still found. Reading it whole cost mostly the page
 * faults of a fresh buffer of its size (about 3 ms of a cold run, where this takes about 1).
 */
function stanzaOf(fd: number, name: string, chunkBytes: number): Buffer | undefined {
  const head = Buffer.from(`\nPackage: ${name}\n`);
  const buf = Buffer.allocUnsafe(chunkBytes + head.length);
  // The file is searched as if it began with a line feed, so that a stanza on its first line is found as any other.
  buf[0] = LF;
  let kept = 1;
  /** Where buf[0] is in the file. */
  let offset = -1;
  let start = -1;
  for (;;) {
    const read = readSync(fd, buf, kept, chunkBytes, null);
    if (read === 0) break;
    const end = kept + read;
    if (offset + end > DEFAULT_MAX_FILE_BYTES) return undefined;
    const window = buf.subarray(0, end);
    for (let at = window.indexOf(head); at !== -1; at = window.indexOf(head, at + 1)) {
      // Two stanzas (two architectures of a multi-arch package): dpkg-query knows which.
      if (start !== -1) return undefined;
      start = offset + at + 1;
    }
    kept = Math.min(head.length - 1, end);
    buf.copy(buf, 0, end - kept, end);
    offset += end - kept;
  }
  if (start === -1) return undefined;
  // The stanza, read again from where it starts to its blank line.
  let stanza = Buffer.alloc(0);
  for (let at = start; ; ) {
    const read = readSync(fd, buf, 0, chunkBytes, at);
    if (read === 0) return stanza;
    const from = Math.max(0, stanza.length - 1);
    stanza = Buffer.concat([stanza, buf.subarray(0, read)]);
    const blank = stanza.indexOf('\n\n', from);
    if (blank !== -1) return stanza.subarray(0, blank);
    at += read;
    if (at - start > DEFAULT_MAX_FILE_BYTES) return undefined;
  }
}

type Run = (command: string, args: readonly string[]) => Promise<{ ok: boolean; stdout: string; missing: boolean }>;

/** A query that gave no answer (see Stopped): the package is unknown, not "no package owns it". */
class QueryStopped extends Error {}

/** Runs the package manager's queries; the signal kills one under way (every target that waits for it gave up). */
const runner = (signal: AbortSignal | undefined): Run => async (command, args) => {
  const out = await runProgram(command, args, { signal });
  if (!out.ok && out.stopped) throw new QueryStopped(notRead('the package of the executable', out));
  return { ok: out.ok, stdout: out.stdout, missing: !out.ok && out.missing };
};

/**
 * The package that installed the running executable: asked of dpkg, then rpm, for the path named like the
 * process (`/usr/bin/redis-server`, a link to redis-check-rdb on Debian) and for the executable itself.
 * dpkg-query -S reads every package's file list (half a second): the run's host discovery asks once per
 * executable (see discovery.ts).
 */
export async function readPackage(exe: HostValue<string>, processName: string, signal?: AbortSignal): Promise<HostValue<PackageFacts | null>> {
  if (!exe.known) return { known: false, reason: `the executable is unknown (${exe.reason})` };
  try {
    return await queryPackage(exe, processName, runner(signal));
  } catch (error) {
    if (error instanceof QueryStopped) return { known: false, reason: error.message };
    throw error;
  }
}

async function queryPackage(exe: Extract<HostValue<string>, { known: true }>, processName: string, run: Run): Promise<HostValue<PackageFacts | null>> {
  const { path: exePath, deleted } = deletedTarget(exe.value);
  const named = join(dirname(exePath), processName);
  const candidates = [...new Set([named, exePath, exePath.startsWith('/usr/') ? exePath.slice(4) : `/usr${exePath}`])];
  const paths: string[] = [];
  for (const candidate of candidates) {
    // Only a path that leads to the running executable counts (a deleted executable: its old path).
    const real = await realpath(candidate).catch(() => undefined);
    if (real === exePath || (deleted && candidate === exePath)) paths.push(candidate);
  }
  if (paths.length === 0) paths.push(exePath);
  let managers = 0;
  for (const path of paths) {
    // dpkg-query -S reads every package's file list; the package named like the file (redis-server) is checked first.
    const direct = await ownedByNamesake(path);
    const search = direct ? { ok: true, stdout: `${direct}: ${path}\n`, missing: false } : await run('dpkg-query', ['-S', path]);
    if (!search.missing) {
      managers++;
      const name = search.ok ? parseDpkgSearch(search.stdout, path) : undefined;
      if (name) {
        const version = (await statusVersion(name)) ?? (await run('dpkg-query', ['-W', '-f', '${Version}', name]));
        if (version.ok && version.stdout.trim() !== '') {
          const changelog = await debianChangelog(name);
          const cves = changelog === undefined ? {} : { changelogCves: changelogCves(changelog) };
          return { known: true, value: { manager: 'dpkg', name, version: version.stdout.trim(), path, replaced: deleted, ...cves }, source: hostSource(`dpkg-query -S ${path}`) };
        }
      }
    }
    const rpm = await run('rpm', ['-qf', '--qf', '%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\n', path]);
    if (!rpm.missing) {
      managers++;
      const found = rpm.ok ? parseRpmQuery(rpm.stdout) : undefined;
      if (found) {
        const changelog = await run('rpm', ['-q', '--changelog', found.name]);
        const cves = changelog.ok ? { changelogCves: changelogCves(changelog.stdout) } : {};
        return { known: true, value: { manager: 'rpm', ...found, path, replaced: deleted, ...cves }, source: hostSource(`rpm -qf ${path}`) };
      }
    }
  }
  if (managers === 0) return { known: false, reason: 'neither dpkg nor rpm is installed: the package of the executable is unknown' };
  return { known: true, value: null, source: hostSource(`no package owns ${paths.join(' or ')}`) };
}
