import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandTouches, unrestorableSentinelField } from '../../src/fix/apply.ts';

// What a plan step's command changes, whatever the step says it touches (a plan file is input): what the apply
// records for the rollback beside the step's own word.
describe('commandTouches', () => {
  it('names the settings of CONFIG SET, the users of ACL SETUSER and DELUSER', () => {
    assert.deepEqual(commandTouches(['CONFIG', 'SET', 'LogLevel', 'warning', 'maxmemory', '1gb']), [{ kind: 'config', name: 'loglevel' }, { kind: 'config', name: 'maxmemory' }]);
    assert.deepEqual(commandTouches(['ACL', 'SETUSER', 'default', 'on', 'nopass']), [{ kind: 'user', name: 'default' }]);
    assert.deepEqual(commandTouches(['acl', 'deluser', 'a', 'b']), [{ kind: 'user', name: 'a' }, { kind: 'user', name: 'b' }]);
  });
  it("names a sentinel's auth-user and auth-pass set by SENTINEL SET, which a rollback restores", () => {
    assert.deepEqual(commandTouches(['SENTINEL', 'SET', 'mymaster', 'auth-pass', 'x', 'AUTH-USER', 'u']), [
      { kind: 'sentinel', master: 'mymaster', field: 'auth-pass' },
      { kind: 'sentinel', master: 'mymaster', field: 'auth-user' },
    ]);
    assert.deepEqual(commandTouches(['SENTINEL', 'SET', 'mymaster', 'quorum', '2']), []);
    assert.deepEqual(commandTouches(['CONFIG', 'REWRITE']), []);
  });
  it('finds a SENTINEL SET field a rollback could not set back, as a message quotes it', () => {
    assert.equal(unrestorableSentinelField(['SENTINEL', 'SET', 'mymaster', 'AUTH-USER', 'u', 'auth-pass', { secret: 'u', prefix: '', value: '<generated>' }]), undefined);
    assert.equal(unrestorableSentinelField(['sentinel', 'set', 'mymaster', 'auth-pass', 'x', 'down-after-milliseconds', '1']), "'down-after-milliseconds'");
    assert.equal(unrestorableSentinelField(['SENTINEL', 'SET', 'mymaster', { secret: 'u', prefix: '', value: '<generated>' }, 'x']), 'a generated secret');
    assert.equal(unrestorableSentinelField(['SENTINEL', 'SET', 'mymaster', 'quorum\x1b[2J', '1']), '(not shown: 10 characters that are no sentinel field)');
    assert.equal(unrestorableSentinelField(['CONFIG', 'SET', 'quorum', '1']), undefined);
  });
});
