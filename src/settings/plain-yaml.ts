import { Document, LineCounter, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Node } from 'yaml';

/**
 * The document of a plain YAML text, built without the yaml library's parser: block mappings and sequences of plain
 * or simply quoted scalars, one-line flow mappings of them, comments. The same nodes (yaml's classes, with their
 * source offsets) and the same line counter as `parseDocument` gives, at a tenth of its time and memory: a 20,000
 * target inventory took 2.7 s and 240 MB in `parseDocument` alone.
 *
 * Anything else (anchors, tags, multi-line or block scalars, escapes, flow sequences, nested flow, tabs, CR,
 * document markers, an empty value, a scalar the core schema reads as null, a float or a big number) is not
 * plain: undefined, and the caller parses the text with the yaml library. A text this reads is one the library
 * reads to the same nodes (test/fleet/inventory.test.ts compares them).
 */
export function readPlainYaml(text: string): { doc: Document; lines: LineCounter } | undefined {
  if (text.includes('\r') || text.includes('\t')) return undefined;
  const lines = new LineCounter();
  const tokens: Token[] = [];
  let start = 0;
  for (;;) {
    lines.addNewLine(start);
    const end = text.indexOf('\n', start);
    const line = end === -1 ? text.slice(start) : text.slice(start, end);
    const body = line.trimStart();
    if (body !== '' && !body.startsWith('#')) {
      const indent = line.length - body.length;
      if (indent === 0 && (body.startsWith('---') || body.startsWith('...') || body.startsWith('%'))) return undefined;
      tokens.push({ indent, text: body.trimEnd(), offset: start + indent });
    }
    if (end === -1) break;
    start = end + 1;
  }
  if (tokens.length === 0) return undefined;
  try {
    const reader = new Reader(tokens);
    const root = reader.block(0, tokens[0]!.indent);
    if (reader.at !== tokens.length || tokens[0]!.indent !== 0) return undefined;
    const doc = new Document();
    doc.contents = root as Document['contents'];
    return { doc, lines };
  } catch (error) {
    if (error === NOT_PLAIN) return undefined;
    throw error;
  }
}

interface Token {
  readonly indent: number;
  readonly text: string;
  readonly offset: number;
}

const NOT_PLAIN = Symbol('not plain');

/**
 * The deepest nesting read here (an inventory needs four levels or so); deeper goes to the library, which reports
 * it as a document error: thousands of levels overflowed this reader's stack.
 */
const MAX_DEPTH = 64;

/** The library refuses an implicit key longer than this; so this reader leaves such a key to it. */
const MAX_KEY = 1024;
const notPlain = (): never => {
  throw NOT_PLAIN;
};

/** `key:` or `key: value` at the start of a text, the key plain. */
const KEY = /^([^\s'"&*!|>%@`#{}[\],?:-][^:#]*?|-[^\s:#][^:#]*?):(?: +(.*))?$/;

class Reader {
  at = 0;
  #depth = 0;

  constructor(private readonly tokens: Token[]) {}

  /** The node at this token, a mapping or a sequence, whose lines start at `indent`. */
  block(index: number, indent: number): Node {
    this.at = index;
    const token = this.tokens[index] ?? notPlain();
    if (token.indent !== indent || ++this.#depth > MAX_DEPTH) notPlain();
    try {
      return isItem(token.text) ? this.sequence(indent) : this.mapping(indent);
    } finally {
      this.#depth--;
    }
  }

  private mapping(indent: number): YAMLMap {
    const map = new YAMLMap();
    const first = this.tokens[this.at]!;
    while (this.at < this.tokens.length) {
      const token = this.tokens[this.at]!;
      if (token.indent < indent) break;
      if (token.indent > indent || isItem(token.text)) notPlain();
      const match = KEY.exec(token.text) ?? notPlain();
      const keyText = match[1]!.trimEnd();
      if (keyText.length > MAX_KEY) notPlain();
      const key = scalarOf(keyText, token.offset, false);
      if (typeof key.value !== 'string') notPlain();
      const rest = match[2];
      this.at++;
      let value: Node;
      if (rest === undefined || rest === '' || rest.startsWith('#')) {
        const next = this.tokens[this.at];
        // A block below the key; a sequence may start at the key's own column.
        if (next && next.indent > indent) value = this.block(this.at, next.indent);
        else if (next && next.indent === indent && isItem(next.text)) value = this.block(this.at, indent);
        else return notPlain();
      } else {
        value = this.inline(rest, token.offset + token.text.length - rest.length);
        this.noContinuation(indent);
      }
      map.items.push(new Pair(key, value));
    }
    map.range = [first.offset, first.offset, first.offset];
    return map;
  }

  private sequence(indent: number): YAMLSeq {
    const seq = new YAMLSeq();
    const first = this.tokens[this.at]!;
    while (this.at < this.tokens.length) {
      const token = this.tokens[this.at]!;
      // A sequence may stand at its key's column: the next key there ends it.
      if (token.indent < indent || (token.indent === indent && !isItem(token.text))) break;
      if (token.indent > indent) notPlain();
      const content = token.text.slice(1).trimStart();
      if (content === '' || content.startsWith('#')) notPlain();
      const column = token.indent + (token.text.length - content.length);
      const offset = token.offset + (token.text.length - content.length);
      if (isItem(content)) notPlain();
      if (KEY.test(content) && !content.startsWith('{')) {
        // `- key: value`: a mapping whose keys stand at the content's column.
        this.tokens[this.at] = { indent: column, text: content, offset };
        seq.items.push(this.mapping(column));
      } else {
        this.at++;
        seq.items.push(this.inline(content, offset));
        this.noContinuation(indent);
      }
    }
    seq.range = [first.offset, first.offset, first.offset];
    return seq;
  }

  /** A value on its key's or dash's line: a one-line flow mapping or a scalar. */
  private inline(text: string, offset: number): Node {
    if (text.startsWith('{')) return flowMapping(text, offset);
    return scalarOf(withoutComment(text), offset, false);
  }

  /** What follows a one-line value must not be deeper (a multi-line scalar, or a mapping under a scalar). */
  private noContinuation(indent: number): void {
    const next = this.tokens[this.at];
    if (next && next.indent > indent) notPlain();
  }
}

function isItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** A plain scalar ends before ` #`; a quoted one must be all that is left but a comment. */
function withoutComment(text: string): string {
  if (text.startsWith('"') || text.startsWith("'")) {
    const close = text.indexOf(text[0]!, 1);
    if (close === -1) notPlain();
    const after = text.slice(close + 1);
    if (after !== '' && !/^ +#/.test(after)) notPlain();
    return text.slice(0, close + 1);
  }
  const hash = text.search(/ #/);
  return (hash === -1 ? text : text.slice(0, hash)).trimEnd();
}

/** `{ a: b, c: "d", e: { f: g } }` on one line, then only a comment: flow mappings of scalars and flow mappings. */
function flowMapping(text: string, offset: number): YAMLMap {
  const scanner = { at: 0 };
  const map = flowMap(text, offset, scanner);
  const after = text.slice(scanner.at);
  if (after !== '' && !/^ +#/.test(after)) notPlain();
  return map;
}

function flowMap(text: string, offset: number, scanner: { at: number }, depth = 1): YAMLMap {
  if (depth > MAX_DEPTH) notPlain();
  const map = new YAMLMap();
  map.flow = true;
  const open = scanner.at;
  scanner.at++;
  const blanks = () => {
    while (text[scanner.at] === ' ') scanner.at++;
  };
  blanks();
  if (text[scanner.at] === '}') {
    scanner.at++;
    map.range = [offset + open, offset + scanner.at, offset + scanner.at];
    return map;
  }
  for (;;) {
    blanks();
    const keyAt = scanner.at;
    const keyText = flowScalarText(text, scanner, true);
    if (keyText.length > MAX_KEY) notPlain();
    const key = scalarOf(keyText, offset + keyAt, true);
    if (typeof key.value !== 'string') notPlain();
    // `key: value`: the colon right after the key, then a blank.
    if (text[scanner.at] !== ':' || text[scanner.at + 1] !== ' ') notPlain();
    scanner.at += 2;
    blanks();
    let value: Node;
    if (text[scanner.at] === '{') value = flowMap(text, offset, scanner, depth + 1);
    else {
      const valueAt = scanner.at;
      value = scalarOf(flowScalarText(text, scanner, false), offset + valueAt, true);
    }
    map.items.push(new Pair(key, value));
    blanks();
    const c = text[scanner.at];
    scanner.at++;
    if (c === '}') break;
    // A trailing comma (`{ a: b, }`) is YAML; its nodes in the yaml library are not worth matching here.
    if (c !== ',') notPlain();
    blanks();
    if (text[scanner.at] === '}') notPlain();
  }
  map.range = [offset + open, offset + scanner.at, offset + scanner.at];
  return map;
}

/** A flow scalar's text: quoted to its closing quote, plain to the `: ` of a key or the `,`/`}` after a value. */
function flowScalarText(text: string, scanner: { at: number }, key: boolean): string {
  const from = scanner.at;
  const q = text[from];
  if (q === '"' || q === "'") {
    const close = text.indexOf(q, from + 1);
    if (close === -1) notPlain();
    scanner.at = close + 1;
    return text.slice(from, close + 1);
  }
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ',' || c === '}') break;
    if (key && c === ':' && text[i + 1] === ' ') break;
    if (c === '{' || c === '[' || c === ']') notPlain();
    i++;
  }
  scanner.at = i;
  return text.slice(from, i).trimEnd();
}

/**
 * A scalar as YAML 1.2's core schema reads it: quoted (no escape, no inner quote) is a string; plain is a boolean,
 * a small decimal integer or a string. A plain scalar that would be null, a float, octal, hexadecimal, an
 * infinity or a big integer, or that holds an indicator, is not plain.
 */
function scalarOf(text: string, offset: number, flow: boolean): Scalar {
  let value: string | number | boolean;
  if (text.startsWith('"') || text.startsWith("'")) {
    const q = text[0]!;
    if (text.length < 2 || !text.endsWith(q) || text.slice(1, -1).includes(q) || (q === '"' && text.includes('\\'))) notPlain();
    value = text.slice(1, -1);
  } else {
    if (text === '' || /^[-?:,[\]{}#&*!|>'"%@`]/.test(text) || /: |:$| #/.test(text) || (flow && /[,[\]{}]/.test(text))) notPlain();
    if (/^(?:true|True|TRUE)$/.test(text)) value = true;
    else if (/^(?:false|False|FALSE)$/.test(text)) value = false;
    else if (/^[0-9]{1,15}$/.test(text)) value = Number(text);
    else if (/^(?:~|null|Null|NULL)$|^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$|^0o[0-7]+$|^0x[0-9a-fA-F]+$/.test(text)) {
      return notPlain();
    } else value = text;
  }
  const scalar = new Scalar(value);
  scalar.range = [offset, offset + text.length, offset + text.length];
  // As the yaml library keeps it: the text as written (a label `rack: 007` is shown so, not as 7).
  if (typeof value !== 'string') scalar.source = text;
  return scalar;
}
