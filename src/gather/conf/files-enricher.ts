import type { Facts } from '../../facts/types.ts';
import type { Enricher } from '../enrich.ts';
import { isLocalHost } from '../local.ts';
import { gatherFiles, mergeFiles } from './gather-files.ts';

function versionOf(facts: Facts): string | undefined {
  const server = facts.server;
  if (!server?.version) return undefined;
  return server.product === 'valkey' ? `valkey-${server.version}` : server.version;
}

/**
 * Reads the server's configuration files beside a live audit: those given on the command line, else the one the
 * server reports in `INFO server` `config_file` when the server runs on this machine.
 */
export const filesEnricher: Enricher = async (facts, target, options) => {
  const sentinel = facts.server?.mode === 'sentinel';
  const reported = target && isLocalHost(target.host) ? facts.server?.configFile : undefined;
  const configPath = options.configPath ?? (sentinel ? undefined : reported);
  const sentinelConfigPath = options.sentinelConfigPath ?? (sentinel ? reported : undefined);
  if (!configPath && !sentinelConfigPath && !options.aclPath) {
    const why = facts.server?.configFile
      ? `the server's config file ${facts.server.configFile} is on another machine (pass --config with a copy)`
      : 'the server was started without a config file, and none was given with --config';
    return { ...facts, unavailable: { ...facts.unavailable, files: why } };
  }
  const outcome = gatherFiles({ configPath, sentinelConfigPath, aclPath: options.aclPath, version: versionOf(facts) });
  if (!outcome.ok) return { ...facts, unavailable: { ...facts.unavailable, files: `the config files could not be read: ${outcome.error}` } };
  return mergeFiles(facts, outcome.gathered);
};
