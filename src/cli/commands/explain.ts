import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { findRule } from '../../rules/index.ts';
import { markdownForTerminal } from '../../report/terminal-markdown.ts';
import { UsageError, withDefault } from '../kit.ts';
import { ruleDocPath } from '../files.ts';

function explain(id: string, flags: { format: string; color: boolean }): void {
  if (flags.format !== 'text' && flags.format !== 'markdown') throw new UsageError(`--format must be text or markdown, not '${flags.format}'`);
  if (!findRule(id)) throw new UsageError(`unknown rule '${id}' (see 'redfort rules')`);
  const doc = ruleDocPath(id);
  if (!existsSync(doc)) throw new UsageError(`rule '${id}' has no documentation page`);
  const markdown = readFileSync(doc, 'utf8');
  const color = flags.color && process.stdout.isTTY === true && !process.env.NO_COLOR;
  process.stdout.write(flags.format === 'markdown' ? markdown : markdownForTerminal(markdown, { color }));
}

export function registerExplain(cli: Command): void {
  cli
    .command('explain')
    .description("print a rule's documentation")
    .argument('<rule-id>')
    .addOption(withDefault('-f, --format <format>', 'text (rendered for a terminal) or markdown (the page as written)', 'text'))
    .option('--no-color', 'no colours')
    .action((id: string, flags: { format: string; color: boolean }) => explain(id, flags));
}
