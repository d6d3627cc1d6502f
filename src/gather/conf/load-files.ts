import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { globSegmentRegExp } from '../../util/glob.ts';
import { FileReadError, readTextFile } from '../../util/read-file.ts';
import { loadConf, NeedInput, topConfPath } from './redis-conf.ts';
import type { LoadConfOptions, ParsedConf } from './redis-conf.ts';

/** Bounds on what one configuration (its includes and globs) makes redfort read. */
export interface ConfigBounds {
  /** Per file. Default 16 MiB. */
  readonly maxFileBytes?: number;
  /** All files of one configuration together. Default 64 MiB. */
  readonly maxTotalBytes?: number;
  /** Files read for one configuration. Default 256. */
  readonly maxFiles?: number;
  /** Paths one glob `include` may match. Default 256. */
  readonly maxGlobMatches?: number;
  /** Directory entries one glob may look at while it expands (`include /*\/*\/*\/*.conf`). Default 10,000. */
  readonly maxGlobEntries?: number;
  readonly signal?: AbortSignal | undefined;
  /**
   * Why a file may not be read, if it may not: for a config named by a running process, the files (includes) that
   * process could not open itself (src/gather/host processCannotRead). Such a file is not read.
   */
  readonly mayRead?: ((path: string) => Promise<string | undefined>) | undefined;
}

type Read = { ok: true; text: string } | { ok: false; error: Error };

/**
 * glob(3) as redis-server calls it, bounded: it stops with an error once it has looked at `maxEntries` directory
 * entries or matched `maxMatches` paths, instead of walking the whole file system. Sorted matches, regular files
 * only (the server reads nothing from a directory), hidden names only when the segment starts with a dot.
 */
export async function boundedGlob(pattern: string, limits: { maxMatches: number; maxEntries: number; signal?: AbortSignal | undefined }): Promise<string[]> {
  const segments = pattern.split('/');
  let bases = [segments[0] === '' ? '/' : '.'];
  let examined = 0;
  const tooMany = (what: string): Error => new Error(`the pattern ${what}: redfort stops there (redis-server would read them all)`);
  for (let s = segments[0] === '' ? 1 : 0; s < segments.length; s++) {
    const seg = segments[s]!;
    if (seg === '') continue;
    const next: string[] = [];
    for (const base of bases) {
      if (limits.signal?.aborted) throw limits.signal.reason instanceof Error ? limits.signal.reason : new Error('aborted');
      if (!/[*?[]/.test(seg)) {
        next.push(join(base, seg));
        continue;
      }
      const entries = await readdir(base).catch(() => [] as string[]);
      examined += entries.length;
      if (examined > limits.maxEntries) throw tooMany(`looks at more than ${limits.maxEntries} directory entries`);
      const re = globSegmentRegExp(seg);
      for (const e of entries) {
        if (e.startsWith('.') && !seg.startsWith('.')) continue;
        if (re.test(e)) next.push(join(base, e));
      }
      if (next.length > limits.maxEntries) throw tooMany(`matches more than ${limits.maxEntries} paths`);
    }
    bases = next;
  }
  const files: string[] = [];
  for (const p of bases) {
    if (await stat(p).then((info) => info.isFile(), () => false)) files.push(p);
    if (files.length > limits.maxMatches) throw tooMany(`matches more than ${limits.maxMatches} files`);
  }
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Reads a redis.conf (or sentinel.conf) and its includes like `loadConf`, with every file read by the one
 * reader (regular files only, a size cap, the target's signal) and every glob bounded. The parse itself is
 * `loadConf`'s: a file or glob it has not been given yet is read here, then the load starts again, so it runs
 * once per file or glob to read; each text is split into directives once, in the first load that reaches it (`parsed`,
 * a new map unless given).
 */
export async function loadConfFiles(path: string, options: Pick<LoadConfOptions, 'cwd' | 'maxDepth' | 'deferErrors' | 'parsed' | 'version' | 'maxUserLines' | 'maxUserWords' | 'mapPath' | 'missingInclude' | 'appended'> & ConfigBounds = {}): Promise<ParsedConf> {
  const maxFileBytes = options.maxFileBytes ?? 16 * 1024 * 1024;
  const maxTotalBytes = options.maxTotalBytes ?? 64 * 1024 * 1024;
  const maxFiles = options.maxFiles ?? 256;
  const globLimits = { maxMatches: options.maxGlobMatches ?? 256, maxEntries: options.maxGlobEntries ?? 10_000, signal: options.signal };
  const files = new Map<string, Read>();
  const globs = new Map<string, { ok: true; paths: string[] } | { ok: false; error: Error }>();
  let totalBytes = 0;
  // Each text split into directives once: a load runs again after each file it had to read first, and split every
  // text before it again (16 includes of 1 MiB of `port 1` lines took 60 s and 2.3 GB).
  const parsed: NonNullable<LoadConfOptions['parsed']> = options.parsed ?? new Map();

  const readOne = async (file: string): Promise<void> => {
    if (files.has(file)) return;
    if (files.size >= maxFiles) {
      files.set(file, { ok: false, error: new Error(`more than ${maxFiles} files in one configuration: redfort reads no more`) });
      return;
    }
    const refused = await options.mayRead?.(file);
    if (refused !== undefined) {
      files.set(file, { ok: false, error: new Error(refused) });
      return;
    }
    try {
      const text = await readTextFile(file, { maxBytes: maxFileBytes, signal: options.signal });
      totalBytes += text.length;
      files.set(file, totalBytes > maxTotalBytes ? { ok: false, error: new Error(`the configuration's files pass ${maxTotalBytes} bytes in all: redfort reads no more`) } : { ok: true, text });
    } catch (error) {
      if (!(error instanceof FileReadError)) throw error;
      if (error.reason === 'aborted') throw error;
      files.set(file, { ok: false, error });
    }
  };

  // The top file is always read: read before the first pass, a configuration without includes takes one pass, and
  // no NeedInput (an Error, its stack trace made for nothing) is thrown for it.
  await readOne(topConfPath(path, options.cwd));
  for (;;) {
    try {
      return loadConf(path, {
        ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
        ...(options.maxDepth !== undefined ? { maxDepth: options.maxDepth } : {}),
        ...(options.deferErrors ? { deferErrors: true } : {}),
        ...(options.version !== undefined ? { version: options.version } : {}),
        ...(options.maxUserLines !== undefined ? { maxUserLines: options.maxUserLines } : {}),
        ...(options.maxUserWords !== undefined ? { maxUserWords: options.maxUserWords } : {}),
        ...(options.mapPath !== undefined ? { mapPath: options.mapPath } : {}),
        ...(options.missingInclude !== undefined ? { missingInclude: options.missingInclude } : {}),
        ...(options.appended !== undefined ? { appended: options.appended } : {}),
        maxExpandedBytes: maxTotalBytes,
        parsed,
        readFile(p) {
          const read = files.get(p);
          if (!read) throw new NeedInput('file', p);
          if (!read.ok) throw read.error;
          return read.text;
        },
        glob(pattern) {
          const result = globs.get(pattern);
          if (!result) throw new NeedInput('glob', pattern);
          if (!result.ok) throw result.error;
          return result.paths;
        },
      });
    } catch (error) {
      if (!(error instanceof NeedInput)) throw error;
      if (error.kind === 'file') {
        await readOne(error.path);
      } else {
        try {
          const paths = await boundedGlob(error.path, globLimits);
          globs.set(error.path, { ok: true, paths });
          // The server reads every match: read them together before the next pass.
          for (const p of paths) await readOne(p);
        } catch (globError) {
          if (options.signal?.aborted) throw globError;
          globs.set(error.path, { ok: false, error: globError instanceof Error ? globError : new Error(String(globError)) });
        }
      }
    }
  }
}
