/**
 * redfort's library API: audit live Redis/Valkey servers, or judge facts you gathered yourself.
 * @packageDocumentation
 */
export { runAudit, runAuditDetailed } from './app/run.ts';
export type { AuditRequest, AuditRequestOptions, AuditScope, AuditRun } from './app/run.ts';
export { loadSettings, readBaseline } from './settings/load.ts';
export type { Settings } from './settings/types.ts';
export { applySuppressions } from './engine/triage/suppressions.ts';
export { applyBaseline, baselineOf } from './engine/triage/baseline.ts';
export type { Baseline } from './engine/triage/baseline.ts';
export { audit, auditTarget, auditFiles, gatherTarget, judgeFacts, reportOf, ruleContext } from './app/audit.ts';
export { auditDeployment, planDeployment, DEPLOYMENT_RULES } from './app/deployment.ts';
export type { DeploymentOptions, RebootPlanOptions } from './app/deployment.ts';
export { planReboots } from './topology/reboot-plan.ts';
export type { RebootPlan, RebootBatch, PlannedFailover, PlanProblem, PlanOptions } from './topology/reboot-plan.ts';
export { parseHostKey, HostKeyError } from './topology/host-key.ts';
export type { HostKeyMap } from './topology/host-key.ts';
export { gatherFiles, factsFromFiles } from './gather/conf/gather-files.ts';
export type { FileInputs } from './gather/conf/gather-files.ts';
export type { AuditOptions } from './app/audit.ts';
export { sampleKeyspace, SAMPLE_ACL_GRANTS, SAMPLE_DEFAULTS } from './gather/sample/sample.ts';
export type { SampleRequest, SampleOutcome } from './gather/sample/sample.ts';
export type { SampleOptions } from './gather/sample/index.ts';
export { DETECTORS } from './sample/detectors.ts';
export type { Detector, DetectorId } from './sample/detectors.ts';
export { resolveTarget, TargetError } from './redis/target.ts';
export type { Target, TargetFlags } from './redis/target.ts';
export { gatherLive, factsFromReplies } from './gather/live/gather-live.ts';
export { runRules, summarize, exitCode } from './engine/run.ts';
export type { RuleResult, TargetResult, Summary } from './engine/run.ts';
export { RULES, findRule } from './rules/index.ts';
export type { Rule, RuleMeta, Severity, Status, Verdict, Finding, Thresholds } from './rules/define.ts';
export { REPORTERS } from './report/index.ts';
export type { AuditReport, Reporter } from './report/types.ts';
export type * from './facts/types.ts';
export { gatherFixState } from './fix/gather.ts';
export type { FixState, FixGatherOptions } from './fix/gather.ts';
export { buildPlan, FIX_CLASSES } from './fix/plan.ts';
export type { PlanInput, FixNodeInput } from './fix/plan.ts';
export { applyPlan, rollback, staleNodes, stepsToApply } from './fix/apply.ts';
export type { ApplyOptions, ApplyOutcome, RuleChange, RollbackOptions } from './fix/apply.ts';
export { fixUsers } from './fix/profile.ts';
export type { FixUsers } from './fix/profile.ts';
export { readRollback } from './fix/rollback.ts';
export type { RollbackRecord, RollbackNode } from './fix/rollback.ts';
export { formatPlanText, formatApplyText } from './fix/text.ts';
export type { FixPlan, PlanStep, PlanNode, StepClass, Arg, SecretArg, Touch, ManualItem } from './fix/types.ts';
