import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secretOfFile } from '../../src/util/secret-file.ts';

test('secretOfFile: the first line without its line ending; empty or a control character on it is refused', () => {
  assert.deepEqual(secretOfFile('pw'), { ok: true, value: 'pw' });
  assert.deepEqual(secretOfFile('pw\n'), { ok: true, value: 'pw' });
  assert.deepEqual(secretOfFile('pw\r\nnext line\n'), { ok: true, value: 'pw' });
  assert.deepEqual(secretOfFile('tab\tand spaces \n'), { ok: true, value: 'tab\tand spaces ' });
  assert.deepEqual(secretOfFile(''), { ok: false, reason: 'is empty' });
  assert.deepEqual(secretOfFile('\nsecond'), { ok: false, reason: 'is empty' });
  for (const text of ['HOME=/root\0TOKEN=x\0', 'pw\r', 'a\x1b[31m\n']) {
    assert.deepEqual(secretOfFile(text), { ok: false, reason: 'holds a control character on its first line: not a password file' }, JSON.stringify(text));
  }
  // A PEM key or certificate (the TLS key named as the password file) is refused; an editor's byte order mark dropped.
  for (const text of ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n', '\uFEFF-----BEGIN CERTIFICATE-----\r\nMIIB\n']) {
    assert.deepEqual(secretOfFile(text), { ok: false, reason: 'is a PEM file (a key or a certificate), not a password file' });
  }
  assert.deepEqual(secretOfFile('\uFEFFpw\r\n'), { ok: true, value: 'pw' });
  assert.deepEqual(secretOfFile('\uFEFF\n'), { ok: false, reason: 'is empty' });
  assert.deepEqual(secretOfFile('----- not armour'), { ok: true, value: '----- not armour' });
});
