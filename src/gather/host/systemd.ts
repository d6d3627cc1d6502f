import { readProcText, readTextFile } from '../../util/read-file.ts';
import { notRead, runProgram } from '../../util/run-program.ts';
import type { ProgramResult } from '../../util/run-program.ts';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostValue, SystemdFacts } from '../../facts/types.ts';
import { hostSource } from './proc.ts';
import { HOLDS_SECRETS } from '../../redis/secrets.ts';

/**
 * The systemd service a process belongs to, from /proc/<pid>/cgroup: the last `*.service` segment of the
 * unified (`0::`) or `name=systemd` hierarchy. Undefined for a process outside any service (a shell, a
 * container, a scope).
 */
export function unitFromCgroup(text: string): string | undefined {
  const lines = text.split('\n');
  const path = lines.find((l) => l.startsWith('0::'))?.slice(3) ?? lines.find((l) => /^\d+:name=systemd:/.test(l))?.replace(/^\d+:name=systemd:/, '');
  if (!path) return undefined;
  const segments = path.split('/').filter((s) => s.endsWith('.service'));
  return segments[segments.length - 1];
}

function yes(value: string | undefined): boolean {
  return ['yes', 'true', 'on', '1'].includes((value ?? '').trim().toLowerCase());
}

/** Capabilities systemd keeps from a set expression; `['all']` when unrestricted. */
function capabilities(list: readonly string[]): string[] {
  const caps = list.map((c) => c.toLowerCase()).filter((c) => c !== '');
  return caps.length >= 38 ? ['all'] : caps;
}

/**
 * The `argv[]=` part of a `systemctl show` ExecStart value. systemctl joins the arguments with blanks (strv_join in
 * systemctl-show.c), so they are split at blanks: an argument that held one comes back as several words. The host
 * stage masks the secrets as the server's version reads them (gatherHost), but a `--user` password holding a blank
 * would be masked in its first piece only: every word of a `--user` option after the user's name is masked here.
 */
function execArgv(value: string | undefined): string[] | undefined {
  const argv = /argv\[\]=([^;]*)/.exec(value ?? '')?.[1]?.trim();
  if (!argv) return undefined;
  let user = -1;
  return argv.split(/\s+/).map((word, i) => {
    if (word.startsWith('--')) {
      user = /^--user$/i.test(word) ? i : -1;
      return word;
    }
    return user >= 0 && i > user + 1 ? '***' : word;
  });
}

/** Whether a command line holds an option whose words may be secrets (`--user`, `--requirepass`, `--sentinel auth-pass`…). */
function holdsSecretOption(argv: readonly string[]): boolean {
  return argv.some((w) => w.startsWith('--') && HOLDS_SECRETS.has(w.slice(2).toLowerCase()));
}

const CUNESCAPE: Readonly<Record<string, string>> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'", s: ' ' };

/**
 * The C escape at `text[i]` (after its backslash) as systemd's cunescape_one reads it: `\n`, `\s` (a blank), `\xHH`,
 * three octal digits, `\uHHHH`, `\UHHHHHHHH`; the text and how many characters it took, or undefined when systemd
 * refuses it (an unknown letter, a NUL byte).
 */
function cunescapeOne(text: string, i: number): { text: string; length: number } | undefined {
  const c = text[i];
  if (c === undefined) return undefined;
  if (c in CUNESCAPE) return { text: CUNESCAPE[c]!, length: 1 };
  const hex = (n: number): number | undefined => (new RegExp(`^[0-9a-fA-F]{${n}}$`).test(text.slice(i + 1, i + 1 + n)) ? parseInt(text.slice(i + 1, i + 1 + n), 16) : undefined);
  if (c === 'x' || c === 'u' || c === 'U') {
    const n = c === 'x' ? 2 : c === 'u' ? 4 : 8;
    const code = hex(n);
    if (code === undefined || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
    return { text: String.fromCodePoint(code), length: 1 + n };
  }
  if (/^[0-7]{3}$/.test(text.slice(i, i + 3))) {
    const code = parseInt(text.slice(i, i + 3), 8);
    return code === 0 || code > 255 ? undefined : { text: String.fromCharCode(code), length: 3 };
  }
  return undefined;
}

/**
 * The next word of `text` from `at`, as systemd's extract_first_word_and_warn with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE
 * reads it: blanks separate words; '…' and "…" quote (anywhere in a word, the quotes removed); a backslash starts a C
 * escape, in quotes too, and one systemd does not know stays as written (its retry with EXTRACT_CUNESCAPE_RELAX,
 * "Ignoring unknown escape sequences"). `null` at the end; `undefined` for an open quote, which makes systemd ignore
 * the whole line ("Unbalanced quoting").
 */
function extractWord(text: string, at: number): { word: string; next: number } | null | undefined {
  let i = at;
  while (i < text.length && /[ \t\n\r]/.test(text[i]!)) i++;
  if (i >= text.length) return null;
  let word = '';
  let quote = '';
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      if (i + 1 >= text.length) {
        if (quote) return undefined;
        word += c;
        continue;
      }
      const escape = cunescapeOne(text, i + 1) ?? { text: `\\${text[i + 1]}`, length: 1 };
      word += escape.text;
      i += escape.length;
    } else if (quote) {
      if (c === quote) quote = '';
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (/[ \t\n\r]/.test(c)) {
      break;
    } else {
      word += c;
    }
  }
  return quote ? undefined : { word, next: i };
}

/**
 * An ExecStart= value as systemd's config_parse_exec reads it (systemd.service(5), "Command lines"): the first word
 * without its `-@:+!` prefixes is the program; with `@`, the second word is only argv[0], left out here (the program
 * stands first); the words are unquoted and unescaped as {@link extractWord}; `%%` is `%` (other specifiers and
 * `$VAR`/`${VAR}`, which systemd fills in at start, are left as written); a lone `;` ends the command (the first
 * is the one a service runs), a lone `\;` is the word `;`. Undefined when systemd would refuse the line.
 */
export function unquoteExecStart(value: string): string[] | undefined {
  const first = extractWord(value, 0);
  if (!first) return undefined;
  const prefixes = /^[-@:+!]*/.exec(first.word)![0];
  const program = first.word.slice(prefixes.length).replace(/%%/g, '%');
  if (program === '') return undefined;
  const argv = [program];
  let skipArgv0 = prefixes.includes('@');
  let at = first.next;
  for (;;) {
    const rest = value.slice(at).replace(/^[ \t\n\r]+/, '');
    if (rest === '' || /^;(?:[ \t\n\r]|$)/.test(rest)) break;
    if (/^\\;(?:[ \t\n\r]|$)/.test(rest)) {
      argv.push(';');
      at = value.length - rest.length + 2;
      continue;
    }
    const next = extractWord(value, at);
    if (next === undefined) return undefined;
    if (next === null) break;
    at = next.next;
    if (skipArgv0) {
      skipArgv0 = false;
      continue;
    }
    argv.push(next.word.replace(/%%/g, '%'));
  }
  return argv;
}

/** Parses `systemctl show <unit> -p …` (`Key=value` lines, effective values with drop-ins applied). */
export function parseSystemctlShow(unit: string, text: string): SystemdFacts {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return {
    unit,
    user: values.get('User') ?? '',
    dynamicUser: yes(values.get('DynamicUser')),
    noNewPrivileges: yes(values.get('NoNewPrivileges')),
    protectSystem: (values.get('ProtectSystem') || 'no').toLowerCase(),
    privateTmp: yes(values.get('PrivateTmp')) || values.get('PrivateTmp') === 'disconnected',
    capabilityBoundingSet: capabilities((values.get('CapabilityBoundingSet') ?? '').split(/\s+/)),
    ambientCapabilities: capabilities((values.get('AmbientCapabilities') ?? '').split(/\s+/)),
    execStart: execArgv(values.get('ExecStart')),
    execStartExact: false,
  };
}

/** A capability set: `all` means every capability but those in `caps`; otherwise exactly `caps`. */
interface CapSet {
  readonly all: boolean;
  readonly caps: ReadonlySet<string>;
}

/**
 * One capability-set line applied as systemd's config_parse_capability_set does: the first line sets, later
 * lines OR in (or, with `~`, AND out), and an empty assignment resets to the empty set.
 */
function applyCaps(current: CapSet | undefined, value: string): CapSet {
  const v = value.trim();
  if (v === '') return { all: false, caps: new Set() };
  const invert = v.startsWith('~');
  const listed = new Set((invert ? v.slice(1) : v).trim().toLowerCase().split(/\s+/).filter((c) => c !== ''));
  if (!current) return invert ? { all: true, caps: listed } : { all: false, caps: listed };
  if (invert) {
    return current.all ? { all: true, caps: new Set([...current.caps, ...listed]) } : { all: false, caps: new Set([...current.caps].filter((c) => !listed.has(c))) };
  }
  return current.all ? { all: true, caps: new Set([...current.caps].filter((c) => !listed.has(c))) } : { all: false, caps: new Set([...current.caps, ...listed]) };
}

function capList(set: CapSet | undefined, unset: readonly string[]): string[] {
  if (!set) return [...unset];
  if (set.all) return [set.caps.size === 0 ? 'all' : `all but ${[...set.caps].sort().join(' ')}`];
  return [...set.caps].sort();
}

/**
 * Parses unit files as `systemctl cat` prints them (the unit, then its drop-ins, each after a `# /path` line), or
 * the same files concatenated: the `[Service]` settings, later assignments winning.
 */
export function parseUnitFiles(unit: string, text: string): SystemdFacts {
  let section = '';
  const last = new Map<string, string>();
  let bounding: CapSet | undefined;
  let ambient: CapSet | undefined;
  let execStart: string[] | undefined;
  // Continuation lines end with a backslash.
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    if (section !== 'Service') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'CapabilityBoundingSet') bounding = applyCaps(bounding, value);
    else if (key === 'AmbientCapabilities') ambient = applyCaps(ambient, value);
    else if (key === 'ExecStart') execStart = value === '' ? undefined : unquoteExecStart(value);
    else last.set(key, value);
  }
  return {
    unit,
    user: last.get('User') ?? '',
    dynamicUser: yes(last.get('DynamicUser')),
    noNewPrivileges: yes(last.get('NoNewPrivileges')),
    protectSystem: ((): string => {
      const v = (last.get('ProtectSystem') ?? 'no').toLowerCase();
      return ['true', 'on', '1'].includes(v) ? 'yes' : ['false', 'off', '0'].includes(v) ? 'no' : v;
    })(),
    privateTmp: yes(last.get('PrivateTmp')) || last.get('PrivateTmp') === 'disconnected',
    capabilityBoundingSet: capList(bounding, ['all']),
    ambientCapabilities: capList(ambient, []),
    execStart,
    execStartExact: execStart !== undefined,
  };
}

// I/O ---------------------------------------------------------------------------------------------------------

const SHOWN = ['User', 'DynamicUser', 'NoNewPrivileges', 'ProtectSystem', 'PrivateTmp', 'CapabilityBoundingSet', 'AmbientCapabilities', 'ExecStart'];
const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];

function run(args: readonly string[], signal: AbortSignal | undefined): Promise<ProgramResult> {
  return runProgram('systemctl', args, { env: { SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0' }, signal });
}

/** The unit file and its drop-ins from the usual directories, for when systemctl cannot answer. */
export async function readUnitFiles(unit: string, dirs: readonly string[] = UNIT_DIRS): Promise<{ text: string; paths: string[] } | undefined> {
  const template = unit.includes('@') ? unit.replace(/@[^.]*\./, '@.') : undefined;
  let text = '';
  const paths: string[] = [];
  for (const name of [unit, template].filter((n): n is string => n !== undefined)) {
    for (const dir of dirs) {
      const path = join(dir, name);
      const content = await readTextFile(path).catch(() => undefined);
      if (content === undefined) continue;
      text += `\n${content}`;
      paths.push(path);
      break;
    }
    if (paths.length > 0) break;
  }
  if (paths.length === 0) return undefined;
  for (const dir of dirs) {
    for (const name of [unit, template].filter((n): n is string => n !== undefined)) {
      const dropins = join(dir, `${name}.d`);
      const files = (await readdir(dropins).catch(() => [] as string[])).filter((f) => f.endsWith('.conf')).sort();
      for (const f of files) {
        text += `\n${await readTextFile(join(dropins, f)).catch(() => '')}`;
        paths.push(join(dropins, f));
      }
    }
  }
  return { text, paths };
}

/**
 * The hardening of the service running `pid`: null when it is not a systemd service. `perUnit` shares the
 * systemctl answer between the processes of one unit (a run's host discovery passes one).
 */
export async function readSystemd(
  pid: number,
  perUnit: (unit: string, read: (signal?: AbortSignal) => Promise<HostValue<SystemdFacts | null>>) => Promise<HostValue<SystemdFacts | null>> = (_, read) => read(),
): Promise<HostValue<SystemdFacts | null>> {
  const cgroup = await readProcText(`/proc/${pid}/cgroup`);
  if (cgroup === undefined) return { known: false, reason: `cannot read /proc/${pid}/cgroup` };
  const unit = unitFromCgroup(cgroup);
  if (!unit) return { known: true, value: null, source: hostSource(`/proc/${pid}/cgroup`) };
  return perUnit(unit, (signal) => readUnit(unit, signal));
}

/** What systemd says of `unit` (systemctl show, else cat, else its unit files). */
export async function readUnit(unit: string, signal?: AbortSignal): Promise<HostValue<SystemdFacts | null>> {
  const shown = await run(['show', unit, '--no-pager', ...SHOWN.map((p) => `--property=${p}`)], signal);
  if (shown.ok && shown.stdout.includes('=')) {
    const value = parseSystemctlShow(unit, shown.stdout);
    // show joins the arguments with blanks: where a password may be among them, the unit's own ExecStart says which
    // words they were (systemctl cat, unquoted as systemd does).
    if (value.execStart && holdsSecretOption(value.execStart)) {
      const cat = await run(['cat', unit, '--no-pager'], signal);
      const execStart = cat.ok ? parseUnitFiles(unit, cat.stdout).execStart : undefined;
      if (execStart) return { known: true, value: { ...value, execStart, execStartExact: true }, source: hostSource(`systemctl show ${unit}; its ExecStart from systemctl cat ${unit}`) };
    }
    return { known: true, value, source: hostSource(`systemctl show ${unit}`) };
  }
  // A systemctl that gave no answer (past its time, cut short) is not asked again: its unit files are read instead.
  const cat = !shown.ok && shown.stopped ? shown : await run(['cat', unit, '--no-pager'], signal);
  if (cat.ok && cat.stdout.trim() !== '') return { known: true, value: parseUnitFiles(unit, cat.stdout), source: hostSource(`systemctl cat ${unit}`) };
  const stopped = !cat.ok && cat.stopped ? notRead(`the service ${unit}`, cat) : undefined;
  if (!cat.ok && cat.stopped === 'abandoned') return { known: false, reason: stopped! };
  const files = await readUnitFiles(unit);
  if (files) return { known: true, value: parseUnitFiles(unit, files.text), source: hostSource(files.paths.join(', ')) };
  return { known: false, reason: stopped ?? `the process runs in ${unit}, but neither systemctl nor its unit file could be read` };
}
