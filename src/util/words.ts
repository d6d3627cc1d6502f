/**
 * Splits a line into words as a shell (and logrotate's popt) does: blanks separate, single and double quotes
 * group, a backslash escapes the next character (inside double quotes too).
 */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** `a`, `a and b`, `a, b and c` (nothing for none). */
export function listed(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** `a` or `an` before a number as it is read aloud: an 8, an 11, an 18, an 80 or 800-something; a 1, a 16. */
export function articleFor(n: number): 'a' | 'an' {
  // The group read first: 11 of 11,000, 800 of 800,000.
  let lead = Math.floor(Math.abs(n));
  while (lead >= 1000) lead = Math.floor(lead / 1000);
  return String(lead).startsWith('8') || lead === 11 || lead === 18 ? 'an' : 'a';
}

/**
 * A list of warnings said in a few lines: the first `shown` items each in a line of its own, the others counted in
 * one line at the end (an inventory pasted a thousand times over is ten warnings and a count, not a thousand).
 * Items are added one by one, so that the ones only counted are never made.
 */
export class FirstThenCount<W> {
  readonly #shown: number;
  readonly #said: W[] = [];
  #more = 0;

  constructor(shown: number) {
    this.#shown = shown;
  }

  /** Says an item (`say` is called only while fewer than `shown` are said), or counts it. */
  add(say: () => W): void {
    if (this.#said.length < this.#shown) this.#said.push(say());
    else this.#more += 1;
  }

  /** The items said, then `rest(count)` when some were only counted. */
  lines(rest: (count: number) => W): W[] {
    return this.#more > 0 ? [...this.#said, rest(this.#more)] : [...this.#said];
  }
}
