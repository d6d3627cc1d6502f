import type { PlannedFailover, RebootPlan } from './reboot-plan.ts';

function where(label: string, plan: RebootPlan): string {
  return plan.hostKey === undefined ? `host ${label}` : `'${label}'`;
}

function failoverLine(f: PlannedFailover): string {
  return `on ${f.on}: ${f.command}   (${f.shard}: ${f.from} -> ${f.to})${f.note ? `\n      ${f.note}` : ''}`;
}

/** The plan as a person reads it. Pure. */
export function formatPlanText(plan: RebootPlan, title: string): string {
  const lines: string[] = [];
  if (!plan.safe) {
    lines.push(`${title}: no safe reboot plan`, '');
    for (const p of plan.problems) {
      lines.push(`- ${p.reason}`);
      if (p.label !== undefined && p.holds.length > 0) lines.push(`  ${where(p.label, plan)} holds: ${p.holds.join(', ')}`);
      lines.push(`  fix: ${p.fix}`);
    }
    return `${lines.join('\n')}\n`;
  }
  const domains = plan.hostKey === undefined ? 'hosts' : `failure domains from ${plan.hostKey}`;
  lines.push(`${title}: ${plan.batches.length} batch${plan.batches.length === 1 ? '' : 'es'} over ${domains}; no batch takes a master, every copy of some data or the sentinels' majority down`, '');
  plan.batches.forEach((batch, i) => {
    lines.push(`Batch ${i + 1}: ${batch.labels.map((l) => where(l, plan)).join(', ')}`);
    if (batch.failovers.length > 0) {
      lines.push('  before, trigger these failovers and wait until each is done (INFO replication: role:master on the new master):');
      for (const f of batch.failovers) lines.push(`    ${failoverLine(f)}`);
    }
    lines.push(`  reboot: ${batch.nodes.map((n) => `${n.address} (${n.role})`).join(', ')}`);
    lines.push(`  then wait until every node is back${plan.kind === 'cluster' ? ', cluster_state:ok,' : ''} and every replica shows master_link_status:up`, '');
  });
  if (plan.failback.length > 0) {
    lines.push('Afterwards, to put the masters back where they were:');
    for (const f of plan.failback) lines.push(`    ${failoverLine(f)}`);
    lines.push('');
  }
  lines.push('redfort only plans: it runs none of these commands. Re-run the plan if the deployment changes between batches.');
  return `${lines.join('\n')}\n`;
}
