import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_MAX_FILE_BYTES, FileReadError, readFileBytes } from '../util/read-file.ts';
import { FileWriteError, checkOutputPath } from '../util/write-file.ts';
import { RULES } from '../rules/index.ts';
import { packageRoot } from '../package-root.ts';
import { UsageError } from './kit.ts';
import { fsErrorText } from '../util/fs-error.ts';
import { clipped } from '../util/shown.ts';

/**
 * A file given on the command line must be there and be a regular file: a typo is an error, not a silently skipped
 * source, and a FIFO or a device is refused before anything opens it.
 */
export async function checkReadable(path: string | undefined, flag: string): Promise<void> {
  if (path === undefined) return;
  try {
    await readFileBytes(path, { maxBytes: DEFAULT_MAX_FILE_BYTES });
  } catch (error) {
    if (error instanceof FileReadError) throw new UsageError(`${clipped(path)}: cannot read the ${flag} file: ${error.detail}`);
    throw error;
  }
}

/**
 * An --output path must name a file in an existing directory, and not a symlink, FIFO or device someone planted
 * there (unless --force).
 */
export async function checkWritable(path: string, force: boolean, what = 'a report'): Promise<void> {
  const dir = dirname(path);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be used (${fsErrorText(error)})`;
    throw new UsageError(`cannot write ${what} to '${clipped(path)}': the directory '${clipped(dir)}' ${why}`);
  }
  if (!isDir) throw new UsageError(`cannot write ${what} to '${clipped(path)}': '${clipped(dir)}' is not a directory`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`cannot write ${what} to '${clipped(path)}': it is a directory`);
  try {
    await checkOutputPath(path, { force });
  } catch (error) {
    if (error instanceof FileWriteError) throw new UsageError(`cannot write ${what} to '${clipped(path)}': ${error.detail}`);
    throw error;
  }
}

/** A rule's docs/rules/<id>.md. */
export function ruleDocPath(id: string): string {
  return join(packageRoot(), 'docs', 'rules', `${id}.md`);
}

/** Each rule's docs/rules/<id>.md, for the reporters that embed help (SARIF). */
export function ruleDocs(): Map<string, string> {
  const docs = new Map<string, string>();
  for (const rule of RULES) {
    const path = ruleDocPath(rule.id);
    if (existsSync(path)) docs.set(rule.id, readFileSync(path, 'utf8'));
  }
  return docs;
}
