import type { Reporter } from './types.ts';
import { clipped } from '../util/shown.ts';

/** The output formats, by name: what --format accepts. */
export const FORMATS = ['text', 'json', 'jsonl', 'sarif', 'junit', 'html', 'markdown', 'markdown-comment'] as const;

/**
 * The reporter of one format, loaded when a run asks for it: the CLI does not load the HTML page's styles and
 * script, or the SARIF mapping, for a run that prints text. (REPORTERS in index.ts holds them all, for the library.)
 */
export async function loadReporter(format: string): Promise<Reporter> {
  switch (format) {
    case 'text': return (await import('./text.ts')).textReporter;
    case 'json': return (await import('./json.ts')).jsonReporter;
    case 'jsonl': return (await import('./jsonl.ts')).jsonlReporter;
    case 'sarif': return (await import('./sarif.ts')).sarifReporter;
    case 'junit': return (await import('./junit.ts')).junitReporter;
    case 'html': return (await import('./html.ts')).htmlReporter;
    case 'markdown': return (await import('./markdown.ts')).markdownReporter;
    case 'markdown-comment': return (await import('./markdown.ts')).markdownCommentReporter;
    default: throw new Error(`unknown format '${clipped(format)}'`);
  }
}
