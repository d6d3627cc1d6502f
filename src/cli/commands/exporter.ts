import type { Command } from 'commander';
import { ExporterConfigError } from '../../exporter/errors.ts';
import { FileReadError, readTextFile } from '../../util/read-file.ts';
import { EXPORTER_SHUTDOWN_GRACE_MS } from '../../util/defaults.ts';
import { clipped } from '../../util/shown.ts';
import { once } from '../kit.ts';
import { readSecretFile } from '../../util/secret-file.ts';

interface ExporterFlags {
  config?: string;
  listen?: string;
}

/** The exporter's config and the files it names (not the inventory's: see MAX_INVENTORY_BYTES) are small: 1 MiB is generous. */
const MAX_CONFIG_BYTES = 1024 * 1024;

async function readConfig(path: string): Promise<string> {
  try {
    return await readTextFile(path, { maxBytes: MAX_CONFIG_BYTES });
  } catch (error) {
    if (error instanceof FileReadError) throw new ExporterConfigError(`${path}: cannot read the exporter config: ${error.detail}`);
    throw error;
  }
}

/** One JSON line on stderr, as the exporter's own log lines are. */
function logLine(fields: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
}

/** Runs until SIGTERM or SIGINT (SIGHUP is logged and ignored), then lets running probes finish (10 s at most) and exits 0. */
async function runExporter(flags: ExporterFlags): Promise<number> {
  // Loaded on demand: prom-client and the server cost every other command nothing.
  const [{ parseExporterConfig, parseListen }, { startExporter }, { loadInventoryTargets }, { RULES }, { MAX_INVENTORY_BYTES, MAX_INVENTORY_SECRET_BYTES }] = await Promise.all([
    import('../../exporter/config.ts'),
    import('../../exporter/server.ts'),
    import('../../exporter/inventory.ts'),
    import('../../rules/index.ts'),
    import('../../settings/inventory.ts'),
  ]);
  if (flags.config === undefined) throw new ExporterConfigError('--config <file> is required (see docs/exporter.md)');
  if (flags.listen !== undefined && parseListen(flags.listen) === undefined) {
    throw new ExporterConfigError(`--listen must be ADDRESS:PORT (e.g. 127.0.0.1:9779), not '${clipped(flags.listen)}'`);
  }
  const config = await parseExporterConfig(await readConfig(flags.config), flags.config, {
    env: process.env,
    readFile: (path) => readTextFile(path, { maxBytes: MAX_CONFIG_BYTES }),
    readSecretFile: (path) => readSecretFile(path, MAX_CONFIG_BYTES),
    ruleIds: RULES.map((r) => r.id),
  });
  // The inventory of `audit --targets`, read as the audit reads it: its size and its password files' (QA39-52).
  const readInventory = (path: string) => readTextFile(path, { maxBytes: MAX_INVENTORY_BYTES });
  const inventory = config.inventory !== undefined ? await loadInventoryTargets(config.inventory, process.env, readInventory, (path) => readSecretFile(path, MAX_INVENTORY_SECRET_BYTES), config.inventoryAt) : undefined;
  // Once the config is read the exporter logs JSON lines only (a log pipeline parses its stderr as such): its
  // warnings too, `at` the file:line they name (QA43-59). Errors that stop it at start stay one plain line, exit 2.
  for (const warning of config.warnings ?? []) {
    const at = /^([^\s:]+:\d+): /.exec(warning);
    logLine({ level: 'warn', msg: 'config', ...(at ? { at: at[1], warning: warning.slice(at[0].length) } : { warning }) });
  }
  // An inventory's warnings say their own line (a path with a blank too).
  for (const { message, source } of inventory?.warnings ?? []) {
    const at = source?.kind === 'file' && source.line !== undefined ? `${source.path}:${source.line}` : undefined;
    logLine({ level: 'warn', msg: 'config', ...(at !== undefined && message.startsWith(`${at}: `) ? { at, warning: message.slice(at.length + 2) } : { warning: message }) });
  }
  let exporter;
  try {
    exporter = await startExporter({ config, ...(inventory ? { inventory: inventory.targets, inventoryPackages: inventory.packages } : {}), ...(flags.listen !== undefined ? { listen: flags.listen } : {}) });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const listen = flags.listen ?? config.listen;
    if (code === 'EADDRINUSE') throw new ExporterConfigError(`cannot listen on ${listen}: the address is in use`);
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES') throw new ExporterConfigError(`cannot listen on ${listen}: ${code}`);
    throw new ExporterConfigError(`cannot start the exporter: ${message}`);
  }
  const running = exporter;
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGHUP', hangUp);
      logLine({ level: 'info', msg: 'shutting down', signal });
      void running.close(EXPORTER_SHUTDOWN_GRACE_MS).then(resolve);
    };
    // SIGHUP (`systemctl reload` of a unit with ExecReload=kill -HUP, a closed terminal) killed the exporter by the
    // default action, probes cut (QA43-57). It does not reload: it keeps running and says so; restart it to read a
    // changed config or secret.
    const hangUp = () => logLine({ level: 'warn', msg: 'SIGHUP ignored: the exporter does not reload its config; restart it to read a changed config or secret', signal: 'SIGHUP' });
    process.on('SIGHUP', hangUp);
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

export function exporterCommand(cli: Command): void {
  cli
    .command('exporter')
    .description('serve audits to Prometheus: GET /probe?target=HOST:PORT&module=NAME (the multi-target exporter pattern)')
    .option('--config <file>', 'exporter config: listen, modules (credentials, sources), allow, inventory (see docs/exporter.md)', once('--config'))
    .option('--listen <address:port>', 'address to listen on (default: listen of the config, else 127.0.0.1:9779)')
    .addHelpText('after', `
Examples:
  REDIS_AUDITOR_PASSWORD=… redfort exporter --config exporter.yaml
  curl 'http://127.0.0.1:9779/probe?target=127.0.0.1:6379&module=default'`)
    .action(async (flags: ExporterFlags) => {
      process.exitCode = await runExporter(flags);
    });
}
