import assert from 'node:assert/strict';
import { test } from 'node:test';
import { digestPassword } from '../acl/parse.ts';
import { liveFacts } from '../../test/rule-tester.ts';
import { loginAs } from './util.ts';

// LEFT-2: sentinel.no-auth-user (a sentinel's auth-user on the servers it watches) and replication.no-masteruser (a
// replica's masteruser on its master) each looked up the user, its state, its passwords and its commands by hand;
// one helper answers for both now, each rule reading it in its own order (their verdicts and words unchanged: their
// own tests).
const PW = 'login-as-password-0123456789';
const sha = digestPassword(PW).sha256;
const facts = liveFacts({
  acl: [
    'user default on nopass ~* &* +@all',
    `user repl on #${sha} -@all +psync +replconf +ping`,
    `user off-user off #${sha} +@all`,
    'user open on nopass -@all +ping',
  ],
});
const COMMANDS = ['psync', 'replconf', 'ping'];

test('loginAs: the user, whether it is on, takes the password and may run the commands', () => {
  const ok = loginAs(facts.acl!, facts.categories, 'repl', digestPassword(PW), COMMANDS);
  assert.equal(ok.user?.name, 'repl');
  assert.deepEqual([ok.on, ok.takes, ok.missing], [true, true, []]);
  const wrong = loginAs(facts.acl!, facts.categories, 'repl', digestPassword('another-password-0123456789'), COMMANDS);
  assert.equal(wrong.takes, false);
  assert.deepEqual([loginAs(facts.acl!, facts.categories, 'off-user', digestPassword(PW), COMMANDS)].map((l) => [l.on, l.takes]), [[false, true]]);
  const open = loginAs(facts.acl!, facts.categories, 'open', digestPassword('anything-at-all-0123456789'), COMMANDS);
  assert.deepEqual([open.takes, open.missing], [true, ['psync', 'replconf']]);
  const none = loginAs(facts.acl!, facts.categories, 'nobody', digestPassword(PW), COMMANDS);
  assert.deepEqual(none, { user: undefined, on: false, takes: false, missing: undefined });
  // Categories unknown: which commands it may run is not told.
  assert.equal(loginAs(facts.acl!, undefined, 'repl', digestPassword(PW), COMMANDS).missing, undefined);
});
