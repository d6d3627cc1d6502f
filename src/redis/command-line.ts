import type { HostFacts } from '../facts/host.ts';
import { effectiveConfig } from '../gather/conf/effective.ts';
import type { EffectiveConf } from '../gather/conf/effective.ts';
import { splitArgs } from '../gather/conf/split-args.ts';
import { parseConfText } from '../gather/conf/tokenize.ts';
import { lookupDirective } from './directives.ts';
import { SECRET_DIRECTIVES } from './secrets.ts';
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
export function unitNotServer(unit: readonly string[], host: HostFacts): string | undefined {
  const program = (unit[0] ?? '').split('/').pop() ?? '';
  const exe = host.process.exe.known ? host.process.exe.value.split('/').pop() : undefined;
  if (!SERVER_PROGRAM.test(program) && program !== exe) return `its systemd unit's ExecStart starts '${program.slice(0, 64)}', not the server itself`;
  if (unit.some((arg) => arg.includes('$'))) return "its systemd unit's ExecStart holds environment variables ($…) that systemd fills in";
  return undefined;
}

/**
 * The command line that started the server: its own when readable, else its systemd unit's ExecStart when that starts
 * the server itself ({@link unitNotServer}); else why it is unknown.
 */
export function startedWith(host: HostFacts): { args: readonly string[]; from: string } | { unknown: string } {
  const cmdline = host.process.cmdline;
  if (cmdline.length > 0 && !titleRewritten(cmdline)) return { args: cmdline, from: `the command line of process ${host.process.pid}` };
  const unit = host.systemd.known ? host.systemd.value?.execStart : undefined;
  const notServer = unit ? unitNotServer(unit, host) : undefined;
  if (unit && !notServer) return { args: unit, from: "the systemd unit's ExecStart" };
  const title = cmdline.length > 0 ? `set-proc-title replaced its arguments with the title '${cmdline[0]!.trim()}'` : 'its command line could not be read';
  const unitText = notServer ?? (host.systemd.known ? 'no systemd unit starts it' : `its systemd unit could not be read (${host.systemd.reason})`);
  return { unknown: `${title}, and ${unitText}` };
}

/** Directives whose lines may hold a password: `requirepass`…, `user app >pw`, `sentinel auth-pass m pw`. */
const HOLDS_SECRETS = new Set([...SECRET_DIRECTIVES, 'user', 'sentinel']);

/**
 * The arguments of an option as messages may quote them: never a password, and never another option's line (one
 * argument holding a newline, `"--port 1\nmasterauth pw"`, makes several lines: each is quoted alone, as `--line`).
 */
function shownArgs(name: string, line: string, given: readonly string[] | undefined): readonly string[] {
  if (HOLDS_SECRETS.has(name)) return [`--${name}`, '***'];
  return given ?? [`--${line}`];
}

/** One config line the server's arguments make, with the arguments it came from. */
export interface CommandLineOption {
  /** The directive as the config loader names it (lowercased; legacy names mapped: `slaveof` is `replicaof`). */
  readonly name: string;
  /** The config line, as the server's config loader reads it (`port 6380 `, `save "900" "1" `). */
  readonly line: string;
  /** The arguments it came from, as given (`--save`, `900`, `1`), for messages: a password's value is `***`. */
  readonly given: readonly string[];
}

export interface CommandLine {
  /** The config lines after the config file, in order: the server applies them over the file. */
  readonly options: readonly CommandLineOption[];
  /** `redis-server redis.conf -`: part of the configuration is read from standard input, which nobody sees later. */
  readonly fromStdin: boolean;
  /** The config text the server builds (`options` joined), as its loader reads it. */
  readonly text: string;
}

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
 * The configuration a server's arguments give, built as redis-server's main() builds it (redis@7.0.15 and
 * valkey src/server.c; the older ways per version, see {@link ArgvStyle}): the first argument, when it does not start
 * with `-`, is the config file; `--name` starts a line `name ` (the name is taken as written, so one argument
 * `"--port 6380"` is the line `port 6380`); every other argument is appended as a quoted value. The loader then
 * splits that text into lines and each line into words, as it does the config file, and applies it after the file.
 * `version` is the server's (`7.0.15`, `valkey-8.0.1`); unknown: as Redis 7.0.6+ and Valkey.
 */
export function commandLineOptions(args: readonly string[], version?: string): CommandLine {
  const style = argvStyle(version);
  const old = parseVersion(version);
  const checkRdbSkipped = old !== undefined && old.product !== 'valkey' && old.major === 6 && old.minor === 0;
  const built: { text: string; given: string[] }[] = [];
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
      const current = built.at(-1);
      // An argument before any option (`redis-server redis.conf extra`) makes a line of its own, which the server refuses.
      if (current) {
        current.text += `${repr(arg)} `;
        current.given.push(arg);
      } else built.push({ text: `${repr(arg)} `, given: [arg] });
      handled = true;
      continue;
    }
    if (checkRdbSkipped && arg === '--check-rdb') continue;
    const option = { text: `${arg.slice(2)} `, given: [arg] };
    built.push(option);
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
      option.text += '""';
      if (!last) handled = true;
    } else if (style === 'sentinel' && is('--sentinel') && nextIsOption) {
      handled = true;
    }
  }
  const text = built.map((b) => b.text).join('\n');
  const options: CommandLineOption[] = [];
  for (const b of built) {
    // A name holding a newline makes more than one line, as the loader splits the whole text at newlines.
    const lines = b.text.split('\n').map((raw) => raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '')).filter((line) => line !== '' && !line.startsWith('#'));
    for (const line of lines) {
      const words = splitArgs(line);
      const first = Array.isArray(words) ? words[0] : line.split(/[ \t]/)[0];
      if (first === undefined) continue;
      const lower = first.replace(/[A-Z]/g, (c) => c.toLowerCase());
      const name = lookupDirective(lower)?.name ?? lower;
      options.push({ name, line, given: shownArgs(name, line, lines.length > 1 ? undefined : b.given) });
    }
  }
  return { options, fromStdin, text };
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
