import type { Target, TargetFlags, TlsFrom } from '../redis/target.ts';
import { resolveTarget, TargetError, unusableTarget } from '../redis/target.ts';
import { targetKey } from '../engine/triage/target-key.ts';
import type { Settings } from './types.ts';
import { SettingsError } from './types.ts';
import { unsetVariable } from '../util/shown.ts';

type TargetEntry = Settings['targets'][number];

// Keyed once per settings object: looking each target up by a scan made a 4,000-target file quadratic.
const INDEXES = new WeakMap<Settings, ReadonlyMap<string, TargetEntry>>();

function targetIndex(settings: Settings): ReadonlyMap<string, TargetEntry> {
  let index = INDEXES.get(settings);
  if (!index) {
    const byKey = new Map<string, TargetEntry>();
    // The first entry for a server wins, as the scan did.
    for (const entry of settings.targets) {
      const key = targetKey(entry.spec);
      if (!byKey.has(key)) byKey.set(key, entry);
    }
    index = byKey;
    INDEXES.set(settings, index);
  }
  return index;
}

/**
 * The connection flags for one target: the command line first, then what the URL itself says, then the
 * settings file's defaults for that server. `passwordEnv` beats `REDISCLI_AUTH`, which is global.
 *
 * @throws {SettingsError} when `passwordEnv` names a variable that is not set.
 * @throws {TargetError} `file:line: …` when a TLS setting of the file cannot apply (no TLS, a cert without its key).
 */
export function flagsFor(
  spec: string | undefined,
  flags: TargetFlags,
  settings: Settings | undefined,
  env: Record<string, string | undefined>,
): TargetFlags {
  return settingsFlags(spec, flags, settings, env).flags;
}

/** {@link flagsFor}, with where the TLS files it adds come from (the settings file's target entry). */
function settingsFlags(
  spec: string | undefined,
  flags: TargetFlags,
  settings: Settings | undefined,
  env: Record<string, string | undefined>,
): { flags: TargetFlags; tlsFrom?: TlsFrom } {
  if (!settings || settings.targets.length === 0) return { flags };
  // What the URL and the command line already fix (no environment: REDISCLI_AUTH is the last resort;
  // no TLS files: the settings may supply the `tls` they need).
  const address: TargetFlags = {};
  for (const name of ['host', 'port', 'db', 'user', 'pass', 'tls'] as const) {
    if (flags[name] !== undefined) (address as Record<string, unknown>)[name] = flags[name];
  }
  const given = resolveTarget(spec, address, {});
  const key = targetKey(given.display);
  const entry = targetIndex(settings).get(key);
  if (!entry) return { flags };
  const d = entry.defaults;
  const merged: TargetFlags = { ...flags };
  if (d.user !== undefined && given.username === undefined) merged.user = d.user;
  if (d.passwordEnv !== undefined && !given.hasPassword) {
    const password = env[d.passwordEnv];
    if (password === undefined || password === '') {
      throw new SettingsError(`${entry.source.path}:${entry.source.line}: targets: ${entry.spec}: ${unsetVariable('passwordEnv', d.passwordEnv)}`);
    }
    merged.pass = password;
  }
  if (d.tls !== undefined && flags.tls === undefined && given.tls === undefined) merged.tls = d.tls;
  if (d.db !== undefined && flags.db === undefined && given.db === 0) merged.db = d.db;
  for (const name of ['cacert', 'cacertdir', 'cert', 'key', 'sni'] as const) {
    if (d[name] !== undefined && flags[name] === undefined) merged[name] = d[name];
  }
  if (d.insecure !== undefined && flags.insecure === undefined) merged.insecure = d.insecure;
  // A TLS setting of the file that cannot apply is named as the file's key at its line, not as a command-line flag
  // the user never gave (QA40-60: `--cacert needs --tls` for `cacert:` in .redfort.yaml). One the command line gives
  // is left to resolveTarget, whose wording then fits.
  const at = (key: string) => `${entry.source.path}:${entry.keyLines?.[key] ?? entry.source.line}`;
  const fromFile = (key: keyof TargetFlags) => flags[key] === undefined && merged[key] !== undefined && merged[key] !== false;
  const tlsKey = (['cacert', 'cacertdir', 'cert', 'key', 'sni', 'insecure'] as const).find(fromFile);
  if (!(merged.tls ?? given.tls !== undefined) && tlsKey !== undefined) {
    throw new TargetError(`${at(tlsKey)}: ${tlsKey} needs 'tls: true' or a rediss:// URL (target '${entry.spec}')`);
  }
  const lone = merged.cert === undefined ? 'key' : 'cert';
  if ((merged.cert === undefined) !== (merged.key === undefined) && fromFile(lone)) {
    throw new TargetError(`${at(lone)}: ${lone} needs ${lone === 'cert' ? 'key' : 'cert'} beside it: a client certificate and its private key go together (target '${entry.spec}')`);
  }
  // The messages about a TLS file name the settings file's key and entry, not the command-line flag.
  const tlsFrom: { -readonly [K in keyof TlsFrom]: TlsFrom[K] } = {};
  for (const [name, field] of [['cacert', 'caFile'], ['cacertdir', 'caDir'], ['cert', 'certFile'], ['key', 'keyFile']] as const) {
    if (d[name] !== undefined && flags[name] === undefined) tlsFrom[field] = { key: name, at: at(name) };
  }
  return { flags: merged, tlsFrom };
}

/**
 * The target to audit for one spec: {@link flagsFor} then `resolveTarget`. A settings-file target whose
 * `passwordEnv` is not set becomes an unusable target (an error for that target alone, as in a `--targets`
 * inventory), so that the other targets are still audited.
 *
 * @throws {TargetError} when the spec itself is invalid.
 */
export function targetFor(
  spec: string | undefined,
  flags: TargetFlags,
  settings: Settings | undefined,
  env: Record<string, string | undefined>,
): Target {
  try {
    const found = settingsFlags(spec, flags, settings, env);
    return resolveTarget(spec, found.flags, env, found.tlsFrom ? { tlsFrom: found.tlsFrom } : {});
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    // Shown without any password: the environment's REDISCLI_AUTH is not used for a target that names its own.
    return unusableTarget(resolveTarget(spec, flags, {}), error.message);
  }
}
