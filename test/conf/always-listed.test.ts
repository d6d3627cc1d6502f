import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alwaysListed } from '../../src/redis/directives.ts';

// The settings a CONFIG GET * must list to be taken as complete (the rest of the proof is fake-server.test.ts:
// a real 7.0.15's reply is complete, one without requirepass or protected-mode makes the rules skip).
describe('alwaysListed', () => {
  it('holds each version to the settings it has', () => {
    const core = ['port', 'bind', 'protected-mode', 'requirepass', 'masterauth', 'logfile', 'dir', 'aclfile', 'masteruser'];
    const since6 = ['save', 'appendonly', 'appendfsync', 'daemonize', 'loglevel', 'syslog-enabled', 'syslog-facility', 'cluster-enabled'];
    const since7 = ['enable-debug-command', 'enable-module-command', 'enable-protected-configs'];
    assert.deepEqual(alwaysListed('redis', '7.0.15'), [...core, ...since6, 'acl-pubsub-default', ...since7]);
    assert.deepEqual(alwaysListed('redis', '6.2.14'), [...core, ...since6, 'acl-pubsub-default']);
    assert.deepEqual(alwaysListed('redis', '6.0.20'), [...core, ...since6]);
    // 6.0-7.0 built without TLS lists no tls-*; from 7.2 (and in every Valkey) they always exist.
    assert.ok(!alwaysListed('redis', '6.0.20').includes('tls-port'));
    assert.ok(alwaysListed('redis', '6.0.20', true).includes('tls-protocols'));
    assert.ok(alwaysListed('redis', '7.0.15', true).includes('tls-auth-clients'));
    assert.ok(alwaysListed('redis', '7.2.6').includes('tls-port'));
    assert.ok(alwaysListed('redis', '7.2.6').includes('tls-protocols'));
    assert.ok(alwaysListed('redis', '8.0.2').includes('tls-port'));
    assert.ok(alwaysListed('valkey', '7.2.7').includes('tls-port'));
    // Before 6.0: no ACL; before 3.2: no protected mode, and only port is held.
    assert.deepEqual(alwaysListed('redis', '5.0.14'), ['port', 'bind', 'protected-mode', 'requirepass', 'masterauth', 'logfile', 'dir']);
    assert.deepEqual(alwaysListed('redis', '3.0.7'), ['port']);
    assert.deepEqual(alwaysListed('redis', undefined), ['port']);
    assert.deepEqual(alwaysListed('redis', 'not a version'), ['port']);
  });
});
