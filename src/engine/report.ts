import type { Summary, TargetResult } from './run.ts';

/** Everything a reporter needs: the result of one run. */
export interface AuditReport {
  readonly tool: {
    readonly name: 'redfort';
    readonly version: string;
    /** How old the advisory data the version rules judged by is (added in stop 45; absent in older reports). */
    readonly advisories?: { readonly compiled: string; readonly updated: string };
  };
  readonly targets: readonly TargetResult[];
  readonly summary: Summary;
  /** Problems with the settings that the run noticed: expired or unused suppressions. */
  readonly warnings?: readonly ReportWarning[];
}

/** A problem with the user's settings, not with a server: it never changes the exit code. */
export interface ReportWarning {
  /** `node-override-unused`: an inventory's `nodeOverrides` key or a `--node-override` that reached no node of a fleet. */
  /**
   * The inventory's own (QA42-16: said on stderr at the start, and in the report for those who read only it):
   * `inventory-inline-password` (a password written in it), `password-file-mode` (a password file others may read or
   * another user owns), `listed-twice` (a target listed twice, or a server an earlier deployment entry audits too), `inventory` (any other).
   */
  readonly kind: 'suppression-expired' | 'suppression-unused' | 'baseline-unused' | 'node-override-unused' | InventoryWarning['kind'];
  readonly message: string;
  /** The settings file entry it is about. */
  readonly source?: { readonly kind: 'file'; readonly path: string; readonly line: number };
}

/**
 * A warning about an inventory (`--targets`, the exporter's `inventory:`), made with its kind and line where it is
 * found (settings/inventory.ts, exporter/inventory.ts): said on stderr by its message, put in the report as it is.
 */
export interface InventoryWarning extends ReportWarning {
  readonly kind: 'inventory-inline-password' | 'password-file-mode' | 'listed-twice' | 'inventory';
}

/**
 * An inventory warning of `kind`: `path:line: text` about that line of the inventory (its `source`), `path: text`
 * about the whole file, or `text` alone.
 */
export function inventoryWarning(kind: InventoryWarning['kind'], at: { readonly path: string; readonly line?: number } | undefined, text: string): InventoryWarning {
  if (at === undefined) return { kind, message: text };
  if (at.line === undefined) return { kind, message: `${at.path}: ${text}` };
  return { kind, message: `${at.path}:${at.line}: ${text}`, source: { kind: 'file', path: at.path, line: at.line } };
}
