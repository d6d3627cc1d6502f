import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unitNotServer } from '../../src/redis/command-line.ts';
import type { HostFacts } from '../../src/facts/host.ts';

// With CONFIG renamed and the process's own arguments replaced by its title, a systemd unit's ExecStart is taken as
// the command line whose options override the config file. Only when it starts the server itself, with no variable
// an EnvironmentFile fills in: supervisord's or a wrapper's ExecStart says nothing of the server's options.
const host = (exe: string) => ({ process: { exe: { known: true, value: exe } } }) as unknown as HostFacts;

test("a unit that starts redis-server itself is the server's command line", () => {
  assert.equal(unitNotServer(['/usr/bin/redis-server', '/etc/redis/redis.conf', '--supervised', 'systemd', '--daemonize', 'no'], host('/usr/bin/redis-check-rdb')), undefined);
  // Debian's redis-server@.service: a specifier changes a word, not which options.
  assert.equal(unitNotServer(['/usr/bin/redis-server', '/etc/redis/redis-%i.conf'], host('/usr/bin/redis-check-rdb')), undefined);
  assert.equal(unitNotServer(['/opt/redis/bin/my-redis', '/etc/redis.conf'], host('/opt/redis/bin/my-redis')), undefined);
});

test('a supervisor, a shell, a wrapper or $OPTIONS: not the command line', () => {
  assert.match(unitNotServer(['/usr/bin/supervisord', '-n', '-c', '/etc/supervisor/supervisord.conf'], host('/usr/bin/redis-check-rdb'))!, /starts 'supervisord', not the server itself/);
  assert.match(unitNotServer(['/bin/sh', '-c', 'exec redis-server /etc/redis.conf --protected-mode no'], host('/usr/bin/redis-check-rdb'))!, /starts 'sh'/);
  assert.match(unitNotServer(['/usr/bin/redis-server', '/etc/redis.conf', '$OPTIONS'], host('/usr/bin/redis-check-rdb'))!, /environment variables/);
});
