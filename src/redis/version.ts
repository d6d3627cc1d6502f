import type { ServerIdentity } from '../facts/live.ts';

/** A server version as written: `7.0.15`, `6.2`, `v7.4`, `valkey 8.0.1`, `valkey-8.0.1`, `Valkey/7.2.7`. */
export interface ParsedVersion {
  /** Named only when the text names it (`valkey 8.0.1`); a bare number says nothing. */
  readonly product: 'redis' | 'valkey' | undefined;
  readonly major: number;
  /** Undefined when the text gives the major version alone (`7`). */
  readonly minor: number | undefined;
  readonly patch: number | undefined;
}

/** The one version parser. Undefined when the text does not start with a version. */
export function parseVersion(text: string | undefined): ParsedVersion | undefined {
  const m = /^\s*(valkey|redis)?[\s/_-]*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/i.exec(text ?? '');
  if (!m) return undefined;
  return {
    product: m[1] === undefined ? undefined : m[1].toLowerCase() === 'valkey' ? 'valkey' : 'redis',
    major: Number(m[2]),
    minor: m[3] === undefined ? undefined : Number(m[3]),
    patch: m[4] === undefined ? undefined : Number(m[4]),
  };
}

/**
 * Whether the whole text is a version as a user gives one (`--redis-version`): parseVersion's grammar (`redis v7.2.4`,
 * `valkey_8.0.1`, `Redis  7.2`) with major.minor, then version characters only. `7.2.4; x` is not one: its start is.
 */
export function isVersionText(text: string): boolean {
  return /^\s*(?:valkey|redis)?[\s/_-]*v?\d+\.\d+[0-9A-Za-z.+~_-]{0,56}\s*$/i.test(text);
}

/** `major.minor`, required: undefined when the text has no minor version. */
export function majorMinor(text: string | undefined): { readonly major: number; readonly minor: number } | undefined {
  const v = parseVersion(text);
  return v?.minor === undefined ? undefined : { major: v.major, minor: v.minor };
}

/** Whether `major.minor` is at least `wantMajor.wantMinor`. */
export function isAtLeast(version: { readonly major: number; readonly minor: number }, wantMajor: number, wantMinor = 0): boolean {
  return version.major > wantMajor || (version.major === wantMajor && version.minor >= wantMinor);
}

/**
 * A server-given version as redfort shows it: what versions are made of (7.0.15, 8.0.0-rc1), at most 64 characters,
 * else 'unreadable'. INFO is the server's to write: a hostile one put the password AUTH sent it, terminal escapes
 * and a megabyte there, into every report (and the exporter's version label).
 */
export function shownVersion(version: string): string {
  return /^[0-9A-Za-z][0-9A-Za-z.+~_-]{0,63}$/.test(version) ? version : 'unreadable';
}

/** A server's version as the config parser and command-line reader take it (`7.0.15`, `valkey-8.0.1`); undefined when unknown. */
export function configVersion(server: ServerIdentity | undefined): string | undefined {
  if (!server?.version) return undefined;
  return server.product === 'valkey' ? `valkey-${server.version}` : server.version;
}
