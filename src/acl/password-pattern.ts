/**
 * A trivially structured password, told from its clear text where the gatherer sees it (the pattern's name only ever
 * leaves it, never the value): what brute-force tools try right after the short lists (QA41-5). Conservative: a random
 * password never has any of these shapes.
 */

const DIGITS = '0123456789';
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
/** Keyboard rows (QWERTY), alone and run together as people type them. */
const ROWS = ['1234567890qwertyuiopasdfghjklzxcvbnm', 'qwertyuiopasdfghjklzxcvbnm', '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p', 'qwertzuiopasdfghjklyxcvbnm', 'azertyuiopqsdfghjklmwxcvbn'];

/** Whether `text` runs along `sequence` (repeated, either way): `1234567890123456`, `zyxwvu`. */
function along(text: string, sequence: string): boolean {
  const cycle = sequence.repeat(Math.ceil(text.length / sequence.length) + 1);
  return cycle.includes(text) || [...cycle].reverse().join('').includes(text);
}

/** Upper snake case placeholders of templates: REPLACE_WITH_STRONG_PASSWORD, CHANGE_ME_NOW, YOUR_PASSWORD_HERE. */
const PLACEHOLDER = /^(?:(?:REPLACE|CHANGE|SET|ENTER|INSERT|PUT|FILL|UPDATE|YOUR|MY|DEFAULT|EXAMPLE|SAMPLE|DUMMY|TODO|FIXME)_[A-Z0-9_]*|[A-Z0-9_]*_(?:HERE|CHANGE_?ME|CHANGEME)|CHANGEME)$/;

/** A part of at most 16 characters said at least twice, joined by nothing or one separator (no regex: no backtracking). */
function repeated(text: string): boolean {
  for (let k = 1; k <= 16 && 2 * k <= text.length; k++) {
    const unit = text.slice(0, k);
    for (const sep of ['', '-', '_', '.', ' ']) {
      const step = unit + sep;
      const times = Math.round((text.length + sep.length) / step.length);
      if (times >= 2 && step.repeat(times).slice(0, text.length) === text && (text.length + sep.length) % step.length === 0) return true;
    }
  }
  return false;
}

export function passwordPattern(clear: string): string | undefined {
  if (clear.length < 8 || clear.length > 1024) return undefined; // shorter ones fail on their length; longer, a file's hostile bytes
  const lower = clear.toLowerCase();
  if (/^(.)\1+$/su.test(clear)) return 'one character repeated';
  if (/^\d+$/.test(clear) && along(clear, DIGITS)) return 'a run of digits';
  if (/^[a-z]+$/.test(lower) && along(lower, LETTERS)) return 'a run of letters';
  if (ROWS.some((row) => along(lower, row))) return 'a run of keyboard keys';
  if (PLACEHOLDER.test(clear)) return "a template's placeholder (upper snake case, such as REPLACE_WITH_… or CHANGE_ME)";
  // A short part said again, with or without a separator: passwordpassword, changeme-changeme, Password123!Password123!
  if (repeated(lower)) return 'a short part repeated';
  return undefined;
}
