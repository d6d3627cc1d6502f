import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { findRule } from '../../rules/index.ts';
import { markdownForTerminal } from '../../report/terminal-markdown.ts';
import { UsageError, withDefault } from '../kit.ts';
import { ruleDocPath } from '../files.ts';
import { packageRoot } from '../../package-root.ts';
import { clipped } from '../../util/shown.ts';

function explain(id: string, flags: { format: string; color: boolean }): void {
  if (flags.format !== 'text' && flags.format !== 'markdown') throw new UsageError(`--format must be text or markdown, not '${clipped(flags.format)}'`);
  if (!findRule(id)) throw new UsageError(`unknown rule '${clipped(id)}' (see 'redfort rules')`);
  const doc = ruleDocPath(id);
  if (!existsSync(doc)) throw new UsageError(`rule '${clipped(id)}' has no documentation page`);
  const markdown = readFileSync(doc, 'utf8');
  const color = flags.color && process.stdout.isTTY === true && !process.env.NO_COLOR;
  // A page's relative link (`../harden.md`) means nothing on a terminal: it is shown from the package's root (`docs/harden.md`).
  const link = (url: string): string => {
    if (/^[a-z][a-z0-9+.-]*:|^#/i.test(url) || isAbsolute(url)) return url;
    const [path = '', anchor] = url.split('#');
    const shown = relative(packageRoot(), resolve(dirname(doc), path));
    return anchor === undefined ? shown : `${shown}#${anchor}`;
  };
  process.stdout.write(flags.format === 'markdown' ? markdown : markdownForTerminal(markdown, { color, link }));
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
