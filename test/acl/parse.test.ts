import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { AclSyntaxError, digestPassword, parseAclListLine, parseAclUser } from '../../src/acl/parse.ts';
import type { Source } from '../../src/facts/types.ts';

const src: Source = { kind: 'file', path: '/etc/redis/users.acl', line: 3 };
const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const user = (tokens: string[], version?: string) =>
  parseAclUser('u', tokens, src, version === undefined ? {} : { version });

function refused(tokens: string[], reason: RegExp | string, version?: string): AclSyntaxError {
  let caught: unknown;
  try {
    user(tokens, version);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof AclSyntaxError, `expected ${JSON.stringify(tokens)} to be refused`);
  if (typeof reason === 'string') assert.equal(caught.message, reason);
  else assert.match(caught.message, reason);
  return caught;
}

describe('digestPassword', () => {
  it('hashes the UTF-8 bytes and reports the byte length', () => {
    assert.deepEqual(digestPassword('password'), {
      set: true,
      length: 8,
      sha256: '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8',
    });
    assert.equal(digestPassword('pässwörd').length, 10);
    assert.deepEqual(digestPassword(''), {
      set: false,
      length: 0,
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    });
  });
});

describe('parseAclUser: a new user', () => {
  it('starts off, without passwords, keys or commands', () => {
    assert.deepEqual(user([]), {
      name: 'u', enabled: false, nopass: false, passwords: [], plaintextPasswords: 0, rules: [], selectors: [], source: src,
    });
  });

  it('treats the empty token as a no-op', () => {
    assert.deepEqual(user(['', 'on', '', '+get', '']).rules, ['+get']);
  });
});

describe('parseAclUser: flags and passwords', () => {
  it('on / off, last wins', () => {
    assert.equal(user(['on']).enabled, true);
    assert.equal(user(['on', 'off']).enabled, false);
  });

  it('>pw adds a plaintext digest and clears nopass', () => {
    const u = user(['nopass', '>s3cret']);
    assert.equal(u.nopass, false);
    assert.deepEqual(u.passwords, [digestPassword('s3cret')]);
    assert.equal(u.plaintextPasswords, 1);
    assert.deepEqual(u.rules, []);
  });

  it('keeps one entry per hash, like the server', () => {
    const u = user(['>a', '>a', `#${sha('a')}`, '>b']);
    assert.equal(u.passwords.length, 2);
    assert.equal(u.plaintextPasswords, 2);
  });

  it('#hash adds a digest of unknown length, not counted as plaintext', () => {
    const u = user([`#${sha('x')}`]);
    assert.deepEqual(u.passwords, [{ set: true, length: undefined, sha256: sha('x') }]);
    assert.equal(u.plaintextPasswords, 0);
  });

  it('#hash of the empty string is recognised as an empty password', () => {
    assert.deepEqual(user([`#${sha('')}`]).passwords, [{ set: false, length: 0, sha256: sha('') }]);
  });

  it('<pw and !hash remove', () => {
    assert.deepEqual(user(['>a', '>b', '<a']).passwords, [digestPassword('b')]);
    assert.deepEqual(user(['>a', '>b', `!${sha('b')}`]).passwords, [digestPassword('a')]);
    assert.equal(user(['>a', '>b', `!${sha('b')}`]).plaintextPasswords, 1);
  });

  it('nopass clears the passwords; resetpass clears them and nopass', () => {
    const n = user(['>a', 'nopass']);
    assert.equal(n.nopass, true);
    assert.deepEqual(n.passwords, []);
    const r = user(['nopass', 'resetpass']);
    assert.equal(r.nopass, false);
    assert.deepEqual(r.passwords, []);
    assert.equal(user(['>a', 'resetpass', '>b']).plaintextPasswords, 1);
  });

  it('passwords may hold spaces and any bytes', () => {
    assert.deepEqual(user(['>with space']).passwords, [digestPassword('with space')]);
  });

  it('sanitize-payload and skip-sanitize-payload are accepted and are not rules', () => {
    assert.deepEqual(user(['sanitize-payload', 'skip-sanitize-payload', '+get']).rules, ['+get']);
  });

  it('never retains the clear text, not even in rules or errors', () => {
    const u = user(['on', '>Tr0ub4dor&3', '>correct horse', '~*', '+@all', '<correct horse']);
    const json = JSON.stringify(u);
    assert.ok(!json.includes('Tr0ub4dor'));
    assert.ok(!json.includes('correct horse'));
    const err = refused(['<Hunter2'], /does not exist/);
    assert.ok(!err.message.includes('Hunter2'));
    assert.equal(err.rule, '<<redacted>');
    assert.ok(!refused(['#Hunter2'], /64 characters/).message.includes('Hunter2'));
    assert.ok(!refused(['(>Hunter2 +get)'], /Syntax error/).message.includes('Hunter2'));
  });
});

describe('parseAclUser: keys, channels and commands', () => {
  it('keeps every key, channel and command rule in order, normalised', () => {
    const u = user([
      'on', '~cache:*', '%r~ro:*', '%W~wo:*', '%wr~rw:*', 'resetkeys', 'AllKeys', 'RESETCHANNELS', '&news.*',
      'resetchannels', 'allchannels', '+@ALL', '-@Dangerous', '+CONFIG|GET', '-config|set', '+Select|0', '-flushall',
      'NOCOMMANDS', 'ALLCOMMANDS', 'allkeys',
    ]);
    assert.deepEqual(u.rules, [
      '~cache:*', '%R~ro:*', '%W~wo:*', '%RW~rw:*', 'resetkeys', 'allkeys', 'resetchannels', '&news.*',
      'resetchannels', 'allchannels', '+@all', '-@dangerous', '+config|get', '-config|set', '+select|0', '-flushall',
      'nocommands', 'allcommands', 'allkeys',
    ]);
  });

  it('keeps the case of key and channel patterns', () => {
    assert.deepEqual(user(['~User:*', '&Chan']).rules, ['~User:*', '&Chan']);
  });

  it('~* and &* are the same as allkeys and allchannels, so they may repeat', () => {
    assert.deepEqual(user(['allkeys', '~*', 'allchannels', '&*']).rules, ['allkeys', '~*', 'allchannels', '&*']);
  });

  it('%R alone is an empty read pattern (accepted by 7.0.15)', () => {
    assert.deepEqual(user(['%R']).rules, ['%R~']);
  });

  it('reset keeps its place among the rules and clears flags, passwords and selectors', () => {
    const u = user(['on', '>a', '+@all', '(+get)', 'reset', '+set']);
    assert.deepEqual(u, { ...user([]), rules: ['+@all', 'reset', '+set'] });
  });
});

describe('parseAclUser: selectors', () => {
  it('parses a selector given as one token', () => {
    const u = user(['on', '-@all', '(~s:* +GET  &c)']);
    assert.deepEqual(u.rules, ['-@all']);
    assert.deepEqual(u.selectors, [['~s:*', '+get', '&c']]);
  });

  it('merges a selector split across tokens', () => {
    assert.deepEqual(user(['(~s:*', '', '+get', '-@all', '+@read)', '(+set)']).selectors, [
      ['~s:*', '+get', '-@all', '+@read'],
      ['+set'],
    ]);
  });

  it('the empty selector is valid', () => {
    assert.deepEqual(user(['()']).selectors, [[]]);
  });

  it('clearselectors removes the selectors, not the root rules', () => {
    const u = user(['+get', '(+set)', 'ClearSelectors', '(+del)']);
    assert.deepEqual(u.rules, ['+get']);
    assert.deepEqual(u.selectors, [['+del']]);
  });
});

describe('parseAclUser: what the server refuses (messages as 7.0.15 prints them)', () => {
  const hashMsg = 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
  it('a malformed hash', () => {
    refused(['#ABC'], `Error in ACL SETUSER modifier '#<redacted>': ${hashMsg}`);
    refused([`#${sha('x').toUpperCase()}`], new RegExp(hashMsg));
    refused([`#${sha('x')}0`], new RegExp(hashMsg));
    refused(['!abc'], new RegExp(hashMsg));
  });

  it('removing a password the user does not have', () => {
    refused(['>a', '<b'], /The password you are trying to remove from the user does not exist/);
    refused([`!${sha('b')}`], /does not exist/);
  });

  it('bad key permission flags', () => {
    refused(['%Q~x'], "Error in ACL SETUSER modifier '%Q~x': Syntax error");
    refused(['%RWR~a'], /Syntax error/);
    refused(['%~a'], /Syntax error/);
    refused(['%'], /Syntax error/);
  });

  it('a key pattern after allkeys or ~*, a channel after allchannels', () => {
    refused(['allkeys', '~x'], /Adding a pattern after the \* pattern \(or the 'allkeys' flag\)/);
    refused(['~*', '%R~*'], /'allkeys' flag/);
    refused(['allchannels', '&x'], /Adding a pattern after the \* pattern \(or the 'allchannels' flag\)/);
    assert.deepEqual(user(['allkeys', 'resetkeys', '~x']).rules, ['allkeys', 'resetkeys', '~x']);
  });

  it('patterns with spaces', () => {
    refused(['~a b'], "Error in ACL SETUSER modifier '~a b': Syntax error");
    refused(['&a b'], /Syntax error/);
  });

  it('unmatched parenthesis', () => {
    refused(['(+get', '~x'], "Unmatched parenthesis in acl selector starting at '(+get'.");
  });

  it('root-only rules inside a selector, and stray tokens', () => {
    refused(['(on)'], "Error in ACL SETUSER modifier '(on)': Syntax error");
    refused([')'], /Syntax error/);
    refused(['bogus'], "Error in ACL SETUSER modifier 'bogus': Syntax error");
  });

  it('empty command, category or first-arg', () => {
    refused(['+'], "Error in ACL SETUSER modifier '+': Unknown command or category name in ACL");
    refused(['-@'], /Unknown command or category name in ACL/);
    refused(['+debug|'], "Error in ACL SETUSER modifier '+debug|': Syntax error");
  });

  it('first-arg of a subcommand (7.0+)', () => {
    refused(['+config|get|maxmemory'], /Allowing first-arg of a subcommand is not supported/);
  });

  it('unknown categories, when the version has a closed set', () => {
    refused(['+@foo'], /Unknown command or category name in ACL/, '7.0.15');
    assert.deepEqual(user(['+@json']).rules, ['+@json']);
  });
});

describe('parseAclUser: grammar by version', () => {
  it('6.0 has no channels, key permissions, selectors, sanitize flags or -cmd|sub', () => {
    refused(['&x'], /Syntax error/, '6.0.20');
    refused(['allchannels'], /Syntax error/, '6.0.20');
    refused(['resetchannels'], /Syntax error/, '6.0.20');
    refused(['sanitize-payload'], /Syntax error/, '6.0.20');
    refused(['%R~x'], /Syntax error/, '6.0.20');
    refused(['(+get)'], /Syntax error/, '6.0.20');
    refused(['clearselectors'], /Syntax error/, '6.0.20');
    refused(['-config|set'], /Unknown command or category name in ACL/, '6.0.20');
  });

  // Live 6.0.20 refuses `+@all +config|get`, `+config +config|get` and `allcommands +config|get` (a `user` line of
  // redis.conf); it starts with `+@all -config +config|get`, `+@all -@dangerous +config|get`, `+config|get +@all`.
  it('6.0 refuses a subcommand of a command already fully allowed (6.2 takes it)', () => {
    for (const rules of [['+@all', '+config|get'], ['+config', '+CONFIG|get'], ['allcommands', '+config|get'], ['-@all', '+@admin', '+config|get'], ['+config|get', '+@all', '+config|set']]) {
      refused(rules, /Adding a subcommand of a command already fully added is not allowed/, '6.0.20');
      assert.deepEqual(user(rules, '6.2.16').rules, rules.map((r) => r.toLowerCase()));
    }
    for (const rules of [['+@all', '-config', '+config|get'], ['+@all', '-@dangerous', '+config|get'], ['+config|get', '+@all'], ['+@all', 'reset', '+config|get'], ['+@all', '+config|get'].slice(1), ['+@all', '+nosuchcmd|x'], ['+@all', 'nocommands', '+config|get', '+config|set'], ['+@read', '+config|get']]) {
      assert.deepEqual(user(rules, '6.0.20').rules, rules.map((r) => r.toLowerCase()), rules.join(' '));
    }
    assert.deepEqual(user(['+@all', '+config|get']).rules, ['+@all', '+config|get']);
  });

  it('6.2 has channels and sanitize flags, but no key permissions or selectors', () => {
    assert.deepEqual(user(['resetchannels', '&x', 'sanitize-payload'], '6.2.16').rules, ['resetchannels', '&x']);
    refused(['%W~x'], /Syntax error/, '6.2.16');
    refused(['(+get', '~x)'], /Syntax error/, '6.2.16');
  });

  it('6.x splits a first-arg at the first |, so +config|get|x is a first-arg of config', () => {
    assert.deepEqual(user(['+config|get|x'], '6.2.16').rules, ['+config|get|x']);
  });

  it('accepts everything with an unknown or newer version', () => {
    assert.deepEqual(user(['%R~x', '(+get)'], '8.2.1').selectors, [['+get']]);
    assert.deepEqual(user(['%R~x'], 'garbage').rules, ['%R~x']);
  });
});

describe('parseAclListLine', () => {
  const live: Source = { kind: 'live', command: 'ACL LIST' };
  const hash = sha('p');

  it('6.0 rendering', () => {
    const u = parseAclListLine(`user u1 on #${hash} ~cache:* -@all +@read +info +config|get -role -lastsave -keys`, live, {
      version: '6.0.20',
    });
    assert.equal(u.name, 'u1');
    assert.equal(u.enabled, true);
    assert.deepEqual(u.passwords, [{ set: true, length: undefined, sha256: hash }]);
    assert.equal(u.plaintextPasswords, 0);
    assert.deepEqual(u.rules, ['~cache:*', '-@all', '+@read', '+info', '+config|get', '-role', '-lastsave', '-keys']);
    assert.equal(u.source, live);
  });

  it('6.2 rendering with &* on every user', () => {
    const d = parseAclListLine('user default on nopass ~* &* +@all', live, { version: '6.2.16' });
    assert.equal(d.nopass, true);
    assert.deepEqual(d.rules, ['~*', '&*', '+@all']);
    const u9 = parseAclListLine(`user u9 on #${hash} ~* resetchannels &news.* +@all`, live, { version: '6.2.16' });
    assert.deepEqual(u9.rules, ['~*', 'resetchannels', '&news.*', '+@all']);
  });

  it('7.0 rendering with key permissions and selectors', () => {
    const u10 = parseAclListLine(`user u10 on #${hash} %R~r:* %W~w:* ~rw:* resetchannels +@all`, live);
    assert.deepEqual(u10.rules, ['%R~r:*', '%W~w:*', '~rw:*', 'resetchannels', '+@all']);
    const u11 = parseAclListLine(
      `user u11 on #${hash} ~* resetchannels +@all (~s:* resetchannels -@all +get) (%R~t:* resetchannels -@all +@read)`,
      live,
    );
    assert.deepEqual(u11.rules, ['~*', 'resetchannels', '+@all']);
    assert.deepEqual(u11.selectors, [
      ['~s:*', 'resetchannels', '-@all', '+get'],
      ['%R~t:*', 'resetchannels', '-@all', '+@read'],
    ]);
  });

  it('7.2+ rendering with sanitize-payload', () => {
    const u = parseAclListLine(
      `user u1 on sanitize-payload #${hash} ~cache:* resetchannels -@all +@read -@dangerous +info +config|get`,
      live,
    );
    assert.deepEqual(u.rules, ['~cache:*', 'resetchannels', '-@all', '+@read', '-@dangerous', '+info', '+config|get']);
    assert.equal(u.enabled, true);
  });

  it('ACL file quirks: single-space split, surrounding whitespace, tabs trimmed from tokens', () => {
    const u = parseAclListLine('  user app on  >pa"ss  ~app:*\t +@read \r\n', src);
    assert.deepEqual(u.rules, ['~app:*', '+@read']);
    assert.deepEqual(u.passwords, [digestPassword('pa"ss')]);
    assert.equal(u.plaintextPasswords, 1);
  });

  it('quotes are not interpreted: >"x y" is two tokens, the second a syntax error', () => {
    assert.throws(() => parseAclListLine('user a on >"x y"', src), /modifier 'y"': Syntax error/);
  });

  it('refuses a line not starting with the lowercase user keyword', () => {
    assert.throws(() => parseAclListLine('USER alice on', src), AclSyntaxError);
    assert.throws(() => parseAclListLine('# comment', src), /should start with user keyword/);
    assert.throws(() => parseAclListLine('user', src), /should start with user keyword/);
  });

  it('merges selectors across spaces and refuses an unmatched one', () => {
    assert.deepEqual(parseAclListLine('user a (~x +get)', src).selectors, [['~x', '+get']]);
    assert.throws(() => parseAclListLine('user a on (~x +get', src), /Unmatched parenthesis/);
  });
});
