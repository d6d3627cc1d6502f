import type { SampleRequest } from '../gather/sample/index.ts';
import type { Severity, Thresholds } from '../rules/define.ts';
import type { TlsFlagSettings } from '../redis/target.ts';
import type { Suppression } from '../engine/triage/suppressions.ts';
import type { Disabled } from '../engine/run.ts';

export type { Suppression } from '../engine/triage/suppressions.ts';
import type { DeclaredPackage } from '../redis/distro-package.ts';

/** Where a setting was written. */
export interface SettingsSource {
  readonly kind: 'file';
  readonly path: string;
  readonly line: number;
}

/** Connection defaults for one target; never a password, only the name of a variable holding it. */
export interface TargetDefaults extends TlsFlagSettings {
  readonly user?: string;
  /** Environment variable holding the password. */
  readonly passwordEnv?: string;
  readonly db?: number;
  /** `sampleData`: sample this target's keyspace (a request), or never (`null`); unset follows --sample-data. */
  readonly sampleData?: SampleRequest | null;
  /** `distroPackage`: the distribution package the target runs, as --distro-package declares it. */
  readonly distroPackage?: DeclaredPackage;
}

export interface TargetSettings {
  /** As written: a URL or `host:port`. */
  readonly spec: string;
  readonly defaults: TargetDefaults;
  readonly source: SettingsSource;
  /** The line of each key of `defaults` (`cacert` → 3), for messages about one setting; the entry's line without it. */
  readonly keyLines?: Readonly<Partial<Record<string, number>>>;
}

/** The content of `.redfort.yaml`, validated. */
export interface Settings {
  readonly path: string;
  readonly failOn?: Severity | 'none';
  /** Rule id or area to severity; an id beats its area. */
  readonly severityOverrides: ReadonlyMap<string, Severity>;
  /** Rule ids turned off (areas already expanded, so `tls: off` + `tls.certificate: on` works). */
  readonly disabled: ReadonlySet<string>;
  /**
   * Where each rule of `disabled` was turned off (the entry of its id, or of its area): such a rule is in the reports
   * as a `skip` marked `disabled`. Settings made without it leave the rules of `disabled` out of the results.
   */
  readonly disabledBy?: ReadonlyMap<string, Disabled>;
  readonly thresholds: Partial<Thresholds>;
  readonly targets: readonly TargetSettings[];
  readonly suppressions: readonly Suppression[];
}

/** A settings or baseline file that cannot be used; the message starts with `file:line:`. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/**
 * The first line of a YAML parser error, as a user reads it: the parser reports a document nested deeper than its
 * stack (thousands of `[`) as V8's own words, which name no YAML.
 */
export function yamlErrorText(message: string): string {
  const first = message.split('\n')[0] ?? '';
  if (/Maximum call stack size exceeded/.test(first)) return 'nested too deeply to read (thousands of levels)';
  // The yaml library's wording names its own API (`please use YAML.parseAllDocuments()`).
  if (/^Source contains multiple documents/.test(first)) return 'a second YAML document starts here: the file must hold one document (one `---` at most)';
  // The parser quotes what it could not read (a tag, a block scalar's header, an escape): text of the file, which
  // may be no YAML file at all but one of secrets given by mistake. Its words only.
  const quoting = /^(Unresolved tag|Block scalar header includes extra characters|Invalid escape sequence)\b/.exec(first);
  if (quoting) return `${quoting[1]} (not shown)`;
  return first;
}
