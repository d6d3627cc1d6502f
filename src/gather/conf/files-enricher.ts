import { isAbsolute, resolve } from 'node:path';
import type { Enricher, EnrichOptions } from '../enrich.ts';
import type { Facts } from '../../facts/types.ts';
import type { Target } from '../../redis/target.ts';
import { isLocalHost } from '../../net/address.ts';
import { gatherFiles, mergeFiles } from './gather-files.ts';
import { listeningCommandLine, listeningConfigFile, listeningCwd, serverMayRead } from '../host/index.ts';
import { configVersion } from '../../redis/version.ts';
import { infoModules } from '../../redis/info.ts';

/**
 * Reads the server's configuration files beside a live audit: those given on the command line, else, when the server
 * runs on this machine, the one the process listening on its port was started with (found through /proc). What the
 * server reports in INFO `config_file` alone is never read: a hostile server would name /etc/shadow or a FIFO there.
 */
/**
 * The ACL file of a local server whose config file is not read (started without one, or one redfort cannot find):
 * what `CONFIG GET aclfile` names, relative to `CONFIG GET dir` (the server loads it from there, and ACL LOAD too), read
 * only if the process listening on the target's port could read it itself, as the host stage reads it. `refused` says
 * why a named one is not read.
 */
async function runningAclFile(facts: Facts, target: Target, options: EnrichOptions): Promise<{ readonly path?: string; readonly refused?: string } | undefined> {
  const named = facts.config?.get('aclfile');
  if (!named || named.source.kind !== 'live' || named.value === '') return undefined;
  const dir = facts.config?.get('dir')?.value;
  if (!isAbsolute(named.value) && (dir === undefined || !isAbsolute(dir))) return { refused: `its ACL file '${named.value}' (CONFIG GET aclfile) is relative and its directory is unknown: not read` };
  const path = isAbsolute(named.value) ? named.value : resolve(dir!, named.value);
  const may = await serverMayRead(target.host, target.port, path, facts, options.hostPid, options.hostDiscovery);
  return may === true ? { path } : { refused: `its ACL file ${path} (CONFIG GET aclfile) is not read: ${may}` };
}

/**
 * The file a local server started without a config file loads with its one `--include FILE` option (readable command
 * line, an absolute path, a file its process could read itself), or why not; undefined when it has no such option.
 */
async function onlyInclude(facts: Facts, target: Target, options: EnrichOptions): Promise<{ readonly path?: string; readonly refused?: string } | undefined> {
  const listening = await listeningCommandLine(target.host, target.port, facts, options);
  const started = listening?.commandLine;
  if (!started?.known || started.fromStdin) return undefined;
  const includes = started.options.filter((o) => o.name === 'include');
  if (includes.length === 0) return undefined;
  const path = includes[0]!.given[1];
  if (includes.length > 1 || includes[0]!.given.length !== 2 || path === undefined) return { refused: `it was started with ${includes.length} --include options on ${started.from} and no config file: not read` };
  if (!isAbsolute(path)) return { refused: `its --include ${path} on ${started.from} is relative to the directory it started in, which may have changed since: not read` };
  const may = await serverMayRead(target.host, target.port, path, facts, options.hostPid, options.hostDiscovery);
  return may === true ? { path } : { refused: `its --include ${path} on ${started.from} is not read: ${may}` };
}

export const filesEnricher: Enricher = async (facts, target, options) => {
  const sentinel = facts.server?.mode === 'sentinel';
  // The file of this target's kind: a sentinel's is --sentinel-config (else --config), a redis-server's --config. The
  // other is another server's (a sentinel.conf beside a master's redis.conf): its bind, port and users are not this
  // one's, and it is not read (it was merged into this target's settings).
  const ownGiven = sentinel ? (options.sentinelConfigPath !== undefined ? 'sentinel' : options.configPath !== undefined ? 'config' : undefined) : options.configPath !== undefined ? 'config' : undefined;
  const otherPath = sentinel ? (ownGiven === 'sentinel' ? options.configPath : undefined) : options.sentinelConfigPath;
  const notRead = otherPath === undefined ? undefined : sentinel
    ? `--config ${otherPath} was not read: ${target?.display ?? 'the target'} is a sentinel, whose file is --sentinel-config (audit the redis-server's file as its own target)`
    : `--sentinel-config ${otherPath} was not read: ${target?.display ?? 'the target'} is not a sentinel (audit the sentinel by its URL, or its file alone)`;
  const given = ownGiven !== undefined;
  const local = !given && target && isLocalHost(target.host) ? await listeningConfigFile(target.host, target.port, facts, options.hostPid, options.hostDiscovery) : undefined;
  const found = local?.known ? (local.value ?? undefined) : undefined;
  // Started without a config file but with `redis-server --include /etc/redis/extra.conf` (its command line readable):
  // that file is all the configuration it loaded, read as its config file (QA43-4's rest), if its process could read it.
  const includeOnly = !given && !sentinel && !options.aclPath && target && local?.known === true && local.value === null ? await onlyInclude(facts, target, options) : undefined;
  const configPath = ownGiven === 'config' ? options.configPath : ownGiven === undefined && !sentinel ? (found ?? includeOnly?.path) : undefined;
  const sentinelConfigPath = ownGiven === 'sentinel' ? options.sentinelConfigPath : ownGiven === undefined && sentinel ? found : undefined;
  if (!configPath && !sentinelConfigPath && !options.aclPath) {
    const why = local && !local.known
      ? `the server's config file was not read: ${local.reason}`
      : facts.server?.configFile && !local
        ? `the server's config file ${facts.server.configFile} is on another machine (pass --config with a copy)`
        : 'the server was started without a config file, and none was given with --config';
    // Its ACL file is read all the same (a server started with `--aclfile` and no config file, the docker-compose way).
    const aclOnly = !sentinel && target && local ? await runningAclFile(facts, target, options) : undefined;
    if (aclOnly?.path !== undefined) {
      const loaded = facts.info ? infoModules(facts.info) : undefined;
      const outcome = await gatherFiles({ aclPath: aclOnly.path, version: configVersion(facts.server), versionKnown: true, modules: loaded === undefined ? 'unknown' : loaded.length > 0 ? 'loaded' : undefined, signal: options.signal });
      if (outcome.ok) {
        // Without the config file (`local` unknown: the server may have one) the files read are not all it started from.
        const started = local?.known === true && local.value === null;
        const files = { ...outcome.gathered.files, ...(started ? {} : { configUnread: why }), ...(notRead ? { warnings: [...(outcome.gathered.files.warnings ?? []), notRead] } : {}) };
        return mergeFiles(facts, { ...outcome.gathered, files });
      }
      const unread = `${why}; its ACL file ${aclOnly.path} (CONFIG GET aclfile) could not be read: ${outcome.error}`;
      return { ...facts, unavailable: { ...facts.unavailable, files: notRead ? `${unread}; ${notRead}` : unread } };
    }
    const refused = aclOnly?.refused !== undefined ? `; ${aclOnly.refused}` : includeOnly?.refused !== undefined ? `; ${includeOnly.refused}` : '';
    return { ...facts, unavailable: { ...facts.unavailable, files: `${why}${refused}${notRead ? `; ${notRead}` : ''}` } };
  }
  // Modules given on the command line (`--loadmodule`, as redis-stack-server starts them) are in no file: INFO says.
  const loaded = facts.info ? infoModules(facts.info) : undefined;
  const modules = loaded === undefined ? 'unknown' : loaded.length > 0 ? 'loaded' : undefined;
  // The process's own config: what it leads to (includes, its aclfile) is read only if that process could read it.
  const fromProcess = (found !== undefined && (configPath === found || sentinelConfigPath === found)) || (includeOnly?.path !== undefined && configPath === includeOnly.path);
  const mayRead = fromProcess && target
    ? async (path: string): Promise<string | undefined> => {
      const may = await serverMayRead(target.host, target.port, path, facts, options.hostPid, options.hostDiscovery);
      return may === true ? undefined : `${path} is not read: ${may}`;
    }
    : undefined;
  // Where that process started, for its relative includes (its directory now, unless a `dir` line moved it).
  const processCwd = fromProcess && target ? await listeningCwd(target.host, target.port, facts, options.hostPid, options.hostDiscovery) : undefined;
  const outcome = await gatherFiles({ configPath, sentinelConfigPath, aclPath: options.aclPath, version: configVersion(facts.server), versionKnown: true, modules, signal: options.signal, mayRead, processCwd });
  if (!outcome.ok) {
    const { refused } = outcome;
    return {
      ...facts,
      unavailable: { ...facts.unavailable, files: `the config files could not be read: ${outcome.error}${notRead ? `; ${notRead}` : ''}` },
      ...(refused ? { refusedFile: { value: refused.reason, source: { kind: 'file', path: refused.path, line: refused.line } } } : {}),
    };
  }
  const gathered = notRead ? { ...outcome.gathered, files: { ...outcome.gathered.files, warnings: [...(outcome.gathered.files.warnings ?? []), notRead] } } : outcome.gathered;
  return mergeFiles(facts, gathered);
};
