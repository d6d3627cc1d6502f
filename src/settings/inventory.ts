import type { SampleRequest } from '../gather/sample/index.ts';
import { parseSampleData } from './sample-data.ts';
import { isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node, Pair } from 'yaml';
import type { Shape } from '../util/shown.ts';
import { notShown, quotable, shown, unsetVariable } from '../util/shown.ts';
import { secretOfFile } from '../util/secret-file.ts';
import type { SecretFileText } from '../util/secret-file.ts';
import { isDbNumber, maskPassword, MAX_DB, resolveTarget, TargetError, targetPassword, tlsFlagsOf, withoutPassword } from '../redis/target.ts';
import { fsErrorText } from '../util/fs-error.ts';
import { FirstThenCount } from '../util/words.ts';
import { describe, firstDuplicateKey, longDoubleQuoted, loneSurrogate, pairsOf, resolved, stringOf } from './parse.ts';
import { readPlainYaml } from './plain-yaml.ts';
import type { Fail } from './parse.ts';
import type { SettingsSource } from './types.ts';
import type { InventoryWarning } from '../engine/report.ts';
import { inventoryWarning } from '../engine/report.ts';
import { SettingsError, yamlErrorText } from './types.ts';
import { readYaml } from './yaml-document.ts';
import type { Target, TargetFlags, TlsFlagSettings, TlsFrom } from '../redis/target.ts';
import type { DeclaredPackage } from '../redis/distro-package.ts';
import { parseDeclaredPackage } from '../redis/distro-package.ts';
import { nearRole, overrideKey } from '../topology/override-key.ts';

/**
 * How to reach one server, as `defaults`, a group or a target of an inventory says it. The keys of
 * `.redfort.yaml`'s `targets`, plus where the password comes from.
 */
export interface ConnectionSettings extends TlsFlagSettings {
  readonly user?: string;
  /** Environment variable holding the password. */
  readonly passwordEnv?: string;
  /** File whose first line is the password. */
  readonly passwordFile?: string;
  /** Accepted with a warning: an inventory is rarely a secret. */
  readonly password?: string;
  readonly db?: number;
}

export type InventoryKind = 'cluster' | 'sentinel' | 'replication';

/**
 * One entry of `nodeOverrides`: how to reach the nodes of a deployment that its key names (a role, `master`,
 * `replica`, `sentinel`, or a node's `host:port`), as `--node-override KEY=URL` does on the command line. What it does
 * not give (the TLS files, the user) is the target's.
 */
export interface NodeOverrideSettings {
  /** The key as discovery looks it up: a role, or `host:port` in lower case (src/topology/override-key.ts). */
  readonly key: string;
  readonly connection: Omit<ConnectionSettings, 'db'>;
  /** The line of the key. */
  readonly line: number;
  /** The line of each connection key of the override. */
  readonly keyLines: Readonly<Record<string, number>>;
}

/** One target of an inventory, with its group's and the defaults' settings merged in (target > group > defaults). */
export interface InventoryTarget {
  /** As written: a URL, `host:port` or `host`. */
  readonly spec: string;
  readonly group?: string;
  readonly connection: ConnectionSettings;
  /** `env`, `team`, `region`…: copied into every report of the target. */
  readonly labels: Readonly<Record<string, string>>;
  /** Audit the deployment the target belongs to (`cluster: true`, …), as --cluster does. */
  readonly kind?: InventoryKind;
  /** `sampleData`: sample the target's keyspace with this request, or never (`null`); unset follows --sample-data. */
  readonly sampleData?: SampleRequest | null;
  /** `distroPackage`: the distribution package the target runs (`redis-server=5:7.0.15-1~deb12u10`), as --distro-package. */
  readonly distroPackage?: DeclaredPackage;
  /** `nodeOverrides` of the target, its group and the defaults, merged key by key (the nearest wins). */
  readonly nodeOverrides?: readonly NodeOverrideSettings[];
  /** The line of the target's own `nodeOverrides` (not its group's or the defaults'): it needs a deployment flag. */
  readonly ownNodeOverrides?: number;
  readonly source: SettingsSource;
  /** The line of the key that set each connection setting (the target's, its group's or the defaults'). */
  readonly keyLines?: Readonly<Record<string, number>>;
  /** The connection keys the target has from its group or the defaults, not its own. */
  readonly inherited?: readonly string[];
}

export interface Inventory {
  readonly path: string;
  readonly targets: readonly InventoryTarget[];
  /** Problems that do not stop the run (inline passwords, a target listed twice), each with its kind and line. */
  readonly warnings: readonly InventoryWarning[];
}

export interface InventoryOptions {
  /** Directory that relative file paths are resolved against (the inventory's own; the working directory for stdin). */
  readonly baseDir?: string;
  /**
   * Whether a target written twice is a warning saying it is audited twice (default: yes, as `audit --targets` does).
   * The exporter audits one entry per `host:port` and judges duplicates itself (src/exporter/inventory.ts).
   */
  readonly warnListedTwice?: boolean;
}

/**
 * The most bytes an inventory file may hold (docs/inventory.md), read by `audit --targets` and by the exporter's
 * `inventory:` alike: one fleet inventory serves both (the exporter read it with its config's 1 MiB and refused one of
 * 12,000 targets that the audit took, QA39-52).
 */
export const MAX_INVENTORY_BYTES = 64 * 1024 * 1024;

/** The most bytes an inventory's `passwordFile` may hold, for both readers too: it holds one line. */
export const MAX_INVENTORY_SECRET_BYTES = 64 * 1024;

const STRINGS = ['user', 'passwordEnv', 'passwordFile', 'password', 'cacert', 'cacertdir', 'cert', 'key', 'sni'] as const;
const PATHS: ReadonlySet<string> = new Set(['passwordFile', 'cacert', 'cacertdir', 'cert', 'key']);
const BOOLEANS = ['tls', 'insecure'] as const;
const KINDS: readonly InventoryKind[] = ['cluster', 'sentinel', 'replication'];
const CONNECTION_KEYS = [...STRINGS, ...BOOLEANS, 'db', 'labels', 'sampleData', 'distroPackage', ...KINDS, 'nodeOverrides'] as const;
/** What an entry of `nodeOverrides` may say: how to log in and the TLS files, as a target. */
const OVERRIDE_KEYS = [...STRINGS, ...BOOLEANS] as const;
const TLS_KEYS = ['cacert', 'cacertdir', 'cert', 'key', 'sni', 'insecure'] as const;
/** A key of `nodeOverrides` as an error quotes it: shaped as a role or a host:port, else its length only. */
const NODE_KEY: Shape = { noun: 'role or host:port', pattern: /^[A-Za-z0-9_.:[\]-]+$/, max: 64 };
const TARGET_KEYS = ['url', 'group', ...CONNECTION_KEYS] as const;
/** The keys of a target's settings in the mapping form of `targets` (URL -> settings), whose key is the URL. */
const ENTRY_KEYS = ['group', ...CONNECTION_KEYS] as const;
const TOP_KEYS = ['defaults', 'groups', 'targets'] as const;
/** The top-level keys of `.redfort.yaml` that no inventory has (src/settings/parse.ts). */
const SETTINGS_ONLY_KEYS = ['failOn', 'rules', 'thresholds', 'suppressions'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.\/-]{0,62}$/;

interface Layer {
  readonly connection: Record<string, string | boolean | number>;
  /** The line of each connection key. */
  readonly lines?: Record<string, number>;
  readonly labels: Record<string, string>;
  readonly kind?: InventoryKind | null;
  readonly sampleData?: SampleRequest | null;
  readonly distroPackage?: DeclaredPackage;
  readonly nodeOverrides?: ReadonlyMap<string, NodeOverrideSettings>;
  /** The line of the layer's `nodeOverrides` key. */
  readonly nodeOverridesLine?: number;
}

/** A YAML inventory starts with a key (`targets:`), a list item or a flow mapping; anything else is one URL a line. */
export function isYamlInventory(text: string): boolean {
  // The first line that is neither blank nor a comment.
  const first = targetLines(text).next();
  if (first.done === true) return false;
  const line = first.value.spec;
  // `%YAML 1.2` / `%TAG` directives and a document start (`---`, `--- # fleet`) are YAML's own markers.
  // A flow list (`[redis://h:1, …]`; not `[::1]:6379`, an IPv6 host), an item whose value is on the next line (a lone
  // `-`) and a quoted key (`"targets": […]`, JSON) are YAML too, as the schema reads them (QA42-5).
  const flowList = line.startsWith('[') && (/^\[\s*\]$/.test(line) || line.includes('://') || line.includes(',') || /^\[\s*["']/.test(line));
  return /^%(?:YAML|TAG)\s/.test(line) || /^---(?:\s|$)/.test(line) || line.startsWith('- ') || line === '-' || line.startsWith('{') || flowList || /^[A-Za-z_][\w-]*\s*:(\s|$)/.test(line) || /^(["'])[A-Za-z_][\w-]*\1\s*:/.test(line);
}

/** Where the line that starts at `start` ends: its line feed, or the end of the text. */
function lineEnd(text: string, start: number): number {
  const end = text.indexOf('\n', start);
  return end === -1 ? text.length : end;
}

/**
 * Parses a target inventory: one URL a line (`#` comments), or YAML with `defaults`, `groups` and `targets`
 * (see docs/inventory.md and docs/inventory.schema.json). Strict: an unknown key, a wrong type, an unknown
 * group or an invalid URL is an error naming the line.
 *
 * @throws {SettingsError} `path:line: what is wrong`.
 */
export function parseInventory(text: string, path: string, options: InventoryOptions = {}): Inventory {
  // Windows PowerShell's `>` writes UTF-16: every other byte NUL after a byte order mark, which no URL or YAML holds
  // (QA42-13). A file with NULs elsewhere (/proc/self/environ) is no inventory, and not shown.
  if (/^(?:\ufffd\ufffd)?(?:(?:[^\0]\0){4}|(?:\0[^\0]){4})/.test(text.slice(0, 16))) throw new SettingsError(`${path}: the file is UTF-16 (every other byte NUL, as Windows PowerShell's > writes it): save it as UTF-8`);
  const inventory = isYamlInventory(text) ? parseYaml(text, path, options) : parseLines(text, path);
  const twice = options.warnListedTwice === false ? [] : listedTwice(inventory);
  return twice.length > 0 ? { ...inventory, warnings: [...inventory.warnings, ...twice] } : inventory;
}

/**
 * A target written twice, with the same user and deployment flag (a copy-and-paste in a long inventory): audited
 * twice, and counted twice in the fleet's totals. A warning naming both lines; both are still audited.
 */
function listedTwice(inventory: Inventory): InventoryWarning[] {
  const first = new Map<string, number>();
  // An inventory pasted many times over would print a warning per line: the first few say what is wrong.
  const warnings = new FirstThenCount<InventoryWarning>(TWICE_SHOWN);
  for (const target of inventory.targets) {
    const line = target.source.line;
    const key = `${serverKey(target)}\n${target.kind ?? ''}`;
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, line);
    else warnings.add(() => inventoryWarning('listed-twice', { path: inventory.path, line }, `${maskPassword(target.spec)} is listed twice (first at line ${earlier}): it is audited twice`));
  }
  return warnings.lines((more) => inventoryWarning('listed-twice', { path: inventory.path }, `${more} more ${more === 1 ? 'target is' : 'targets are'} listed twice`));
}

/**
 * The server a target reaches as its user, however it is spelled (QA39-53: `127.0.0.1:6379`, `redis://127.0.0.1:6379`
 * and `REDIS://127.0.0.1:6379/` were three targets): the scheme or `tls`, the host in lower case, the port, the
 * database and the user, the URL's winning over the inventory's as when it is resolved; no user is `default`, as the
 * server logs it in (QA42-15: `redis://h:p` and `{ url: redis://h:p, user: default }` were two servers).
 */
function serverKey(target: InventoryTarget): string {
  try {
    const url = resolveTarget(target.spec, {}, {});
    const tls = url.tls !== undefined || target.connection.tls === true;
    const db = url.db !== 0 ? url.db : (target.connection.db ?? 0);
    return [tls ? 'tls' : '', url.host.toLowerCase().replace(/\.$/, ''), url.port, db, url.username ?? target.connection.user ?? 'default'].join('\n');
  } catch {
    return `${target.spec}\n${String(target.connection.user ?? 'default')}`;
  }
}

/** How many "listed twice" warnings are given one by one. */
const TWICE_SHOWN = 10;

/** A group's name as the message about an unknown group lists it (a key of `groups`, a name the inventory gives). */
const GROUP_NAME: Shape = { noun: 'group name', pattern: /^[A-Za-z0-9_-]+$/, max: 40 };

const NOT_A_TARGET = 'not a target URL, host or host:port (value not shown)';

/** A host name's label (RFC 1123): letters, digits and inner hyphens, 63 at most. */
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`);
/** The characters of an IPv6 address (resolveTarget checks it). */
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;

/** Whether a target without a scheme is shaped as a host or host:port (its port's range is resolveTarget's to say). */
function hostShaped(spec: string): boolean {
  if (IPV6.test(spec)) return true;
  const parts = /^(?:\[([^\]]*)\]|([^:[\]]+))(?::\d{1,5})?$/.exec(spec);
  if (!parts) return false;
  if (parts[1] !== undefined) return IPV6.test(parts[1]);
  return parts[2]!.length <= 253 && HOST_NAME.test(parts[2]!);
}

/**
 * A target that is no URL (`scheme://…`) must be a host or host:port: a host name of RFC 1123 labels (`cache1`,
 * `db.example.com`), an IPv4 address, an IPv6 address (in brackets before a port). Else the line is no target, and
 * nothing of it is shown: a password file given as the inventory (`S3cr3t!pa$$word`) was taken for a host, looked up
 * in DNS and shown as the target. A name of other characters (`redis_1`) goes in a URL (`redis://redis_1:6379`).
 */
function checkSpec(spec: string, fail: (message: string) => never): boolean {
  // A blank before or after a quoted target (`url: " redis://h:1"`): resolveTarget trimmed a URL and took it, the host
  // check refused a host:port, and the JSON Schema refuses both (QA42-5). Refused, as the schema does, saying so.
  const trimmed = spec.trim();
  if (trimmed !== spec) {
    const named = trimmed !== '' && quotable(trimmed, TARGET) ? ` '${withoutPassword(trimmed)}'` : ' (not shown)';
    return fail(`the target${named} has a blank before or after it, inside the quotes: remove it`);
  }
  // A unix socket is one host's own: given on its command line (unix:///PATH, -s PATH, --local), not in a fleet's list,
  // as docs/inventory.schema.json says (QA44-7).
  if (/^unix:/i.test(spec)) return fail(`the target '${quotable(spec, TARGET) ? withoutPassword(spec) : 'unix:…'}' is a unix socket: audit it on its host (redfort audit unix:///PATH, -s PATH or --local), not from an inventory`);
  if (!spec.includes('://') && !hostShaped(spec)) return fail(NOT_A_TARGET);
  try {
    return resolveTarget(spec, {}, {}).hasPassword;
  } catch (error) {
    if (!(error instanceof TargetError)) return fail(String(error));
    if (quotable(spec, TARGET)) return fail(error.message);
    // A URL with `?timeout=5` or `#x`: what is wrong is said, the URL quoted up to it (the rest may hold anything).
    const cut = spec.search(/[?#]/);
    const base = cut === -1 ? '' : spec.slice(0, cut);
    if (spec.includes('://') && quotable(base, TARGET)) {
      // An `@` after the `?` or `#` may end user info that holds it unencoded (`u:pa?ss@host`): withoutPassword, given
      // the whole URL, then shows only the user name; cut at the `?`, the password would have been shown up to it.
      const shown = spec.includes('@', cut) ? withoutPassword(spec) : `${withoutPassword(base)}' followed by ${spec.length - cut} characters from '${spec[cut]}`;
      return fail(`invalid target '${shown}' (not shown): query strings and fragments are not supported`);
    }
    // A file that is no inventory (`--targets /etc/shadow`, /proc/self/environ) is not shown, as no config file is.
    return fail(`invalid target ${notShown(spec, TARGET.noun)}`);
  }
}

/** What a target may hold and still be quoted in an error: a URL's or a host's characters. */
const TARGET: Shape = {
  noun: 'URL or host:port',
  pattern: /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/[A-Za-z0-9._~:[\]@%+-]*(?:\/[A-Za-z0-9]*)?|[A-Za-z0-9._:[\]-]+)$/,
};

/**
 * The warnings for the lines that write a password in the inventory: the first {@link INLINE_SHOWN} by their line, then
 * a count of the rest, as {@link listedTwice} does (QA42-7: 1,000 `redis://:pw@host` lines were 1,000 warnings, with
 * --quiet too). A line that writes it twice (a URL's and a `password` key) is one.
 */
function inlinePasswordWarnings(path: string, lines: readonly number[]): InventoryWarning[] {
  const warnings = new FirstThenCount<InventoryWarning>(INLINE_SHOWN);
  for (const line of new Set(lines)) warnings.add(() => inventoryWarning('inventory-inline-password', { path, line }, 'a password written in the inventory is readable by anyone who can read the file: prefer passwordEnv or passwordFile'));
  return warnings.lines((more) => inventoryWarning('inventory-inline-password', { path }, `… and ${more} more ${more === 1 ? 'line' : 'lines'} with a password written in the inventory`));
}

/** How many lines with a password written in the inventory are named one by one. */
const INLINE_SHOWN = 10;

/**
 * The most targets an inventory of one URL a line may list. Each costs about 500 bytes as it is read (its line, its
 * URL checked, its entry): a 64 MiB file of `a` lines was 32 million targets, and took more than 4 GB before a
 * connection was made.
 */
const MAX_LINE_TARGETS = 1_000_000;

function parseLines(text: string, path: string): Inventory {
  const targets: InventoryTarget[] = [];
  const inline: number[] = [];
  const tooMany = lineOfTarget(text, MAX_LINE_TARGETS + 1);
  if (tooMany !== undefined) throw new SettingsError(`${path}:${tooMany}: more than ${MAX_LINE_TARGETS.toLocaleString('en-US')} targets in one inventory: split the fleet`);
  for (const { spec, number } of targetLines(text)) {
    const where = `${path}:${number}`;
    if (checkSpec(spec, (message) => { throw new SettingsError(`${where}: ${message}`); })) inline.push(number);
    targets.push({ spec, connection: {}, labels: {}, source: { kind: 'file', path, line: number } });
  }
  return { path, targets, warnings: inlinePasswordWarnings(path, inline) };
}

/**
 * The lines of an inventory of one URL a line that name a target (not blank, not a `#` comment), trimmed, with their
 * numbers. Line by line, not split: a 64 MiB file of line feeds made an array of 64 million strings (1.4 GB, 11 s).
 */
function* targetLines(text: string): Generator<{ spec: string; number: number }> {
  let number = 1;
  for (let start = 0; start <= text.length; number++) {
    if (text.charCodeAt(start) === NEWLINE) {
      start++;
      continue;
    }
    const end = lineEnd(text, start);
    const spec = withoutComment(text.slice(start, end)).trim();
    start = end + 1;
    if (spec !== '') yield { spec, number };
  }
}

/**
 * A line without its `#` comment: one that starts the line, or follows a blank (`redis://db1:6379  # primary`, as
 * nmap's -iL and most host lists take it; QA42-13). A URL holds no blank, so a `#` after one is no fragment.
 */
function withoutComment(line: string): string {
  for (let at = line.indexOf('#'); at !== -1; at = line.indexOf('#', at + 1)) {
    if (at === 0 || line[at - 1] === ' ' || line[at - 1] === '\t') return line.slice(0, at);
  }
  return line;
}

/** The line number of the `n`th target line, if the text has that many. */
function lineOfTarget(text: string, n: number): number | undefined {
  let count = 0;
  for (const line of targetLines(text)) if (++count === n) return line.number;
  return undefined;
}

/**
 * The most mapping entries a YAML inventory may hold (counted as `: ` before any parsing): about 100,000 targets with
 * a URL and two labels each. The yaml library's document costs about 1.5 KB an entry (a pair and two scalars): a
 * 10.9 MB flow mapping of a million entries took 65 s and 1.5 GB before its one-line error. A larger fleet is an
 * inventory of one URL a line, which costs no document.
 */
const MAX_YAML_ENTRIES = 500_000;

/** The `: ` (or `:` at a line's end) of the text, up to one past `limit`. */
function yamlEntries(text: string, limit: number): number {
  let count = 0;
  for (let at = text.indexOf(':'); at !== -1 && count <= limit; at = text.indexOf(':', at + 1)) {
    const next = text.charCodeAt(at + 1);
    if (Number.isNaN(next) || next === SPACE || next === NEWLINE) count++;
  }
  return count;
}
const SPACE = 0x20;
const NEWLINE = 0x0a;

/**
 * The most list items a YAML inventory may hold (counted as a `- ` after a line's indent or another item's dash, and
 * as the `,` of a flow collection, before any parsing): a list of plain targets has no `: ` for the entries' count,
 * and 2.5 million of them (54 MB) ran past 120 s toward some 6 GB. 500,000 plain items take about what the most
 * mapping entries do (17 s and 620 MB at a load of 10); a larger fleet is an inventory of one URL a line.
 */
const MAX_YAML_ITEMS = 500_000;

/** The line of the `n`th list item of the text (see {@link MAX_YAML_ITEMS}), if it has that many. */
function lineOfYamlItem(text: string, n: number): number | undefined {
  let count = 0;
  let line = 1;
  for (let at = 0; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === NEWLINE) line++;
    else if (c === COMMA || (c === DASH && blankOrEnd(text, at - 1) && blankOrEnd(text, at + 1))) {
      if (++count === n) return line;
    }
  }
  return undefined;
}
const COMMA = 0x2c;
const DASH = 0x2d;

/** Whether the character at `at` is a space or a line feed, or `at` is past either end of the text. */
function blankOrEnd(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return Number.isNaN(c) || c === SPACE || c === NEWLINE;
}

function parseYaml(text: string, path: string, options: InventoryOptions): Inventory {
  if (yamlEntries(text, MAX_YAML_ENTRIES) > MAX_YAML_ENTRIES) {
    throw new SettingsError(`${path}:1: more than ${MAX_YAML_ENTRIES.toLocaleString('en-US')} mapping entries in a YAML inventory: list a fleet this large one URL a line, or split it`);
  }
  const pastItems = lineOfYamlItem(text, MAX_YAML_ITEMS + 1);
  if (pastItems !== undefined) {
    throw new SettingsError(`${path}:${pastItems}: more than ${MAX_YAML_ITEMS.toLocaleString('en-US')} list items in a YAML inventory: list a fleet this large one URL a line, or split it`);
  }
  // A plain inventory is read without the yaml library's parser (src/settings/plain-yaml.ts), to the nodes the library
  // reads, so a mistake in it is the one the library's reading gives: it is said as it is, or as a double-quoted text
  // too long (which the library is not given). Parsed again with the library, a mistake on the last line of 300,000
  // targets took 30 s and 724 MB (the document built twice).
  const plain = readPlainYaml(text);
  if (plain) {
    try {
      return inventoryOf(plain.doc, plain.lines, path, options);
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      const long = longDoubleQuoted(text, path);
      throw long === undefined ? error : new SettingsError(long);
    }
  }
  const long = longDoubleQuoted(text, path);
  if (long !== undefined) throw new SettingsError(long);
  // Duplicate keys are found in one pass below: yaml's uniqueKeys is quadratic in the keys of a mapping.
  const read = readYaml(text, { uniqueKeys: false });
  if (!read.ok) throw new SettingsError(`${path}:${read.line}: ${read.text}`);
  return inventoryOf(read.doc, read.lines, path, options);
}

function inventoryOf(doc: Document, lines: LineCounter, path: string, options: InventoryOptions): Inventory {
  const at = (node: Parameters<Fail>[0]): number => (node?.range ? lines.linePos(node.range[0]).line : 1);
  const fail: Fail = (node, message) => {
    throw new SettingsError(`${path}:${at(node)}: ${message}`);
  };
  const syntax = doc.errors[0];
  if (syntax) throw new SettingsError(`${path}:${lines.linePos(syntax.pos[0]).line}: ${yamlErrorText(syntax.message)}`);
  const duplicate = firstDuplicateKey(doc);
  if (duplicate !== undefined) throw new SettingsError(`${path}:${lines.linePos(duplicate).line}: Map keys must be unique`);
  const file = (value: string) => (options.baseDir && !isAbsolute(value) ? resolve(options.baseDir, value) : value);
  const inline: number[] = [];

  const layer = (node: Node | null, where: string, allowed: readonly string[]): Layer & { url?: Node; group?: Node } => {
    const connection: Record<string, string | boolean | number> = {};
    const lines: Record<string, number> = {};
    const labels: Record<string, string> = {};
    let kind: InventoryKind | null | undefined;
    let sampleData: SampleRequest | null | undefined;
    let distroPackage: DeclaredPackage | undefined;
    let url: Node | undefined;
    let group: Node | undefined;
    let nodeOverrides: Map<string, NodeOverrideSettings> | undefined;
    let nodeOverridesLine: number | undefined;
    for (const pair of pairsOf(doc, node, where, allowed, fail, true)) {
      const name = String((pair.key as { value: unknown }).value);
      const value = resolved(doc, pair.value as Node | null);
      const raw = isScalar(value) ? value.value : undefined;
      const here = value ?? (pair.key as Node);
      if (name === 'url') url = value ?? (pair.key as Node);
      else if (name === 'group') group = value ?? (pair.key as Node);
      else if (name === 'labels') Object.assign(labels, labelsOf(doc, value, `${where}: labels`, fail));
      else if (name === 'nodeOverrides') {
        nodeOverrides = overridesOf(value, `${where}: nodeOverrides`);
        nodeOverridesLine = at(pair.key as Node);
      }
      else if (name === 'sampleData') {
        const parsed = parseSampleData(value ? value.toJSON() : null);
        if (parsed !== null && 'error' in parsed) fail(here, `${where}: ${parsed.error}`);
        sampleData = parsed as SampleRequest | null;
      } else if (name === 'distroPackage') {
        const parsed = parseDeclaredPackage(stringOf(doc, value, `${where}: distroPackage`, fail, true), `distroPackage at ${path}:${at(value)}`);
        // Its reason only: the value is not shown, as no value of an inventory is.
        if (typeof parsed === 'string') fail(value, `${where}: distroPackage: not a package declaration (value not shown): ${parsed.slice(parsed.lastIndexOf('(expected') + 1, -1)}`);
        distroPackage = parsed as DeclaredPackage;
      } else if ((KINDS as readonly string[]).includes(name)) {
        if (typeof raw !== 'boolean') fail(here, `${where}: ${name} must be true or false${describe(value, 'hidden')}`);
        if (raw === true) {
          if (kind) fail(here, `${where}: ${kind} and ${name} exclude each other`);
          kind = name as InventoryKind;
        } else if (kind === undefined) kind = null;
      } else if ((BOOLEANS as readonly string[]).includes(name)) {
        if (typeof raw !== 'boolean') fail(here, `${where}: ${name} must be true or false${describe(value, 'hidden')}`);
        connection[name] = raw as boolean;
        lines[name] = at(here);
      } else if (name === 'db') {
        if (!isDbNumber(raw)) fail(here, `${where}: db must be a whole number from 0 to ${MAX_DB}${describe(value, 'hidden')}`);
        connection[name] = raw as number;
        lines[name] = at(here);
      } else {
        const text = stringOf(doc, value, `${where}: ${name}`, fail, true);
        if (name === 'passwordEnv' && !ENV_NAME.test(text)) fail(value, `${where}: passwordEnv must be an environment variable name (the value is not shown: it may be the password itself)`);
        if (name === 'password') inline.push(at(value));
        connection[name] = PATHS.has(name) ? file(text) : text;
        lines[name] = at(here);
      }
    }
    const sources = ['password', 'passwordEnv', 'passwordFile'].filter((k) => k in connection);
    if (sources.length > 1) fail(node, `${where}: ${sources.join(' and ')} exclude each other: give the password one way`);
    return {
      connection, lines, labels, ...(kind !== undefined ? { kind } : {}), ...(sampleData !== undefined ? { sampleData } : {}), ...(distroPackage ? { distroPackage } : {}), ...(url ? { url } : {}), ...(group ? { group } : {}),
      ...(nodeOverrides ? { nodeOverrides, nodeOverridesLine } : {}),
    };
  };

  // `nodeOverrides: { master: { passwordEnv: … }, "10.0.0.5:6379": { … } }`: each key a role or a node's host:port
  // (as --node-override's KEY), each value the credentials and TLS settings of a target.
  const overridesOf = (node: Node | null, where: string): Map<string, NodeOverrideSettings> => {
    const overrides = new Map<string, NodeOverrideSettings>();
    for (const pair of pairsOf(doc, node, where, null, fail, true)) {
      const given = String((pair.key as { value: unknown }).value);
      const key = overrideKey(given);
      if (key === undefined) {
        fail(pair.key as Node, `${where}: ${shown(given, NODE_KEY)} is no node: a key is master, replica, sentinel or a node's host:port (an IPv6 address in brackets, quoted: "[::1]:6379")${nearRole(given)}`);
      }
      if (overrides.has(key!)) fail(pair.key as Node, `${where}: ${key} is given twice`);
      const value = resolved(doc, pair.value as Node | null);
      const inner = layer(value, `${where}: ${key}`, OVERRIDE_KEYS);
      if (Object.keys(inner.connection).length === 0) fail(value ?? (pair.key as Node), `${where}: ${key} says nothing: give the user, the password (passwordEnv, passwordFile) or the TLS files its nodes take`);
      overrides.set(key!, { key: key!, connection: inner.connection, line: at(pair.key as Node), keyLines: inner.lines ?? {} });
    }
    return overrides;
  };

  const root = resolved(doc, doc.contents);
  let defaults: Layer = { connection: {}, labels: {} };
  const groups = new Map<string, Layer>();
  let targetsNode: Node | null = null;
  if (root !== null && !(isScalar(root) && root.value === null)) {
    if (isSeq(root)) targetsNode = root;
    else {
      // `.redfort.yaml` given as the inventory (QA42-19): its other keys say which file it is.
      if (isMap(root)) {
        const settingsKey = (root.items as Pair[]).find((pair) => isScalar(pair.key) && (SETTINGS_ONLY_KEYS as readonly unknown[]).includes(pair.key.value));
        if (settingsKey) fail(settingsKey.key as Node, `${String((settingsKey.key as { value: unknown }).value)} is a key of .redfort.yaml, not of an inventory: give a settings file with --config-file FILE (with no target on the command line, redfort audit audits every server of its targets)`);
      }
      for (const pair of pairsOf(doc, root, 'the inventory', TOP_KEYS, fail, true)) {
        const key = String((pair.key as { value: unknown }).value);
        const value = resolved(doc, pair.value as Node | null);
        if (key === 'defaults') defaults = layer(value, 'defaults', CONNECTION_KEYS);
        else if (key === 'groups') {
          for (const entry of pairsOf(doc, value, 'groups', null, fail, true)) {
            const name = String((entry.key as { value: unknown }).value);
            groups.set(name, layer(resolved(doc, entry.value as Node | null), `groups: ${quotable(name, GROUP_NAME) ? name : 'a group (its name not shown)'}`, CONNECTION_KEYS));
          }
        } else targetsNode = value ?? (pair.key as Node);
      }
    }
  }
  if (targetsNode === null || (isScalar(targetsNode) && targetsNode.value === null)) fail(root, 'the inventory has no targets (a `targets:` list of URLs or { url: … } entries)');
  if (isMap(targetsNode) && (targetsNode.items as unknown[]).length === 0) fail(targetsNode, 'the inventory has no targets (a `targets:` list of URLs or { url: … } entries)');
  if (!isSeq(targetsNode) && !isMap(targetsNode)) fail(targetsNode, `targets must be a list of URLs or { url: … } entries, or a mapping URL -> settings as in .redfort.yaml${describe(targetsNode, 'hidden')}`);

  // A list of URLs or { url: … } entries, or `.redfort.yaml`'s shape (QA42-19): a mapping of URL -> its settings, the
  // same keys as an entry of the list but `url`.
  const entries: { node: Node | null; spec: string; own: ReturnType<typeof layer> }[] = [];
  if (isMap(targetsNode)) {
    for (const pair of pairsOf(doc, targetsNode, 'targets', null, fail, true)) {
      const key = resolved(doc, pair.key as Node | null);
      const spec = stringOf(doc, key, 'targets: a key', fail, true);
      const value = resolved(doc, pair.value as Node | null);
      const own = layer(value, `targets: ${maskPassword(spec)}`, ENTRY_KEYS);
      entries.push({ node: key, spec, own: { ...own, url: key! } });
    }
  } else {
    for (const item of (targetsNode as { items: unknown[] }).items) {
      const node = resolved(doc, item as Node | null);
      if (isScalar(node)) {
        entries.push({ node, spec: stringOf(doc, node, 'targets', fail, true), own: { connection: {}, labels: {} } });
        continue;
      }
      if (!isMap(node)) fail(node, `targets: each entry must be a URL or a mapping { url: …, … }${describe(node, 'hidden')}`);
      const own = layer(node, 'targets', TARGET_KEYS);
      if (!own.url) fail(node, "targets: an entry has no 'url'");
      entries.push({ node, spec: stringOf(doc, own.url!, 'targets: url', fail, true), own });
    }
  }

  const targets: InventoryTarget[] = [];
  for (const { node, spec, own } of entries) {
    const line = at(node);
    const where = `targets: ${maskPassword(spec)}`;
    if (checkSpec(spec, (message) => fail(own.url ?? node, `targets: ${message}`))) inline.push(at(own.url ?? node));
    let groupName: string | undefined;
    let group: Layer = { connection: {}, labels: {} };
    if (own.group) {
      groupName = stringOf(doc, own.group, `${where}: group`, fail, true);
      const found = groups.get(groupName);
      if (!found) fail(own.group, `${where}: unknown group (value not shown)${groups.size > 0 ? `: the groups are ${[...groups.keys()].map((g) => shown(g, GROUP_NAME)).join(', ')}` : ': the inventory has no groups'}`);
      group = found!;
    }
    const connection = merge([defaults.connection, group.connection, own.connection]);
    const keyLines = Object.fromEntries(Object.keys(connection).map((key) => [key, [own, group, defaults].find((l) => key in l.connection)?.lines?.[key] ?? line]));
    const kind = [own.kind, group.kind, defaults.kind].find((k) => k !== undefined) ?? null;
    const sampleData = [own.sampleData, group.sampleData, defaults.sampleData].find((s) => s !== undefined);
    const distroPackage = own.distroPackage ?? group.distroPackage ?? defaults.distroPackage;
    // Key by key: a target's `master` replaces its group's, which replaces the defaults'.
    const nodeOverrides = new Map([...(defaults.nodeOverrides ?? []), ...(group.nodeOverrides ?? []), ...(own.nodeOverrides ?? [])]);
    targets.push({
      spec,
      ...(groupName !== undefined ? { group: groupName } : {}),
      connection,
      labels: { ...defaults.labels, ...group.labels, ...own.labels },
      ...(kind ? { kind } : {}),
      ...(sampleData !== undefined ? { sampleData } : {}),
      ...(distroPackage ? { distroPackage } : {}),
      ...(nodeOverrides.size > 0 ? { nodeOverrides: [...nodeOverrides.values()] } : {}),
      ...(own.nodeOverridesLine !== undefined ? { ownNodeOverrides: own.nodeOverridesLine } : {}),
      source: { kind: 'file', path, line },
      keyLines,
      inherited: Object.keys(connection).filter((key) => !(key in own.connection)),
    });
  }
  return { path, targets, warnings: inlinePasswordWarnings(path, inline) };
}

/** Whether a target's URL holds a password (false when it cannot be read: its error is said elsewhere). */
function safeHasPassword(spec: string): boolean {
  try {
    return resolveTarget(spec, {}, {}).hasPassword;
  } catch {
    return false;
  }
}

/**
 * A TLS key of the inventory on a target without TLS, or cert without key: named as the YAML key at its own line
 * (resolveTarget's wording names the command-line flags, '--cacert needs --tls', which the inventory has not). A
 * setting the command line gives is left to resolveTarget, whose wording then fits.
 */
function inventoryKeyProblem(entry: InventoryTarget, merged: TargetFlags, given: TargetFlags, urlTls: boolean): string | undefined {
  const at = (key: string) => `${entry.source.path}:${entry.keyLines?.[key] ?? entry.source.line}`;
  const target = `target '${maskPassword(entry.spec)}'`;
  const fromInventory = (key: keyof TargetFlags) => given[key] === undefined && merged[key] !== undefined && merged[key] !== false;
  const tls = given.tls ?? merged.tls ?? urlTls;
  const tlsKey = (['cacert', 'cacertdir', 'cert', 'key', 'sni', 'insecure'] as const).find(fromInventory);
  if (!tls && tlsKey !== undefined) return `${at(tlsKey)}: ${tlsKey} needs 'tls: true' or a rediss:// URL (${target})`;
  const final = { ...merged, ...given };
  const lone = final.cert === undefined ? 'key' : 'cert';
  if ((final.cert === undefined) !== (final.key === undefined) && fromInventory(lone)) {
    return `${at(lone)}: ${lone} needs ${lone === 'cert' ? 'key' : 'cert'} beside it: a client certificate and its private key go together (${target})`;
  }
  return undefined;
}

/**
 * The TLS files the inventory gives (not the command line): their key and line, for the messages about them at
 * connect time, which named the flag (`cannot read the --cacert file`) for a YAML `cacert` key.
 */
function inventoryTlsFrom(entry: InventoryTarget, merged: TargetFlags, given: TargetFlags): TlsFrom {
  const from: { -readonly [K in keyof TlsFrom]: TlsFrom[K] } = {};
  for (const [key, field] of [['cacert', 'caFile'], ['cacertdir', 'caDir'], ['cert', 'certFile'], ['key', 'keyFile']] as const) {
    if (given[key] === undefined && merged[key] !== undefined) from[field] = { key, at: `${entry.source.path}:${entry.keyLines?.[key] ?? entry.source.line}` };
  }
  return from;
}

/** Later layers win; a password source in a later layer replaces the others of an earlier one. */
function merge(layers: readonly Record<string, string | boolean | number>[]): ConnectionSettings {
  const out: Record<string, string | boolean | number> = {};
  for (const layer of layers) {
    if (['password', 'passwordEnv', 'passwordFile'].some((k) => k in layer)) {
      delete out.password;
      delete out.passwordEnv;
      delete out.passwordFile;
    }
    Object.assign(out, layer);
  }
  return out as ConnectionSettings;
}

function labelsOf(doc: Document, node: Node | null, where: string, fail: Fail): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairsOf(doc, node, where, null, fail, true) as Pair[]) {
    const name = String((pair.key as { value: unknown }).value);
    if (!LABEL_NAME.test(name)) fail(pair.key as Node, `${where}: a label name (not shown) must be letters, digits, '_', '.', '/' or '-' (at most 63)`);
    const value = resolved(doc, pair.value as Node | null);
    const raw = isScalar(value) ? value.value : undefined;
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') fail(value ?? (pair.key as Node), `${where}: ${name} must be a string${describe(value, 'hidden')}`);
    // A number or a boolean as written (`version: 1.10`, `rack: 007`, a 20-digit build number): a label is text, and
    // YAML's reading of it (1.1, 7, a rounded float) is not what the inventory says (QA39-54).
    const source = typeof raw !== 'string' && isScalar(value) ? value.source : undefined;
    const text = typeof source === 'string' && source !== '' ? source : String(raw);
    // Characters as the JSON Schema's maxLength counts them (code points: an emoji is one), not UTF-16 units (QA42-5).
    if (text.length > 200) {
      const characters = [...text].length;
      if (characters > 200) fail(value, `${where}: ${name} must be at most 200 characters (it has ${characters.toLocaleString('en-US')})`);
    }
    // Its code only: the value itself is not shown.
    const control = /[\u0000-\u001f\u007f]/.exec(text)?.[0];
    if (control !== undefined) fail(value, `${where}: ${name} holds a control character (U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}): a label is one line of printable text`);
    const lone = loneSurrogate(text);
    if (lone !== undefined) fail(value, `${where}: ${name} ${lone}`);
    labels[name] = text;
  }
  return labels;
}

/** A target of the inventory ready to audit, or why it cannot be (only that target fails). */
export type ResolvedInventoryTarget =
  | {
      readonly ok: true;
      readonly entry: InventoryTarget;
      readonly target: Target;
      readonly password?: string;
      /**
       * With `nodeOverrides` (resolved only where {@link ResolveOptions.nodeOverrides} asks): each KEY (a role or
       * `host:port`) to the target its nodes are reached with, as `--node-override` gives them to discovery.
       */
      readonly nodeOverrides?: ReadonlyMap<string, Target>;
      /** Where each KEY of `nodeOverrides` is written (`fleet.yaml:7`), for the warning about one that reached no node. */
      readonly nodeOverrideSources?: ReadonlyMap<string, SettingsSource>;
      /** The passwords the node overrides use, to redact from anything shown. */
      readonly nodeOverridePasswords?: readonly string[];
    }
  | { readonly ok: false; readonly entry: InventoryTarget; readonly display: string; readonly error: string };

export interface ResolveOptions {
  /**
   * Which targets' `nodeOverrides` to resolve (their passwords looked up): those audited as a deployment. None by
   * default: the exporter audits one server a scrape, and a target without a deployment has no nodes.
   */
  readonly nodeOverrides?: (entry: InventoryTarget) => boolean;
  /**
   * The connection a settings file (`.redfort.yaml`'s `targets`) gives the same server, under the inventory's own and
   * the command line's (`flags`: what they already say): settings/targets.ts flagsFor. Throws a SettingsError (its
   * `passwordEnv` not set), an error of that target alone.
   */
  readonly defaults?: (spec: string, flags: TargetFlags) => TargetFlags;
}

/**
 * Turns each inventory target into a target to audit: its password from `passwordEnv`, `passwordFile` (first
 * line) or inline; the command line's flags win over the inventory's, as they do over `.redfort.yaml`. A
 * missing variable or unreadable file fails that target alone, as does one of its `nodeOverrides`.
 */
export async function resolveInventory(
  inventory: Inventory,
  flags: TargetFlags,
  env: Record<string, string | undefined>,
  readSecret: (path: string) => Promise<string | SecretFileText>,
  warn?: (warning: InventoryWarning) => void,
  options: ResolveOptions = {},
): Promise<ResolvedInventoryTarget[]> {
  const files = new Map<string, Promise<{ ok: true; value: string; exposure?: string } | { ok: false; error: string }>>();
  const warned = new Set<string>();
  const secretFile = (path: string) => {
    let read = files.get(path);
    if (!read) {
      read = readSecret(path).then(
        (read) => {
          const { text, exposure } = typeof read === 'string' ? { text: read, exposure: undefined } : read;
          const secret = secretOfFile(text);
          if (!secret.ok) return { ok: false as const, error: `the password file '${path}' ${secret.reason}` };
          return exposure === undefined ? secret : { ...secret, exposure };
        },
        (error: unknown) => ({ ok: false as const, error: `cannot read the password file '${path}': ${fsErrorText(error, path)}` }),
      );
      files.set(path, read);
    }
    return read;
  };
  // The password a layer's settings give (inline, passwordEnv, passwordFile), undefined with none; or why not.
  // `at` is where the key that gives it is written.
  const passwordOf = async (c: Omit<ConnectionSettings, 'db'>, at: (key: string) => { path: string; line: number }): Promise<{ ok: true; value: string | undefined } | { ok: false; key: string; error: string }> => {
    if (c.password !== undefined) return { ok: true, value: c.password };
    if (c.passwordEnv !== undefined) {
      const value = env[c.passwordEnv];
      if (value === undefined || value === '') return { ok: false, key: 'passwordEnv', error: unsetVariable('passwordEnv', c.passwordEnv) };
      return { ok: true, value };
    }
    if (c.passwordFile === undefined) return { ok: true, value: undefined };
    const read = await secretFile(c.passwordFile);
    if (!read.ok) return { ...read, key: 'passwordFile' };
    // Once per file, at the line of its passwordFile (the target's, its group's or the defaults').
    if (read.exposure !== undefined && !warned.has(c.passwordFile)) {
      warned.add(c.passwordFile);
      warn?.(inventoryWarning('password-file-mode', at('passwordFile'), `the password file '${c.passwordFile}' ${read.exposure}`));
    }
    return { ok: true, value: read.value };
  };
  // The command line's --pass and --user win over every entry's own (QA42-17: one team's password went to every server of
  // the inventory without a word): said once, naming the entries whose own it replaces; their passwords are not read.
  for (const [flag, given, own] of [
    ['--pass', flags.pass, (e: InventoryTarget) => ['password', 'passwordEnv', 'passwordFile'].find((k) => k in e.connection) ?? (safeHasPassword(e.spec) ? 'url' : undefined)],
    ['--user', flags.user, (e: InventoryTarget) => ('user' in e.connection ? 'user' : undefined)],
  ] as const) {
    if (given === undefined) continue;
    const lines = inventory.targets.flatMap((e) => {
      const key = own(e);
      return key === undefined ? [] : [key === 'url' ? e.source.line : (e.keyLines?.[key] ?? e.source.line)];
    });
    if (lines.length === 0) continue;
    const unique = [...new Set(lines)];
    const shownLines = unique.slice(0, 10).join(', ') + (unique.length > 10 ? ', …' : '');
    const what = flag === '--pass' ? 'password' : 'user';
    warn?.(inventoryWarning('inventory', undefined, `${flag} replaces the ${what} of ${lines.length} inventory ${lines.length === 1 ? 'entry that gives its' : 'entries that give their'} own (${inventory.path}:${shownLines}): ${lines.length === 1 ? 'it gets' : 'they get'} the command line's`));
  }
  return Promise.all(
    inventory.targets.map(async (entry): Promise<ResolvedInventoryTarget> => {
      const where = `${entry.source.path}:${entry.source.line}`;
      const c = entry.connection;
      const merged: TargetFlags = {};
      if (c.user !== undefined) merged.user = c.user;
      if (c.tls !== undefined) merged.tls = c.tls;
      if (c.db !== undefined) merged.db = c.db;
      for (const name of ['cacert', 'cacertdir', 'cert', 'key', 'sni'] as const) if (c[name] !== undefined) merged[name] = c[name];
      if (c.insecure !== undefined) merged.insecure = c.insecure;
      // The URL's own user and database beat the inventory's; the command line beats both. A string says what is wrong.
      const build = (pass: string | undefined): { target: Target; used: string | undefined } | string => {
        const settings: TargetFlags = pass === undefined ? { ...merged } : { ...merged, pass };
        try {
          const fromUrl = resolveTarget(entry.spec, {}, {});
          if (fromUrl.username !== undefined) delete settings.user;
          if (fromUrl.hasPassword) delete settings.pass;
          if (fromUrl.db !== 0) delete settings.db;
          if (fromUrl.tls !== undefined && settings.tls === false) delete settings.tls;
          const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as TargetFlags;
          // TLS files of the defaults or a group serve the targets that use TLS; a `redis://` one ignores them (QA42-4:
          // a fleet-wide `cacert` made every plain target of the inventory "not audited"). A target's own stays an error.
          if (!(given.tls ?? settings.tls ?? fromUrl.tls !== undefined)) {
            for (const key of TLS_KEYS) if (entry.inherited?.includes(key) && given[key] === undefined) delete settings[key];
          }
          const keyProblem = inventoryKeyProblem(entry, settings, given, fromUrl.tls !== undefined);
          if (keyProblem !== undefined) return keyProblem;
          const own = { ...settings, ...given };
          // What .redfort.yaml says of the same server fills in what neither the inventory nor the command line does.
          const flagsOf = options.defaults ? options.defaults(entry.spec, own) : own;
          return { target: resolveTarget(entry.spec, flagsOf, env, { tlsFrom: inventoryTlsFrom(entry, settings, given) }), used: flagsOf.pass };
        } catch (error) {
          return `${where}: ${error instanceof Error ? error.message : String(error)}`;
        }
      };
      // A target that is not audited is named as when it is (scheme, user, port: QA38-5), so that a report, a
      // dashboard or a baseline keyed on the name sees one server whatever the outcome; the entry's text when even
      // that cannot be made.
      const nameWithout = (): string => {
        const built = build(undefined);
        return typeof built === 'string' ? maskPassword(entry.spec) : built.target.display;
      };
      // A password the command line's replaces is not looked up (nor its file read, nor its mode warned of).
      const password = flags.pass !== undefined ? { ok: true as const, value: undefined } : await passwordOf(c, (key) => ({ path: entry.source.path, line: entry.keyLines?.[key] ?? entry.source.line }));
      if (!password.ok) return { ok: false, entry, display: nameWithout(), error: `${where}: ${password.error}` };
      const built = build(password.value);
      if (typeof built === 'string') return { ok: false, entry, display: maskPassword(entry.spec), error: built };
      const { target, used } = built;
      const shown = maskPassword(entry.spec);
      const resolved = { ok: true as const, entry, target, ...(used !== undefined ? { password: used } : {}) };
      if (!entry.nodeOverrides || options.nodeOverrides?.(entry) !== true) return resolved;
      const nodeOverrides = new Map<string, Target>();
      const nodeOverrideSources = new Map<string, SettingsSource>();
      const nodeOverridePasswords: string[] = [];
      for (const override of entry.nodeOverrides) {
        const lineOf = (key?: string) => ({ path: entry.source.path, line: (key !== undefined ? override.keyLines[key] : undefined) ?? override.line });
        const at = (key?: string) => `${entry.source.path}:${lineOf(key).line}`;
        const own = await passwordOf(override.connection, lineOf);
        if (!own.ok) return { ok: false, entry, display: target.display, error: `${at(own.key)}: nodeOverrides: ${override.key}: ${own.error} (target '${shown}')` };
        const made = overrideTarget(override, target, own.value, at);
        if (typeof made === 'string') return { ok: false, entry, display: target.display, error: `${made} (target '${shown}')` };
        nodeOverrides.set(override.key, made);
        nodeOverrideSources.set(override.key, { kind: 'file', path: entry.source.path, line: override.line });
        const pass = targetPassword(made);
        if (pass !== undefined) nodeOverridePasswords.push(pass);
      }
      return { ...resolved, nodeOverrides, nodeOverrideSources, nodeOverridePasswords };
    }),
  );
}

/**
 * The target the nodes of a `nodeOverrides` key are reached with: the seed target's settings (its user, password,
 * TLS files: the inventory's and the command line's, as resolved), each one the override gives replacing it (a
 * password source all of the seed's). A role's target is moved to each node's address by discovery; a `host:port`
 * key's target is at that address. A string says what is wrong, naming the key's line.
 */
function overrideTarget(override: NodeOverrideSettings, seed: Target, password: string | undefined, at: (key?: string) => string): Target | string {
  const c = override.connection;
  const here = `nodeOverrides: ${override.key}`;
  const tls = c.tls ?? seed.tls !== undefined;
  const tlsKey = TLS_KEYS.find((k) => c[k] !== undefined && c[k] !== false);
  if (!tls && tlsKey !== undefined) return `${at(tlsKey)}: ${here}: ${tlsKey} needs 'tls: true' (here or for the target) or a rediss:// URL`;
  // The seed's TLS files, unless the override turns TLS off; its own replace them one by one.
  const flags: TargetFlags = { ...(tls ? { ...tlsFlagsOf(seed.tls), tls: true } : { tls: false }) };
  for (const name of TLS_KEYS) if (c[name] !== undefined) Object.assign(flags, { [name]: c[name] });
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    const lone = flags.cert === undefined ? 'key' : 'cert';
    return `${at(lone)}: ${here}: ${lone} needs ${lone === 'cert' ? 'key' : 'cert'} beside it: a client certificate and its private key go together`;
  }
  const user = c.user ?? seed.username;
  const pass = password ?? targetPassword(seed);
  const isRole = !override.key.includes(':');
  try {
    return resolveTarget(isRole ? undefined : override.key, {
      ...(isRole ? { host: seed.host, port: seed.port } : {}),
      db: seed.db,
      ...(user !== undefined ? { user } : {}),
      ...(pass !== undefined ? { pass } : {}),
      ...flags,
    }, {});
  } catch (error) {
    return `${at()}: ${here}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
