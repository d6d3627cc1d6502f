// The host files name only what is the server's own: the drop-in's ReadWritePaths= lists no directory other software
// shares (/tmp, /var/lib, /var/log, /var/run, /etc: ProtectSystem=strict would then let the service write anywhere in
// it), and the logrotate file is named per instance, so that installing it does not replace the package's own
// /etc/logrotate.d/redis-server (which rotates /var/log/redis/redis-server*.log: every Debian instance's log).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HardenResult } from '../../src/harden/harden.ts';
import { hostFiles, logrotateNotes, readWritePathNotes } from '../../src/harden/outputs.ts';
import type { HostInputs } from '../../src/harden/outputs.ts';

const resultOf = (fields: Partial<Record<'dataDir' | 'logfile' | 'unixsocket' | 'pidfile', string>> & { port?: number }): HardenResult => ({ secretArgs: [], ...fields }) as unknown as HardenResult;
const inputOf = (confPath: string, result: HardenResult, product: 'redis' | 'valkey' = 'redis'): HostInputs => ({ result, confPath, product });
const readWrite = (files: ReturnType<typeof hostFiles>, unit = 'redis-server'): string | undefined => /^ReadWritePaths=(.*)$/m.exec(files.get(`systemd/${unit}.service.d/redfort.conf`)!.content)?.[1];
const logrotateFiles = (files: ReturnType<typeof hostFiles>): string[] => [...files.keys()].filter((k) => k.startsWith('logrotate.d/'));

describe('harden: ReadWritePaths= lists only directories the server owns alone', () => {
  it('leaves out /var/lib, /tmp, /var/run and /etc, and PLAN.md says what the server cannot write then', () => {
    const input = inputOf('/etc/redis.conf', resultOf({ dataDir: '/var/lib', logfile: '/tmp/redis.log', pidfile: '/var/run/redis_6379.pid', unixsocket: '/run/redis/redis.sock' }));
    const files = hostFiles(input, '');
    assert.equal(readWrite(files), '-/run/redis');
    const notes = readWritePathNotes(input);
    assert.equal(notes.length, 4, notes.join('\n'));
    assert.match(notes.join('\n'), /the config directory is `\/etc`, a directory other software shares: redis-server's drop-in does not list it in `ReadWritePaths=`.*CONFIG REWRITE and ACL SAVE fail/);
    assert.match(notes.join('\n'), /the data `dir` is `\/var\/lib`.*every save fails/);
    assert.match(notes.join('\n'), /the log directory is `\/tmp`.*cannot open its log file and does not start/);
    assert.match(notes.join('\n'), /the `pidfile` directory is `\/var\/run`.*writes no pid file/);
  });

  it('keeps the server\'s own directories, and leaves the line out when none is left (an empty one resets the unit\'s list)', () => {
    const own = hostFiles(inputOf('/etc/redis/redis.conf', resultOf({ dataDir: '/var/lib/redis', logfile: '/var/log/redis/redis-server.log' })), '');
    assert.equal(readWrite(own), '/etc/redis /var/lib/redis /var/log/redis');
    const none = hostFiles(inputOf('/etc/redis.conf', resultOf({ dataDir: '/var/lib' })), '');
    assert.equal(readWrite(none), undefined);
    assert.doesNotMatch(none.get('systemd/redis-server.service.d/redfort.conf')!.content, /ReadWritePaths/);
  });

  it("a sentinel.conf in /etc: the sentinel's drop-in does not open /etc", () => {
    const input: HostInputs = { result: resultOf({}), sentinelPath: '/etc/sentinel.conf' };
    assert.equal(readWrite(hostFiles(input, ''), 'redis-sentinel'), undefined);
    assert.match(readWritePathNotes(input).join('\n'), /the sentinel's config directory is `\/etc`.*Sentinel cannot rewrite its config file and does not start/);
  });
});

describe('harden: the logrotate file is named per instance', () => {
  it("the package's default instance: logrotate.d/redis-server, for the package's whole pattern when its log is one of it", () => {
    const files = hostFiles(inputOf('/etc/redis/redis.conf', resultOf({ logfile: '/var/log/redis/redis-server.log', port: 6379 })), '');
    assert.deepEqual(logrotateFiles(files), ['logrotate.d/redis-server']);
    // It replaces the package's rule when installed: the other instances' logs stay rotated.
    assert.match(files.get('logrotate.d/redis-server')!.content, /^"\/var\/log\/redis\/redis-server\*\.log" \{$/m);
    const elsewhere = hostFiles(inputOf('/etc/redis/redis.conf', resultOf({ logfile: '/var/log/redis.log' })), '');
    assert.match(elsewhere.get('logrotate.d/redis-server')!.content, /^"\/var\/log\/redis\.log" \{$/m);
  });

  it("a Debian instance (redis-cache.conf): logrotate.d/redis-server-cache; none when the package's rule rotates its log already", () => {
    const own = hostFiles(inputOf('/etc/redis/redis-cache.conf', resultOf({ logfile: '/var/log/redis/cache.log', port: 6380 })), '');
    assert.deepEqual(logrotateFiles(own), ['logrotate.d/redis-server-cache']);
    // logrotate 3.21 refuses a log two rules name: "duplicate log entry", and skips the second file.
    const input = inputOf('/etc/redis/redis-cache.conf', resultOf({ logfile: '/var/log/redis/redis-server-cache.log', port: 6380 }));
    assert.deepEqual(logrotateFiles(hostFiles(input, '')), []);
    assert.match(logrotateNotes(input).join('\n'), /rotated by the redis-server package's own rule \(\/etc\/logrotate\.d\/redis-server: `\/var\/log\/redis\/redis-server\*\.log`\), so host\/ has no logrotate file for it/);
  });

  it('any other config: named for its port', () => {
    assert.deepEqual(logrotateFiles(hostFiles(inputOf('/srv/redis/redis.conf', resultOf({ dataDir: '/srv/redis', logfile: '/srv/redis/redis.log', port: 6390 })), '')), ['logrotate.d/redis-server-6390']);
    // The package's pattern, from a config that is not the default instance's: the package rotates it.
    assert.deepEqual(logrotateFiles(hostFiles(inputOf('/srv/app/redis.conf', resultOf({ logfile: '/var/log/redis/redis-server.log', port: 6390 })), '')), []);
  });

  it("Valkey: valkey-server for /etc/valkey/valkey.conf, valkey-server-<port> for another", () => {
    assert.deepEqual(logrotateFiles(hostFiles(inputOf('/etc/valkey/valkey.conf', resultOf({ logfile: '/var/log/valkey/valkey-server.log', port: 6379 }), 'valkey'), '')), ['logrotate.d/valkey-server']);
    assert.deepEqual(logrotateFiles(hostFiles(inputOf('/srv/valkey/valkey.conf', resultOf({ dataDir: '/srv/valkey', logfile: '/srv/valkey/valkey.log', port: 6390 }), 'valkey'), '')), ['logrotate.d/valkey-server-6390']);
    // The valkey-server package's rule rotates /var/log/valkey/valkey-server*.log (debian/valkey-server.logrotate of
    // valkey 9.1.2-1): the default instance's file takes the whole pattern, another instance's log of it gets none.
    const own = hostFiles(inputOf('/etc/valkey/valkey.conf', resultOf({ logfile: '/var/log/valkey/valkey-server.log', port: 6379 }), 'valkey'), '');
    assert.match(own.get('logrotate.d/valkey-server')!.content, /^"\/var\/log\/valkey\/valkey-server\*\.log" \{$/m);
    const instance = inputOf('/etc/valkey/valkey-cache.conf', resultOf({ logfile: '/var/log/valkey/valkey-server-cache.log', port: 6380 }), 'valkey');
    assert.deepEqual(logrotateFiles(hostFiles(instance, '')), []);
    assert.match(logrotateNotes(instance).join('\n'), /rotated by the valkey-server package's own rule \(\/etc\/logrotate\.d\/valkey-server: `\/var\/log\/valkey\/valkey-server\*\.log`\)/);
  });
});
