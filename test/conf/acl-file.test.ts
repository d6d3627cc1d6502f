import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseAclFile } from '../../src/gather/conf/acl-file.ts';
import { parseError } from './helpers.ts';

const P = '/etc/redis/users.acl';
const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const HASH = sha('secret');

describe('parseAclFile: file format', () => {
  it('blank lines, surrounding blanks, CRLF and a missing final newline', () => {
    const { users } = parseAclFile(`\n  user a on nopass ~* +@all  \r\n\n\tuser b off\r\nuser c on >x`, P);
    assert.deepEqual(users.map((u) => [u.name, u.source]), [
      ['a', { kind: 'file', path: P, line: 2 }],
      ['b', { kind: 'file', path: P, line: 4 }],
      ['c', { kind: 'file', path: P, line: 5 }],
    ]);
  });

  it('words are split on single spaces: double spaces are empty no-op rules', () => {
    const [u] = parseAclFile('user a  on   ~*  +@all\n', P).users;
    assert.equal(u!.enabled, true);
    assert.deepEqual(u!.rules, ['~*', '+@all']);
  });

  it('quotes are not interpreted: ">x y" is the password `"x` and an unknown rule', () => {
    const err = parseError(() => parseAclFile('user a on ">x y"\n', P));
    assert.equal(err.line, 1);
    assert.match(err.reason, /Syntax error/);
  });

  it('a quote is part of a password', () => {
    const [u] = parseAclFile('user a on >"x"\n', P).users;
    assert.equal(u!.passwords[0]!.sha256, sha('"x"'));
  });

  it('selectors spread over several words are merged', () => {
    const [u] = parseAclFile('user a on nopass ~* +@all (~s:* +get) (%R~t:* +@read -keys)\n', P).users;
    assert.deepEqual(u!.selectors, [['~s:*', '+get'], ['%R~t:*', '+@read', '-keys']]);
  });

  it('an unmatched parenthesis is refused', () => {
    assert.match(parseError(() => parseAclFile('user a on (~x +get\n', P)).reason, /Unmatched parenthesis/);
  });
});

describe('parseAclFile: rule forms', () => {
  const forms: readonly [string, (u: ReturnType<typeof parseAclFile>['users'][number]) => void][] = [
    ['on', (u) => assert.equal(u.enabled, true)],
    ['off', (u) => assert.equal(u.enabled, false)],
    ['ON NOPASS', (u) => assert.equal(u.enabled && u.nopass, true)],
    ['>pw', (u) => assert.deepEqual(u.passwords, [{ set: true, length: 2, sha256: sha('pw') }])],
    [`#${HASH}`, (u) => assert.deepEqual(u.passwords, [{ set: true, length: undefined, sha256: HASH }])],
    ['>a >b <a', (u) => assert.deepEqual(u.passwords.map((p) => p.sha256), [sha('b')])],
    [`>secret !${HASH}`, (u) => assert.equal(u.passwords.length, 0)],
    ['>pw nopass', (u) => assert.equal(u.nopass && u.passwords.length === 0, true)],
    ['nopass resetpass', (u) => assert.equal(u.nopass, false)],
    ['~cache:* %R~ro:* %W~wo:* %RW~rw:*', (u) => assert.deepEqual(u.rules, ['~cache:*', '%R~ro:*', '%W~wo:*', '%RW~rw:*'])],
    ['allkeys allchannels allcommands', (u) => assert.deepEqual(u.rules, ['allkeys', 'allchannels', 'allcommands'])],
    ['&news.* resetchannels', (u) => assert.deepEqual(u.rules, ['&news.*', 'resetchannels'])],
    ['+@all -@dangerous +config|get -debug', (u) => assert.deepEqual(u.rules, ['+@all', '-@dangerous', '+config|get', '-debug'])],
    ['-config|set +select|0', (u) => assert.deepEqual(u.rules, ['-config|set', '+select|0'])],
    ['(~x +get) clearselectors', (u) => assert.deepEqual(u.selectors, [])],
    ['sanitize-payload skip-sanitize-payload', (u) => assert.equal(u.name, 'u')],
    ['on >pw ~* reset', (u) => assert.equal(u.enabled || u.passwords.length > 0, false)],
  ];
  for (const [rules, check] of forms) {
    it(rules, () => {
      const { users } = parseAclFile(`user u ${rules}\n`, P);
      check(users[0]!);
    });
  }

  it('plaintext and hashed passwords are counted apart', () => {
    const [u] = parseAclFile(`user u on >a #${HASH}\n`, P).users;
    assert.equal(u!.plaintextPasswords, 1);
    assert.equal(u!.passwords.length, 2);
  });

  it('the grammar follows the version: 6.2 has no selectors, 6.0 no channels', () => {
    assert.match(parseError(() => parseAclFile('user u on (~x +get)\n', P, { version: '6.2.16' })).reason, /Syntax error/);
    assert.match(parseError(() => parseAclFile('user u on &x\n', P, { version: '6.0.20' })).reason, /Syntax error/);
    assert.equal(parseAclFile('user u on &x\n', P, { version: 'valkey-8.0.1' }).users.length, 1);
  });
});

describe('parseAclFile: lines the server refuses', () => {
  it('a comment line is an error: the server refuses the whole file', () => {
    const err = parseError(() => parseAclFile('user a on nopass\n# user b on\n', P));
    assert.equal(err.path, P);
    assert.equal(err.line, 2);
    assert.match(err.reason, /^comments are not allowed in ACL files: redis-server refuses to start/);
  });

  it('a NUL byte names its line (the server would join the next line to it)', () => {
    const err = parseError(() => parseAclFile('user a on nopass\nuser b on\0 nopass\nuser c on\n', P));
    assert.equal(err.line, 2);
    assert.match(err.reason, /^a NUL byte/);
    assert.deepEqual(parseAclFile('user a on nopass\nuser b on\0\n', P, { lenient: true }).problems.map((p) => p.line), [2]);
  });

  it('the keyword must be lower-case user', () => {
    const err = parseError(() => parseAclFile('USER a on\n', P));
    assert.match(err.reason, /should start with user keyword followed by the username \('user' must be lower case here\)/);
  });

  it('a line with only the keyword', () => {
    assert.match(parseError(() => parseAclFile('user\n', P)).reason, /should start with user keyword/);
  });

  it('anything else', () => {
    assert.match(parseError(() => parseAclFile('requirepass x\n', P)).reason, /should start with user keyword/);
  });

  it('a tab in a user name', () => {
    assert.match(parseError(() => parseAclFile('user a\tb on\n', P)).reason, /contains invalid characters/);
  });

  it('a duplicate user is an error on 7.x (checked against redis-server 7.0.15)', () => {
    const err = parseError(() => parseAclFile('user a on\nuser b on\nuser a off\n', P));
    assert.equal(err.line, 3);
    assert.match(err.reason, /^Duplicate user 'a' found on line 3 \(first defined on line 1\)/);
  });

  it('6.x resets a duplicate user and applies the later line', () => {
    const { users, problems } = parseAclFile('user a on\nuser a off\n', P, { version: '6.2.16' });
    assert.deepEqual(users.map((u) => [u.name, u.enabled, u.source]), [['a', false, { kind: 'file', path: P, line: 2 }]]);
    assert.deepEqual(problems, []);
  });

  it('a bad rule names the line, with the password redacted', () => {
    const err = parseError(() => parseAclFile('user a on >hunter2 ~x allkeys ~y\n', P));
    assert.match(err.reason, /Adding a pattern after the \* pattern/);
    assert.doesNotMatch(err.message, /hunter2/);
    assert.match(parseError(() => parseAclFile('user a #ABC\n', P)).reason, /password hash must be exactly 64/);
    const bare = parseError(() => parseAclFile('user a on hunter2\n', P));
    assert.match(bare.reason, /^Syntax error in a word that is no ACL rule \(not shown/);
    assert.doesNotMatch(bare.message, /hunter2/);
  });
});

// Live 7.2.6, 7.4.1 and Valkey 8.0.1 refuse `+stralgo` (gone in 7.0), 7.0.15 `+client|no-touch` (7.2's), in an ACL file
// as in a `user` line ("Error loading ACL rule ... Unknown command or category name in ACL"); their Sentinels refuse
// them too. A redis-server refuses `+sentinel`, which its Sentinel takes: read alone, a file may be either's.
describe("parseAclFile: the commands of the file's release", () => {
  it('a command only other releases have is refused, naming the line', () => {
    for (const [rule, version] of [['+stralgo', '7.2.6'], ['-stralgo', '7.4.1'], ['+stralgo', 'valkey-8.0.1'], ['+client|no-touch', '7.0.15'], ['+waitaof', '6.2.16']] as const) {
      for (const reader of ['server', 'either', undefined] as const) {
        const err = parseError(() => parseAclFile(`user default on nopass ~* +@all\nuser a on nopass ~* ${rule}\n`, P, { version, ...(reader ? { reader } : {}) }));
        assert.equal(err.line, 2, `${rule} ${version} ${reader}`);
        assert.match(err.reason, /Unknown command or category name in ACL \(a command of other releases, not of (Redis|Valkey) /, `${rule} ${version} ${reader}`);
      }
    }
    for (const [rule, version] of [['+stralgo', '6.2.16'], ['+client|no-touch', '7.2.6'], ['+client|no-touch', '6.2.16'], ['+waitaof', '7.4.1']] as const) {
      assert.deepEqual(parseAclFile(`user a on nopass ~* ${rule}\n`, P, { version }).users[0]!.rules, ['~*', rule], `${rule} ${version}`);
    }
  });

  it("a Sentinel's command: refused in a redis-server's file, taken in a file read alone", () => {
    for (const rule of ['+sentinel', '+sentinel|get-master-addr-by-name']) {
      assert.match(parseError(() => parseAclFile(`user a on nopass ${rule}\n`, P, { version: '7.2.6', reader: 'server' })).reason, /Unknown command or category name in ACL/, rule);
      assert.deepEqual(parseAclFile(`user a on nopass ${rule}\n`, P, { version: '7.2.6' }).users[0]!.rules, [rule]);
    }
  });
});

describe('parseAclFile: lenient mode for auditing', () => {
  it('collects every problem and keeps going; the last duplicate wins', () => {
    const text = '\n# user old on nopass\nuser default on nopass ~* &* +@all\nUSER x on\nuser default on >pw ~* +@all\nuser bob on %Q~x\nuser carol on\n';
    const { users, problems } = parseAclFile(text, P, { lenient: true });
    assert.deepEqual(users.map((u) => [u.name, u.nopass, u.source.kind === 'file' && u.source.line]), [
      ['default', false, 5],
      ['carol', false, 7],
    ]);
    assert.deepEqual(problems.map((p) => p.line), [2, 4, 5, 6]);
    assert.match(problems[2]!.reason, /Duplicate user 'default'.*the last definition is used here/);
  });
});
