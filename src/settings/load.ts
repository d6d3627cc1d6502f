import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Baseline } from './baseline.ts';
import { formatBaseline, parseBaseline } from './baseline.ts';
import { parseSettings } from './parse.ts';
import type { Settings } from './types.ts';
import { SettingsError } from './types.ts';

/** Read from the current directory when present and no `--config-file` is given. */
export const DEFAULT_SETTINGS_FILE = '.redfort.yaml';

function read(path: string, what: string, shown = path): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SettingsError(`${shown}: cannot read the ${what}${code === 'ENOENT' ? ': no such file' : ` (${code ?? (error as Error).message})`}`);
  }
}

/** The settings file given, or `.redfort.yaml` in `cwd` when there is one; undefined when neither. */
export function loadSettings(path: string | undefined, ruleIds: readonly string[], cwd = process.cwd()): Settings | undefined {
  if (path === undefined) {
    if (!existsSync(join(cwd, DEFAULT_SETTINGS_FILE))) return undefined;
    path = DEFAULT_SETTINGS_FILE;
  }
  return parseSettings(read(resolve(cwd, path), 'settings file', path), path, { ruleIds, baseDir: dirname(resolve(cwd, path)) });
}

export function readBaseline(path: string): Baseline {
  return parseBaseline(read(path, 'baseline'), path);
}

export function writeBaseline(path: string, baseline: Baseline): void {
  writeFileSync(path, formatBaseline(baseline));
}
