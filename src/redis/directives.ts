import { majorMinor, parseVersion } from './version.ts';
import { productOf, releaseStanding } from './releases.ts';
import type { TabledReleases } from './releases.ts';
import type { ServerIdentity } from '../facts/live.ts';

/**
 * Every configuration directive of Redis 6.0-8.6 and Valkey 7.2-9.1, with the type, bounds, aliases and
 * compiled default the server's `static_configs[]` table gives it. Extracted from `src/config.c` at
 * redis 6.0.20, 6.2.16, 7.0.15, 7.2.6, 7.4.1 and valkey 7.2.7, 8.0.1;
 * the compiled defaults of 7.0.15 were checked against `CONFIG GET *` of a live 7.0.15.
 * The newer columns, from the release tarballs (a tag's `git archive`: `git get-tar-commit-id` names its commit, and
 * `src/version.h` in it the release):
 * - `r8.0`: redis 8.0.6, commit f49e5cb2b161418f92f2095c532b85ad24d80819 (version.h `REDIS_VERSION "8.0.6"`);
 * - `r8.6`: redis 8.6.3, commit bd3b38d41070b478c58bc8b72d2af89cbccd1a40 (`REDIS_VERSION "8.6.3"`);
 * - `v8.1`: valkey 8.1.1, Debian's repacked upstream tarball valkey_8.1.1+dfsg1.orig.tar.xz (sha256 d9bbd82e…c2ee7;
 *   no commit id in it; version.h `VALKEY_VERSION "8.1.1"`);
 * - `v9.1`: valkey 9.1.2, commit 7f1dffedff6de73058b2c2a389422b6ecd56c8fb (`VALKEY_VERSION "9.1.2"`);
 * - `r8.4` (Redis 8.1-8.5: 8.2 and 8.4) and `v9.0` (Valkey 8.2-9.0) are no tag's table: they are the next one's less
 *   what its 00-RELEASENOTES names as new in it (8.6's "Configuration parameters": cluster-slot-stats-enabled,
 *   key-memory-histograms, stream-idmp-duration, stream-idmp-maxsize, tls-auth-clients-user, maxmemory-policy's *-lrm,
 *   repl-diskless-load flushdb; 9.1's: cluster-config-save-behavior, hash-seed, log-format json; 9.1.2 made
 *   sanitize-dump-payload a no-op). A directive 8.4 added is so taken for 8.2 too: they may accept a name their
 *   release refuses, never refuse one it takes.
 * Type and bounds are 7.0.15's where the directive exists there (the version this parser follows).
 * `immutable` is the `IMMUTABLE_CONFIG` flag of redis 6.2.16, 7.0.15, 8.0.6 and valkey 8.0.1.
 */

/**
 * The server lines whose tables differ (see above). Redis 8.0-m01 (7.9.224) follows `r7.4`, whose names it has
 * (unstable@4f8cdc2a1's table differs from 7.4.1's in no name).
 */
export type VersionKey =
  | 'r6.0' | 'r6.2' | 'r7.0' | 'r7.2' | 'r7.4' | 'r8.0' | 'r8.4' | 'r8.6'
  | 'v7.2' | 'v8.0' | 'v8.1' | 'v9.0' | 'v9.1';

/**
 * The most addresses one `bind` may name: CONFIG_BINDADDR_MAX, 16 in the server.h of every build (Redis 6.0.20, 6.2.16,
 * 7.2.6, 7.4.1, 8.0-m01, Valkey 8.0.1). A config file's longer bind is refused; a CONFIG GET reply's is no server's.
 */
export const MAX_BIND_ADDRESSES = 16;

export interface DirectiveSpec {
  /** The modern Redis name (`replica-read-only`, `masterauth`), which `ConfigMap` is keyed by. */
  readonly name: string;
  /** Older or fork names the server also accepts (`slave-read-only`, Valkey's `primaryauth`). */
  readonly aliases?: readonly string[];
  readonly kind: 'bool' | 'enum' | 'string' | 'number' | 'special';
  /** enum: every accepted name (any case in the file) to the name `CONFIG GET` returns for its value. */
  readonly values?: Readonly<Record<string, string>>;
  /** enum: names only some lines accept (`allkeys-lrm`: Redis 8.6), to those lines; the others, every line that has it. */
  readonly valuesIn?: Readonly<Record<string, readonly VersionKey[]>>;
  /** enum: several names combine (`shutdown-on-sigterm save now`). */
  readonly bitflags?: boolean;
  readonly min?: string;
  readonly max?: string;
  readonly unsigned?: boolean;
  /** number: accepts `1gb`, `100mb`, `1k`... (see `memtoull`). */
  readonly memory?: boolean;
  /** number: accepts `N%` (stored negative, returned as `N%`). */
  readonly percent?: boolean;
  readonly octal?: boolean;
  /** Takes several arguments (`MULTI_ARG_CONFIG`); a single non-empty one is split again (7.0+). */
  readonly multiArg?: boolean;
  /** `SENSITIVE_CONFIG`: redacted from the server's logs, though `CONFIG GET` still returns it. */
  readonly sensitive?: boolean;
  /** The compiled default of 7.0 (or of the newest line that has the directive). */
  readonly default: string;
  /** Versions whose compiled default differs from `default`. */
  readonly defaults?: Partial<Readonly<Record<VersionKey, string>>>;
  /** The versions that know the directive; absent = all of them. */
  readonly in?: readonly VersionKey[];
  /**
   * `IMMUTABLE_CONFIG`: `CONFIG SET` refuses it, so a new value takes a restart. Absent: `CONFIG SET` changes
   * it at run time. `replicaof` is immutable to `CONFIG SET` only: the `REPLICAOF` command changes it live.
   * `disable-thp` was mutable in 6.2 and is immutable from 7.0 on (the table follows 7.0.15).
   */
  readonly immutable?: true;
  /** The lines where CONFIG SET changes it though `immutable` says otherwise (Valkey's lua-enable-insecure-api). */
  readonly mutableIn?: readonly VersionKey[];
}

/**
 * Left out: `req-res-logfile` and `client-default-resp` (7.2+), which only a server built with LOG_REQ_RES (the test
 * suite's request/response logging) has; a release build refuses them ("Bad directive") and CONFIG GET has neither
 * (redis@7.2.6:src/config.c:3121,3191; live 7.2.6, 7.4.1, 8.0-m01, Valkey 8.0.1).
 */
export const DIRECTIVES: readonly DirectiveSpec[] = [
  { name: 'acl-pubsub-default', kind: 'enum', values: { allchannels: 'allchannels', resetchannels: 'resetchannels' }, default: 'resetchannels', defaults: { 'r6.2': 'allchannels' }, in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'aclfile', immutable: true, kind: 'string', default: '' },
  { name: 'acllog-max-len', kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, default: '128' },
  { name: 'active-defrag-cycle-max', kind: 'number', min: '1', max: '99', default: '25' },
  { name: 'active-defrag-cycle-min', kind: 'number', min: '1', max: '99', default: '1' },
  { name: 'active-defrag-cycle-us', kind: 'number', min: '0', max: '100000', default: '500', in: ['v8.1', 'v9.0', 'v9.1'] },
  { name: 'active-defrag-ignore-bytes', kind: 'number', min: '1', max: '9223372036854775807', unsigned: true, memory: true, default: '104857600' },
  { name: 'active-defrag-max-scan-fields', kind: 'number', min: '1', max: '9223372036854775807', unsigned: true, default: '1000' },
  { name: 'active-defrag-threshold-lower', kind: 'number', min: '0', max: '1000', default: '10' },
  { name: 'active-defrag-threshold-upper', kind: 'number', min: '0', max: '1000', default: '100' },
  { name: 'active-expire-effort', kind: 'number', min: '1', max: '10', default: '1' },
  { name: 'activedefrag', kind: 'bool', default: 'no' },
  { name: 'activerehashing', kind: 'bool', default: 'yes' },
  { name: 'always-show-logo', immutable: true, kind: 'bool', default: 'no' },
  { name: 'aof-disable-auto-gc', kind: 'bool', default: 'no', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'aof-load-corrupt-tail-max-size', kind: 'number', min: '0', max: '9223372036854775807', default: '0', in: ['r8.4', 'r8.6'] },
  { name: 'aof-load-truncated', kind: 'bool', default: 'yes' },
  { name: 'aof-rewrite-cpulist', immutable: true, aliases: ['aof_rewrite_cpulist'], kind: 'string', default: '' },
  { name: 'aof-rewrite-incremental-fsync', kind: 'bool', default: 'yes' },
  { name: 'aof-timestamp-enabled', kind: 'bool', default: 'no', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'aof-use-rdb-preamble', kind: 'bool', default: 'yes' },
  { name: 'appenddirname', immutable: true, kind: 'string', default: 'appendonlydir', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'appendfilename', immutable: true, kind: 'string', default: 'appendonly.aof' },
  { name: 'appendfsync', kind: 'enum', values: { everysec: 'everysec', always: 'always', no: 'no' }, default: 'everysec' },
  { name: 'appendonly', kind: 'bool', default: 'no' },
  { name: 'auto-aof-rewrite-min-size', kind: 'number', min: '0', max: '9223372036854775807', memory: true, default: '67108864' },
  { name: 'auto-aof-rewrite-percentage', kind: 'number', min: '0', max: '2147483647', default: '100' },
  { name: 'availability-zone', kind: 'string', default: '', in: ['v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'bgsave-cpulist', immutable: true, aliases: ['bgsave_cpulist'], kind: 'string', default: '' },
  { name: 'bind', kind: 'special', multiArg: true, default: '* -::*', defaults: { 'r6.0': '', 'r6.2': '' } },
  { name: 'bind-source-addr', kind: 'string', default: '', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'bio-cpulist', immutable: true, aliases: ['bio_cpulist'], kind: 'string', default: '' },
  { name: 'busy-reply-threshold', aliases: ['lua-time-limit'], kind: 'number', min: '0', max: '9223372036854775807', default: '5000' },
  { name: 'client-output-buffer-limit', kind: 'special', multiArg: true, default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60' },
  { name: 'client-query-buffer-limit', kind: 'number', min: '1048576', max: '9223372036854775807', unsigned: true, memory: true, default: '1073741824' },
  { name: 'cluster-allow-pubsubshard-when-down', kind: 'bool', default: 'yes', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'cluster-allow-reads-when-down', kind: 'bool', default: 'no' },
  { name: 'cluster-allow-replica-migration', kind: 'bool', default: 'yes', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'cluster-announce-bus-port', kind: 'number', min: '0', max: '65535', default: '0' },
  { name: 'cluster-announce-client-ipv4', kind: 'string', default: '', in: ['v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'cluster-announce-client-ipv6', kind: 'string', default: '', in: ['v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'cluster-announce-client-port', kind: 'number', min: '0', max: '65535', default: '0', in: ['v9.0', 'v9.1'] },
  { name: 'cluster-announce-client-tls-port', kind: 'number', min: '0', max: '65535', default: '0', in: ['v9.0', 'v9.1'] },
  { name: 'cluster-announce-hostname', kind: 'string', default: '', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'cluster-announce-human-nodename', kind: 'string', default: '', in: ['r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'cluster-announce-ip', kind: 'string', default: '' },
  { name: 'cluster-announce-port', kind: 'number', min: '0', max: '65535', default: '0' },
  { name: 'cluster-announce-tls-port', kind: 'number', min: '0', max: '65535', default: '0', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'cluster-blacklist-ttl', kind: 'number', min: '0', max: '18446744073709551615', unsigned: true, default: '60', in: ['v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'cluster-compatibility-sample-ratio', kind: 'number', min: '0', max: '100', default: '0', in: ['r8.0', 'r8.4', 'r8.6'] },
  { name: 'cluster-config-file', immutable: true, kind: 'string', default: 'nodes.conf' },
  { name: 'cluster-config-save-behavior', kind: 'enum', values: { sync: 'sync', 'best-effort': 'best-effort' }, default: 'sync', in: ['v9.1'] },
  { name: 'cluster-databases', immutable: true, kind: 'number', min: '1', max: '2147483647', default: '1', in: ['v9.0', 'v9.1'] },
  { name: 'cluster-enabled', immutable: true, kind: 'bool', default: 'no' },
  { name: 'cluster-link-sendbuf-limit', kind: 'number', min: '0', max: '18446744073709551615', unsigned: true, memory: true, default: '0', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'cluster-manual-failover-timeout', kind: 'number', min: '1', max: '2147483647', default: '5000', in: ['v8.1', 'v9.0', 'v9.1'] },
  { name: 'cluster-message-gossip-perc', kind: 'number', min: '1', max: '100', default: '10', in: ['v9.0', 'v9.1'] },
  { name: 'cluster-migration-barrier', kind: 'number', min: '0', max: '2147483647', default: '1' },
  { name: 'cluster-node-timeout', kind: 'number', min: '0', max: '9223372036854775807', default: '15000' },
  { name: 'cluster-ping-interval', kind: 'number', min: '0', max: '9223372036854775807', default: '0', in: ['r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'cluster-port', immutable: true, kind: 'number', min: '0', max: '65535', default: '0', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'cluster-preferred-endpoint-type', kind: 'enum', values: { ip: 'ip', hostname: 'hostname', 'unknown-endpoint': 'unknown-endpoint' }, default: 'ip', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'cluster-replica-no-failover', aliases: ['cluster-slave-no-failover'], kind: 'bool', default: 'no' },
  { name: 'cluster-replica-validity-factor', aliases: ['cluster-slave-validity-factor'], kind: 'number', min: '0', max: '2147483647', default: '10' },
  { name: 'cluster-require-full-coverage', kind: 'bool', default: 'yes' },
  { name: 'cluster-slot-migration-handoff-max-lag-bytes', kind: 'number', min: '0', max: '9223372036854775807', memory: true, default: '1048576', in: ['r8.4', 'r8.6'] },
  { name: 'cluster-slot-migration-log-max-len', kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, default: '1000', in: ['v9.0', 'v9.1'] },
  { name: 'cluster-slot-migration-max-archived-tasks', kind: 'number', min: '1', max: '2147483647', default: '32', in: ['r8.4', 'r8.6'] },
  { name: 'cluster-slot-migration-sync-buffer-drain-timeout', kind: 'number', min: '0', max: '9223372036854775807', default: '60000', in: ['r8.4', 'r8.6'] },
  { name: 'cluster-slot-migration-write-pause-timeout', kind: 'number', min: '0', max: '9223372036854775807', default: '10000', in: ['r8.4', 'r8.6'] },
  { name: 'cluster-slot-stats-enabled', kind: 'enum', values: { no: 'no', yes: 'yes', cpu: 'cpu', net: 'net', mem: 'mem' }, valuesIn: { cpu: ['r8.6'], net: ['r8.6'], mem: ['r8.6'] }, bitflags: true, multiArg: true, default: 'no', in: ['r8.6', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'commandlog-large-reply-max-len', kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, default: '128', in: ['v8.1', 'v9.0', 'v9.1'] },
  { name: 'commandlog-large-request-max-len', kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, default: '128', in: ['v8.1', 'v9.0', 'v9.1'] },
  { name: 'commandlog-reply-larger-than', kind: 'number', min: '-1', max: '9223372036854775807', default: '1048576', in: ['v8.1', 'v9.0', 'v9.1'] },
  { name: 'commandlog-request-larger-than', kind: 'number', min: '-1', max: '9223372036854775807', default: '1048576', in: ['v8.1', 'v9.0', 'v9.1'] },
  { name: 'crash-log-enabled', kind: 'bool', default: 'yes', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'crash-memcheck-enabled', kind: 'bool', default: 'yes', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'daemonize', immutable: true, kind: 'bool', default: 'no' },
  { name: 'databases', immutable: true, kind: 'number', min: '1', max: '2147483647', default: '16' },
  { name: 'dbfilename', kind: 'string', default: 'dump.rdb' },
  { name: 'debug-context', kind: 'string', default: '', in: ['v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'dir', kind: 'special', default: '' },
  { name: 'disable-thp', immutable: true, kind: 'bool', default: 'yes', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'dual-channel-replication-enabled', kind: 'bool', default: 'no', in: ['v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'dynamic-hz', kind: 'bool', default: 'yes', in: ['r6.0', 'r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0'] },
  { name: 'enable-debug-assert', immutable: true, kind: 'bool', default: 'no', in: ['v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'enable-debug-command', immutable: true, kind: 'enum', values: { no: 'no', yes: 'yes', local: 'local' }, default: 'no', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'enable-module-command', immutable: true, kind: 'enum', values: { no: 'no', yes: 'yes', local: 'local' }, default: 'no', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'enable-protected-configs', immutable: true, kind: 'enum', values: { no: 'no', yes: 'yes', local: 'local' }, default: 'no', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'events-per-io-thread', kind: 'number', min: '0', max: '2147483647', default: '2', in: ['v8.0', 'v8.1'] },
  { name: 'extended-redis-compatibility', kind: 'bool', default: 'no', in: ['v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'gopher-enabled', kind: 'bool', default: 'no', in: ['r6.0', 'r6.2'] },
  { name: 'hash-max-listpack-entries', aliases: ['hash-max-ziplist-entries'], kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, default: '512' },
  { name: 'hash-max-listpack-value', aliases: ['hash-max-ziplist-value'], kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, memory: true, default: '64' },
  { name: 'hash-seed', immutable: true, kind: 'string', default: '', in: ['v9.1'] },
  { name: 'hide-user-data-from-log', kind: 'bool', default: 'no', defaults: { 'v8.0': 'yes', 'v8.1': 'yes', 'v9.0': 'yes', 'v9.1': 'yes' }, in: ['r7.4', 'r8.0', 'r8.4', 'r8.6', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'hll-sparse-max-bytes', kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, memory: true, default: '3000' },
  { name: 'hz', kind: 'number', min: '0', max: '2147483647', default: '10' },
  { name: 'ignore-warnings', kind: 'string', default: '', defaults: { 'r6.0': 'ARM64-COW-BUG' } },
  { name: 'import-mode', kind: 'bool', default: 'no', in: ['v8.1', 'v9.0', 'v9.1'] },
  { name: 'io-threads', immutable: true, kind: 'number', min: '1', max: '128', default: '1' },
  { name: 'io-threads-always-active', kind: 'bool', default: 'no', in: ['v9.0', 'v9.1'] },
  { name: 'io-threads-do-reads', immutable: true, kind: 'bool', default: 'no', defaults: { 'v8.0': 'yes' }, in: ['r6.0', 'r6.2', 'r7.0', 'r7.2', 'r7.4', 'v7.2', 'v8.0'] },
  { name: 'jemalloc-bg-thread', kind: 'bool', default: 'yes' },
  { name: 'key-load-delay', kind: 'number', min: '-2147483648', max: '2147483647', default: '0' },
  { name: 'key-memory-histograms', kind: 'bool', default: 'no', in: ['r8.6'] },
  { name: 'latency-monitor-threshold', kind: 'number', min: '0', max: '9223372036854775807', default: '0' },
  { name: 'latency-tracking', kind: 'bool', default: 'yes', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'latency-tracking-info-percentiles', kind: 'special', multiArg: true, default: '50 99 99.9', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'lazyexpire-nested-arbitrary-keys', kind: 'bool', default: 'yes', in: ['r8.4', 'r8.6'] },
  { name: 'lazyfree-lazy-eviction', kind: 'bool', default: 'no', defaults: { 'v8.0': 'yes', 'v8.1': 'yes', 'v9.0': 'yes', 'v9.1': 'yes' } },
  { name: 'lazyfree-lazy-expire', kind: 'bool', default: 'no', defaults: { 'v8.0': 'yes', 'v8.1': 'yes', 'v9.0': 'yes', 'v9.1': 'yes' } },
  { name: 'lazyfree-lazy-server-del', kind: 'bool', default: 'no', defaults: { 'v8.0': 'yes', 'v8.1': 'yes', 'v9.0': 'yes', 'v9.1': 'yes' } },
  { name: 'lazyfree-lazy-user-del', kind: 'bool', default: 'no', defaults: { 'v8.0': 'yes', 'v8.1': 'yes', 'v9.0': 'yes', 'v9.1': 'yes' } },
  { name: 'lazyfree-lazy-user-flush', kind: 'bool', default: 'no', defaults: { 'v8.0': 'yes', 'v8.1': 'yes', 'v9.0': 'yes', 'v9.1': 'yes' }, in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'lfu-decay-time', kind: 'number', min: '0', max: '2147483647', default: '1' },
  { name: 'lfu-log-factor', kind: 'number', min: '0', max: '2147483647', default: '10' },
  { name: 'list-compress-depth', kind: 'number', min: '0', max: '2147483647', default: '0' },
  { name: 'list-max-listpack-size', aliases: ['list-max-ziplist-size'], kind: 'number', min: '-2147483648', max: '2147483647', default: '-2' },
  { name: 'loading-process-events-interval-bytes', kind: 'number', min: '1024', max: '2147483647', default: '2097152', defaults: { 'r8.0': '524288', 'r8.4': '524288', 'r8.6': '524288' }, in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'locale-collate', kind: 'string', default: '', in: ['r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'log-format', kind: 'enum', values: { legacy: 'legacy', logfmt: 'logfmt', json: 'json' }, valuesIn: { json: ['v9.1'] }, default: 'legacy', in: ['v8.1', 'v9.0', 'v9.1'] },
  { name: 'log-timestamp-format', kind: 'enum', values: { legacy: 'legacy', iso8601: 'iso8601', milliseconds: 'milliseconds' }, default: 'legacy', in: ['v8.1', 'v9.0', 'v9.1'] },
  { name: 'logfile', immutable: true, kind: 'string', default: '' },
  { name: 'loglevel', kind: 'enum', values: { debug: 'debug', verbose: 'verbose', notice: 'notice', warning: 'warning', nothing: 'nothing' }, default: 'notice' },
  { name: 'lookahead', kind: 'number', min: '1', max: '2147483647', default: '16', in: ['r8.4', 'r8.6'] },
  // HIDDEN_CONFIG: CONFIG GET * never lists it, only CONFIG GET by its name (live 8.6.3, Valkey 9.1.2). Immutable on Redis
  // (redis@8.0.6:src/config.c:3117); Valkey's `lua-enable-insecure-api` is MODIFIABLE_CONFIG | PROTECTED_CONFIG
  // (valkey@9.1.2:src/config.c:3319): CONFIG SET takes it where enable-protected-configs lets the client. The fix of
  // CVE-2025-46818 brought it to patch releases of older lines (Redis 6.2.20, 7.2.11, 7.4.6, 8.0.4; Debian's 7.0.15
  // since 1~deb12u6, whose live binary here takes it; Valkey's 7.2, 8.0 and 8.1 branches, valkey#4199, #4188, #4183):
  // those lines list it so that a file with it is not refused, with the compiled default `no`.
  { name: 'lua-enable-deprecated-api', immutable: true, mutableIn: ['v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'], aliases: ['lua-enable-insecure-api'], kind: 'bool', default: 'no', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'lua-replicate-commands', kind: 'bool', default: 'yes', in: ['r6.0', 'r6.2'] },
  { name: 'masterauth', aliases: ['primaryauth'], kind: 'string', sensitive: true, default: '' },
  { name: 'masteruser', aliases: ['primaryuser'], kind: 'string', sensitive: true, default: '' },
  { name: 'max-new-connections-per-cycle', kind: 'number', min: '1', max: '1000', unsigned: true, default: '10', in: ['r7.4', 'r8.0', 'r8.4', 'r8.6', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'max-new-tls-connections-per-cycle', kind: 'number', min: '1', max: '1000', unsigned: true, default: '1', in: ['r7.4', 'r8.0', 'r8.4', 'r8.6', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'maxclients', kind: 'number', min: '1', max: '4294967295', unsigned: true, default: '10000' },
  { name: 'maxmemory', kind: 'number', min: '0', max: '18446744073709551615', unsigned: true, memory: true, default: '0' },
  { name: 'maxmemory-clients', kind: 'number', min: '-100', max: '9223372036854775807', memory: true, percent: true, default: '0', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'maxmemory-eviction-tenacity', kind: 'number', min: '0', max: '100', default: '10', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'maxmemory-policy', kind: 'enum', values: { 'volatile-lru': 'volatile-lru', 'volatile-lfu': 'volatile-lfu', 'volatile-random': 'volatile-random', 'volatile-ttl': 'volatile-ttl', 'volatile-lrm': 'volatile-lrm', 'allkeys-lru': 'allkeys-lru', 'allkeys-lfu': 'allkeys-lfu', 'allkeys-random': 'allkeys-random', 'allkeys-lrm': 'allkeys-lrm', noeviction: 'noeviction' }, valuesIn: { 'volatile-lrm': ['r8.6'], 'allkeys-lrm': ['r8.6'] }, default: 'noeviction' },
  { name: 'maxmemory-samples', kind: 'number', min: '1', max: '2147483647', default: '5' },
  { name: 'min-io-threads-avoid-copy-reply', kind: 'number', min: '0', max: '2147483647', default: '7', in: ['v9.0', 'v9.1'] },
  { name: 'min-replicas-max-lag', aliases: ['min-slaves-max-lag'], kind: 'number', min: '0', max: '2147483647', default: '10' },
  { name: 'min-replicas-to-write', aliases: ['min-slaves-to-write'], kind: 'number', min: '0', max: '2147483647', default: '0' },
  { name: 'min-string-size-avoid-copy-reply', kind: 'number', min: '0', max: '2147483647', default: '16384', in: ['v9.0', 'v9.1'] },
  { name: 'min-string-size-avoid-copy-reply-threaded', kind: 'number', min: '0', max: '2147483647', default: '65536', in: ['v9.0', 'v9.1'] },
  { name: 'mptcp', immutable: true, kind: 'bool', default: 'no', in: ['v9.0', 'v9.1'] },
  { name: 'no-appendfsync-on-rewrite', kind: 'bool', default: 'no' },
  { name: 'notify-keyspace-events', kind: 'special', default: '' },
  { name: 'oom-score-adj', kind: 'enum', values: { no: 'no', yes: 'yes', relative: 'yes', absolute: 'absolute' }, default: 'no' },
  { name: 'oom-score-adj-values', kind: 'special', multiArg: true, default: '0 200 800' },
  { name: 'pidfile', immutable: true, kind: 'string', default: '' },
  { name: 'port', kind: 'number', min: '0', max: '65535', default: '6379' },
  { name: 'prefetch-batch-max-size', kind: 'number', min: '0', max: '128', default: '16', in: ['r8.4', 'r8.6', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'proc-title-template', kind: 'string', default: '{title} {listen-addr} {server-mode}', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'propagation-error-behavior', kind: 'enum', values: { ignore: 'ignore', panic: 'panic', 'panic-on-replicas': 'panic-on-replicas' }, default: 'ignore', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'protected-mode', kind: 'bool', default: 'yes' },
  { name: 'proto-max-bulk-len', kind: 'number', min: '1048576', max: '9223372036854775807', memory: true, default: '536870912' },
  { name: 'rdb-del-sync-files', kind: 'bool', default: 'no' },
  { name: 'rdb-key-save-delay', kind: 'number', min: '-2147483648', max: '2147483647', default: '0' },
  { name: 'rdb-save-incremental-fsync', kind: 'bool', default: 'yes' },
  { name: 'rdb-version-check', kind: 'enum', values: { strict: 'strict', relaxed: 'relaxed' }, default: 'strict', in: ['v8.1', 'v9.0', 'v9.1'] },
  { name: 'rdbchecksum', immutable: true, kind: 'bool', default: 'yes' },
  { name: 'rdbcompression', kind: 'bool', default: 'yes' },
  { name: 'rdma-bind', kind: 'special', multiArg: true, default: '', in: ['v8.1', 'v9.0', 'v9.1'] },
  { name: 'rdma-completion-vector', immutable: true, kind: 'number', min: '-1', max: '1024', default: '-1', in: ['v8.1', 'v9.0', 'v9.1'] },
  { name: 'rdma-port', kind: 'number', min: '0', max: '65535', default: '0', in: ['v8.1', 'v9.0', 'v9.1'] },
  { name: 'rdma-rx-size', immutable: true, kind: 'number', min: '65536', max: '16777216', default: '1048576', in: ['v8.1', 'v9.0', 'v9.1'] },
  { name: 'repl-backlog-size', kind: 'number', min: '1', max: '9223372036854775807', memory: true, default: '1048576', defaults: { 'v8.0': '10485760', 'v8.1': '10485760', 'v9.0': '10485760', 'v9.1': '10485760' } },
  { name: 'repl-backlog-ttl', kind: 'number', min: '0', max: '9223372036854775807', default: '3600' },
  { name: 'repl-disable-tcp-nodelay', kind: 'bool', default: 'no' },
  { name: 'repl-diskless-load', kind: 'enum', values: { disabled: 'disabled', 'on-empty-db': 'on-empty-db', swapdb: 'swapdb', flushdb: 'flushdb', 'flush-before-load': 'flush-before-load' }, valuesIn: { flushdb: ['r8.6'], 'flush-before-load': ['v8.1', 'v9.0', 'v9.1'] }, default: 'disabled' },
  { name: 'repl-diskless-sync', kind: 'bool', default: 'yes', defaults: { 'r6.0': 'no', 'r6.2': 'no' } },
  { name: 'repl-diskless-sync-delay', kind: 'number', min: '0', max: '2147483647', default: '5' },
  { name: 'repl-diskless-sync-max-replicas', kind: 'number', min: '0', max: '2147483647', default: '0', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'repl-mptcp', immutable: true, kind: 'bool', default: 'no', in: ['v9.0', 'v9.1'] },
  { name: 'repl-ping-replica-period', aliases: ['repl-ping-slave-period'], kind: 'number', min: '1', max: '2147483647', default: '10' },
  { name: 'repl-rdb-channel', kind: 'bool', default: 'yes', in: ['r8.0', 'r8.4', 'r8.6'] },
  { name: 'repl-timeout', kind: 'number', min: '1', max: '2147483647', default: '60' },
  { name: 'replica-announce-ip', aliases: ['slave-announce-ip'], kind: 'string', default: '' },
  { name: 'replica-announce-port', aliases: ['slave-announce-port'], kind: 'number', min: '0', max: '65535', default: '0' },
  { name: 'replica-announced', kind: 'bool', default: 'yes', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'replica-full-sync-buffer-limit', kind: 'number', min: '0', max: '9223372036854775807', memory: true, default: '0', in: ['r8.0', 'r8.4', 'r8.6'] },
  { name: 'replica-ignore-disk-write-errors', kind: 'bool', default: 'no', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'replica-ignore-maxmemory', aliases: ['slave-ignore-maxmemory'], kind: 'bool', default: 'yes' },
  { name: 'replica-lazy-flush', aliases: ['slave-lazy-flush'], kind: 'bool', default: 'no', defaults: { 'v8.0': 'yes', 'v8.1': 'yes', 'v9.0': 'yes', 'v9.1': 'yes' } },
  { name: 'replica-priority', aliases: ['slave-priority'], kind: 'number', min: '0', max: '2147483647', default: '100' },
  { name: 'replica-read-only', aliases: ['slave-read-only'], kind: 'bool', default: 'yes' },
  { name: 'replica-serve-stale-data', aliases: ['slave-serve-stale-data'], kind: 'bool', default: 'yes' },
  { name: 'replicaof', immutable: true, aliases: ['slaveof'], kind: 'special', multiArg: true, default: '' },
  { name: 'requirepass', kind: 'string', sensitive: true, default: '' },
  { name: 'sanitize-dump-payload', kind: 'enum', values: { no: 'no', yes: 'yes', clients: 'clients' }, default: 'no', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0'] },
  { name: 'save', kind: 'special', multiArg: true, default: '3600 1 300 100 60 10000', defaults: { 'r6.0': '' } },
  { name: 'server-cpulist', immutable: true, aliases: ['server_cpulist'], kind: 'string', default: '' },
  { name: 'set-max-intset-entries', kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, default: '512' },
  { name: 'set-max-listpack-entries', kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, default: '128', in: ['r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'set-max-listpack-value', kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, default: '64', in: ['r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'set-proc-title', immutable: true, kind: 'bool', default: 'yes', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'shutdown-on-sigint', kind: 'enum', values: { default: 'default', save: 'save', nosave: 'nosave', now: 'now', force: 'force', safe: 'safe', failover: 'failover' }, valuesIn: { safe: ['v9.0', 'v9.1'], failover: ['v9.0', 'v9.1'] }, bitflags: true, multiArg: true, default: 'default', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'shutdown-on-sigterm', kind: 'enum', values: { default: 'default', save: 'save', nosave: 'nosave', now: 'now', force: 'force', safe: 'safe', failover: 'failover' }, valuesIn: { safe: ['v9.0', 'v9.1'], failover: ['v9.0', 'v9.1'] }, bitflags: true, multiArg: true, default: 'default', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'shutdown-timeout', kind: 'number', min: '0', max: '2147483647', default: '10', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'slot-migration-max-failover-repl-bytes', kind: 'number', min: '-1', max: '9223372036854775807', memory: true, default: '0', in: ['v9.0', 'v9.1'] },
  { name: 'slowlog-log-slower-than', aliases: ['commandlog-execution-slower-than'], kind: 'number', min: '-1', max: '9223372036854775807', default: '10000' },
  { name: 'slowlog-max-len', aliases: ['commandlog-slow-execution-max-len'], kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, default: '128' },
  { name: 'socket-mark-id', immutable: true, kind: 'number', min: '0', max: '4294967295', unsigned: true, default: '0', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'stop-writes-on-bgsave-error', kind: 'bool', default: 'yes' },
  { name: 'stream-idmp-duration', kind: 'number', min: '1', max: '86400', default: '100', in: ['r8.6'] },
  { name: 'stream-idmp-maxsize', kind: 'number', min: '1', max: '10000', default: '100', in: ['r8.6'] },
  { name: 'stream-node-max-bytes', kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, memory: true, default: '4096' },
  { name: 'stream-node-max-entries', kind: 'number', min: '0', max: '9223372036854775807', default: '100' },
  { name: 'supervised', immutable: true, kind: 'enum', values: { upstart: 'upstart', systemd: 'systemd', auto: 'auto', no: 'no' }, default: 'no' },
  { name: 'syslog-enabled', immutable: true, kind: 'bool', default: 'no' },
  { name: 'syslog-facility', immutable: true, kind: 'enum', values: { user: 'user', local0: 'local0', local1: 'local1', local2: 'local2', local3: 'local3', local4: 'local4', local5: 'local5', local6: 'local6', local7: 'local7' }, default: 'local0' },
  { name: 'syslog-ident', immutable: true, kind: 'string', default: 'redis', defaults: { 'v8.0': 'valkey', 'v8.1': 'valkey', 'v9.0': 'valkey', 'v9.1': 'valkey' } },
  { name: 'tcp-backlog', immutable: true, kind: 'number', min: '0', max: '2147483647', default: '511' },
  { name: 'tcp-keepalive', kind: 'number', min: '0', max: '2147483647', default: '300' },
  { name: 'timeout', kind: 'number', min: '0', max: '2147483647', default: '0' },
  { name: 'tls-auth-clients', kind: 'enum', values: { no: 'no', yes: 'yes', optional: 'optional' }, default: 'yes' },
  { name: 'tls-auth-clients-user', kind: 'enum', values: { cn: 'CN', uri: 'URI', off: 'off' }, valuesIn: { uri: ['v9.0', 'v9.1'] }, default: 'off', in: ['r8.6', 'v9.0', 'v9.1'] },
  { name: 'tls-auto-reload-interval', kind: 'number', min: '0', max: '2147483647', default: '0', in: ['v9.0', 'v9.1'] },
  { name: 'tls-ca-cert-dir', kind: 'string', default: '' },
  { name: 'tls-ca-cert-file', kind: 'string', default: '' },
  { name: 'tls-cert-file', kind: 'string', default: '' },
  { name: 'tls-ciphers', kind: 'string', default: '' },
  { name: 'tls-ciphersuites', kind: 'string', default: '' },
  { name: 'tls-client-cert-file', kind: 'string', default: '', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'tls-client-key-file', kind: 'string', default: '', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'tls-client-key-file-pass', kind: 'string', default: '', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'tls-cluster', kind: 'bool', default: 'no' },
  { name: 'tls-dh-params-file', kind: 'string', default: '' },
  { name: 'tls-key-file', kind: 'string', default: '' },
  { name: 'tls-key-file-pass', kind: 'string', default: '', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'tls-port', kind: 'number', min: '0', max: '65535', default: '0' },
  { name: 'tls-prefer-server-ciphers', kind: 'bool', default: 'no' },
  { name: 'tls-protocols', kind: 'string', default: '' },
  { name: 'tls-replication', kind: 'bool', default: 'no' },
  { name: 'tls-session-cache-size', kind: 'number', min: '0', max: '2147483647', default: '20480' },
  { name: 'tls-session-cache-timeout', kind: 'number', min: '0', max: '2147483647', default: '300' },
  { name: 'tls-session-caching', kind: 'bool', default: 'yes' },
  { name: 'tracking-table-max-keys', kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, default: '1000000' },
  { name: 'unixsocket', immutable: true, kind: 'string', default: '' },
  { name: 'unixsocketgroup', immutable: true, kind: 'string', default: '', in: ['v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'unixsocketperm', immutable: true, kind: 'number', min: '0', max: '511', unsigned: true, octal: true, default: '0' },
  { name: 'use-exit-on-panic', kind: 'bool', default: 'no', in: ['r6.2', 'r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'watchdog-period', kind: 'number', min: '0', max: '2147483647', default: '0', in: ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'] },
  { name: 'zset-max-listpack-entries', aliases: ['zset-max-ziplist-entries'], kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, default: '128' },
  { name: 'zset-max-listpack-value', aliases: ['zset-max-ziplist-value'], kind: 'number', min: '0', max: '9223372036854775807', unsigned: true, memory: true, default: '64' },
];

const BY_NAME: ReadonlyMap<string, DirectiveSpec> = new Map(
  DIRECTIVES.flatMap((spec) => [spec.name, ...(spec.aliases ?? [])].map((n) => [n, spec] as const)),
);

/**
 * The spec for a directive name as written (any case): its own name, an alias, or a `slave-*` name whose
 * `replica-*` form is known.
 */
export function lookupDirective(name: string): DirectiveSpec | undefined {
  const lower = name.toLowerCase();
  const direct = BY_NAME.get(lower);
  if (direct) return direct;
  if (lower.includes('slave')) return BY_NAME.get(lower.replace(/slave/g, 'replica'));
  return undefined;
}

/**
 * The spec for a directive name as a config file must write it (any case): its own name or one of the aliases the
 * server's table gives it. Not {@link lookupDirective}'s other `slave-*` spellings: redis-server refuses
 * `slave-announced` or `repl-diskless-sync-max-slaves` ("Bad directive", live 7.0.15), which no table names.
 */
export function lookupFileDirective(name: string): DirectiveSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/**
 * The releases whose directives {@link DIRECTIVES} holds as read at a release: Redis 6.0, 6.2, 7.0, 7.2, 7.4, 8.0-m01
 * (7.9.224), 8.0 and 8.6, Valkey 7.2, 8.0, 8.1 and 9.1. Redis 8.2 and 8.4 and Valkey 9.0 lie between them (`r8.4`,
 * `v9.0`): their directives are judged too, as every name they have is one of the releases around them.
 */
export const DIRECTIVE_RELEASES: TabledReleases = {
  redis: ['6.0', '6.2', '7.0', '7.2', '7.4', '7.9.224', '8.0', '8.6'],
  valkey: ['7.2', '8.0', '8.1', '9.1'],
};

/**
 * Whether a directive no release of {@link DIRECTIVES} has is judged for this version (refused, as the server refuses
 * it): not when the version is newer than the newest release of its product the table holds (Redis 8.7 and later,
 * Valkey 9.2 and later), which may have it (as 8.2 had `lookahead`, which 8.0 has not). An unknown version is judged: every release
 * redfort knows refuses to start with the file (issue 11: an unknown directive is an error, the file would not start:
 * give --redis-version for a newer release's file). A Redis from 2.6 to 5.0, KeyDB (6.3) and a pre-release older than
 * the newest tabled release are judged, as before; a Redis before 2.6 is not ({@link beforeRedis26}).
 */
export function directivesJudged(version: string | undefined): boolean {
  return releaseStanding(version, DIRECTIVE_RELEASES) !== 'newer' && !beforeRedis26(version) && !keydbVersion(version);
}

/**
 * 6.3.x, which no Redis release is: the version KeyDB reports (QA41-112). Its own directives (`server-threads`,
 * `active-replica`, `multi-master`…, 72 in KeyDB 6.3.4's stock keydb.conf) are in no Redis or Valkey table, and
 * keydb-server starts with them: told 6.3.x, an unknown directive is a warning, as for a newer release, never "redis-server
 * refuses to start". With the version unknown it stays an error (every release redfort knows refuses the file).
 */
function keydbVersion(version: string | undefined): boolean {
  const parsed = parseVersion(version);
  return parsed !== undefined && parsed.product !== 'valkey' && parsed.major === 6 && parsed.minor === 3;
}

/**
 * A Redis before 2.6, whose directives are not judged either: 2.4 had some that every later release refuses
 * (`vm-enabled`, `vm-swap-file` and the other `vm-*`, `really-use-vm`, `hash-max-zipmap-*`, `glueoutputbuf`:
 * redis@2.4.18:src/config.c, and 2.4.18's own redis.conf sets `vm-enabled no`; redis@2.6.17:src/config.c has none of
 * them). Every directive of 2.6 to 5.0 (their config.c) is in {@link DIRECTIVES}, an alias or
 * {@link DEPRECATED_DIRECTIVES}: those are judged.
 */
function beforeRedis26(version: string | undefined): boolean {
  const parsed = parseVersion(version);
  if (parsed?.minor === undefined || productOf(version) === 'valkey') return false;
  return parsed.major < 2 || (parsed.major === 2 && parsed.minor < 6);
}

/** The releases the directive tables hold, as messages name them. */
export const TABLED_LINES = 'Redis 6.0-8.6 or Valkey 7.2-9.1';

/** Valkey 8.0 and later (the checks of valkey@8.0.1 that its later releases keep). */
export function valkey8(version: ServerVersion): boolean {
  return version.product === 'valkey' && version.key !== 'v7.2';
}

/** Not configs, handled by the loader itself (`loadServerConfigFromString`). */
export const NON_CONFIG_DIRECTIVES: ReadonlySet<string> = new Set([
  'include',
  'rename-command',
  'user',
  'loadmodule',
  'sentinel',
]);

/**
 * Accepted and ignored by 7.0+ (`deprecated_configs`, redis@7.0.15:src/config.c:443), dead options on 6.x; and the
 * names later releases moved there ({@link DEPRECATED_IN}).
 */
export const DEPRECATED_DIRECTIVES: ReadonlySet<string> = new Set([
  'list-max-ziplist-entries',
  'list-max-ziplist-value',
  'lua-replicate-commands',
  'io-threads-do-reads',
  'dynamic-hz',
  'events-per-io-thread',
  'sanitize-dump-payload',
]);

/**
 * Directives a later release keeps in `deprecated_configs` only (one argument, accepted and ignored; `CONFIG GET *`
 * lists them no more), to those releases: io-threads-do-reads in redis 8.0.6 and 8.6.3 and valkey 8.1.1 and 9.1.2;
 * dynamic-hz in valkey 8.1.1 and 9.1.2; events-per-io-thread and sanitize-dump-payload in valkey 9.1.2 (the latter
 * from 9.1.2 on: its 00-RELEASENOTES). The older three of {@link DEPRECATED_DIRECTIVES} are every release's.
 */
const DEPRECATED_IN: Readonly<Record<string, readonly VersionKey[]>> = {
  'io-threads-do-reads': ['r8.0', 'r8.4', 'r8.6', 'v8.1', 'v9.0', 'v9.1'],
  'dynamic-hz': ['v8.1', 'v9.0', 'v9.1'],
  'events-per-io-thread': ['v9.0', 'v9.1'],
  'sanitize-dump-payload': ['v9.1'],
};

/**
 * Configs of the modules Redis builds in (loaded without a `loadmodule` line), which its config file takes from the
 * start: 8.6.3's vector sets register `vset-force-single-threaded-execution` without a prefix
 * (modules/vector-sets/vset_config.c; a live 8.6.3 starts with it and CONFIG GET * lists it); 8.0.6's register none
 * (a live 8.0.6 refuses it: Module Configuration detected without loadmodule directive). `r8.4` (8.2 and 8.4, no
 * tag's table) is taken to have it, as its directives are: it may accept a name its release refuses, never refuse one
 * it takes. A build made with SKIP_VEC_SETS=yes has none.
 */
const BUILTIN_MODULE_CONFIGS: Readonly<Record<string, readonly VersionKey[]>> = {
  'vset-force-single-threaded-execution': ['r8.4', 'r8.6'],
};

/** Whether the line's built-in modules have the config (see {@link BUILTIN_MODULE_CONFIGS}). */
export function builtinModuleConfig(name: string, key: VersionKey): boolean {
  return Object.hasOwn(BUILTIN_MODULE_CONFIGS, name.toLowerCase()) && BUILTIN_MODULE_CONFIGS[name.toLowerCase()]!.includes(key);
}

/** Whether this line accepts and ignores the directive (a deprecated name it has no config of). */
export function deprecatedIn(name: string, key: VersionKey): boolean {
  if (!DEPRECATED_DIRECTIVES.has(name)) return false;
  const lines = DEPRECATED_IN[name];
  return lines === undefined || lines.includes(key);
}

/** Whether this line accepts the enum name (`allkeys-lrm` is Redis 8.6's; see {@link DirectiveSpec.valuesIn}). */
export function valueInVersion(spec: DirectiveSpec, value: string, key: VersionKey): boolean {
  const lines = spec.valuesIn?.[value];
  return lines === undefined || lines.includes(key);
}

export interface ServerVersion {
  readonly product: 'redis' | 'valkey';
  readonly major: number;
  readonly minor: number;
  /** The table this version follows. */
  readonly key: VersionKey;
  /** How a `default` source names it: `Redis 7.0`, `Valkey 8.0`, `Redis 7.x`. */
  readonly label: string;
  /** The patch release, when the version names one (`7.2.6`: 6): for directives a patch release brought. */
  readonly patch?: number;
}

/**
 * Whether a server of version `v` has what Redis `major.minor` brought (ACL 6.0, its `-` optional bind address and
 * Sentinel's users 6.2, 7.0's rendering): for the 6.x and 7.0 features the profile and harden ask about. Every Valkey
 * does (7.2 and later, all from Redis 7.2).
 */
export function versionAtLeast(v: ServerVersion, major: number, minor: number): boolean {
  return v.product === 'valkey' || v.major > major || (v.major === major && v.minor >= minor);
}

/**
 * Reads `7.0.15`, `6.2`, `valkey 8.0.1`, `valkey-8.0.1` or `Valkey/7.2.7`. Unknown or missing versions
 * are taken as Redis 7.x (the 7.4 table). Redis 8.1-8.5 follow `r8.4`, 8.6 and later `r8.6`; Valkey 8.2-9.0
 * follow `v9.0`, 9.1 and later `v9.1` (a release newer than the tables has their newest one's directives).
 */
export function resolveVersion(version: string | undefined): ServerVersion {
  const parsed = parseVersion(version);
  if (parsed?.minor === undefined) return { product: 'redis', major: 7, minor: 4, key: 'r7.4', label: 'Redis 7.x' };
  const product = parsed.product ?? 'redis';
  const { major, minor } = parsed;
  if (product === 'valkey') {
    const key: VersionKey =
      major < 8 ? 'v7.2' : major === 8 && minor === 0 ? 'v8.0' : major === 8 && minor === 1 ? 'v8.1' : major < 9 || (major === 9 && minor === 0) ? 'v9.0' : 'v9.1';
    return { product, major, minor, key, label: `Valkey ${major}.${minor}`, ...(parsed.patch !== undefined ? { patch: parsed.patch } : {}) };
  }
  let key: VersionKey;
  if (major < 6 || (major === 6 && minor < 2)) key = 'r6.0';
  else if (major === 6) key = 'r6.2';
  else if (major === 7 && minor < 2) key = 'r7.0';
  else if (major === 7 && minor < 4) key = 'r7.2';
  else if (major === 7) key = 'r7.4';
  else if (major === 8 && minor === 0) key = 'r8.0';
  else if (major === 8 && minor < 6) key = 'r8.4';
  else key = 'r8.6';
  return { product, major, minor, key, label: `Redis ${major}.${minor}`, ...(parsed.patch !== undefined ? { patch: parsed.patch } : {}) };
}

/**
 * Directives a patch release brought to an older line, by the first patch of each Redis `major.minor` that has them
 * (QA41-16): `lua-enable-deprecated-api` came with the fix of CVE-2025-46818 in 6.2.20, 7.2.11, 7.4.6, 8.0.4 and 8.2.2
 * (6.2.16 and 7.2.6 refuse the line, 8.0.6 takes it). The 7.0 line had no upstream release with it after 7.0.15, but
 * Debian's 7.0.15 (1~deb12u6) takes it: no bound there. Valkey's branches are not bounded (their first patches not known here).
 */
const SINCE_PATCH: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'lua-enable-deprecated-api': { '6.2': 20, '7.2': 11, '7.4': 6, '8.0': 4, '8.2': 2 },
};

/** The first release of `version`'s line that has the directive, when it came in a later patch than `version`'s. */
export function addedInPatch(spec: DirectiveSpec, version: ServerVersion): string | undefined {
  if (version.product !== 'redis' || version.patch === undefined) return undefined;
  const first = SINCE_PATCH[spec.name]?.[`${version.major}.${version.minor}`];
  return first !== undefined && version.patch < first ? `${version.major}.${version.minor}.${first}` : undefined;
}

export function existsIn(spec: DirectiveSpec, key: VersionKey): boolean {
  return spec.in === undefined || spec.in.includes(key);
}

/**
 * The table starts at 6.0, and a Redis before 6.0 follows its `r6.0` column. These directives that
 * rules judge are younger than that: protected mode came with 3.2, ACL (`aclfile`, `acllog-max-len`,
 * `masteruser`) and TLS (every `tls-*`) with 6.0. An older server has no such setting at all (CONFIG GET
 * returns nothing), so it gets no compiled default either.
 */
const INTRODUCED: Readonly<Record<string, readonly [number, number]>> = {
  'protected-mode': [3, 2],
  aclfile: [6, 0],
  'acllog-max-len': [6, 0],
  masteruser: [6, 0],
};

const FROM_7_0: readonly VersionKey[] = ['r7.0', 'r7.2', 'r7.4', 'r8.0', 'r8.4', 'r8.6', 'v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'];
const VALKEY_8: readonly VersionKey[] = ['v8.0', 'v8.1', 'v9.0', 'v9.1'];

/**
 * Names only some lines accept. Valkey 8.0 named the replication credentials `primaryuser` and `primaryauth`
 * (`valkey@8.0.1:src/config.c:3117,3143`, the old names kept as aliases); Redis, up to 8.6, and Valkey 7.2 know
 * only `masteruser` and `masterauth`, and refuse the new names at startup (live 7.0.15, 7.4.1: "Bad directive").
 */
const ALIAS_IN: Readonly<Record<string, readonly VersionKey[]>> = {
  primaryauth: VALKEY_8,
  primaryuser: VALKEY_8,
  // Valkey 8.1 renamed the slow log's settings (valkey 8.1.1 src/config.c: `commandlog-slow-execution-max-len`,
  // alias `slowlog-max-len`); Valkey named `lua-enable-deprecated-api` (Redis 8's) `lua-enable-insecure-api` (9.1.2 takes
  // both; Redis 8.6.3 only its own: CONFIG GET lua-enable-insecure-api gives nothing).
  'commandlog-slow-execution-max-len': ['v8.1', 'v9.0', 'v9.1'],
  'commandlog-execution-slower-than': ['v8.1', 'v9.0', 'v9.1'],
  'lua-enable-insecure-api': ['v7.2', 'v8.0', 'v8.1', 'v9.0', 'v9.1'],
  // Redis 6.0-7.2 and Valkey 7.2 name the CPU lists with underscores only (`server_cpulist`,
  // redis@7.2.6:src/config.c:3113); Redis 7.4 and Valkey 8.0 (and later) gave them dashes, the old names kept as aliases
  // (redis@7.4.1:src/config.c:3111, valkey@8.0.1:src/config.c:3128). A live 7.0.15 refuses `bio-cpulist 0` at
  // startup: "Bad directive"; 7.4.1, 8.0-m01 and Valkey 8.0.1 start.
  'server-cpulist': ['r7.4', 'r8.0', 'r8.4', 'r8.6', ...VALKEY_8],
  'bio-cpulist': ['r7.4', 'r8.0', 'r8.4', 'r8.6', ...VALKEY_8],
  'aof-rewrite-cpulist': ['r7.4', 'r8.0', 'r8.4', 'r8.6', ...VALKEY_8],
  'bgsave-cpulist': ['r7.4', 'r8.0', 'r8.4', 'r8.6', ...VALKEY_8],
  // The listpack names came with 7.0 (redis@7.2.6:src/config.c); 6.x knows the ziplist names only and refuses these
  // ("Bad directive", live 6.0.20 and 6.2.16).
  'hash-max-listpack-entries': FROM_7_0,
  'hash-max-listpack-value': FROM_7_0,
  'zset-max-listpack-entries': FROM_7_0,
  'zset-max-listpack-value': FROM_7_0,
  'list-max-listpack-size': FROM_7_0,
  // 6.x names it lua-time-limit only (redis@6.2.16:src/config.c:2520; live 6.0.20 and 6.2.16 refuse the new name).
  'busy-reply-threshold': FROM_7_0,
};

/** Whether this release accepts the directive under the name written (`primaryauth` is Valkey 8's only). */
export function nameExistsInVersion(name: string, spec: DirectiveSpec, version: ServerVersion): boolean {
  const lines = ALIAS_IN[name.toLowerCase()];
  return existsInVersion(spec, version) && (lines === undefined || lines.includes(version.key));
}

/** Whether this exact release has the directive (the table's column, and the older lines before 6.0). */
export function existsInVersion(spec: DirectiveSpec, version: ServerVersion): boolean {
  if (!existsIn(spec, version.key)) return false;
  if (addedInPatch(spec, version) !== undefined) return false;
  if (version.product !== 'redis' || version.major >= 6) return true;
  const since = spec.name.startsWith('tls-') ? ([6, 0] as const) : INTRODUCED[spec.name];
  if (!since) return true;
  return version.major > since[0] || (version.major === since[0] && version.minor >= since[1]);
}

const ALWAYS_LISTED = ['port', 'bind', 'protected-mode', 'requirepass', 'masterauth', 'logfile', 'dir', 'aclfile', 'masteruser'];
/**
 * The other settings rules read, which every `CONFIG GET *` of 6.0+ lists where the version has them (config.c's
 * table, or its own `save` and `appendfsync` lines on 6.0): left out, a rule took the compiled default ("appendonly
 * is no": persistence.none failed a server with AOF on; enable-debug-command missing: the rule judged the other two
 * switches and passed). Held from 6.0 only: the table has no column for older versions.
 */
const ALWAYS_LISTED_SINCE_6 = ['save', 'appendonly', 'appendfsync', 'daemonize', 'loglevel', 'syslog-enabled', 'syslog-facility', 'cluster-enabled', 'acl-pubsub-default', 'enable-debug-command', 'enable-module-command', 'enable-protected-configs'];
/** A TLS build lists every one of them (6.0's `#ifdef USE_OPENSSL` block of config.c has them all). */
const ALWAYS_LISTED_TLS = ['tls-port', 'tls-auth-clients', 'tls-protocols', 'tls-ciphers', 'tls-ciphersuites', 'tls-prefer-server-ciphers', 'tls-replication', 'tls-cluster', 'tls-cert-file', 'tls-key-file', 'tls-ca-cert-file', 'tls-ca-cert-dir'];

/**
 * Settings the security rules read that every `CONFIG GET *` of the version lists (their compiled defaults when
 * unset): a reply without one of them is cut short or filtered (a proxy, a hostile server), and a rule would take
 * what it left out for its default ("requirepass is not set", "protected-mode is yes"). The `tls-*` ones from 7.2
 * and in Valkey, where they always exist, and on 6.0-7.0 when the reply lists `tls-port` (`tlsBuilt`): such a
 * Redis built without TLS lists none. A version redfort cannot read, or a Redis before 3.2, is only held to `port`.
 */
export function alwaysListed(product: 'redis' | 'valkey', version: string | undefined, tlsBuilt = false): readonly string[] {
  const parsed = parseVersion(version);
  if (parsed?.minor === undefined) return ['port'];
  const server = resolveVersion(`${product} ${parsed.major}.${parsed.minor}`);
  if (server.product === 'redis' && (server.major < 3 || (server.major === 3 && server.minor < 2))) return ['port'];
  const since6 = server.product === 'valkey' || server.major >= 6 ? ALWAYS_LISTED_SINCE_6 : [];
  const names = [...ALWAYS_LISTED, ...since6].filter((name) => existsInVersion(lookupDirective(name)!, server));
  const tlsAlways = server.product === 'valkey' || server.major > 7 || (server.major === 7 && server.minor >= 2);
  return tlsAlways || (tlsBuilt && server.major >= 6) ? [...names, ...ALWAYS_LISTED_TLS] : names;
}

/** A version that follows the Redis 6.0 or 6.2 table: what the config and ACL readers call "6.x". */
export function followsRedis6(version: ServerVersion): boolean {
  return version.key === 'r6.0' || version.key === 'r6.2';
}

/** Redis before 6.0: no ACL, no TLS; `requirepass` alone guards the only user. */
export function beforeAcl(version: ServerVersion): boolean {
  return version.product === 'redis' && version.major < 6;
}

/**
 * A Redis 6.0 sentinel: it has no ACL command and loads neither `user` lines nor an aclfile, so `requirepass` alone
 * guards its only user, `default` (redis@6.0.20 src/server.c main(): `ACLLoadUsersAtStartup()` runs only when
 * `!server.sentinel_mode`; src/sentinel.c `sentinelcmds` has no ACL). 6.2 loads them in sentinel mode too.
 */
export function sentinelWithoutAcl(version: ServerVersion): boolean {
  return version.product === 'redis' && version.major === 6 && version.minor < 2;
}

/**
 * {@link sentinelWithoutAcl} for a server as identified, live or from the files' --redis-version: a sentinel whose
 * version names Redis 6.0 or 6.1. The rules and the files layer both ask this. A version that is unknown or names no
 * minor is not taken for one (a file-only audit refuses a bare major: 6.0 and 6.2 sentinels differ here).
 */
export function sentinelWithoutAclUsers(server: Pick<ServerIdentity, 'mode' | 'product' | 'version'> | undefined): boolean {
  if (server?.mode !== 'sentinel' || server.product !== 'redis' || majorMinor(server.version) === undefined) return false;
  return sentinelWithoutAcl(resolveVersion(server.version));
}

export function defaultFor(spec: DirectiveSpec, key: VersionKey): string {
  return spec.defaults?.[key] ?? spec.default;
}

/** Whether a new value of the directive takes a restart: `CONFIG SET` cannot change it (see {@link DirectiveSpec.immutable}). */
export function needsRestart(spec: DirectiveSpec): boolean {
  return spec.immutable === true;
}

/**
 * Directives `CONFIG SET` refuses as immutable (set at start only), from the table's `immutable` flags (a live
 * 7.0.15 answers `can't set immutable config` to each of its own). `replicaof` is left out: the REPLICAOF command
 * changes it. 6.x refuses more (e.g. `bind` on 6.0); this is the 7.0+ set.
 */
export const NOT_SETTABLE_AT_RUN_TIME: ReadonlySet<string> = new Set(
  DIRECTIVES.filter((d) => d.immutable === true && d.name !== 'replicaof').map((d) => d.name),
);

/** Whether `CONFIG SET` can change the directive on a running 7.0+ server (of the given line, when it matters). */
export function settableAtRunTime(name: string, key?: VersionKey): boolean {
  const lower = name.toLowerCase();
  if (key !== undefined && lookupDirective(lower)?.mutableIn?.includes(key)) return true;
  return !NOT_SETTABLE_AT_RUN_TIME.has(lower);
}
