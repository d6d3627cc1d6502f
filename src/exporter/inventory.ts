import { dirname } from 'node:path';
import type { Target } from '../redis/target.ts';
import { parseInventory, resolveInventory } from '../settings/inventory.ts';
import { ExporterConfigError } from './errors.ts';
import type { SecretFileText } from '../util/secret-file.ts';

/** The inventory's servers by `host:port` (host lowercase, IPv6 without brackets), with their own settings. */
export type InventoryTargets = ReadonlyMap<string, Target>;

export function inventoryKey(host: string, port: number): string {
  return `${host.toLowerCase().replace(/\.$/, '')}:${port}`;
}

/**
 * Reads the inventory of `redfort audit --targets` (the same parser) for the exporter: its servers are allowed
 * and audited with their own user, password and TLS files. A password that cannot be found stops the exporter
 * at start, naming the inventory's line, as a module's does. A file that cannot be read (missing, a directory,
 * `/dev/zero`) is named with `at`, the exporter config's `file:line` that gives it.
 *
 * @throws {ExporterConfigError} or the inventory parser's `SettingsError` (`file:line: …`).
 */
export async function loadInventoryTargets(
  path: string,
  env: Record<string, string | undefined>,
  readText: (path: string) => Promise<string>,
  /** Reads a `passwordFile` (with what its mode or owner exposes); `readText` when not given. */
  readSecret: (path: string) => Promise<string | SecretFileText> = readText,
  /** The exporter config's `file:line` of `inventory:`. */
  at?: string,
): Promise<{ targets: InventoryTargets; warnings: readonly string[] }> {
  let text: string;
  try {
    text = await readText(path);
  } catch (error) {
    const reason = (error as { detail?: string }).detail ?? (error as Error).message;
    throw new ExporterConfigError(at !== undefined ? `${at}: cannot read inventory '${path}': ${reason}` : `${path}: cannot read the inventory: ${reason}`);
  }
  const inventory = parseInventory(text, path, { baseDir: dirname(path) });
  const targets = new Map<string, Target>();
  const warnings = [...inventory.warnings];
  for (const resolved of await resolveInventory(inventory, {}, env, readSecret, (w) => warnings.push(w))) {
    if (!resolved.ok) throw new ExporterConfigError(resolved.error);
    targets.set(inventoryKey(resolved.target.host, resolved.target.port), resolved.target);
  }
  return { targets, warnings };
}
