import { fstatSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Baseline } from '../engine/triage/baseline.ts';
import { formatBaseline, parseBaseline } from './baseline-file.ts';
import type { Settings } from './types.ts';
import { SettingsError } from './types.ts';
import { FileReadError, readTextFile } from '../util/read-file.ts';
import { foreignOwner, walkLinks } from '../util/secret-file.ts';
import { FileWriteError, writeOutputFile } from '../util/write-file.ts';
import type { WriteFileOptions } from '../util/write-file.ts';

/** Read from the current directory when present and no `--config-file` is given. */
export const DEFAULT_SETTINGS_FILE = '.redfort.yaml';

/** Settings and baselines are a few KB; 4 MiB holds thousands of targets. */
const MAX_SETTINGS_BYTES = 4 * 1024 * 1024;

async function read(path: string, what: string, shown = path): Promise<string> {
  try {
    return await readTextFile(path, { maxBytes: MAX_SETTINGS_BYTES });
  } catch (error) {
    if (error instanceof FileReadError) throw new SettingsError(`${shown}: cannot read the ${what}: ${error.detail}`);
    throw error;
  }
}

/**
 * The settings file given, or `.redfort.yaml` in `cwd` when there is one; undefined when neither. Read like every
 * input: a regular file (a `.redfort.yaml` committed as a symlink to /dev/zero is refused), within a size cap.
 */
export async function loadSettings(path: string | undefined, ruleIds: readonly string[], cwd = process.cwd()): Promise<Settings | undefined> {
  let shown = path;
  let text: string;
  if (path === undefined) {
    shown = DEFAULT_SETTINGS_FILE;
    const file = resolve(cwd, DEFAULT_SETTINGS_FILE);
    try {
      text = await readTextFile(file, { maxBytes: MAX_SETTINGS_BYTES, check: (fd) => refuseForeign(file, fd) });
    } catch (error) {
      if (error instanceof SettingsError) throw error;
      if (error instanceof FileReadError && error.reason === 'missing') return undefined;
      if (error instanceof FileReadError) throw new SettingsError(`${DEFAULT_SETTINGS_FILE}: cannot read the settings file: ${error.detail}`);
      throw error;
    }
  } else {
    text = await read(resolve(cwd, path), 'settings file', path);
  }
  return (await import('./parse.ts')).parseSettings(text, shown!, { ruleIds, baseDir: dirname(resolve(cwd, shown!)) });
}

/**
 * The `.redfort.yaml` read without being named must be the running user's or root's (the link too, when it is one),
 * as git refuses a repository another user owns: root running redfort in a shared directory (/tmp) read a file any
 * user could plant there, whose rules could turn every check off and whose targets and password files say what
 * root connects to and sends. `--config-file` names a file on purpose and reads any.
 */
function refuseForeign(file: string, fd: number): void {
  const foreign = foreignUid(file, fd);
  if (foreign === undefined) return;
  const me = process.getuid!();
  const owned = `owned by uid ${foreign.uid}, not by ${me === 0 ? 'root' : `you (uid ${me}) or root`}`;
  throw new SettingsError(
    `${DEFAULT_SETTINGS_FILE}: ${foreign.link !== undefined ? `reached through ${foreign.link}, a symbolic link ${owned}` : owned}: not read (anyone may write a file in a shared directory); --config-file ${DEFAULT_SETTINGS_FILE} reads it`,
  );
}

/**
 * The owner of a file (the open descriptor's: a file planted after a look at the path is caught too), or of a symbolic
 * link on its way (util/secret-file's walkLinks: its own name, a directory of its path, a link a link leads to), that
 * is neither the running user nor root, else undefined; `link` when it is a link other than the file's own name.
 * Under sudo the user who ran sudo (SUDO_UID) counts as the running user, as git takes it:
 * `sudo redfort audit --targets ~/fleet.yaml`. A path gone since the open is left to the descriptor's owner.
 */
function foreignUid(file: string, fd: number): { uid: number; link?: string } | undefined {
  const me = process.getuid?.();
  if (me === undefined) return undefined;
  const sudoer = me === 0 && /^\d+$/.test(process.env['SUDO_UID'] ?? '') ? Number(process.env['SUDO_UID']) : undefined;
  const trusted = (uid: number) => uid === me || uid === 0 || uid === sudoer;
  const owner = fstatSync(fd).uid;
  if (!trusted(owner)) return { uid: owner };
  const walked = walkLinks(file, trusted);
  if (!('foreign' in walked)) return undefined;
  const { link, uid } = walked.foreign;
  return link === resolve(file) ? { uid } : { uid, link };
}

/**
 * An inventory (`--targets FILE`) says which hosts get which passwords (`passwordEnv`, `passwordFile`, read as the
 * running user, root's files too): one another user owns, or anyone may write, could send root's secrets to any host
 * (QA42-3: `passwordFile: /etc/shadow` to a host of theirs). Refused, one line; standard input reads any.
 */
export function refuseForeignInventory(file: string, fd: number): void {
  const foreign = foreignUid(file, fd);
  const mode = fstatSync(fd).mode;
  const why = foreign !== undefined
    ? foreign.link !== undefined ? `reached through ${foreign.link}, a symbolic link ${foreignOwner(foreign.uid)}` : foreignOwner(foreign.uid)
    : (mode & 0o002) !== 0 ? `anyone may write it (mode ${(mode & 0o7777).toString(8).padStart(4, '0')})` : undefined;
  if (why === undefined) return;
  throw new SettingsError(`${file}: ${why}: not read (an inventory says which hosts get which passwords); '--targets - < ${file}' reads it`);
}

export async function readBaseline(path: string): Promise<Baseline> {
  return parseBaseline(await read(path, 'baseline'), path);
}

/** Writes a baseline as every output is written: a new file renamed over the old, never through a planted link. */
export async function writeBaseline(path: string, baseline: Baseline, options: WriteFileOptions = {}): Promise<void> {
  try {
    await writeOutputFile(path, formatBaseline(baseline), options);
  } catch (error) {
    if (error instanceof FileWriteError) throw new SettingsError(`cannot write the baseline to '${path}': ${error.detail}`);
    throw error;
  }
}
