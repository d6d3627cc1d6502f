import type { AclSyntaxError } from '../../acl/parse.ts';

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

export function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  // The one reader's refusals (a FIFO, a device, too large) have no errno: their reason, without the path.
  if (err && typeof err === 'object' && 'detail' in err && typeof err.detail === 'string') return err.detail;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The ACL parser's message, except that a word it cannot read as a rule at all is not quoted: such a
 * word is often a password written without its `>`.
 */
export function aclErrorText(err: AclSyntaxError): string {
  if (err.rule !== undefined && err.reason === 'Syntax error' && !/^[~%&+\-()!#<>]/.test(err.rule)) {
    return "Syntax error in a word that is no ACL rule (not shown: it may be a password written without '>')";
  }
  return err.message;
}
