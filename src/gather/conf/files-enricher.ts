import type { Enricher } from '../enrich.ts';
import { isLocalHost } from '../../net/address.ts';
import { gatherFiles, mergeFiles } from './gather-files.ts';
import { listeningConfigFile } from '../host/index.ts';
import { configVersion } from '../../redis/version.ts';
import { infoModules } from '../../redis/info.ts';

/**
 * Reads the server's configuration files beside a live audit: those given on the command line, else, when the server
 * runs on this machine, the one the process listening on its port was started with (found through /proc). What the
 * server reports in INFO `config_file` alone is never read: a hostile server would name /etc/shadow or a FIFO there.
 */
export const filesEnricher: Enricher = async (facts, target, options) => {
  const sentinel = facts.server?.mode === 'sentinel';
  const given = options.configPath !== undefined || options.sentinelConfigPath !== undefined;
  const local = !given && target && isLocalHost(target.host) ? await listeningConfigFile(target.host, target.port, facts, options.hostPid, options.hostDiscovery) : undefined;
  const found = local?.known ? (local.value ?? undefined) : undefined;
  const configPath = options.configPath ?? (sentinel ? undefined : found);
  const sentinelConfigPath = options.sentinelConfigPath ?? (sentinel ? found : undefined);
  if (!configPath && !sentinelConfigPath && !options.aclPath) {
    const why = local && !local.known
      ? `the server's config file was not read: ${local.reason}`
      : facts.server?.configFile && !local
        ? `the server's config file ${facts.server.configFile} is on another machine (pass --config with a copy)`
        : 'the server was started without a config file, and none was given with --config';
    return { ...facts, unavailable: { ...facts.unavailable, files: why } };
  }
  // Modules given on the command line (`--loadmodule`, as redis-stack-server starts them) are in no file: INFO says.
  const loaded = facts.info ? infoModules(facts.info) : undefined;
  const modules = loaded === undefined ? 'unknown' : loaded.length > 0 ? 'loaded' : undefined;
  const outcome = await gatherFiles({ configPath, sentinelConfigPath, aclPath: options.aclPath, version: configVersion(facts.server), modules, signal: options.signal });
  if (!outcome.ok) return { ...facts, unavailable: { ...facts.unavailable, files: `the config files could not be read: ${outcome.error}` } };
  return mergeFiles(facts, outcome.gathered);
};
