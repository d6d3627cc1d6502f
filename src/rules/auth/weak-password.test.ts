import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { runRules } from '../../engine/run.ts';
import { ruleContext } from '../context.ts';
import { parseAclFile } from '../../gather/conf/acl-file.ts';
import { liveFacts, ruleTester, unreadDefaultAcl } from '../../../test/rule-tester.ts';
import rule from './weak-password.ts';

const sha256 = (clear: string): string => createHash('sha256').update(clear, 'utf8').digest('hex');
const RANDOM = 'fff5b831e35000b20ec16f62040c3ab97d4af04f5ee49310d09a852a4bde9c93';
const RANDOM_2 = 'c4fbf7bdfbd32e067a4c36b996b889f37a84a64145109d9ac45b073f450e1a06';
const acl = (...lines: string[]) => liveFacts({ acl: lines });
/** A long password whose clear text redfort saw (CONFIG GET requirepass): its length is known. */
const LONG = '7d1f0c9e4a2b8e6f3c5a1d7b9e0f2a4c';
const seenLong = (...lines: string[]) => liveFacts({ conf: `requirepass ${LONG}`, acl: [`user default on #${sha256(LONG)} ~* &* +@all`, ...lines] });

/** A live server whose ACL file was read too (a local server): `>pw` lines there give the clear-text length. */
function withAclFile(live: readonly string[], file: string) {
  const path = '/etc/redis/users.acl';
  const users = parseAclFile(file, path, { version: '7.0.15' }).users;
  return liveFacts({ acl: live, extra: { files: { paths: [path], config: new Map(), secrets: new Map(), users, source: { kind: 'file', path, line: 0 } } } });
}

ruleTester(rule, {
  pass: [
    { name: 'a long requirepass', facts: liveFacts({ conf: `requirepass ${LONG}` }), message: /^1 password checked: none is empty, common or shorter than 16 characters$/ },
    // The password-less default user is auth.no-authentication's finding, not this rule's.
    { name: 'default user nopass', facts: acl('user default on nopass ~* &* +@all'), message: /no enabled user has a password to judge/ },
    { name: 'a disabled user with a common password', facts: acl('user default off nopass ~* &* +@all', `user old off #${sha256('password')} ~* resetchannels +@all`) },
    // 7.0.15 live: `user nocmd on nopass nocommands` logs in, then gets NOPERM for PING, GET, SUBSCRIBE...
    { name: 'a nopass user that may run no command', facts: seenLong('user nocmd on nopass resetchannels -@all'), message: /^1 password checked/ },
    { name: 'a disabled nopass user', facts: seenLong('user ci off nopass ~* resetchannels -@all +get') },
  ],
  fail: [
    { name: 'foobared, the sample config password', facts: acl(`user default on #${sha256('foobared')} ~* &* +@all`), messages: [/user 'default' has a common password/], severity: 'high' },
    { name: 'password', facts: acl(`user app on #${sha256('password')} ~app:* resetchannels -@all +@read`), messages: [/user 'app' has a common password/] },
    { name: '123456', facts: acl(`user default on #${sha256('123456')} ~* &* +@all`), messages: [/common password/] },
    // The auditor password of the redfort-secrets.env once committed to redfort's repository (by its hash only).
    {
      name: 'a password redfort\'s repository published',
      facts: acl('user default off nopass ~* &* +@all', 'user auditor on #9a6e3a8ec769aa12ff38d9c927aab52360f41a09e9659b0f2b1bd0faf90ebe7e ~* resetchannels -@all +info'),
      messages: [/user 'auditor' has a published password \(a redfort-secrets.env that redfort's repository held/],
    },
    { name: 'requirepass foobared', facts: liveFacts({ conf: 'requirepass foobared' }), messages: [/user 'default' has a common password/] },
    {
      name: 'the empty-password hash',
      facts: acl('user default on #e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 ~* &* +@all'),
      messages: [/user 'default' has an empty password/],
    },
    // CONFIG GET requirepass gives the clear text, whose digest matches the default user's hash: its length is known.
    { name: 'requirepass abc: length known', facts: liveFacts({ conf: 'requirepass abc' }), messages: [/user 'default' has a 3-character password \(shorter than 16\)/] },
    { name: 'requirepass of 10 characters', facts: liveFacts({ conf: 'requirepass Zq7xW2pLm9' }), messages: [/10-character password/] },
    { name: 'requirepass of 8 characters: an 8-character (QA43-6)', facts: liveFacts({ conf: 'requirepass Zq7xW2pL' }), messages: [/has an 8-character password/] },
    { name: 'requirepass of 11 characters: an 11-character', facts: liveFacts({ conf: 'requirepass Zq7xW2pLm9K' }), messages: [/has an 11-character password/] },
    {
      // h0riz4n/server-settings users.acl: ACL LIST shows only the hash, the file read beside it shows 'Rustam2003'.
      name: 'a short password written in clear in the ACL file of a live server',
      facts: withAclFile(['user default off nopass ~* &* +@all', `user rustam on #${sha256('Rustam2003')} ~* resetchannels +@all`], 'user default off\nuser rustam on >Rustam2003 ~* +@all\n'),
      messages: [/^user 'rustam' has a 10-character password \(shorter than 16\)$/],
    },
    { name: 'a non-default nopass user', facts: acl(`user default on #${RANDOM} ~* &* +@all`, 'user ci on nopass ~* resetchannels -@all +get'), messages: [/user 'ci' is 'nopass': any password, or none, logs in as it/] },
    {
      name: 'the second of two passwords is common',
      facts: acl(`user app on #${RANDOM} #${sha256('123456')} ~app:* resetchannels -@all +@read`),
      messages: [/user 'app' has a common password .*\(password 2 of 2\)/],
    },
    {
      name: 'one finding per weak user',
      facts: acl('user default on nopass ~* &* +@all', `user a on #${sha256('password')} ~a:* resetchannels -@all +get`, 'user b on nopass ~b:* resetchannels -@all +get'),
      messages: [/user 'a' has a common password/, /user 'b' is 'nopass'/],
    },
  ],
  skip: [
    {
      // QA41-24: one password judged does not make the others' unknown a pass (an 8-character one hides behind its hash).
      name: 'a long password seen in clear and a hash whose clear text was not seen',
      facts: seenLong(`user app on #${RANDOM} ~app:* resetchannels -@all +get`),
      message: /^1 password checked: none is empty, common or shorter than 16 characters; not judged: the length of the password of user 'app' is unknown: redfort saw only its SHA-256 hash, which shows it is not empty, common or of at most 3 characters, not whether it is shorter than 16$/,
    },
    // A hash (ACL LIST, `#<sha256>` in an ACL file) shows an empty, common or very short password, not a longer one's length.
    { name: 'a random 64-hex hash: its length is unknown', facts: acl(`user default on #${RANDOM} ~* &* +@all`), message: /^the length of the password of user 'default' is unknown: redfort saw only its SHA-256 hash, which shows it is not empty, common or of at most 3 characters, not whether it is shorter than 16$/ },
    {
      name: 'several users with random hashes (7.2 rendering)',
      facts: liveFacts({ version: '7.2.4', acl: [`user default on sanitize-payload #${RANDOM} ~* &* +@all`, `user app on sanitize-payload #${RANDOM_2} #${RANDOM} ~app:* resetchannels -@all +@read +@write -@dangerous`] }),
      message: /^the length of 3 passwords of users 'default', 'app' is unknown: redfort saw only their SHA-256 hash/,
    },
    { name: 'ACL not readable', facts: liveFacts({ unavailable: { acl: 'ACL LIST: NOPERM' } }), message: /NOPERM/ },
    { name: "the default user's ACL LIST line could not be read: not a pass", facts: liveFacts({ extra: { acl: unreadDefaultAcl() } }), message: /line 1 \(user 'default'\) could not be read.*says nothing of the user left out/ },
  ],
});

// QA41-5: long passwords of a trivial shape passed ('none is empty, common or shorter than 16 characters'). The shape
// is told where the clear text is seen; the message names it, never the value.
const trivial = ['aaaaaaaaaaaaaaaaaaaa', 'passwordpassword', '1234567890123456', 'qwertyuiopasdfghjkl', 'changeme-changeme', 'Password123!Password123!', 'REPLACE_WITH_STRONG_PASSWORD', '9876543210987654', 'abcdefghijklmnopqrs'];
ruleTester(rule, {
  fail: trivial.map((pw) => ({
    name: `requirepass of a trivial shape (case ${trivial.indexOf(pw) + 1}, ${pw.length} characters)`,
    facts: liveFacts({ conf: `requirepass ${pw}` }),
    messages: [/^user 'default' has a trivially structured password \((one character repeated|a short part repeated|a run of digits|a run of letters|a run of keyboard keys|a template's placeholder \(upper snake case, such as REPLACE_WITH_… or CHANGE_ME\))\), which guessing tools try right after the common lists$/],
    severity: 'high' as const,
  })),
});

test(`${rule.id}: generated random passwords never fail on their shape, and no message shows the value`, () => {
  for (let i = 0; i < 300; i++) {
    const alphabet = i % 3 === 0 ? '0123456789abcdef' : i % 3 === 1 ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789' : 'abcdefghijklmnopqrstuvwxyz0123456789-_!@#';
    const pw = Array.from(randomBytes(16 + (i % 48)), (b) => alphabet[b % alphabet.length]).join('');
    const [result] = runRules([rule], liveFacts({ conf: `requirepass ${pw}` }), { context: ruleContext({ nowSeconds: 1_800_000_000 }) });
    assert.equal(result?.status, 'pass', `${result?.message} (${pw})`);
  }
  for (const pw of trivial) {
    const [result] = runRules([rule], liveFacts({ conf: `requirepass ${pw}` }), { context: ruleContext({ nowSeconds: 1_800_000_000 }) });
    assert.ok(!result!.message.includes(pw), result!.message);
  }
});
