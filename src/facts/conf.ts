/** What the configuration files on disk say (redis.conf with its includes, ACL file, sentinel.conf). */

import type { Fact, Source, SecretDigest } from './source.ts';
import type { AclUser, ConfigMap, SecretMap } from './live.ts';

/** The configuration files that were read, with what they say. */
export interface FileFacts {
  /** Every file read, absolute paths. */
  readonly paths: readonly string[];
  /** Each included file of `paths` to the `include` line that read it (the file and line, never the text). */
  readonly includedBy?: ReadonlyMap<string, Source>;
  readonly config: ConfigMap;
  readonly secrets: SecretMap;
  /** Users from an ACL file or `user` lines, with plaintext-password counts. */
  readonly users: readonly AclUser[];
  /** Lines redis-server would treat otherwise or refuse that do not stop an audit (unknown directives, …), as `file:line: what`. */
  readonly warnings?: readonly string[];
  /** Config directives and secrets set on more than one line (of one file or several): every line, in order; the last wins. */
  readonly repeated?: ReadonlyMap<string, readonly Source[]>;
  /**
   * Secrets (`requirepass`, `masterauth`, …) set on more than one line: every line before the one that wins (in
   * `secrets`), in order, each as its digest, never its value. An overridden line still holds its password on disk.
   */
  readonly overriddenSecrets?: ReadonlyMap<string, readonly OverriddenSecret[]>;
  /**
   * Directives whose deciding line names them by an alias the server accepts (Valkey 8's `primaryauth` for
   * `masterauth`): the canonical name (the key of `config` / `secrets`) to the name as written, for messages that
   * name the setting as the file does.
   */
  readonly spelled?: ReadonlyMap<string, string>;
  /**
   * Why the server's config file was not read when only its ACL file was (a live server whose `CONFIG GET aclfile` was
   * read, its config file not found): what the config file holds is unknown. Absent when the config file was read, or
   * the server was started without one.
   */
  readonly configUnread?: string;
  /** Files the configuration names that could not be read here (an aclfile of another machine), each with why. */
  readonly unread?: readonly string[];
  /**
   * The files' `dir` depends on the directory redis-server was started in (only relative `dir` lines, `dir ./`):
   * `config.get('dir')` is then resolved against an assumed directory, not comparable with the server's.
   */
  readonly dirStartRelative?: true;
  /**
   * The files' absolute `dir` with every symlink resolved on the machine redfort runs on (realpath), when it exists
   * there; `CONFIG GET dir` gives the server's resolved working directory (getcwd).
   */
  readonly dirReal?: string;
  /** `loadmodule` lines of the files read, the path as written (QA45-20). */
  readonly modules?: readonly Fact<string>[];
  /** A sentinel config's `notification-script` and `client-reconfig-script` paths, as written (QA45-21). */
  readonly scripts?: readonly Fact<string>[];
  readonly source: Source;
}

/** A secret's line that a later line overrides: its digest and place, and the directive as that line spells it. */
export interface OverriddenSecret extends Fact<SecretDigest> {
  /** As written (`primaryauth` for `masterauth`). */
  readonly name: string;
}
