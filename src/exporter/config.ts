import { isAbsolute, resolve } from 'node:path';
import { fsErrorText } from '../util/fs-error.ts';
import { secretOfFile } from '../util/secret-file.ts';
import type { SecretFileText } from '../util/secret-file.ts';
import { certKeyProblem, certKeyProblemText } from '../util/tls-pair.ts';
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node, Pair } from 'yaml';
import type { Thresholds } from '../rules/define.ts';
import type { AllowEntry } from './allow.ts';
import { parseAllowEntry } from './allow.ts';
import { ExporterConfigError } from './errors.ts';
import type { SampleRequest } from '../gather/sample/index.ts';
import { parseSampleData } from '../settings/sample-data.ts';
import { readYaml } from '../settings/yaml-document.ts';
import { longDoubleQuoted, shownKey } from '../settings/parse.ts';
import type { TlsFlagSettings } from '../redis/target.ts';
import { AUDIT_CONCURRENCY, EXPORTER_PROBE_TIMEOUT_SECONDS, EXPORTER_TIMEOUT_MARGIN_SECONDS } from '../util/defaults.ts';
import { clipped, unsetVariable } from '../util/shown.ts';
import { parseDeclaredPackage } from '../redis/distro-package.ts';
import type { DeclaredPackage } from '../redis/distro-package.ts';

export { ExporterConfigError };

/** Connection settings and sources of one module: what a scrape names with `module=`. */
export interface ModuleConfig extends TlsFlagSettings {
  readonly name: string;
  readonly user?: string;
  /** Read once at start-up from `passwordEnv` or `passwordFile`; never logged, never in a metric. */
  readonly password?: string;
  /** Host facts (process, file modes, firewall) for a target on this machine; off by default. */
  readonly host: boolean;
  /** The network probes (unauthenticated PING, TLS versions, ciphers, certificate); on by default. */
  readonly probe: boolean;
  readonly thresholds: Partial<Thresholds>;
  /** Rule ids or areas turned off. */
  readonly disabled: ReadonlySet<string>;
  /** How long a result is reused (0: every scrape audits). */
  readonly cacheSeconds: number;
  /** The longest a probe may take when the scrape does not say (`X-Prometheus-Scrape-Timeout-Seconds`). */
  readonly timeoutSeconds: number;
  /** `sampleData`: a keyspace sample for data.client-side-encryption; off when absent (as on the command line). */
  readonly sample?: SampleRequest;
  /**
   * `distroPackage`: the distribution package the module's servers run (`redis-server=5:7.0.15-1~deb12u10`), as
   * `--distro-package`; an inventory entry's own `distroPackage` beats it (QA43-60).
   */
  readonly distroPackage?: DeclaredPackage;
}

/** How `/probe` and `/metrics` are protected. */
export interface WebConfig {
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly bearerToken?: string;
}

export interface ExporterConfig {
  readonly path: string;
  readonly listen: string;
  readonly modules: ReadonlyMap<string, ModuleConfig>;
  readonly allow: readonly AllowEntry[];
  /** The inventory file whose targets are allowed, by URL or by name. */
  readonly inventory?: string;
  /** Where the config names it (`exporter.yaml:7`), for a message about the file itself (one that cannot be read). */
  readonly inventoryAt?: string;
  /** Probes audited at once; more wait in a queue, within their own deadline. */
  readonly concurrency: number;
  /** Probes waiting for a slot at most; more are answered `redfort_probe_success 0` at once. */
  readonly maxQueued: number;
  /** Subtracted from Prometheus' scrape timeout, to answer before Prometheus gives up. */
  readonly timeoutMarginSeconds: number;
  readonly web: WebConfig;
  /** Problems that do not stop the start (a secret file others may read), `path:line: …` each. */
  readonly warnings?: readonly string[];
}


export const DEFAULT_LISTEN = '127.0.0.1:9779';

const TOP_KEYS = ['listen', 'modules', 'allow', 'inventory', 'concurrency', 'maxQueued', 'timeoutMarginSeconds', 'web'];
const MODULE_KEYS = [
  'user', 'passwordEnv', 'passwordFile', 'tls', 'cacert', 'cacertdir', 'cert', 'key', 'sni', 'insecure',
  'host', 'probe', 'thresholds', 'rules', 'cacheSeconds', 'timeoutSeconds', 'sampleData', 'distroPackage',
];
const WEB_KEYS = ['tlsCert', 'tlsKey', 'basicAuth', 'bearerTokenEnv', 'bearerTokenFile'];
const THRESHOLDS: Record<keyof Thresholds, { min: number; max: number }> = {
  backupMaxAgeHours: { min: 1, max: 24 * 366 },
  minPasswordLength: { min: 1, max: 1024 },
  certExpiryDays: { min: 0, max: 3650 },
};
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MODULE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export interface ConfigEnvironment {
  readonly env: Record<string, string | undefined>;
  /** Reads a file the config names (a certificate, a key; a secret file too unless `readSecretFile`); rejects with a reason on failure. */
  readonly readFile: (path: string) => Promise<string>;
  /** Reads a secret file (`passwordFile`, `bearerTokenFile`) with what its mode or owner exposes; `readFile` when not given. */
  readonly readSecretFile?: (path: string) => Promise<SecretFileText>;
  /** Every rule id of the catalogue, to check `rules:` names. */
  readonly ruleIds: readonly string[];
}

/**
 * Parses and validates `exporter.yaml`. Strict like `.redfort.yaml`: an unknown key, a wrong type, an unset
 * `passwordEnv` or an unreadable `passwordFile` is an error naming the line, found at start-up rather than at
 * the first scrape.
 *
 * @throws {ExporterConfigError} `path:line: what is wrong`.
 */
export async function parseExporterConfig(text: string, path: string, environment: ConfigEnvironment): Promise<ExporterConfig> {
  const long = longDoubleQuoted(text, path);
  if (long !== undefined) throw new ExporterConfigError(long);
  const read = readYaml(text, { uniqueKeys: true });
  if (!read.ok) throw new ExporterConfigError(`${path}:${read.line}: ${read.text}`);
  const { doc, lines } = read;
  const lineOf = (node: unknown): number => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lines.linePos(range[0]).line : 1;
  };
  const fail = (node: unknown, message: string): never => {
    throw new ExporterConfigError(`${path}:${lineOf(node)}: ${message}`);
  };
  const baseDir = resolve(path, '..');
  const file = (value: string) => (isAbsolute(value) ? value : resolve(baseDir, value));
  const warnings: string[] = [];

  const pairs = (node: unknown, where: string, allowed: readonly string[] | null): Pair[] => {
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return [];
    if (!isMap(node)) return fail(node, `${where} must be a mapping`);
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (allowed && !allowed.includes(key)) fail(pair.key, `${where}: unknown key ${shownKey(key)} (expected one of ${allowed.join(', ')})`);
    }
    return node.items as Pair[];
  };
  const keyOf = (pair: Pair) => String((pair.key as { value: unknown }).value);
  const str = (node: unknown, where: string): string => {
    if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') return fail(node, `${where} must be a non-empty string`);
    return node.value;
  };
  const bool = (node: unknown, where: string): boolean => {
    if (!isScalar(node) || typeof node.value !== 'boolean') return fail(node, `${where} must be true or false`);
    return node.value;
  };
  const num = (node: unknown, where: string, min: number, max: number, integer = true): number => {
    const n = isScalar(node) ? node.value : undefined;
    if (typeof n !== 'number' || (integer && !Number.isInteger(n)) || n < min || n > max) {
      return fail(node, `${where} must be a ${integer ? 'whole ' : ''}number from ${min} to ${max}`);
    }
    return n;
  };
  const secret = async (envNode: Pair | undefined, fileNode: Pair | undefined, where: string): Promise<string | undefined> => {
    if (envNode && fileNode) fail(fileNode.key, `${where}: give ${keyOf(envNode)} or ${keyOf(fileNode)}, not both`);
    if (envNode) {
      const name = str(envNode.value, `${where}: ${keyOf(envNode)}`);
      if (!ENV_NAME.test(name)) fail(envNode.value, `${where}: ${keyOf(envNode)} must name an environment variable (the value is not shown: it may be the secret itself)`);
      const value = environment.env[name];
      if (value === undefined || value === '') fail(envNode.value, `${where}: ${unsetVariable(keyOf(envNode), name, keyOf(envNode) === 'passwordEnv' ? 'password' : 'token')}`);
      return value;
    }
    if (fileNode) {
      const name = file(str(fileNode.value, `${where}: ${keyOf(fileNode)}`));
      let content: SecretFileText;
      try {
        content = environment.readSecretFile ? await environment.readSecretFile(name) : { text: await environment.readFile(name) };
      } catch (error) {
        return fail(fileNode.value, `${where}: cannot read ${keyOf(fileNode)} '${name}': ${fsErrorText(error)}`);
      }
      const secret = secretOfFile(content.text);
      if (!secret.ok) return fail(fileNode.value, `${where}: ${keyOf(fileNode)} '${name}' ${secret.reason}`);
      if (content.exposure !== undefined) warnings.push(`${path}:${lineOf(fileNode.value)}: ${where}: ${keyOf(fileNode)} '${name}' ${content.exposure}`);
      return secret.value;
    }
    return undefined;
  };

  /**
   * The paths of a certificate and its key, checked to go together. `required`: a file that cannot be read stops
   * the start (the web listener's); else it is left to each probe, which names it.
   */
  const certAndKey = async (certNode: Pair, keyNode: Pair, where: string, required: boolean): Promise<{ cert: string; key: string }> => {
    const [certKey, keyKey] = [keyOf(certNode), keyOf(keyNode)];
    const cert = file(str(certNode.value, `${where}: ${certKey}`));
    const key = file(str(keyNode.value, `${where}: ${keyKey}`));
    const texts: string[] = [];
    for (const [node, name, path] of [[certNode, certKey, cert], [keyNode, keyKey, key]] as const) {
      try {
        texts.push(await environment.readFile(path));
      } catch (error) {
        if (!required) return { cert, key };
        return fail(node.value, `${where}: cannot read ${name} '${path}': ${fsErrorText(error)}`);
      }
    }
    const problem = certKeyProblem(texts[0]!, texts[1]!);
    if (problem !== undefined) fail(problem === 'certificate' ? certNode.value : keyNode.value, `${where}: ${certKeyProblemText(problem, `${certKey} '${cert}'`, `${keyKey} '${key}'`)}`);
    return { cert, key };
  };

  const root = doc.contents;
  let listen = DEFAULT_LISTEN;
  let concurrency = AUDIT_CONCURRENCY;
  let maxQueued = 256;
  let timeoutMarginSeconds = EXPORTER_TIMEOUT_MARGIN_SECONDS;
  let inventory: string | undefined;
  let inventoryAt: string | undefined;
  const modules = new Map<string, ModuleConfig>();
  const allow: AllowEntry[] = [];
  let web: WebConfig = {};
  let sawModules = false;

  for (const pair of pairs(root, 'the exporter config', TOP_KEYS)) {
    const key = keyOf(pair);
    const value = pair.value;
    switch (key) {
      case 'listen':
        listen = isScalar(value) && typeof value.value === 'number' ? String(value.value) : str(value, 'listen');
        if (parseListen(listen) === undefined) fail(value, `listen must be ADDRESS:PORT (e.g. 127.0.0.1:9779 or [::1]:9779), not '${clipped(listen)}'`);
        break;
      case 'concurrency':
        concurrency = num(value, 'concurrency', 1, 10_000);
        break;
      case 'maxQueued':
        maxQueued = num(value, 'maxQueued', 0, 1_000_000);
        break;
      case 'timeoutMarginSeconds':
        timeoutMarginSeconds = num(value, 'timeoutMarginSeconds', 0, 60, false);
        break;
      case 'inventory':
        inventory = file(str(value, 'inventory'));
        inventoryAt = `${path}:${lineOf(value)}`;
        break;
      case 'allow': {
        if (!isSeq(value)) {
          if (isScalar(value) && value.value === null) break;
          fail(value, 'allow must be a list of host:port, host:port-port or CIDR:port entries');
        }
        for (const item of (value as { items: unknown[] }).items) {
          const text = isScalar(item) && (typeof item.value === 'string' || typeof item.value === 'number') ? String(item.value) : fail(item, 'allow: each entry must be a string');
          const entry = parseAllowEntry(text);
          if (typeof entry === 'string') fail(item, `allow: ${entry}`);
          allow.push(entry as AllowEntry);
        }
        break;
      }
      case 'modules':
        sawModules = true;
        for (const entry of pairs(value, 'modules', null)) {
          const name = keyOf(entry);
          if (!MODULE_NAME.test(name)) fail(entry.key, `modules: '${name}' is not a valid module name (letters, digits, '_', '.', '-')`);
          modules.set(name, await moduleOf(name, entry.value));
        }
        break;
      case 'web': {
        const items = new Map(pairs(value, 'web', WEB_KEYS).map((p) => [keyOf(p), p]));
        const tlsCert = items.get('tlsCert');
        const tlsKey = items.get('tlsKey');
        if ((tlsCert === undefined) !== (tlsKey === undefined)) fail((tlsCert ?? tlsKey)!.key, 'web: tlsCert and tlsKey go together');
        let basicAuth: WebConfig['basicAuth'];
        const basic = items.get('basicAuth');
        if (basic) {
          const b = new Map(pairs(basic.value, 'web: basicAuth', ['username', 'passwordEnv', 'passwordFile']).map((p) => [keyOf(p), p]));
          const username = b.get('username');
          if (!username) fail(basic.key, 'web: basicAuth needs a username');
          const password = await secret(b.get('passwordEnv'), b.get('passwordFile'), 'web: basicAuth');
          if (password === undefined) fail(basic.key, 'web: basicAuth needs passwordEnv or passwordFile');
          basicAuth = { username: str(username!.value, 'web: basicAuth: username'), password: password! };
        }
        const bearerToken = await secret(items.get('bearerTokenEnv'), items.get('bearerTokenFile'), 'web');
        if (basicAuth && bearerToken !== undefined) fail(basic!.key, 'web: give basicAuth or a bearer token, not both');
        const webTls = tlsCert ? await certAndKey(tlsCert, tlsKey!, 'web', true) : undefined;
        web = {
          ...(webTls ? { tlsCert: webTls.cert, tlsKey: webTls.key } : {}),
          ...(basicAuth ? { basicAuth } : {}),
          ...(bearerToken !== undefined ? { bearerToken } : {}),
        };
        break;
      }
    }
  }
  if (!sawModules || modules.size === 0) fail(root, 'modules: at least one module is needed (e.g. modules: { default: { probe: true } })');
  if (allow.length === 0 && inventory === undefined) fail(root, 'allow or inventory: name the targets that may be probed (nothing is allowed by default)');
  return { path, listen, modules, allow, ...(inventory !== undefined ? { inventory, ...(inventoryAt !== undefined && { inventoryAt }) } : {}), concurrency, maxQueued, timeoutMarginSeconds, web, ...(warnings.length > 0 ? { warnings } : {}) };

  async function moduleOf(name: string, node: unknown): Promise<ModuleConfig> {
    const where = `modules: ${name}`;
    const items = new Map(pairs(node, where, MODULE_KEYS).map((p) => [keyOf(p), p]));
    const value = (key: string) => items.get(key)?.value;
    const has = (key: string) => items.has(key);
    const password = await secret(items.get('passwordEnv'), items.get('passwordFile'), where);
    const thresholds: { -readonly [K in keyof Thresholds]?: number } = {};
    for (const entry of pairs(value('thresholds'), `${where}: thresholds`, Object.keys(THRESHOLDS))) {
      const key = keyOf(entry) as keyof Thresholds;
      thresholds[key] = num(entry.value, `${where}: thresholds: ${key}`, THRESHOLDS[key].min, THRESHOLDS[key].max);
    }
    const ids = new Set(environment.ruleIds);
    const areas = new Set(environment.ruleIds.map((id) => id.split('.')[0]!));
    const switches = new Map<string, boolean>();
    for (const entry of pairs(value('rules'), `${where}: rules`, null)) {
      const rule = keyOf(entry);
      if (!ids.has(rule) && !areas.has(rule)) fail(entry.key, `${where}: rules: unknown rule or area '${rule}' (see 'redfort rules')`);
      const setting = isScalar(entry.value) ? entry.value.value : undefined;
      // YAML 1.2 reads on/off as strings; true/false are accepted too.
      if (setting === 'on' || setting === true) switches.set(rule, true);
      else if (setting === 'off' || setting === false) switches.set(rule, false);
      else fail(entry.value, `${where}: rules: ${rule} must be on or off`);
    }
    // An id beats its area whatever the order, as in .redfort.yaml.
    const disabled = new Set(environment.ruleIds.filter((id) => (switches.get(id) ?? switches.get(id.split('.')[0]!)) === false));
    const strings = Object.fromEntries(
      (['user', 'cacert', 'cacertdir', 'cert', 'key', 'sni'] as const)
        .filter(has)
        .map((k) => [k, ['cacert', 'cacertdir', 'cert', 'key'].includes(k) ? file(str(value(k), `${where}: ${k}`)) : str(value(k), `${where}: ${k}`)]),
    );
    const sampleNode = value('sampleData') as { toJSON?: () => unknown } | null | undefined;
    const sample = has('sampleData') ? parseSampleData(sampleNode && typeof sampleNode.toJSON === 'function' ? sampleNode.toJSON() : null) : null;
    if (sample !== null && 'error' in sample) fail(items.get('sampleData')?.value ?? items.get('sampleData')?.key, `${where}: ${sample.error}`);
    let distroPackage: DeclaredPackage | undefined;
    if (has('distroPackage')) {
      const parsed = parseDeclaredPackage(str(value('distroPackage'), `${where}: distroPackage`), `distroPackage at ${path}:${lineOf(value('distroPackage'))}`);
      if (typeof parsed === 'string') fail(value('distroPackage'), `${where}: distroPackage: ${parsed}`);
      distroPackage = parsed as DeclaredPackage;
    }
    if (has('cert') !== has('key')) fail(items.get('cert')?.key ?? items.get('key')?.key, `${where}: cert and key go together`);
    // A client certificate and key that do not go together fail every probe: said at start, with the line.
    if (has('cert')) await certAndKey(items.get('cert')!, items.get('key')!, where, false);
    return {
      name,
      ...strings,
      ...(password !== undefined ? { password } : {}),
      ...(has('tls') ? { tls: bool(value('tls'), `${where}: tls`) } : {}),
      ...(has('insecure') ? { insecure: bool(value('insecure'), `${where}: insecure`) } : {}),
      host: has('host') ? bool(value('host'), `${where}: host`) : false,
      probe: has('probe') ? bool(value('probe'), `${where}: probe`) : true,
      thresholds,
      disabled,
      cacheSeconds: has('cacheSeconds') ? num(value('cacheSeconds'), `${where}: cacheSeconds`, 0, 86_400) : 0,
      ...(sample !== null ? { sample: sample as SampleRequest } : {}),
      ...(distroPackage ? { distroPackage } : {}),
      timeoutSeconds: has('timeoutSeconds') ? num(value('timeoutSeconds'), `${where}: timeoutSeconds`, 0.1, 600, false) : EXPORTER_PROBE_TIMEOUT_SECONDS,
    };
  }
}

/** `127.0.0.1:9779`, `[::1]:9779`, `:9779` (every address) into host and port; undefined when malformed. */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65_535) return undefined;
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}
