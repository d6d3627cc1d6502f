import type { Facts } from '../facts/types.ts';
import type { Target } from '../redis/target.ts';
import type { HostDiscovery } from './host/discovery.ts';
import type { DeclaredPackage } from '../redis/distro-package.ts';

/** What every gathering stage after the live connection may look at. */
export interface EnrichOptions {
  readonly connectTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
  /** The target's signal (its deadline, the caller's abort): every stage stops its work when it aborts. */
  readonly signal?: AbortSignal | undefined;
  /** redis.conf, ACL file and sentinel.conf given on the command line (else found through INFO server). */
  readonly configPath?: string;
  readonly aclPath?: string;
  readonly sentinelConfigPath?: string;
  /** Turns off host facts even when the server is local (`--no-host`). */
  readonly noHost?: boolean;
  /**
   * The run's view of this machine (/proc, packet filter, logrotate, packages), shared by every local target;
   * a fresh one per target without it.
   */
  readonly hostDiscovery?: HostDiscovery;
  /** The server's process when already known (`--local`); else found from the target's port. */
  readonly hostPid?: number;
  /** A directory whose files are the whole logrotate configuration (tests); default /etc/logrotate.conf. */
  readonly logrotateDir?: string;
  /** Packet-filter texts to judge instead of running nft / iptables-save / ip6tables-save. */
  readonly firewallRuleset?: { readonly nft?: string; readonly iptables?: string; readonly ip6tables?: string };
  /** Turns off the network probes (`--no-probe`); they run by default on live targets. */
  readonly noProbe?: boolean;
  /**
   * Whether the network probes may connect to `host:port`, a port of the target's host that its configuration names
   * (`tls-port`, the cluster bus, the plaintext `port` beside TLS), not the target's own: undefined when they may,
   * else why not (the exporter's allowlist: a server's word never widens it). Every port may by default.
   */
  readonly mayConnect?: (host: string, port: number) => string | undefined;
  /** Tries a few default passwords with AUTH (`--probe-credentials`; intrusive: failed AUTHs are logged). */
  readonly probeCredentials?: boolean;
  /** Runs the harmless CVE-2022-0543 EVAL (`--probe-intrusive`). */
  readonly probeIntrusive?: boolean;
  /** The distribution package of every target the host cannot show (`--distro-package`). */
  readonly distroPackage?: DeclaredPackage;
  /** Per target (by `targetKey`): the `distroPackage` of an inventory or `.redfort.yaml` target; beats `distroPackage`. */
  readonly distroPackageTargets?: ReadonlyMap<string, DeclaredPackage>;
}

/**
 * A gathering stage that adds facts from another source (config files, the host, network probes) to what the
 * live connection gathered. Stages never throw: a source that fails records why in `unavailable`.
 */
export type Enricher = (facts: Facts, target: Target | undefined, options: EnrichOptions) => Promise<Facts>;
