import type { DeploymentKind } from '../gather/topology/discover.ts';
import type { FileInputs } from '../gather/conf/gather-files.ts';
import type { Target, TargetFlags } from '../redis/target.ts';
import type { HostKeyMap } from '../topology/host-key.ts';
import type { Baseline } from '../engine/triage/baseline.ts';
import { applyBaseline, baselineOf } from '../engine/triage/baseline.ts';
import type { AuditReport } from '../report/types.ts';
import { auditOptionsOf, today, triageReport } from '../settings/apply.ts';
import type { Settings } from '../settings/types.ts';
import { audit, auditFileTargets, reportOf } from './audit.ts';
import type { AuditOptions } from './audit.ts';

/**
 * What to audit: exactly one of `targets`, `files`, `deployment` or `local`. `files` is one server's files (a redis.conf
 * and a sentinel.conf given together are two targets), or a list of them, each audited so (`audit --config a.conf
 * --config b.conf`).
 */
export type AuditScope =
  | { readonly targets: readonly Target[] }
  | { readonly files: FileInputs | readonly FileInputs[] }
  | {
      readonly deployment: {
        readonly seed: Target;
        readonly kind: DeploymentKind;
        readonly hostKey?: HostKeyMap | undefined;
        readonly nodeOverrides?: ReadonlyMap<string, Target> | undefined;
      };
    }
  | {
      readonly local: {
        readonly flags: TargetFlags;
        /** Where `REDISCLI_AUTH` is looked up; none by default (the CLI passes its environment). */
        readonly env?: Record<string, string | undefined>;
        /** The uid redfort runs as (the CLI passes its own): servers it runs get the credentials, as root's do. */
        readonly runnerUid?: number | undefined;
      };
    };

function isList(files: FileInputs | readonly FileInputs[]): files is readonly FileInputs[] {
  return Array.isArray(files);
}

/** One audit run, as the CLI, the exporter or a library caller asks for it. */
export interface AuditRequestOptions {
  /** Gathering and judging options; the thresholds, rule severities and disabled rules of `settings` fill what they leave unset. */
  readonly options?: AuditOptions;
  /** Parsed `.redfort.yaml` settings: rule overrides, thresholds, suppressions. */
  readonly settings?: Settings | undefined;
  /** Failures recorded earlier: only new ones count. */
  readonly baseline?: Baseline | undefined;
  /** Where the baseline was read from (named in warnings about entries that match nothing). */
  readonly baselinePath?: string | undefined;
  /** Record this run's failures as the baseline: the returned report is judged against them. */
  readonly recordBaseline?: boolean;
  /** Paths in baselines and fingerprints are made relative to this folder (usually the working directory). */
  readonly root?: string | undefined;
  /** Today as `YYYY-MM-DD` (suppressions expire by it); the current UTC date by default. */
  readonly today?: string;
  /**
   * Messages for the person running the audit (a server audited from its host alone, no server found). `target` is
   * the target a message is about, when it is about one (the CLI's --quiet leaves those out: they are in the report).
   */
  readonly onNotice?: (message: string, target?: string) => void;
}

export type AuditRequest = AuditScope & AuditRequestOptions;

/** The triaged report, the baseline this run recorded, and how many servers were judged from their host alone. */
export interface AuditRun {
  readonly report: AuditReport;
  readonly recordedBaseline?: Baseline;
  readonly hostOnly: number;
}

/**
 * Audits what the request names (live servers, files, a whole deployment or every server of this machine),
 * applies the settings, suppressions and baseline, and returns the report: the one audit core that the CLI,
 * `fix`, `harden` and the exporter share. It writes nothing and prints nothing.
 */
export async function runAudit(request: AuditRequest): Promise<AuditReport> {
  return (await runAuditDetailed(request)).report;
}

/** {@link runAudit}, with what the CLI also needs: the recorded baseline and the host-only count. */
export async function runAuditDetailed(request: AuditRequest): Promise<AuditRun> {
  // What the caller set itself (e.g. budgets it merged into the per-target samples) wins over the settings.
  const options: AuditOptions = { ...auditOptionsOf(request.settings), ...request.options };
  let audited: AuditReport;
  let hostOnly = 0;
  if ('local' in request) {
    const { auditLocal } = await import('./local.ts');
    const local = await auditLocal(request.local.flags, { ...options, runnerUid: request.local.runnerUid }, request.local.env);
    if (local.length === 0) request.onNotice?.('no redis-server, redis-sentinel, valkey-server or valkey-sentinel process runs on this machine');
    for (const l of local) if (l.hostOnly !== undefined) request.onNotice?.(`${l.result.target}: ${l.hostOnly}`, l.result.target);
    hostOnly = local.filter((l) => l.hostOnly !== undefined).length;
    audited = reportOf(local.map((l) => l.result));
  } else if ('deployment' in request) {
    const { seed, kind, hostKey, nodeOverrides } = request.deployment;
    const { auditDeployment } = await import('./deployment.ts');
    audited = reportOf(await auditDeployment(seed, { ...options, kind, hostKey, ...(nodeOverrides ? { nodeOverrides: new Map(nodeOverrides) } : {}) }));
  } else if ('files' in request) {
    const sets: readonly FileInputs[] = isList(request.files) ? request.files : [request.files];
    const results = [];
    for (const inputs of sets) results.push(...(await auditFileTargets(inputs, options)));
    audited = reportOf(results);
  } else {
    audited = await audit(request.targets, options);
  }
  const root = request.root;
  let report = triageReport(audited, {
    settings: request.settings,
    baseline: request.baseline,
    today: request.today ?? today(),
    ...(root !== undefined ? { root } : {}),
    ...(request.baselinePath !== undefined ? { baselinePath: request.baselinePath } : {}),
  });
  if (!request.recordBaseline) return { report, hostOnly };
  // The failures just recorded are the baseline from now on, this run included.
  const recordedBaseline = baselineOf(report, root !== undefined ? { root } : {});
  report = applyBaseline(report, recordedBaseline, root !== undefined ? { root } : {});
  return { report, recordedBaseline, hostOnly };
}
