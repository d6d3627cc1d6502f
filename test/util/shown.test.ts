import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clipped, notShown, quotable, shown, SHOWN_MAX } from '../../src/util/shown.ts';
import type { Shape } from '../../src/util/shown.ts';

const NAME: Shape = { noun: 'name', pattern: /^[a-z]+$/, max: 8 };
const ANY: Shape = { noun: 'text', pattern: /^/ };

describe('shown: text of a file the user named, quoted only when short, printable and of the expected shape', () => {
  test('a name is quoted; the wrong shape, too long or unprintable text is told by its length', () => {
    assert.equal(shown('colour', NAME), "'colour'");
    assert.equal(shown('Colour', NAME), '(not shown: 6 characters that are no name)');
    assert.equal(shown('abcdefghi', NAME), '(not shown: 9 characters that are no name)');
    assert.equal(notShown('abc'), '(not shown: 3 characters)');
  });

  test('no control character, escape sequence or non-ASCII letter reaches a terminal, whatever the shape allows', () => {
    for (const text of ['a\x1b[31mred', 'a\tb', 'nul\0', 'bell\x07', 'dél', 'a\u202eb', 'line\nbreak']) {
      assert.equal(quotable(text, ANY), false, JSON.stringify(text));
    }
    assert.equal(quotable('printable text, with spaces', ANY), true);
  });

  test('no shape quotes more than SHOWN_MAX characters, even one that asks for more', () => {
    assert.equal(quotable('a'.repeat(SHOWN_MAX), ANY), true);
    assert.equal(quotable('a'.repeat(SHOWN_MAX + 1), ANY), false);
    assert.equal(quotable('a'.repeat(SHOWN_MAX + 1), { ...ANY, max: 10_000 }), false);
  });

  test('clipped: a value whole up to the bound, else its start and its length, never half a surrogate pair', () => {
    assert.equal(clipped('a'.repeat(SHOWN_MAX)), 'a'.repeat(SHOWN_MAX));
    assert.equal(clipped('a'.repeat(SHOWN_MAX + 1)), `${'a'.repeat(SHOWN_MAX)}… (${SHOWN_MAX + 1} characters)`);
    assert.equal(clipped('abcdef', 3), 'abc… (6 characters)');
    assert.equal(clipped('ab\u{1f600}cd', 3), 'ab… (6 characters)');
  });
});
