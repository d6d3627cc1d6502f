import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DetectorId } from './detectors.ts';
import { DETECTORS, isHashed, isPlaintextSecretValue, isSecretFieldName, looksEncrypted } from './detectors.ts';
import { classifyKeyName, classifyValue, emptyVerdict } from './classify.ts';
import { keyPattern, keyPatterns } from './key-pattern.ts';

/** Each detector's table: texts it must find, and look-alikes it must not. */
const TABLE: Record<DetectorId, { positive: string[]; negative: string[] }> = {
  'private-key': {
    positive: ['-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA', '{"key":"-----BEGIN PRIVATE KEY-----\\nMIIEvQ"}', '-----BEGIN OPENSSH PRIVATE KEY-----', '-----BEGIN EC PRIVATE KEY-----'],
    negative: ['-----BEGIN CERTIFICATE-----\nMIID', '-----BEGIN PUBLIC KEY-----', 'private key rotation scheduled', '-----BEGIN ENCRYPTED PRIVATE KEY-----'],
  },
  'aws-access-key': {
    positive: ['AKIAIOSFODNN7EXAMPLE', 'aws_access_key_id=ASIAY34FZKBOKMUTVV7A', '{"k":"AKIA2OGYBAH6STMMNXNN"}'],
    negative: ['AKIA', 'AKIAIOSFODNN7EXAMPLEXYZ', 'akiaiosfodnn7example', 'XAKIAIOSFODNN7EXAMPLE', 'AKIAiosfodnn7example'],
  },
  'gcp-service-account': {
    positive: ['{"type": "service_account", "project_id": "p", "private_key_id": "abc", "private_key": "-----BEGIN'],
    negative: ['{"type": "authorized_user", "client_id": "x"}', '{"type": "service_account", "project_id": "p"}', 'service_account private_key'],
  },
  'azure-storage-key': {
    positive: [
      'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;EndpointSuffix=core.windows.net',
      'BlobEndpoint=https://acme.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2030-01-01&sig=abcdefABCDEF0123456789%2Bxyz%3D',
    ],
    negative: ['DefaultEndpointsProtocol=https;AccountName=acme;EndpointSuffix=core.windows.net', 'UseDevelopmentStorage=true', 'AccountKey=short'],
  },
  jwt: {
    positive: [
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
      'Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlLWJ5dGVzLWhlcmU',
    ],
    negative: ['eyJub3QiOiJqd3QifQ.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLWJ5dGVz', 'a.b.c', 'www.example.com', 'eyJhbGciOiJIUzI1NiJ9', '1.2.3'],
  },
  'secret-field': { positive: [], negative: ['password=hunter2'] },
  'card-number': {
    positive: ['4111111111111111', '4111 1111 1111 1111', '5500-0000-0000-0004', 'card 378282246310005 on file', '6011111111111117', '{"pan":"4012888888881881"}'],
    negative: ['4111111111111112', '1733270400000', '17332704000001', '1234567812345670', '4111 1111-1111 1111', 'order 00000000000000', '3.14159265358979', '41111111111111111111', '+4917130480586'],
  },
  'us-ssn': {
    positive: ['078-05-1120', 'ssn: 219-09-9999', '{"ssn":"536-22-1234"}'],
    negative: ['000-12-3456', '666-12-3456', '900-12-3456', '123-00-4567', '123-45-0000', '2024-12-03', '555-123-4567', '123456789', '1-078-05-1120'],
  },
  iban: {
    positive: ['GB82WEST12345698765432', 'GB82 WEST 1234 5698 7654 32', 'DE89370400440532013000', 'iban=FR1420041010050500013M02606'],
    negative: ['GB82WEST12345698765433', 'DE89370400440532013001', 'XX89370400440532013000', 'GB82WEST1234', 'ORDER12ABCDEFGHIJKLMNOP'],
  },
  email: {
    positive: ['alice@example.com', 'contact: Bob.Smith+tag@mail.example.co.uk.', '{"email":"x_y@sub.example.org"}'],
    negative: ['alice@', '@example.com', 'user@localhost', 'git@github', 'name at example dot com', 'a@b.c'],
  },
  phone: {
    positive: ['+14155552671', '+44 20 7946 0958', 'tel:+33-1-23-45-67-89', '{"phone":"+491701234567"}'],
    negative: ['14155552671', '+0123456789', '+1234', '2024-12-03T10:00:00+01:00', 'v+12', '+1 415'],
  },
};

for (const d of DETECTORS) {
  const table = TABLE[d.id];
  test(`detector ${d.id} (${d.severity}): finds the positives`, () => {
    for (const text of table.positive) assert.equal(d.test(text), true, `${d.id} should find ${JSON.stringify(text)}`);
  });
  test(`detector ${d.id}: ignores the negatives`, () => {
    for (const text of table.negative) assert.equal(d.test(text), false, `${d.id} should ignore ${JSON.stringify(text)}`);
  });
}

test('every detector has a name, a severity and a table', () => {
  for (const d of DETECTORS) {
    assert.ok(d.name.length > 0);
    assert.ok(TABLE[d.id], d.id);
  }
});

test('secret field names: the last word says password, secret, token or a qualified key', () => {
  for (const name of ['password', 'passwd', 'userPassword', 'db_password', 'client_secret', 'api_key', 'apiKey', 'API-KEY', 'apikey', 'access_token', 'refreshToken', 'private_key', 'SECRET']) {
    assert.equal(isSecretFieldName(name), true, name);
  }
  for (const name of ['password_hash', 'passwordDigest', 'token_expires_at', 'tokenCount', 'cache_key', 'primaryKey', 'key', 'secretary_name', 'username', 'tokenType']) {
    assert.equal(isSecretFieldName(name), false, name);
  }
});

test('hashes are recognised as hashed, not plaintext', () => {
  const hashed = [
    '$2b$12$KIXQJHqH7bJ6e6Lh3fQ2X.Yk5Hj7j8Fz9l0AqkQmI1sKXoYJr1v5u',
    '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG',
    '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    '5f4dcc3b5aa765d61d8327deb882cf99',
    'pbkdf2_sha256$600000$salt$hashhashhash',
  ];
  for (const h of hashed) {
    assert.equal(isHashed(h), true, h);
    assert.equal(isPlaintextSecretValue(h), false, h);
  }
  for (const v of ['hunter2!', 'correct horse battery staple', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'P@ssw0rd123']) {
    assert.equal(isPlaintextSecretValue(v), true, v);
  }
  for (const v of ['', 'true', '***', '12345', 'null', 'vault:v1:8SDd3WHDOjf7mq69CyCqYjBXAiQQAVZRkFM13ok481zoCmHnSeDX9vyf7w==']) {
    assert.equal(isPlaintextSecretValue(v), false, v);
  }
});

test('ciphertext: envelopes and long high-entropy base64 or hex look encrypted; text, ids and hashes do not', () => {
  const encrypted = [
    'vault:v1:8SDd3WHDOjf7mq69CyCqYjBXAiQQAVZRkFM13ok481zoCmHnSeDX9vyf7w==',
    'gAAAAABlZ3mN0m1xQy3fV8u8uJvXg2dB4c3yQ9pP2wC6rS5tK7hL1eF0aZ9sX8vB2nM4qW6eR1tY3uI5oP7aS9dF0gH2jK4lZ6xC8vB0nM==',
    'AYADeBcOr5rT4dZs1jWgKk2qV3mRzN9pXbQ1fY8cE6hL0uA7wS5tG4iO2nM3vB9xC1zP8yR6eT4qW2uI0oK5jH7gF3dD1sA9lZ8xC6vB4nM2qW==',
    'q83vEjRWeJq8Uq3Nw7zZ0Q9e1hF2kLmN4pR6tV8xY0aB2cD4eF6gH8iJ0kL2mN4p',
    'c2f1e6b0a9d84e7f3b2a1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5',
  ];
  for (const v of encrypted) assert.equal(looksEncrypted(v), true, v);
  const clear = [
    'hello world, this is a perfectly ordinary sentence of text.',
    '550e8400-e29b-41d4-a716-446655440000',
    '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    '<div class="card"><p>Hello</p></div>',
    '2024-12-03T10:00:00Z',
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    'ThisIsALongCamelCaseIdentifierWithoutAnyDigitsAtAll',
  ];
  for (const v of clear) assert.equal(looksEncrypted(v), false, v);
});

test('documents are searched inside: nested JSON, cut JSON, query strings, PHP-serialized arrays', () => {
  const cases: [string, string | undefined, DetectorId][] = [
    ['{"user":{"profile":{"contact":{"email":"alice@example.com"}}}}', undefined, 'email'],
    ['{"db":{"password":"hunter2hunter2"}}', undefined, 'secret-field'],
    ['{"db":{"password":"hunter2hunter2"},"padding":"xxxxxxxx', undefined, 'secret-field'],
    ['host=db&user=app&password=s3cr3t-pass&sslmode=require', undefined, 'secret-field'],
    ['a:2:{s:4:"user";s:5:"alice";s:8:"password";s:9:"hunter2!!";}', undefined, 'secret-field'],
    ['hunter2hunter2', 'password', 'secret-field'],
    ['[{"card":"4111 1111 1111 1111"}]', undefined, 'card-number'],
  ];
  for (const [value, field, expected] of cases) {
    const v = emptyVerdict();
    classifyValue(value, field, v);
    assert.ok(v.plaintext.has(expected), `${value} -> ${expected}, got ${[...v.plaintext].join(',')}`);
  }
  const hashed = emptyVerdict();
  classifyValue('{"password":"$2b$12$KIXQJHqH7bJ6e6Lh3fQ2X.Yk5Hj7j8Fz9l0AqkQmI1sKXoYJr1v5u"}', undefined, hashed);
  assert.deepEqual([...hashed.plaintext], []);
  assert.equal(hashed.hashed, true);
  const sealed = emptyVerdict();
  classifyValue('{"password":"vault:v1:8SDd3WHDOjf7mq69CyCqYjBXAiQQAVZRkFM13ok481zoCmHnSeDX9vyf7w=="}', undefined, sealed);
  assert.deepEqual([...sealed.plaintext], []);
  assert.equal(sealed.encrypted, true);
});

test('key names are searched for personal data', () => {
  const v = emptyVerdict();
  classifyKeyName('session:alice@example.com', v);
  assert.ok(v.plaintext.has('email'));
});

test('key patterns mask numbers, ids, hash tags, e-mail addresses and names, and keep recurring words', () => {
  assert.equal(keyPattern('session:{550e8400-e29b-41d4-a716-446655440000}'), 'session:*');
  assert.equal(keyPattern('session:550e8400-e29b-41d4-a716-446655440000'), 'session:*');
  assert.equal(keyPattern('user:1234:profile'), 'user:*:*');
  assert.equal(keyPattern('cache/9f86d081884c7d65'), 'cache/*');
  assert.equal(keyPattern('session:alice@example.com'), 'session:*');
  assert.equal(keyPattern('alice@example.com'), '*');
  const names = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
  const keys = names.flatMap((n, i) => [`user:${n}:profile`, `user:${n}:cart`, `order:${1000 + i}`]);
  const patterns = keyPatterns(keys);
  assert.deepEqual([...new Set(patterns)].sort(), ['order:*', 'user:*:cart', 'user:*:profile']);
  for (const p of patterns) for (const n of names) assert.ok(!p.includes(n), `${p} names ${n}`);
});
