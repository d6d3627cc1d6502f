import type { AclUser, CategoryTable, ServerIdentity, Source } from '../facts/types.ts';
import { effectiveCommands, effectiveKey } from './permissions.ts';
import { patternsKey } from './patterns.ts';
import type { PubsubDefault } from './patterns.ts';
import { defaultFor, existsIn, lookupDirective, resolveVersion } from '../redis/directives.ts';
import { clipped } from '../util/shown.ts';

/**
 * `acl-pubsub-default` as given, else the version's compiled default (6.2: allchannels; 7.0+: resetchannels). Before
 * 6.2 there are no channel permissions: every user may use every channel (redis@6.0.20 ACL LIST prints no `&`), as
 * `allchannels` does.
 */
export function pubsubDefault(value: string | undefined, server: ServerIdentity | undefined): PubsubDefault {
  const spec = lookupDirective('acl-pubsub-default');
  const version = resolveVersion(server?.version).key;
  if (spec && !existsIn(spec, version)) return 'allchannels';
  const given = (value ?? (spec ? defaultFor(spec, version) : 'resetchannels')).toLowerCase();
  return given === 'allchannels' ? 'allchannels' : 'resetchannels';
}

/** One way the running users differ from the users the files give. */
export interface UserDifference {
  readonly message: string;
  readonly source: Source;
  readonly evidence?: readonly string[];
}

export interface UserDriftInput {
  /** The server's users (ACL LIST). */
  readonly running: readonly AclUser[];
  /** The users the files give (the ACL file's, or the config's `user` lines; a `default` the file leaves out included). */
  readonly written: readonly AclUser[];
  /** Without the command table, commands, keys, channels and selectors are not compared (on/off and passwords are). */
  readonly categories: CategoryTable | undefined;
  /** acl-pubsub-default of the files (the written users get it at the next start) and of the running server. */
  readonly filePubsub: PubsubDefault;
  readonly runningPubsub: PubsubDefault;
  /** Where a user that exists only at run time is reported (without `aclFile`). */
  readonly filesSource: Source;
  /**
   * Set when the server keeps its users in an ACL file (`aclfile`): only ACL SAVE writes them there (CONFIG REWRITE
   * writes no `user` line then: redis-server refuses both), and a user only at run time is reported at that file
   * (`source`, when known; else `filesSource`). Absent: the users are redis.conf's `user` lines, which ACL SAVE (or
   * CONFIG REWRITE) writes.
   */
  readonly aclFile?: { readonly source: Source | undefined };
  /** Said after "… never ran" for a user only at run time (a --user option it may be). */
  readonly onlyRunningOr?: string;
}

/**
 * The ACL file the written users live in, as a place to report at (its first line), when the server has an `aclfile`
 * (`aclfile`: the running value, else the files'): for {@link UserDriftInput.aclFile}. Undefined without one.
 */
export function aclFileOf(aclfile: string | undefined, written: readonly AclUser[]): { readonly source: Source | undefined } | undefined {
  if (!aclfile) return undefined;
  const from = written.find((u) => u.source.kind === 'file')?.source;
  return { source: from?.kind === 'file' ? { kind: 'file', path: from.path, line: 1 } : undefined };
}

/**
 * How the users a server runs differ from those its files give, as the things each may do, not as text (Redis 7.0
 * rewrites rules in ACL LIST; `>pw` in a file and `#<sha256>` at run time are the same password). A `default` user
 * only at run time is not reported (the files leave it to its compiled default). Empty: the same users.
 * config.runtime-drift reports these; fix runs a bare ACL SAVE only when there are none (it then changes nothing but
 * the passwords' encoding in the file).
 */
export function userDifferences(input: UserDriftInput): UserDifference[] {
  const { running: users, written: files, categories, filePubsub, runningPubsub, filesSource } = input;
  const findings: UserDifference[] = [];
  const inFile = new Map(files.map((u) => [u.name, u]));
  for (const user of users) {
    const written = inFile.get(user.name);
    if (!written) {
      const saves = input.aclFile ? 'ACL SAVE' : 'ACL SAVE (or CONFIG REWRITE)';
      if (user.name !== 'default') findings.push({ message: `user '${clipped(user.name)}' exists at run time but not in the file: ${saves} never ran${input.onlyRunningOr ?? ''}`, source: input.aclFile?.source ?? filesSource });
      continue;
    }
    const hashes = (u: AclUser) => u.passwords.map((p) => p.sha256).sort().join(',');
    if (written.enabled !== user.enabled || written.nopass !== user.nopass || hashes(written) !== hashes(user)) {
      findings.push({ message: `user '${clipped(user.name)}' differs between the running server and the file (on/off or passwords)`, source: written.source });
    }
    if (!categories) continue;
    // Compared as the commands each allows, not as text: Redis 7.0 rewrites the rules in ACL LIST. The two lists
    // are made only when the allowed commands differ (effectiveKey: memoized per command rules, shared by users).
    const same = effectiveKey(user, categories) === effectiveKey(written, categories);
    const now = same ? undefined : effectiveCommands(user, categories);
    const filed = same ? undefined : effectiveCommands(written, categories);
    const added = now && filed ? [...now.keys()].filter((c) => !filed.has(c)) : [];
    const removed = now && filed ? [...filed.keys()].filter((c) => !now.has(c)) : [];
    if (added.length > 0 || removed.length > 0) {
      findings.push({
        message: `user '${clipped(user.name)}' runs other commands at run time than the file grants (${added.length} added, ${removed.length} taken away, e.g. '${[...added, ...removed].slice(0, 3).join("', '")}'): an ACL SETUSER that was never saved`,
        source: written.source,
        evidence: [...added.map((c) => `only at run time: ${c}`), ...removed.map((c) => `only in the file: ${c}`)],
      });
    }
    // Keys, channels and selectors: `ACL SETUSER app ~* &*` widens a user without changing a command.
    const key = patternsKey(user, categories, runningPubsub);
    const then = patternsKey(written, categories, filePubsub);
    const differs: string[] = [];
    if (key.root !== then.root) differs.push(`keys and channels '${key.root}' at run time, '${then.root}' in the file`);
    const selectors = (list: typeof key.selectors) => list.map((x) => x.shown).join(' ') || 'none';
    if (key.selectors.map((x) => x.key).join(' ') !== then.selectors.map((x) => x.key).join(' ')) {
      differs.push(`selectors ${selectors(key.selectors)} at run time, ${selectors(then.selectors)} in the file`);
    }
    if (differs.length > 0) {
      findings.push({
        message: `user '${clipped(user.name)}' may touch other keys, channels or selectors at run time than the file grants (${differs.join('; ')}): an ACL SETUSER that was never saved`,
        source: written.source,
      });
    }
  }
  const runningNames = new Set(users.map((u) => u.name));
  for (const [name, user] of inFile) {
    if (!runningNames.has(name)) findings.push({ message: `user '${clipped(name)}' is in the file but not on the running server`, source: user.source });
  }
  return findings;
}
