import type { Command } from 'commander';
import { RULES } from '../../rules/index.ts';
import { UsageError, withDefault } from '../kit.ts';
import { clipped } from '../../util/shown.ts';

function listRules(format: string): void {
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not '${clipped(format)}'`);
  if (format === 'json') {
    const rules = RULES.map(({ id, title, severity, checklist, sources, remediation }) => ({ id, title, severity, checklist, sources, remediation }));
    process.stdout.write(`${JSON.stringify(rules, null, 2)}\n`);
    return;
  }
  // SOURCES: what a rule is judged from (live, config, host, probe, topology), as the JSON listing's `sources`; '-'
  // for none (data.client-side-encryption: manual unless keys are sampled).
  const sources = (r: (typeof RULES)[number]): string => r.sources.join(',') || '-';
  const width = Math.max(...RULES.map((r) => r.id.length));
  const checklistWidth = Math.max(...RULES.map((r) => r.checklist.length));
  const sourcesWidth = Math.max('SOURCES'.length, ...RULES.map((r) => sources(r).length));
  process.stdout.write(`${'RULE'.padEnd(width)}  ${'SEVERITY'.padEnd(8)}  ${'CHECKLIST'.padEnd(checklistWidth)}  ${'SOURCES'.padEnd(sourcesWidth)}  TITLE\n`);
  for (const r of RULES) process.stdout.write(`${r.id.padEnd(width)}  ${r.severity.padEnd(8)}  ${r.checklist.padEnd(checklistWidth)}  ${sources(r).padEnd(sourcesWidth)}  ${r.title}\n`);
}

export function registerRules(cli: Command): void {
  cli
    .command('rules')
    .description('list the rule catalogue')
    .addOption(withDefault('-f, --format <format>', 'text or json', 'text'))
    .action((flags: { format: string }) => listRules(flags.format));
}
