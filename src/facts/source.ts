/** Where a fact came from, and what a secret becomes as soon as it is read. */

/** Where a value came from. Findings point at it; the fixer edits there. */
export type Source =
  | { readonly kind: 'live'; readonly command: string }
  | { readonly kind: 'file'; readonly path: string; readonly line: number }
  | { readonly kind: 'default'; readonly note: string }
  | { readonly kind: 'host'; readonly detail: string }
  | { readonly kind: 'probe'; readonly detail: string }
  /** Stated by the user, not observed (`--distro-package`, an inventory's `distroPackage`). */
  | { readonly kind: 'declared'; readonly detail: string };

/**
 * How a `host` source of a setting begins when the server's own listening sockets show it (src/gather/conf/
 * running-config.ts): the running value, observed, not a stand-in for it (src/engine/stand-ins.ts).
 */
export const LISTENING_SOCKETS = 'the listening sockets of pid ';

/** A value with its provenance. */
export interface Fact<T = string> {
  readonly value: T;
  readonly source: Source;
}

/** What a password becomes as soon as a gatherer reads it: never the password itself. */
export interface SecretDigest {
  /** false for an empty value (e.g. `requirepass ""`). */
  readonly set: boolean;
  /** Length in bytes when the clear text was seen; undefined when only a hash was seen. */
  readonly length: number | undefined;
  /** Lowercase hex SHA-256 of the clear text (the form Redis stores ACL passwords in). */
  readonly sha256: string;
  /** The shape of a trivially structured clear text (`one character repeated`), never the value; absent otherwise. */
  readonly pattern?: string;
  /**
   * The template syntax (`${…}`) of a clear text that is one whole unrendered template expression (`${REDIS_PASSWORD}`:
   * redis-server expands no variables, so that is the password), never the value; absent otherwise.
   */
  readonly placeholder?: string;
}

/** The kinds of evidence a rule can be judged from (the `sources` column of the catalogue). */
export type SourceKind = 'live' | 'config' | 'host' | 'probe' | 'topology';

export function formatSource(source: Source): string {
  switch (source.kind) {
    case 'live':
      return `live: ${source.command}`;
    case 'file':
      return `${source.path}:${source.line}`;
    case 'default':
      return `default: ${source.note}`;
    case 'host':
      return `host: ${source.detail}`;
    case 'probe':
      return `probe: ${source.detail}`;
    case 'declared':
      return `declared: ${source.detail}`;
  }
}
