import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, ReplyError } from '../gather/live/resp.ts';
import { authArgs } from '../gather/live/login.ts';
import { runProgram } from '../util/run-program.ts';
import { redact } from '../util/redact.ts';
import { clipped } from '../util/shown.ts';
import { fsErrorText } from '../util/fs-error.ts';
import { quoteArg } from './conf-edit.ts';
import { loadConfFiles } from '../gather/conf/load-files.ts';
import { topConfPath } from '../gather/conf/includes.ts';
import type { ServerVersion } from '../redis/directives.ts';
import { isAtLeast, majorMinor } from '../redis/version.ts';
import type { Directive } from '../gather/conf/tokenize.ts';
import { TRIAL_COMMAND_TIMEOUT_MS, TRIAL_CONNECT_TIMEOUT_MS } from '../util/defaults.ts';

/** A throwaway server start, and which users logged in. */
export interface TrialResult {
  readonly ok: boolean;
  readonly detail: string;
  /** The version the binary printed, `valkey 8.0.1` for Valkey (see {@link binaryVersion}). */
  readonly binaryVersion?: string;
  /** The binary that ran: `redis-server`, `valkey-server`, `redis-sentinel` or `valkey-sentinel`. */
  readonly binary?: string;
  /** Set when no server was started: the files would have it run code of their own ({@link codeTheFilesRun}). */
  readonly skipped?: true;
}

/**
 * A config line fed on standard input: the words before its secret (`masterauth`, `sentinel auth-pass mymaster`) and
 * the secret, which the trial quotes onto the line and keeps out of every message.
 */
export interface SecretLine {
  readonly key: readonly string[];
  readonly secret: string;
}

export interface TrialSpec {
  readonly kind: 'redis' | 'sentinel';
  /** The generated config file to start from (read in place for redis-server; copied for Sentinel, which rewrites it). */
  readonly conf: string;
  /** Directory for the trial's data, log, socket and Sentinel copy. */
  readonly workDir: string;
  /** The working directory the server starts in (relative includes resolve against it). */
  readonly cwd: string;
  /** Trial-only options, on the command line: never in the output. */
  readonly overrides: readonly (readonly string[])[];
  /** Config lines fed on standard input (`-`): the secrets the service gets from credentials.env. */
  readonly stdinLines: readonly SecretLine[];
  /** Users that must log in ('' for requirepass: `AUTH <password>`). */
  readonly logins: readonly { readonly user: string; readonly password: string }[];
  /** The product the files are for: its binaries are tried first (default redis). */
  readonly product?: 'redis' | 'valkey';
  /**
   * The file an `include` path of the deployed server is read from here (`--path-map`): the trial's copy names it
   * instead; an include's own include that it maps cannot be rewritten, and the trial is skipped.
   */
  readonly mapPath?: (path: string) => string;
}

/**
 * A free loopback port whose cluster bus port (port + 10000) is free too, so that a trial of a cluster node's file
 * does not stop on its bus port.
 */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    if (port + 10_000 <= 65_535 && (await isFree(port + 10_000))) return port;
  }
  return freePort();
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free TCP port on the loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The version of a server binary on PATH, or undefined when there is none. Valkey's binaries print
 * `Valkey server v=8.0.1 …`, and its packages install them as `redis-server` too (`make install` links
 * redis-server, redis-sentinel to valkey-server): its version is returned as `valkey 8.0.1`, never as Redis 8.0.1.
 */
export async function binaryVersion(binary: string): Promise<string | undefined> {
  const out = await runProgram(binary, ['--version']);
  const version = out.ok ? /v=(\S+)/.exec(out.stdout)?.[1] : undefined;
  if (version === undefined) return undefined;
  return /^\s*valkey\b/i.test(out.stdout) ? `valkey ${version}` : version;
}

/**
 * Whether a trial on the local binary does not stand for the target version: another product (a Valkey binary
 * for Redis files, or the reverse), or an older release, which may not know directives the target has.
 */
export function notTheTarget(local: ServerVersion, target: ServerVersion): boolean {
  if (local.product !== target.product) return true;
  return local.major < target.major || (local.major === target.major && local.minor < target.minor);
}

/**
 * Whether a trial on `local` says nothing about files for `target`: another product or another release (major.minor).
 * A newer binary takes lines an older one refuses (7.0.15 started on a users.acl with 7.0's `resetchannels`, which
 * 6.0.20 aborts on: QA45-57), an older one refuses lines the target has: only the target's release proves the files.
 */
export function otherRelease(local: ServerVersion, target: ServerVersion): boolean {
  return local.product !== target.product || local.major !== target.major || local.minor !== target.minor;
}

/** How a message names the binary that ran: `redis-server 7.4.1`, `valkey-server 8.0.1`, `redis-server (valkey 8.0.1)`. */
export function binaryLabel(binary: string, version: string): string {
  if (!version.startsWith('valkey ')) return `${binary} ${version}`;
  return binary.startsWith('valkey-') ? `${binary} ${version.slice('valkey '.length)}` : `${binary} (${version})`;
}

/** The binaries a trial may run, the product's own first: Valkey installs valkey-server, and may not link redis-server. */
export function trialBinaries(kind: TrialSpec['kind'], product: TrialSpec['product'] = 'redis'): readonly string[] {
  const suffix = kind === 'sentinel' ? 'sentinel' : 'server';
  return product === 'valkey' ? [`valkey-${suffix}`, `redis-${suffix}`] : [`redis-${suffix}`, `valkey-${suffix}`];
}

/** The first of the binaries that runs and prints its version. */
export async function findBinary(binaries: readonly string[]): Promise<{ binary: string; version: string } | undefined> {
  for (const binary of binaries) {
    const version = await binaryVersion(binary);
    if (version !== undefined) return { binary, version };
  }
  return undefined;
}

/** AUTH as the user (or, without one, PING: any reply means the server is up). */
async function tryAuth(port: number, user: string | undefined, password = ''): Promise<'ok' | 'refused' | 'down'> {
  let conn;
  try {
    conn = await connect({ host: '127.0.0.1', port, connectTimeoutMs: TRIAL_CONNECT_TIMEOUT_MS, commandTimeoutMs: TRIAL_COMMAND_TIMEOUT_MS });
  } catch {
    return 'down';
  }
  try {
    const reply = await conn.command(user === undefined ? ['PING'] : authArgs(user, password)!);
    if (reply instanceof ReplyError) return /LOADING/.test(reply.message) ? 'down' : user === undefined ? 'ok' : 'refused';
    return 'ok';
  } catch {
    return 'down';
  } finally {
    await conn.close();
  }
}

/** A secret line as the server reads it. */
function lineText(line: SecretLine): string {
  return [...line.key, line.secret].map(quoteArg).join(' ');
}

/** The passwords a trial knows: its logins', and each secret of standard input as it is and as quoted on its line. */
export function trialSecrets(spec: Pick<TrialSpec, 'logins' | 'stdinLines'>): string[] {
  return [...spec.logins.map((l) => l.password), ...spec.stdinLines.flatMap((l) => [l.secret, quoteArg(l.secret)])].filter((v) => v !== '' && v !== '""');
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).map((l) => l.replace(/^\d+:[A-Z] [^#*.-]*[#*.-] /, '')).join(' / ');
}

/** The directives of the files a trial would start, read as the server reads them, or why they cannot be read. */
async function trialDirectives(conf: string, cwd: string, mapPath?: (path: string) => string): Promise<readonly Directive[] | { error: string }> {
  try {
    // As far as the server reads before the first line it refuses: it loads modules only once the whole file is read.
    return (await loadConfFiles(conf, { cwd, deferErrors: true, ...(mapPath ? { mapPath } : {}) })).directives;
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * What of the files the trial would start makes the server run code of the files' own: a `loadmodule` (or a module
 * config, which needs one), a Sentinel `notification-script` or `client-reconfig-script`, in the file or any file it
 * includes, read as the server reads them. harden runs as root more often than not, on files it was handed (a
 * hostile server's INFO, a pull request's redis.conf): the trial never runs their code. Undefined when none; a
 * configuration that cannot be read here is not started either.
 */
export async function codeTheFilesRun(conf: string, cwd: string, kind: TrialSpec['kind'] = 'redis'): Promise<string | undefined> {
  return codeIn(await trialDirectives(conf, cwd), topConfPath(conf, cwd), kind);
}

function codeIn(directives: readonly Directive[] | { error: string }, top: string, kind: TrialSpec['kind']): string | undefined {
  if ('error' in directives) return `redfort could not read the files it would start (${directives.error}), so it cannot tell they load no code of their own`;
  for (const d of directives) {
    const at = d.source.path === top ? `line ${d.source.line} of the generated ${kind === 'sentinel' ? 'sentinel.conf' : 'redis.conf'}` : `${d.source.path}:${d.source.line}`;
    if (d.name === 'loadmodule') return `the config loads a module (loadmodule at ${at}), code redfort does not run`;
    if (d.name.includes('.')) return `the config sets a module's option (${clipped(d.name)} at ${at}), which needs its module loaded, code redfort does not run`;
    const sub = d.args[0]?.toLowerCase();
    // A Sentinel's own file's script lines are left out of the trial's copy ({@link sentinelTrialLine}); an include's cannot be.
    const ownSentinelLine = kind === 'sentinel' && d.source.path === top;
    if (d.name === 'sentinel' && SCRIPTS.has(sub ?? '') && !ownSentinelLine) return `the config names a script (sentinel ${sub} at ${at}), code redfort does not run`;
  }
  return undefined;
}

/** The Sentinel lines that run a program of the files. */
const SCRIPTS: ReadonlySet<string> = new Set(['notification-script', 'client-reconfig-script']);
/** The Sentinel lines that make it contact a node (`known-slave` is `known-replica`'s old name). */
const CONTACTS: ReadonlySet<string> = new Set(['known-replica', 'known-slave', 'known-sentinel']);
/** What a Sentinel announces of itself to the nodes it contacts. */
const ANNOUNCES: ReadonlySet<string> = new Set(['announce-ip', 'announce-port', 'announce-hostnames']);

/**
 * What a trial Sentinel's copy has instead of one of its own file's lines, or undefined to keep it: `sentinel
 * monitor` watches a closed port (127.0.0.1:1), with the name and quorum as written; the nodes it knows
 * (`known-replica`, `known-sentinel`), what it announces of itself and its scripts are left out (QA41-61). Read from the parsed
 * line, so a quoted master name (`"my master"`) stays one word.
 */
function sentinelTrialLine(d: Directive): string | undefined {
  if (d.name !== 'sentinel') return undefined;
  const sub = d.args[0]?.toLowerCase() ?? '';
  if (sub === 'monitor' && d.args.length === 5) return ['sentinel', 'monitor', d.args[1]!, '127.0.0.1', '1', d.args[4]!].map(quoteArg).join(' ');
  if (CONTACTS.has(sub)) return `# sentinel ${sub}: not contacted by the trial`;
  if (ANNOUNCES.has(sub)) return `# sentinel ${sub}: not announced by the trial`;
  if (SCRIPTS.has(sub)) return `# sentinel ${sub}: not run by the trial`;
  return undefined;
}

/** The path here an include's `arg` (opened from `cwd`) is read from under `spec.mapPath`, when that maps it. */
function mappedInclude(arg: string, cwd: string, spec: Pick<TrialSpec, 'mapPath'>): string | undefined {
  if (!spec.mapPath) return undefined;
  const named = isAbsolute(arg) ? arg : resolve(cwd, arg);
  const mapped = spec.mapPath(named);
  return mapped === named ? undefined : mapped;
}

/**
 * Why the trial cannot start the files as read here, or undefined: an include's own `include` names a deploy-time
 * path that --path-map reads from elsewhere, which the trial's copy of the top file cannot rewrite.
 */
function includesUnmapped(directives: readonly Directive[], top: string, spec: TrialSpec): string | undefined {
  if (!spec.mapPath) return undefined;
  let at = spec.cwd;
  for (const d of directives) {
    if (d.name === 'dir' && d.args.length === 1) at = resolve(at, d.args[0]!);
    if (d.name !== 'include' || d.args.length !== 1 || d.source.path === top) continue;
    if (mappedInclude(d.args[0]!, at, spec) !== undefined) return `an included file includes a path --path-map reads from elsewhere (include at ${d.source.path}:${d.source.line}), which the trial cannot point there`;
  }
  return undefined;
}

/**
 * Why a trial Sentinel would contact a node the files name, or undefined: a `sentinel monitor` or `known-…` line in
 * an include, which the trial's copy of the file cannot rewrite (QA41-61).
 */
function contactsIn(directives: readonly Directive[], top: string, kind: TrialSpec['kind']): string | undefined {
  if (kind !== 'sentinel') return undefined;
  for (const d of directives) {
    const sub = d.args[0]?.toLowerCase() ?? '';
    if (d.name === 'sentinel' && d.source.path !== top && (sub === 'monitor' || CONTACTS.has(sub))) return `the config names a node to contact in an include (sentinel ${sub} at ${d.source.path}:${d.source.line}), which the trial cannot point away from the deployment's nodes`;
  }
  return undefined;
}

/** Why this machine cannot `chdir` into a directory, or undefined when it can. */
async function cannotEnter(dir: string): Promise<string | undefined> {
  try {
    if (!(await stat(dir)).isDirectory()) return 'is not a directory on this machine';
    await access(dir, constants.X_OK);
    return undefined;
  } catch (error) {
    const text = fsErrorText(error, dir);
    return /no such file/i.test(text) ? 'does not exist on this machine' : `cannot be entered on this machine (${text})`;
  }
}

/**
 * The lines of the file a trial starts that redis-server acts on while it reads them, before the command line's
 * `--dir` and `--logfile` (which come after the file) override them, each set in the trial's copy to the trial's own
 * path, on the same line: a `dir` this machine cannot enter (Docker's `/data`, a data directory only the target host
 * has: the server `chdir`s at once and stops, "No such file or directory"), and every `logfile` (before 7.0 the server
 * opens it for appending as it reads the line: one whose directory this machine lacks stops it, and one it has would
 * be written to, created as harden's user, the deployed server's log). Only the file's own lines: an include's are
 * left as they are. With the notes the trial's detail gives for the `dir` lines it changed.
 */
async function trialCopyLines(directives: readonly Directive[], top: string, cwd: string, spec: TrialSpec, log: string): Promise<{ lines: Map<number, string>; notes: string[] }> {
  const lines = new Map<number, string>();
  const notes: string[] = [];
  let at = cwd;
  let scripts = false;
  for (const d of directives) {
    const own = d.source.path === top;
    if (d.name === 'logfile' && d.args.length === 1 && own) lines.set(d.source.line, `logfile ${quoteArg(log)}`);
    // An include of a deploy-time path (--path-map): the copy names the file it is read from here.
    const mapped = own && d.name === 'include' && d.args.length === 1 ? mappedInclude(d.args[0]!, at, spec) : undefined;
    if (mapped !== undefined) lines.set(d.source.line, `include ${quoteArg(mapped)}`);
    const sentinelLine = spec.kind === 'sentinel' && own ? sentinelTrialLine(d) : undefined;
    if (sentinelLine !== undefined) {
      lines.set(d.source.line, sentinelLine);
      scripts ||= SCRIPTS.has(d.args[0]?.toLowerCase() ?? '');
    }
    if (d.name !== 'dir' || d.args.length !== 1) continue;
    const target = resolve(at, d.args[0]!);
    const why = await cannotEnter(target);
    if (why === undefined || !own) {
      at = target;
      continue;
    }
    lines.set(d.source.line, `dir ${quoteArg(spec.workDir)}`);
    notes.push(`dir ${clipped(d.args[0]!)} (line ${d.source.line}) ${why}: the trial started a copy with that line set to its own directory; the output keeps it`);
    at = spec.workDir;
  }
  if (scripts) notes.push('without its notification-script and client-reconfig-script lines: the trial runs no script of the files');
  return { lines, notes };
}

/**
 * Starts the server on a free loopback port with the generated files, checks that every generated user logs
 * in with its password, and stops it. Never leaves the process behind. Never starts files that run code of their
 * own ({@link codeTheFilesRun}): that trial is skipped, and says why.
 */
export async function runTrial(spec: TrialSpec): Promise<TrialResult> {
  const top = topConfPath(spec.conf, spec.cwd);
  const directives = await trialDirectives(spec.conf, spec.cwd, spec.mapPath);
  const code = codeIn(directives, top, spec.kind);
  if (code !== undefined || 'error' in directives) return { ok: false, skipped: true, detail: `trial start skipped: ${code}; the output is unvalidated (start it by hand where that code is trusted)` };
  const contacts = contactsIn(directives, top, spec.kind);
  if (contacts !== undefined) return { ok: false, skipped: true, detail: `trial start skipped: ${contacts}; the output is unvalidated (start it by hand away from the deployment)` };
  const unmapped = includesUnmapped(directives, top, spec);
  if (unmapped !== undefined) return { ok: false, skipped: true, detail: `trial start skipped: ${unmapped}; the output is unvalidated (start it by hand where that path is)` };
  const binaries = trialBinaries(spec.kind, spec.product);
  const found = await findBinary(binaries);
  if (!found) return { ok: false, detail: `no ${binaries.join(' or ')} binary on this machine: the output is unvalidated` };
  const { binary, version } = found;
  const copy = await trialCopyLines(directives, top, spec.cwd, spec, trialLog(spec));
  // A port found free can be taken by another process before the server binds it: try again on another one.
  let result = await trialOnce(spec, binary, version, copy.lines);
  for (let i = 0; i < 2 && !result.ok && /Address already in use/.test(result.detail); i++) result = await trialOnce(spec, binary, version, copy.lines);
  return copy.notes.length > 0 ? { ...result, detail: `${result.detail} (${copy.notes.join('; ')})` } : result;
}

/** The trial's log file: on the command line, and in place of the file's own `logfile` lines ({@link trialCopyLines}). */
function trialLog(spec: TrialSpec): string {
  return join(spec.workDir, 'trial.log');
}

/**
 * The file the server starts from: the generated file in place, or, for a Sentinel (which rewrites its file) and for a
 * file with lines the trial sets to its own paths, a copy in the work directory under the generated file's name.
 */
async function trialConf(spec: TrialSpec, lines: ReadonlyMap<number, string>, appended: readonly string[]): Promise<string> {
  if (spec.kind !== 'sentinel' && lines.size === 0 && appended.length === 0) return spec.conf;
  const conf = join(spec.workDir, spec.kind === 'sentinel' ? 'sentinel.conf' : 'redis.conf');
  const text = (await readFile(spec.conf, 'utf8')).split('\n').map((line, i) => lines.get(i + 1) ?? line).join('\n');
  await writeFile(conf, appended.length === 0 ? text : `${text.replace(/\n?$/, '\n')}${appended.map((l) => `${l}\n`).join('')}`, { mode: 0o600 });
  return conf;
}

/**
 * Whether the server reads more config from standard input when `-` is its last argument: Redis 6.2 and later
 * (redis@6.2.16 server.c: "Either first or last argument"), every Valkey. Redis 6.0 reads stdin only for a config
 * file named `-` (redis@6.0.20 loadServerConfig), and takes a trailing `-` as one more word of the last option.
 */
function readsStdinLast(version: string): boolean {
  const minor = majorMinor(version);
  return minor === undefined || isAtLeast(minor, 6, 2);
}

async function trialOnce(spec: TrialSpec, binary: string, version: string, lines: ReadonlyMap<number, string>): Promise<TrialResult> {
  const port = await freePortPair();
  // Before 6.2 the secrets go at the end of the trial's copy (0600, in its work directory): read, as from standard
  // input, after the file and before the command line's options.
  const stdin = readsStdinLast(version);
  const secretText = spec.stdinLines.map(lineText);
  const conf = await trialConf(spec, lines, stdin ? [] : secretText);
  const log = trialLog(spec);
  const args = [
    conf,
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', spec.workDir,
    '--logfile', log,
    '--daemonize', 'no',
    '--supervised', 'no',
    '--pidfile', join(spec.workDir, 'trial.pid'),
    '--syslog-enabled', 'no',
    ...spec.overrides.flatMap((o) => [`--${o[0]}`, ...o.slice(1)]),
  ];
  // A `-` as the last argument reads more config from standard input, after the file and before the options.
  if (stdin && secretText.length > 0) args.push('-');
  // Standard output too: what the server says before it opens its log file (`can't open config file`) goes there.
  const child = spawn(binary, args, { cwd: spec.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  const heard = (d: Buffer) => (stderr = `${stderr}${d.toString()}`.slice(-65_536));
  child.stdout.on('data', heard);
  child.stderr.on('data', heard);
  let exited = false;
  child.once('exit', () => (exited = true));
  // 'exit' can come before the last of its output: 'close' comes after.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // A server that exits before it reads its input (a file it refuses at once) closes the pipe under the write: the
  // EPIPE is no news (the log says why it stopped), and unheard it took the whole process down.
  child.stdin.on('error', () => {});
  child.stdin.end(stdin ? secretText.map((l) => `${l}\n`).join('') : '');
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGKILL');
    for (let i = 0; i < 50 && !exited; i++) await sleep(20);
  };
  try {
    const first = spec.logins[0];
    let up = false;
    for (let i = 0; i < 150 && !exited; i++) {
      const state = await tryAuth(port, first?.user, first?.password);
      if (state !== 'down') {
        up = true;
        break;
      }
      await sleep(100);
    }
    if (!up) {
      if (exited) await Promise.race([closed, sleep(500)]);
      const logText = await readFile(log, 'utf8').catch(() => '');
      // Redis echoes a line it refuses (`>>> 'sentinel auth-pass m <password>'`), the secret lines of standard input
      // too: their values never reach the summary or PLAN.md.
      const why = redact(lastLines(`${logText}\n${stderr}`, 3), trialSecrets(spec)) || 'no output';
      return { ok: false, binary, binaryVersion: version, detail: `${binaryLabel(binary, version)} did not start with the generated files: ${why}` };
    }
    const refused: string[] = [];
    for (const login of spec.logins) if ((await tryAuth(port, login.user, login.password)) !== 'ok') refused.push(login.user || 'requirepass');
    if (refused.length > 0) return { ok: false, binary, binaryVersion: version, detail: `${binaryLabel(binary, version)} started, but ${refused.join(', ')} could not log in with the generated password` };
    return { ok: true, binary, binaryVersion: version, detail: `${binaryLabel(binary, version)} started on 127.0.0.1:${port} with the generated files; ${spec.logins.length === 0 ? "no user's password known (their users exist already; --secrets gives harden the credentials.env that has them): logins not checked" : `${spec.logins.length} user${spec.logins.length === 1 ? '' : 's'} logged in (${spec.logins.map((l) => l.user || 'requirepass').join(', ')})`}` };
  } finally {
    await stop();
  }
}
