import { closeSync, constants, fstatSync, openSync, read, readSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { settled } from './fs-calls.ts';
import { errnoOf, errnoText } from './fs-error.ts';

/** Default bound on one input file: far above any real redis.conf, ACL file or settings file. */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Why an input file was not read. */
export type FileReadReason = 'missing' | 'denied' | 'not-regular' | 'too-large' | 'aborted' | 'other';

/**
 * A file that could not be read. The message names the path and the reason only: never a byte of the file,
 * which may be a secret a hostile server or a planted symlink pointed us at.
 */
export class FileReadError extends Error {
  override readonly name = 'FileReadError';

  constructor(
    readonly path: string,
    readonly reason: FileReadReason,
    /** The reason alone, without the path (`no such file`, `a FIFO, not a regular file`). */
    readonly detail: string,
    /** The errno code when the file system gave one (`ENOENT`, `EACCES`). */
    readonly code?: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

export interface ReadFileOptions {
  /** Bound on the file's size; a larger (or growing) file is refused. Default 16 MiB. */
  readonly maxBytes?: number;
  /** An aborted signal refuses the read (the read itself, synchronous, is not interrupted). */
  readonly signal?: AbortSignal | undefined;
  /**
   * Called with the open descriptor before anything is read (its errors are the read's): a check of the file that
   * is read, not of a path that may have changed since (the settings file's owner).
   */
  readonly check?: ((fd: number) => void) | undefined;
}

/** What a file that is not a regular file is, in words ('a FIFO', 'a symbolic link' for an lstat, …). */
export function kindOf(info: Stats): string {
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notRegular(path: string, info: Stats): FileReadError {
  const kind = kindOf(info);
  if (info.isDirectory()) return new FileReadError(path, 'not-regular', 'is a directory');
  return new FileReadError(path, 'not-regular', kind === 'not a regular file' ? kind : `${kind}, not a regular file`);
}

const ERRNO: Readonly<Record<string, FileReadReason>> = {
  ENOENT: 'missing',
  ENOTDIR: 'missing',
  EACCES: 'denied',
  EPERM: 'denied',
  ELOOP: 'other',
  ENAMETOOLONG: 'other',
  EISDIR: 'not-regular',
};

function fromErrno(path: string, error: unknown): FileReadError {
  if (error instanceof FileReadError) return error;
  const code = errnoOf(error);
  const reason = code === undefined ? undefined : ERRNO[code];
  // Opening a file for reading fails with ENOTDIR only for a component of its path.
  const detail = code === 'ENOTDIR' ? 'a component of the path is not a directory' : errnoText(code);
  if (reason && detail !== undefined) return new FileReadError(path, reason, detail, code);
  return new FileReadError(path, 'other', code ?? (error instanceof Error ? error.message : String(error)), code);
}

function aborted(path: string, signal: AbortSignal): FileReadError {
  const reason: unknown = signal.reason;
  return new FileReadError(path, 'aborted', reason instanceof Error && reason.name !== 'AbortError' ? reason.message : 'aborted');
}

/**
 * Reads a file given to redfort or named by a file it read (a config, an include, an ACL file, a settings file,
 * a baseline): a regular file only, a symlink only when it leads to one, within a size cap.
 *
 * A FIFO would block forever, `/dev/zero` never ends, and opening some devices has effects: the path is
 * `stat`ed before it is opened, opened non-blocking, and checked again on the open descriptor (it may have been
 * swapped in between). Files whose size the kernel does not report (`/proc`) are read up to the cap.
 *
 * The calls are synchronous: a local regular file is read in a few system calls of microseconds each, where each
 * asynchronous one was a trip through libuv's threads costing 3 to 5 times the CPU (a fleet reads a config file
 * and an ACL file per local target). The checks above are what keeps a read from blocking; a file on a hung
 * network mount blocks either way (see util/fs-calls.ts).
 */
export async function readFileBytes(path: string, options: ReadFileOptions = {}): Promise<Buffer> {
  return readFileBytesSync(path, options);
}

/** {@link readFileBytes} for a caller that cannot wait (a synchronous check that reads a file once). */
export function readFileBytesSync(path: string, options: ReadFileOptions = {}): Buffer {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const signal = options.signal;
  if (signal?.aborted) throw aborted(path, signal);
  // The check's own error, passed on as it is (withRegularFile makes every error of its `use` a FileReadError).
  let refused: { error: unknown } | undefined;
  const bytes = withRegularFile(path, maxBytes, (fd, size) => {
    try {
      options.check?.(fd);
    } catch (error) {
      refused = { error };
      return Buffer.alloc(0);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // One byte beyond the cap tells a file that grew past it from one that ends exactly there.
      const want = Math.min(maxBytes + 1 - total, Math.max(64 * 1024, size + 1 - total));
      const chunk = Buffer.allocUnsafe(want);
      const bytesRead = readSync(fd, chunk, 0, want, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(path, maxBytes);
      chunks.push(chunk.subarray(0, bytesRead));
      // A file whose size the kernel reports, read whole by a short read, is at its end: no further read to see 0
      // bytes. A file that grew since fstat gives more than its size and is read on; /proc's (size 0) always are.
      if (bytesRead < want && total === size) break;
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  });
  if (refused) throw refused.error;
  return bytes;
}

/**
 * Opens a file as {@link readFileBytes} does (stat, a regular file only, a non-blocking open, the descriptor
 * checked again, the size cap), gives `use` the descriptor and the size it had then, and closes it. For a reader
 * that needs less than the whole file at once (gather/host/package.ts searches dpkg's 800 KB database in one
 * reused buffer). Errors are {@link FileReadError}s that name the path.
 */
export function withRegularFile<T>(path: string, maxBytes: number, use: (fd: number, size: number) => T): T {
  let before: Stats;
  try {
    before = statSync(path);
  } catch (error) {
    throw fromErrno(path, error);
  }
  if (!before.isFile()) throw notRegular(path, before);
  if (before.size > maxBytes) throw tooLarge(path, maxBytes);
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw fromErrno(path, error);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw notRegular(path, info);
    if (info.size > maxBytes) throw tooLarge(path, maxBytes);
    if (reads !== undefined && !reads.has(fileKey(info))) {
      reads.set(fileKey(info), path);
      onRead?.(fileKey(info), path);
    }
    return use(fd, info.size);
  } catch (error) {
    throw fromErrno(path, error);
  } finally {
    closeQuietly(fd);
  }
}

/** The files this thread's reader opened since {@link recordReads}: device and inode to the path first read. */
let reads: Map<string, string> | undefined;

/** A file's identity, whatever path (link, hard link, `..`) names it. */
export function fileKey(info: { readonly dev: number; readonly ino: number }): string {
  return `${info.dev}:${info.ino}`;
}

/**
 * Starts recording every file the reader opens in this thread (a worker thread's reads are its own), and returns the
 * record: `redfort audit` writes no report over a file it read (its --config, its inventory, the live server's
 * redis.conf the host audit read). Off unless asked: a long-running exporter keeps no such list.
 */
export function recordReads(): ReadonlyMap<string, string> {
  reads ??= new Map();
  return reads;
}

/** Whether this thread records its reads ({@link recordReads}): a fleet's worker threads then record theirs. */
export function recordingReads(): boolean {
  return reads !== undefined;
}

/** Told of each file recorded from then on, once (a worker thread passes them to the main thread: src/app/pool-worker.ts). */
let onRead: ((key: string, path: string) => void) | undefined;

/**
 * Records this thread's reads ({@link recordReads}) and tells `listener` of each new file as it is opened: a fleet's
 * worker thread sends them to the main thread, whose run writes no report over a file any thread read (a local
 * target's redis.conf, read where the target was audited).
 */
export function reportReads(listener: (key: string, path: string) => void): void {
  recordReads();
  onRead = listener;
}

/** Files another thread read (its {@link reportReads}), added to this thread's record when it keeps one. */
export function addReads(files: readonly (readonly [key: string, path: string])[]): void {
  if (reads === undefined) return;
  for (const [key, path] of files) if (!reads.has(key)) reads.set(key, path);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing to do: the descriptor is gone either way.
  }
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * A small file of /proc (a process's status or cgroup, a socket table), as text, or undefined when it cannot be
 * read; no size cap nor type check: for the kernel's own files, not for a path a server or a config names. Read to
 * its end in small pooled buffers, without the fstat fs.readFile makes first (the kernel reports no size here) and
 * without its 64 KiB buffer per read (each one external memory for the collector to account for). Synchronously, as
 * the descriptor links are (gather/host/proc.ts): the kernel makes these from its own tables in microseconds. Not
 * for a file the kernel makes from the process's memory: {@link readProcMemoryText}.
 */
export function readProcText(path: string): Promise<string | undefined> {
  return withProcFile(path, (fd) => procTextOf((chunk) => readSync(fd, chunk, 0, PROC_CHUNK, null)));
}

/**
 * {@link readProcText} for /proc/<pid>/cmdline, which the kernel reads from the process's memory under that
 * process's memory lock: a process stuck holding it (a page fault on a hung mount) makes the read wait. The reads
 * go through libuv's threads, so that such a wait holds one of them and not the run; the open and the close touch
 * no memory of the process and are made directly. The kernel fills a read of cmdline as far as the text goes: a
 * read shorter than asked is its end, and the usual command line is one read (a trip through the threads each).
 */
export function readProcMemoryText(path: string): Promise<string | undefined> {
  return withProcFile(path, (fd) => procTextOf((chunk) => settled<number>((done) => read(fd, chunk, 0, PROC_CHUNK, null, done)), true));
}

/** `read` of the /proc file at `path`, opened directly and always closed; undefined when it cannot be opened or read. */
async function withProcFile(path: string, read: (fd: number) => Promise<string>): Promise<string | undefined> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
  } catch {
    return undefined;
  }
  try {
    return await read(fd);
  } catch {
    return undefined;
  } finally {
    closeQuietly(fd);
  }
}

/**
 * Reads PROC_CHUNK bytes at a time with `readChunk` until it reads none (or, with `shortEnds`, fewer than asked);
 * the whole as UTF-8. Most of /proc hands out a page or a record at a time, so a short read ends only cmdline.
 */
async function procTextOf(readChunk: (chunk: Buffer) => number | Promise<number>, shortEnds = false): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(PROC_CHUNK);
    const bytesRead = await readChunk(chunk);
    if (bytesRead === 0) break;
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
    if (shortEnds && bytesRead < PROC_CHUNK) break;
  }
  return (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)).toString('utf8');
}

/** Under half of Buffer's pool (8 KiB): allocUnsafe takes it from the pool. A process's status is about 1.5 KB. */
const PROC_CHUNK = 4000;

function tooLarge(path: string, maxBytes: number): FileReadError {
  return new FileReadError(path, 'too-large', `larger than ${describeBytes(maxBytes)}, the most redfort reads of one file`);
}

function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** {@link readFileBytes} as UTF-8 text. */
export async function readTextFile(path: string, options: ReadFileOptions = {}): Promise<string> {
  return (await readFileBytes(path, options)).toString('utf8');
}
