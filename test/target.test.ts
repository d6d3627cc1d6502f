import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTarget, TargetError, targetPassword } from '../src/redis/target.ts';
import { tlsOptions } from '../src/gather/live/tls-options.ts';
import { redact, redactWords } from '../src/util/redact.ts';
import type { Target, TargetFlags } from '../src/redis/target.ts';
import { makeCerts } from './harness/certs.ts';

interface Case {
  name: string;
  spec: string | undefined;
  flags?: TargetFlags;
  env?: Record<string, string | undefined>;
  expect: {
    display: string;
    host: string;
    port: number;
    db?: number;
    username?: string;
    password?: string;
    tls?: boolean;
  };
}

const cases: Case[] = [
  { name: 'nothing', spec: undefined, expect: { display: 'redis://127.0.0.1:6379', host: '127.0.0.1', port: 6379 } },
  { name: 'empty string', spec: '', expect: { display: 'redis://127.0.0.1:6379', host: '127.0.0.1', port: 6379 } },
  { name: 'bare host', spec: 'cache.internal', expect: { display: 'redis://cache.internal:6379', host: 'cache.internal', port: 6379 } },
  { name: 'host:port', spec: '10.0.0.5:6380', expect: { display: 'redis://10.0.0.5:6380', host: '10.0.0.5', port: 6380 } },
  { name: 'bracketed IPv6 with port', spec: '[::1]:6380', expect: { display: 'redis://[::1]:6380', host: '::1', port: 6380 } },
  { name: 'bracketed IPv6 without port', spec: '[fe80::1]', expect: { display: 'redis://[fe80::1]:6379', host: 'fe80::1', port: 6379 } },
  { name: 'bare IPv6 literal', spec: '::1', expect: { display: 'redis://[::1]:6379', host: '::1', port: 6379 } },
  { name: 'bare full IPv6 literal', spec: '2001:db8::7', expect: { display: 'redis://[2001:db8::7]:6379', host: '2001:db8::7', port: 6379 } },
  { name: 'redis URL', spec: 'redis://h:7000', expect: { display: 'redis://h:7000', host: 'h', port: 7000 } },
  { name: 'redis URL without port', spec: 'redis://h', expect: { display: 'redis://h:6379', host: 'h', port: 6379 } },
  {
    name: 'redis URL with user, password and db',
    spec: 'redis://alice:s3cret@h:7000/2',
    expect: { display: 'redis://alice@h:7000/2', host: 'h', port: 7000, db: 2, username: 'alice', password: 's3cret' },
  },
  {
    name: 'password only',
    spec: 'redis://:s3cret@h',
    expect: { display: 'redis://h:6379', host: 'h', port: 6379, password: 's3cret' },
  },
  { name: 'user only', spec: 'redis://bob@h', expect: { display: 'redis://bob@h:6379', host: 'h', port: 6379, username: 'bob' } },
  { name: 'db 0 is not shown', spec: 'redis://h/0', expect: { display: 'redis://h:6379', host: 'h', port: 6379, db: 0 } },
  { name: 'trailing slash', spec: 'redis://h:1/', expect: { display: 'redis://h:1', host: 'h', port: 1 } },
  {
    name: 'percent-encoded user and password',
    spec: 'redis://us%40er:p%3Aa%2Fss%20word@h',
    expect: { display: 'redis://us%40er@h:6379', host: 'h', port: 6379, username: 'us@er', password: 'p:a/ss word' },
  },
  {
    name: 'unencoded @ in the password',
    spec: 'redis://u:p@ss@h:6390',
    expect: { display: 'redis://u@h:6390', host: 'h', port: 6390, username: 'u', password: 'p@ss' },
  },
  { name: 'rediss is TLS', spec: 'rediss://h', expect: { display: 'rediss://h:6379', host: 'h', port: 6379, tls: true } },
  { name: 'valkey is redis', spec: 'valkey://h:1234/3', expect: { display: 'redis://h:1234/3', host: 'h', port: 1234, db: 3 } },
  { name: 'valkeys is TLS', spec: 'valkeys://h', expect: { display: 'rediss://h:6379', host: 'h', port: 6379, tls: true } },
  { name: 'scheme is case-insensitive', spec: 'REDISS://h', expect: { display: 'rediss://h:6379', host: 'h', port: 6379, tls: true } },
  { name: 'IPv6 in a URL', spec: 'rediss://[::1]:6390', expect: { display: 'rediss://[::1]:6390', host: '::1', port: 6390, tls: true } },
  {
    name: 'flags alone',
    spec: undefined,
    flags: { host: 'db.example', port: 6390, user: 'u', pass: 'pw', db: 4, tls: true },
    expect: { display: 'rediss://u@db.example:6390/4', host: 'db.example', port: 6390, db: 4, username: 'u', password: 'pw', tls: true },
  },
  {
    name: 'flags override URL parts',
    spec: 'redis://alice:urlpw@h:7000/2',
    flags: { host: 'other', port: 7001, user: 'bob', pass: 'flagpw', db: 5 },
    expect: { display: 'redis://bob@other:7001/5', host: 'other', port: 7001, db: 5, username: 'bob', password: 'flagpw' },
  },
  {
    name: '--tls turns a redis:// URL into TLS',
    spec: 'redis://h',
    flags: { tls: true },
    expect: { display: 'rediss://h:6379', host: 'h', port: 6379, tls: true },
  },
  {
    name: '-h with a bare IPv6 address',
    spec: undefined,
    flags: { host: '::1' },
    expect: { display: 'redis://[::1]:6379', host: '::1', port: 6379 },
  },
  {
    name: 'REDISCLI_AUTH when no password is given',
    spec: 'h',
    env: { REDISCLI_AUTH: 'envpw' },
    expect: { display: 'redis://h:6379', host: 'h', port: 6379, password: 'envpw' },
  },
  {
    name: 'the URL password wins over REDISCLI_AUTH',
    spec: 'redis://:urlpw@h',
    env: { REDISCLI_AUTH: 'envpw' },
    expect: { display: 'redis://h:6379', host: 'h', port: 6379, password: 'urlpw' },
  },
  {
    name: '--pass wins over REDISCLI_AUTH',
    spec: 'h',
    flags: { pass: 'flagpw' },
    env: { REDISCLI_AUTH: 'envpw' },
    expect: { display: 'redis://h:6379', host: 'h', port: 6379, password: 'flagpw' },
  },
  {
    name: 'an IPv6 zone id, %25 in a URL (RFC 6874), is the socket\'s %',
    spec: 'redis://[fe80::1%25eth0]:6380',
    expect: { display: 'redis://[fe80::1%eth0]:6380', host: 'fe80::1%eth0', port: 6380 },
  },
  {
    name: 'a port with leading zeros, as redis-cli -p reads it (and as -p 016401 was already read)',
    spec: 'redis://h:016401',
    expect: { display: 'redis://h:16401', host: 'h', port: 16401 },
  },
  {
    name: 'an empty REDISCLI_AUTH is no password',
    spec: 'h',
    env: { REDISCLI_AUTH: '' },
    expect: { display: 'redis://h:6379', host: 'h', port: 6379 },
  },
];

describe('resolveTarget accepts', () => {
  for (const c of cases) {
    test(c.name, () => {
      const target = resolveTarget(c.spec, c.flags ?? {}, c.env ?? {});
      assert.equal(target.display, c.expect.display);
      assert.equal(target.host, c.expect.host);
      assert.equal(target.port, c.expect.port);
      assert.equal(target.db, c.expect.db ?? 0);
      assert.equal(target.username, c.expect.username);
      assert.equal(targetPassword(target), c.expect.password);
      assert.equal(target.hasPassword, c.expect.password !== undefined);
      assert.equal(target.tls !== undefined, c.expect.tls ?? false);
      assert.ok(Object.isFrozen(target));
    });
  }
});

const invalid: [name: string, spec: string | undefined, flags: TargetFlags, message: string][] = [
  ['port too large', 'redis://user:pw@host:99999', {}, "invalid target 'redis://user@host:99999': port must be 1-65535"],
  ['port too large, whatever its leading zeros', 'host:00065536', {}, "invalid target 'host:00065536': port must be 1-65535"],
  ['port zero', 'host:0', {}, "invalid target 'host:0': port must be 1-65535"],
  ['port not a number', 'host:abc', {}, "invalid target 'host:abc': port must be 1-65535"],
  ['port empty', 'redis://host:', {}, "invalid target 'redis://host:': port must be 1-65535"],
  ['--port out of range', 'host', { port: 70000 }, "invalid target 'host': -p 70000: port must be 1-65535"],
  ['unknown scheme', 'http://host', {}, "invalid target 'http://host': unsupported scheme 'http:' (use redis://, rediss://, valkey://, valkeys:// or unix:///path/to/socket)"],
  ['prototype key as scheme', '__proto__://h', {}, "invalid target '__proto__://h': unsupported scheme '__proto__:' (use redis://, rediss://, valkey://, valkeys:// or unix:///path/to/socket)"],
  ['host missing', 'redis://:pw@', {}, "invalid target 'redis://': host is missing"],
  ['host missing before port', ':6379', {}, "invalid target ':6379': host is missing"],
  ['bad host characters', 'bad host!', {}, "invalid target 'bad host!': host 'bad host!' is not a valid host name or IP address"],
  ['bad -h', undefined, { host: 'a/b' }, "invalid target 'a/b': -h 'a/b' is not a valid host name or IP address"],
  // All digits are an IPv4 address number to the resolver (6380 is 0.0.24.236): a port typed alone went there.
  ['a port alone', '6380', {}, "invalid target '6380': host '6380' is all digits, which the resolver reads as an IPv4 address number, not a name: for a port, write 127.0.0.1:6380 (or -p 6380); for an address, write it dotted"],
  ['all digits in a URL', 'redis://6380:6379', {}, "invalid target 'redis://6380:6379': host '6380' is all digits, which the resolver reads as an IPv4 address number, not a name: for a port, write 127.0.0.1:6380 (or -p 6380); for an address, write it dotted"],
  ['all digits in -h', undefined, { host: '6380' }, "invalid target '6380': -h '6380' is all digits, which the resolver reads as an IPv4 address number, not a name: for a port, write 127.0.0.1:6380 (or -p 6380); for an address, write it dotted"],
  ['unbracketed IPv6 in a URL', 'redis://::1:6379', {}, "invalid target 'redis://::1:6379': an IPv6 address in a URL must be in brackets, e.g. redis://[::1]:6379"],
  ['not an IPv6 literal', ':::1:2:3', {}, "invalid target ':::1:2:3': ':::1:2:3' is not an IPv6 address (use [addr]:port to give a port)"],
  ['bracketed non-IPv6', '[nope]:1', {}, "invalid target '[nope]:1': 'nope' is not an IPv6 address"],
  ['two ports in a URL', 'redis://127.0.0.1:6379:6380', {}, "invalid target 'redis://127.0.0.1:6379:6380': a target has one port, not '6379:6380'"],
  ['two ports after an IPv6 address', 'redis://[::1]:6379:6380', {}, "invalid target 'redis://[::1]:6379:6380': a target has one port, not '6379:6380'"],
  ['two ports without a scheme', 'db1:6379:7000', {}, "invalid target 'db1:6379:7000': a target has one port, not '6379:7000'"],
  ['unclosed bracket', '[::1:6379', {}, "invalid target '[::1:6379': missing ']' after the IPv6 address"],
  ['bad database', 'redis://h/x', {}, "invalid target 'redis://h/x': database 'x' must be a non-negative integer"],
  ['bad -n', 'h', { db: -1 }, "invalid target 'h': -n -1: database must be a whole number from 0 to 2147483647"],
  ['a database past 2^31 - 1', 'redis://h/99999999999', {}, "invalid target 'redis://h/99999999999': database 99999999999: database must be a whole number from 0 to 2147483647"],
  // Other clients take `?password=`: the query and the fragment are not echoed.
  ['query string', 'redis://h?db=1', {}, "invalid target 'redis://h?…': query strings and fragments are not supported"],
  ['a password in the query string', 'redis://u@h:6379?password=s3cretpw', {}, "invalid target 'redis://u@h:6379?…': query strings and fragments are not supported"],
  ['a fragment', 'redis://:pw@h#s3cretpw', {}, "invalid target 'redis://h#…': query strings and fragments are not supported"],
  // An `@` in the query or the fragment is no user info: nothing after `?` or `#` is shown.
  ['an @ in the query string', 'redis://h:6379?password=secretpw@x', {}, "invalid target 'redis://h…': query strings and fragments are not supported"],
  ['an @ in the fragment', 'redis://h:6379/0#pass@secretpw', {}, "invalid target 'redis://h…': query strings and fragments are not supported"],
  ['an unencoded ? in the password', 'redis://u:se?cretpw@h', {}, "invalid target 'redis://u…': query strings and fragments are not supported"],
  ['bad percent-encoding', 'redis://u:%zz@h', {}, "invalid target 'redis://u@h': invalid percent-encoding in the password"],
  ['user info without a scheme', 'u:secretpw@h', {}, "invalid target 'h': expected host, host:port or a redis:// URL"],
  ['TLS file without TLS', 'h', { cacert: '/ca.pem' }, "invalid target 'h': --cacert needs --tls or a rediss:// URL"],
  ['--cert without --key', 'rediss://h', { cert: '/c.pem' }, "invalid target 'rediss://h': --cert and --key must be given together"],
];

describe('resolveTarget rejects', () => {
  for (const [name, spec, flags, message] of invalid) {
    test(name, () => {
      assert.throws(() => resolveTarget(spec, flags, {}), (error: unknown) => {
        assert.ok(error instanceof TargetError);
        assert.equal(error.message, message);
        assert.doesNotMatch(error.message, /secretpw|:pw@/);
        return true;
      });
    });
  }
});

describe('the password never shows', () => {
  const secret = 'Sup3r-s3cret!';
  const targets: [string, Target][] = [
    ['from the URL', resolveTarget(`rediss://admin:${encodeURIComponent(secret)}@h:6390/1`, { cacert: '/ca.pem' }, {})],
    ['from --pass', resolveTarget('h', { pass: secret, user: 'admin' }, {})],
    ['from REDISCLI_AUTH', resolveTarget(undefined, {}, { REDISCLI_AUTH: secret })],
  ];
  for (const [name, target] of targets) {
    test(name, () => {
      assert.equal(targetPassword(target), secret);
      assert.equal(target.hasPassword, true);
      for (const text of [JSON.stringify(target), inspect(target, { depth: 10, showHidden: true }), target.display, String(target)]) {
        assert.ok(!text.includes(secret) && !text.includes('s3cret'), text);
      }
      assert.ok(!Object.values(target).includes(secret));
    });
  }

  test('a structurally equal object has no password', () => {
    const target = resolveTarget('redis://:pw@h', {}, {});
    assert.equal(targetPassword({ ...target }), undefined);
  });
});

describe('redact', () => {
  test('replaces every occurrence of each secret, longest first', () => {
    assert.equal(redact('pw abc pw abcd', ['abc', 'abcd', 'pw']), '*** *** *** ***');
  });
  test('also replaces the URL-encoded form', () => {
    assert.equal(redact('redis://u:p%40ss@h and p@ss', ['p@ss']), 'redis://u:***@h and ***');
  });
  test('ignores empty secrets', () => {
    assert.equal(redact('nothing here', ['', '']), 'nothing here');
  });
});

describe('redactWords', () => {
  test('masks the whole word a secret stands in, never a part of it', () => {
    assert.equal(redactWords('the exporter, x and x-ray', ['x']), 'the ***, *** and ***');
    assert.equal(redactWords('redis://u:p%40ss@h and p@ss.', ['p@ss']), 'redis://u:***@h and ***');
    assert.equal(redactWords('user:abc,abcd;pw', ['abc', 'abcd', 'pw']), 'user:***,***;***');
    assert.equal(redactWords('nothing here', ['']), 'nothing here');
  });
});

describe('tlsOptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redfort-target-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const pem = (name: string) => `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n`;
  writeFileSync(join(dir, 'ca.pem'), pem('ca'));
  writeFileSync(join(dir, 'client.pem'), pem('client'));
  // A real private key: --key is read as one (a file holding none is an error naming it).
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  writeFileSync(join(dir, 'client.key'), key);
  mkdirSync(join(dir, 'cadir'));
  writeFileSync(join(dir, 'cadir', 'a.pem'), pem('a'));
  writeFileSync(join(dir, 'cadir', 'b.0'), pem('b'));
  writeFileSync(join(dir, 'cadir', 'README'), 'not a certificate');

  test('reads the files and sets SNI to the host name', async () => {
    // Real ones: a certificate OpenSSL cannot read, or a key that is not the certificate's, is refused.
    const certs = await makeCerts();
    const target = resolveTarget('rediss://cache.example:6390', { cacert: certs.ca, cert: certs.clientCert, key: certs.clientKey }, {});
    const options = await tlsOptions(target);
    assert.equal(options.rejectUnauthorized, true);
    assert.equal(options.servername, 'cache.example');
    assert.deepEqual((options.ca as Buffer[]).map(String), [readFileSync(certs.ca, 'utf8')]);
    assert.equal(String(options.cert), readFileSync(certs.clientCert, 'utf8'));
    assert.equal(String(options.key), readFileSync(certs.clientKey, 'utf8'));
  });

  test('no SNI for an IP address; --sni and --insecure are honoured', async () => {
    assert.equal((await tlsOptions(resolveTarget('rediss://10.1.2.3', {}, {}))).servername, undefined);
    assert.equal((await tlsOptions(resolveTarget('rediss://[::1]', {}, {}))).servername, undefined);
    const options = await tlsOptions(resolveTarget('rediss://10.1.2.3', { sni: 'redis.prod', insecure: true }, {}));
    assert.equal(options.servername, 'redis.prod');
    assert.equal(options.rejectUnauthorized, false);
    assert.equal(options.ca, undefined);
  });

  test('--cacertdir reads every certificate file in the directory', async () => {
    const options = await tlsOptions(resolveTarget('rediss://h', { cacertdir: join(dir, 'cadir') }, {}));
    assert.deepEqual((options.ca as Buffer[]).map(String), [pem('a'), pem('b')]);
  });

  test('a missing file is a TargetError naming it', async () => {
    const missing = join(dir, 'nope.pem');
    await assert.rejects(tlsOptions(resolveTarget('rediss://h', { cacert: missing }, {})), {
      name: 'TargetError',
      message: `cannot read the --cacert file '${missing}': no such file or directory`,
    });
    await assert.rejects(tlsOptions(resolveTarget('rediss://h', { cert: missing, key: join(dir, 'client.key') }, {})), {
      message: `cannot read the --cert file '${missing}': no such file or directory`,
    });
    await assert.rejects(tlsOptions(resolveTarget('rediss://h', { cacertdir: join(dir, 'ca.pem') }, {})), {
      message: `cannot read the --cacertdir directory '${join(dir, 'ca.pem')}': not a directory`,
    });
  });

  test('a target without TLS is refused', async () => {
    await assert.rejects(tlsOptions(resolveTarget('h', {}, {})), TargetError);
  });
});

// QA40-58: several targets in one argument were refused as an unbracketed IPv6 address.
describe('several targets in one argument', () => {
  test('are named as such, with what to do', () => {
    for (const spec of ['redis://db1:6379,db2:6379', 'redis://127.0.0.1:6379 redis://127.0.0.1:6380', 'redis://127.0.0.1:6379;redis://127.0.0.1:6380', '127.0.0.1:22001,127.0.0.1:22003', 'db1:6379 db2:6379', '[::1]:6379,[::2]:6379']) {
      assert.throws(() => resolveTarget(spec, {}, {}), (error: Error) => {
        assert.equal(error.message, `invalid target '${spec}': it holds several targets: give each as its own argument (redfort audit redis://db1:6379 redis://db2:6379) or list them in a file for --targets FILE`);
        return true;
      });
    }
  });
});
