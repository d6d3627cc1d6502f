import type { SampleRequest } from '../gather/sample/index.ts';
import { targetKey } from '../engine/triage/target-key.ts';
import type { Severity, Thresholds } from '../rules/define.ts';
import type { AuditReport } from '../report/types.ts';
import type { Baseline } from '../engine/triage/baseline.ts';
import { applyBaseline } from '../engine/triage/baseline.ts';
import { applySuppressions } from '../engine/triage/suppressions.ts';
import type { Settings } from './types.ts';
import type { Disabled } from '../engine/run.ts';
import type { DeclaredPackage } from '../redis/distro-package.ts';

/**
 * The sampling of a run: `--sample-data` (`everywhere`) samples every target with `request`'s budgets; budgets given
 * without it tune the samples the settings ask for per target.
 */
export function samplingOf(
  settings: Settings | undefined,
  request: SampleRequest | undefined,
  everywhere: boolean,
): { sample?: SampleRequest; sampleTargets?: ReadonlyMap<string, SampleRequest | null> } {
  const { sampleTargets } = auditOptionsOf(settings);
  if (request && everywhere) return { sample: request, ...(sampleTargets ? { sampleTargets } : {}) };
  if (request && sampleTargets) return { sampleTargets: new Map([...sampleTargets].map(([k, v]) => [k, v === null ? null : { ...request, ...v }])) };
  return sampleTargets ? { sampleTargets } : {};
}

/** The parts of the settings the rules engine takes (`AuditOptions`). */
export function auditOptionsOf(settings: Settings | undefined): {
  thresholds?: Partial<Thresholds>;
  severityOverrides?: ReadonlyMap<string, Severity>;
  disabled?: ReadonlySet<string>;
  turnedOff?: ReadonlyMap<string, Disabled>;
  sampleTargets?: ReadonlyMap<string, SampleRequest | null>;
  distroPackageTargets?: ReadonlyMap<string, DeclaredPackage>;
} {
  if (!settings) return {};
  const sampleTargets = new Map<string, SampleRequest | null>();
  for (const t of settings.targets) if (t.defaults.sampleData !== undefined) sampleTargets.set(targetKey(t.spec), t.defaults.sampleData);
  const distroPackageTargets = new Map<string, DeclaredPackage>();
  for (const t of settings.targets) if (t.defaults.distroPackage !== undefined) distroPackageTargets.set(targetKey(t.spec), t.defaults.distroPackage);
  return {
    ...(sampleTargets.size > 0 ? { sampleTargets } : {}),
    ...(distroPackageTargets.size > 0 ? { distroPackageTargets } : {}),
    ...(Object.keys(settings.thresholds).length > 0 ? { thresholds: settings.thresholds } : {}),
    ...(settings.severityOverrides.size > 0 ? { severityOverrides: settings.severityOverrides } : {}),
    // Where the file says where each rule was turned off, the rule is in the reports as not judged; else left out.
    ...(settings.disabled.size > 0 ? (settings.disabledBy ? { turnedOff: settings.disabledBy } : { disabled: settings.disabled }) : {}),
  };
}

/** Suppressions first (an accepted failure is not debt to record), then the baseline. */
export function triageReport(
  report: AuditReport,
  options: {
    readonly settings?: Settings | undefined;
    readonly baseline?: Baseline | undefined;
    readonly today: string;
    readonly root?: string;
    readonly baselinePath?: string;
    /** One target of a fleet: baseline entries for other targets are not this report's to call unused. */
    readonly ownTargetsOnly?: boolean;
  },
): AuditReport {
  let result = report;
  if (options.settings && options.settings.suppressions.length > 0) result = applySuppressions(result, options.settings.suppressions, options.today, { root: options.root });
  if (options.baseline) {
    result = applyBaseline(result, options.baseline, {
      ...(options.root ? { root: options.root } : {}),
      ...(options.baselinePath ? { path: options.baselinePath } : {}),
      ...(options.ownTargetsOnly ? { ownTargetsOnly: true } : {}),
    });
  }
  return result;
}

/** Today as `YYYY-MM-DD` in UTC, the form suppressions expire in. */
export function today(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}
