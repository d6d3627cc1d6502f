import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseIptablesSave, parseNft, parseNftRule } from '../../src/gather/host/firewall.ts';
import { portReach, inCidr } from '../../src/net/firewall-reach.ts';
import type { ReachQuery } from '../../src/net/firewall-reach.ts';
import { parseIdNames } from '../../src/gather/host/files.ts';
import { parseLogrotate, readLogrotate } from '../../src/gather/host/logrotate.ts';
import { coveringStanza, logrotateMatches } from '../../src/rules/logging/logrotate-match.ts';
import { changelogCves, parseDpkgSearch, parseRpmQuery } from '../../src/gather/host/package.ts';
import { configFromCmdline, parseCmdline, parseProcNetTcp, parseProcNetUnix, parseStatus, readListeningPart, readListeningTable, redactCmdline, titleAddress } from '../../src/gather/host/proc.ts';
import { secretLines } from '../../src/gather/host/secrets.ts';
import { parseSystemctlShow, parseUnitFiles, unitFromCgroup, unquoteExecStart } from '../../src/gather/host/systemd.ts';
import { titleRewritten } from '../../src/redis/process-title.ts';

describe('/proc parsers', () => {
  it('reads listening sockets of /proc/net/tcp and tcp6 (addresses are little-endian words)', () => {
    const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000   102        0 81234 1 0000000000000000 100 0 0 10 0
   1: 0202000C:18EB 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000   102        0 0 1 0000000000000000 20 4 30 10 -1
   2: 00000000:4EFB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 91 1 0000000000000000 100 0 0 10 0
`;
    const sockets = parseProcNetTcp(tcp, 'ip');
    assert.deepEqual(sockets[0], { family: 'ip', address: '127.0.0.1', port: 6379, state: '0A', uid: 102, inode: '81234' });
    assert.equal(sockets[1]!.address, '12.0.2.2');
    assert.equal(sockets[1]!.state, '01');
    assert.deepEqual([sockets[2]!.address, sockets[2]!.port], ['0.0.0.0', 20219]);
    // High bytes (a sign bit in a 32-bit word) come out unsigned.
    const high = tcp.replace('0202000C:18EB', '0100A8C0:18EB').replace('00000000:4EFB', 'FEFFFFFF:4EFB');
    assert.deepEqual(parseProcNetTcp(high, 'ip').map((s) => s.address), ['127.0.0.1', '192.168.0.1', '255.255.255.254']);
    const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:18EB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   102        0 555 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000000000000:18EB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   102        0 556 1 0000000000000000 100 0 0 10 0
   2: 0000FDFD000000000000000002000000:18EB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   102        0 557 1 0000000000000000 100 0 0 10 0
   3: 0000000000000000FFFF00000100007F:18EB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   102        0 558 1 0000000000000000 100 0 0 10 0
`;
    assert.deepEqual(parseProcNetTcp(tcp6, 'ip6').map((s) => s.address), ['::1', '::', 'fdfd::2', '::ffff:127.0.0.1']);
    // The listening sockets alone (what the host discovery keeps), slot numbers past 9999 included.
    const wide = `${tcp}10000: 0100007F:1A0B 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0\n`;
    assert.deepEqual(parseProcNetTcp(wide, 'ip', true).map((s) => [s.address, s.port, s.inode]), [['127.0.0.1', 6379, '81234'], ['0.0.0.0', 20219, '91'], ['127.0.0.1', 6667, '4242']]);
  });

  it("keeps of this machine's /proc/net/tcp exactly the LISTEN sockets of a full parse", async () => {
    const text = await readFile('/proc/net/tcp', 'utf8');
    const all = parseProcNetTcp(text, 'ip');
    // Every socket line is read (the header is not), and the filtered parse is the full one's LISTEN sockets.
    assert.equal(all.length, text.trim().split('\n').length - 1);
    assert.deepEqual(parseProcNetTcp(text, 'ip', true), all.filter((s) => s.state === '0A'));
  });

  it('reads /proc/net/tcp only as far as its listening sockets go (the kernel lists them first)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redfort-tcp-'));
    try {
      const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
      const line = (slot: number, port: number, state: string, inode: number) =>
        `${String(slot).padStart(4)}: 0100007F:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000   102        0 ${inode} 1 0000000000000000 100 0 0 10 0${' '.repeat(20)}\n`;
      // More than one read's worth (64 KiB) of listening sockets and SYN_RECV, then connections and TIME_WAIT, then a
      // LISTEN line where the kernel never writes one: past the listening part, it is not read.
      const listening = Array.from({ length: 600 }, (_, i) => line(i, 10000 + i, i % 100 === 50 ? '03' : '0A', 5000 + i));
      const others = Array.from({ length: 3000 }, (_, i) => line(600 + i, 20000 + (i % 1000), i % 3 === 0 ? '01' : '06', 0));
      const table = header + listening.join('') + others.join('') + line(3600, 6379, '0A', 4242);
      await writeFile(join(dir, 'tcp'), table);
      const part = await readListeningPart(join(dir, 'tcp'));
      assert.ok(part !== undefined && part.length < table.length / 2 && part.endsWith('\n'), 'stops after the listening part, on a line end');
      const sockets = parseProcNetTcp(part, 'ip', true);
      assert.equal(sockets.length, 594);
      assert.deepEqual([sockets[0]!.port, sockets.at(-1)!.port, sockets.at(-1)!.inode], [10000, 10599, '5599']);
      assert.ok(!sockets.some((s) => s.port === 6379));
      // A table of listening sockets alone is read to its end; a missing one is undefined.
      await writeFile(join(dir, 'tcp6'), header + listening.join(''));
      assert.equal(parseProcNetTcp((await readListeningPart(join(dir, 'tcp6')))!, 'ip', true).length, 594);
      assert.equal(await readListeningPart(join(dir, 'none')), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves a socket table unread when sockstat counts no socket of its family', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redfort-sockstat-'));
    try {
      const table = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000000000000000000001000000:18EB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   102        0 777 1 0000000000000000 100 0 0 10 0\n';
      await writeFile(join(dir, 'tcp6'), table);
      await writeFile(join(dir, 'none6'), 'TCP6: inuse 0\nUDP6: inuse 0\n');
      await writeFile(join(dir, 'one6'), 'TCP6: inuse 1\nUDP6: inuse 0\n');
      await writeFile(join(dir, 'v4'), 'sockets: used 9\nTCP: inuse 0 orphan 0 tw 0 alloc 1 mem 0\n');
      assert.equal(await readListeningTable(join(dir, 'tcp6'), join(dir, 'none6'), 'TCP6'), '');
      assert.equal(await readListeningTable(join(dir, 'tcp6'), join(dir, 'one6'), 'TCP6'), table);
      // The other family's counter, or none to read: the table is read.
      assert.equal(await readListeningTable(join(dir, 'tcp6'), join(dir, 'v4'), 'TCP6'), table);
      assert.equal(await readListeningTable(join(dir, 'tcp6'), join(dir, 'missing'), 'TCP6'), table);
      assert.equal(await readListeningTable(join(dir, 'tcp6'), join(dir, 'v4'), 'TCP'), '');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("this machine's listening socket is in what is read of its tcp table (sockstat counts it)", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const read = await readListeningTable('/proc/net/tcp', '/proc/net/sockstat', 'TCP');
      assert.ok(parseProcNetTcp(read ?? '', 'ip', true).some((s) => s.port === port && s.address === '127.0.0.1'));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reads listening unix sockets with their paths', () => {
    const unix = `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 7001 /run/redis/redis-server.sock
0000000000000000: 00000003 00000000 00000000 0001 03 7002 /run/redis/redis-server.sock
0000000000000000: 00000002 00000000 00010000 0001 01 7003 @/tmp/.X11-unix/X0
`;
    assert.deepEqual(parseProcNetUnix(unix), [
      { inode: '7001', path: '/run/redis/redis-server.sock', listening: true },
      { inode: '7002', path: '/run/redis/redis-server.sock', listening: false },
      { inode: '7003', path: '@/tmp/.X11-unix/X0', listening: true },
    ]);
  });

  it('reads Name, Uid and Gid of /proc/<pid>/status', () => {
    const status = 'Name:\tredis-server\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t102\t102\t102\t102\nGid:\t105\t0\t105\t105\nGroups:\t105\n';
    assert.deepEqual(parseStatus(status), { name: 'redis-server', uid: { real: 102, effective: 102 }, gid: { real: 105, effective: 0 } });
    assert.equal(parseStatus('Name:\tx\n'), undefined);
  });

  it('finds the config file on a command line, and knows when set-proc-title erased it', () => {
    assert.deepEqual(parseCmdline('redis-server\x00/etc/redis/redis.conf\x00--port\x006380\x00'), ['redis-server', '/etc/redis/redis.conf', '--port', '6380']);
    // An empty argument is one (`--rename-command FLUSHALL ""` last): it was dropped with the final NUL.
    assert.deepEqual(parseCmdline('redis-server\x00--rename-command\x00FLUSHALL\x00\x00'), ['redis-server', '--rename-command', 'FLUSHALL', '']);
    assert.equal(configFromCmdline(['redis-server', '/etc/redis/redis.conf', '--port', '6380']), '/etc/redis/redis.conf');
    assert.equal(configFromCmdline(['redis-server', 'redis.conf']), 'redis.conf');
    assert.equal(configFromCmdline(['redis-server', '--port', '6380']), null);
    assert.equal(configFromCmdline(['redis-server']), null);
    const title = parseCmdline(`/usr/bin/redis-server 127.0.0.1:6379${'\0'.repeat(40)}`);
    assert.ok(titleRewritten(title));
    assert.equal(configFromCmdline(title), undefined);
    assert.deepEqual(titleAddress(title), { host: '127.0.0.1', port: 6379 });
    assert.deepEqual(titleAddress(['redis-sentinel *:26379 [sentinel]', '']), { host: '127.0.0.1', port: 26379 });
    assert.equal(titleAddress(['redis-server', '/etc/redis.conf']), undefined);
  });

  it('redacts secret options of a command line', () => {
    assert.deepEqual(redactCmdline(['redis-server', '/etc/r.conf', '--requirepass', 'hunter2', '--port', '6380', '--masterauth', 'x y']), [
      'redis-server', '/etc/r.conf', '--requirepass', '***', '--port', '6380', '--masterauth', '***',
    ]);
    assert.deepEqual(redactCmdline(['redis-server', '--user', 'app', 'on', '>s3cret', '#abc', '~*']), ['redis-server', '--user', 'app', 'on', '>***', '#***', '~*']);
    // One argument holding the name and its values, as redis-server 7.0.3+ reads it.
    assert.deepEqual(redactCmdline(['redis-server', '--requirepass hunter2', '--MASTERAUTH  x y', '--port 6380', '--user app on >s3cret ~*', '#abc']), [
      'redis-server', '--requirepass ***', '--MASTERAUTH ***', '--port 6380', '--user app on >*** ~*', '#***',
    ]);
    assert.deepEqual(redactCmdline(['redis-sentinel', 's.conf', '--sentinel', 'auth-pass', 'm', 'pw', '--sentinel', 'sentinel-pass', 'pw2']), [
      'redis-sentinel', 's.conf', '--sentinel', 'auth-pass', 'm', '***', '--sentinel', 'sentinel-pass', '***',
    ]);
  });

  // Redacted word by word, a value starting with `--` (7.0.1+) and a `--user` argument holding several rules kept
  // their passwords in the host facts. The arguments are now read as the server's version reads them.
  it('redacts as the server of each version reads its arguments', () => {
    // 7.0.1+ (#10660): the argument after a name alone is its value, even `--S3cret--` (real 7.0.15: CONFIG GET requirepass).
    for (const version of ['7.0.1', '7.0.15', '7.2.6', 'valkey-8.0.1', undefined]) {
      assert.deepEqual(redactCmdline(['redis-server', '--requirepass', '--S3cret--', '--masterauth', '--m4ster', '--port', '6380'], version), [
        'redis-server', '--requirepass', '***', '--masterauth', '***', '--port', '6380',
      ], String(version));
    }
    // 6.x and 7.0.0: every `--name` starts an option. A real 6.2.16 runs `--save -- --requirepass S3cret` with that
    // password (`--` is an empty line, skipped), where the 7.0.1+ reading takes `--requirepass` for a value of `--`.
    for (const version of ['6.0.20', '6.2.16', '7.0.0']) {
      assert.deepEqual(redactCmdline(['redis-server', '--save', '--', '--requirepass', 'S3cret', '--dbfilename', '--odd'], version), [
        'redis-server', '--save', '--', '--requirepass', '***', '--dbfilename', '--odd',
      ], version);
    }
    // A `--user` value holding several rules (`"bob on >pw"`), a selector, one argument with its rules quoted, a hash.
    assert.deepEqual(redactCmdline(['redis-server', '--user', 'bob on >pw1', '--user', 'al', 'on', '(~* >pw2)', '!' + 'a'.repeat(64), '--user "cy on >pw3"']), [
      'redis-server', '--user', 'bob on >***', '--user', 'al', 'on', '(~* >***)', '!***', '--user "cy on >***"',
    ]);
    // One argument holding another line: `"--port 1\nrequirepass pw"` is two lines of the config text.
    assert.deepEqual(redactCmdline(['redis-server', '--port 1\nrequirepass pw4', '--user\tdee on >pw5']), ['redis-server', '--port 1\nrequirepass ***', '--user dee on >***']);
  });

  it('names users and groups from /etc/passwd and /etc/group (the first entry of an id wins)', () => {
    const names = parseIdNames('root:x:0:0:root:/root:/bin/bash\n# comment\nredis:x:102:105::/var/lib/redis:/usr/sbin/nologin\ntoor:x:0:0::/:/bin/sh\n');
    assert.deepEqual([...names], [[0, 'root'], [102, 'redis']]);
  });
});

describe('logrotate', () => {
  it('parses stanzas, multi-line and quoted names, includes, scripts and taboo lines', () => {
    const text = `# global
weekly
tabooext + .bak2
include /etc/logrotate.d
/var/log/wtmp {
    missingok
    monthly
}
/var/log/redis/redis-server*.log
"/var/log/redis/with space.log" {
    su redis adm
    postrotate
        /var/log/not-a-stanza.log {
    endscript
}
/var/log/one.log { daily }
`;
    const parsed = parseLogrotate(text, '/etc/logrotate.conf');
    assert.deepEqual(parsed.includes, [{ path: '/etc/logrotate.d', line: 4 }]);
    assert.deepEqual(parsed.taboo, [{ replace: false, patterns: ['*.bak2'] }]);
    assert.deepEqual(
      parsed.stanzas.map((s) => [s.patterns, s.su, s.line]),
      [
        [['/var/log/wtmp'], false, 5],
        [['/var/log/redis/redis-server*.log', '/var/log/redis/with space.log'], true, 9],
        [['/var/log/one.log'], false, 16],
      ],
    );
  });

  it('matches paths as glob(3) does: per segment, no leading dot for wildcards, classes', () => {
    assert.ok(logrotateMatches('/var/log/redis/*.log', '/var/log/redis/redis-server.log'));
    assert.ok(!logrotateMatches('/var/log/*.log', '/var/log/redis/redis-server.log'));
    assert.ok(!logrotateMatches('/var/log/redis/*', '/var/log/redis/.hidden.log'));
    assert.ok(logrotateMatches('/var/log/redis/.*', '/var/log/redis/.hidden'));
    assert.ok(logrotateMatches('/var/log/redis/redis-[0-9][!a].log', '/var/log/redis/redis-1b.log'));
    assert.ok(!logrotateMatches('/var/log/redis/redis-[0-9][!a].log', '/var/log/redis/redis-1a.log'));
    assert.ok(logrotateMatches('/var/log/redis/redis?.log', '/var/log/redis/redis1.log'));
    assert.ok(!logrotateMatches('/var/log/redis/{a,b}.log', '/var/log/redis/a.log'), 'logrotate globs without GLOB_BRACE');
    const stanzas = parseLogrotate('/a/*.log {\n}\n/var/log/redis/*.log {\n}\n', '/x').stanzas;
    assert.equal(coveringStanza(stanzas, '/var/log/redis/r.log')?.stanza.line, 3);
    assert.equal(coveringStanza(stanzas, '/var/log/other.log'), undefined);
  });

  describe('reading a configuration directory', () => {
    let dir = '';
    after(() => rm(dir, { recursive: true, force: true }));

    it('follows includes of files and directories, skipping taboo names', async () => {
      dir = await mkdtemp(join(tmpdir(), 'redfort-logrotate-'));
      await mkdir(join(dir, 'd'));
      await mkdir(join(dir, 'more'));
      await writeFile(join(dir, 'd', 'app'), `/srv/app/*.log {\n daily\n}\ninclude ${join(dir, 'more')}\n`);
      await writeFile(join(dir, 'd', 'redis.dpkg-old'), '/var/log/redis/*.log {\n}\n');
      await writeFile(join(dir, 'd', 'zz~'), '/var/log/redis/*.log {\n}\n');
      await writeFile(join(dir, 'more', 'redis'), '/var/log/redis/*.log {\n weekly\n}\n');
      await writeFile(join(dir, 'd', 'broken'), `include ${join(dir, 'nowhere')}\n`);
      const read = await readLogrotate({ logrotateDir: join(dir, 'd') });
      assert.ok(read.known);
      assert.deepEqual(read.value.files, [join(dir, 'd', 'app'), join(dir, 'more', 'redis'), join(dir, 'd', 'broken')]);
      assert.deepEqual(read.value.stanzas.map((s) => s.patterns[0]), ['/srv/app/*.log', '/var/log/redis/*.log']);
      assert.equal(read.value.installed, undefined);
      assert.match(read.value.problems.join('\n'), /nowhere: no such file/);
    });

    it('says why when the directory cannot be read', async () => {
      const read = await readLogrotate({ logrotateDir: join(tmpdir(), 'redfort-no-such-dir') });
      assert.equal(read.known, false);
    });
  });
});

const Q = (port: number, family: 'ip' | 'ip6' = 'ip', address = '0.0.0.0'): ReachQuery => ({ port, family, address });

describe('nftables', () => {
  // An nftables.conf in the style of Debian's, with a named set, a verdict map and a jump.
  const RULESET = `table inet filter {
	set redis_clients {
		type ipv4_addr
		flags interval
		elements = { 10.0.4.0/24, 10.0.5.7,
			     192.168.10.0/24 }
	}

	set redis_ports {
		type inet_service
		elements = { 6379, 16379 }
	}

	chain input {
		type filter hook input priority filter; policy drop;
		ct state vmap { invalid : drop, established : accept, related : accept }
		iif "lo" accept
		meta l4proto { icmp, ipv6-icmp } accept
		tcp dport 22 counter packets 12 bytes 720 accept comment "ssh"
		tcp dport @redis_ports jump redis
		tcp dport vmap { 80 : accept, 443 : accept, 8000-8999 : drop }
	}

	chain redis {
		ip saddr @redis_clients accept
		ip6 saddr fd00:4::/64 accept
		log prefix "redis denied " drop
	}

	chain forward {
		type filter hook forward priority filter; policy drop;
	}

	chain output {
		type filter hook output priority filter; policy accept;
	}
}
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 8080 dnat to 10.0.0.2:80
	}
}
`;
  const ruleset = parseNft(RULESET);

  it('parses tables, base chains, policies, sets and jumps', () => {
    const input = ruleset.chains.find((c) => c.name === 'inet filter input')!;
    assert.equal(input.input, true);
    assert.equal(input.policy, 'drop');
    assert.equal(input.rules.length, 6);
    assert.equal(ruleset.chains.find((c) => c.name === 'inet filter output')!.input, false);
    assert.equal(ruleset.chains.some((c) => c.name.startsWith('ip nat')), true);
    const jump = input.rules[4]!;
    assert.deepEqual(jump.verdict, { kind: 'jump', chain: 'inet filter redis' });
    assert.deepEqual(jump.matches, [{ kind: 'proto', negated: false, protos: ['tcp'] }, { kind: 'dport', negated: false, ranges: [[6379, 6379], [16379, 16379]], text: 'tcp dport @redis_ports' }]);
  });

  it('judges ports: restricted through a jump to a chain of allowed sets, open, and dropped by a verdict map', () => {
    const redis = portReach(ruleset, Q(6379));
    assert.equal(redis.outcome, 'closed');
    assert.equal(redis.decidedBy, 'nft inet filter redis: log prefix "redis denied " drop');
    assert.deepEqual(redis.allowedFrom, ['nft inet filter redis: ip saddr @redis_clients accept']);
    assert.equal(portReach(ruleset, Q(6379, 'ip6', '::')).outcome, 'closed');
    assert.equal(portReach(ruleset, Q(443)).outcome, 'open');
    assert.equal(portReach(ruleset, Q(8080)).outcome, 'closed');
    assert.equal(portReach(ruleset, Q(6380)).decidedBy, 'policy drop of chain inet filter input');
  });

  it('reads rules one by one: negations, ranges, comparisons, interfaces, unknown expressions', () => {
    const rule = parseNftRule('iifname != "lo" ip saddr != { 10.0.0.0/8, 172.16.0.0/12 } tcp dport 6000-7000 ct state new,untracked reject with icmpx type admin-prohibited', 1);
    assert.deepEqual(rule.verdict, { kind: 'drop' });
    assert.deepEqual(rule.matches.map((m) => m.kind), ['iif', 'saddr', 'proto', 'dport', 'ctstate']);
    assert.equal(portReach({ tool: 'nft', families: ['ip'], chains: [{ name: 'x', family: 'ip', input: true, priority: 0, policy: 'accept', rules: [rule] }] }, Q(6379)).outcome, 'closed');
    assert.deepEqual(parseNftRule('tcp dport > 1024 accept', 1).matches[1], { kind: 'dport', negated: false, ranges: [[1025, 65535]], text: 'tcp dport > 1024' });
    assert.deepEqual(parseNftRule('fib daddr type local tcp dport 6379 accept', 1).matches[0], { kind: 'unknown', text: 'fib daddr type local' });
    assert.deepEqual(parseNftRule('meta nfproto ipv6 tcp dport 6379 accept', 1).matches[0], { kind: 'family', family: 'ip6' });
  });

  it('accepts from anyone when the sender controls a condition (source port, rate limit)', () => {
    const sport = parseNft('table ip f {\n chain i {\n  type filter hook input priority 0; policy drop;\n  tcp sport 53 accept\n }\n}\n');
    assert.equal(portReach(sport, Q(6379)).outcome, 'open');
    const limit = parseNft('table ip f {\n chain i {\n  type filter hook input priority 0; policy accept;\n  tcp dport 6379 limit rate over 10/second drop\n }\n}\n');
    assert.equal(portReach(limit, Q(6379)).outcome, 'open');
  });

  it('treats a jump per interface as a dispatch the sender may take (firewalld zones)', () => {
    const zones = parseNft(`table inet firewalld {
	chain filter_INPUT {
		type filter hook input priority filter + 10; policy accept;
		ct state { established, related } accept
		iifname "lo" accept
		jump filter_INPUT_ZONES
		reject with icmpx admin-prohibited
	}
	chain filter_INPUT_ZONES {
		iifname "eth0" goto filter_IN_public
		goto filter_IN_public
	}
	chain filter_IN_public {
		tcp dport 22 ct state { new, untracked } accept
		tcp dport 6379 ct state { new, untracked } accept
	}
}
`);
    const input = zones.chains.find((c) => c.name === 'inet firewalld filter_INPUT')!;
    assert.equal(input.priority, 10);
    const reach = portReach(zones, Q(6379));
    assert.equal(reach.outcome, 'open');
    assert.match(reach.decidedBy, /filter_IN_public: tcp dport 6379/);
    assert.equal(portReach(zones, Q(6380)).outcome, 'closed');
  });

  it('checks destination addresses against the listener', () => {
    const dst = parseNft('table ip f {\n chain i {\n  type filter hook input priority 0; policy drop;\n  ip daddr 192.0.2.10 tcp dport 6379 accept\n }\n}\n');
    assert.equal(portReach(dst, Q(6379, 'ip', '192.0.2.10')).outcome, 'open');
    assert.equal(portReach(dst, Q(6379, 'ip', '192.0.2.11')).outcome, 'closed');
    assert.equal(portReach(dst, Q(6379, 'ip', '0.0.0.0')).outcome, 'open', 'a wildcard listener answers on the accepted address too');
  });

  it('leaves a decision to an expression it cannot judge unknown', () => {
    const mark = parseNft('table ip f {\n chain i {\n  type filter hook input priority 0; policy drop;\n  meta mark 0x1 accept\n }\n}\n');
    const reach = portReach(mark, Q(6379));
    assert.equal(reach.outcome, 'unknown');
    assert.deepEqual(reach.unknown, ['nft ip f i: meta mark 0x1 accept']);
  });

  it('ignores dormant tables and non-IP families', () => {
    const dormant = parseNft('table inet f {\n flags dormant\n chain i {\n  type filter hook input priority 0; policy drop;\n }\n}\ntable arp a {\n chain i {\n  type filter hook input priority 0; policy drop;\n }\n}\n');
    assert.equal(dormant.chains.length, 0);
    assert.equal(portReach(dormant, Q(6379)).outcome, 'open');
  });

  it('matches addresses against CIDRs and ranges', () => {
    assert.equal(inCidr('10.0.4.9', '10.0.4.0/24'), true);
    assert.equal(inCidr('10.0.5.9', '10.0.4.0/24'), false);
    assert.equal(inCidr('fd00::5', 'fd00::/8'), true);
    assert.equal(inCidr('fe80::1', 'fd00::/8'), false);
    assert.equal(inCidr('10.0.0.5', '10.0.0.1-10.0.0.9'), true);
    assert.equal(inCidr('10.0.0.5', 'fd00::/8'), false);
    assert.equal(inCidr('10.0.0.5', '@set'), undefined);
  });
});

describe('iptables-save', () => {
  const SAVE = `# Generated by iptables-save v1.8.9 (nf_tables) on Tue Mar  5 10:00:00 2024
*nat
:PREROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -m tcp --dport 6379 -j DNAT --to-destination 10.0.0.2:6379
COMMIT
*filter
:INPUT DROP [10:600]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [20:1200]
:REDIS - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -m comment --comment "ssh from anywhere" -j ACCEPT
-A INPUT -p tcp -m multiport --dports 6379,16379,26000:26999 -j REDIS
-A INPUT -p tcp -m tcp ! --dport 443 -j LOG --log-prefix "in: "
-A REDIS -s 10.0.4.0/24 -j ACCEPT
-A REDIS -m set --match-set app_servers src -j ACCEPT
-A REDIS -j REJECT --reject-with icmp-port-unreachable
COMMIT
`;
  const ruleset = parseIptablesSave(SAVE, 'ip');

  it('reads the filter table only: policies, user chains, multiport, negation, comments', () => {
    assert.deepEqual(ruleset.chains.map((c) => [c.name, c.input, c.policy, c.rules.length]), [
      ['filter INPUT', true, 'drop', 5],
      ['filter FORWARD', false, 'drop', 0],
      ['filter OUTPUT', false, 'accept', 0],
      ['filter REDIS', false, 'accept', 3],
    ]);
    const multiport = ruleset.chains[0]!.rules[3]!;
    assert.deepEqual(multiport.matches[1], { kind: 'dport', negated: false, ranges: [[6379, 6379], [16379, 16379], [26000, 26999]], text: '--dports 6379,16379,26000:26999' });
    assert.deepEqual(multiport.verdict, { kind: 'jump', chain: 'filter REDIS' });
    assert.deepEqual(ruleset.chains[0]!.rules[4]!.matches[1], { kind: 'dport', negated: true, ranges: [[443, 443]], text: '! --dport 443' });
    assert.deepEqual(ruleset.chains[0]!.rules[4]!.verdict, { kind: 'none' });
  });

  it('judges ports through the user chain', () => {
    const redis = portReach(ruleset, Q(6379));
    assert.equal(redis.outcome, 'closed');
    assert.deepEqual(redis.allowedFrom, ['iptables filter REDIS: -A REDIS -s 10.0.4.0/24 -j ACCEPT', 'iptables filter REDIS: -A REDIS -m set --match-set app_servers src -j ACCEPT']);
    assert.equal(portReach(ruleset, Q(26379)).outcome, 'closed');
    assert.equal(portReach(ruleset, Q(22)).outcome, 'open');
  });

  it('reads the old negation syntax and an empty save as no filter', () => {
    const old = parseIptablesSave('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s ! 10.0.0.0/8 -p tcp --dport 6379 -j DROP\nCOMMIT\n', 'ip');
    assert.deepEqual(old.chains[0]!.rules[0]!.matches[0], { kind: 'saddr', family: 'ip', negated: true, everyone: false, text: '! -s 10.0.0.0/8' });
    assert.equal(portReach(old, Q(6379)).outcome, 'closed');
    assert.equal(portReach(parseIptablesSave('', 'ip'), Q(6379)).outcome, 'open');
  });
});

describe('systemd', () => {
  it('finds the service of a process from its cgroup (v2, v1, templates; none for scopes)', () => {
    assert.equal(unitFromCgroup('0::/system.slice/redis-server.service\n'), 'redis-server.service');
    assert.equal(unitFromCgroup('0::/system.slice/system-redis\\x2dserver.slice/redis-server@6380.service\n'), 'redis-server@6380.service');
    assert.equal(unitFromCgroup('12:pids:/system.slice/redis.service\n1:name=systemd:/system.slice/redis.service\n0::/\n'), undefined, 'a unified root means no unit');
    assert.equal(unitFromCgroup('1:name=systemd:/system.slice/redis.service\n'), 'redis.service');
    assert.equal(unitFromCgroup('0::/user.slice/user-1000.slice/session-3.scope\n'), undefined);
    assert.equal(unitFromCgroup('0::/\n'), undefined);
  });

  it('reads systemctl show', () => {
    const show = parseSystemctlShow('redis-server.service', 'User=redis\nDynamicUser=no\nNoNewPrivileges=yes\nProtectSystem=strict\nPrivateTmp=yes\nCapabilityBoundingSet=\nAmbientCapabilities=\nExecStart={ path=/usr/bin/redis-server ; argv[]=/usr/bin/redis-server /etc/redis/redis.conf --supervised systemd --daemonize no ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }\n');
    assert.deepEqual(show, {
      unit: 'redis-server.service', user: 'redis', dynamicUser: false, noNewPrivileges: true, protectSystem: 'strict', privateTmp: true,
      capabilityBoundingSet: [], ambientCapabilities: [], execStart: ['/usr/bin/redis-server', '/etc/redis/redis.conf', '--supervised', 'systemd', '--daemonize', 'no'], execStartExact: false,
    });
    // systemctl joins the arguments with blanks: a --user password that held one would be split, its pieces unmasked.
    const user = parseSystemctlShow('r.service', 'ExecStart={ path=/usr/bin/redis-server ; argv[]=/usr/bin/redis-server /etc/r.conf --user app on >pw with blanks ~* +@all --port 6380 ; ignore_errors=no }\n');
    assert.deepEqual(user.execStart, ['/usr/bin/redis-server', '/etc/r.conf', '--user', 'app', '***', '***', '***', '***', '***', '***', '--port', '6380']);
  });

  // systemd.service(5) "Command lines"; systemd's config_parse_exec and extract_first_word_and_warn
  // (EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE, retried with EXTRACT_CUNESCAPE_RELAX). The ExecStart was split at blanks with its
  // quotes kept: `">pw"` was no password to the masking (a leak), and `--user` options were not read.
  it('unquotes ExecStart as systemd does', () => {
    const cases: [string, string[] | undefined][] = [
      [`/usr/bin/redis-server /etc/r.conf --user app on ">S3cret pass\\"w0rd" ~* +@all --requirepass 'Req "q" pw'`, ['/usr/bin/redis-server', '/etc/r.conf', '--user', 'app', 'on', '>S3cret pass"w0rd', '~*', '+@all', '--requirepass', 'Req "q" pw']],
      // Quotes anywhere in a word; an empty pair is an empty argument.
      [`/usr/bin/redis-server --save "" --dir=/a"b c"d`, ['/usr/bin/redis-server', '--save', '', '--dir=/ab cd']],
      // C escapes, in quotes too; an unknown one stays as written.
      [String.raw`/usr/bin/redis-server a\sb "c\x41\t" \101 \u00e9 \q '\\'`, ['/usr/bin/redis-server', 'a b', 'cA\t', 'A', 'é', '\\q', '\\']],
      // Prefixes; with @ the second word is argv[0] only.
      ['-!/usr/bin/redis-server /etc/r.conf', ['/usr/bin/redis-server', '/etc/r.conf']],
      ['@/usr/bin/redis-server redis-title /etc/r.conf --port 1', ['/usr/bin/redis-server', '/etc/r.conf', '--port', '1']],
      // %% is %; other specifiers and $VAR / ${VAR} (filled in at start) as written; a lone ; ends the command, \; is ;.
      ['/usr/bin/redis-server /etc/redis-%i.conf --dir /d/100%% $OPTS ${PW} \\; ; /bin/false', ['/usr/bin/redis-server', '/etc/redis-%i.conf', '--dir', '/d/100%', '$OPTS', '${PW}', ';']],
      // systemd ignores a line with an open quote.
      ['/usr/bin/redis-server "/etc/r.conf', undefined],
    ];
    for (const [line, argv] of cases) assert.deepEqual(unquoteExecStart(line), argv, line);
    const unit = parseUnitFiles('r.service', `[Service]\nExecStart=/usr/bin/redis-server /etc/r.conf \\\n  --user app on ">a b" ~*\n`);
    assert.deepEqual(unit.execStart, ['/usr/bin/redis-server', '/etc/r.conf', '--user', 'app', 'on', '>a b', '~*']);
    assert.equal(unit.execStartExact, true);
  });

  it('applies unit files and drop-ins as systemd does: last wins, capability lines OR, ~ removes, empty resets', () => {
    const unit = parseUnitFiles('r.service', `[Unit]\nUser=ignored\n[Service]\nExecStart=-/usr/bin/redis-server /etc/redis.conf\nUser=root\nProtectSystem=true\nCapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=CAP_KILL CAP_SETUID\nCapabilityBoundingSet=~CAP_KILL\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n\n# /etc/systemd/system/r.service.d/10.conf\n[Service]\nUser=redis\nAmbientCapabilities=\n`);
    assert.equal(unit.user, 'redis');
    assert.equal(unit.protectSystem, 'yes');
    assert.deepEqual(unit.capabilityBoundingSet, ['cap_chown', 'cap_setuid']);
    assert.deepEqual(unit.ambientCapabilities, []);
    assert.deepEqual(unit.execStart, ['/usr/bin/redis-server', '/etc/redis.conf']);
    // As written: the host stage masks its secrets as the server's version reads its arguments (gatherHost).
    assert.deepEqual(parseUnitFiles('r.service', '[Service]\nExecStart=/usr/bin/redis-server /etc/r.conf --requirepass hunter2\n').execStart, ['/usr/bin/redis-server', '/etc/r.conf', '--requirepass', 'hunter2']);
    assert.deepEqual(parseUnitFiles('r.service', '[Service]\nCapabilityBoundingSet=~CAP_SYS_ADMIN\n').capabilityBoundingSet, ['all but cap_sys_admin']);
    assert.deepEqual(parseUnitFiles('r.service', '[Service]\nExecStart=/x\n').capabilityBoundingSet, ['all']);
  });
});

describe('packages', () => {
  it('reads dpkg-query -S and rpm -qf answers', () => {
    assert.equal(parseDpkgSearch('redis-server: /usr/bin/redis-server\n', '/usr/bin/redis-server'), 'redis-server');
    assert.equal(parseDpkgSearch('diversion by foo from: /usr/bin/x\nredis-tools:amd64, other: /usr/bin/redis-check-rdb\n', '/usr/bin/redis-check-rdb'), 'redis-tools');
    assert.equal(parseDpkgSearch('dpkg-query: no path found matching pattern /usr/local/bin/redis-server\n', '/usr/local/bin/redis-server'), undefined);
    assert.deepEqual(parseRpmQuery('redis\t(none):7.2.6-1.el9\n'), { name: 'redis', version: '7.2.6-1.el9' });
    assert.deepEqual(parseRpmQuery('valkey\t1:8.0.2-2.fc41\n'), { name: 'valkey', version: '1:8.0.2-2.fc41' });
    assert.equal(parseRpmQuery('file /usr/local/bin/redis-server is not owned by any package\n'), undefined);
  });

  it('collects the CVE ids a package changelog names, once each', () => {
    const debian = 'redis (5:7.0.15-1~deb12u6) bookworm-security; urgency=medium\n\n  * CVE-2025-46817 / CVE-2025-46818 / CVE-2025-49844 / CVE-2025-46819\n  * cve-2025-49844 again\n';
    assert.deepEqual(changelogCves(debian), ['CVE-2025-46817', 'CVE-2025-46818', 'CVE-2025-49844', 'CVE-2025-46819']);
    assert.deepEqual(changelogCves('* Mon Jul 01 2024 x - 7.2.5-1\n- no security fix\n'), []);
  });
});

describe('secret directives', () => {
  it('names the lines that hold passwords, never the values', () => {
    const text = [
      'port 6379',
      'requirepass "s3cret pass"',
      'requirepass ""',
      'masterauth hunter2',
      '# requirepass commented',
      'user app on >apppw ~app:* +@read',
      'user hashed on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 ~*',
      'user nopw on nopass ~*',
      'SENTINEL auth-pass mymaster pw',
      'sentinel monitor mymaster 127.0.0.1 6379 2',
    ].join('\n');
    const lines = secretLines(text, '/etc/redis/redis.conf');
    assert.deepEqual(lines, [
      '/etc/redis/redis.conf:2: requirepass',
      '/etc/redis/redis.conf:4: masterauth',
      '/etc/redis/redis.conf:6: user app password',
      '/etc/redis/redis.conf:7: user hashed password hash',
      '/etc/redis/redis.conf:9: sentinel auth-pass',
    ]);
    assert.ok(!lines.join('\n').includes('hunter2'));
  });
});
