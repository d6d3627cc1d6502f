import type { Severity } from '../rules/define.ts';
import type { AuditReport } from '../engine/report.ts';
import type { Rule } from '../rules/define.ts';

export type { AuditReport, ReportWarning } from '../engine/report.ts';

export interface ReportContext {
  /** The catalogue, for reporters that describe rules (SARIF, HTML). */
  readonly rules: readonly Rule[];
  readonly color: boolean;
  /** Columns of the terminal the text report goes to: long lines wrap within it. Unset: no wrapping. */
  readonly width?: number;
  /** Rule id to its docs/rules/<id>.md text, for reporters that embed help (SARIF); the caller reads the files. */
  readonly docs?: ReadonlyMap<string, string>;
  /** What the human-readable reports (text, Markdown) show and in which order; every finding by default. */
  readonly view?: ReportView;
  /**
   * The folder the audit ran from: SARIF writes files below it relative to `%SRCROOT%`, so that code scanning
   * matches them in any checkout. Unset: absolute `file://` URIs.
   */
  readonly root?: string;
  /**
   * The root of the repository the audited files belong to (`--source-root`, else the nearest folder above `root`
   * holding `.git`): SARIF's `%SRCROOT%`, the files below it relative to it, as code scanning resolves them from the
   * repository's root (QA41-106); the human-readable reports name a file below it relative to `root`, as the user gave
   * it. Unset: `root` serves. Fingerprints stay relative to `root`, as baselines were written.
   */
  readonly sourceRoot?: string;
  /**
   * The failures were judged against a baseline (`--baseline`, or `--baseline-write`, whose run is judged against what
   * it records): SARIF gives each result its `baselineState`, `unchanged` when it is in the baseline, else `new`.
   */
  readonly baseline?: boolean;
}

/** `--sort`, `--only-failures`, `--min-severity` and `--max-findings` of the human-readable reports. */
export interface ReportView {
  /** `severity` (default): failures first, most severe first, then errors, manual checks, skips and passes; `checklist`: by checklist section. */
  readonly sort?: 'severity' | 'checklist';
  readonly onlyFailures?: boolean;
  /** Failures below this severity are left out (other statuses too, as with onlyFailures). */
  readonly minSeverity?: Severity;
  /** At most this many findings per rule and target (the rest counted in one line); unlimited by default. */
  readonly maxFindingsPerRule?: number;
}

/** A reporter is a pure function of the result. */
export type Reporter = (report: AuditReport, context: ReportContext) => string;
