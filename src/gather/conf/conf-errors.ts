import type { AclSyntaxError } from '../../acl/parse.ts';
import { fsErrorText } from '../../util/fs-error.ts';
import { notShown, quotable } from '../../util/shown.ts';
import type { Shape } from '../../util/shown.ts';

/**
 * A line redis-server would refuse (or that cannot be read as a config at all, e.g. an unrendered
 * template). The message is `path:line: reason` and never contains a secret.
 */
export class ConfigParseError extends Error {
  readonly path: string;
  readonly line: number;
  readonly reason: string;

  constructor(path: string, line: number, reason: string) {
    super(`${path}:${line}: ${reason}`);
    this.name = 'ConfigParseError';
    this.path = path;
    this.line = line;
    this.reason = reason;
  }
}

/** A value the server refuses; `effectiveConfig` reports it at the line of the directive being applied. */
export class Refused extends Error {}

/** A word of the file in a message: quoted when short and printable, else its length only (a line may be megabytes). */
export function quotedArg(arg: string): string {
  return quotable(arg, WORD) ? `'${arg}'` : notShown(arg, WORD.noun);
}
const WORD: Shape = { noun: 'short printable text', pattern: /^/ };

export function refuse(reason: string): never {
  throw new Refused(reason);
}

export function wrongArgs(name: string, args: readonly string[], expected: string): string {
  const comment = args.findIndex((a) => a.startsWith('#'));
  if (comment > 0) {
    return (
      `wrong number of arguments: '${name}' takes ${expected}, and redis.conf has no inline comments ` +
      `(the '#' and every word after it are read as more arguments; redis-server refuses to start)`
    );
  }
  return `wrong number of arguments: '${name}' takes ${expected}, got ${args.length} (redis-server refuses to start)`;
}

/**
 * Why a config file could not be opened, in the words every other read error uses (`no such file`, `permission
 * denied`; redis-server's message gives strerror's words too), else the errno code; the one reader's refusals (a
 * FIFO, a device, too large), their reason. Never the path: the message around it names it.
 */
export function errorCode(err: unknown): string {
  return fsErrorText(err);
}

/**
 * The ACL parser's message, except that a word it cannot read as a rule at all is not quoted: such a
 * word is often a password written without its `>`.
 */
export function aclErrorText(err: AclSyntaxError): string {
  if (err.rule !== undefined && err.reason === 'Syntax error' && err.note === undefined && !/^[~%&+\-()!#<>]/.test(err.rule)) {
    return "Syntax error in a word that is no ACL rule (not shown: it may be a password written without '>')";
  }
  return err.message;
}
