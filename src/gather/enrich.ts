import type { Facts } from '../facts/types.ts';
import type { Target } from './live/target.ts';

/** What every gathering stage after the live connection may look at. */
export interface EnrichOptions {
  readonly connectTimeoutMs?: number;
  readonly commandTimeoutMs?: number;
  /** redis.conf, ACL file and sentinel.conf given on the command line (else found through INFO server). */
  readonly configPath?: string;
  readonly aclPath?: string;
  readonly sentinelConfigPath?: string;
  /** Turns off host facts even when the server is local (`--no-host`). */
  readonly noHost?: boolean;
}

/**
 * A gathering stage that adds facts from another source (config files, the host, network probes) to what the
 * live connection gathered. Stages never throw: a source that fails records why in `unavailable`.
 */
export type Enricher = (facts: Facts, target: Target | undefined, options: EnrichOptions) => Promise<Facts>;
