import { isAlias, LineCounter, parseDocument, visit } from 'yaml';
import type { Document } from 'yaml';
import { yamlErrorText } from './types.ts';
import type { Shape } from '../util/shown.ts';
import { notShown, quotable } from '../util/shown.ts';

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
  const alias = text.includes('*') ? unresolvedAlias(doc) : undefined;
  if (alias) {
    return { ok: false, line: alias.at === undefined ? 1 : lines.linePos(alias.at).line, text: `${alias.name} names no anchor set before it: an alias repeats the value of an anchor (&name) written above it` };
  }
  return { ok: true, doc, lines };
}

/** An anchor's name as a message quotes it (the text may be a file of secrets given by mistake). */
const ANCHOR: Shape = { noun: 'anchor name', pattern: /^[A-Za-z0-9_.-]+$/, max: 40 };

/**
 * The first alias that names no anchor before it (`defaults: *common` where the anchor is `&comon`). The yaml library
 * records no error for it, and its value was read as empty: the whole fleet was audited without the credentials and
 * labels of its defaults, exit 0 (QA39-56). One walk in document order, the order in which an alias finds its anchor.
 */
function unresolvedAlias(doc: Document): { name: string; at: number | undefined } | undefined {
  const anchors = new Set<string>();
  let found: { name: string; at: number | undefined } | undefined;
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) {
        if (!anchors.has(node.source)) {
          found = { name: quotable(node.source, ANCHOR) ? `alias *${node.source}` : `an alias ${notShown(node.source, ANCHOR.noun)}`, at: node.range?.[0] };
          return visit.BREAK;
        }
      } else if (node.anchor !== undefined) anchors.add(node.anchor);
      return undefined;
    },
  });
  return found;
}
