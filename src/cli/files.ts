import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_MAX_FILE_BYTES, FileReadError, fileKey, readFileBytes } from '../util/read-file.ts';
import { FileWriteError, checkOutputPath, isOutputStream, sharedOutputPath } from '../util/write-file.ts';
import type { OutputPlan } from '../report/outputs.ts';
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

/** The file `path` names (through links), or undefined: missing, or a stream (`/dev/null`, `/dev/stdout`) written through. */
function outputFile(path: string): Stats | undefined {
  try {
    return isOutputStream(path, lstatSync(path)) ? undefined : statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Refuses a `--baseline-write` file that an `--output` also names (another spelling, a link or a hard link of it
 * too): the one written last replaced the other without a word, and the next `--baseline` of it said "not a
 * baseline" (QA37-8). Two `--output`s naming one file are refused alike (src/report/outputs.ts).
 */
export function refuseBaselineOverOutput(plan: OutputPlan, baselineWrite: string | undefined): void {
  if (baselineWrite === undefined || sharedOutputPath(baselineWrite)) return;
  const baseline = outputFile(baselineWrite);
  for (const file of plan.files) {
    if (sharedOutputPath(file.path)) continue;
    const output = baseline === undefined ? undefined : outputFile(file.path);
    const same = resolve(file.path) === resolve(baselineWrite) || (output !== undefined && fileKey(output) === fileKey(baseline!));
    if (same) throw new UsageError(`--output ${file.format}=${clipped(file.path)} and --baseline-write ${clipped(baselineWrite)} name the same file: the one written last would replace the other`);
  }
}

/**
 * Refuses (a usage error naming the output) a report or baseline file that is one of the files this run has read
 * (`reads`: src/util/read-file.ts recordReads): its --config, includes or ACL file, its inventory, settings file,
 * baseline or host-key file, the redis.conf of a live server on this machine that the host audit read. Written, the
 * report replaced it: `audit --config keep.conf -o keep.conf` left a text report where the config was, and a running
 * server's redis.conf as a JSON report did not start again (QA35-3). Files are compared by device and inode: a link,
 * a hard link or another spelling of the path is the same file. `--baseline-write` may name the `--baseline` file
 * (recording the baseline anew in place).
 */
export function refuseOutputsRead(plan: OutputPlan, baselineWrite: string | undefined, baseline: string | undefined, reads: ReadonlyMap<string, string>): void {
  const outputs = [...plan.files.map((f) => ({ path: f.path, what: `the ${f.format} report` })), ...(baselineWrite !== undefined ? [{ path: baselineWrite, what: 'the baseline' }] : [])];
  const kept = baseline !== undefined ? outputFile(baseline) : undefined;
  for (const { path, what } of outputs) {
    const info = outputFile(path);
    const input = info === undefined ? undefined : reads.get(fileKey(info));
    if (input === undefined) continue;
    if (what === 'the baseline' && kept !== undefined && fileKey(kept) === fileKey(info!)) continue;
    throw new UsageError(`cannot write ${what} to '${clipped(path)}': it is ${input === path ? 'a file' : `'${clipped(input)}', a file`} this audit reads: refused (give another file)`);
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
