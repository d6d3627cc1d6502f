import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostKeyError, labelOf, parseHostKey } from '../../src/topology/host-key.ts';

describe('host-key files', () => {
  const map = parseHostKey(
    ['# node            label', '10.0.5.11        eu-west-1a', '', '10.0.5.12:6380   eu-west-1b  # one node of a shared host', 'Redis-C.internal eu-west-1c', '[::1]:7000 local'].join('\n'),
    'zones.txt',
  );

  it('reads `<node> <label>` lines, ignoring comments and blank lines', () => {
    assert.equal(map.path, 'zones.txt');
    assert.deepEqual([...map.labels], [
      ['10.0.5.11', 'eu-west-1a'],
      ['10.0.5.12:6380', 'eu-west-1b'],
      ['redis-c.internal', 'eu-west-1c'],
      ['::1:7000', 'local'],
    ]);
  });

  it('host:port wins over the host; hostnames match case-insensitively; unnamed nodes keep their IP', () => {
    assert.equal(labelOf({ host: '10.0.5.11', port: 6379 }, map), 'eu-west-1a');
    assert.equal(labelOf({ host: '10.0.5.12', port: 6380 }, map), 'eu-west-1b');
    assert.equal(labelOf({ host: '10.0.5.12', port: 6381 }, map), '10.0.5.12');
    assert.equal(labelOf({ host: '10.0.5.13', port: 6379, hostname: 'redis-c.INTERNAL' }, map), 'eu-west-1c');
    assert.equal(labelOf({ host: '::1', port: 7000 }, map), 'local');
    assert.equal(labelOf({ host: '10.0.5.11', port: 6379 }, undefined), '10.0.5.11');
  });

  it('names the file and line of a malformed or contradictory line, and shows nothing of it', () => {
    const refused = (text: string, message: string) =>
      assert.throws(() => parseHostKey(text, 'z.txt'), (e: unknown) => e instanceof HostKeyError && e.message === message);
    refused('10.0.0.1 a\n10.0.0.2\n', "z.txt:2: expected '<host or host:port> <label>', got one field (value not shown)");
    // A file that is no host-key file is not echoed (/etc/shadow, /proc/self/environ), nor is a password file's
    // password, though it looks like a host ('hunter2' was quoted as the line's host).
    refused('root:$6$salt$hash:19000:0:99999:7:::\n', "z.txt:1: expected '<host or host:port> <label>', got one field (value not shown)");
    refused('HOME=/root\0TOKEN=x\0', "z.txt:1: expected '<host or host:port> <label>', got one field (value not shown)");
    refused('hunter2\n', "z.txt:1: expected '<host or host:port> <label>', got one field (value not shown)");
    refused('S3cr3t!pa$$word\n', "z.txt:1: expected '<host or host:port> <label>', got one field (value not shown)");
    refused('\x1b[2Jhost\n', "z.txt:1: expected '<host or host:port> <label>', got one field (value not shown)");
    refused('10.0.0.1 a b\n', "z.txt:1: expected '<host or host:port> <label>', got 3 fields (value not shown)");
    // An ACL file or a redis.conf given by mistake: not even its first word.
    refused('user default on >s3cret-Pw ~* +@all\n', "z.txt:1: expected '<host or host:port> <label>', got 6 fields (value not shown)");
    refused('save 3600 1\n', "z.txt:1: expected '<host or host:port> <label>', got 3 fields (value not shown)");
    // Two labels for one host: the lines are named, neither label (a redis.conf's `masterauth a` then `masterauth b`).
    refused('10.0.0.1 a\n10.0.0.1 b\n', 'z.txt:2: its host is given another label at line 1 (values not shown)');
    refused('masterauth s3cret-1\n\nmasterauth s3cret-2\n', 'z.txt:3: its host is given another label at line 1 (values not shown)');
    assert.equal(parseHostKey('10.0.0.1 a\n10.0.0.1 a\n', 'z.txt').labels.size, 1);
  });
});
