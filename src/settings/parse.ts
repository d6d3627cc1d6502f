import { parseSampleData } from './sample-data.ts';
import { isAbsolute, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, Lexer, visit } from 'yaml';
import type { Document, Node, Pair, YAMLMap } from 'yaml';
import { parseDeclaredPackage } from '../redis/distro-package.ts';
import { isDbNumber, MAX_DB, resolveTarget, TargetError } from '../redis/target.ts';
import type { Severity, Thresholds } from '../rules/define.ts';
import { SEVERITIES } from '../rules/define.ts';
import type { Settings, SettingsSource, Suppression, TargetDefaults, TargetSettings } from './types.ts';
import type { Disabled } from '../engine/run.ts';
import { SettingsError } from './types.ts';
import { readYaml } from './yaml-document.ts';
import type { Shape } from '../util/shown.ts';
import { clipped, notShown, quotable, shown, shownValue } from '../util/shown.ts';

export interface ParseOptions {
  /** Every rule id of the catalogue: a `rules` or `suppressions` entry must name one, or an area of one. */
  readonly ruleIds: readonly string[];
  /** Directory that relative certificate paths are resolved against (the file's own). */
  readonly baseDir?: string;
}

const TOP_KEYS = ['failOn', 'rules', 'thresholds', 'targets', 'suppressions'] as const;
const THRESHOLDS: Record<keyof Thresholds, { min: number; max: number }> = {
  backupMaxAgeHours: { min: 1, max: 24 * 366 },
  minPasswordLength: { min: 1, max: 1024 },
  certExpiryDays: { min: 0, max: 3650 },
};
const TARGET_STRINGS = ['user', 'cacert', 'cacertdir', 'cert', 'key', 'sni'] as const;
const TARGET_PATHS = new Set(['cacert', 'cacertdir', 'cert', 'key']);
const TARGET_BOOLEANS = ['tls', 'insecure'] as const;
const TARGET_KEYS = [...TARGET_STRINGS, ...TARGET_BOOLEANS, 'passwordEnv', 'db', 'sampleData', 'distroPackage'] as const;
const SUPPRESSION_KEYS = ['rule', 'target', 'reason', 'expires', 'fingerprint', 'user'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The longest double-quoted text a settings file, an inventory or an exporter config may hold: far above any value
 * they take. The yaml library builds such a text a character at a time (some 37 bytes of memory a character): one of
 * 60 MB in an inventory took 26 s and 2 GB before its one-line error (a label too long).
 */
const MAX_DOUBLE_QUOTED = 1024 * 1024;
/**
 * All double-quoted texts of one file together: sixty texts of 1 MB, each under the bound above, took 31.6 s and 2.1 GB
 * (review R1). 8 MiB is some 300 MB of the library's memory; 100,000 targets with a quoted URL and label each stay under.
 */
const MAX_DOUBLE_QUOTED_TOTAL = 8 * 1024 * 1024;

/**
 * `path:line: …` for the first double-quoted scalar of `text` longer than {@link MAX_DOUBLE_QUOTED}, or the one where
 * the double-quoted scalars together pass {@link MAX_DOUBLE_QUOTED_TOTAL}, found by the yaml library's lexer alone (its
 * tokens are slices of the text) before the text is parsed; undefined when there is none.
 */
export function longDoubleQuoted(text: string, path: string): string | undefined {
  if (text.length <= MAX_DOUBLE_QUOTED) return undefined;
  if (text.length <= MAX_DOUBLE_QUOTED_TOTAL && longestBetweenQuotes(text) <= MAX_DOUBLE_QUOTED) return undefined;
  let offset = 0;
  let total = 0;
  const lineAt = (end: number): number => {
    let line = 1;
    for (let at = text.indexOf('\n'); at !== -1 && at < end; at = text.indexOf('\n', at + 1)) line++;
    return line;
  };
  for (const token of new Lexer().lex(text)) {
    if (token.charCodeAt(0) === 0x22) {
      total += token.length;
      if (token.length > MAX_DOUBLE_QUOTED) {
        return `${path}:${lineAt(offset)}: a double-quoted text of ${token.length.toLocaleString('en-US')} characters (not shown): no value here is longer than ${MAX_DOUBLE_QUOTED.toLocaleString('en-US')}`;
      }
      if (total > MAX_DOUBLE_QUOTED_TOTAL) {
        return `${path}:${lineAt(offset)}: the double-quoted texts up to here hold more than ${MAX_DOUBLE_QUOTED_TOTAL.toLocaleString('en-US')} characters in all: write long values plain or single-quoted`;
      }
    }
    // The lexer's own markers (document, scalar, end of a flow) are no text of the file.
    if (token !== '\x02' && token !== '\x18' && token !== '\x1f') offset += token.length;
  }
  return undefined;
}

/**
 * The longest stretch of `text` from a `"` no backslash escapes to the next (or to the end): at least the length of
 * its longest double-quoted scalar, found without the lexer (a tenth of the library's parse) in the common case.
 */
function longestBetweenQuotes(text: string): number {
  let last = -1;
  let longest = 0;
  for (let at = text.indexOf('"'); at !== -1; at = text.indexOf('"', at + 1)) {
    let slashes = 0;
    while (text.charCodeAt(at - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 1) continue;
    if (last !== -1) longest = Math.max(longest, at - last);
    last = at;
  }
  return last === -1 ? 0 : Math.max(longest, text.length - last);
}

/**
 * Parses and validates `.redfort.yaml` text. Strict: an unknown key, a wrong type or an unknown rule
 * is an error naming the line, so that a typo never silently turns a setting off.
 *
 * @throws {SettingsError} `path:line: what is wrong`.
 */
export function parseSettings(text: string, path: string, options: ParseOptions): Settings {
  const long = longDoubleQuoted(text, path);
  if (long !== undefined) throw new SettingsError(long);
  // yaml's own uniqueKeys compares each key with every earlier one: quadratic in a 4,000-target file.
  const read = readYaml(text, { uniqueKeys: false });
  if (!read.ok) throw new SettingsError(`${path}:${read.line}: ${read.text}`);
  const { doc, lines } = read;
  const at = (node: { range?: [number, number, number] | null | undefined } | null | undefined): number =>
    node?.range ? lines.linePos(node.range[0]).line : 1;
  const fail = (node: Parameters<typeof at>[0], message: string): never => {
    throw new SettingsError(`${path}:${at(node)}: ${message}`);
  };
  const source = (node: Parameters<typeof at>[0]): SettingsSource => ({ kind: 'file', path, line: at(node) });

  const duplicate = firstDuplicateKey(doc);
  if (duplicate !== undefined) throw new SettingsError(`${path}:${lines.linePos(duplicate).line}: Map keys must be unique`);

  const ids = new Set(options.ruleIds);
  const areas = new Set(options.ruleIds.map((id) => id.split('.')[0]!));
  const ruleName = (node: Node | null, where: string): string => {
    const name = stringOf(doc, node, where, fail);
    if (!ids.has(name) && !areas.has(name)) {
      fail(node, `${where}: unknown rule or area '${clipped(name)}' (see 'redfort rules')`);
    }
    return name;
  };
  const file = (value: string) => (options.baseDir && !isAbsolute(value) ? resolve(options.baseDir, value) : value);

  let failOn: Severity | 'none' | undefined;
  const overrides = new Map<string, Severity>();
  const switches = new Map<string, boolean>();
  // The line of each rules: entry.
  const switchLines = new Map<string, number>();
  const thresholds: { -readonly [K in keyof Thresholds]?: number } = {};
  const targets: TargetSettings[] = [];
  const suppressions: Suppression[] = [];

  const root = resolved(doc, doc.contents);
  if (root === null || (isScalar(root) && root.value === null)) {
    return { path, severityOverrides: overrides, disabled: new Set(), thresholds, targets, suppressions };
  }
  for (const pair of pairsOf(doc, root, 'the settings file', TOP_KEYS, fail)) {
    const key = String((pair.key as { value: unknown }).value);
    const value = resolved(doc, pair.value as Node | null);
    switch (key as (typeof TOP_KEYS)[number]) {
      case 'failOn': {
        const name = stringOf(doc, value, 'failOn', fail);
        if (name !== 'none' && !SEVERITIES.includes(name as Severity)) {
          fail(value, `failOn must be one of ${SEVERITIES.join(', ')}, none; not '${clipped(name)}'`);
        }
        failOn = name as Severity | 'none';
        break;
      }
      case 'rules':
        for (const entry of pairsOf(doc, value, 'rules', null, fail)) {
          const name = ruleName(entry.key as Node, 'rules');
          const node = resolved(doc, entry.value as Node | null);
          const setting = stringOf(doc, node, `rules: ${name}`, fail);
          switchLines.set(name, at(entry.key as Node));
          if (setting === 'off' || setting === 'on') switches.set(name, setting === 'on');
          else if (SEVERITIES.includes(setting as Severity)) {
            overrides.set(name, setting as Severity);
            switches.set(name, true);
          } else fail(node, `rules: ${name} must be off, on or a severity (${SEVERITIES.join(', ')}); not '${clipped(setting)}'`);
        }
        break;
      case 'thresholds':
        for (const entry of pairsOf(doc, value, 'thresholds', Object.keys(THRESHOLDS), fail)) {
          const name = String((entry.key as { value: unknown }).value) as keyof Thresholds;
          const node = resolved(doc, entry.value as Node | null);
          const { min, max } = THRESHOLDS[name];
          const n = isScalar(node) ? node.value : undefined;
          if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
            fail(node ?? (entry.key as Node), `thresholds: ${name} must be a whole number from ${min} to ${max}${describe(node)}`);
          }
          thresholds[name] = n as number;
        }
        break;
      case 'targets':
        for (const entry of pairsOf(doc, value, 'targets', null, fail)) {
          const spec = stringOf(doc, entry.key as Node, 'targets', fail);
          checkTargetSpec(spec, entry.key as Node, 'targets', fail);
          const keyLines: Record<string, number> = {};
          const defaults = targetDefaults(doc, spec, entry, file, fail, (node) => { const at = source(node); return `distroPackage at ${at.path}:${at.line}`; }, (name, node) => { keyLines[name] = at(node); });
          targets.push({ spec, defaults, source: source(entry.key as Node), ...(Object.keys(keyLines).length > 0 && { keyLines }) });
        }
        break;
      case 'suppressions': {
        if (value === null || (isScalar(value) && value.value === null)) break;
        if (!isSeq(value)) fail(value, 'suppressions must be a list of { rule, target, reason, expires }');
        for (const item of (value as { items: unknown[] }).items) {
          suppressions.push(suppression(doc, resolved(doc, item as Node), ruleName, fail, source));
        }
        break;
      }
    }
  }

  // An id beats its area whatever the order, so `tls: off` with `tls.certificate: on` keeps that rule.
  const disabled = new Set<string>();
  const disabledBy = new Map<string, Disabled>();
  for (const id of options.ruleIds) {
    const rule = switches.has(id) ? id : id.split('.')[0]!;
    if (switches.get(rule) !== false) continue;
    disabled.add(id);
    disabledBy.set(id, { rule, path, line: switchLines.get(rule)! });
  }
  return {
    path,
    ...(failOn !== undefined ? { failOn } : {}),
    severityOverrides: overrides,
    disabled,
    disabledBy,
    thresholds,
    targets,
    suppressions,
  };
}

/** The offset of the first key that repeats an earlier key of its mapping, in one pass over the document. */
export function firstDuplicateKey(doc: Document): number | undefined {
  let first: number | undefined;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key;
        if (!isScalar(key)) continue;
        if (seen.has(key.value)) {
          const offset = key.range?.[0];
          if (offset !== undefined && (first === undefined || offset < first)) first = offset;
        }
        seen.add(key.value);
      }
    },
  });
  return first;
}

export type Fail = (node: { range?: [number, number, number] | null | undefined } | null | undefined, message: string) => never;

export function resolved(doc: Document, node: Node | null | undefined): Node | null {
  if (node && isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? null;
  return node ?? null;
}

/** A value as a message quotes it: short printable text (JSON-quoted, as it may hold quotes), else its length. */
const VALUE: Shape = { noun: 'short printable text', pattern: /^/, max: 64 };
/**
 * A key as a message quotes it: letters, digits, '_' and '-', 40 at most. A dotted word (`S3cret.pw`) or a longer one
 * may be content of a file given by mistake (a redis.conf, a password file read as YAML): its length only.
 */
const KEY_NAME: Shape = { noun: 'key name', pattern: /^[A-Za-z0-9_-]+$/, max: 40 };

/**
 * What a value is, for a message that says what it should be. A file that is no settings file (`--config-file
 * /proc/self/environ`, a password file, an ACL file) is one scalar, the whole file: `whole` is never quoted.
 * `'hidden'`: no value is shown, whatever it is, only its kind (an inventory, whose values may be passwords, or a
 * file of secrets given as one: `targets: hunter2`).
 */
export function describe(node: Node | null, whole: boolean | 'hidden' = false): string {
  if (node === null || (isScalar(node) && node.value === null)) return ', not empty';
  if (isScalar(node) && whole === 'hidden') {
    const value: unknown = node.value;
    if (typeof value === 'boolean') return `, not ${value}`;
    if (typeof value === 'string') return ', not a text (value not shown)';
    if (typeof value === 'number' || typeof value === 'bigint') return ', not the number given (value not shown)';
    return `, not ${shownValue(value)}`;
  }
  if (isScalar(node)) {
    if (typeof node.value !== 'string') return `, not ${shownValue(node.value)}`;
    return !whole && quotable(node.value, VALUE) ? `, not ${JSON.stringify(node.value)}` : `, not a text ${notShown(node.value)}`;
  }
  return isSeq(node) ? ', not a list' : ', not a mapping';
}

/** An unknown key as a message quotes it: `'colour'` when it looks like a key name, else only how long it is (a file that is no settings file: `/etc/shadow` read as YAML). */
export function shownKey(name: string): string {
  return shown(name, KEY_NAME);
}

/**
 * The pairs of a mapping, with string keys from `allowed` (any string key when `allowed` is null). `hidden`: a value
 * that is no mapping is not shown ({@link describe}).
 */
export function pairsOf(doc: Document, node: Node | null, where: string, allowed: readonly string[] | null, fail: Fail, hidden = false): Pair[] {
  if (node === null || (isScalar(node) && node.value === null)) return [];
  if (!isMap(node)) fail(node, `${where} must be a mapping (key: value)${describe(node, hidden ? 'hidden' : node === resolved(doc, doc.contents))}`);
  const pairs = (node as YAMLMap).items as Pair[];
  for (const pair of pairs) {
    const key = resolved(doc, pair.key as Node | null);
    if (!isScalar(key) || typeof key.value !== 'string') fail(key, `${where}: keys must be plain strings`);
    const name = (key as { value: string }).value;
    if (allowed && !allowed.includes(name)) {
      const hint = name === 'password' ? ': a password never goes in the settings file; name an environment variable with passwordEnv' : ` (expected ${allowed.join(', ')})`;
      fail(key, `${where}: unknown key ${shownKey(name)}${hint}`);
    }
  }
  return pairs;
}

/** A non-empty string value; `hidden`: another value is not shown ({@link describe}). */
export function stringOf(doc: Document, node: Node | null, where: string, fail: Fail, hidden = false): string {
  const value = resolved(doc, node);
  if (!isScalar(value) || typeof value.value !== 'string' || value.value === '') {
    fail(value, `${where} must be a non-empty string${describe(value, hidden ? 'hidden' : false)}`);
  }
  const text = (value as { value: string }).value;
  const lone = loneSurrogate(text);
  if (lone !== undefined) fail(value, `${where} ${lone}`);
  return text;
}

/**
 * What is wrong with a text holding half of a surrogate pair (YAML's `"\ud800"` escape), by its code alone, or
 * undefined: it is no text a file or a server can be given (QA42-6: an inline password `"x\ud800"` ended the run with
 * `unexpected error: URI malformed` when it was URL-encoded to be masked, and a user with `s.yaml:2: URI malformed`).
 */
export function loneSurrogate(text: string): string | undefined {
  const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(text)?.[0];
  return lone === undefined ? undefined : `holds an unpaired surrogate (\\u${lone.charCodeAt(0).toString(16)}): not valid text`;
}

function checkTargetSpec(spec: string, node: Node | null, where: string, fail: Fail): void {
  let hasPassword = false;
  try {
    hasPassword = resolveTarget(spec, {}, {}).hasPassword;
  } catch (error) {
    fail(node, `${where}: ${error instanceof TargetError ? error.message : String(error)}`);
  }
  if (hasPassword) fail(node, `${where}: a password never goes in the settings file; name an environment variable with passwordEnv`);
}

function targetDefaults(
  doc: Document,
  spec: string,
  entry: Pair,
  file: (p: string) => string,
  fail: Fail,
  origin: (node: Node | null) => string,
  keyAt: (name: string, key: Node) => void,
): TargetDefaults {
  const defaults: Record<string, unknown> = {};
  const where = `targets: ${spec}`;
  for (const pair of pairsOf(doc, resolved(doc, entry.value as Node | null), where, TARGET_KEYS, fail)) {
    const name = String((pair.key as { value: unknown }).value);
    keyAt(name, pair.key as Node);
    const node = resolved(doc, pair.value as Node | null);
    const raw = isScalar(node) ? node.value : undefined;
    if ((TARGET_BOOLEANS as readonly string[]).includes(name)) {
      if (typeof raw !== 'boolean') fail(node ?? (pair.key as Node), `${where}: ${name} must be true or false${describe(node)}`);
      defaults[name] = raw as boolean;
    } else if (name === 'sampleData') {
      const parsed = parseSampleData(node ? node.toJSON() : null);
      if (parsed !== null && 'error' in parsed) fail(node ?? (pair.key as Node), `${where}: ${parsed.error}`);
      defaults[name] = parsed;
    } else if (name === 'distroPackage') {
      const parsed = parseDeclaredPackage(stringOf(doc, node, `${where}: distroPackage`, fail), origin(node));
      if (typeof parsed === 'string') fail(node, `${where}: distroPackage: ${parsed}`);
      defaults[name] = parsed;
    } else if (name === 'db') {
      if (!isDbNumber(raw)) fail(node ?? (pair.key as Node), `${where}: db must be a whole number from 0 to ${MAX_DB}${describe(node)}`);
      defaults[name] = raw as number;
    } else {
      const value = stringOf(doc, node, `${where}: ${name}`, fail);
      if (name === 'passwordEnv' && !ENV_NAME.test(value)) fail(node, `${where}: passwordEnv must be an environment variable name (the value is not shown: it may be the password itself)`);
      defaults[name] = TARGET_PATHS.has(name) ? file(value) : value;
    }
  }
  return defaults as TargetDefaults;
}

function suppression(
  doc: Document,
  node: Node | null,
  ruleName: (node: Node | null, where: string) => string,
  fail: Fail,
  source: (node: Node | null) => SettingsSource,
): Suppression {
  const where = 'suppressions';
  const fields = new Map<string, Node | null>();
  for (const pair of pairsOf(doc, node, where, SUPPRESSION_KEYS, fail)) {
    fields.set(String((pair.key as { value: unknown }).value), resolved(doc, pair.value as Node | null));
  }
  if (!isMap(node)) fail(node, `${where}: each entry must be a mapping { rule, target, reason, expires }`);
  for (const required of ['rule', 'reason']) {
    if (!fields.has(required)) fail(node, `${where}: an entry has no '${required}' (every suppression says which rule and why)`);
  }
  const rule = ruleName(fields.get('rule') ?? null, where);
  const reason = stringOf(doc, fields.get('reason') ?? null, `${where}: reason`, fail).trim();
  if (reason === '') fail(fields.get('reason') ?? node, `${where}: reason must say why the finding is accepted`);
  let target: string | undefined;
  if (fields.has('target')) {
    target = stringOf(doc, fields.get('target') ?? null, `${where}: target`, fail);
    checkTargetSpec(target, fields.get('target') ?? null, `${where}: target`, fail);
  }
  let expires: string | undefined;
  if (fields.has('expires')) {
    const value = fields.get('expires') ?? null;
    expires = stringOf(doc, value, `${where}: expires`, fail);
    if (!isDate(expires)) fail(value, `${where}: expires must be a date YYYY-MM-DD, not '${clipped(expires)}'`);
  }
  // Narrower than rule + target (issue 11): one finding by its fingerprint (the baseline's), or one ACL user's.
  let fingerprint: string | undefined;
  if (fields.has('fingerprint')) {
    const value = fields.get('fingerprint') ?? null;
    fingerprint = stringOf(doc, value, `${where}: fingerprint`, fail).trim().toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(fingerprint)) fail(value, `${where}: fingerprint must be the 32 hex digits a baseline file gives a finding`);
  }
  let user: string | undefined;
  if (fields.has('user')) {
    user = stringOf(doc, fields.get('user') ?? null, `${where}: user`, fail);
    if (user === '') fail(fields.get('user') ?? node, `${where}: user must name an ACL user`);
  }
  return {
    rule,
    ...(target !== undefined ? { target } : {}),
    ...(fingerprint !== undefined ? { fingerprint } : {}),
    ...(user !== undefined ? { user } : {}),
    reason,
    ...(expires !== undefined ? { expires } : {}),
    source: source(node),
  };
}

function isDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}
