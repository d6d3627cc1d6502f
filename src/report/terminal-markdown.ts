import pc from 'picocolors';

/**
 * A rule page (docs/rules/<id>.md) as a terminal shows it best: headings bold (underlined for the title),
 * code blocks indented without their fences, `**bold**` and `code` marks removed (or bold with colours),
 * links as `text (url)` (`options.link` rewrites a link's target), tables as aligned columns. Pure.
 */
export function markdownForTerminal(markdown: string, options: { color: boolean; link?: (url: string) => string }): string {
  const c = pc.createColors(options.color);
  const link = options.link ?? ((url: string) => url);
  const inline = (text: string): string =>
    text
      .replace(/\[([^\]]+)\]\(([^)]+)\)/g, (_, label: string, url: string) => {
        const shown = link(url);
        return label === shown ? shown : `${label} (${shown})`;
      })
      .replace(/\*\*([^*]+)\*\*/g, (_, t: string) => c.bold(t))
      .replace(/`([^`]+)`/g, (_, t: string) => c.cyan(t));
  const out: string[] = [];
  // A fence may be indented (a code block inside a list item): its lines keep their place under the item.
  let fenced: string | undefined;
  let table: string[][] = [];
  const flushTable = (): void => {
    if (table.length === 0) return;
    const rows = table.filter((r) => !r.every((cell) => /^:?-+:?$/.test(cell) || cell === ''));
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').replace(/`/g, '').length)));
    for (const r of rows) out.push(`  ${r.map((cell, i) => inline(cell) + ' '.repeat(Math.max(0, widths[i]! - cell.replace(/`/g, '').length))).join('  ').trimEnd()}`);
    table = [];
  };
  for (const line of markdown.split('\n')) {
    const fence = /^(\s*)```/.exec(line);
    if (fence) {
      fenced = fenced === undefined ? fence[1]! : undefined;
      continue;
    }
    if (fenced !== undefined) {
      const body = line.startsWith(fenced) ? line.slice(fenced.length) : line.trimStart();
      out.push(`${fenced}    ${c.dim(body)}`);
      continue;
    }
    if (/^\s*\|.*\|\s*$/.test(line)) {
      table.push(line.trim().slice(1, -1).split('|').map((cell) => cell.trim()));
      continue;
    }
    flushTable();
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const text = inline(heading[2]!);
      out.push(heading[1]!.length === 1 ? c.bold(c.underline(text)) : c.bold(text));
      continue;
    }
    out.push(inline(line));
  }
  flushTable();
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
