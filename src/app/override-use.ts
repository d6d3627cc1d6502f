import type { ReportWarning } from '../engine/report.ts';
import type { TargetResult } from '../engine/run.ts';
import type { SettingsSource } from '../settings/types.ts';
import type { NodeOverrides } from './fleet.ts';
import { NOT_USED, overrideName, unusedOverrideWarning } from '../topology/override-key.ts';

/**
 * Which node overrides of a fleet reached no node (QA37-5). Discovery says it in the deployment entry's warnings
 * (`nodeOverrides KEY (fleet.yaml:8) was not used: …`), which only the JSON formats carry, and a fleet prints no
 * target's warnings: a typo in an override's key was seen by no one reading the text report or standard error. Here
 * each override (an inventory line's key, or a `--node-override` KEY) becomes a report warning when it reached no
 * node of any deployment entry it applies to: the command line's applies to every deployment entry, and one that a
 * cluster entry has no use for (`sentinel`) is no mistake while a sentinel entry uses it.
 */
export class OverrideUse {
  readonly #sources: ReadonlyMap<string, SettingsSource>;
  /** By the override's name: the deployment entries it applied to, those it reached no node of, the first such. */
  readonly #seen = new Map<string, { applied: number; unused: number; first?: { entry: string; why: string } }>();

  /** `sources`: where each inventory override is written, by its name (`nodeOverrides master (fleet.yaml:7)`). */
  constructor(sources: ReadonlyMap<string, SettingsSource>) {
    this.#sources = sources;
  }

  /** A deployment entry audited with these overrides; `deployment` is its deployment entry (the first result). */
  saw(deployment: TargetResult | undefined, nodes: NodeOverrides | undefined): void {
    // An entry whose discovery failed tells nothing of its overrides.
    if (!deployment || deployment.error !== undefined || !nodes) return;
    for (const key of nodes.nodeOverrides.keys()) {
      const name = overrideName(key, nodes.overrideNames);
      const prefix = `${name}${NOT_USED}`;
      const unused = deployment.warnings?.find((w) => w.startsWith(prefix));
      const seen = this.#seen.get(name) ?? { applied: 0, unused: 0 };
      seen.applied += 1;
      if (unused !== undefined) {
        seen.unused += 1;
        seen.first ??= { entry: deployment.target, why: unused.slice(prefix.length) };
      }
      this.#seen.set(name, seen);
    }
  }

  /** A warning for each override that reached no node of any deployment entry it applied to. */
  warnings(): ReportWarning[] {
    const warnings: ReportWarning[] = [];
    for (const [name, seen] of this.#seen) {
      if (seen.unused === 0 || seen.unused < seen.applied) continue;
      const { entry, why } = seen.first!;
      const message = seen.applied === 1
        ? unusedOverrideWarning(name, `${why} (${entry})`)
        : `${name} was not used by any of the ${seen.applied} deployment entries it applies to (${entry}: ${why})`;
      const source = this.#sources.get(name);
      warnings.push({ kind: 'node-override-unused', message, ...(source ? { source } : {}) });
    }
    return warnings;
  }
}
