import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitArgs, splitArgsQuoted, argCount } from '../../src/gather/conf/split-args.ts';
import { slowdown } from '../helpers/timing.ts';

// Each expectation is what sdssplitargs (redis@7.0.15:src/sds.c:1083) yields; the server test checks a
// subset of them against redis-server itself.
const cases: readonly { name: string; line: string; args: string[] | { error: string } }[] = [
  { name: 'plain words', line: 'port 6379', args: ['port', '6379'] },
  { name: 'runs of blanks and tabs', line: '  bind \t 127.0.0.1   ::1  ', args: ['bind', '127.0.0.1', '::1'] },
  { name: 'no escapes outside quotes', line: 'dir c:\\data\\n', args: ['dir', 'c:\\data\\n'] },
  { name: 'double quotes keep spaces', line: 'requirepass "a b"', args: ['requirepass', 'a b'] },
  { name: 'quote starting mid-token', line: 'x foo"bar baz"', args: ['x', 'foobar baz'] },
  { name: 'single quote mid-token', line: "x foo'bar baz'", args: ['x', 'foobar baz'] },
  { name: '\\n \\r \\t \\b \\a escapes', line: 'x "\\n\\r\\t\\b\\a"', args: ['x', '\n\r\t\b\x07'] },
  { name: '\\xHH escape', line: 'x "\\x41\\x62"', args: ['x', 'Ab'] },
  { name: '\\xHH with upper-case hex', line: 'x "\\x4A"', args: ['x', 'J'] },
  { name: 'invalid \\x is a plain x', line: 'x "\\xZZ"', args: ['x', 'xZZ'] },
  { name: '\\x with one hex digit', line: 'x "\\x4"', args: ['x', 'x4'] },
  { name: 'escaped quote and backslash', line: 'x "a\\"b\\\\c"', args: ['x', 'a"b\\c'] },
  { name: 'backslash before any other char', line: 'x "\\q"', args: ['x', 'q'] },
  { name: 'reference example', line: 'requirepass "p a\\"ss\\x41"', args: ['requirepass', 'p a"ssA'] },
  { name: "single quotes: only \\' escapes", line: "x 'it\\'s \\n'", args: ['x', "it's \\n"] },
  { name: 'single quotes keep double quotes', line: `x '"a"'`, args: ['x', '"a"'] },
  { name: 'empty double quotes', line: 'save ""', args: ['save', ''] },
  { name: 'empty single quotes', line: "logfile ''", args: ['logfile', ''] },
  { name: 'two empty args', line: `x "" ''`, args: ['x', '', ''] },
  { name: 'closing quote then tab', line: 'x "a"\tb', args: ['x', 'a', 'b'] },
  { name: 'UTF-8 literal', line: 'dir "/tmp/运行后"', args: ['dir', '/tmp/运行后'] },
  { name: '\\xHH bytes forming UTF-8', line: 'x "\\xc3\\xa9"', args: ['x', 'é'] },
  { name: 'bytes that are not UTF-8 fall back to latin1', line: 'x "\\xff"', args: ['x', '\u00ff'] },
  { name: 'vertical tab does not end a word', line: 'x a\vb', args: ['x', 'a\vb'] },
  { name: 'vertical tab is a leading blank', line: '\vx', args: ['x'] },
  { name: 'NUL ends the line', line: 'x a\0b c', args: ['x', 'a'] },
  { name: 'a # is an ordinary word', line: 'requirepass x # y', args: ['requirepass', 'x', '#', 'y'] },
  { name: 'only blanks', line: ' \t ', args: [] },
  { name: 'closing quote followed by text', line: 'x "abc"def', args: { error: 'Unbalanced quotes' } },
  { name: 'closing single quote followed by text', line: "x 'abc'def", args: { error: 'Unbalanced quotes' } },
  { name: 'two quoted parts glued', line: 'x "a""b"', args: { error: 'Unbalanced quotes' } },
  { name: 'unterminated double quote', line: 'x "abc', args: { error: 'Unbalanced quotes' } },
  { name: 'unterminated single quote', line: "x 'abc", args: { error: 'Unbalanced quotes' } },
  { name: 'backslash at the very end in quotes', line: 'x "abc\\', args: { error: 'Unbalanced quotes' } },
  { name: "escaped closing single quote leaves it open", line: "x 'abc\\'", args: { error: 'Unbalanced quotes' } },
];

describe('splitArgs', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(splitArgs(c.line), c.args);
    });
  }
});

describe('splitArgs on plain lines', () => {
  it('splits as the server\'s walk does, whatever the line (random lines of blanks, tabs, quotes, escapes, NUL, non-ASCII)', () => {
    // A fixed seed: the same lines each run.
    let seed = 0x2545f491;
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x100000000;
    };
    const alphabet = ['a', 'Z', '0', '#', '\\', '/', ':', '-', '*', ' ', ' ', '\t', '\v', '\f', '\r', '\n', '"', "'", '\0', 'é', '运', '\x7f', '~'];
    let plain = 0;
    for (let n = 0; n < 5000; n++) {
      const line = Array.from({ length: Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      if (/^[\t\x20-\x7e]*$/.test(line) && !/["']/.test(line)) plain++;
      assert.deepEqual(splitArgs(line), splitArgsQuoted(line), JSON.stringify(line));
    }
    assert.ok(plain > 500, `${plain} plain lines`);
  });
});

describe('argCount', () => {
  it('is how many arguments splitArgs splits the line into, or undefined where it refuses it (random lines of blanks, quotes, escapes, non-ASCII; no NUL, which the tokenizer refuses first)', () => {
    let seed = 0x1b873593;
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x100000000;
    };
    const alphabet = ['a', 'x', 'f', '0', '\\', ' ', '\t', '\v', '\f', '\r', '\n', '"', '"', "'", "'", 'é', '😀', '~'];
    let refused = 0;
    for (let n = 0; n < 20_000; n++) {
      const line = Array.from({ length: Math.floor(next() * 14) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
      const split = splitArgsQuoted(line);
      if (!Array.isArray(split)) refused++;
      assert.equal(argCount(line), Array.isArray(split) ? split.length : undefined, JSON.stringify(line));
      const plain = line.replace(/["'\\\v\f\r\né😀]/g, 'q');
      assert.equal(argCount(plain), (splitArgs(plain) as string[]).length, `a plain line: ${JSON.stringify(plain)}`);
    }
    assert.ok(refused > 2000 && refused < 18_000, `${refused} lines refused`);
  });

  // One 16 MiB quoted argument (a file may hold one) held 650 MB for 10 s in the CLI: the line as an array of its
  // characters, and the argument's bytes one array element each. argCount makes the same walk without building them.
  it('splits a 16 MiB quoted argument, literal or escaped, in time of the order of argCount', () => {
    const literal = `requirepass "${'x'.repeat(16 * 1024 * 1024 - 20)}"`;
    const escaped = `requirepass "${'\\x41'.repeat(4 * 1024 * 1024 - 20)}"`;
    for (const [name, line, arg] of [['literal', literal, 'x'], ['\\xHH escapes', escaped, 'A']] as const) {
      const split = splitArgsQuoted(line) as string[];
      assert.equal(split.length, 2);
      assert.equal(split[1]!.length, name === 'literal' ? 16 * 1024 * 1024 - 20 : 4 * 1024 * 1024 - 20);
      assert.equal(split[1]![0], arg);
      // The walk this guards against took 10 s for such a line (above); 5.1 times was seen once at load 21 (GC of the
      // 16 MiB strings), so the bound leaves room for load while still catching a return to the old walk.
      const ratio = slowdown(() => splitArgsQuoted(line), () => argCount(line));
      assert.ok(ratio < 12, `${name}: ${ratio.toFixed(1)}x the time of argCount`);
    }
  });
});
