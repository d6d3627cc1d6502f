// What `redfort harden` runs, for the CLI and the library alike: no terminal in it (the CLI prints the summary it
// returns). Loaded only when the command runs (src/cli/commands/harden.ts imports it then): an audit never loads it.
import { terminalLines } from '../report/common.ts';
import { markdownText } from '../report/markdown.ts';
import { sha256Hex } from '../util/hash.ts';
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { readIdNames } from '../gather/host/files.ts';
import { gatherTarget, judgeFacts } from '../app/audit.ts';
import { auditFiles } from '../app/audit.ts';
import type { TargetResult } from '../engine/run.ts';
import type { Facts } from '../facts/types.ts';
import { factsFromFiles, gatherFiles, pathMapper } from '../gather/conf/gather-files.ts';
import type { FileInputs } from '../gather/conf/gather-files.ts';
import type { UnlistenableBind } from '../gather/conf/effective.ts';
import { DIRECTIVES, defaultFor, existsInVersion, resolveVersion } from '../redis/directives.ts';
import type { ServerVersion } from '../redis/directives.ts';
import { versionAtLeast } from '../redis/directives.ts';
import { isIPv4 } from 'node:net';
import { bindCommentProblem } from '../gather/conf/values.ts';
import { isVersionText, shownVersion } from '../redis/version.ts';
import { resolveTarget } from '../redis/target.ts';
import type { Target, TargetFlags } from '../redis/target.ts';
import { listeningConfigFile } from '../gather/host/index.ts';
import { isLocalHost } from '../net/address.ts';
import { packageVersion } from '../package-root.ts';
import type { Provenance, TlsFiles } from '../profile/index.ts';
import { generatePassword, isProfileName, PROFILES, readSecretsFile, userName, validUserPrefix, writeSecretsFile } from '../profile/index.ts';
import { redactSecrets, renderLine } from './conf-edit.ts';
import { unifiedDiff } from './diff.ts';
import { harden, HardenRefusal, tlsPortText } from './harden.ts';
import { deploymentPorts } from './deployment.ts';
import type { DeploymentPorts, NodesFile } from './deployment.ts';
import type { HardenResult } from './harden.ts';
import { executableOf, unitRunsOther } from './executable.ts';
import { ownTlsFiles } from './own-tls.ts';
import type { OwnTls } from './own-tls.ts';
import { foreignTree, makeStage, untrustedDirectory } from './stage.ts';
import { commentHeader, executableNotes, foreignPlaceNotes, hostFiles, serviceNames, HostPathError, logrotateNotes, outcomeLabel, planMarkdown, readWritePathNotes, sandboxNotes, sharedDirectory, sharedDirectoryNotes, unitEnvFiles, unitOf } from './outputs.ts';
import type { RuleOutcome, TrialOutcome } from './outputs.ts';
import { binaryLabel, findBinary, freePort, otherRelease, runTrial, trialBinaries } from './trial.ts';
import type { SecretLine, TrialResult } from './trial.ts';
import { DEFAULT_MAX_FILE_BYTES, FileReadError, readTextFile, withRegularFile } from '../util/read-file.ts';
import { realPath } from '../util/write-file.ts';
import { fsErrorText } from '../util/fs-error.ts';
import { certKeyProblem, certKeyProblemText } from '../util/tls-pair.ts';
import { clipped } from '../util/shown.ts';
import { credentialOf, login } from '../fix/session.ts';
import { fileCertificates } from '../gather/probe/index.ts';

/** The sentinel's ACL file in the output directory (installed at its `aclfile` path). */
export const SENTINEL_ACL = 'sentinel-users.acl';

/** Bad input to harden (a flag, a file, a version): nothing is written; the CLI reports it as a usage error. */
export class HardenInputError extends Error {}

/** What `redfort harden` is asked: its flags, with the timeouts as numbers and the environment that holds REDISCLI_AUTH. */
export interface HardenRequest extends TargetFlags {
  uri?: string;
  a?: string;
  config?: string;
  acl?: string;
  sentinelConfig?: string;
  /** `--sentinel-acl`: the sentinel's ACL file (its users), when a sentinel.conf is hardened (beside a --config, or alone). */
  sentinelAcl?: string;
  out?: string;
  redisVersion?: string;
  profile: string;
  bind?: string[];
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  /** `--tls-port`, as given. */
  tlsPort?: string;
  userPrefix: string;
  secrets?: string;
  force?: boolean;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** Where REDISCLI_AUTH is read from (the process's environment, for the CLI). */
  env: Readonly<Record<string, string | undefined>>;
  /** `--start-dir`, absolute: the directory the server of the files starts in (relative includes, aclfile, `dir`). */
  startDir?: string;
  /** `--path-map`: deploy-time directories and the directories here their includes and aclfile are read from. */
  pathMap?: FileInputs['pathMap'];
}

/** Where the server of files hardened alone starts, and which deploy-time includes are read here (FileInputs'). */
type Placement = Pick<FileInputs, 'cwd' | 'pathMap'>;

/** What a harden run ends with: its exit code (0 passed, 1 the trial or the re-audit failed) and its summary. */
export interface HardenRun {
  readonly code: 0 | 1;
  readonly summary: string;
}

/** Where Debian's packages put the config files: the paths a live server's files are installed at when they cannot be read. */
function debianPaths(product: 'redis' | 'valkey'): { conf: string; sentinel: string } {
  return product === 'valkey' ? { conf: '/etc/valkey/valkey.conf', sentinel: '/etc/valkey/sentinel.conf' } : { conf: '/etc/redis/redis.conf', sentinel: '/etc/redis/sentinel.conf' };
}

/**
 * How many Sentinels watch a live data node: the distinct run ids of its connections named `sentinel-<id>-cmd` and
 * `sentinel-<id>-pubsub` (Sentinel names its two links so), from CLIENT LIST, read-only; why not, when it cannot tell.
 */
async function sentinelWatchersOf(target: Target, options: { connectTimeoutMs: number; commandTimeoutMs: number }): Promise<number | string> {
  try {
    const conn = await login(target, credentialOf(target), options);
    try {
      const reply = await conn.command(['CLIENT', 'LIST']);
      if (typeof reply !== 'string') return `CLIENT LIST: ${clipped(String(reply), 200)}`;
      return new Set(reply.split('\n').map((l) => /\bname=sentinel-([0-9a-f]+)-/.exec(l)?.[1]).filter((id) => id !== undefined)).size;
    } finally {
      await conn.close();
    }
  } catch (error) {
    return clipped(error instanceof Error ? error.message : String(error), 200);
  }
}

/** Reads an input file through the one bounded, regular-file-only reader; a failure is a usage error naming it. */
async function readInput(path: string, flag: string): Promise<string> {
  try {
    return await readTextFile(path);
  } catch (error) {
    if (error instanceof FileReadError) throw new HardenInputError(`${path}: cannot read the ${flag} file: ${error.detail}`);
    throw error;
  }
}

/**
 * Why the TLS files a config file names cannot stand for --tls-* (read as --tls-*'s are: bounded, regular files only,
 * never a byte of them in a message), or undefined when the key is the certificate's and the CA can be read.
 */
async function ownTlsProblem(own: OwnTls): Promise<string | undefined> {
  const texts: string[] = [];
  for (const [directive, path] of [['tls-cert-file', own.files.cert], ['tls-key-file', own.files.key], ['tls-ca-cert-file', own.files.ca]] as const) {
    try {
      texts.push(await readTextFile(path));
    } catch (error) {
      return `its ${directive} ${clipped(path, 120)} cannot be read here (${error instanceof FileReadError ? error.detail : fsErrorText(error, path)})`;
    }
  }
  const problem = certKeyProblem(texts[0]!, texts[1]!);
  return problem === undefined ? undefined : certKeyProblemText(problem, `its tls-cert-file ${clipped(own.files.cert, 120)}`, `its tls-key-file ${clipped(own.files.key, 120)}`);
}

/** How gatherFiles refuses a line the version does not have (effective.ts's stopsHere). */
const STOPS_AT_LINE = / stops at this line \((?:Bad directive|Unrecognized sentinel)/;

/** Redis 5.0 to 8.x and Valkey 7.2 to 9.x: what the profile and the directive table know (Valkey's up to 9.1). */
function knownVersion(text: string): ServerVersion | undefined {
  // The whole value, as audit checks it: '7.2.4; x' was taken as 7.2 by a check of its start.
  if (!isVersionText(text)) return undefined;
  const v = resolveVersion(text);
  if (v.product === 'valkey') return (v.major === 7 && v.minor >= 2) || v.major === 8 || v.major === 9 ? v : undefined;
  return v.major >= 5 && v.major <= 8 ? v : undefined;
}

/** A live server's settings as a redis.conf, when its own file cannot be read: the values that differ from the compiled defaults. */
function confFromLive(facts: Facts, version: ServerVersion): string {
  const lines = ['# Rendered by redfort harden from the live server\'s CONFIG GET: its own config file could not be read.'];
  const config = facts.config ?? new Map();
  for (const spec of DIRECTIVES) {
    if (!existsInVersion(spec, version)) continue;
    const fact = config.get(spec.name);
    if (!fact || fact.value === defaultFor(spec, version.key)) continue;
    if (['dir', 'port', 'daemonize', 'pidfile', 'logfile', 'supervised'].includes(spec.name) && fact.value === '') continue;
    const multi = spec.multiArg === true || spec.name === 'save' || spec.name === 'bind' || spec.name === 'client-output-buffer-limit';
    const args = multi && fact.value !== '' ? fact.value.split(/\s+/) : [fact.value];
    lines.push(renderLine([spec.name], args));
  }
  return `${lines.join('\n')}\n`;
}

/** A rule's status in a result; when it fails, each distinct finding once, with the file and line outside `generated` (the staged copies). */
function statusOf(result: TargetResult | undefined, rule: string, generated: readonly string[] = []): { status: string; messages?: string[] } {
  const rs = result?.results.filter((x) => x.ruleId === rule) ?? [];
  if (rs.length === 0) return { status: 'n/a' };
  const failing = rs.filter((r) => r.status === 'fail');
  if (failing.length > 0) {
    const messages = failing.map((r) => {
      const s = r.source;
      if (s?.kind !== 'file') return r.message;
      const own = generated.some((dir) => resolve(s.path).startsWith(`${resolve(dir)}/`));
      return `${r.message} (${own ? `the generated ${basename(s.path)}` : `${s.path}:${s.line}, an input harden does not edit`})`;
    });
    return { status: 'fail', messages: [...new Set(messages)] };
  }
  // Why a rule was not judged (a skip is no pass: harden's summary says so).
  const first = rs[0]!;
  return first.status === 'pass' ? { status: 'pass' } : { status: first.status, messages: [first.message] };
}


/**
 * The ports of the node's deployment, for its TLS port: what the live server lists (CLUSTER NODES, INFO replication),
 * the sentinel.conf given, and, for a cluster node whose config file was read here and whose node list was not, the
 * cluster-config-file the server keeps beside its data (its `dir`; a relative one taken from the config's directory).
 */
async function deploymentOf(facts: Facts, confPath: string | undefined, sentinel: { path: string; text: string } | undefined, startDir: string | undefined): Promise<DeploymentPorts> {
  const fc = facts.files?.config ?? facts.config ?? new Map();
  let nodesFile: NodesFile | undefined;
  let nodesFileUnread: string | undefined;
  if (fc.get('cluster-enabled')?.value === 'yes' && !facts.cluster && confPath) {
    const dir = resolve(startDir ?? dirname(resolve(confPath)), fc.get('dir')?.value || '.');
    const path = resolve(dir, fc.get('cluster-config-file')?.value || 'nodes.conf');
    try {
      nodesFile = { path, text: await readTextFile(path) };
    } catch (error) {
      nodesFileUnread = `the cluster-config-file ${path} not read (${error instanceof FileReadError ? error.detail : fsErrorText(error, path)})`;
    }
  }
  return deploymentPorts(facts, fc, { ...(sentinel ? { sentinelText: sentinel.text, sentinelPath: sentinel.path } : {}), ...(nodesFile ? { nodesFile } : {}), ...(nodesFileUnread ? { nodesFileUnread } : {}) });
}

/**
 * Whether a path exists on this host, for the new ACL file's name: a stat, nothing read or written. A dangling symlink
 * exists; a path that cannot be looked up (EACCES) counts as existing, since harden cannot tell it is free.
 */
function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}

/**
 * The config file of a live target, never on the server's word: INFO's `config_file` is what the server (or whatever
 * answers on its port: a proxy, a fake run by any local user) says, and harden, run as root, would read, rewrite and
 * start it. A file is taken only when the target is this machine and the process that listens on its port is a Redis
 * or Valkey server started with it (its command line or systemd unit, found through /proc as the audit's host
 * gatherer does), and it can be read. `{ ok: false }` when a local server names a file that cannot be confirmed so;
 * undefined when there is none to take (a remote server, or one started without a file): then the settings are
 * CONFIG GET's.
 */
async function ownConfigFile(target: Target, facts: Facts): Promise<{ ok: true; path: string } | { ok: false; why: string } | undefined> {
  const reported = facts.server?.configFile || undefined;
  const named = reported === undefined ? 'its config file' : `'${clipped(reported)}', the config file the server reports,`;
  // Another machine's file is not here: its settings are CONFIG GET's (a file of this machine at that path is another).
  if (!isLocalHost(target.host)) return undefined;
  const own = await listeningConfigFile(target.host, target.port, facts).catch((error: unknown) => ({ known: false as const, reason: error instanceof Error ? error.message : String(error) }));
  if (!own.known) return reported === undefined ? undefined : { ok: false, why: `${named} is not read: ${own.reason}` };
  if (own.value === null) return undefined;
  // Through the one reader's checks (a regular file, opened non-blocking): a FIFO put in the file's place blocked a
  // plain open for ever, timers and signals with it (QA41-52).
  try {
    withRegularFile(own.value, DEFAULT_MAX_FILE_BYTES, () => undefined);
  } catch (error) {
    return { ok: false, why: `the config file ${clipped(own.value)} of the server's process cannot be read: ${error instanceof FileReadError ? error.detail : fsErrorText(error, own.value)}` };
  }
  return { ok: true, path: own.value };
}

/**
 * The directories the hardened config names (data `dir`, the directories of `logfile`, `unixsocket`, `pidfile`) that
 * the server's user owns already on this machine: a directory reached through no symbolic link, owned by that user's
 * uid (/etc/passwd). permissions.sh and the drop-in take them as the server's own place (outputs.ts placeProblem).
 */
async function ownedByServerUser(result: HardenResult, user: string): Promise<Set<string>> {
  const owned = new Set<string>();
  const uid = [...(await readIdNames()).users].find(([, name]) => name === user)?.[0];
  if (uid === undefined) return owned;
  const dirs = [result.dataDir, ...[result.logfile, result.unixsocket, result.pidfile].map((p) => (p === undefined ? undefined : posix.dirname(p)))];
  for (const dir of dirs) {
    if (!dir?.startsWith('/')) continue;
    const path = posix.normalize(dir).replace(/(.)\/+$/, '$1');
    try {
      const stat = lstatSync(path);
      if (stat.isDirectory() && stat.uid === uid && realpathSync(path) === path) owned.add(path);
    } catch {
      // Not here (another machine's path): not known to be the server's.
    }
  }
  return owned;
}

/** Whether `path` is `dir` or lies under it, both taken through their symbolic links where they exist. */
function inside(dir: string, path: string): boolean {
  const d = realPath(dir);
  const p = realPath(resolve(path));
  return p === d || p.startsWith(d.endsWith('/') ? d : `${d}/`);
}

/**
 * Hardens a live server's or its files' configuration into `flags.out` (written whole or not at all), starts the
 * result in a throwaway server and re-audits it. Writes nothing to the terminal: the summary is returned.
 */
export async function runHarden(spec: string | undefined, flags: HardenRequest): Promise<HardenRun> {
  if (!flags.out) throw new HardenInputError('--out DIR is required: harden writes only into its output directory');
  if (!isProfileName(flags.profile)) throw new HardenInputError(`--profile must be baseline or strict, not '${clipped(flags.profile)}'`);
  if (!validUserPrefix(flags.userPrefix)) throw new HardenInputError(`--user-prefix '${clipped(flags.userPrefix)}' may only hold letters, digits and _ . : -`);
  for (const address of flags.bind ?? []) {
    if (!/^-?[0-9A-Za-z.:*%_-]+$/.test(address)) throw new HardenInputError(`--bind '${clipped(address)}' is not an address (give the target before --bind, or repeat --bind ADDR)`);
    // Digits and dots that are no IPv4 address (999.1.1.1): no host has such a name, and redis-server exits.
    if (/^-?[0-9.]+$/.test(address) && !isIPv4(address.replace(/^-/, ''))) throw new HardenInputError(`--bind '${clipped(address)}' is not an IPv4 address: redis-server cannot resolve it and exits at start`);
  }
  // Addresses redis-server cannot listen on together or at all (an address and its port, a wildcard beside another
  // address of its family): the trial start binds 127.0.0.1 itself, so it cannot catch them, and the files would not
  // start where they are deployed (QA37-6). Read as 6.2 and later read them; 6.0's own reading is checked below.
  const bindProblem = flags.bind?.length ? bindCommentProblem(flags.bind) : undefined;
  if (bindProblem !== undefined) throw new HardenInputError(`--bind ${flags.bind!.map((a) => clipped(a)).join(' ')}: ${bindProblem}`);
  const tlsGiven = [flags.tlsCert, flags.tlsKey, flags.tlsCa].filter((x) => x !== undefined).length;
  if (tlsGiven !== 0 && tlsGiven !== 3) throw new HardenInputError('--tls-cert, --tls-key and --tls-ca go together');
  let tlsPort: number | undefined;
  if (flags.tlsPort !== undefined) {
    tlsPort = /^\d{1,5}$/.test(flags.tlsPort) ? Number(flags.tlsPort) : NaN;
    if (!(tlsPort >= 1 && tlsPort <= 65_535)) throw new HardenInputError(`--tls-port '${clipped(flags.tlsPort)}' is not a port (1 to 65535)`);
    if (tlsGiven !== 3) throw new HardenInputError('--tls-port goes with --tls-cert, --tls-key and --tls-ca (it is the port of the TLS they set up)');
  }
  const tls: TlsFiles | undefined = tlsGiven === 3 ? { cert: resolve(flags.tlsCert!), key: resolve(flags.tlsKey!), ca: resolve(flags.tlsCa!) } : undefined;
  if (tls) {
    const [cert, key] = [await readInput(tls.cert, '--tls-cert'), await readInput(tls.key, '--tls-key'), await readInput(tls.ca, '--tls-ca')];
    // Else the trial start fails on OpenSSL's `key values mismatch`, after every file is written.
    const problem = certKeyProblem(cert, key);
    if (problem !== undefined) throw new HardenInputError(certKeyProblemText(problem, `the --tls-cert file '${flags.tlsCert}'`, `the --tls-key file '${flags.tlsKey}'`));
  }
  const live = spec !== undefined || flags.uri !== undefined || flags.host !== undefined || flags.port !== undefined || flags.socket !== undefined;
  if (!live && !flags.config && !flags.sentinelConfig) throw new HardenInputError('give a live target (redis://…) or --config FILE');
  // --acl is the ACL file of --config's server (or of the live server); the sentinel's is --sentinel-acl. A
  // sentinel.conf alone takes either (--acl was its only flag), not both.
  if (flags.sentinelAcl !== undefined && !flags.sentinelConfig) throw new HardenInputError('--sentinel-acl is the ACL file of the --sentinel-config sentinel: give --sentinel-config FILE too');
  if (flags.sentinelAcl !== undefined && flags.acl !== undefined && !flags.config && !live) throw new HardenInputError('--acl and --sentinel-acl both name the ACL file of the sentinel.conf hardened alone: give one');
  const texts = new Map<string, string>();
  for (const [path, flag] of [[flags.config, '--config'], [flags.acl, '--acl'], [flags.sentinelConfig, '--sentinel-config'], [flags.sentinelAcl, '--sentinel-acl']] as const) if (path) texts.set(path, await readInput(path, flag));
  // A redis.conf is no sentinel.conf, and the other way round (QA40-28: the server's own file as --sentinel-config
  // gave a "sentinel.conf" with masterauth in clear text and the server's aclfile; QA40-29: a `sentinel` line in a
  // redis.conf, which redis-server refuses, gave an error row per rule). Bad input: one line, nothing written.
  if (flags.config && flags.sentinelConfig && sameFile(flags.config, flags.sentinelConfig)) {
    throw new HardenInputError(`--sentinel-config ${flags.sentinelConfig}: is the --config file: give the sentinel's own config file`);
  }
  if (flags.sentinelConfig && !/^[ \t]*sentinel[ \t]/im.test(texts.get(flags.sentinelConfig) ?? '')) {
    throw new HardenInputError(`--sentinel-config ${flags.sentinelConfig}: has no 'sentinel' line (sentinel monitor …): not a sentinel config`);
  }
  if (flags.config) {
    const at = (texts.get(flags.config) ?? '').split('\n').findIndex((l) => /^[ \t]*sentinel([ \t]|$)/i.test(l));
    if (at >= 0) throw new HardenInputError(`${flags.config}:${at + 1}: 'sentinel' directive in a redis-server config (redis-server refuses it; pass a sentinel's file with --sentinel-config)`);
  }
  const out = resolve(flags.out);
  // `--force` replaces the whole directory: never one that holds an input (nor, below, the server's data or log), nor
  // a system directory: that would delete the server's own files, not an earlier output.
  const held = [flags.config, flags.acl, flags.sentinelConfig, flags.sentinelAcl, tls?.cert, tls?.key, tls?.ca].find((p) => p !== undefined && inside(out, p));
  if (held !== undefined) throw new HardenInputError(`${flags.out}: holds the input ${held}: harden writes only into its output directory and replaces it whole; choose a directory of its own`);
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new HardenInputError(`${flags.out}: exists and is not a directory`);
    const entries = readdirSync(out);
    if (entries.length > 0 && !flags.force) throw new HardenInputError(`${flags.out}: exists and is not empty (use --force to replace it)`);
    if (entries.length > 0 && sharedDirectory(realpathSync(out))) throw new HardenInputError(`${flags.out}: a system directory other software shares, which --force would replace whole; choose a directory of its own`);
  } else if (!existsSync(dirname(out))) {
    throw new HardenInputError(`${flags.out}: its parent directory does not exist`);
  }
  // Staged in --out's parent and renamed into place (QA41-63): only where no other user can change the way there,
  // and over an earlier output whose directories are all this user's (or root's), which --force removes by path.
  const parentDir = untrustedDirectory(dirname(out));
  if (parentDir.problem !== undefined) throw new HardenInputError(`${flags.out}: ${parentDir.problem}: another user could swap harden's files there for links to other files; choose a directory that only you (or root) can change`);
  const placed = join(parentDir.real, basename(out));
  if (flags.force && existsSync(out)) {
    const foreign = foreignTree(placed);
    if (foreign !== undefined) throw new HardenInputError(`${flags.out}: ${foreign}: --force does not remove a directory another user may change (remove it yourself)`);
  }
  if (flags.redisVersion !== undefined && !knownVersion(flags.redisVersion)) {
    throw new HardenInputError(`--redis-version '${clipped(flags.redisVersion)}' is not a version redfort knows (Redis 5.0 to 8.x, Valkey 7.2 to 9.x)`);
  }
  let reuse = new Map<string, string>();
  if (flags.secrets) {
    try {
      reuse = new Map((await readSecretsFile(flags.secrets)).map((s) => [s.user, s.password]));
    } catch (error) {
      throw new HardenInputError(`${flags.secrets}: cannot use the --secrets file: ${fsErrorText(error, flags.secrets)}`);
    }
  }
  const timeouts = { connectTimeoutMs: flags.connectTimeoutMs, commandTimeoutMs: flags.commandTimeoutMs };
  // --start-dir and --path-map (files alone): where the server starts and which deploy-time includes are read here.
  const placement: Placement = { ...(flags.startDir !== undefined ? { cwd: flags.startDir } : {}), ...(flags.pathMap?.length ? { pathMap: flags.pathMap } : {}) };

  // Gather, as an audit does.
  let facts: Facts;
  let versionText = flags.redisVersion;
  // --redis-version is the server's version: a directive it does not have is the line redis-server stops at, and the
  // files are refused as an audit refuses them (gatherFiles' versionKnown). The local redis-server's, taken for files
  // that name none, is a guess, and a live server's is its own (its config file was read so by the gather) but not
  // that of a sentinel.conf given beside it: such a line is the trial's to find.
  const versionKnown = flags.redisVersion !== undefined;
  /** The server's version as a message may quote it, when it was the server's ({@link shownVersion}). */
  let versionShown: string | undefined;
  let confPath = flags.config;
  let sentinelPath = flags.sentinelConfig;
  let versionNote: string | undefined;
  /**
   * Set when the version is the local binary's, a guess: a line it lacks is then refused with this said (QA45-50), and
   * the summary says it (QA45-57: a Redis 6.0 file got 7.0's ACL syntax, and the trial on that binary passed).
   */
  let guessed: string | undefined;
  let liveTarget: Target | undefined;
  /** The last `bind` line of the redis.conf, and of the sentinel.conf, when redis-server cannot listen on it. */
  let confBind: UnlistenableBind | undefined;
  let sentinelBind: UnlistenableBind | undefined;
  /** Sentinel connections of a live data node (CLIENT LIST), when no sentinel.conf is hardened beside it (QA40-16). */
  let sentinelWatchers: number | string | undefined;
  if (live) {
    const pass = flags.pass ?? flags.a;
    const target = resolveTarget(flags.uri ?? spec, { ...flags, ...(pass !== undefined ? { pass } : {}) }, flags.env);
    liveTarget = target;
    const gathered = await gatherTarget(target, { ...timeouts, noProbe: true, noHost: true, ...(flags.config ? { configPath: flags.config } : {}), ...(flags.acl ? { aclPath: flags.acl } : {}), ...(flags.sentinelConfig ? { sentinelConfigPath: flags.sentinelConfig } : {}) });
    if (!gathered.ok) throw new HardenInputError(`${target.display}: ${gathered.error}`);
    // Else it went on with nothing read and said "version 'unknown' is not one redfort knows: pass --redis-version".
    if (gathered.facts.connection?.unauthenticated) throw new HardenInputError(`${target.display}: ${gathered.facts.connection.unauthenticated}`);
    facts = gathered.facts;
    const sentinelMode = facts.server?.mode === 'sentinel';
    const found = sentinelMode ? sentinelPath === undefined ? await ownConfigFile(target, facts) : undefined : confPath === undefined ? await ownConfigFile(target, facts) : undefined;
    const flag = sentinelMode ? '--sentinel-config' : '--config';
    if (found !== undefined && !found.ok) throw new HardenInputError(`${target.display}: ${found.why}: pass ${flag} FILE`);
    if (sentinelMode) {
      sentinelPath ??= found?.path;
      if (!sentinelPath) throw new HardenInputError(`${target.display}: a sentinel, whose config file is unknown: pass --sentinel-config FILE`);
      confPath = undefined;
    } else {
      confPath ??= found?.path;
      // Sentinels watching this node log in as the default user the hardened files turn off: counted as fix counts them.
      if (!sentinelPath) sentinelWatchers = await sentinelWatchersOf(target, timeouts);
    }
    if (versionText === undefined && facts.server?.version) {
      const product = facts.server.product === 'valkey' ? 'valkey ' : '';
      versionText = `${product}${facts.server.version}`;
      // INFO is the server's to write (a hostile one's held the password AUTH sent it, escapes, a megabyte).
      versionShown = `${product}${shownVersion(facts.server.version)}`;
    }
  } else {
    if (versionText === undefined) {
      const local = await findBinary(trialBinaries('redis'));
      if (!local) throw new HardenInputError('the files do not name their Redis version and no redis-server is installed: pass --redis-version');
      versionText = local.version;
      versionNote = `the files do not name their version: taken as ${local.version}, the local ${local.binary}'s (pass --redis-version to choose)`;
      // Another product's binary here is the likely answer (Valkey's valkey.conf beside Debian's redis-server).
      const other = await findBinary(trialBinaries('redis').filter((b) => b !== local.binary));
      const example = other ? ` (${other.version.replace(' ', '-')} is the local ${other.binary}'s)` : ' (e.g. 7.2.6, valkey-9.1.2)';
      guessed = `the files name no version: ${local.version.replace(' ', '-')} is the local ${local.binary}'s, a guess; pass --redis-version${example}`;
    }
    // A redis.conf beside a sentinel.conf: the server's facts are its file's (the sentinel.conf is another server's).
    // A bind line redis-server cannot listen on is no refusal here: harden replaces it (PLAN.md says so).
    const unlistenableBind = (at: UnlistenableBind): void => {
      if (flags.config) confBind = at;
      else sentinelBind = at;
    };
    // A guessed version is the trial's binary: a line it lacks stops that server, the trial fails and every rule of the
    // re-audit is an error (the input's own audit only warned). Refused here, as a version given is, saying it was a guess.
    const gathered = await gatherFiles({ configPath: flags.config, aclPath: flags.config ? flags.acl : flags.acl ?? flags.sentinelAcl, ...(flags.config ? {} : { sentinelConfigPath: flags.sentinelConfig }), version: versionText, versionKnown: versionKnown || guessed !== undefined, unlistenableBind, flagHints: !live, ...placement });
    if (!gathered.ok) throw new HardenInputError(guessed !== undefined && STOPS_AT_LINE.test(gathered.error) ? `${gathered.error}: ${guessed}` : gathered.error);
    facts = factsFromFiles(flags.config ?? flags.sentinelConfig!, gathered.gathered, versionText);
  }
  const version = versionText ? knownVersion(versionText) : undefined;
  if (!version) throw new HardenInputError(`version '${versionShown ?? versionText ?? 'unknown'}' is not one redfort knows (Redis 5.0 to 8.x, Valkey 7.2 to 9.x): pass --redis-version`);
  if (flags.bind?.length && !versionAtLeast(version, 6, 2)) {
    // 6.0 has no '-' prefix (an optional address): it looks the word up as a host name and exits.
    const sixZero = bindCommentProblem(flags.bind, { beforeOptional: true, six: true, release: version.label });
    if (sixZero !== undefined) throw new HardenInputError(`--bind ${flags.bind.map((a) => clipped(a)).join(' ')}: ${sixZero}`);
  }
  if (confPath && facts.config?.get('aclfile')?.value && !facts.acl && facts.unavailable.acl) {
    throw new HardenInputError(`${confPath}: ${facts.unavailable.acl}: pass the ACL file with --acl`);
  }

  const readText = async (path: string): Promise<string> => texts.get(path) ?? readInput(path, 'config');
  const confText = confPath ? await readText(confPath) : facts.server?.mode !== 'sentinel' && live ? confFromLive(facts, version) : undefined;
  const debian = debianPaths(version.product);
  const conf = confText !== undefined ? { path: confPath ?? debian.conf, text: confText } : undefined;
  const sentinel = sentinelPath ? { path: sentinelPath, text: await readText(sentinelPath) } : undefined;
  const info = facts.info?.get('replication');
  const replication = info ? info.get('role') === 'slave' || Number(info.get('connected_slaves') ?? '0') > 0 : (facts.config?.get('replicaof')?.value ?? '') !== '' || (facts.config?.get('masteruser')?.value ?? '') !== '';
  const profile = PROFILES[flags.profile];
  const deployedConf = confPath ? resolve(confPath) : debian.conf;
  const deployedSentinel = sentinelPath ? resolve(sentinelPath) : debian.sentinel;
  // Without --tls-*, the TLS files the config already names stand for them (QA36-1): a config file's are read here, as
  // --tls-*'s are; a live server's are its word, never followed to read them (the trial does not load them either).
  let ownTls: OwnTls | undefined;
  let ownTlsRefused: string | undefined;
  if (!tls && conf && (version.product === 'valkey' || version.major >= 6)) {
    const own = ownTlsFiles(facts.files?.config ?? facts.config ?? new Map(), { ...(confPath ? { confPath } : {}), ...(live ? { live: facts.config ?? new Map() } : {}) });
    if (own !== undefined && 'why' in own) ownTlsRefused = own.why;
    else if (own !== undefined) {
      const unusable = own.read ? await ownTlsProblem(own) : undefined;
      if (unusable === undefined) ownTls = own;
      else ownTlsRefused = unusable;
    }
  }
  const tlsFiles = tls ?? ownTls?.files;
  // Also without TLS: a cluster node's or a replication node's bind is not narrowed to loopback while the other nodes
  // may be on other hosts (QA39-7).
  const deployment = conf ? await deploymentOf(facts, confPath, sentinel, placement.cwd) : undefined;
  if (deployment && tlsFiles && tlsPort !== undefined) {
    // Its own tls-port may be asked for again; under strict, which closes it, its own plaintext port too.
    const own = ["this server's tls-port", ...(profile.tlsOnly ? ["this server's port"] : [])];
    const taken = deployment.used.find((u) => u.port === tlsPort && !own.includes(u.by));
    if (taken) throw new HardenInputError(`--tls-port ${tlsPort} is ${taken.by}: choose a port no node of the deployment uses`);
  }
  // The sentinel.conf's own facts: those of the target when it is the sentinel, else its file read alone (a
  // redis.conf beside it is another server's).
  let sentinelFacts: Facts | undefined;
  if (sentinel) {
    if (facts.server?.mode === 'sentinel' && !conf) sentinelFacts = facts;
    else {
      const read = await gatherFiles({ sentinelConfigPath: sentinel.path, aclPath: flags.sentinelAcl, version: versionText, versionKnown, unlistenableBind: (at) => (sentinelBind = at), flagHints: !live, ...placement });
      if (!read.ok) throw new HardenInputError(read.error);
      sentinelFacts = factsFromFiles(sentinel.path, read.gathered, versionText);
    }
    // Its users are kept (the profile's already there not made again): a sentinel.conf whose aclfile is not read
    // would get new ones, and a second harden of harden's own output (aclfile at its installed path) was no no-op.
    const own = sentinelFacts.sources.has('live') ? undefined : sentinelFacts;
    if (own?.config?.get('aclfile')?.value && !own.acl && own.unavailable.acl) {
      throw new HardenInputError(`${sentinel.path}: ${own.unavailable.acl}: pass the sentinel's ACL file with --sentinel-acl`);
    }
  }
  let result: HardenResult;
  try {
    result = harden(facts, conf, {
      profile, version, prefix: flags.userPrefix, ...(flags.bind ? { bind: flags.bind } : {}), ...(confBind ? { unlistenableBind: confBind } : {}), ...(sentinelBind ? { sentinelUnlistenableBind: sentinelBind } : {}), ...(tlsFiles ? { tls: tlsFiles } : {}), reuse, deployedConf,
      ...(ownTls ? { ownTls } : {}), ...(ownTlsRefused !== undefined ? { ownTlsRefused } : {}),
      deployedSentinelConf: deployedSentinel, ...(sentinel ? { sentinel } : {}), ...(sentinelFacts ? { sentinelFacts } : {}), replication,
      ...(deployment ? { deployment } : {}), ...(tlsPort !== undefined ? { tlsPort } : {}), pathExists, ...(sentinelWatchers !== undefined ? { sentinelWatchers } : {}),
    });
  } catch (error) {
    if (error instanceof HardenRefusal) throw new HardenInputError(error.message);
    throw error;
  }

  // The server's own files, known now: --force would delete them with the directory it replaces.
  const serverFiles = [confPath, result.dataDir, result.logfile, ...(ownTls ? [ownTls.files.cert, ownTls.files.key, ownTls.files.ca] : [])].filter((p): p is string => p !== undefined && p.startsWith('/'));
  const ownFile = existsSync(out) ? serverFiles.find((p) => inside(out, p)) : undefined;
  if (ownFile !== undefined) throw new HardenInputError(`${flags.out}: holds ${ownFile}, the server's own: harden writes only into its output directory and replaces it whole; choose a directory of its own`);

  const inputs = [
    ...(confPath ? [{ path: resolve(confPath), sha256: sha256Hex(confText!) }] : conf ? [{ path: `${facts.target} (CONFIG GET)`, sha256: sha256Hex(confText!) }] : []),
    ...(flags.acl ? [{ path: resolve(flags.acl), sha256: sha256Hex(texts.get(flags.acl)!) }] : []),
    ...(sentinel ? [{ path: resolve(sentinel.path), sha256: sha256Hex(sentinel.text) }] : []),
    ...(flags.sentinelAcl ? [{ path: resolve(flags.sentinelAcl), sha256: sha256Hex(texts.get(flags.sentinelAcl)!) }] : []),
  ];
  const provenance: Provenance = { tool: 'redfort harden', redfortVersion: packageVersion(), profile, inputs, date: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
  const header = commentHeader(provenance);

  // The output is staged beside --out (in a directory only this user and root can change: checked above) and renamed
  // into place: a directory the user may not write (or /proc, /sys) is bad input, one line naming it, not an
  // 'unexpected error: EACCES: permission denied, mkdtemp …'.
  const staged = await makeStage(parentDir.real, out).catch((error: unknown) => {
    throw new HardenInputError(`${flags.out}: cannot write into ${dirname(out)}: ${fsErrorText(error)}`);
  });
  const stage = staged.path;
  const work = await mkdtemp(join(tmpdir(), 'redfort-harden-trial-'));
  try {
    const written: string[] = [];
    const put = async (name: string, content: string, mode = 0o640): Promise<void> => {
      await staged.put(name, content, mode);
      written.push(name);
    };
    if (result.conf !== undefined) {
      await put('redis.conf', header + result.conf);
      await put('redis.conf.diff', unifiedDiff(redactSecrets(result.confBefore ?? ''), redactSecrets(result.conf), { from: `a/${basename(conf!.path)}`, to: 'b/redis.conf' }));
    }
    if (result.aclLines) await put('users.acl', `${result.aclLines.join('\n')}\n`);
    if (result.sentinelConf !== undefined) {
      await put('sentinel.conf', header + result.sentinelConf);
      await put('sentinel.conf.diff', unifiedDiff(redactSecrets(result.sentinelBefore ?? ''), redactSecrets(result.sentinelConf), { from: `a/${basename(sentinel!.path)}`, to: 'b/sentinel.conf' }));
    }
    if (result.sentinelAclLines) await put(SENTINEL_ACL, `${result.sentinelAclLines.join('\n')}\n`);
    // What the drop-ins start: the server's own executable, as far as harden can tell (PLAN.md says how it knows).
    const liveIs = (kind: 'server' | 'sentinel') => liveTarget !== undefined && (facts.server?.mode === 'sentinel') === (kind === 'sentinel') ? { live: { target: liveTarget, facts } } : {};
    const executables = {
      ...(result.conf !== undefined ? { server: await executableOf({ kind: 'server', product: version.product, version, unit: unitOf('server', deployedConf, version.product), conf: deployedConf, ...(result.dataDir ? { dataDir: result.dataDir } : {}), ...liveIs('server') }) } : {}),
      ...(sentinel ? { sentinel: await executableOf({ kind: 'sentinel', product: version.product, version, unit: unitOf('sentinel', deployedSentinel, version.product), conf: deployedSentinel, ...liveIs('sentinel') }) } : {}),
    };
    const ownedByUser = await ownedByServerUser(result, serviceNames(version.product).user);
    const hostInputs = { result, product: version.product, ...(result.conf !== undefined ? { confPath: deployedConf } : {}), ...(sentinel ? { sentinelPath: deployedSentinel } : {}), ...(tlsFiles ? { tls: tlsFiles } : {}), ...(ownTls ? { tlsFrom: ownTls.read ? 'config' as const : 'server' as const } : {}), executables, ownedByUser };
    let host;
    try {
      host = hostFiles(hostInputs, header);
    } catch (error) {
      if (error instanceof HostPathError) throw new HardenInputError(error.message);
      throw error;
    }
    for (const [name, file] of host) {
      await put(join('host', name), file.content, file.mode ?? 0o644);
    }
    try {
      await writeSecretsFile(join(stage, 'credentials.env'), result.credentials, [`Generated by redfort harden ${provenance.redfortVersion}, profile ${profile.name} ${profile.version}, on ${provenance.date}`, "The operators' copy of these passwords: move it to a vault. No service reads it: each systemd drop-in reads its own host/<unit>.env (PLAN.md)."]);
    } catch (error) {
      // A user Redis accepts (any name without spaces) whose new password a credentials.env line cannot name.
      throw new HardenInputError(`cannot write credentials.env: ${error instanceof Error ? error.message : String(error)}`);
    }
    written.push('credentials.env');
    // Each drop-in's env file: only the passwords it passes on the command line (QA40-20), of those this run knows (a
    // kept user's it was not given: PLAN.md says to add its line). Its users' names are the credentials.env's, which
    // rendered them above.
    const envFiles = unitEnvFiles(hostInputs);
    for (const env of envFiles) {
      await staged.dirsFor(env.file);
      await writeSecretsFile(join(stage, env.file), result.credentials.filter((c) => env.users.includes(c.user)), [`Generated by redfort harden ${provenance.redfortVersion} on ${provenance.date}: the secrets ${env.unit}.service's drop-in passes on the command line, and no other.`, `Install as ${env.path} (root:root 0600): its EnvironmentFile=.`]);
      written.push(env.file);
    }

    const passwordOf = new Map(result.credentials.map((c) => [c.user, c.password]));
    // The trial loads TLS files harden has read (--tls-*'s, a config file's own); a live server's never.
    const trialTls = tls !== undefined || ownTls?.read === true ? 'load' : live ? 'off' : 'as-set';
    const shown = (text: string): string => underOut(text, stage, work, out);
    const tried = await trials(facts, result, passwordOf, stage, work, conf, version, trialTls, placement);
    const trial = { ...tried, detail: shown(tried.detail) };
    const outcomes: RuleOutcome[] = [];
    // Each file is judged on its own (a redis.conf and a sentinel.conf are two servers'), before and after; with both,
    // the sentinel's rows say so.
    for (const audited of await staticAudits(facts, sentinelFacts, result, stage, work, versionText!, conf, trialTls === 'load', !live || ownTls?.read === true, placement)) {
      for (const rule of new Set(audited.after.results.map((r) => r.ruleId))) {
        const b = statusOf(audited.before, rule);
        const a = statusOf(audited.after, rule, [stage, work]);
        const file = audited.file === 'sentinel.conf' && result.conf !== undefined ? { file: audited.file } : {};
        outcomes.push({ rule, ...file, before: b.status, after: a.status, claimed: audited.claims.has(rule), ...(a.messages ? { messages: a.messages.map(shown) } : {}) });
      }
    }
    const devLog = existsSync('/dev/log');
    const failsAfter = (rule: string) => outcomes.some((o) => o.rule === rule && o.after === 'fail');
    // QA40-10: the config's own certificate, kept as harden found it, still failing: said, not counted as harden's.
    const ownCertificate = outcomes.find((o) => o.rule === 'tls.certificate' && !o.claimed && o.after === 'fail');
    const certificateLeft = ownCertificate ? (ownCertificate.messages ?? ['still fails']).map((m) => `tls.certificate still fails, the config's own certificate, which harden keeps as it is (it makes no certificate: renew it, or give --tls-cert/--tls-key/--tls-ca): ${markdownText(m)}`) : [];
    // QA40-23: the drop-in is for the package's service when the config is no Debian instance's; a service whose
    // ExecStart= runs another config file would be restarted instead of this server.
    const unitsElsewhere: string[] = [];
    const unitSteps: string[] = [];
    for (const [kind, path] of [['server', result.conf !== undefined ? deployedConf : undefined], ['sentinel', sentinel ? deployedSentinel : undefined]] as const) {
      if (path === undefined) continue;
      const unit = unitOf(kind, path, version.product);
      const why = await unitRunsOther(unit, path);
      if (why === undefined) continue;
      unitsElsewhere.push(unit);
      unitSteps.push(`**${unit}.service does not run this config:** ${markdownText(why)}. Its drop-in (\`host/systemd/${unit}.service.d/redfort.conf\`) and \`systemctl restart ${unit}.service\` would restart that other server, under this config's paths, and leave this one running as it is. Give this config a unit of its own (a Debian instance: install it as \`/etc/${version.product}/${kind === 'server' ? version.product : 'sentinel'}-NAME.conf\`, run by \`${unit}@NAME.service\`, and harden that path; or a unit whose ExecStart= names it), install the drop-in as that unit's, and restart that unit.`);
    }
    const told = { ...result, manual: [...result.manual, ...certificateLeft, ...unitSteps], notes: [...result.notes, ...executableNotes(hostInputs), ...sandboxNotes(hostInputs), ...sharedDirectoryNotes(hostInputs), ...readWritePathNotes(hostInputs), ...foreignPlaceNotes(hostInputs), ...logrotateNotes(hostInputs), ...syslogNotes(result, devLog)], kept: [...result.kept, ...result.keptWhileFailing.filter((k) => failsAfter(k.rule)).map((k) => k.text)] };
    const plan = planMarkdown({ result: told, provenance, versionLabel: `${version.label}${versionNote ? ` (${versionNote})` : ''}`, outcomes, trial, credentials: result.credentials, files: [...written, 'PLAN.md'], admin: userName('admin', flags.userPrefix), unitsElsewhere, envFiles, deployed: { ...(result.conf !== undefined ? { conf: deployedConf } : {}), ...(sentinel ? { sentinel: deployedSentinel } : {}) } });
    // Read with cat as often as rendered: a user's name cannot act on the terminal (users.acl keeps it as it is).
    await put('PLAN.md', terminalLines(plan), 0o644);

    // Everything is written: put the directory in place in one rename.
    try {
      if (existsSync(placed)) {
        const old = `${stage}.old`;
        await rename(placed, old);
        await rename(stage, placed);
        await rm(old, { recursive: true, force: true });
      } else {
        await rename(stage, placed);
      }
    } catch (error) {
      throw new HardenInputError(`${flags.out}: the output could not be put in place: ${fsErrorText(error)}`);
    }
    // A rule the generated files cannot even be judged on (an error: a line the re-audit refuses) is no pass either.
    const failing = outcomes.filter((o) => o.claimed && (o.after === 'fail' || o.after === 'error'));
    const summary = summaryOf(out, facts.target, version.label, profile.name, trial, outcomes, result, devLog, flags.secrets, certificateLeft, guessed);
    return { code: trial.status === 'failed' || failing.length > 0 ? 1 : 0, summary };
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(stage, { recursive: true, force: true });
  }
}

/**
 * A message of the trial or the re-audit as the user reads it: the files were tried and re-audited in the staging
 * directory beside --out (and the re-audit's copy with the command-line secrets in the work directory), both gone once
 * the output is in place, so a path into either is named where that file now is, under --out (`out/redis.conf:418`).
 */
function underOut(text: string, stage: string, work: string, out: string): string {
  // The trial's copy of redis.conf (a `dir` it set to its own directory: trial.ts) has the generated file's lines.
  return text.split(join(work, 'server', 'redis.conf')).join(join(out, 'redis.conf')).split(`${stage}/`).join(`${out}/`).split(`${join(work, 'audit')}/`).join(`${out}/`);
}

/**
 * What the trial does with the TLS of the generated redis.conf: `load` its files for real (ones harden read: --tls-*'s,
 * a config file's own), on a free tls-port; `off` when they are a live server's word, which harden never follows to a
 * path to read, its trial server neither (and where harden runs they may not exist): tls-port 0, tls-replication no,
 * tls-cluster no, with which redis-server loads no TLS file (measured with 6.0.20 to 8.6.3, Valkey 8.0.1 and 9.1.2);
 * `as-set`: files given to harden that set TLS themselves are loaded on a free tls-port.
 */
type TrialTls = 'load' | 'off' | 'as-set';

async function trials(facts: Facts, result: HardenResult, passwordOf: ReadonlyMap<string, string>, stage: string, work: string, conf: { path: string } | undefined, version: ServerVersion, tlsMode: TrialTls, placement: Placement): Promise<TrialOutcome> {
  // The deploy-time paths of includes, read here (--path-map): the trial's copy names the files they are read from.
  const mapPath = placement.pathMap ? { mapPath: pathMapper(placement.pathMap) } : {};
  const details: string[] = [];
  let failed = false;
  let unvalidated = false;
  const secretLines = (file: 'redis.conf' | 'sentinel.conf', passwords: ReadonlyMap<string, string>): SecretLine[] =>
    result.secretArgs.filter((a) => a.file === file).map((a) => ({ key: a.key, secret: passwords.get(a.user) ?? '' }));
  // One rule for both trials: a binary of another release than the target's proves nothing about the files. An older
  // one (Debian's 7.0.15 for a Valkey 8 file) may not know directives the target has, so its refusal is no failure; a
  // newer one takes what the target refuses (7.0.15 started a users.acl with 7.0's `resetchannels` that 6.0.20 aborts
  // on: QA45-57), so its start is no pass. Either way: unvalidated, said on the trial's line.
  const judge = (trial: TrialResult, binary: string): void => {
    details.push(trial.detail);
    const other = trial.binaryVersion !== undefined && otherRelease(resolveVersion(trial.binaryVersion), version);
    const ran = trial.binaryVersion !== undefined ? binaryLabel(trial.binary ?? binary, trial.binaryVersion) : '';
    if (trial.skipped || trial.binaryVersion === undefined) unvalidated = true;
    else if (other) {
      unvalidated = true;
      const started = trial.ok ? `, its start proves nothing about ${version.label}` : '';
      details.push(`(the local ${ran} is not ${version.label}: the output is unvalidated${started}; run the trial where ${version.label} is installed)`);
    } else if (!trial.ok) failed = true;
  };
  // A requirepass given on the command line (Redis 5, a Sentinel before 6.2) is the default user's: `AUTH <password>`.
  const requirepassOf = (file: 'redis.conf' | 'sentinel.conf', user: string): boolean => result.secretArgs.some((a) => a.file === file && a.user === user && a.key.length === 1 && a.key[0] === 'requirepass');
  const loginsOf = (file: 'redis.conf' | 'sentinel.conf') => result.logins.filter((l) => l.file === file && passwordOf.has(l.user)).map((l) => ({ user: requirepassOf(file, l.user) ? '' : l.user, password: passwordOf.get(l.user)! }));
  if (result.conf !== undefined) {
    const dir = join(work, 'server');
    await mkdir(dir);
    // The trial binds and writes nothing the deployed server uses, wherever the files set it (an include too, which
    // the generated redis.conf keeps): redis-server unlinks its unix socket's path before it binds it, and a trial that
    // read `unixsocket` from an include took the running server's socket over and left it dead; a `tls-port` in use
    // made the trial fail "Address already in use". A setting counts when the input's facts (includes read) or the
    // generated file set it.
    const setIn = (name: string, text: RegExp): boolean => text.test(result.conf!) || !['', '0', 'no', undefined].includes(facts.config?.get(name)?.value);
    const overrides: string[][] = [['unixsocket', join(dir, 'redis.sock')], ['cluster-config-file', join(dir, 'nodes.conf')]];
    if (result.aclLines) overrides.push(['aclfile', join(stage, 'users.acl')]);
    if (setIn('replicaof', /^\s*(replicaof|slaveof)\s/im)) overrides.push(['replicaof', 'no', 'one']);
    // TLS is loaded for real (certificate, key, CA, ciphers); the trial only logs in over plaintext.
    if (tlsMode === 'load') overrides.push(['tls-port', String(await freePort())], ['tls-auth-clients', 'optional']);
    // A cluster-port (harden pins the bus there under tls-cluster) is the running node's bus.
    if (setIn('cluster-port', /^\s*cluster-port\s+0*[1-9]/im)) overrides.push(['cluster-port', String(await freePort())]);
    else if (setIn('tls-port', /^\s*tls-port\s+0*[1-9]/im)) overrides.push(['tls-port', String(await freePort())]);
    // Last: a later option wins. Only where the files use TLS: the directives are 6.0's.
    const tlsOff = tlsMode === 'off' && (setIn('tls-port', /^\s*tls-port\s+0*[1-9]/im) || setIn('tls-replication', /^\s*tls-replication\s+yes/im) || setIn('tls-cluster', /^\s*tls-cluster\s+yes/im));
    if (tlsOff) overrides.push(['tls-port', '0'], ['tls-replication', 'no'], ['tls-cluster', 'no']);
    // Relative includes resolve against the input's directory; a config rendered from a live server has none.
    const cwd = placement.cwd ?? (existsSync(dirname(resolve(conf!.path))) ? dirname(resolve(conf!.path)) : dir);
    const trial = await runTrial({ kind: 'redis', conf: join(stage, 'redis.conf'), workDir: dir, cwd, overrides, stdinLines: secretLines('redis.conf', passwordOf), logins: loginsOf('redis.conf'), product: version.product, ...mapPath });
    judge(trial, 'redis-server');
    if (tlsOff) details.push("(without TLS: its certificate files are the live server's word, which harden does not read, so its trial server did not load them either)");
  }
  if (result.sentinelConf !== undefined) {
    const dir = join(work, 'sentinel');
    await mkdir(dir);
    // The trial Sentinel contacts nothing but harden and runs none of the files' scripts (its copy, trialCopyLines): it
    // watches a closed port, not the real masters, and knows none of their replicas and sentinels (QA41-61); a trial
    // Sentinel that saw its master down ran notification-script as root (one in an include skips the trial).
    const text = await readFile(join(stage, 'sentinel.conf'), 'utf8');
    const overrides: string[][] = [['unixsocket', join(dir, 'sentinel.sock')]];
    if (result.sentinelAclLines) overrides.push(['aclfile', join(stage, SENTINEL_ACL)]);
    if (/^\s*tls-port\s+0*[1-9]/im.test(text)) overrides.push(['tls-port', String(await freePort())]);
    const trial = await runTrial({ kind: 'sentinel', conf: join(stage, 'sentinel.conf'), workDir: dir, cwd: placement.cwd ?? dir, overrides, stdinLines: secretLines('sentinel.conf', passwordOf), logins: loginsOf('sentinel.conf'), product: version.product, ...mapPath });
    judge(trial, 'redis-sentinel');
  }
  return { status: failed ? 'failed' : unvalidated ? 'unvalidated' : 'passed', detail: details.join('; ') };
}

/** One file's audit before harden and its static re-audit after, with the rules harden claims for it. */
interface FileAudit {
  readonly file: 'redis.conf' | 'sentinel.conf';
  readonly before: TargetResult;
  readonly after: TargetResult;
  readonly claims: ReadonlySet<string>;
}

/**
 * The input's audit, and the generated files' static audit as deployed (with the command-line secrets): the
 * redis.conf (with users.acl) and the sentinel.conf (with its ACL file) each on its own.
 */
async function staticAudits(facts: Facts, sentinelFacts: Facts | undefined, result: HardenResult, stage: string, work: string, version: string, conf: { path: string } | undefined, readTls: boolean, inputCertificates: boolean, placement: Placement): Promise<FileAudit[]> {
  const dir = join(work, 'audit');
  await mkdir(dir);
  const placeholder = new Map(result.secretArgs.map((a) => [a.user, generatePassword()]));
  const withSecrets = async (name: string, text: string, file: 'redis.conf' | 'sentinel.conf'): Promise<string> => {
    const path = join(dir, name);
    const lines = result.secretArgs.filter((a) => a.file === file).map((a) => [...a.key, placeholder.get(a.user)!].join(' '));
    await writeFile(path, `${text}${lines.length ? `\n${lines.join('\n')}\n` : ''}`, { mode: 0o600 });
    return path;
  };
  // Secrets given on the command line are not in any file: judge clear-text passwords on the files as written.
  // Every finding of the files as written replaces every finding of the deployed copy (one each: not the first one twice).
  const reaudit = async (inputs: FileInputs, deployedInputs: FileInputs): Promise<TargetResult> => {
    // The files' directory is where harden's output starts the server (offline: false keeps `dir` as harden wrote it).
    const asWritten = await auditFiles({ ...inputs, offline: false }, { fileCertificates: readTls });
    const deployed = await auditFiles({ ...deployedInputs, offline: false }, { fileCertificates: readTls });
    const rule = 'auth.plaintext-passwords';
    const written = asWritten.results.filter((x) => x.ruleId === rule);
    const first = deployed.results.findIndex((r) => r.ruleId === rule);
    const results = deployed.results.filter((r) => r.ruleId !== rule);
    if (first >= 0 && written.length > 0) results.splice(first, 0, ...written);
    const after: TargetResult = { ...deployed, results: first >= 0 && written.length > 0 ? results : deployed.results };
    return after.error ? asWritten : after;
  };
  const audits: FileAudit[] = [];
  if (result.conf !== undefined) {
    const cwd = placement.cwd ?? (conf ? dirname(resolve(conf.path)) : undefined);
    const inputs = { configPath: join(stage, 'redis.conf'), ...(result.aclLines ? { aclPath: join(stage, 'users.acl') } : {}), version, ...(cwd ? { cwd } : {}), ...(placement.pathMap ? { pathMap: placement.pathMap } : {}) };
    const after = await reaudit(inputs, { ...inputs, configPath: await withSecrets('redis.conf', result.conf, 'redis.conf') });
    // The input's certificate is judged as `redfort audit --config` judges it (QA40-10: "skip" before, for a certificate
    // the audit fails): read when the files are harden's input, never on a live server's word.
    audits.push({ file: 'redis.conf', before: judgeFacts(inputCertificates ? await fileCertificates(facts) : facts), after, claims: result.claims });
  }
  if (result.sentinelConf !== undefined) {
    const inputs = { sentinelConfigPath: join(stage, 'sentinel.conf'), ...(result.sentinelAclLines ? { aclPath: join(stage, SENTINEL_ACL) } : {}), version, ...placement };
    const after = await reaudit(inputs, { ...inputs, sentinelConfigPath: await withSecrets('sentinel.conf', result.sentinelConf, 'sentinel.conf') });
    audits.push({ file: 'sentinel.conf', before: judgeFacts(sentinelFacts ?? facts), after, claims: result.sentinelClaims ?? new Set() });
  }
  return audits;
}

/**
 * syslog-enabled yes, which the profile sets, sends the log to /dev/log of the host the server runs on: where nothing
 * listens there every message is dropped, and a live audit fails logging.syslog-disabled (host facts) while the
 * re-audit of the files alone passes it. Said in PLAN.md whenever harden claims the rule, and when this machine has no
 * /dev/log, that it has none.
 */
function syslogNotes(result: HardenResult, devLog: boolean): string[] {
  if (!result.claims.has('logging.syslog-disabled')) return [];
  return [`**syslog:** \`syslog-enabled yes\` sends the log to /dev/log, the syslog socket of the host the server runs on: where nothing listens there (a minimal container, a host without rsyslog or journald) every message is dropped, and an audit of the running server fails logging.syslog-disabled. The re-audit here judges the files alone and passes it.${devLog ? '' : ' This machine has no /dev/log: deployed here, the server logs nothing to syslog (start a syslog daemon, or set syslog-enabled no and ship the log file).'}`];
}

function summaryOf(out: string, target: string, versionLabel: string, profile: string, trial: TrialOutcome, outcomes: readonly RuleOutcome[], result: HardenResult, devLog: boolean, secrets: string | undefined, ownCertificate: readonly string[], guessed: string | undefined): string {
  const lines: string[] = [];
  lines.push(`Hardened ${target} (${versionLabel}, profile ${profile}) into ${out}`);
  // QA45-57: files that name no version were hardened for the local binary's release, a guess said only in PLAN.md.
  if (guessed !== undefined) lines.push(`Version: hardened and tried for ${versionLabel}, which may not be the server's (the files may not start there): ${guessed}`);
  lines.push(`Trial start: ${trial.status}: ${trial.detail}`);
  if (result.tlsPort) lines.push(`TLS port: ${tlsPortText(result.tlsPort, false)}${result.tlsPort.known ? ' (PLAN.md: what harden knew of the deployment)' : ''}`);
  if (result.bindKept) lines.push(result.bindKept);
  if (result.sentinelBindKept) lines.push(result.sentinelBindKept);
  if (result.sentinelsWatch) lines.push(result.sentinelsWatch);
  if (result.sentinelAlone) lines.push(result.sentinelAlone);
  if (result.sentinelTls) lines.push(result.sentinelTls);
  if (result.aclSkipped && result.aclPath) lines.push(`ACL file: ${result.aclPath}: ${result.aclSkipped.join(', ')} already ${result.aclSkipped.length === 1 ? 'exists' : 'exist'} on this host, another server's (PLAN.md)`);
  const changed = outcomes.filter((o) => o.claimed || o.before !== o.after);
  const width = Math.max(4, ...changed.map((o) => outcomeLabel(o).length));
  lines.push('', `${'rule'.padEnd(width)}  before  after`);
  for (const o of changed) lines.push(`${outcomeLabel(o).padEnd(width)}  ${o.before.padEnd(6)}  ${o.after}${o.claimed || (o.before === 'fail' && o.after === 'pass') ? '' : '  (not fixed by harden)'}`);
  const claimed = outcomes.filter((o) => o.claimed);
  const left = claimed.filter((o) => o.after === 'fail');
  // Only a pass counts: a rule the files cannot decide (skip) is said, never counted as fixed.
  const unjudged = claimed.filter((o) => o.after !== 'pass' && o.after !== 'fail');
  const passing = claimed.length - left.length - unjudged.length;
  lines.push('', `${passing} of ${claimed.length} rules harden fixes pass${left.length ? '; still failing:' : '.'}`);
  for (const o of left) for (const m of o.messages ?? ['still fails']) lines.push(`  ${outcomeLabel(o)}: ${m}`);
  // The config's own certificate, still failing (PLAN.md's "could not do" says it too).
  for (const m of ownCertificate) lines.push(m);
  for (const o of unjudged) lines.push(`${outcomeLabel(o)} is not judged on the generated files (${o.after}, not counted as passing): ${o.messages?.[0] ?? 'not judged'}`);
  if (!devLog && result.claims.has('logging.syslog-disabled')) lines.push('logging.syslog-disabled passes on the files alone: syslog-enabled yes needs a syslog daemon on /dev/log where the server runs, and this machine has none (PLAN.md).');
  // QA40-9: a password the --secrets file gave is no new credential.
  const reused = result.reused?.length ?? 0;
  const fresh = result.credentials.length - reused;
  const from = secrets ? ` from ${secrets}` : '';
  const counted = reused === 0
    ? `${fresh} new credential${fresh === 1 ? '' : 's'}`
    : fresh === 0 ? `${reused} credential${reused === 1 ? '' : 's'} reused${from}` : `${fresh} new credential${fresh === 1 ? '' : 's'} and ${reused} reused${from}`;
  lines.push(`${counted} in credentials.env (mode 0600); read PLAN.md before you deploy.`);
  return `${lines.join('\n')}\n`;
}

/** Whether two paths name one file (its real path; the resolved paths when one cannot be read). */
function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}
