/**
 * Whether a message may quote text read from a file the user named. The file may be another one given by mistake
 * (`/proc/self/environ`, `/etc/shadow`, an ACL file with passwords): its text is quoted only when it is short,
 * printable ASCII (nothing that moves a terminal's cursor, recolours it or hides behind lookalike letters) and shaped
 * like what was expected there; else only its length is told.
 */
export interface Shape {
  /** What the text should have been, for the message: `(not shown: 35 characters that are no key name)`. */
  readonly noun: string;
  /** What the expected text looks like; it is tested after the length and the printable characters. */
  readonly pattern: RegExp;
  /** A narrower length limit than SHOWN_MAX (a name is short); a wider one is ignored. */
  readonly max?: number;
}

/** No text longer than this is quoted, whatever its shape: a line of a file, not the file. */
export const SHOWN_MAX = 200;

const PRINTABLE = /^[\x20-\x7e]*$/;

/** Whether `text` may be quoted in a message as the `shape` it should be. */
export function quotable(text: string, shape: Shape): boolean {
  return text.length <= Math.min(shape.max ?? SHOWN_MAX, SHOWN_MAX) && PRINTABLE.test(text) && shape.pattern.test(text);
}

/** `'text'` when it may be quoted, else what notShown says of it. */
export function shown(text: string, shape: Shape): string {
  return quotable(text, shape) ? `'${text}'` : notShown(text, shape.noun);
}

/** The wording for text that is not quoted: `(not shown: 35 characters that are no key name)`. */
export function notShown(text: string, noun?: string): string {
  return `(not shown: ${text.length} characters${noun === undefined ? '' : ` that are no ${noun}`})`;
}

/**
 * A value read from a server (or any text a message quotes that its sender chose), as a message quotes it: whole up
 * to `max` characters, else its start and its length. A hostile server's 10 MB `save`, error or banner would be
 * quoted whole in every finding, reason and report format. Never cuts a surrogate pair in two.
 */
export function clipped(text: string, max: number = SHOWN_MAX): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text[max - 1] ?? '') ? max - 1 : max;
  return `${text.slice(0, end)}… (${text.length} characters)`;
}

/** A short printable value, JSON-quoted (it may hold quotes). */
const VALUE: Shape = { noun: 'short printable text', pattern: /^/, max: 64 };

/**
 * Any value read from a file, as a message that says what it should have been quotes it: a number or a boolean as
 * written, a string when {@link quotable} (JSON-quoted), else what kind of value it is. A YAML value may be a
 * 3 MB string, a list of 500,000 numbers or `!!binary` data (a Buffer whose JSON is 4 bytes a byte): quoted whole,
 * each made an error line of megabytes.
 */
export function shownValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return quotable(value, VALUE) ? JSON.stringify(value) : `a text ${notShown(value)}`;
  if (value instanceof Uint8Array) return `binary data (${value.length} bytes)`;
  if (value instanceof Date) return 'a timestamp';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

/** An environment variable's name as the convention writes it (`REDIS_PASSWORD`, `DB2_PW`): upper case, digits and `_`. */
const CONVENTIONAL_ENV_NAME = /^[A-Z_][A-Z0-9_]{0,63}$/;

/**
 * What to say of a `passwordEnv` (`bearerTokenEnv`, …) whose variable is not set. The name is shown only when it looks
 * like a variable's name (QA42-12): a password written by mistake as `passwordEnv: Kq9xS3cretPassw0rd` is a valid name
 * too, and "passwordEnv names Kq9xS3cretPassw0rd, which is not set" put it on stderr and in every report format.
 */
export function unsetVariable(key: string, name: string, secret = 'password'): string {
  if (CONVENTIONAL_ENV_NAME.test(name)) return `${key} names ${name}, which is not set`;
  return `${key} names an environment variable that is not set (name not shown: ${name.length} characters, not in a variable name's upper case: is it the ${secret} itself?)`;
}
