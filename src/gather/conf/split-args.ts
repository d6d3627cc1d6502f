const UTF8 = new TextDecoder('utf-8', { fatal: true });
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/**
 * One argument as bytes: literal text is appended as its UTF-8 encoding and `\xHH` as the single byte HH, which is
 * exactly what the server holds when the file is UTF-8. In one buffer grown as it fills: a byte or a character per
 * array element (and the line as an array of characters) held 650 MB for one 16 MiB quoted argument.
 */
class TokenBytes {
  private bytes = Buffer.allocUnsafe(64);
  private length = 0;

  private room(more: number): void {
    if (this.length + more <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + more));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  /** Text as UTF-8 (a lone surrogate as U+FFFD's bytes, as Buffer.from writes it). */
  addText(text: string): void {
    if (text === '') return;
    this.room(Buffer.byteLength(text, 'utf8'));
    this.length += this.bytes.write(text, this.length, 'utf8');
  }

  addByte(b: number): void {
    this.room(1);
    this.bytes[this.length++] = b;
  }

  toString(): string {
    const buf = this.bytes.subarray(0, this.length);
    try {
      return UTF8.decode(buf);
    } catch {
      // Not UTF-8 (e.g. `"\xff"`): one character per byte, so nothing is lost, but the
      // string no longer re-encodes to the server's bytes.
      return buf.toString('latin1');
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

/**
 * {@link splitArgs} for any line: the server's walk, quotes and escapes included. Exported for its tests. It walks
 * UTF-16 code units: every character it tests is ASCII, which no unit of another character equals, and the text
 * between two of them is taken whole (a run of literal text never ends inside a surrogate pair). A NUL ends the line,
 * as in the server's C string.
 */
export function splitArgsQuoted(line: string): string[] | { error: string } {
  const n = line.length;
  const code = (i: number): number => {
    if (i >= n) return -1;
    const c = line.charCodeAt(i);
    return c === 0 ? -1 : c;
  };
  const args: string[] = [];
  let p = 0;

  for (;;) {
    while (code(p) !== -1 && isCSpaceCode(code(p))) p++;
    if (code(p) === -1) return args;

    const token = new TokenBytes();
    // The literal text from `run` to p, not yet added to the token.
    let run = p;
    const flush = (): void => {
      token.addText(line.slice(run, p));
    };
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = code(p);
      if (inDouble) {
        if (c === 0x5c && code(p + 1) === 0x78 && isHexCode(code(p + 2)) && isHexCode(code(p + 3))) {
          flush();
          token.addByte(parseInt(line.slice(p + 2, p + 4), 16));
          p += 4;
          run = p;
        } else if (c === 0x5c && code(p + 1) !== -1) {
          flush();
          const escaped = ESCAPES[line[p + 1]!];
          if (escaped !== undefined) {
            token.addText(escaped);
            p += 2;
            run = p;
          } else {
            // `\<any>` is that character: it starts the next run of literal text.
            run = p + 1;
            p += 2;
          }
        } else if (c === 0x22) {
          if (code(p + 1) !== -1 && !isCSpaceCode(code(p + 1))) return { error: 'Unbalanced quotes' };
          flush();
          p++;
          done = true;
        } else if (c === -1) {
          return { error: 'Unbalanced quotes' };
        } else {
          p++;
        }
      } else if (inSingle) {
        if (c === 0x5c && code(p + 1) === 0x27) {
          flush();
          run = p + 1;
          p += 2;
        } else if (c === 0x27) {
          if (code(p + 1) !== -1 && !isCSpaceCode(code(p + 1))) return { error: 'Unbalanced quotes' };
          flush();
          p++;
          done = true;
        } else if (c === -1) {
          return { error: 'Unbalanced quotes' };
        } else {
          p++;
        }
      } else if (c === -1 || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        // Only these four end an unquoted argument; \v and \f do not (they only count as leading blanks).
        flush();
        if (c !== -1) p++;
        done = true;
      } else if (c === 0x22 || c === 0x27) {
        flush();
        p++;
        run = p;
        if (c === 0x22) inDouble = true;
        else inSingle = true;
      } else {
        p++;
      }
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
