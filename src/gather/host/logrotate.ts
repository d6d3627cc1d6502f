import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoOf } from '../../util/fs-error.ts';
import { readTextFile } from '../../util/read-file.ts';
import { findProgram } from '../../util/run-program.ts';
import type { HostValue, LogrotateFacts, LogrotateStanza } from '../../facts/types.ts';
import { fsReason, hostSource } from './proc.ts';
import { globSegmentRegExp } from '../../util/glob.ts';
import { shellWords } from '../../util/words.ts';

/** What one logrotate configuration file says, before its includes are followed. */
export interface ParsedLogrotate {
  readonly stanzas: readonly LogrotateStanza[];
  readonly includes: readonly { readonly path: string; readonly line: number }[];
  /** `tabooext` / `taboopat` lines in order: `replace` false for the `+` form that adds. */
  readonly taboo: readonly { readonly replace: boolean; readonly patterns: readonly string[] }[];
}

/** logrotate 3.21's default taboo list, as fnmatch patterns: files in an included directory that are skipped. */
export const DEFAULT_TABOO: readonly string[] = [
  ',v', '.bak', '.cfsaved', '.disabled', '.dpkg-bak', '.dpkg-del', '.dpkg-dist', '.dpkg-new', '.dpkg-old', '.dpkg-tmp',
  '.rhn-cfg-tmp-*', '.rpmnew', '.rpmorig', '.rpmsave', '.swp', '.ucf-dist', '.ucf-new', '.ucf-old', '~',
].map((ext) => `*${ext}`);

const SCRIPT_KEYS = new Set(['prerotate', 'postrotate', 'firstaction', 'lastaction', 'preremove']);


/**
 * Parses a logrotate configuration as logrotate's readConfigFile reads it: a line starting with `/`, a quote or `~`
 * begins file names (over several lines if need be) up to `{`; `}` closes the stanza; a word is a directive whose
 * arguments run to the end of the line; `#` starts a comment; script blocks run to `endscript`.
 */
export function parseLogrotate(text: string, path: string, home = '/root'): ParsedLogrotate {
  const stanzas: LogrotateStanza[] = [];
  const includes: { path: string; line: number }[] = [];
  const taboo: { replace: boolean; patterns: string[] }[] = [];
  const lines = text.split('\n');
  let current: { patterns: string[]; su: boolean; line: number } | undefined;
  let i = 0;
  const close = () => {
    if (current) stanzas.push({ patterns: current.patterns, su: current.su, path, line: current.line });
    current = undefined;
  };
  while (i < lines.length) {
    const raw = lines[i]!;
    const lineNo = i + 1;
    let rest = raw.trim();
    i++;
    while (rest !== '') {
      if (rest.startsWith('#')) break;
      if (rest.startsWith('}')) {
        close();
        rest = rest.slice(1).trim();
        continue;
      }
      if (/^[/"'~]/.test(rest)) {
        // File names run up to '{', which may be on a later line.
        let names = rest;
        while (!names.includes('{') && i < lines.length) names += `\n${lines[i++]!}`;
        const brace = names.indexOf('{');
        if (brace === -1) {
          rest = '';
          break;
        }
        const patterns = shellWords(names.slice(0, brace)).map((p) => (p.startsWith('~/') ? `${home}${p.slice(1)}` : p));
        close();
        current = { patterns, su: false, line: lineNo };
        rest = names.slice(brace + 1).trim();
        continue;
      }
      const word = /^[A-Za-z]+/.exec(rest)?.[0];
      if (!word) break;
      const key = word.toLowerCase();
      let value = rest.slice(word.length).trim().replace(/^=\s*/, '');
      const closes = /(^|\s)}$/.test(value);
      if (closes) value = value.slice(0, -1).trim();
      if (SCRIPT_KEYS.has(key)) {
        while (i < lines.length && lines[i]!.trim() !== 'endscript') i++;
        i++;
      } else if (key === 'include' && value !== '') {
        includes.push({ path: value.startsWith('~/') ? `${home}${value.slice(1)}` : value, line: lineNo });
      } else if ((key === 'tabooext' || key === 'taboopat') && value !== '') {
        const add = value.startsWith('+');
        const list = (add ? value.slice(1) : value).split(/[\s,]+/).filter((p) => p !== '');
        taboo.push({ replace: !add, patterns: key === 'tabooext' ? list.map((p) => `*${p}`) : list });
      } else if (key === 'su' && current) {
        current.su = true;
      }
      if (closes) close();
      break;
    }
  }
  close();
  return { stanzas, includes, taboo };
}


// I/O ---------------------------------------------------------------------------------------------------------

const MAX_NESTING = 50;

export interface LogrotateOptions {
  /** Read this directory's files as the whole configuration (tests); default /etc/logrotate.conf and what it includes. */
  readonly logrotateDir?: string | undefined;
}

/** Reads the logrotate configuration with its includes (files and directories, taboo names skipped). */
export async function readLogrotate(options: LogrotateOptions = {}): Promise<HostValue<LogrotateFacts>> {
  const files: string[] = [];
  const stanzas: LogrotateStanza[] = [];
  const problems: string[] = [];
  let taboo = [...DEFAULT_TABOO];

  const readConfigFile = async (path: string, depth: number): Promise<void> => {
    let text: string;
    try {
      text = await readTextFile(path);
    } catch (error) {
      problems.push(fsReason(error, `cannot read ${path}`));
      return;
    }
    files.push(path);
    const parsed = parseLogrotate(text, path);
    stanzas.push(...parsed.stanzas);
    for (const t of parsed.taboo) taboo = t.replace ? [...t.patterns] : [...taboo, ...t.patterns];
    for (const include of parsed.includes) {
      if (depth >= MAX_NESTING) {
        problems.push(`${path}:${include.line}: include nesting too deep`);
        continue;
      }
      await readPath(include.path, depth + 1);
    }
  };

  const readPath = async (path: string, depth: number): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      problems.push(fsReason(error, `cannot read ${path}`));
      return;
    }
    if (!info.isDirectory()) return readConfigFile(path, depth);
    let names: string[];
    try {
      names = (await readdir(path)).sort();
    } catch (error) {
      problems.push(fsReason(error, `cannot read ${path}`));
      return;
    }
    for (const name of names) {
      if (taboo.some((p) => globSegmentRegExp(p).test(name))) continue;
      const file = join(path, name);
      if (!(await stat(file).then((s) => s.isFile(), () => false))) continue;
      await readConfigFile(file, depth);
    }
  };

  if (options.logrotateDir !== undefined) {
    await readPath(options.logrotateDir, 0);
    if (files.length === 0 && problems.length > 0) return { known: false, reason: problems.join('; ') };
    return { known: true, value: { files, stanzas, problems, installed: undefined }, source: hostSource(`logrotate rules in ${options.logrotateDir}`) };
  }
  const main = '/etc/logrotate.conf';
  const installed = (await findProgram('logrotate')) !== undefined;
  try {
    await stat(main);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') return { known: false, reason: fsReason(error, `cannot read ${main}`) };
    // No main configuration: logrotate is not set up, whatever /etc/logrotate.d holds.
    return { known: true, value: { files: [], stanzas: [], problems: [`${main}: no such file`], installed }, source: hostSource(main) };
  }
  await readConfigFile(main, 0);
  if (files.length === 0) return { known: false, reason: problems.join('; ') };
  return { known: true, value: { files, stanzas, problems, installed }, source: hostSource(main) };
}
