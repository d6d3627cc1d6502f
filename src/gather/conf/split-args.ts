const UTF8 = new TextDecoder('utf-8', { fatal: true });
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/** `isspace()` in the C locale, which the server runs its parser under. */
function isCSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

function isHexDigit(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

/**
 * One argument as bytes: literal characters are appended as their UTF-8 encoding and `\xHH` as the
 * single byte HH, which is exactly what the server holds when the file is UTF-8.
 */
class TokenBytes {
  private readonly bytes: number[] = [];

  addChar(c: string): void {
    const code = c.codePointAt(0)!;
    if (code < 0x80) this.bytes.push(code);
    else for (const b of Buffer.from(c, 'utf8')) this.bytes.push(b);
  }

  addByte(b: number): void {
    this.bytes.push(b);
  }

  toString(): string {
    const buf = Uint8Array.from(this.bytes);
    try {
      return UTF8.decode(buf);
    } catch {
      // Not UTF-8 (e.g. `"\xff"`): one character per byte, so nothing is lost, but the
      // string no longer re-encodes to the server's bytes.
      return Buffer.from(buf).toString('latin1');
    }
  }
}

/**
 * Splits one line into arguments exactly as `sdssplitargs` (redis@7.0.15:src/sds.c:1083) does for
 * redis.conf, the command line and `redis-cli`:
 *
 * - arguments are separated by whitespace; outside quotes there are no escapes;
 * - a quote may start in the middle of an argument (`foo"bar baz"` is `foobar baz`);
 * - in double quotes `\n \r \t \b \a`, `\xHH` (one byte) and `\<any>` (that character) are escapes;
 * - in single quotes only `\'` is;
 * - a closing quote must be followed by whitespace or the end of the line, and an unterminated
 *   quote is an error (the server's `Unbalanced quotes`);
 * - `""` and `''` are empty arguments.
 *
 * The input is text (a JS string, as read from a UTF-8 file). Each argument is built as bytes and
 * decoded back as UTF-8, so `"\xc3\xa9"` and `"é"` give the same string and a password's digest is that
 * of the server's bytes. An argument whose bytes are not valid UTF-8 falls back to one character per
 * byte (latin1).
 */
export function splitArgs(line: string): string[] | { error: string } {
  // Most lines (`port 6379`, `save 3600 1`) are printable ASCII, blanks and tabs, without a quote: then no escape
  // applies, every byte is its character, and the arguments are the runs between blanks and tabs. The walk below
  // makes an array of the line's characters and bytes per argument, for each line of each target's files.
  if (PLAIN_LINE.test(line)) return line.match(PLAIN_ARGUMENT) ?? [];
  return splitArgsQuoted(line);
}

/** A line {@link splitArgs} splits at blanks and tabs: printable ASCII, blanks and tabs only, no quote. */
const PLAIN_LINE = /^[\t\x20-\x21\x23-\x26\x28-\x7e]*$/;
const PLAIN_ARGUMENT = /[^ \t]+/g;

/** {@link splitArgs} for any line: the server's walk, quotes and escapes included. Exported for its tests. */
export function splitArgsQuoted(line: string): string[] | { error: string } {
  const chars = Array.from(line);
  const args: string[] = [];
  let p = 0;
  // The server works on a C string: a NUL ends the line.
  const at = (i: number): string | undefined => (chars[i] === '\0' ? undefined : chars[i]);

  for (;;) {
    while (at(p) !== undefined && isCSpace(at(p))) p++;
    if (at(p) === undefined) return args;

    const token = new TokenBytes();
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = at(p);
      if (inDouble) {
        if (c === '\\' && at(p + 1) === 'x' && isHexDigit(at(p + 2)) && isHexDigit(at(p + 3))) {
          token.addByte(parseInt(at(p + 2)! + at(p + 3)!, 16));
          p += 3;
        } else if (c === '\\' && at(p + 1) !== undefined) {
          p++;
          const e = at(p)!;
          token.addChar(ESCAPES[e] ?? e);
        } else if (c === '"') {
          if (at(p + 1) !== undefined && !isCSpace(at(p + 1))) return { error: 'Unbalanced quotes' };
          done = true;
        } else if (c === undefined) {
          return { error: 'Unbalanced quotes' };
        } else {
          token.addChar(c);
        }
      } else if (inSingle) {
        if (c === '\\' && at(p + 1) === "'") {
          p++;
          token.addChar("'");
        } else if (c === "'") {
          if (at(p + 1) !== undefined && !isCSpace(at(p + 1))) return { error: 'Unbalanced quotes' };
          done = true;
        } else if (c === undefined) {
          return { error: 'Unbalanced quotes' };
        } else {
          token.addChar(c);
        }
      } else if (c === undefined || c === ' ' || c === '\n' || c === '\r' || c === '\t') {
        // Only these four end an unquoted argument; \v and \f do not (they only count as leading blanks).
        done = true;
      } else if (c === '"') {
        inDouble = true;
      } else if (c === "'") {
        inSingle = true;
      } else {
        token.addChar(c);
      }
      if (at(p) !== undefined) p++;
    }
    args.push(token.toString());
  }
}

/** `isspace()` in the C locale, as a UTF-16 code unit. */
function isCSpaceCode(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isHexCode(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * How many arguments {@link splitArgs} splits the line into, or undefined where it refuses the line (unbalanced
 * quotes), found without making them: for a line redfort only checks as the server reads it, or counts before it
 * decides to split it (a `user` line near the bounds of one configuration, which may be 16 MiB long). The walk of
 * {@link splitArgsQuoted} on UTF-16 code units: every character it tests is ASCII, which no unit of another character
 * equals. The line holds no NUL (the tokenizer refuses those first).
 */
export function argCount(line: string): number | undefined {
  const n = line.length;
  if (PLAIN_LINE.test(line)) {
    let count = 0;
    for (let i = 0, inArg = false; i < n; i++) {
      const c = line.charCodeAt(i);
      const blank = c === 0x20 || c === 0x09;
      if (!blank && !inArg) count++;
      inArg = !blank;
    }
    return count;
  }
  const code = (i: number): number => (i < n ? line.charCodeAt(i) : -1);
  let p = 0;
  let count = 0;
  for (;;) {
    while (p < n && isCSpaceCode(code(p))) p++;
    if (p >= n) return count;
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = code(p);
      if (inDouble) {
        if (c === 0x5c && code(p + 1) === 0x78 && isHexCode(code(p + 2)) && isHexCode(code(p + 3))) p += 3;
        else if (c === 0x5c && p + 1 < n) p++;
        else if (c === 0x22) {
          if (p + 1 < n && !isCSpaceCode(code(p + 1))) return undefined;
          done = true;
        } else if (c === -1) return undefined;
      } else if (inSingle) {
        if (c === 0x5c && code(p + 1) === 0x27) p++;
        else if (c === 0x27) {
          if (p + 1 < n && !isCSpaceCode(code(p + 1))) return undefined;
          done = true;
        } else if (c === -1) return undefined;
      } else if (c === -1 || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        done = true;
      } else if (c === 0x22) {
        inDouble = true;
      } else if (c === 0x27) {
        inSingle = true;
      }
      if (p < n) p++;
    }
    count++;
  }
}
