import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAclListLine } from '../../acl/parse.ts';
import { roleRules } from '../../profile/index.ts';
import { resolveVersion } from '../../redis/directives.ts';
import { liveFacts } from '../../../test/rule-tester.ts';
import { writtenUser } from './written-rules.ts';

// 183cc2d parsed a Sentinel profile role's rules again for each user it compared word for word (and once more for the
// user it returned): the role's parsed form is now made once per table and version, and every user matching it
// shares it.
test("a Sentinel's profile admin: its rules parsed once, shared by every user that has them word for word", () => {
  const facts = liveFacts({ mode: 'sentinel', version: '7.0.15' });
  const rules = roleRules('admin', resolveVersion('7.0.15'), 'sentinel');
  const users = ['one', 'two'].map((name) => parseAclListLine(`user ${name} on nopass ${rules.join(' ')}`, { kind: 'live', command: 'ACL LIST' }, { version: '7.0.15' }));
  const [a, b] = users.map((u) => writtenUser(u, facts.acl!, undefined, facts.categories!, facts.server));
  assert.match(a!.note ?? '', /the hardening profile's admin user/);
  assert.match(b!.note ?? '', /the hardening profile's admin user/);
  assert.equal(a!.user.name, 'one');
  assert.equal(b!.user.name, 'two');
  assert.equal(a!.user.rules, b!.user.rules, 'one parsed form of the role, not one per user');
  // A +@all user allows as much but is not the role.
  const all = parseAclListLine('user three on nopass ~* &* +@all', { kind: 'live', command: 'ACL LIST' }, { version: '7.0.15' });
  assert.equal(writtenUser(all, facts.acl!, undefined, facts.categories!, facts.server).note, undefined);
});
