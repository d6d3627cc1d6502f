import { terminalLines } from '../../report/common.ts';
import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError, connectionOptions, once, placementOf, placementOptions, refuseFileTargets, timeoutsOf, withDefault } from '../kit.ts';
import type { PlacementFlags } from '../kit.ts';
import type { HardenRequest } from '../../harden/run.ts';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS } from '../../util/defaults.ts';

type HardenFlags = Omit<HardenRequest, 'connectTimeoutMs' | 'commandTimeoutMs' | 'env' | 'startDir' | 'pathMap'> & PlacementFlags & { connectTimeout: string; timeout: string };

/** The harden command: its timeouts checked, the run asked of src/harden, its summary printed; the exit code. */
async function hardenCommand(spec: string | undefined, flags: HardenFlags): Promise<number> {
  refuseFileTargets([flags.uri, spec], 'harden a config file with --config FILE (a sentinel.conf with --sentinel-config)');
  const { connectTimeout, timeout, startDir, pathMap, ...rest } = flags;
  const live = spec !== undefined || flags.uri !== undefined || flags.host !== undefined || flags.port !== undefined || flags.socket !== undefined;
  const placement = placementOf({ ...(startDir !== undefined ? { startDir } : {}), ...(pathMap !== undefined ? { pathMap } : {}) }, live, flags.config !== undefined || flags.sentinelConfig !== undefined, 'files hardened alone');
  const request: HardenRequest = { ...rest, ...timeoutsOf({ connectTimeout, timeout }), env: process.env, ...(placement.cwd !== undefined ? { startDir: placement.cwd } : {}), ...(placement.pathMap !== undefined ? { pathMap: placement.pathMap } : {}) };
  const { runHarden, HardenInputError } = await import('../../harden/run.ts');
  try {
    const run = await runHarden(spec, request);
    process.stdout.write(terminalLines(run.summary));
    return run.code;
  } catch (error) {
    if (error instanceof HardenInputError) throw new UsageError(error.message);
    throw error;
  }
}

export function registerHarden(cli: Command): void {
  const [startDir, pathMap] = placementOptions('files hardened alone');
  connectionOptions(cli
    .command('harden'))
    .description('write a hardened redis.conf (a minimal edit of yours), users.acl, sentinel.conf, host files and PLAN.md into --out; start them in a throwaway server and re-audit them (nothing on the server changes)')
    .argument('[target]', 'a live server to harden from its state (redis://…)')
    .option('--config <file>', "the server's redis.conf (read with its includes)", once('--config'))
    .option('--acl <file>', "the --config server's ACL file (default: the config's aclfile)", once('--acl'))
    .option('--sentinel-config <file>', "a sentinel's sentinel.conf to harden too", once('--sentinel-config'))
    .option('--sentinel-acl <file>', "the sentinel's ACL file (default: the sentinel.conf's aclfile)", once('--sentinel-acl'))
    .option('--out <dir>', 'the output directory (must not exist, or be empty; see --force)', once('--out', 'one directory'))
    .option('--redis-version <version>', 'the version the files are for (default: the live server\'s, else the local redis-server\'s)')
    .addOption(startDir)
    .addOption(pathMap)
    .addOption(withDefault('--profile <name>', 'baseline (no client is locked out without a new credential) or strict (also TLS only, non-default port)', 'baseline'))
    .option('--bind <addr...>', 'the addresses to listen on (default: the private and loopback ones the config lists, else loopback)')
    .option('--tls-cert <file>', 'server certificate: enables TLS (with --tls-key and --tls-ca)', once('--tls-cert'))
    .option('--tls-key <file>', 'private key of the certificate', once('--tls-key'))
    .option('--tls-ca <file>', 'CA that signs the client certificates', once('--tls-ca'))
    .option('--tls-port <port>', "the TLS port (default: the server's own tls-port, else its port + the smallest offset at which no node of the deployment takes a port in use: 6380 for 6379; the sentinel's for a sentinel.conf hardened alone)")
    .addOption(new Option('--user-prefix <prefix>', 'prefix of the generated user names (admin, replication, sentinel, auditor, app)').default(''))
    .option('--secrets <file>', 'reuse the passwords of this credentials.env (so every node of a group shares the replication and sentinel passwords)', once('--secrets'))
    .option('--force', 'replace a non-empty --out directory')
    .addOption(withDefault('--connect-timeout <ms>', 'connect timeout in milliseconds', String(CONNECT_TIMEOUT_MS)))
    .addOption(withDefault('--timeout <ms>', 'per-command timeout in milliseconds', String(COMMAND_TIMEOUT_MS)))
    .addHelpText('after', `
Examples:
  redfort harden --config /etc/redis/redis.conf --out hardened/
  redfort harden --config redis.conf --sentinel-config sentinel.conf \\
    --redis-version 7.2.4 --out hardened/
  REDISCLI_AUTH=secret redfort harden redis://admin@10.0.5.11:6379 \\
    --out hardened/ --secrets group.env

Exit codes: 0 the files started and every rule harden fixes passes; 1 the trial
start or the re-audit failed (the files are written, PLAN.md says why); 2 bad
input (nothing written).`)
    .action(async (spec: string | undefined, flags: HardenFlags) => {
      process.exitCode = await hardenCommand(spec, flags);
    });
}
