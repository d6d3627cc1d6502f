import type { Summary, TargetResult } from '../engine/run.ts';
import type { Rule } from '../rules/define.ts';

/** Everything a reporter needs: the result of one run. */
export interface AuditReport {
  readonly tool: { readonly name: 'redfort'; readonly version: string };
  readonly targets: readonly TargetResult[];
  readonly summary: Summary;
}

export interface ReportContext {
  /** The catalogue, for reporters that describe rules (SARIF, HTML). */
  readonly rules: readonly Rule[];
  readonly color: boolean;
}

/** A reporter is a pure function of the result. */
export type Reporter = (report: AuditReport, context: ReportContext) => string;
