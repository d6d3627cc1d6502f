import type { Reporter } from './types.ts';
import { htmlReporter } from './html.ts';
import { jsonReporter } from './json.ts';
import { jsonlReporter } from './jsonl.ts';
import { junitReporter } from './junit.ts';
import { markdownCommentReporter, markdownReporter } from './markdown.ts';
import { sarifReporter } from './sarif.ts';
import { textReporter } from './text.ts';

/** Output formats by name. */
export const REPORTERS: ReadonlyMap<string, Reporter> = new Map([
  ['text', textReporter],
  ['json', jsonReporter],
  ['jsonl', jsonlReporter],
  ['sarif', sarifReporter],
  ['junit', junitReporter],
  ['html', htmlReporter],
  ['markdown', markdownReporter],
  ['markdown-comment', markdownCommentReporter],
]);
