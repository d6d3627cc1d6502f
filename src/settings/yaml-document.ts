import { LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { yamlErrorText } from './types.ts';

/** A YAML file read: its document and line counter, or the first thing the parser could not read. */
export type ReadYaml =
  | { readonly ok: true; readonly doc: Document; readonly lines: LineCounter }
  | {
      readonly ok: false;
      /** The line the parser had reached. */
      readonly line: number;
      /** What is wrong, in a user's words ({@link yamlErrorText}). */
      readonly text: string;
    };

/**
 * `parseDocument` for `.redfort.yaml`, an inventory and the exporter's config, with the document's first error as a
 * line and a text. The yaml library records a document nested deeper than its stack in `doc.errors` as a rule, but
 * throws V8's RangeError out of `parseDocument` itself when thousands of block mappings close on one dedented line
 * (its generator `pop` recursion): that was `unexpected error: Maximum call stack size exceeded`, no file or line
 * (QA39-51). It is said as the other ones are, at the line the parser had reached (the dedented line).
 */
export function readYaml(text: string, options: { readonly uniqueKeys: boolean }): ReadYaml {
  const lines = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: options.uniqueKeys });
  } catch (error) {
    if (!(error instanceof RangeError) || !/Maximum call stack size exceeded/.test(error.message)) throw error;
    return { ok: false, line: Math.max(1, lines.lineStarts.length), text: yamlErrorText(error.message) };
  }
  const syntax = doc.errors[0];
  if (syntax) return { ok: false, line: lines.linePos(syntax.pos[0]).line, text: yamlErrorText(syntax.message) };
  return { ok: true, doc, lines };
}
