import type { AllowEntry } from '../exporter/allow.ts';
import { parseTrustedNetwork } from '../exporter/allow.ts';
import { statSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { terminalSafe } from '../report/common.ts';
import { clipped } from '../util/shown.ts';
import { maskPassword } from '../redis/target.ts';

/**
 * One line on stderr. What a server, a file or a command-line argument put in the message is shown with its
 * control characters escaped: no terminal escape sequence, no line break.
 */
export function say(message: string): void {
  process.stderr.write(`redfort: ${terminalSafe(message)}\n`);
}

/** `target: error`, unless the error names the target already (`redis.conf:12: …`, `redis://h:1 is neither …`). */
export function namedError(target: string, error: string): string {
  // An error that names a file and line already (`.redfort.yaml:4: targets: <target>: …`) is its own line.
  return error.startsWith(`${target}:`) || error.startsWith(`${target} `) || /^[^ ]+:\d+: /.test(error) ? error : `${target}: ${error}`;
}

/** A usage problem: one line on stderr, exit 2. */
export class UsageError extends Error {}

/** Names that read as a config or ACL file rather than a host (no top-level domain ends so). */
const FILE_NAME = /\.(?:conf|config|cfg|acl|tpl)$/i;

/**
 * A positional target that names a file, not a server: `redfort audit /etc/redis/redis.conf` was taken as a host and
 * failed with "expected host, host:port or a redis:// URL", and `audit redis.conf` looked the name up in DNS. Said
 * instead, with the flag that takes the file when the command has one (`hint`). A path (with a slash) is never a host; a bare
 * name only when a regular file of that name is here and it reads as a config file (`redis` may be a host and a
 * folder alike).
 */
export function refuseFileTargets(specs: readonly (string | undefined)[], hint = 'a server is host, host:port or a redis:// URL'): void {
  for (const spec of specs) {
    if (spec === undefined || spec.includes('://') || spec.includes('@')) continue;
    const path = spec.includes('/') || spec.includes('\\');
    if (!path && !(FILE_NAME.test(spec) && isRegularFile(spec))) continue;
    throw new UsageError(`'${terminalSafe(clipped(spec))}' names a file, not a server: ${hint}`);
  }
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * A number as typed on the command line: plain decimal digits (with `fraction`, a point and digits after them
 * may follow), else undefined. `Number()` alone took `0x2`, `1e1`, `0b11`, ` 5` and `''` (as 0).
 */
export function plainNumber(value: string, fraction = false): number | undefined {
  return (fraction ? /^\d+(?:\.\d+)?$/ : /^\d+$/).test(value) ? Number(value) : undefined;
}

export function integer(value: string, name: string, min: number, max: number): number {
  const n = plainNumber(value) ?? Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not '${clipped(value)}'`);
  return n;
}

/** The connection's two timeouts from `--connect-timeout` and `--timeout`, each checked (1 ms to 10 minutes). */
export function timeoutsOf(flags: { connectTimeout: string; timeout: string }): { connectTimeoutMs: number; commandTimeoutMs: number } {
  return {
    connectTimeoutMs: integer(flags.connectTimeout, '--connect-timeout', 1, 600_000),
    commandTimeoutMs: integer(flags.timeout, '--timeout', 1, 600_000),
  };
}

/** An option with a default, shown unquoted in the help: `(default: 3000)`. */
export function withDefault(flags: string, description: string, value: string): Option {
  return new Option(flags, description).default(value, value);
}

/**
 * The parser of an option that names one file (or one value that a repeat cannot add to): given twice, a usage error
 * naming it, never the last one silently taken (`audit --acl a.acl --acl b.acl` read b.acl alone, QA41-100). Made
 * per registration, so per run: commander builds the program anew for every `main`.
 */
export function once(flag: string, what = 'one file'): (value: string) => string {
  let given: string | undefined;
  return (value: string) => {
    if (given !== undefined) throw new UsageError(`${flag} is given twice ('${terminalSafe(clipped(given))}' and '${terminalSafe(clipped(value))}'): it takes ${what}, give it once`);
    given = value;
    return value;
  };
}

/**
 * {@link once} for an option whose file is optional (`fix --apply [plan.json]`): a listener of its `option:` event,
 * which commander emits for the bare flag too (value null), where it calls no parser. `--apply --apply p.json` took
 * p.json and `--apply p.json --apply` dropped the saved plan for a fresh one, without a word (LEFT-1). Made per
 * registration, as {@link once}.
 */
export function onceOptional(flag: string, what: string): (value: string | null | undefined) => void {
  let given: string | null | undefined;
  const shown = (value: string | null) => (value === null ? 'with no file' : `'${terminalSafe(clipped(value))}'`);
  return (value) => {
    if (given !== undefined) throw new UsageError(`${flag} is given twice (${shown(given)} and ${shown(value ?? null)}): it takes ${what}, give it once`);
    given = value ?? null;
  };
}

/** A repeatable option's values, in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--start-dir DIR` and `--path-map DEPLOYED=DIR`, as given: where the server of files read alone starts and reads its includes. */
export interface PlacementFlags {
  startDir?: string;
  pathMap?: string[];
}

/** Where the server of files read alone starts (`cwd`) and which deploy-time paths are read from here (`pathMap`). */
export interface Placement {
  readonly cwd?: string;
  readonly pathMap?: readonly (readonly [from: string, to: string])[];
}

/**
 * `--start-dir` and `--path-map`, one pair of options for audit and harden alike (QA41-103): for a config whose
 * include lives outside the checkout. `files` says what the command does with files alone (`file-only audit`).
 */
export function placementOptions(files: string): [Option, Option] {
  return [
    new Option('--start-dir <dir>', `${files}: the directory redis-server starts in, from which it opens relative includes, a relative aclfile and \`dir\` (default: the config file's, an assumption the report names)`).argParser(once('--start-dir', 'one directory')),
    new Option('--path-map <deployed=dir>', `${files}: read an include or aclfile at or below the deploy-time directory DEPLOYED from DIR here (e.g. /opt/bitnami/redis/etc=./chart); repeatable`).argParser(collect),
  ];
}

/**
 * The placement the flags give, for files read alone; a usage error with a server (`live`: where a server found live
 * starts is its process's business, /proc/PID/cwd) or without a file (`files` false). `what` names the run (`a
 * file-only audit`).
 */
export function placementOf(flags: PlacementFlags, live: boolean, files: boolean, what: string): Placement {
  if (flags.startDir === undefined && flags.pathMap === undefined) return {};
  if (live || !files) throw new UsageError(`--${flags.startDir !== undefined ? 'start-dir' : 'path-map'} describes where the server of ${what} starts and reads its includes: give it with --config or --sentinel-config and no server`);
  return { ...(flags.startDir !== undefined ? { cwd: resolve(flags.startDir) } : {}), ...(flags.pathMap !== undefined ? { pathMap: flags.pathMap.map(pathMapEntry) } : {}) };
}

/** `--path-map DEPLOYED=DIR`: DEPLOYED an absolute path of the deployed server, DIR a directory here (from where redfort runs). */
function pathMapEntry(spec: string): [string, string] {
  const at = spec.indexOf('=');
  const from = at < 0 ? '' : spec.slice(0, at);
  const to = at < 0 ? '' : spec.slice(at + 1);
  if (!from.startsWith('/') || to === '') throw new UsageError(`--path-map must be DEPLOYED=DIR, DEPLOYED an absolute path where the server runs (e.g. /opt/bitnami/redis/etc=./chart), not '${clipped(spec)}'`);
  return [posix.normalize(from), resolve(to)];
}

/**
 * `--node-override KEY=URL`, one option for audit and fix alike (parsed by `nodeOverrides` in src/app/targets.ts):
 * KEY is a node's host:port (its URL then used as given) or a role.
 */
/**
 * The warning for a password given on the command line (-a, --pass, a URL's, a --node-override URL's: `ps` shows it
 * to every user of the machine, as redis-cli warns for -a), or undefined. A --node-override password also names the
 * way without one: an inventory's nodeOverrides with passwordEnv or passwordFile.
 */
export function commandLinePasswordWarning(flags: { readonly a?: string | undefined; readonly pass?: string | undefined; readonly authWarning?: boolean | undefined }, urls: readonly (string | undefined)[], nodeOverride: readonly string[] = []): string | undefined {
  // redis-cli's --no-auth-warning (QA45-56): scripts that pass -a add it to every call.
  if (flags.authWarning === false) return undefined;
  const inUrl = urls.some((url) => url !== undefined && maskPassword(url) !== url);
  const inOverride = nodeOverride.some((spec) => {
    const url = spec.slice(spec.indexOf('=') + 1);
    return maskPassword(url) !== url;
  });
  if (flags.a === undefined && flags.pass === undefined && !inUrl && !inOverride) return undefined;
  const instead = inOverride ? " (for node overrides: an inventory's nodeOverrides takes passwordEnv or passwordFile, docs/inventory.md)" : '';
  return `warning: a password on the command line is visible to other users of this machine (ps); prefer REDISCLI_AUTH${instead}`;
}

export function trustDiscoveredOption(): Option {
  return new Option('--trust-discovered <cidr>', "send the run's credentials only to discovered nodes in this network (CIDR, address or host name; optionally :PORT[-PORT]); others are audited without them, repeatable").argParser(collect);
}

/** `--trust-discovered`'s networks, read as the exporter's allowlist reads its entries; a bad one is the run's one line. */
export function trustDiscoveredOf(values: readonly string[] | undefined): AllowEntry[] | undefined {
  if (values === undefined) return undefined;
  return values.flatMap((v) => v.split(',')).map((v) => {
    const entry = parseTrustedNetwork(v);
    if (typeof entry === 'string') throw new UsageError(terminalSafe(`--trust-discovered ${clipped(entry, 240)}`));
    return entry;
  });
}

export function nodeOverrideOption(): Option {
  return new Option('--node-override <key=url>', "reach the nodes KEY (host:port, or master, replica, sentinel) with this URL's credentials, repeatable").argParser(collect);
}

/** redis-cli's connection flags, shared by the commands that connect. */
export function connectionOptions(command: Command): Command {
  return command
    .helpOption('--help', 'display help for command')
    .option('-u, --uri <url>', 'server URI, as redis-cli takes it')
    .option('-h, --host <host>', 'server hostname (redis-cli -h)')
    .addOption(new Option('-p, --port <port>', 'server port (redis-cli -p)').argParser((v) => integer(v, '--port', 1, 65535)))
    .option('-s, --socket <path>', 'server unix socket, overrides host and port (redis-cli -s); also unix:///path as a target')
    .option('--user <user>', 'ACL user to authenticate as')
    .option('--pass <password>', 'password (prefer the REDISCLI_AUTH environment variable)')
    .option('-a <password>', 'password, as redis-cli -a')
    .option('--no-auth-warning', 'do not warn that a password given on the command line is visible to other users (redis-cli --no-auth-warning)')
    .option('--tls', 'connect with TLS')
    .option('--cacert <file>', 'CA certificate file to verify the server with', once('--cacert'))
    .option('--cacertdir <dir>', 'directory of trusted CA certificates', once('--cacertdir', 'one directory'))
    .option('--cert <file>', 'client certificate to authenticate with', once('--cert'))
    .option('--key <file>', 'private key of the client certificate', once('--key'))
    .option('--sni <name>', 'server name for SNI')
    .option('--insecure', 'do not verify the server certificate (and send the credentials to a server whose certificate no trusted CA signed, which is otherwise refused)');
}
