import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateLogins } from '../../src/redis/certificate-logins.ts';
import { liveFacts } from '../rule-tester.ts';

// tls-auth-clients-user (Redis 8.6: CN; Valkey 9: CN or URI) logs a verified client certificate in as the enabled user it
// names (redis 8.6.3 networking.c clientAcceptHandler, tls.c tlsGetPeerUsername; valkey 9.1.2 tls.c tlsGetPeerUser): only
// where the server asks for certificates (tls-auth-clients yes|optional) on a TLS port.
const of = (conf: string, version = '8.6.3', product: 'redis' | 'valkey' = 'redis') => {
  const facts = liveFacts({ version, product, conf });
  return certificateLogins(facts.config, facts.server);
};

test('certificateLogins: on with CN or URI where a TLS port asks for certificates', () => {
  assert.deepEqual(of('tls-port 6380\ntls-auth-clients-user CN'), { state: 'on', field: 'CN', settings: 'tls-auth-clients-user CN, tls-auth-clients yes' });
  assert.deepEqual(of('tls-port 6380\ntls-auth-clients optional\ntls-auth-clients-user URI', '9.1.2', 'valkey'), { state: 'on', field: 'URI', settings: 'tls-auth-clients-user URI, tls-auth-clients optional' });
});

test('certificateLogins: off when the setting is off, no certificate is asked for, there is no TLS port, or the release has none', () => {
  assert.deepEqual(of('tls-port 6380'), { state: 'off' });
  assert.deepEqual(of('tls-port 6380\ntls-auth-clients no\ntls-auth-clients-user CN'), { state: 'off' });
  assert.deepEqual(of('tls-auth-clients-user CN'), { state: 'off' });
  assert.deepEqual(of('tls-port 6380', '8.0.6'), { state: 'off' });
  const old = liveFacts({ version: '7.2.4' });
  assert.deepEqual(certificateLogins(undefined, old.server), { state: 'off' });
  assert.deepEqual(certificateLogins(undefined, { ...old.server!, mode: 'sentinel', version: '8.6.3' }), { state: 'off' });
});

test('certificateLogins: unknown where the configuration was not read, on a release that has it or an unknown one', () => {
  const facts = liveFacts({ version: '8.6.3' });
  assert.equal(certificateLogins(undefined, facts.server).state, 'unknown');
  assert.equal(certificateLogins(undefined, { ...facts.server!, product: 'valkey', version: '9.0.3' }).state, 'unknown');
  assert.equal(certificateLogins(undefined, undefined).state, 'unknown');
});
