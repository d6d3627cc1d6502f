import { lstat, open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errnoOf, errnoText } from './fs-error.ts';
import { kindOf } from './read-file.ts';
import { nodeCrypto } from './builtin.ts';

/** Why an output file was not written; the message names the path and the reason. */
export class FileWriteError extends Error {
  override readonly name = 'FileWriteError';

  constructor(
    readonly path: string,
    /** The reason alone (`a symbolic link: refused without --force`). */
    readonly detail: string,
    readonly code?: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

export interface WriteFileOptions {
  /**
   * Writes through a symlink or into a non-regular file (`-o /dev/stdout`) as a plain open would, instead of
   * refusing. Default false.
   */
  readonly force?: boolean | undefined;
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
 * Checks that `path` may be written by {@link writeOutputFile}: missing, or a regular file, or (with `force`)
 * anything but a directory. Lets a run fail before the audit rather than after it.
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
  if (info.isFile()) return;
  if (info.isDirectory()) throw new FileWriteError(path, 'a directory');
  if (!options.force) throw new FileWriteError(path, `${kindOf(info)}: refused (pass --force to write through it)`);
}

/**
 * Writes an output file (a report, a baseline) so that nobody can make redfort, running as root, overwrite
 * another file: the content goes into a new file of the same directory (created exclusively, so never through a
 * planted link) that is then renamed over `path`. An existing symlink, FIFO or device at `path` is refused unless
 * `force`, which writes through it as a plain open would. A regular file keeps its permission bits.
 */
export async function writeOutputFile(path: string, content: string | Uint8Array, options: WriteFileOptions = {}): Promise<void> {
  let info: Stats | undefined;
  try {
    info = await lstat(path);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw reasonOf(path, error);
  }
  if (info && !info.isFile()) {
    if (info.isDirectory()) throw new FileWriteError(path, 'a directory');
    if (!options.force) throw new FileWriteError(path, `${kindOf(info)}: refused (pass --force to write through it)`);
    try {
      await writeFile(path, content);
      return;
    } catch (error) {
      throw reasonOf(path, error);
    }
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${nodeCrypto().randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(temp, 'wx', info ? info.mode & 0o7777 : 0o666);
  } catch (error) {
    throw reasonOf(path, error);
  }
  try {
    try {
      // `wx` applies the umask; an existing report keeps exactly the mode it had.
      if (info) await handle.chmod(info.mode & 0o7777);
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw reasonOf(path, error);
  }
}
