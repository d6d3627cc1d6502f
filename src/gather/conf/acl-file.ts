import { AclSyntaxError, parseAclListLine } from '../../acl/parse.ts';
import type { AclUser } from '../../facts/types.ts';
import { followsRedis6, resolveVersion } from '../../redis/directives.ts';
import { ConfigParseError, aclErrorText, quotedArg } from './conf-errors.ts';
import { NUL_BYTE } from './tokenize.ts';
import { commandsKnown, unjudgedCommandWarning, unknownCommandRule, unknownCommandText } from '../../acl/known-commands.ts';
import type { Modules, RulesReader } from '../../acl/known-commands.ts';

export interface AclFileProblem {
  readonly line: number;
  readonly reason: string;
}

export interface AclFileResult {
  /**
   * The users in file order. A file without a `default` line still gets one from the server
   * (`on nopass ~* &* +@all`): it is not added here.
   */
  readonly users: AclUser[];
  /** Lenient mode only: every line the server would refuse (and so refuse the whole file). */
  readonly problems: AclFileProblem[];
  /**
   * Lines a server of the version the table holds would refuse, as `path:line: what`, when the version is unknown or
   * one the table does not hold (src/acl/known-commands.ts): those may be fine there, so they are warnings.
   */
  readonly warnings: string[];
}

const REFUSED_BY = (who: string) => `${who} refuses to start with this file, and ACL LOAD refuses it`;

/**
 * Parses an ACL file (`aclfile`) with the rules of `ACLLoadFromFile` (redis@7.0.15:src/acl.c:2174, the same
 * in 6.0-7.4 and Valkey 8.0): each line trimmed of ` \t\r\n`, blank lines skipped, split on single spaces
 * (quotes mean nothing), the first word exactly `user` in lower case, no comments (a `#` line is an error),
 * selectors merged across words, rules applied with the ACL grammar of `options.version`.
 *
 * A duplicate user is an error from 7.0 on (the loader reports `WARNING: Duplicate user 'x' found on line N`
 * but counts it as an error and loads nothing: checked against redis-server 7.0.15, and 7.4.1's source is
 * the same); 6.0 and 6.2 reset the user and apply the later line.
 *
 * A command, subcommand or category no server has (`+nosuchcmd`) is refused too, unless modules are loaded
 * (`options.modules`) or the version is newer than redfort's command table (src/acl/known-commands.ts); one only other
 * releases have (`+stralgo` on 7.2) when the file is a redis-server's, or read alone (`options.reader`, default
 * `either`: its release's commands or its Sentinel's); a Sentinel's file, one its release's Sentinel lacks (`+get`).
 *
 * Strict (default): throws {@link ConfigParseError} at the first line the server would refuse, since one bad
 * line makes it refuse the whole file. Lenient: records each such line in `problems`, skips it and goes on
 * (a duplicate user's last definition wins), so an audit can still judge the rest.
 */
export function parseAclFile(
  text: string,
  path: string,
  options: { version?: string; lenient?: boolean; modules?: Modules; reader?: RulesReader } = {},
): AclFileResult {
  const modules = options.modules ?? 'none';
  const checkCommands = commandsKnown(options.version, modules);
  const reader = options.reader ?? 'either';
  const REFUSED = REFUSED_BY(reader === 'sentinel' ? 'Sentinel' : 'redis-server');
  const version = resolveVersion(options.version);
  const six = followsRedis6(version);
  const users: AclUser[] = [];
  const definedAt = new Map<string, number>();
  const indexOf = new Map<string, number>();
  const problems: AclFileProblem[] = [];
  const warnings: string[] = [];

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const problem = (reason: string): void => {
      if (!options.lenient) throw new ConfigParseError(path, lineNo, reason);
      problems.push({ line: lineNo, reason });
    };
    if (lines[i]!.includes('\0')) {
      problem(NUL_BYTE);
      continue;
    }
    const line = lines[i]!.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (line === '') continue;

    const argv = line.split(' ');
    if (line.startsWith('#')) {
      problem(
        `comments are not allowed in ACL files: ${REFUSED} ` +
          `(it reads this line as 'should start with user keyword followed by the username')`,
      );
      continue;
    }
    if (argv[0] !== 'user' || argv.length < 2) {
      const hint = argv[0]!.toLowerCase() === 'user' && argv[0] !== 'user' ? " ('user' must be lower case here)" : '';
      problem(`should start with user keyword followed by the username${hint}: ${REFUSED}`);
      continue;
    }
    const name = argv[1]!;
    if (name === '' || /[ \t\r\n\v\f]/.test(name)) {
      problem(`username ${quotedArg(name)} contains invalid characters: ${REFUSED}`);
      continue;
    }

    let user: AclUser;
    try {
      user = parseAclListLine(line, { kind: 'file', path, line: lineNo }, options.version === undefined ? {} : { version: options.version });
    } catch (err) {
      if (!(err instanceof AclSyntaxError)) throw err;
      problem(`${aclErrorText(err)}: ${REFUSED}`);
      continue;
    }
    const unknown = modules !== 'loaded' ? unknownCommandRule(user, options.version, modules, { reader }) : undefined;
    if (unknown !== undefined && checkCommands) {
      problem(`${unknownCommandText(unknown, version.label, { sentinel: reader === 'sentinel' })}: ${REFUSED}`);
      continue;
    }
    if (unknown !== undefined) warnings.push(unjudgedCommandWarning(`${path}:${lineNo}`, name, unknown, options.version));

    const first = definedAt.get(name);
    if (first !== undefined) {
      if (!six) {
        problem(
          `Duplicate user ${quotedArg(name)} found on line ${lineNo} (first defined on line ${first}): ${REFUSED}` +
            (options.lenient ? '; the last definition is used here' : ''),
        );
      }
      users[indexOf.get(name)!] = user;
      continue;
    }
    definedAt.set(name, lineNo);
    indexOf.set(name, users.length);
    users.push(user);
  }
  return { users, problems, warnings };
}
