import type { AclUser, ConnectionFacts, Facts, FileFacts, SecretDigest, SecretMap } from '../../facts/types.ts';
import type { Finding, RuleContext } from '../define.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { unreadUsers } from '../util.ts';
import { runsNothing, runsOnly } from '../../acl/permissions.ts';
import { EMPTY_SHA256, canLogIn } from './users.ts';
import { clipped } from '../../util/shown.ts';
import { articleFor } from '../../util/words.ts';
import { isPlaceholderPassword, isPublishedPassword, knownTemplatePassword } from '../common-passwords.ts';

/**
 * Clear-text lengths are known for passwords seen in clear (CONFIG GET requirepass, and beside a live server the
 * config and ACL files that were read: `>pw` lines, requirepass): match by hash.
 */
function knownLength(digest: SecretDigest, seen: ReadonlyMap<string, number>, short: ReadonlyMap<string, number>): number | undefined {
  if (digest.length !== undefined) return digest.length;
  return seen.get(digest.sha256) ?? short.get(digest.sha256);
}

/** The lengths of the clear texts seen, by hash (the first one seen wins); one lookup per password judged. */
function lengthsByHash(seen: readonly SecretDigest[]): Map<string, number> {
  const lengths = new Map<string, number>();
  for (const s of seen) if (s.length !== undefined && !lengths.has(s.sha256)) lengths.set(s.sha256, s.length);
  return lengths;
}

/** Passwords whose clear text redfort saw: CONFIG GET, the files it read, and the one it logged in with. */
function clearTexts(secrets: SecretMap | undefined, files: FileFacts | undefined, connection: ConnectionFacts | undefined): SecretDigest[] {
  return [
    ...[...(secrets?.values() ?? []), ...(files?.secrets.values() ?? [])].map((s) => s.value),
    ...(files?.users ?? []).flatMap((u) => u.passwords),
    ...(connection?.credential ? [connection.credential.password] : []),
  ];
}

/** Up to 5 user names, quoted, then how many more. */
function names(users: readonly string[]): string {
  const shownNames = users.slice(0, 5).map((u) => `'${clipped(u)}'`).join(', ');
  return `user${users.length === 1 ? '' : 's'} ${shownNames}${users.length > 5 ? ` and ${users.length - 5} more` : ''}`;
}

/** Commands that read, write and administer nothing: a user that may run only these is a health check's. */
const PROBE_COMMANDS: ReadonlySet<string> = new Set(['ping', 'echo']);

function weakness(digest: SecretDigest, length: number | undefined, min: number, isCommon: (sha: string) => boolean): string | undefined {
  if (digest.sha256 === EMPTY_SHA256) return 'an empty password';
  // QA43-9: `requirepass ${REDIS_PASSWORD}` that nothing rendered: redis-server takes the characters as they are.
  const placeholder = digest.placeholder ?? knownTemplatePassword(digest.sha256);
  if (placeholder !== undefined) {
    return `an unrendered template placeholder (${placeholder}) for a password: redis-server expands no variables, so the password is the placeholder's own characters, which whoever reads the template knows`;
  }
  if (isPublishedPassword(digest.sha256)) {
    return "a published password (a redfort-secrets.env that redfort's repository held on 2026-12-06 had it: a `redfort fix --apply` run from a checkout of that day gave it)";
  }
  if (isPlaceholderPassword(digest.sha256)) return "a template's placeholder password (the example value of published configs and scripts, such as YourStrongPassword or change_me)";
  if (isCommon(digest.sha256)) return 'a common password (found in the list of the most used passwords)';
  if (digest.pattern !== undefined) return `a trivially structured password (${digest.pattern}), which guessing tools try right after the common lists`;
  if (length !== undefined && length < min) return `${articleFor(length)} ${length}-character password (shorter than ${min})`;
  return undefined;
}

/** How a password stands: its weakness when it has one, and its clear-text length when known. */
export interface PasswordJudgement {
  readonly problem: string | undefined;
  /** The weakness is only a length under the threshold: not empty, listed or patterned. */
  readonly onlyShort: boolean;
  readonly length: number | undefined;
}

/**
 * Judges passwords as this rule does (empty, published, placeholder, common, trivially structured, shorter than the
 * threshold), with every clear text the facts hold: `digests` are the passwords to be judged (their hashes are looked
 * up among the very short passwords once). Shared with network.protected-mode-off, whose pass needs strong
 * authentication (QA41-12).
 */
export function passwordJudge(
  facts: Pick<Facts, 'secrets' | 'files' | 'connection'>,
  { thresholds, isCommonPassword, shortPasswords }: RuleContext,
  digests: readonly SecretDigest[],
): (digest: SecretDigest) => PasswordJudgement {
  const clear = clearTexts(facts.secrets, facts.files, facts.connection);
  const seen = lengthsByHash(clear);
  // The shape of a clear text seen (CONFIG GET, the files, the login), for the hash ACL LIST shows of it.
  const shapes = new Map(clear.filter((d) => d.pattern !== undefined).map((d) => [d.sha256, d.pattern!]));
  const placeholders = new Map(clear.filter((d) => d.placeholder !== undefined).map((d) => [d.sha256, d.placeholder!]));
  // Hashes whose clear text is unknown: tried against every very short password (see short-passwords.ts).
  const unknown = digests.filter((d) => knownLength(d, seen, new Map()) === undefined);
  const short = shortPasswords && unknown.length > 0 ? shortPasswords(unknown.map((d) => d.sha256)) : new Map<string, number>();
  return (digest) => {
    const length = knownLength(digest, seen, short);
    const pattern = digest.pattern ?? shapes.get(digest.sha256);
    const placeholder = digest.placeholder ?? placeholders.get(digest.sha256);
    const judged = pattern === undefined && placeholder === undefined ? digest : { ...digest, ...(pattern !== undefined && { pattern }), ...(placeholder !== undefined && { placeholder }) };
    const problem = weakness(judged, length, thresholds.minPasswordLength, isCommonPassword);
    return { problem, onlyShort: problem !== undefined && weakness(judged, length, 0, isCommonPassword) === undefined, length };
  };
}

export default defineRule({
  id: 'auth.weak-password',
  title: 'Every password is long and not a common one',
  severity: 'high',
  section: 'Account',
  checklist: 'Account 1',
  sources: ['live', 'config'],
  remediation: 'Give each user a long random password (`ACL GENPASS` makes 256 bits): `ACL SETUSER <user> resetpass >…`, or `#<sha256>` in the ACL file; remove `nopass` from named users.',
  requires: ['acl'],
  check({ acl, secrets, files, connection, categories }, context) {
    const { thresholds } = context;
    const findings: Finding[] = [];
    const harmless: string[] = [];
    // Passwords whose clear-text length is known, and the users with one whose length is not (only its hash seen).
    let judged = 0;
    let unjudged = 0;
    const unjudgedUsers: string[] = [];
    const judgePassword = passwordJudge({ secrets, files, connection }, context, acl.users.filter(canLogIn).flatMap((u) => u.passwords));
    const judge = (user: AclUser) => {
      if (user.nopass) {
        // The default user's nopass is auth.no-authentication's finding. A user that may run no command (`nocommands`,
        // `-@all`) gets nothing by logging in: AUTH, HELLO and RESET need no permission, every other command is refused.
        if (user.name !== 'default' && categories && categories.categories.size > 0 && runsNothing(user, categories)) {
          harmless.push(`user '${clipped(user.name)}' is 'nopass' but may run no command`);
        } else if (user.name !== 'default') findings.push({ message: `user '${clipped(user.name)}' is 'nopass': any password, or none, logs in as it`, source: user.source });
        return;
      }
      user.passwords.forEach((digest, i) => {
        const { problem, length } = judgePassword(digest);
        const which = user.passwords.length > 1 ? ` (password ${i + 1} of ${user.passwords.length})` : '';
        if (problem) {
          // A health-check user (`-@all +ping`, redis-operator's pinger): whoever guesses it may run nothing that
          // reads, writes or administers anything (QA39-9).
          const only = categories && categories.categories.size > 0 ? runsOnly(user, categories, PROBE_COMMANDS) : undefined;
          findings.push(only === undefined
            ? { message: `user '${clipped(user.name)}' has ${problem}${which}`, source: user.source }
            : { message: `user '${clipped(user.name)}' has ${problem}${which}, but may run ${only.length === 0 ? 'no command' : `only ${only.map((c) => c.toUpperCase()).join(', ')}`}: guessing it gains nothing else`, source: user.source, severity: 'low' });
        }
        else if (length === undefined) {
          unjudged += 1;
          if (!unjudgedUsers.includes(user.name)) unjudgedUsers.push(user.name);
        } else judged += 1;
      });
    };
    for (const user of acl.users.filter(canLogIn)) judge(user);
    if (findings.length > 0) return fail(findings);
    const unread = unreadUsers(acl);
    if (unread !== undefined) return skip(unread);
    const min = thresholds.minPasswordLength;
    // A SHA-256 hash (ACL LIST, `#<hash>` in an ACL file) shows an empty, common or very short password (the short
    // table: every printable one of up to 3 characters), not the length of a longer one: unknown, never a pass.
    const notJudged =
      unjudged === 0
        ? ''
        : `the length of ${unjudged === 1 ? 'the password' : `${unjudged} passwords`} of ${names(unjudgedUsers)} is unknown: redfort saw only ${unjudged === 1 ? 'its' : 'their'} SHA-256 hash, which shows ${unjudged === 1 ? 'it is' : 'they are'} not empty, common or of at most 3 characters, not whether ${unjudged === 1 ? 'it is' : 'they are'} shorter than ${min}`;
    // QA41-24: a password not judged is unknown whatever else was judged (an 8-character one hides behind its hash):
    // with no failure, the rule skips, naming what was checked and what was not; never a pass.
    if (unjudged > 0) return skip(judged === 0 ? notJudged : `${judged} password${judged === 1 ? '' : 's'} checked: none is empty, common or shorter than ${min} characters; not judged: ${notJudged}`);
    return pass(
      judged === 0
        ? 'no enabled user has a password to judge'
        : `${judged} password${judged === 1 ? '' : 's'} checked: none is empty, common or shorter than ${min} characters${notJudged ? `; not judged: ${notJudged}` : ''}`,
      { source: acl.source, evidence: harmless },
    );
  },
});
