import { isAlias, isPair, isScalar, LineCounter, parseDocument, visit } from 'yaml';
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
  // Refused before the library sees it (QA41-60): 4 MB of brackets took it 161 s and 2.2 GB to say so.
  const deep = tooDeepAt(text);
  if (deep !== undefined) return { ok: false, line: deep, text: `nested too deeply to read (more than ${MAX_NESTING} levels)` };
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

/** The deepest nesting of flow collections (`[`, `{`) or of sequences begun on one line (`- - -`) a YAML file may have. */
export const MAX_NESTING = 256;

const SPACE = 0x20;
const TAB = 0x09;
const NL = 0x0a;
const CR = 0x0d;

/**
 * The line (1-based) where `text` nests flow collections, or sequences started on one line, deeper than
 * {@link MAX_NESTING}, else undefined: one pass over the text, in milliseconds for the largest file read, where the
 * yaml library took minutes and gigabytes to find out (QA41-60). Outside a flow collection a bracket opens one only
 * where a value starts (after a blank or at the start of a line: `a[b` is a plain scalar's text); a quoted scalar
 * (begun where a value starts) and a comment are skipped, a quoted scalar up to its line's end at most, so that a
 * stray quote cannot hide the brackets after it. It may count a few more levels than the library would, never fewer
 * than the brackets a flow collection really opens.
 */
export function tooDeepAt(text: string): number | undefined {
  let depth = 0;
  let line = 1;
  let lineStart = true;
  let prev = NL;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (lineStart) {
      // Sequences begun on one line (`- - - x`, `? ? x`): each indicator is a level.
      let at = i;
      while (at < n && (text.charCodeAt(at) === SPACE || text.charCodeAt(at) === TAB)) at++;
      let items = 0;
      while (at + 1 < n && (text.charCodeAt(at) === 0x2d || text.charCodeAt(at) === 0x3f) && (text.charCodeAt(at + 1) === SPACE || text.charCodeAt(at + 1) === TAB)) {
        items++;
        at += 2;
        while (at < n && (text.charCodeAt(at) === SPACE || text.charCodeAt(at) === TAB)) at++;
      }
      if (depth + items > MAX_NESTING) return line;
      lineStart = false;
      i = at;
      if (i >= n) break;
      c = text.charCodeAt(i);
      prev = SPACE;
    }
    if (c === NL) {
      line++;
      lineStart = true;
      prev = NL;
      continue;
    }
    const valueStarts = prev === SPACE || prev === TAB || prev === NL || prev === CR || (depth > 0 && (prev === 0x5b || prev === 0x7b || prev === 0x2c));
    if (c === 0x23 && (prev === SPACE || prev === TAB || prev === NL)) {
      // A comment, to the end of the line.
      while (i + 1 < n && text.charCodeAt(i + 1) !== NL) i++;
      continue;
    }
    if ((c === 0x22 || c === 0x27) && valueStarts) {
      // A quoted scalar: to its closing quote, or the end of the line.
      const quote = c;
      while (i + 1 < n && text.charCodeAt(i + 1) !== NL) {
        i++;
        const q = text.charCodeAt(i);
        if (quote === 0x22 && q === 0x5c) i++;
        else if (q === quote) {
          if (quote === 0x27 && text.charCodeAt(i + 1) === 0x27) i++;
          else break;
        }
      }
      prev = quote;
      continue;
    }
    if ((c === 0x5b || c === 0x7b) && (depth > 0 || valueStarts)) {
      if (++depth > MAX_NESTING) return line;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth--;
    }
    prev = c;
  }
  return undefined;
}

/** An anchor's name as a message quotes it (the text may be a file of secrets given by mistake). */
const ANCHOR: Shape = { noun: 'anchor name', pattern: /^[A-Za-z0-9_.-]+$/, max: 40 };

/**
 * The first alias that names no anchor before it (`defaults: *common` where the anchor is `&comon`). The yaml library
 * records no error for it, and its value was read as empty: the whole fleet was audited without the credentials and
 * labels of its defaults, exit 0 (QA39-56). One walk in document order, the order in which an alias finds its anchor.
 */
/** Whether a node sits as the value of a key that names a secret (`password:`, `auth-pass:` …). */
function underSecretKey(parent: unknown): boolean {
  return isPair(parent) && isScalar(parent.key) && /pass|secret|token|auth/i.test(String(parent.key.value));
}

function unresolvedAlias(doc: Document): { name: string; at: number | undefined } | undefined {
  const anchors = new Set<string>();
  let found: { name: string; at: number | undefined } | undefined;
  visit(doc, {
    Node: (_key, node, path) => {
      if (isAlias(node)) {
        if (!anchors.has(node.source)) {
          // An unquoted password that starts with `*` is read as an alias (QA42-2): under a key that holds a secret
          // the name is not shown.
          const shown = quotable(node.source, ANCHOR) && !underSecretKey(path.at(-1));
          found = { name: shown ? `alias *${node.source}` : `an alias ${notShown(node.source, ANCHOR.noun)}`, at: node.range?.[0] };
          return visit.BREAK;
        }
      } else if (node.anchor !== undefined) anchors.add(node.anchor);
      return undefined;
    },
  });
  return found;
}
