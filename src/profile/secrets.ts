import { nodeCrypto } from '../util/builtin.ts';
import { sha256Hex } from '../util/hash.ts';
import { terminalSafe } from '../report/common.ts';

/** 256 bits, the strength of `ACL GENPASS`. */
export const PASSWORD_BYTES = 32;

/** A fresh random password: 64 hex digits (256 bits), safe in an ACL file, a shell and an env file alike. */
export function generatePassword(): string {
  return nodeCrypto().randomBytes(PASSWORD_BYTES).toString('hex');
}

/** The ACL-file form of a password: `#<sha256>`, never the clear text. */
export function passwordRule(clear: string): string {
  return `#${sha256Hex(clear)}`;
}

/** One entry of a secrets file: the user name exactly as the ACL file writes it. */
export interface Secret {
  readonly user: string;
  readonly password: string;
}

export const SECRET_PREFIX = 'REDFORT_PASSWORD_';
/** `REDFORT_USER_<variable>=<user>`: the user name of a password whose variable is not the name itself. */
export const USER_PREFIX = 'REDFORT_USER_';

/**
 * A user name a secrets file line can carry: any Redis takes (no blank: ACL SETUSER refuses them) but a control
 * character (the file is read with cat). A name of more than letters, digits and `_ . : @ -` is single-quoted in its
 * REDFORT_USER_ line (shellValue), which a shell that sources the file assigns without acting upon.
 */
const SAFE_USER = /^[\x21-\x7e\x80-\u{10ffff}]+$/u;

/** The mode of a secrets file: readable by its owner only. */
export const SECRETS_FILE_MODE = 0o600;

/**
 * The name after `REDFORT_PASSWORD_` (and `REDFORT_USER_`) for a user: the user name with each character a shell
 * variable name cannot hold (`- . : @`) replaced by `_`, so that `set -a; . credentials.env` and systemd's
 * `EnvironmentFile=` read it: `app-1` is `REDFORT_PASSWORD_app_1`, `svc.reader` `REDFORT_PASSWORD_svc_reader`. A name
 * of letters, digits and `_` is unchanged. Two users of one file with the same name here are refused
 * ({@link renderSecrets}).
 */
export function secretName(user: string): string {
  return user.replace(/[^A-Za-z0-9_]/g, '_');
}

/** The variable that holds a user's password in a secrets file (`REDFORT_PASSWORD_app_1` for `app-1`). */
export function secretVariable(user: string): string {
  return `${SECRET_PREFIX}${secretName(user)}`;
}

/** Characters a shell reads as themselves in an unquoted value (the generated passwords are hex). */
const PLAIN_VALUE = /^[A-Za-z0-9_.:@%+,\/=-]*$/;

/** A value as a shell reads it back: as is when plain, else single-quoted (`'` as `'\''`). */
function shellValue(value: string): string {
  return PLAIN_VALUE.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The value of a line as a shell assigns it: single-quoted parts unquoted (what {@link shellValue} writes). */
function unquoted(value: string): string {
  if (!/^'(?:[^']|'\\'')*'$/.test(value)) return value;
  return value.slice(1, -1).replaceAll(`'\\''`, "'");
}

/**
 * The text of a secrets file (`credentials.env`): optional `#` comment lines, then one
 * `REDFORT_PASSWORD_<name>=<password>` line per user ({@link secretName}), preceded by a `REDFORT_USER_<name>=<user>`
 * line when the name is not the user's own (`REDFORT_USER_app_1=app-1`). Every line can be sourced by a shell: the
 * values are user names and passwords (hex when generated), single-quoted when they hold anything but letters, digits
 * and `_ . : @ % + , / = -` (`REDFORT_USER_a_b_='a$(b)'`, a reused password).
 */
export function renderSecrets(secrets: readonly Secret[], comments: readonly string[] = []): string {
  const lines = [...comments.map((c) => (c === '' ? '#' : `# ${c}`))];
  const names = new Map<string, string>();
  for (const { user, password } of secrets) {
    // Redis takes any name without spaces, `x;touch${IFS}/tmp/p;` too: an operator who sources the file (`. credentials.env`)
    // ran what a user name of the server said when it was written bare. Such a name is single-quoted in its
    // REDFORT_USER_ line (as a reused password is): assigned, never run (`svc/reader`, `app+rw` stopped harden and fix).
    // The name shown with its controls escaped: it is the server's text, and the message goes to a terminal.
    if (!SAFE_USER.test(user)) throw new Error(`invalid user name for a secrets file: '${terminalSafe(user)}' (a REDFORT_PASSWORD_<user> line takes no blank or control character)`);
    if (/[\r\n]/.test(password)) throw new Error(`the password of '${user}' contains a line break`);
    const name = secretName(user);
    const other = names.get(name);
    if (other !== undefined && other !== user) throw new Error(`users '${other}' and '${user}' would share the variable ${SECRET_PREFIX}${name} in a secrets file (each character but a letter, a digit or _ becomes _): rename one of them`);
    names.set(name, user);
    if (name !== user) lines.push(`${USER_PREFIX}${name}=${shellValue(user)}`);
    lines.push(`${SECRET_PREFIX}${name}=${shellValue(password)}`);
  }
  return `${lines.join('\n')}\n`;
}

export class SecretsSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.name = 'SecretsSyntaxError';
    this.line = line;
  }
}

/**
 * Reads a secrets file's text; comments and blank lines are skipped, anything else is an error with its line.
 * `REDFORT_PASSWORD_<name>` is the password of the user its `REDFORT_USER_<name>` line names, else of the user
 * `<name>` (files written before the user lines, `REDFORT_PASSWORD_app-1=…`, are read as they were).
 */
export function parseSecrets(text: string): Secret[] {
  const passwords: { name: string; password: string; line: number }[] = [];
  const users = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const prefix = line.startsWith(USER_PREFIX) ? USER_PREFIX : SECRET_PREFIX;
    if (!line.startsWith(prefix) || eq <= prefix.length) {
      throw new SecretsSyntaxError(index + 1, `line ${index + 1}: expected ${SECRET_PREFIX}<user>=<password>`);
    }
    const name = line.slice(prefix.length, eq);
    const value = unquoted(line.slice(eq + 1));
    if (prefix === USER_PREFIX) {
      if (!SAFE_USER.test(value) || secretName(value) !== name) throw new SecretsSyntaxError(index + 1, `line ${index + 1}: ${USER_PREFIX}${name} does not name a user whose variable is ${SECRET_PREFIX}${name}`);
      if (users.has(name)) throw new SecretsSyntaxError(index + 1, `line ${index + 1}: ${USER_PREFIX}${name} is listed twice`);
      users.set(name, value);
    } else {
      passwords.push({ name, password: value, line: index + 1 });
    }
  });
  const secrets: Secret[] = [];
  const seen = new Set<string>();
  for (const { name, password, line } of passwords) {
    const user = users.get(name) ?? name;
    if (seen.has(user)) throw new SecretsSyntaxError(line, `line ${line}: user '${user}' is listed twice`);
    seen.add(user);
    secrets.push({ user, password });
  }
  return secrets;
}
