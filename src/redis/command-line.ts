import type { AclUser, SecretMap } from '../facts/live.ts';
import type { Fact, SecretDigest } from '../facts/source.ts';
import type { CommandLine, CommandLineOption, HostCommandLine, HostFacts, HostProcess, HostValue } from '../facts/host.ts';
import { effectiveConfig } from '../gather/conf/effective.ts';
import type { EffectiveConf } from '../gather/conf/effective.ts';
import { splitArgs } from '../gather/conf/split-args.ts';
import { parseConfText } from '../gather/conf/tokenize.ts';
import { canonicalName, clearPasswordOf, HOLDS_SECRETS, maskSecretWord, SECRET_DIRECTIVES } from './secrets.ts';
import { titleRewritten } from './process-title.ts';
import { parseVersion } from './version.ts';

/** The server programs an ExecStart may start directly. */
const SERVER_PROGRAM = /^(redis|valkey|keydb)-(server|sentinel)$/;

/**
 * Why a unit's ExecStart is not the server's own command line, or undefined when it is: a unit that starts a
 * supervisor, a shell or a wrapper script (`/usr/bin/supervisord -c …`, `/bin/sh -c …`) says nothing of the options
 * the server got, and `$OPTIONS` (an EnvironmentFile's) may stand for options that redfort does not see. A `%i`
 * specifier only changes a word (`/etc/redis/redis-%i.conf` of Debian's redis-server@.service), not which options.
 */
export function unitNotServer(unit: readonly string[], host: { readonly process: Pick<HostProcess, 'exe'> }): string | undefined {
  const program = (unit[0] ?? '').split('/').pop() ?? '';
  const exe = host.process.exe.known ? host.process.exe.value.split('/').pop() : undefined;
  if (!SERVER_PROGRAM.test(program) && program !== exe) return `its systemd unit's ExecStart starts '${program.slice(0, 64)}', not the server itself`;
  if (unit.some((arg) => arg.includes('$'))) return "its systemd unit's ExecStart holds environment variables ($…) that systemd fills in";
  return undefined;
}

/**
 * The command line that started the server, as read (before its secrets are masked): its own when readable, else its
 * systemd unit's ExecStart when that starts the server itself ({@link unitNotServer}); else why it is unknown.
 */
function startedWith(process: Pick<HostProcess, 'cmdline' | 'pid' | 'exe'>, systemd: HostFacts['systemd']): { args: readonly string[]; from: string; unit: boolean; exact: boolean } | { unknown: string } {
  const cmdline = process.cmdline;
  if (cmdline.length > 0 && !titleRewritten(cmdline)) return { args: cmdline, from: `the command line of process ${process.pid}`, unit: false, exact: true };
  const unit = systemd.known ? systemd.value?.execStart : undefined;
  const notServer = unit ? unitNotServer(unit, { process }) : undefined;
  if (unit && !notServer) return { args: unit, from: "the systemd unit's ExecStart", unit: true, exact: systemd.known && systemd.value?.execStartExact === true };
  const title = cmdline.length > 0 ? `set-proc-title replaced its arguments with the title '${cmdline[0]!.trim()}'` : 'its command line could not be read';
  const unitText = notServer ?? (systemd.known ? 'no systemd unit starts it' : `its systemd unit could not be read (${systemd.reason})`);
  return { unknown: `${title}, and ${unitText}` };
}

/**
 * The arguments of an option as messages may quote them: never a password, and never another option's line (one
 * argument holding a newline, `"--port 1\nmasterauth pw"`, makes several lines: each is quoted alone, as `--line`).
 */
function shownArgs(name: string, line: string, given: readonly string[] | undefined): readonly string[] {
  if (HOLDS_SECRETS.has(name)) return [`--${name}`, '***'];
  return given ?? [`--${line}`];
}

export type { CommandLine, CommandLineOption } from '../facts/host.ts';

/**
 * How a version's main() reads an argument that starts with `--` right after an option name that has no value yet:
 * - `each`: it starts the next option (Redis 7.0.0 and before);
 * - `value`: it is that option's value (7.0.1, #10660: `--masterauth --secret--`);
 * - `split`: also, one argument holding the name and its value (`"--port 6380"`) has its value, and a `--save`
 *   followed by an option (or last) is `save ""` (7.0.3);
 * - `sentinel`: also, `--sentinel` followed by an option takes no value (7.0.6). Redis 7.2+, 8.x and every Valkey.
 */
type ArgvStyle = 'each' | 'value' | 'split' | 'sentinel';

function argvStyle(version: string | undefined): ArgvStyle {
  const v = parseVersion(version);
  // Unknown: today's behaviour, as Valkey and Redis 7.0.6+ have it.
  if (!v || v.product === 'valkey' || v.minor === undefined) return 'sentinel';
  if (v.major !== 7 || v.minor !== 0) return v.major < 7 ? 'each' : 'sentinel';
  const patch = v.patch ?? 6;
  return patch === 0 ? 'each' : patch <= 2 ? 'value' : patch <= 5 ? 'split' : 'sentinel';
}

/** `sdscatrepr` (src/sds.c): an argument as a quoted C string, bytes outside printable ASCII as `\xHH`. */
function repr(arg: string): string {
  let out = '"';
  for (const c of arg) {
    if (c === '\\' || c === '"') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\x07') out += '\\a';
    else if (c === '\b') out += '\\b';
    else if (c >= ' ' && c <= '~') out += c;
    else for (const b of Buffer.from(c, 'utf8')) out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

/**
 * One config line main() builds from the arguments: the argument `--name` that starts it (undefined for arguments
 * before any option, which make a line of their own), the `""` it adds to an empty `--save`, and the arguments it
 * appends quoted as values, by index.
 */
interface ReadOption {
  readonly name: number | undefined;
  empty: boolean;
  readonly values: number[];
}

/**
 * How redis-server's main() reads its arguments (redis@7.0.15 and valkey src/server.c; the older ways per version, see
 * {@link ArgvStyle}): the first argument, when it does not start with `-`, is the config file; `--name` starts a line
 * `name ` (the name is taken as written, so one argument `"--port 6380"` is the line `port 6380`); every other
 * argument is appended as a quoted value. Which argument belongs to which line, so that the lines can be made of the
 * arguments as given, or of them redacted ({@link redactArgs}), with the same reading.
 */
function readArgs(args: readonly string[], version: string | undefined): { read: ReadOption[]; fromStdin: boolean } {
  const style = argvStyle(version);
  const old = parseVersion(version);
  const checkRdbSkipped = old !== undefined && old.product !== 'valkey' && old.major === 6 && old.minor === 0;
  const read: ReadOption[] = [];
  let fromStdin = false;
  let j = args.length > 1 && !args[1]!.startsWith('-') ? 2 : 1;
  let handled = true;
  for (; j < args.length; j++) {
    const arg = args[j]!;
    const last = j === args.length - 1;
    if (arg === '-' && (j === 1 || last)) {
      fromStdin = true;
      continue;
    }
    const optionName = arg.startsWith('--') && (style === 'each' || handled);
    if (!optionName) {
      const current = read.at(-1);
      // An argument before any option (`redis-server redis.conf extra`) makes a line of its own, which the server refuses.
      if (current) current.values.push(j);
      else read.push({ name: undefined, empty: false, values: [j] });
      handled = true;
      continue;
    }
    if (checkRdbSkipped && arg === '--check-rdb') continue;
    const option: ReadOption = { name: j, empty: false, values: [] };
    read.push(option);
    if (style === 'each') continue;
    if (style === 'value') {
      handled = false;
    } else {
      const words = splitArgs(arg);
      // One word: a name alone (`--port`, `"--port "`), whose value comes next. Two or more (`"--port 6380"`), or
      // quotes the server cannot split: the option is complete.
      handled = !(Array.isArray(words) && words.length === 1);
    }
    if (handled || style === 'value') continue;
    const next = args[j + 1];
    const nextIsOption = !last && next!.startsWith('--');
    const is = (name: string) => arg.toLowerCase() === name;
    if (is('--save') && (nextIsOption || last)) {
      option.empty = true;
      if (!last) handled = true;
    } else if (style === 'sentinel' && is('--sentinel') && nextIsOption) {
      handled = true;
    }
  }
  return { read, fromStdin };
}

/** The text main() appends for one option, made of `args` (as given, or redacted). */
function optionText(option: ReadOption, args: readonly string[]): string {
  let text = option.name === undefined ? '' : `${args[option.name]!.slice(2)} `;
  if (option.empty) text += '""';
  for (const v of option.values) text += `${repr(args[v]!)} `;
  return text;
}

/** The config lines of options read from `args`, and the text the loader reads. */
function optionsOf(read: readonly ReadOption[], args: readonly string[], fromStdin: boolean): CommandLine {
  const texts = read.map((o) => optionText(o, args));
  const options: CommandLineOption[] = [];
  read.forEach((o, i) => {
    // A name holding a newline makes more than one line, as the loader splits the whole text at newlines.
    const lines = texts[i]!.split('\n').map((raw) => raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '')).filter((line) => line !== '' && !line.startsWith('#'));
    const given = [...(o.name === undefined ? [] : [args[o.name]!]), ...o.values.map((v) => args[v]!)];
    for (const line of lines) {
      const words = splitArgs(line);
      const first = Array.isArray(words) ? words[0] : line.split(/[ \t]/)[0];
      if (first === undefined) continue;
      const name = canonicalName(first);
      options.push({ name, line, given: shownArgs(name, line, lines.length > 1 ? undefined : given) });
    }
  });
  return { options, fromStdin, text: texts.join('\n') };
}

/** A line's first word as the config loader names the directive (lowercased; `slaveof` is `replicaof`). */
/**
 * The configuration a server's arguments give, built as redis-server's main() builds it ({@link readArgs}); the
 * loader then splits that text into lines and each line into words, as it does the config file, and applies it after
 * the file. `version` is the server's (`7.0.15`, `valkey-8.0.1`); unknown: as Redis 7.0.6+ and Valkey.
 */
export function commandLineOptions(args: readonly string[], version?: string): CommandLine {
  const { read, fromStdin } = readArgs(args, version);
  return optionsOf(read, args, fromStdin);
}

/** The words of a line as the loader splits it; a line it cannot split (an open quote) at blanks. */
function wordsOf(line: string): string[] {
  const words = splitArgs(line);
  return Array.isArray(words) ? words : line.trim().split(/[ \t\r\n]+/).filter((w) => w !== '');
}

/** A word as a config line may hold it: bare when it can be, else quoted. */
function lineWord(word: string): string {
  return /^[^\s"'\\]+$/.test(word) ? word : repr(word);
}

/** Whether the word at `index` of a line whose words are `words` is a secret: its masked form (`***`, `>***`). */
function secretWord(words: readonly string[], index: number): string | undefined {
  return maskSecretWord(words, index, '***');
}

/** One line of an argument `--name values` with its secret words masked (the line rebuilt from its words). */
function redactLine(line: string): string {
  const words = splitArgs(line);
  if (!Array.isArray(words)) {
    // Quotes the loader cannot split (it refuses the line): nothing after the name is shown.
    const head = /^\s*\S+/.exec(line)?.[0] ?? '';
    const name = canonicalName(head.trim());
    return HOLDS_SECRETS.has(name) && line.trim().length > head.trim().length ? `${head} ***` : line;
  }
  const masked = words.map((w, i) => secretWord(words, i));
  if (masked.every((m) => m === undefined)) return line;
  const head = /^\s*\S+/.exec(line)![0];
  if (SECRET_DIRECTIVES.has(canonicalName(words[0]!))) return `${head} ***`;
  return [head, ...words.slice(1).map((w, i) => lineWord(masked[i + 1] ?? w))].join(' ');
}

/**
 * The arguments with every secret masked (`***`, `>***` for a `--user` password), read as the server of `version`
 * reads them ({@link readArgs}): the value of `--requirepass` is the argument after it even when it starts with `--`
 * on 7.0.1+ (`--requirepass --S3cret--`), and a new option on 7.0.0 and before; one argument may hold the name, its
 * values and other lines (`"--port 1\nrequirepass pw"`); a `--user` argument may hold several rules (`"bob on >pw"`).
 * Masked words stay words, so the arguments are read the same way after.
 */
export function redactArgs(args: readonly string[], version?: string): string[] {
  return maskArgs(readArgs(args, version).read, args);
}

/** {@link redactArgs} of arguments already read. */
function maskArgs(read: readonly ReadOption[], args: readonly string[]): string[] {
  const out = [...args];
  for (const option of read) {
    const lines = option.name === undefined ? [''] : args[option.name]!.slice(2).split('\n');
    if (option.name !== undefined) {
      const masked = lines.map(redactLine);
      if (masked.some((m, i) => m !== lines[i])) out[option.name] = `--${masked.join('\n')}`;
    }
    // The values extend the option's last line: `--sentinel auth-pass m` then `pw` is the line's fourth word.
    const head = wordsOf(lines.at(-1)!);
    const words = [...head, ...(option.empty ? [''] : []), ...option.values.map((v) => args[v]!)];
    option.values.forEach((v, k) => {
      const masked = secretWord(words, words.length - option.values.length + k);
      if (masked !== undefined) out[v] = masked;
    });
  }
  return out;
}

/**
 * The configuration a server's arguments give (its `--` options alone, not its config file's), as the config loader
 * ends up with it: settings in `CONFIG GET` form, users of `--user` options. `args` is the command line, or what
 * {@link commandLineOptions} made of it; `from` names it in sources and errors. Throws as the loader refuses (a
 * ConfigParseError).
 */
export function commandLineConfig(args: readonly string[] | CommandLine, version: string | undefined, from: string): EffectiveConf {
  const { text } = 'text' in args ? args : commandLineOptions(args, version);
  return effectiveConfig({ directives: parseConfText(text, from), files: [], warnings: [] }, version ? { version } : {});
}

/**
 * The options the server was started with, read once by the host stage from its arguments as read (`process.cmdline`
 * and the unit's `execStart` before masking), as the server of `version` reads them: the config lines they make and
 * the text the loader reads, with every password masked ({@link redactArgs}), and the users of `--user` options with
 * their passwords as digests. A systemd unit's `--user` options are read when its ExecStart was unquoted as systemd
 * does (`execStartExact`), not from `systemctl show`'s arguments joined with blanks.
 */
export function hostCommandLine(process: Pick<HostProcess, 'cmdline' | 'pid' | 'exe'>, systemd: HostFacts['systemd'], version: string | undefined): HostCommandLine {
  const started = startedWith(process, systemd);
  if ('unknown' in started) return { known: false, reason: started.unknown };
  const { args, from } = started;
  const { read, fromStdin } = readArgs(args, version);
  const masked = maskArgs(read, args);
  const redacted = optionsOf(read, masked, fromStdin);
  // Which options give a password in clear text, told from the lines as given (the masked ones all say `***`, an
  // empty `--requirepass ""` too); the two lists are the same lines, masking keeps every word a word. Should they
  // not be, every option that may hold a password counts as one: never a pass on what cannot be told.
  const real = optionsOf(read, args, fromStdin).options;
  const aligned = real.length === redacted.options.length;
  const options = redacted.options.map((o, i) => {
    const gives = aligned ? clearPasswordOf(wordsOf(real[i]!.line)) : HOLDS_SECRETS.has(o.name) ? o.name : undefined;
    return gives === undefined ? o : { ...o, clearPassword: gives };
  });
  const shown = { ...redacted, options };
  const source = { kind: 'host' as const, detail: from };
  const users = ((): HostValue<readonly AclUser[]> => {
    if (!shown.options.some((o) => o.name === 'user')) return { known: true, value: [], source };
    if (started.unit && !started.exact) return { known: false, reason: "the passwords of its --user options are not read from `systemctl show`, which joins the unit's arguments with blanks, and its unit file could not be read" };
    try {
      return { known: true, value: commandLineConfig(optionsOf(read, args, fromStdin), version, from).users, source };
    } catch {
      // Why is told of the masked text, by whoever loads it (the command-line enricher): never of the passwords.
      return { known: false, reason: 'its --user options could not be read' };
    }
  })();
  const secrets = ((): HostValue<SecretMap> => {
    if (!shown.options.some((o) => SECRET_DIRECTIVES.has(o.name))) return { known: true, value: new Map(), source };
    if (started.unit && !started.exact) return { known: false, reason: "the passwords of its options are not read from `systemctl show`, which joins the unit's arguments with blanks, and its unit file could not be read" };
    try {
      const digests = commandLineConfig(optionsOf(read, args, fromStdin), version, from).secrets;
      // Only what the options give: the loader fills the others with their compiled defaults.
      const given = new Map<string, Fact<SecretDigest>>();
      for (const [name, fact] of digests) if (fact.source.kind !== 'default') given.set(name, { value: fact.value, source: { kind: 'host', detail: `${from} (--${name})` } });
      return { known: true, value: given, source };
    } catch {
      return { known: false, reason: 'its password options could not be read' };
    }
  })();
  return { known: true, from, ...(started.unit ? { fromUnit: true as const } : {}), ...shown, users, secrets };
}
