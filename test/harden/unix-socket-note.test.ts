import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { harden } from '../../src/harden/harden.ts';
import { PROFILES } from '../../src/profile/index.ts';
import { resolveVersion } from '../../src/redis/directives.ts';
import unixSocketPermissions from '../../src/rules/network/unix-socket-permissions.ts';
import { liveFacts } from '../rule-tester.ts';

// QA45-1: the note named `unixsocketgroup` for Redis 8.0+, which has none (redis-server 8.6.3 refuses the line:
// "Unresolved Configuration(s) Detected"); it is Valkey 8.0+'s (src/redis/directives.ts), not Valkey 7.2's.
// QA45-5: it told the clients to run in the server's group, whose members the file rules let read the data files,
// the ACL file, redis.conf and the TLS key (640, 750): the clients' group is a group of their own.
function socketNote(version: string): string {
  const conf = 'port 6379\nunixsocket /run/redis/redis.sock\nunixsocketperm 777\n';
  const result = harden(liveFacts({ conf, version }), { path: '/etc/redis/redis.conf', text: conf }, {
    profile: PROFILES.baseline,
    version: resolveVersion(version),
    prefix: '',
    reuse: new Map(),
    deployedConf: '/etc/redis/redis.conf',
    replication: false,
    generatePassword: () => 'x'.repeat(64),
  });
  const notes = result.notes.filter((n) => n.startsWith('**Unix socket:**'));
  assert.equal(notes.length, 1, result.notes.join('\n'));
  return notes[0]!;
}

describe('harden: the unix socket note names the group a Redis expert would', () => {
  for (const version of ['7.0.15', '8.0.6', '8.6.3', 'valkey-7.2.7']) {
    it(`${version}: no unixsocketgroup; a setgid directory of the clients' own group`, () => {
      const note = socketNote(version);
      assert.doesNotMatch(note, /unixsocketgroup redis-clients|the one `unixsocketgroup` names/, note);
      assert.match(note, /has no `unixsocketgroup` \(the socket gets the server's group\): keep the socket in a setgid directory of the clients' group/, note);
      assert.match(note, /`chown redis:redis-clients \/run\/redis && chmod 2750 \/run\/redis`/, note);
      assert.match(note, /not the server's group, whose members may read the data files, the ACL file, redis\.conf and the TLS key/, note);
    });
  }
  for (const version of ['valkey-8.0.1', 'valkey-9.1.2']) {
    it(`${version}: unixsocketgroup names the clients' own group`, () => {
      const note = socketNote(version);
      assert.match(note, /Name it with `unixsocketgroup redis-clients`/, note);
      assert.doesNotMatch(note, /has no `unixsocketgroup`/, note);
    });
  }
  it("the rule's fix text: unixsocketgroup on Valkey 8.0+ only, the clients' own group", () => {
    const text = unixSocketPermissions.remediation;
    assert.doesNotMatch(text, /Redis 8\.0\+/);
    assert.match(text, /on Valkey 8\.0\+ `unixsocketgroup redis-clients`; on Redis \(no `unixsocketgroup`: it refuses the line\) and Valkey 7\.2 a setgid socket directory/);
    assert.match(text, /never the server's group/);
  });
});
