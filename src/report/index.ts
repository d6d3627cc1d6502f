import type { Reporter } from './types.ts';
import { jsonReporter } from './json.ts';
import { textReporter } from './text.ts';

/** Output formats by name. */
export const REPORTERS: ReadonlyMap<string, Reporter> = new Map([
  ['text', textReporter],
  ['json', jsonReporter],
]);
