import { lstat, open, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { closeSync, fchmodSync, lstatSync, openSync, readSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { errnoOf, errnoText } from './fs-error.ts';
import { kindOf } from './read-file.ts';
import { nodeCrypto } from './builtin.ts';

/** The path a file is reached by, links resolved (of its directory when the file does not exist yet). */
export function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/** Why an output file was not written; the message names the path and the reason. */
export class FileWriteError extends Error {
  override readonly name = 'FileWriteError';

  constructor(
    readonly path: string,
    /** The reason alone (`a symbolic link: refused without --force`). */
    readonly detail: string,
    readonly code?: string,
    /** Set when the path is refused for what it is (`a symbolic link`), which --force would write through. */
    readonly refused?: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

function refusal(path: string, info: Stats): FileWriteError {
  return new FileWriteError(path, `${kindOf(info)}: refused (pass --force to write through it)`, undefined, kindOf(info));
}

export interface WriteFileOptions {
  /**
   * Writes through a symlink or into a non-regular file (`-o /dev/stdout`) as a plain open would, instead of
   * refusing. Default false.
   */
  readonly force?: boolean | undefined;
}

/** The links that name one of this process's own open files: in /dev and /proc, so nobody plants them. */
const OWN_STREAM = /^\/(?:dev\/(?:stdout|stderr|fd\/\d+)|proc\/self\/fd\/\d+)$/;

/**
 * Whether an output at `path` (its `lstat`) is a stream written through as a shell's `>` would, with no --force: a
 * character device (`/dev/null`, a terminal: only root makes one) or one of this process's own streams
 * (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`). A symlink elsewhere, a FIFO or a block device is not.
 */
export function isOutputStream(path: string, info: Stats): boolean {
  return info.isCharacterDevice() || (info.isSymbolicLink() && OWN_STREAM.test(resolve(path)));
}

/**
 * The flags a stream output is opened with: appending, so that `-o json=/dev/stdout > file` does not cut what was
 * already written to the file nor overwrite it from offset 0.
 */
export function streamOpenFlags(path: string): 'a' | 'w' {
  return OWN_STREAM.test(resolve(path)) ? 'a' : 'w';
}

/** Whether `path` names this process's standard output (`-` is mapped to `/dev/stdout` before). */
export function isStandardOutput(path: string): boolean {
  return /^\/(?:dev\/(?:stdout|fd\/1)|proc\/self\/fd\/1)$/.test(resolve(path));
}

/**
 * Whether several outputs may name `path`: `/dev/null`, and this process's own streams (each report appended),
 * where a file would take only the last report.
 */
export function sharedOutputPath(path: string): boolean {
  const name = resolve(path);
  return name === '/dev/null' || OWN_STREAM.test(name);
}

/** The descriptor an own stream names (`/dev/stdout` is 1), else undefined. */
function ownDescriptor(path: string): number | undefined {
  const name = resolve(path);
  if (!OWN_STREAM.test(name)) return undefined;
  return name === '/dev/stdout' ? 1 : name === '/dev/stderr' ? 2 : Number(name.slice(name.lastIndexOf('/') + 1));
}

/** An output opened for synchronous writes, and how to close it (a descriptor redfort did not open stays open). */
export interface OpenOutput {
  readonly fd: number;
  close(): void;
}

/**
 * Opens a report output for {@link writeAllSync} (the caller has checked the path with {@link checkOutputPath}).
 * An own stream that Linux cannot reopen through /proc (a socket: systemd's journal, the socket pair a Node parent
 * gives its child, ENXIO) is written on its descriptor itself.
 */
export function openOutputSync(path: string): OpenOutput {
  try {
    const fd = openSync(path, streamOpenFlags(path));
    return { fd, close: () => closeSync(fd) };
  } catch (error) {
    const own = ownDescriptor(path);
    if (own === undefined || errnoOf(error) !== 'ENXIO') throw error;
    return { fd: own, close: () => {} };
  }
}

/** A staged output's temporary file (see {@link openStagedOutput}): a new name in the destination's directory. */
function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${nodeCrypto().randomBytes(6).toString('hex')}.tmp`);
}

/** A report output written as it is made, into a file that replaces the destination only when committed. */
export interface StagedOutput {
  readonly fd: number;
  /** Closes the output and puts it in place (the temporary file renamed over the destination). */
  commit(): void;
  /** Closes the output and removes its temporary file: the destination is as it was. */
  abort(): void;
}

/** The temporary files of staged outputs not yet committed nor aborted: removed if the process exits first. */
const pending = new Set<string>();
let removeAtExit = false;
/** The signals that end a run (interrupt, a job's stop, a closed terminal), and the handler each was given. */
const STAGE_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const handlers = new Map<NodeJS.Signals, () => void>();

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already, or never made.
  }
}

/** Removes the staged files of the run when it ends: at exit, and at a signal before the signal's default action. */
function removePendingOnSignals(): void {
  if (removeAtExit) return;
  removeAtExit = true;
  const removePending = (): void => {
    for (const file of pending) unlinkQuietly(file);
    pending.clear();
  };
  process.once('exit', removePending);
  // A signal's default action ends the process without 'exit': an interrupted fleet run (Ctrl-C, a CI job's
  // SIGTERM) left its partial report beside the output, a hidden file of users and findings nothing removed
  // (QA39-57). Removed, then the signal is raised again with its default action: the run ends as it would have.
  // A listener of its own that the process has (one that stops more gently) ends it instead.
  for (const signal of STAGE_SIGNALS) {
    const onSignal = (): void => {
      removePending();
      for (const other of STAGE_SIGNALS) process.removeListener(other, handlers.get(other)!);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    handlers.set(signal, onSignal);
    process.once(signal, onSignal);
  }
}

/**
 * Opens a report output that is written as the run goes (a fleet's JSON Lines, its JSON file) without touching the
 * destination before the run is over: the bytes go to a new file of the destination's directory (a random name,
 * created exclusively, so never through a planted link; the mode a report file gets: an existing file's, else
 * 0666 less the umask), renamed over `path` by {@link StagedOutput.commit}. Opened at once and truncated, a local
 * target's redis.conf named as the output was cut before the end of the run could see that the audit had read it.
 * A stream ({@link isOutputStream}: `/dev/null`, `/dev/stdout`), a FIFO or a device (with --force) is written
 * through as it is; a link to a regular file (with --force) is staged the same, and copied through the link at
 * commit. The caller has checked the path ({@link checkOutputPath}).
 */
export function openStagedOutput(path: string): StagedOutput {
  let info: Stats | undefined;
  try {
    info = lstatSync(path);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw error;
  }
  // A link (--force) to a regular file: its file is written at commit, through the link.
  let linked = false;
  if (info && !info.isFile()) {
    const target = info.isSymbolicLink() && !isOutputStream(path, info) ? statOrUndefined(path) : undefined;
    if (!target?.isFile()) {
      const out = openOutputSync(path);
      return { fd: out.fd, commit: () => out.close(), abort: () => out.close() };
    }
    linked = true;
  }
  // The handlers first: a signal between the file's creation and theirs ended the process by its default action,
  // the file left (seen once under load, test/fleet/interrupted). Now it waits for them, which find it pending.
  removePendingOnSignals();
  const temp = tempPath(path);
  const mode = info && !linked ? info.mode & 0o7777 : linked ? 0o600 : 0o666;
  const fd = openSync(temp, 'wx', mode);
  pending.add(temp);
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    closeSync(fd);
  };
  const abort = (): void => {
    try {
      close();
    } catch {
      // The file goes either way.
    }
    unlinkQuietly(temp);
    pending.delete(temp);
  };
  try {
    // `wx` applies the umask; an existing report keeps exactly the mode it had.
    if (info && !linked) fchmodSync(fd, mode);
  } catch (error) {
    abort();
    throw error;
  }
  return {
    fd,
    commit: () => {
      try {
        close();
        if (linked) copyThrough(temp, path);
        else renameSync(temp, path);
      } catch (error) {
        abort();
        throw error;
      }
      if (linked) unlinkQuietly(temp);
      pending.delete(temp);
    },
    abort,
  };
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Copies the file `from` into the file that `path` leads to, through its link (an output given with --force). */
function copyThrough(from: string, path: string): void {
  const input = openSync(from, 'r');
  try {
    const out = openSync(path, 'w');
    try {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      for (let n = readSync(input, chunk, 0, chunk.length, null); n > 0; n = readSync(input, chunk, 0, chunk.length, null)) writeAllSync(out, chunk.subarray(0, n));
    } finally {
      closeSync(out);
    }
  } finally {
    closeSync(input);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `bytes` to `fd`, however many writes it takes; a descriptor in non-blocking mode (standard output,
 * when Node made it so) that is full (EAGAIN) is waited for, 1 ms at a time. A pipe whose reader went away (EPIPE:
 * `-o sarif=- | head -c 10`) takes the rest as read, as standard output does for --format (src/cli/main.ts): the
 * output ends quietly and the run ends with its own exit code, where it stopped with a write error and exit 2.
 */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (error) {
      if (errnoOf(error) === 'EPIPE') return;
      if (errnoOf(error) !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/** What a write's errors mean that a read's do not; the others read as they do for a read (fs-error.ts). */
const WRITE_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'its directory does not exist',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'a directory',
  EEXIST: 'a temporary file of the same name appeared (retry)',
};

function reasonOf(path: string, error: unknown): FileWriteError {
  if (error instanceof FileWriteError) return error;
  const code = errnoOf(error);
  const text = (code && WRITE_REASONS[code]) ?? errnoText(code);
  return new FileWriteError(path, text ?? code ?? (error instanceof Error ? error.message : String(error)), code);
}

/**
 * Checks that `path` may be written by {@link writeOutputFile}: missing, a regular file, a stream
 * ({@link isOutputStream}), or (with `force`) anything but a directory. Lets a run fail before the audit rather than after it.
 */
export async function checkOutputPath(path: string, options: WriteFileOptions = {}): Promise<void> {
  let info: Stats | undefined;
  try {
    info = await lstat(path);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw reasonOf(path, error);
  }
  if (!info) {
    let dir: Stats;
    try {
      dir = await stat(dirname(path));
    } catch (error) {
      throw reasonOf(path, error);
    }
    if (!dir.isDirectory()) throw new FileWriteError(path, `'${dirname(path)}' is not a directory`);
    return;
  }
  if (info.isFile() || isOutputStream(path, info)) return;
  if (info.isDirectory()) throw new FileWriteError(path, 'a directory');
  if (!options.force) throw refusal(path, info);
}

/**
 * Writes an output file (a report, a baseline) so that nobody can make redfort, running as root, overwrite
 * another file: the content goes into a new file of the same directory (created exclusively, so never through a
 * planted link) that is then renamed over `path`. A stream ({@link isOutputStream}: `/dev/null`, `/dev/stdout`) is
 * written through; any other symlink, FIFO or device at `path` is refused unless `force`, which writes through it as
 * a plain open would. A regular file keeps its permission bits.
 */
/**
 * What {@link writeOutputFile} writes: a text, bytes, or bytes in chunks as they are made (a JSON report: see
 * src/report/json.ts jsonReportChunks), each written before the next is asked for (its buffer may be reused).
 */
export type OutputContent = string | Uint8Array | Iterable<Uint8Array>;

function isChunks(content: OutputContent): content is Iterable<Uint8Array> {
  return typeof content !== 'string' && !(content instanceof Uint8Array);
}

async function writeTo(handle: FileHandle, content: OutputContent): Promise<void> {
  if (!isChunks(content)) {
    await handle.writeFile(content);
    return;
  }
  for (const chunk of content) {
    for (let done = 0; done < chunk.length; ) done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
  }
}

export async function writeOutputFile(path: string, content: OutputContent, options: WriteFileOptions = {}): Promise<void> {
  let info: Stats | undefined;
  try {
    info = await lstat(path);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw reasonOf(path, error);
  }
  if (info && !info.isFile()) {
    if (info.isDirectory()) throw new FileWriteError(path, 'a directory');
    const stream = isOutputStream(path, info);
    if (!stream && !options.force) throw refusal(path, info);
    try {
      if (!stream) {
        const through = await open(path, 'w');
        try {
          await writeTo(through, content);
        } finally {
          await through.close();
        }
        return;
      }
      const out = openOutputSync(path);
      try {
        if (isChunks(content)) for (const chunk of content) writeAllSync(out.fd, chunk);
        else writeAllSync(out.fd, typeof content === 'string' ? Buffer.from(content) : content);
      } finally {
        out.close();
      }
      return;
    } catch (error) {
      throw reasonOf(path, error);
    }
  }
  const temp = tempPath(path);
  let handle;
  try {
    handle = await open(temp, 'wx', info ? info.mode & 0o7777 : 0o666);
  } catch (error) {
    // ENOENT in a directory that is there: a kernel file system (/proc/self/mem is a 'regular file') takes no new file.
    const there = errnoOf(error) === 'ENOENT' && (await stat(dirname(path)).then((d) => d.isDirectory(), () => false));
    if (there) throw new FileWriteError(path, `not a file a report can replace: no new file can be made in '${dirname(path)}' (ENOENT)`, 'ENOENT');
    throw reasonOf(path, error);
  }
  try {
    try {
      // `wx` applies the umask; an existing report keeps exactly the mode it had.
      if (info) await handle.chmod(info.mode & 0o7777);
      await writeTo(handle, content);
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw reasonOf(path, error);
  }
}
