import { isIPv4, isIPv6 } from 'node:net';
import type { DirectiveSpec, ServerVersion } from '../../redis/directives.ts';
import { followsRedis6, MAX_BIND_ADDRESSES, valkey8, valueInVersion } from '../../redis/directives.ts';
import type { VersionKey } from '../../redis/directives.ts';
import { atoi, formatPercentile, memtoll6, memtoull, string2ll, strtoll } from './c-numbers.ts';
import { quotedArg, refuse, wrongArgs } from './conf-errors.ts';
import { asciiLower, holdsSecret } from './tokenize.ts';

export function parseBool(arg: string, spec: DirectiveSpec): string {
  const lower = asciiLower(arg);
  if (lower !== 'yes' && lower !== 'no') refuse(`'${spec.name}': argument must be 'yes' or 'no', got ${quotedArg(arg)}`);
  return lower;
}

/** `key`: the line whose names alone are taken (undefined: every line's, the version unknown or not judged). */
export function parseEnum(args: readonly string[], spec: DirectiveSpec, key?: VersionKey): string {
  const values: Record<string, string> = {};
  for (const [name, canonical] of Object.entries(spec.values!)) if (key === undefined || valueInVersion(spec, name, key)) values[name] = canonical;
  const names = Object.keys(values);
  const oneOf = `argument(s) must be one of the following: ${names.join(', ')}`;
  if (!spec.bitflags) {
    if (args.length !== 1) refuse(wrongArgs(spec.name, args, 'exactly one argument'));
    const canonical = values[asciiLower(args[0]!)];
    if (canonical === undefined) refuse(`'${spec.name}': ${oneOf}; got ${quotedArg(args[0]!)}`);
    return canonical;
  }
  // cluster-slot-stats-enabled (Redis 8.6: cpu, net, mem; yes is all three, no none): CONFIG GET says yes for all.
  if (!('default' in values)) return slotStats(args, values, oneOf, spec.name);
  // shutdown-on-sig*: flags; CONFIG GET lists the set ones in table order, `default` alone for none.
  if (args.length === 0) refuse(`'${spec.name}': ${oneOf}`);
  const chosen = new Set<string>();
  for (const a of args) {
    const canonical = values[asciiLower(a)];
    if (canonical === undefined) refuse(`'${spec.name}': ${oneOf}; got ${quotedArg(a)}`);
    if (canonical !== 'default') chosen.add(canonical);
  }
  if (chosen.has('save') && chosen.has('nosave')) {
    refuse(`'${spec.name}': shutdown options SAVE and NOSAVE can't be used simultaneously`);
  }
  return chosen.size === 0 ? 'default' : names.filter((n) => chosen.has(n)).join(' ');
}

function slotStats(args: readonly string[], values: Readonly<Record<string, string>>, oneOf: string, name: string): string {
  if (args.length === 0) refuse(`'${name}': ${oneOf}`);
  const chosen = new Set<string>();
  for (const a of args) {
    const canonical = values[asciiLower(a)];
    if (canonical === undefined) refuse(`'${name}': ${oneOf}; got ${quotedArg(a)}`);
    if (canonical === 'yes') for (const part of ['cpu', 'net', 'mem']) chosen.add(part);
    else if (canonical !== 'no') chosen.add(canonical);
  }
  if (chosen.size === 0) return 'no';
  if (chosen.size === 3) return 'yes';
  return ['cpu', 'net', 'mem'].filter((n) => chosen.has(n)).join(' ');
}

const BASENAME_ONLY: Readonly<Record<string, string>> = {
  dbfilename: "dbfilename can't be a path, just a filename",
  appendfilename: "appendfilename can't be a path, just a filename",
  appenddirname: "appenddirname can't be a path, just a dirname",
};

/** What a string's check may depend on: the version, and what the lines before it set (`proc-title-template`). */
export interface StringContext {
  readonly version: ServerVersion;
  /** The value a directive has so far (from an earlier line), or undefined. */
  readonly valueSoFar: (name: string) => string | undefined;
  readonly sentinel: boolean;
}

/** The `is_valid_fn` checks of config.c's string configs (redis@7.2.6:src/config.c:2345-2420, valkey@8.0.1:2303-2411). */
export function parseString(arg: string, spec: DirectiveSpec, context: StringContext): string {
  const { version } = context;
  const six = followsRedis6(version);
  const pathError = BASENAME_ONLY[spec.name];
  if (pathError !== undefined) {
    // 6.x takes an empty appendfilename; Valkey 8 refuses an empty dbfilename too.
    const emptyRefused = spec.name === 'dbfilename' ? valkey8(version) : spec.name !== 'appendfilename' || !six;
    if (arg === '' && emptyRefused) refuse(`${spec.name} can't be empty`);
    if (arg.includes('/') || arg.includes('\\')) refuse(`${pathError} (got ${quotedArg(arg)})`);
  }
  if (spec.name === 'cluster-config-file' && arg === '' && valkey8(version)) refuse("cluster-config-file can't be empty");
  if (spec.name === 'cluster-announce-hostname') {
    if (Buffer.byteLength(arg) >= 256) refuse('Hostnames must be less than 256 characters');
    if (!/^[A-Za-z0-9.-]*$/.test(arg)) refuse(`Hostnames may only contain alphanumeric characters, hyphens or dots (got ${quotedArg(arg)})`);
  }
  // Redis 7.2+'s isValidAuxChar refuses ':' too (redis@7.4.1:src/cluster.c:736); Valkey 8's does not
  // (valkey@8.0.1:src/cluster.c:752-763): valkey-server 8.0.1 starts with `cluster-announce-human-nodename "x:y"`.
  const invalid = valkey8(version) ? /[!#$%&()*+;<>?@[\]^{|}~]/ : /[!#$%&()*+:;<>?@[\]^{|}~]/;
  if (spec.name === 'cluster-announce-human-nodename' && invalid.test(arg)) {
    refuse(`Announced human node name contained invalid character (got ${quotedArg(arg)})`);
  }
  // Valkey 8's isValidIpV4/isValidIpV6: inet_pton (no zone index) or empty (valkey@8.0.1:src/config.c:2386).
  if (spec.name === 'cluster-announce-client-ipv4' && arg !== '' && !isIPv4(arg)) refuse(`Invalid IPv4 address (got ${quotedArg(arg)})`);
  if (spec.name === 'cluster-announce-client-ipv6' && arg !== '' && (!isIPv6(arg) || arg.includes('%'))) refuse(`Invalid IPv6 address (got ${quotedArg(arg)})`);
  if (spec.name === 'proc-title-template' && !validProcTitleTemplate(arg, context)) {
    refuse(`template format is invalid or contains unknown variables (got ${quotedArg(arg)}): it must expand to something besides blanks`);
  }
  return arg;
}

/**
 * `validateProcTitleTemplate` (redis@7.2.6:src/server.c:6886): the template expanded by `sdstemplate` with an empty
 * title must give more than blanks; an unknown `{variable}`, an unclosed `{` or a `{` at the end is refused (`{{` is a
 * literal `{`). The variables take what the server has when it reads the line.
 */
function validProcTitleTemplate(template: string, context: StringContext): boolean {
  const cluster = context.valueSoFar('cluster-enabled') === 'yes';
  const variables: Readonly<Record<string, string>> = {
    title: '',
    'listen-addr': 'x',
    'server-mode': cluster || context.sentinel ? 'x' : '',
    'config-file': 'x',
    port: '0',
    'tls-port': '0',
    unixsocket: context.valueSoFar('unixsocket') ?? '',
  };
  let out = '';
  let p = 0;
  while (p < template.length) {
    const open = template.indexOf('{', p);
    if (open < 0) {
      out += template.slice(p);
      break;
    }
    out += template.slice(p, open);
    if (open + 1 >= template.length) return false;
    if (template[open + 1] === '{') {
      out += '{';
      p = open + 2;
      continue;
    }
    const close = template.indexOf('}', open + 1);
    if (close < 0) return false;
    const value = variables[template.slice(open + 1, close)];
    if (value === undefined || !Object.hasOwn(variables, template.slice(open + 1, close))) return false;
    out += value;
    p = close + 1;
  }
  return out.replace(/^ +| +$/g, '') !== '';
}

/** `numericParseString` + `numericBoundaryCheck` (redis@7.0.15:src/config.c:2076-2166). */
export function parseNumber(arg: string, spec: DirectiveSpec, six = false): string {
  const shown = holdsSecret(spec.name, []) ? '' : ` (got ${quotedArg(arg)})`;
  let ll: bigint | undefined;
  if (spec.memory && six) {
    // 6.x: memtoll, and a negative value is no memory value (redis@6.2.16:src/config.c:2026).
    const v = memtoll6(arg);
    if (v !== undefined && v >= 0n) ll = v;
  } else if (spec.memory) {
    const v = memtoull(arg);
    if (v !== undefined) ll = BigInt.asIntN(64, v);
  }
  if (ll === undefined && spec.percent && arg.length > 1 && arg.endsWith('%')) {
    const v = string2ll(arg.slice(0, -1));
    if (v !== undefined && v >= 0n) ll = -v;
  }
  if (ll === undefined && spec.octal) {
    const r = strtoll(arg, 8);
    if (!r.overflow && r.rest === '') ll = r.value;
  }
  if (ll === undefined && !spec.memory && !spec.percent && !spec.octal) ll = string2ll(arg);
  if (ll === undefined) {
    const what =
      spec.memory && spec.percent
        ? 'a memory or percent value'
        : spec.memory
          ? 'a memory value (a number with an optional unit b, k, kb, m, mb, g, gb)'
          : spec.octal
            ? 'an octal number'
            : 'an integer';
    return refuse(`'${spec.name}': argument must be ${what}${shown}`);
  }

  const min = BigInt(spec.min!);
  const max = BigInt(spec.max!);
  const range = spec.octal
    ? `between ${min.toString(8)} and ${max.toString(8)}`
    : `between ${min} and ${max}`;
  if (spec.unsigned) {
    const u = BigInt.asUintN(64, ll);
    if (u > max || u < min) refuse(`'${spec.name}': argument must be ${range} inclusive${shown}`);
  } else if (spec.percent && ll < 0n) {
    if (ll < min) refuse(`'${spec.name}': percentage argument must be less or equal to ${-min}${shown}`);
  } else if (ll > max || ll < min) {
    refuse(`'${spec.name}': argument must be ${range} inclusive${shown}`);
  }

  if (spec.percent && ll < 0n) return `${-ll}%`;
  if (spec.memory) return BigInt.asUintN(64, ll).toString();
  if (spec.octal) return ll.toString(8);
  return ll.toString();
}

/**
 * 6.x's own reader of `unixsocketperm` (redis@6.2.16:src/config.c:462, 6.0.20:435): `strtol(arg, NULL, 8)` as a
 * `mode_t`, refused on overflow or above 0777; what follows the octal digits is ignored, and no digits is 0 (live
 * 6.0.20 and 6.2.16 answer `38` as 3, `1.5` as 1, `9` as 0). CONFIG GET shows it in octal.
 */
export function parseUnixSocketPerm6(arg: string): string {
  const r = strtoll(arg, 8);
  // mode_t is 32 bits unsigned: a negative value is above 0777.
  const mode = BigInt.asUintN(32, r.value);
  if (r.overflow || mode > 0o777n) refuse(`Invalid socket file permissions (got ${quotedArg(arg)})`);
  return mode.toString(8);
}

/**
 * `setConfigSaveOption` (7.0+) or the 6.x special case (redis@6.2.16:src/config.c:468), which silently
 * ignores lines that are neither one pair nor `save ""`.
 */
export function applySave(
  args: readonly string[],
  state: { six: boolean; first: boolean; points: string[] },
): { ignored: boolean } {
  const points = state.points;
  if (state.first) points.length = 0;
  if (state.six) {
    if (args.length === 2) {
      const seconds = atoi(args[0]!);
      const changes = atoi(args[1]!);
      if (seconds < 1 || changes < 0) refuse('Invalid save parameters');
      points.push(`${seconds} ${changes}`);
      return { ignored: false };
    }
    if (args.length === 1 && args[0] === '') {
      points.length = 0;
      return { ignored: false };
    }
    return { ignored: true };
  }
  let list = args;
  if (list.length === 1 && list[0] === '') {
    points.length = 0;
    list = [];
  }
  if (list.length % 2 === 1) refuse(invalidSave(args));
  const pairs: string[] = [];
  for (let j = 0; j < list.length; j += 2) {
    const seconds = strtoll(list[j]!);
    const changes = strtoll(list[j + 1]!);
    if (seconds.rest !== '' || seconds.value < 1n || changes.rest !== '' || changes.value < 0n) {
      refuse(invalidSave(args));
    }
    // `changes` is an int in the server.
    pairs.push(`${seconds.value} ${BigInt.asIntN(32, changes.value)}`);
  }
  for (const pair of pairs) points.push(pair);
  return { ignored: false };
}

function invalidSave(args: readonly string[]): string {
  const hint = args.some((a) => a.startsWith('#'))
    ? ": redis.conf has no inline comments (the '#' and every word after it are read as more arguments)"
    : ': save takes <seconds> <changes> pairs, seconds >= 1 and changes >= 0';
  return `Invalid save parameters${hint}`;
}

export function parseBind(args: readonly string[]): string {
  if (args.length > MAX_BIND_ADDRESSES) refuse(`Too many bind addresses specified (at most ${MAX_BIND_ADDRESSES})`);
  if (args.length === 1 && args[0] === '') return '';
  return args.join(' ');
}

/**
 * Why the addresses of the last `bind` line cannot be listened on: an inline comment (`bind 127.0.0.1 # local`)
 * read as more addresses (live 7.2.6: "Could not create server TCP listening socket #:6379", then it exits), or a `#`
 * within an address (`bind 127.0.0.1#x`, `-127.0.0.1#x`: getaddrinfo knows no such name, and live 6.0.20 to 8.0-m01,
 * 7.0.15 and Valkey 8.0.1 exit, `-` or not). Only the last line counts: a later `bind` replaces it, and the server
 * starts. Only when the server listens on TCP at all (see effective.ts: not with `port 0` and no `tls-port`).
 */
export function bindCommentProblem(args: readonly string[], options: { readonly six?: boolean; readonly release?: string; readonly beforeOptional?: boolean } = {}): string | undefined {
  const comment = args.find((a) => a.startsWith('#'));
  if (comment !== undefined) {
    return (
      `bind address ${quotedArg(comment)} is not an address: redis.conf has no inline comments, so the '#' and every ` +
      `word after it are read as more addresses (redis-server fails to listen and exits once it has read the file)`
    );
  }
  // An empty word: 7.0 and later read `bind ""` alone as no address (no TCP listener, redis@7.0.15 config.c
  // setConfigBindOption); 6.x as one empty address, as every release reads an empty word among others. Live 6.0.20,
  // 6.2.16, 7.0.15 and 7.2.6 ('Could not create server TCP listening socket :PORT: Name or service not known', exit 1).
  if (args.includes('') && (args.length > 1 || options.six === true)) {
    const how = args.length > 1 ? 'an empty word among the addresses' : `${options.release ?? 'Redis 6.x'} reads \`bind ""\` as one empty address (7.0 and later as none)`;
    return `bind address '' is not an address: ${how}; redis-server cannot resolve it ('Name or service not known'), fails to listen and exits once it has read the file`;
  }
  const hashed = args.find((a) => a.includes('#'));
  if (hashed !== undefined) {
    return (
      `bind address ${quotedArg(hashed)} is not an address: no host name or IP address holds a '#' ` +
      `(redis-server cannot resolve it, fails to listen and exits once it has read the file)`
    );
  }
  // A network written where an address goes (`bind 127.0.0.0/8`, `bind 10.0.0.0/8 127.0.0.1`, meaning "allow this
  // network"): live 7.0.15 'Could not create server TCP listening socket 127.0.0.0/8:PORT: Name or service not known'
  // and exits, with a '-' prefix or beside a good address too (QA44-2). No host name or address holds a '/'.
  const network = args.find((a) => a.includes('/'));
  if (network !== undefined) {
    return (
      `bind address ${quotedArg(network)} is not an address: bind names the addresses to listen on, not networks ` +
      `allowed to connect, and no host name or IP address holds a '/' (redis-server cannot resolve it ('Name or ` +
      `service not known'), fails to listen and exits once it has read the file)`
    );
  }
  // The '-' of an optional address came with 6.2 (`bind * -::*`): 6.0 looks the word up as a host name. Live 6.0.20:
  // `bind 127.0.0.1 -::1` and `bind -127.0.0.1` 'Could not create server TCP listening socket -::1:PORT: Name or
  // service not known', exit 1 (`bind *` listens on 0.0.0.0 there).
  const optional = options.beforeOptional === true ? args.find((a) => a.startsWith('-')) : undefined;
  if (optional !== undefined) {
    return `bind address ${quotedArg(optional)} is not an address for ${options.release ?? 'Redis 6.0'}: the '-' prefix of an optional address came with 6.2, and 6.0 cannot resolve the word ('Name or service not known'), fails to listen and exits once it has read the file`;
  }
  return unlistenable(args, options.beforeOptional === true);
}

/** One bind word as the server listens on it: its family, and its address (normalized) or the wildcard. */
type Listen = { readonly word: string; readonly family: 4 | 6; readonly address: string | '*' };

/**
 * Addresses redis-server cannot listen on, alone or together (QA37-4), checked on live 6.0.20, 6.2.16, 7.0.15,
 * 8.6.3 and Valkey 9.1.2, each exiting once it has read the file ('Could not create server TCP listening socket …',
 * then 'Failed listening on port …, aborting'), a word's '-' (optional, 6.2+) or not:
 * - a word with ':' that is no IPv6 address (`0.0.0.0:6379`, `[::1]:6379`, `localhost:6379`; `::*` before 6.2): the
 *   server reads it as an IPv6 host and cannot resolve it ('Name or service not known');
 * - an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`): the server listens on IPv6 only there ('bind: Invalid argument');
 * - a wildcard (`0.0.0.0` or `*`; `::` or `::*`) beside another address of its family, or one address twice: the
 *   first takes the port, the second cannot ('Address already in use'; Redis sets SO_REUSEADDR, not SO_REUSEPORT).
 * Host names are left alone: what they resolve to is the server's machine's.
 */
function unlistenable(args: readonly string[], before62: boolean): string | undefined {
  const exits = 'redis-server fails to listen and exits once it has read the file';
  const listens: Listen[] = [];
  for (const arg of args) {
    const word = arg.startsWith('-') && !before62 ? arg.slice(1) : arg;
    if (word === '*') listens.push({ word: arg, family: 4, address: '*' });
    else if (word === '::*' && !before62) listens.push({ word: arg, family: 6, address: '*' });
    else if (isIPv4(word)) listens.push({ word: arg, family: 4, address: word === '0.0.0.0' ? '*' : word });
    else if (word.includes(':')) {
      const [ip, zone] = word.split('%', 2) as [string, string | undefined];
      if (!isIPv6(ip)) {
        return `bind address ${quotedArg(arg)} is not an address: a word with ':' is read as an IPv6 address, and this is none (an address and its port? the port is \`port\`'s); redis-server cannot resolve it ('Name or service not known'), fails to listen and exits once it has read the file`;
      }
      const normal = new URL(`http://[${ip}]`).hostname.slice(1, -1);
      if (/^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(normal)) {
        return `bind address ${quotedArg(arg)} is an IPv4-mapped IPv6 address: redis-server listens on IPv6 only there and cannot listen on it ('bind: Invalid argument'), so ${exits}: give the IPv4 address itself`;
      }
      listens.push({ word: arg, family: 6, address: normal === '::' ? '*' : `${normal}${zone === undefined ? '' : `%${zone}`}` });
    }
  }
  for (const [i, a] of listens.entries()) {
    const clash = listens.slice(0, i).find((b) => b.family === a.family && (b.address === '*' || a.address === '*' || b.address === a.address));
    if (clash === undefined) continue;
    const family = a.family === 4 ? 'IPv4' : 'IPv6';
    const why = clash.address === a.address && a.address !== '*' ? `${quotedArg(a.word)} repeats ${quotedArg(clash.word)}` : `${quotedArg((clash.address === '*' ? clash : a).word)} is every ${family} address`;
    return `bind addresses ${quotedArg(clash.word)} and ${quotedArg(a.word)} cannot both be listened on: ${why}, so the second bind finds the port taken ('Address already in use') and ${exits}: keep one of them`;
  }
  return undefined;
}

export function parseReplicaof(args: readonly string[]): string {
  if (args.length !== 2) refuse(wrongArgs('replicaof', args, 'a host and a port (or "no one")'));
  if (asciiLower(args[0]!) === 'no' && asciiLower(args[1]!) === 'one') return '';
  const port = strtoll(args[1]!);
  const asInt = BigInt.asIntN(32, port.value);
  if (port.rest !== '' || asInt < 0n || asInt > 65535n) refuse(`Invalid master port '${args[1]!}'`);
  return `${args[0]!} ${asInt}`;
}

const CLIENT_CLASSES: Readonly<Record<string, string>> = {
  normal: 'normal',
  slave: 'slave',
  replica: 'slave',
  pubsub: 'pubsub',
};

/**
 * 6.x's own reader (redis@6.2.16:src/config.c:557): one class per line, `memtoll` without its error (a value it cannot
 * read is 0: live 6.2.16 starts with `pubsub 1tb 0 0`), the seconds by `atoi`, refused only when negative.
 */
function parseBufferLimits6(args: readonly string[], limits: Map<string, string>): void {
  if (args.length !== 4) refuse(wrongArgs('client-output-buffer-limit', args, 'a class and three limits (6.x takes one class per line)'));
  const cls = CLIENT_CLASSES[asciiLower(args[0]!)];
  if (cls === undefined) refuse(`Unrecognized client limit class: ${quotedArg(args[0]!)}`);
  const memtoll = (s: string): bigint => {
    const m = /^(-?[0-9]*)(.*)$/s.exec(s)!;
    const mul = ({ '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000n ** 2n, mb: 1024n ** 2n, g: 1000n ** 3n, gb: 1024n ** 3n } as Record<string, bigint>)[m[2]!.toLowerCase()];
    const digits = strtoll(m[1]!);
    if (mul === undefined || m[1]!.length >= 128 || digits.rest !== '' || m[1] === '' || m[1] === '-') return 0n;
    return BigInt.asUintN(64, digits.value * mul);
  };
  const seconds = atoi(args[3]!);
  if (seconds < 0) refuse('Negative number of seconds in soft limit is invalid');
  limits.set(cls, `${memtoll(args[1]!)} ${memtoll(args[2]!)} ${seconds}`);
}

export function parseBufferLimits(args: readonly string[], limits: Map<string, string>, six = false): void {
  if (six) return parseBufferLimits6(args, limits);
  if (args.length % 4 !== 0) refuse('Wrong number of arguments in buffer limit configuration.');
  const staged = new Map<string, string>();
  for (let j = 0; j < args.length; j += 4) {
    const cls = CLIENT_CLASSES[asciiLower(args[j]!)];
    if (cls === undefined) refuse(`Invalid client class specified in buffer limit configuration: ${quotedArg(args[j]!)}`);
    const hard = memtoull(args[j + 1]!);
    const soft = memtoull(args[j + 2]!);
    const seconds = strtoll(args[j + 3]!);
    if (hard === undefined || soft === undefined || seconds.rest !== '' || seconds.value < 0n) {
      refuse('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    }
    staged.set(cls, `${hard} ${soft} ${BigInt.asIntN(64, seconds.value)}`);
  }
  for (const [cls, v] of staged) limits.set(cls, v);
}

export function parseOomValues(args: readonly string[]): string {
  if (args.length !== 3) refuse(wrongArgs('oom-score-adj-values', args, 'three values'));
  return args
    .map((a) => {
      const v = strtoll(a);
      if (v.rest !== '' || v.value < -2000n || v.value > 2000n) {
        refuse('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
      }
      return v.value.toString();
    })
    .join(' ');
}

/**
 * `keyspaceEventsStringToFlags` / `keyspaceEventsFlagsToString` (src/notify.c). The classes came by version: `d`
 * (module key types) with 6.2, `n` (new keys) with 7.0; redis@6.0.20 and live 6.0.20 refuse `d` and `n`, 6.2.16 `n`
 * ("Invalid event class character. Use 'g$lshzxeA'."). `A` is every class of the version but `n` and `m`.
 */
export function parseKeyspaceEvents(arg: string, version: ServerVersion): string {
  const everyOfA = version.key === 'r6.0' ? 'g$lshzxet' : 'g$lshzxetd';
  const classes = followsRedis6(version) ? everyOfA : `${everyOfA}n`;
  const set = new Set<string>();
  for (const c of arg) {
    if (c === 'A') for (const a of everyOfA) set.add(a);
    else if (classes.includes(c) || 'KEm'.includes(c)) set.add(c);
    else {
      const later = c === 'd' ? ' (module key-type events came with Redis 6.2)' : c === 'n' ? ' (new-key events came with Redis 7.0)' : '';
      refuse(`Invalid event class character ${quotedArg(c)} in notify-keyspace-events${later}. Use 'A${classes}KEm' (${version.label}).`);
    }
  }
  // `A` stands for every class but `n` (new keys), which the server then no longer shows.
  const all = [...everyOfA].every((c) => set.has(c));
  let out = all ? 'A' : [...classes].filter((c) => set.has(c)).join('');
  for (const c of 'KEm') if (set.has(c)) out += c;
  return out;
}

export function parsePercentiles(args: readonly string[]): string {
  if (args.length === 1 && args[0] === '') return '';
  return args
    .map((a) => {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(a)) refuse('Invalid latency-tracking-info-percentiles parameters');
      const v = Number(a);
      if (v > 100 || v < 0) refuse('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
      return formatPercentile(v);
    })
    .join(' ');
}
