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

/** A user name a secrets file line can carry: nothing a shell that sources the file would act upon. */
const SAFE_USER = /^[A-Za-z0-9_.:@-]+$/;

/** The mode of a secrets file: readable by its owner only. */
export const SECRETS_FILE_MODE = 0o600;

/**
 * The text of a secrets file (`credentials.env`): optional `#` comment lines, then one
 * `REDFORT_PASSWORD_<user>=<password>` line per user. The values are hex, so no quoting is needed.
 */
export function renderSecrets(secrets: readonly Secret[], comments: readonly string[] = []): string {
  const lines = [...comments.map((c) => (c === '' ? '#' : `# ${c}`))];
  for (const { user, password } of secrets) {
    // Redis takes any name without spaces, `x;touch${IFS}/tmp/p;` too: an operator who sources the file (`. credentials.env`)
    // ran what a user name of the server said. Names of letters, digits and _ . : @ - only (the shell reads no more; `svc@app`, a mail-like name, is common).
    // The name shown with its controls escaped: it is the server's text, and the message goes to a terminal.
    if (!SAFE_USER.test(user)) throw new Error(`invalid user name for a secrets file: '${terminalSafe(user)}' (a REDFORT_PASSWORD_<user> line takes letters, digits and _ . : @ - only)`);
    if (/[\r\n]/.test(password)) throw new Error(`the password of '${user}' contains a line break`);
    lines.push(`${SECRET_PREFIX}${user}=${password}`);
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

/** Reads a secrets file's text; comments and blank lines are skipped, anything else is an error with its line. */
export function parseSecrets(text: string): Secret[] {
  const secrets: Secret[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (!line.startsWith(SECRET_PREFIX) || eq <= SECRET_PREFIX.length) {
      throw new SecretsSyntaxError(index + 1, `line ${index + 1}: expected ${SECRET_PREFIX}<user>=<password>`);
    }
    const user = line.slice(SECRET_PREFIX.length, eq);
    if (seen.has(user)) throw new SecretsSyntaxError(index + 1, `line ${index + 1}: user '${user}' is listed twice`);
    seen.add(user);
    secrets.push({ user, password: line.slice(eq + 1) });
  });
  return secrets;
}
