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

  it('names the file and line of a malformed or contradictory line', () => {
    assert.throws(() => parseHostKey('10.0.0.1 a\n10.0.0.2\n', 'z.txt'), (e: unknown) => e instanceof HostKeyError && e.message === "z.txt:2: expected '<host or host:port> <label>', got '10.0.0.2'");
    // A file that is no host-key file is not echoed (/etc/shadow, /proc/self/environ).
    assert.throws(() => parseHostKey('root:$6$salt$hash:19000:0:99999:7:::\n', 'z.txt'), (e: unknown) => e instanceof HostKeyError && e.message === "z.txt:1: expected '<host or host:port> <label>', got a line (not shown: 36 characters)");
    assert.throws(() => parseHostKey('HOME=/root\0TOKEN=x\0', 'z.txt'), (e: unknown) => e instanceof HostKeyError && e.message === "z.txt:1: expected '<host or host:port> <label>', got a line (not shown: 19 characters)");
    // Escape sequences are not written to the terminal, and no line longer than a line of a host-key file is quoted.
    assert.throws(() => parseHostKey('\x1b[2Jhost\n', 'z.txt'), (e: unknown) => e instanceof HostKeyError && e.message === "z.txt:1: expected '<host or host:port> <label>', got a line (not shown: 8 characters)");
    assert.throws(() => parseHostKey(`${'a'.repeat(201)}\n`, 'z.txt'), (e: unknown) => e instanceof HostKeyError && e.message === "z.txt:1: expected '<host or host:port> <label>', got a line (not shown: 201 characters)");
    assert.throws(() => parseHostKey('10.0.0.1 a b\n', 'z.txt'), /z\.txt:1: expected/);
    // An ACL file given by mistake: its password is not shown.
    assert.throws(() => parseHostKey('user default on >s3cret-Pw ~* +@all\n', 'z.txt'), (e: unknown) => e instanceof HostKeyError && e.message === "z.txt:1: expected '<host or host:port> <label>', got 6 fields, the first 'user' (the others not shown)");
    assert.throws(() => parseHostKey('10.0.0.1 a\n10.0.0.1 b\n', 'z.txt'), /z\.txt:2: '10\.0\.0\.1' is already labelled 'a'/);
    assert.equal(parseHostKey('10.0.0.1 a\n10.0.0.1 a\n', 'z.txt').labels.size, 1);
  });
});
