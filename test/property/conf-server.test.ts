import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { commandsKnown } from '../../src/acl/known-commands.ts';
import { DIRECTIVES, existsInVersion, resolveVersion } from '../../src/redis/directives.ts';
import type { DirectiveSpec } from '../../src/redis/directives.ts';
import { rawPipeline } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { READER, differences, parseIn, readerLine, serverVersion } from '../helpers/conf-server.ts';
import { startHereLines } from '../helpers/corpus.ts';

// Random config files, made of realistic pieces (directives of every kind, with odd cases, units, signs, quotes,
// escapes, repeats, aliases, includes, users and renames) and of the tokenizer's edge cases, given to a real
// redis-server: a file it refuses at line N must be refused by the parser at line N (or warned about there), and a
// file it starts with must give, for every value the parser derives (from the file or the compiled defaults), what
// CONFIG GET answers; its users and renamed commands too. Seeded, so a failure replays; fast-check shrinks it to the
// fewest lines that show it. CONF_SERVER_RUNS (default 100) and CONF_SERVER_SEED run more or other files.
//
// The files keep to what the parser can know from the files alone: the generator leaves out what depends on this
// machine or on how the server was built (said where it does).

const RUNS = Number(process.env.CONF_SERVER_RUNS ?? 100);
const SEED = Number(process.env.CONF_SERVER_SEED ?? 20261205);
/** CONF_SERVER_SURVEY=FILE: no stopping at the first disagreement; every one is appended to FILE (to survey a version). */
const SURVEY = process.env.CONF_SERVER_SURVEY;
const version = serverVersion();
const server = resolveVersion(version);
const six = server.key === 'r6.0' || server.key === 'r6.2';

after(stopAll);

// ---------------------------------------------------------------- values

/** One of these argument lists. */
const lists = (...choices: string[][]): fc.Arbitrary<string[]> => fc.constantFrom(...choices);

/** A word in random letter case: the server lowercases names, booleans, enums and units. */
const anyCase = (word: string): fc.Arbitrary<string> =>
  fc.constantFrom<'as' | 'upper' | 'mixed'>('as', 'as', 'upper', 'mixed').chain((how) =>
    how === 'as'
      ? fc.constant(word)
      : how === 'upper'
        ? fc.constant(word.toUpperCase())
        : fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((up) => [...word].map((c, i) => (up[i] ? c.toUpperCase() : c)).join('')),
  );

const bool = (spec: DirectiveSpec): fc.Arbitrary<string[]> => {
  // These need what a test server has not: a cluster bus port, certificates, jemalloc.
  // Debian's jemalloc and the libc builds have no defragmentation: `activedefrag yes` depends on the build, not the file.
  const onlyNo = ['cluster-enabled', 'tls-replication', 'tls-cluster', 'activedefrag'].includes(spec.name);
  return fc.oneof(
    { weight: 30, arbitrary: (onlyNo ? fc.constant('no') : fc.constantFrom('yes', 'no')).chain(anyCase) },
    { weight: 1, arbitrary: fc.constantFrom('true', '1', 'on', 'y', '', 'yes no') },
  ).map((v) => [v]);
};

const enumValue = (spec: DirectiveSpec): fc.Arbitrary<string[]> => {
  const names = Object.keys(spec.values!);
  const valid = spec.bitflags
    ? fc.uniqueArray(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }).chain((flags) => fc.tuple(...flags.map(anyCase)))
    : fc.constantFrom(...names).chain(anyCase).map((v) => [v]);
  return fc.oneof({ weight: 30, arbitrary: valid }, { weight: 1, arbitrary: lists(['maybe'], [''], [`${names[0]}_x`]) });
};

/** Per-directive bounds for values the server would accept but a test machine should not be given. */
const SANE: Readonly<Record<string, readonly [bigint, bigint]>> = {
  databases: [1n, 64n], // each database is allocated at start
  maxclients: [16n, 10_000n], // below 16 the tests' own connections race for a slot; above, RLIMIT_NOFILE lowers it
  'io-threads': [1n, 4n],
  'socket-mark-id': [0n, 0n], // SO_MARK needs CAP_NET_ADMIN
  'watchdog-period': [0n, 0n], // a debugging aid: SIGALRM-driven stack dumps, raised to 200 ms by Valkey 8
  'key-load-delay': [0n, 0n],
  'rdb-key-save-delay': [0n, 0n],
  hz: [0n, 1000n], // 6.0.20 crashes (SIGSEGV) with hz 2147483647; the parser clamps it to 500 as later versions do
};

const UNITS = ['', 'b', 'k', 'kb', 'm', 'mb', 'g', 'gb', 'K', 'KB', 'Mb', 'gB'];

const numberValue = (spec: DirectiveSpec): fc.Arbitrary<string[]> => {
  const [lo, hi] = SANE[spec.name] ?? [BigInt(spec.min!), BigInt(spec.max!)];
  const near = fc.bigInt({ min: lo, max: lo + 1000n < hi ? lo + 1000n : hi });
  const inRange = fc.oneof(near, fc.bigInt({ min: lo, max: hi }), fc.constantFrom(lo, hi));
  const sane = SANE[spec.name] !== undefined;
  const valid: fc.Arbitrary<string>[] = [inRange.map(String)];
  // The normal class's hard limit, maxmemory and maxmemory-clients (see memoryValue) must leave the reader room.
  if (spec.memory && !['maxmemory', 'maxmemory-clients'].includes(spec.name)) {
    valid.push(fc.tuple(fc.integer({ min: 0, max: 64 }), fc.constantFrom(...UNITS)).filter(([n, u]) => inBounds(BigInt(n) * unit(u), lo, hi)).map(([n, u]) => `${n}${u}`));
  }
  if (spec.octal) valid.push(fc.integer({ min: 0, max: 511 }).map((n) => `0${n.toString(8)}`));
  if (spec.percent) valid.push(fc.integer({ min: 0, max: 100 }).map((n) => `${n}%`));
  if (spec.name === 'maxmemory') valid.push(fc.constantFrom('0', '100mb', '1gb', '2GB', '1073741824', '300m'));
  if (spec.name === 'maxmemory-clients') valid.push(fc.constantFrom('0', '10%', '64mb', '1gb'));
  const odd = sane
    ? fc.constantFrom(...[String(lo - 1n), String(hi + 1n), '', 'abc'].filter((v) => spec.name !== 'watchdog-period' || v !== '1'))
    : fc.constantFrom(String(lo - 1n), String(hi + 1n), `+${lo + 1n}`, `0${lo + 1n}`, '-0', '0x10', '1e3', '1.5', '', ' 5', '99999999999999999999', `${lo + 1n}tb`, `-${lo + 1n}kb`, '150%');
  return fc.oneof({ weight: 20, arbitrary: fc.oneof(...valid) }, { weight: 1, arbitrary: odd }).map((v) => [v]);
};

const unit = (u: string): bigint => ({ '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000n ** 2n, mb: 1024n ** 2n, g: 1000n ** 3n, gb: 1024n ** 3n })[u.toLowerCase()]!;
const inBounds = (v: bigint, lo: bigint, hi: bigint): boolean => v >= lo && v <= hi;

/** Text a password or a name may hold: spaces, quotes, backslashes, `#`, tabs, UTF-8. */
const wordChars = fc.constantFrom(...'abcXYZ019-_.:/@'.split(''), ' ', '"', "'", '\\', '#', '\t', 'é', '$', '%');
const secretText = fc.oneof(
  // Not a whole `@X@` or `${X}`: redfort refuses a secret that is one unrendered template placeholder on purpose
  // (src/gather/conf/tokenize.ts), which the server would take as text; within a longer secret it is text to both.
  // Nor a word `$XY` or `%x%` (a placeholder as a whole word, in a secret or in `syslog-ident`).
  {
    weight: 6,
    arbitrary: fc
      .string({ unit: wordChars, minLength: 1, maxLength: 16 })
      .filter((v) => !/^(@[A-Z_][A-Z0-9_]*@|\$\{[A-Za-z_][A-Za-z0-9_]*\})$/.test(v) && !/(^|[\s"'>])(\$[A-Z_][A-Z0-9_]|%[A-Za-z_][A-Za-z0-9_.-]*%)/.test(v)),
  },
  { weight: 1, arbitrary: fc.constant('') },
  // A very long line (the server reads a file in 1 KiB pieces and joins them).
  { weight: 1, arbitrary: fc.integer({ min: 1100, max: 3000 }).map((n) => 'p'.repeat(n)) },
);

const STRINGS: Readonly<Record<string, fc.Arbitrary<string>>> = {
  dbfilename: fc.constantFrom('dump.rdb', 'my dump.rdb', 'dump-6379.rdb', 'a/b.rdb', ''),
  appendfilename: fc.constantFrom('appendonly.aof', 'my file.aof', 'x/y.aof', ''),
  appenddirname: fc.constantFrom('appendonlydir', 'aof dir', 'a/b', ''),
  'syslog-ident': fc.oneof(fc.constantFrom('redis', 'redis-6379', 'a b'), secretText),
  'proc-title-template': fc.constantFrom('{title} {listen-addr} {server-mode}', '{title}', '{title} {port} {tls-port} {unixsocket} {config-file}', '{title} {unknown}', 'no title', '', '{title'),
  // Locales this machine has: which exist is the host's to say (8.0-m01 refuses an unknown one after the file).
  'locale-collate': fc.constantFrom('', 'C', 'POSIX'),
  'bind-source-addr': fc.constantFrom('', '127.0.0.1'),
  'ignore-warnings': fc.constantFrom('', 'ARM64-COW-BUG'),
  'cluster-announce-ip': fc.constantFrom('', '10.0.0.1'),
  'cluster-announce-hostname': fc.constantFrom('', 'node-1.example', 'bad host!'),
  'cluster-announce-human-nodename': fc.constantFrom('', 'node-1', 'bad name!'),
  'cluster-config-file': fc.constantFrom('nodes.conf', 'nodes-6379.conf'),
  'replica-announce-ip': fc.constantFrom('', '10.0.0.2', 'replica.example'),
  // A log file the server can open here (6.x opens it while reading the file; the tests' lines set it back to "").
  logfile: fc.constantFrom('', 'redis.log'),
  pidfile: fc.constantFrom('', 'redis.pid', '/var/run/redis_6379.pid'),
  unixsocket: fc.constantFrom('', 'redis.sock'),
  'server-cpulist': fc.constantFrom('', '0'),
  'bio-cpulist': fc.constantFrom('', '0'),
  'aof-rewrite-cpulist': fc.constantFrom('', '0'),
  'bgsave-cpulist': fc.constantFrom('', '0'),
  'tls-protocols': fc.constantFrom('', 'TLSv1.2', 'TLSv1.2 TLSv1.3'),
  'tls-ciphers': fc.constantFrom('', 'DEFAULT:!MEDIUM'),
  'tls-ciphersuites': fc.constantFrom('', 'TLS_CHACHA20_POLY1305_SHA256'),
  unixsocketgroup: fc.constantFrom('', 'root'),
};

const stringValue = (spec: DirectiveSpec): fc.Arbitrary<string[]> => {
  const own = STRINGS[spec.name];
  if (own) return own.map((v) => [v]);
  if (spec.name.startsWith('tls-') && spec.name.endsWith('-file')) return fc.constantFrom('', '/etc/ssl/redis.pem', 'certs/my cert.pem').map((v) => [v]);
  return secretText.map((v) => [v]);
};

/** Values of the directives the server reads with code of their own. */
const SPECIAL: Readonly<Record<string, fc.Arbitrary<string[]>>> = {
  save: fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 1, max: 3600 }), fc.integer({ min: 0, max: 10000 })).map(([s, c]) => [String(s), String(c)]) },
    { weight: 2, arbitrary: lists(['']) },
    // 7.0+: several pairs on a line, or a quoted list; 6.x ignores them.
    { weight: 2, arbitrary: lists(['3600', '1', '300', '100'], ['60 10000'], ['900', '1', '300']) },
    { weight: 1, arbitrary: lists(['900'], ['0', '1'], ['-1', '5'], ['60', '-1'], ['1x', '1'], ['+5', '1'], ['0030', '5']) },
  ),
  bind: fc.oneof(
    // The tests' own `bind` line comes last and replaces these, so only what the server checks while reading counts.
    { weight: 4, arbitrary: lists(['127.0.0.1'], ['127.0.0.1', '-::1'], ['127.0.0.1 -::1'], ['']) },
    { weight: 1, arbitrary: fc.constant(Array.from({ length: 17 }, (_, i) => `127.0.0.${i + 1}`)) },
  ),
  replicaof: fc.oneof(
    { weight: 4, arbitrary: lists(['no', 'one'], ['NO', 'ONE'], ['127.0.0.1', '1'], ['localhost', '6399']) },
    { weight: 1, arbitrary: lists(['127.0.0.1'], ['127.0.0.1', '99999'], ['127.0.0.1', '-1'], ['127.0.0.1', 'abc'], ['127.0.0.1 6399']) },
  ),
  'client-output-buffer-limit': fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .array(
          fc.tuple(
            fc.constantFrom('replica', 'slave', 'pubsub', 'normal').chain(anyCase),
            fc.constantFrom('0', '256mb', '64MB', '1gb', '32m', '8388608'),
            fc.constantFrom('0', '64mb', '8mb', '16k', '1048576'),
            fc.constantFrom('0', '60', '30'),
          ),
          { minLength: 1, maxLength: 2 },
        )
        // The normal class: a hard limit below what CONFIG GET * answers would close the reader's connection.
        .map((classes) => classes.flatMap(([c, hard, soft, s]) => (c.toLowerCase() === 'normal' ? [c, '0', '0', '0'] : [c, hard, soft, s]))),
    },
    { weight: 1, arbitrary: lists(['replica', '64mb', '16mb'], ['master', '1mb', '1mb', '0'], ['pubsub', '1tb', '0', '0'], ['pubsub', '32mb', '8mb', '-1']) },
  ),
  'oom-score-adj-values': fc.oneof(
    { weight: 3, arbitrary: fc.array(fc.integer({ min: -2000, max: 2000 }), { minLength: 3, maxLength: 3 }).map((v) => v.map(String)) },
    { weight: 1, arbitrary: lists(['0 200 800'], ['0', '200'], ['0', '200', '2001'], ['0', '+200', '800']) },
  ),
  'notify-keyspace-events': fc.oneof(
    { weight: 5, arbitrary: fc.string({ unit: fc.constantFrom(...'KEAg$lshzxetdnm'.split('')), maxLength: 6 }).map((v) => [v]) },
    { weight: 1, arbitrary: lists(['KEQ'], ['K', 'E']) },
  ),
  'latency-tracking-info-percentiles': fc.oneof(
    { weight: 3, arbitrary: fc.array(fc.constantFrom('50', '99', '99.9', '99.990', '0', '100', '0.5', '.5'), { minLength: 1, maxLength: 4 }) },
    { weight: 1, arbitrary: lists([''], ['50 99'], ['101'], ['-1'], ['abc'], ['1e1']) },
  ),
  // Directories there are, wherever an earlier `dir` line left the server: whether one exists is this machine's to
  // say, not the file's (the server refuses `dir missing` at that line; the parser does not look).
  dir: lists(['.'], ['./'], ['sub/..']),
};

// ---------------------------------------------------------------- directives

interface Directive {
  readonly name: string;
  readonly args: readonly string[];
}

/** The table's directives this generator uses, and why some are left out. */
const LEFT_OUT: Readonly<Record<string, string>> = {
  aclfile: "the tests' reader is a `user` line, and the server refuses both",
  'req-res-logfile': 'only in servers built with LOG_REQ_RES (a debug build)',
};
const USED = DIRECTIVES.filter((spec) => LEFT_OUT[spec.name] === undefined);

function valuesOf(spec: DirectiveSpec): fc.Arbitrary<string[]> {
  switch (spec.kind) {
    case 'bool':
      return bool(spec);
    case 'enum':
      return enumValue(spec);
    case 'number':
      return numberValue(spec);
    case 'string':
      return stringValue(spec);
    case 'special':
      return SPECIAL[spec.name] ?? fc.constant(['']);
  }
}

/** The name a directive is written under: its own, an alias, or its `slave-*` spelling. */
function nameOf(spec: DirectiveSpec): fc.Arbitrary<string> {
  const names = [spec.name, ...(spec.aliases ?? [])];
  if (/replica(?!tion)/.test(spec.name)) names.push(spec.name.replace(/replica(?!tion)/g, 'slave'));
  return fc.oneof({ weight: 4, arbitrary: fc.constant(spec.name) }, { weight: names.length > 1 ? 2 : 0, arbitrary: fc.constantFrom(...names) }).chain(anyCase);
}

const inVersion = USED.filter((spec) => existsInVersion(spec, server));
const notInVersion = USED.filter((spec) => !existsInVersion(spec, server));
const configDirective = (pool: readonly DirectiveSpec[]): fc.Arbitrary<Directive> =>
  fc.constantFrom(...pool).chain((spec) => fc.record({ name: nameOf(spec), args: valuesOf(spec) }));

const USERS = ['alice', 'bob', 'default'];
const NOT_6_0_RULES = server.key === 'r6.0' ? [] : ['+stralgo', '+client|no-touch'];
const userLine: fc.Arbitrary<Directive> = fc
  .tuple(
    fc.constantFrom(...USERS),
    fc.constantFrom('on', 'off', 'ON'),
    fc.oneof(secretText.map((p) => `>${p}`), fc.constant('nopass'), fc.constant(`#${'a'.repeat(64)}`), fc.constant('resetpass')),
    fc.constantFrom('~*', '~app:*', 'allkeys', '%R~*', 'resetkeys'),
    fc.constantFrom(...(server.key === 'r6.0' ? ['+@all'] : ['&*', 'resetchannels', 'allchannels'])),
    // `+@nosuchcategory` is refused once the file is read (a later refused line comes first); 6.0.20 refuses
    // `+config|get` after `+@all` or `+config` (src/acl/parse.ts); WAITAOF is 7.2+, GETDEL 6.2+, STRALGO 6.x only,
    // CLIENT NO-TOUCH 7.2+ (those two not drawn for 6.0, which has STRALGO and no subcommands: a quarter of its files
    // start, the least the property asks, and more rules would start fewer).
    fc.array(fc.constantFrom('+@all', '-@all', '+@read', '-@dangerous', '+get', '-flushall', '+config|get', '+config', '+nosuchcommand', '+@nosuchcategory', '+waitaof', '+getdel', ...NOT_6_0_RULES, 'bogus'), { maxLength: 3 }),
  )
  .map(([name, on, pass, keys, channels, rules]) => ({ name: 'user', args: [name, on, pass, keys, channels, ...rules] }));

/** Commands a rename may take away without the tests losing their way to the server (never AUTH, PING, ACL). */
const RENAMED = ['FLUSHALL', 'flushdb', 'KEYS', 'DEBUG', 'CONFIG', 'config', 'MONITOR', 'SAVE', 'nosuchcommand', 'WAITAOF', 'GETDEL', ...(server.key === 'r6.0' ? [] : ['STRALGO'])];
/** New names; a command's own name only where the parser knows the version's commands (not 8.0's: commandsKnown). */
const NEW_NAMES = ['', '', 'secret-flush', 'x9f2', 'b840fc02d524045429941cc15f59e41cb7be6c52', ...(commandsKnown(version, 'none') ? ['get', 'KEYS'] : [])];
const renameLine: fc.Arbitrary<Directive> = fc
  .tuple(fc.constantFrom(...RENAMED.filter((c) => commandsKnown(version, 'none') || c !== 'nosuchcommand')), fc.constantFrom(...NEW_NAMES))
  .map(([from, to]) => ({ name: 'rename-command', args: [from, to] }));

const unknownLine: fc.Arbitrary<Directive> = fc.constantFrom(
  { name: 'maxmemory-polcy', args: ['noeviction'] },
  { name: 'server-threads', args: ['4'] },
  { name: 'list-max-ziplist-entries', args: ['512'] },
  { name: 'lua-replicate-commands', args: ['yes'] },
  { name: 'mymodule.option', args: ['5'] },
);

const directive = (extra: boolean): fc.Arbitrary<Directive> =>
  fc.oneof(
    { weight: 30, arbitrary: configDirective(inVersion) },
    { weight: notInVersion.length > 0 ? 1 : 0, arbitrary: configDirective(notInVersion.length > 0 ? notInVersion : inVersion) },
    { weight: 2, arbitrary: userLine },
    { weight: 2, arbitrary: renameLine },
    { weight: 1, arbitrary: unknownLine },
    // The second file, included by relative path, by a glob, or missing (the second file includes nothing).
    { weight: extra ? 0 : 3, arbitrary: lists(['extra.conf'], ['"extra.conf"'], ['conf.d/*.conf'], ['missing.conf'], ['none.d/*.conf']).map((args) => ({ name: 'include', args })) },
  );

// ---------------------------------------------------------------- rendering

const blank = fc.constantFrom(' ', '  ', '\t', ' \t');

/** One argument as a file may write it: bare, double-quoted (with escapes), single-quoted, or quoted from its middle. */
function renderArg(value: string): fc.Arbitrary<string> {
  const bareOk = value !== '' && !/[\s"'\\]/.test(value);
  const styles: fc.Arbitrary<string>[] = [double(value)];
  if (bareOk) styles.push(fc.constant(value), fc.constant(value));
  if (!value.includes('\\') && !/[\n\r]/.test(value)) styles.push(fc.constant(`'${value.replace(/'/g, "\\'")}'`));
  if (value.length > 1 && !/[\s"'\\]/.test(value[0]!)) styles.push(double(value.slice(1)).map((rest) => value[0] + rest));
  return fc.oneof(...styles);
}

/** `"…"` with `\"`, `\\`, and some characters as `\xHH`, `\t` or `\n` escapes. */
function double(value: string): fc.Arbitrary<string> {
  const chars = [...value];
  return fc.array(fc.constantFrom('as', 'as', 'as', 'hex'), { minLength: chars.length, maxLength: chars.length }).map((how) =>
    `"${chars
      .map((c, i) => {
        if (how[i] === 'hex') return [...Buffer.from(c, 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
        if (c === '"' || c === '\\') return `\\${c}`;
        if (c === '\n') return '\\n';
        if (c === '\t') return '\\t';
        return c;
      })
      .join('')}"`,
  );
}

/** A line: the name and its arguments, blanks around them, and now and then what the server refuses. */
function renderLine(d: Directive): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.tuple(...d.args.map(renderArg)),
      fc.array(blank, { minLength: d.args.length, maxLength: d.args.length }),
      fc.constantFrom('', '', '', ' ', '\t'),
      fc.constantFrom('', '', '', ' ', '\t', '  '),
      fc.oneof(
        { weight: 100, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: fc.constant(' # a comment after the value') },
        { weight: 1, arbitrary: fc.constant(' "unbalanced') },
        { weight: 1, arbitrary: fc.constant(' "closed"then-text') },
      ),
    )
    .map(([args, gaps, lead, trail, broken]) => `${lead}${d.name}${args.map((a, i) => `${gaps[i]}${a}`).join('')}${broken}${trail}`);
}

/** Lines that are no directive: comments, blank lines, a very long comment. */
const noise = fc.constantFrom('', '# a comment', '   ', '\t# indented comment', `# ${'x'.repeat(1500)}`, '#save 900 1');

const lines = (extra: boolean): fc.Arbitrary<string[]> =>
  fc.array(fc.oneof({ weight: 6, arbitrary: directive(extra).chain(renderLine) }, { weight: 1, arbitrary: noise }), { minLength: 1, maxLength: extra ? 5 : 12 });

/** A file's text: LF or CRLF line ends (or a mix), with or without a final newline. */
const fileText = (extra: boolean): fc.Arbitrary<string> =>
  fc
    .tuple(lines(extra), fc.constantFrom('\n', '\n', '\r\n', 'mix'), fc.boolean())
    .chain(([ls, end, final]) =>
      fc.array(fc.boolean(), { minLength: ls.length, maxLength: ls.length }).map((crlf) => {
        const ends = ls.map((_, i) => (end === 'mix' ? (crlf[i] ? '\r\n' : '\n') : end));
        return ls.map((l, i) => l + (i < ls.length - 1 || final ? ends[i] : '')).join('');
      }),
    );

interface Case {
  readonly main: string;
  readonly extra: string;
  readonly extraIn: 'extra.conf' | 'conf.d/extra.conf';
}

const cases: fc.Arbitrary<Case> = fc.record({ main: fileText(false), extra: fileText(true), extraIn: fc.constantFrom('extra.conf' as const, 'conf.d/extra.conf' as const) });

// ---------------------------------------------------------------- the property

/** The server's tail lines: a free port, its own directory, the reader (6.0 has no channel rules). */
function tail(text: string, port: number): string {
  const reader = readerLine(text);
  return startHereLines(port) + (server.key === 'r6.0' ? reader.replace(' &* ', ' ') : reader);
}

interface Tally {
  started: number;
  refusedAtLine: number;
  refusedElsewhere: number;
  compared: number;
}

async function check(c: Case, tally: Tally): Promise<void> {
  const files = { [c.extraIn]: c.extra, 'sub/.keep': '' };
  let srv: RunningServer;
  try {
    // Ready when the reader's PING is answered (a file's `user default` may deny PING).
    srv = await startRedis({ confText: (port) => c.main + tail(c.main, port), files, username: READER, password: 'any', readyTimeoutMs: 5000, killOnStop: true });
  } catch (error) {
    const log = (error as Error).message;
    await compareRefusal(c, log, tally);
    return;
  }
  try {
    tally.started++;
    const parsed = parseIn(srv.dir, version);
    assert.ok(parsed.eff, `redis-server started; the parser refused it: ${parsed.messages.join('\n')}`);
    const eff = parsed.eff;
    const wrongWarnings = parsed.messages.filter((m) => /refuse/.test(m) && !m.includes('.keep'));
    assert.deepEqual(wrongWarnings, [], 'redis-server started, yet the parser says it would refuse');
    const config = eff.renames.get('config');
    if (config?.value === '') return;
    const { compared, differ } = await differences(srv.port, eff, { secrets: true, config: config?.value });
    // 6.x reads cluster-config-file outside its config table: CONFIG GET does not list it, though the server has it.
    assert.deepEqual(differ.filter((d) => !(six && d === 'cluster-config-file: CONFIG GET has none')), []);
    tally.compared += compared;

    const ask = (args: string[]) => rawPipeline('127.0.0.1', srv.port, [['AUTH', READER, 'any'], args]).then((r) => r[1]);
    const users = ((await ask(['ACL', 'USERS'])) as string[]).filter((u) => u !== READER).sort();
    assert.deepEqual(users, [...new Set(['default', ...eff.users.map((u) => u.name)])].filter((u) => u !== READER).sort(), 'users');
    for (const [from, to] of eff.renames) {
      const old = await ask(['COMMAND', 'INFO', from]);
      const renamedBack = [...eff.renames.values()].some((f) => f.value.toLowerCase() === from);
      if (!renamedBack) assert.deepEqual(old, [null], `${from} renamed: COMMAND INFO ${from}`);
      if (to.value !== '') {
        const now = await ask(['COMMAND', 'INFO', to.value]);
        assert.ok(Array.isArray(now) && Array.isArray(now[0]), `${from} renamed to ${to.value}: COMMAND INFO ${to.value} is ${JSON.stringify(now)}`);
      }
    }
  } finally {
    await srv.stop();
  }
}

/** The server refused the file: the parser must say so at the same line (an error, or a warning there). */
async function compareRefusal(c: Case, log: string, tally: Tally): Promise<void> {
  const line = /Reading the configuration file, at line (\d+)/.exec(log)?.[1];
  const quoted = /^>>> '(.*)'$/m.exec(log)?.[1];
  const parsed = await parseCopy(c);
  const said = parsed.messages.join('\n') || '(nothing)';
  if (line === undefined) {
    tally.refusedElsewhere++;
    assert.ok(parsed.error !== undefined || parsed.messages.some((m) => /refuse/.test(m)), `redis-server refused the file (not at a line); the parser said:\n${said}\n--- server:\n${log}`);
    return;
  }
  tally.refusedAtLine++;
  // Which file's line N the server means: the one whose line N it quotes (the main file when both or neither do).
  const at = (text: string): string | undefined => text.split('\n')[Number(line) - 1]?.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  const inExtra = quoted !== undefined && at(c.extra) === quoted && at(c.main + tail(c.main, 6379)) !== quoted;
  const file = inExtra ? c.extraIn.split('/').pop()! : 'redis.conf';
  const here = (m: string): boolean => new RegExp(`/${file.replace('.', '\\.')}:${line}: `).test(m);
  // A line the parser only warns about (a directive this version lacks) is where its error is when a later line is
  // refused (effectiveConfig), as the server stops there first.
  assert.ok(
    (parsed.error !== undefined && here(parsed.error.message)) || parsed.messages.some(here),
    `redis-server refused ${file} at line ${line} ('${quoted}'); the parser said:\n${said}\n--- server:\n${log}`,
  );
}

/** The parser's view of the case, laid out as the server had it (same files, the tail with some port). */
async function parseCopy(c: Case): Promise<ReturnType<typeof parseIn>> {
  const { mkdtemp, mkdir, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join, dirname } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'redfort-confgen-'));
  try {
    await writeFile(join(dir, 'redis.conf'), c.main + tail(c.main, 6379));
    for (const [name, text] of Object.entries({ [c.extraIn]: c.extra, 'sub/.keep': '' })) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), text);
    }
    return parseIn(dir, version);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe(`random config files against redis-server ${version ?? ''}`, () => {
  it('the parser reads every file as the server does', async () => {
    const tally: Tally = { started: 0, refusedAtLine: 0, refusedElsewhere: 0, compared: 0 };
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        if (SURVEY === undefined) return check(c, tally);
        try {
          await check(c, tally);
        } catch (error) {
          const { appendFileSync } = await import('node:fs');
          appendFileSync(SURVEY, `${JSON.stringify({ version, case: c, error: (error as Error).message })}\n`);
        }
      }),
      { numRuns: RUNS, seed: SEED, includeErrorInReport: true },
    );
    console.log(`conf-server ${version}: ${RUNS} files, ${tally.started} started, ${tally.refusedAtLine} refused at a line, ${tally.refusedElsewhere} refused otherwise, ${tally.compared} values compared`);
    assert.ok(tally.started >= RUNS / 4, `${tally.started} of ${RUNS} files started`);
    assert.ok(tally.refusedAtLine >= RUNS / 10, `${tally.refusedAtLine} of ${RUNS} files refused at a line`);
  });
});
