import { terminalSafe } from '../report/common.ts';
import type { ApplyOutcome } from './apply.ts';
import type { FixPlan, PlanStep } from './types.ts';
import { showArg } from './types.ts';

/** A command as a person would type it: arguments with spaces or nothing in them quoted. */
export function commandText(step: PlanStep): string {
  return step.command.map(showArg).map((a) => (a === '' || /\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

/**
 * The text of lines built one entry a line: a rule's message, a reason, a node's name or a note holds what a server
 * named (a sentinel's master name `m1\nsentinel notification-script …`, a user), and each entry's control characters
 * are written as `\u000a`, as the audit's text report writes them ({@link terminalSafe}), so that none starts a line
 * that reads as the plan's own (a step, a config line to copy) (QA44-52).
 */
function joinLines(out: readonly string[]): string {
  return `${out.map(terminalSafe).join('\n')}\n`;
}

/** The plan as text: steps in order, grouped by why they come where they do. Pure. */
export function formatPlanText(plan: FixPlan, options: { secretsFile?: string; reused?: readonly string[] } = {}): string {
  const out: string[] = [];
  const count = (c: string) => plan.steps.filter((s) => s.class === c).length;
  const kind = plan.deployment === 'single' ? 'single server' : `${plan.deployment} deployment`;
  out.push(`Fix plan for ${plan.target} (${kind}, ${plan.nodes.length} node${plan.nodes.length === 1 ? '' : 's'})`);
  out.push(`State digest ${plan.digest.slice(0, 16)}: applying this plan to a server that changed since is refused ("plan is stale").`);
  out.push('');
  const runtime = plan.steps.filter((s) => s.class !== 'restart');
  if (runtime.length === 0 && count('restart') === 0) out.push('Nothing to change: every rule fix can close passes.');
  else out.push(`${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}: ${count('safe')} safe, ${count('disruptive')} disruptive, ${count('restart')} restart`);
  let lastOrder = '';
  for (const step of plan.steps) {
    if (step.order !== lastOrder) {
      out.push('', `  -- ${step.order}`);
      lastOrder = step.order;
    }
    const what = step.class === 'restart' ? `add \`${step.configLine}\` to the config file, then restart (not executed)` : commandText(step);
    out.push(`  ${String(step.id).padStart(3)}. [${step.class}] ${step.node}  ${what}`);
    out.push(`       ${step.class === 'restart' ? 'why' : `why ${step.class}`}: ${step.reason}`);
    if (step.rules.length > 0) out.push(`       for: ${step.rules.join(', ')}`);
  }
  if (plan.manual.length > 0) {
    out.push('', 'Not closed by fix (do it by hand):');
    for (const m of plan.manual) out.push(`  ${m.node} ${m.rule}: ${m.message}`);
  }
  if (plan.notes.length > 0) {
    out.push('', 'Notes:');
    for (const n of plan.notes) out.push(`  ${n}`);
  }
  // A password the secrets file held before this run is not new: it may be an earlier run's, or anyone's who had the file.
  const file = options.secretsFile ?? 'the secrets file';
  const reused = plan.secrets.filter((u) => options.reused?.includes(u));
  const fresh = plan.secrets.filter((u) => !reused.includes(u));
  if (fresh.length > 0) out.push('', `New passwords (shown as <generated>) for ${fresh.join(', ')}: in ${file} (mode 0600), never in the plan.`);
  if (reused.length > 0) {
    out.push('', `Passwords reused from ${file} for ${reused.join(', ')} (shown as <generated>, never in the plan): the file already held them, from an earlier run or from whoever wrote it; to have new ones generated, delete their lines from it and plan again.`);
  }
  if (runtime.length > 0) {
    out.push('', 'Apply the safe steps with --apply [plan.json]; add --include-disruptive for the others (it asks first; --yes for automation).');
  }
  return joinLines(out);
}

/** What an apply did, rule by rule. Pure. */
export function formatApplyText(outcome: ApplyOutcome): string {
  const out: string[] = [];
  if (outcome.ok) out.push(`Applied ${outcome.applied.length} step${outcome.applied.length === 1 ? '' : 's'}.`);
  // Refused before any change (another fix at work, a node not healthy): nothing was tried, so nothing "failed".
  else if (outcome.refused) out.push(`Refused, nothing applied: ${outcome.error}`);
  else out.push(`Apply failed: ${outcome.error}`);
  if (outcome.restoredFiles.length > 0) {
    out.push('', 'File modes and owners put back after the server rewrote them:');
    for (const f of outcome.restoredFiles) out.push(`  ${f}`);
  }
  if (outcome.changes.length > 0) {
    out.push('', 'Before → after, per rule:');
    for (const c of outcome.changes) out.push(`  ${c.node} ${c.rule}: ${c.before} → ${c.after}`);
  }
  if (outcome.rolledBack) {
    out.push('', outcome.notRestored.length === 0 ? `Rolled back steps ${outcome.applied.join(', ')}: everything recorded is back.` : 'Rolled back, except:');
    for (const n of outcome.notRestored) out.push(`  ${n}`);
    for (const n of outcome.unverified ?? []) out.push(`  ${n}`);
  }
  return joinLines(out);
}
