/**
 * The typed facts every gatherer fills and every rule reads.
 * Gatherers are the only code that does I/O; rules are pure functions of a frozen `Facts`.
 */

import type { FactKey } from './keys.ts';
import type { ConfigMap, SecretMap, ServerIdentity, InfoSections, AclState, CategoryTable, CommandSurface, SentinelFacts, ClusterFacts, ConnectionFacts } from './live.ts';
import type { Fact, SourceKind } from './source.ts';
import type { HostFacts, PackageFacts } from './host.ts';
import type { ProbeFacts } from './probe.ts';
import type { TopologyFacts } from './topology.ts';
import type { FileFacts } from './conf.ts';
import type { SampleFacts } from './sample.ts';

export * from './source.ts';
export * from './keys.ts';
export type * from './live.ts';
export type * from './host.ts';
export type * from './probe.ts';
export type * from './topology.ts';
export type * from './conf.ts';
export type { SampleDatabase, SampleFacts, SampleFinding, SampleSummary } from './sample.ts';

/**
 * Everything the gatherers learned about one target. Rules read it; nothing writes it after gathering.
 * A missing key means the fact could not be gathered; `unavailable` says why, and rules needing it skip.
 */
export interface Facts {
  /** Display name of the target (URL without secrets, or a file path). */
  readonly target: string;
  /** Which kinds of source contributed. */
  readonly sources: ReadonlySet<SourceKind>;
  readonly server?: ServerIdentity;
  readonly info?: InfoSections;
  readonly config?: ConfigMap;
  readonly secrets?: SecretMap;
  readonly acl?: AclState;
  readonly categories?: CategoryTable;
  readonly commands?: CommandSurface;
  readonly sentinel?: SentinelFacts;
  readonly cluster?: ClusterFacts;
  /** Server clock in unix seconds when the facts were gathered (`TIME`), for age thresholds. */
  readonly now?: Fact<number>;
  /** Host facts (process, users, file modes): gathered by the host auditor. */
  readonly host?: HostFacts;
  /** What a client on the network observes (TLS handshakes, unauthenticated access). */
  readonly probe?: ProbeFacts;
  /** The whole deployment (every node of a cluster or sentinel group). */
  readonly topology?: TopologyFacts;
  /** Config files read from disk (redis.conf with includes, ACL file, sentinel.conf). */
  readonly files?: FileFacts;
  /** A bounded sample of the keyspace, only with `--sample-data`. */
  readonly sample?: SampleFacts;
  /** How the live connection was made when it was not as asked (the report says so). */
  readonly connection?: ConnectionFacts;
  /**
   * The distribution package the user declared for this target (`--distro-package`, `distroPackage`), for a
   * server whose package the host gatherer cannot see (remote, not root); its source says who declared it.
   */
  readonly distroPackage?: Fact<PackageFacts>;
  /**
   * When the config files could not be read because the server's own version refuses a line of them (the line
   * redis-server stops at), what it says, with that line as the source: `files` is then absent, and the file as it
   * is on disk does not start the server again.
   */
  readonly refusedFile?: Fact<string>;
  /**
   * CONFIG GET could not be read, `config` and `secrets` hold the files' values in its place, and what the live server
   * shows of itself (INFO's listeners, ACL LIST's default user, the unauthenticated probe) contradicts them: why, naming
   * the file. The values INFO gives are then the running ones (source `live`); a rule that reads another is skipped
   * with this reason (src/engine/stand-ins.ts).
   */
  readonly runningDiffers?: string;
  readonly unavailable: Readonly<Partial<Record<FactKey, string>>>;
}

/** Fields of `Facts` that are not facts a rule can require: the target's name, bookkeeping and declared inputs. */
type NotFactFields = 'target' | 'sources' | 'unavailable' | 'connection' | 'distroPackage' | 'refusedFile' | 'runningDiffers';

/**
 * `FACT_KEYS` names exactly the other fields of `Facts`: adding a field to one and not the other fails to compile
 * here (add it to `FACT_KEYS`, with its reason in the engine's `MISSING_REASON`, or to `NotFactFields`).
 */
type FactKeysMatchFacts = SameKeys<FactKey, Exclude<keyof Facts, NotFactFields>>;
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
true satisfies FactKeysMatchFacts;
