import { dirname } from 'node:path';
import type { Target } from '../redis/target.ts';
import { targetPassword, tlsFlagsOf } from '../redis/target.ts';
import { addressOf } from '../net/address.ts';
import { FirstThenCount, listed } from '../util/words.ts';
import { parseInventory, resolveInventory } from '../settings/inventory.ts';
import { ExporterConfigError } from './errors.ts';
import type { SecretFileText } from '../util/secret-file.ts';
import type { InventoryWarning } from '../engine/report.ts';
import { inventoryWarning } from '../engine/report.ts';
import type { DeclaredPackage } from '../redis/distro-package.ts';

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
): Promise<{ targets: InventoryTargets; warnings: readonly InventoryWarning[]; packages: ReadonlyMap<string, DeclaredPackage> }> {
  let text: string;
  try {
    text = await readText(path);
  } catch (error) {
    const reason = (error as { detail?: string }).detail ?? (error as Error).message;
    throw new ExporterConfigError(at !== undefined ? `${at}: cannot read inventory '${path}': ${reason}` : `${path}: cannot read the inventory: ${reason}`);
  }
  const inventory = parseInventory(text, path, { baseDir: dirname(path), warnListedTwice: false });
  const targets = new Map<string, Target>();
  // An entry's `distroPackage`, by the same key: the exporter declares it for the probes of that server, as
  // `audit --targets` does (QA43-60).
  const packages = new Map<string, DeclaredPackage>();
  const lines = new Map<string, number>();
  const warnings: InventoryWarning[] = [...inventory.warnings];
  const twice = new FirstThenCount<InventoryWarning>(TWICE_SHOWN);
  for (const resolved of await resolveInventory(inventory, {}, env, readSecret, (w) => warnings.push(w))) {
    if (!resolved.ok) throw new ExporterConfigError(resolved.error);
    const { target, entry } = resolved;
    const key = inventoryKey(target.host, target.port);
    const earlier = targets.get(key);
    const at = `${entry.source.path}:${entry.source.line}`;
    if (earlier !== undefined) {
      // A scrape names a host:port, so one entry says how it is reached: the last one was used without a word,
      // with its user and password, when two entries disagreed.
      const differs = differences(earlier, target);
      const first = lines.get(key)!;
      if (differs.length > 0) {
        throw new ExporterConfigError(
          `${at}: ${addressOf(target.host, target.port)} is already listed at line ${first} with another ${listed(differs)}: the exporter looks a scrape's target up by host:port, so one entry must say how to reach it`,
        );
      }
      // The same server reached alike (a copy-and-paste): a warning naming both lines, as `audit --targets` gives.
      twice.add(() => inventoryWarning('listed-twice', entry.source, `${addressOf(target.host, target.port)} is listed twice (first at line ${first}), alike: the exporter uses the first`));
      continue;
    }
    targets.set(key, target);
    if (entry.distroPackage) packages.set(key, entry.distroPackage);
    lines.set(key, entry.source.line);
  }
  warnings.push(...twice.lines((more) => inventoryWarning('listed-twice', { path }, `${more} more ${more === 1 ? 'target is' : 'targets are'} listed twice`)));
  return { targets, warnings, packages };
}

/** How many "listed twice" warnings are given one by one (as the inventory parser's). */
const TWICE_SHOWN = 10;

/** What two inventory entries of one host:port reach differently: never the values (a password is a secret). */
function differences(a: Target, b: Target): string[] {
  const differs: string[] = [];
  // No user is `default` (AUTH with the password alone logs in as it): the same login (QA42-15).
  if ((a.username ?? 'default') !== (b.username ?? 'default')) differs.push('user');
  if (targetPassword(a) !== targetPassword(b)) differs.push('password');
  if (a.db !== b.db) differs.push('database');
  if ((a.tls === undefined) !== (b.tls === undefined)) differs.push('scheme (redis:// or rediss://)');
  else if (a.tls && b.tls && JSON.stringify(tlsFlagsOf(a.tls)) !== JSON.stringify(tlsFlagsOf(b.tls))) differs.push('TLS setting');
  return differs;
}
