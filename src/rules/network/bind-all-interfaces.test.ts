import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './bind-all-interfaces.ts';
import { withHost } from '../../../test/host/fixtures.ts';

const conf = (text: string, version?: string) => liveFacts({ conf: text, ...(version ? { version } : {}) });

ruleTester(rule, {
  pass: [
    { name: 'loopback, the sample redis.conf', facts: conf('bind 127.0.0.1 -::1'), message: /bind is '127\.0\.0\.1 -::1'/ },
    { name: 'one private address', facts: conf('bind 10.0.0.5') },
    { name: 'private and loopback', facts: conf('bind 192.168.1.2 127.0.0.1') },
    { name: 'an IPv6 unique local address', facts: conf('bind fd00::12 ::1') },
    { name: 'CGNAT range', facts: conf('bind 100.64.0.7') },
    { name: 'the last bind line wins', facts: conf('bind 0.0.0.0\nbind 127.0.0.1') },
    { name: 'bind "" on 7.x opens no TCP listener', facts: conf('bind ""\nunixsocket /run/redis/redis.sock'), message: /no TCP listener/ },
    { name: 'port 0 without tls-port: unix socket only', facts: conf('port 0\nunixsocket /run/redis/redis.sock'), message: /only the unix socket/ },
  ],
  fail: [
    { name: '*', facts: conf('bind *'), messages: [/bind is '\*': '\*' exposes/], severity: 'high' },
    { name: '0.0.0.0', facts: conf('bind 0.0.0.0'), messages: [/'0\.0\.0\.0' exposes/] },
    { name: '::', facts: conf('bind ::'), messages: [/'::' exposes/] },
    { name: '-::* (optional IPv6 wildcard)', facts: conf('bind 127.0.0.1 -::*'), messages: [/'-::\*' exposes/] },
    { name: '7.x default when bind is absent: * -::*', facts: conf(''), messages: [/bind is '\* -::\*': '\*', '-::\*' expose the server beyond/], severity: 'high' },
    { name: 'a public IPv4 address', facts: conf('bind 203.0.113.7 127.0.0.1'), messages: [/'203\.0\.113\.7' exposes/] },
    { name: 'a public IPv6 address', facts: conf('bind 2001:db8::10'), messages: [/'2001:db8::10' exposes/] },
    { name: 'a tls-port keeps TCP open even with port 0', facts: conf('port 0\ntls-port 6380\nbind 0.0.0.0'), messages: [/'0\.0\.0\.0'/] },
    { name: '6.0 with no bind line listens everywhere', facts: conf('', '6.0.20'), messages: [/bind is empty, so Redis 6 listens on every interface/], severity: 'high' },
    { name: '6.2 with no bind line listens everywhere', facts: conf('', '6.2.16'), messages: [/Redis 6 listens on every interface/] },
    { name: '5.0 with no bind line: the message names 5.0, not 6', facts: conf('', '5.0.14'), messages: [/bind is empty, so Redis 5\.0 listens on every interface/] },
  ],
  skip: [
    { name: 'a sentinel (no CONFIG command)', facts: liveFacts({ mode: 'sentinel', unavailable: { config: 'a sentinel has no CONFIG command: its settings are only in sentinel.conf' } }), message: /only in sentinel\.conf/ },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }), message: /NOPERM/ },
    {
      name: 'empty bind and unknown version',
      facts: liveFacts({ conf: 'bind ""\nunixsocket /run/redis.sock', extra: { server: { product: 'unknown', version: undefined, mode: 'standalone', configFile: undefined, source: { kind: 'live', command: 'INFO server' } } } }),
      message: /version is unknown/,
    },
  ],
});

// QA41-1: a host name in bind (`bind vm`, a compose service name) was judged public: every non-address string failed
// 'exposes Redis beyond loopback'. The server resolves it where it starts: judged on the addresses it listens on there
// (host facts), else not judged.
const listening = (bind: string, ...addresses: string[]) =>
  withHost({ listeners: addresses.map((address) => ({ family: address.includes(':') ? 'ip6' as const : 'ip' as const, address, port: 6379 })) }, { conf: `bind ${bind}` });
ruleTester(rule, {
  pass: [
    { name: 'a host name the server listens on 127.0.0.1 for', facts: listening('vm', '127.0.0.1'), message: /^bind is 'vm'; 'vm' is a host name: the server listens on 127\.0\.0\.1$/ },
    { name: 'a host name resolving to a private address, beside loopback', facts: listening('redis-master 127.0.0.1', '127.0.0.1', '10.0.3.7'), message: /'redis-master' is a host name: the server listens on 10\.0\.3\.7$/ },
  ],
  fail: [
    {
      name: 'a host name the server listens on a public address for',
      facts: listening('db.example.com 127.0.0.1', '127.0.0.1', '203.0.113.9'),
      messages: [/^bind is 'db\.example\.com 127\.0\.0\.1': 'db\.example\.com' \(a host name: the server listens on 203\.0\.113\.9\) exposes the server beyond loopback/],
      severity: 'high',
    },
    { name: 'a wildcard beside an unresolved name still fails', facts: conf('bind redis 0.0.0.0'), messages: [/^bind is 'redis 0\.0\.0\.0': '0\.0\.0\.0' exposes/] },
  ],
  skip: [
    { name: 'a host name, file-only (no host facts)', facts: conf('bind redis-master'), message: /^bind is 'redis-master': 'redis-master' is a host name, which the server resolves where it starts, and what it resolves to where the server runs is not known to this audit .*: whether it reaches beyond loopback and private networks is unknown$/ },
    { name: 'a host name beside loopback, listeners unknown', facts: withHost({ listeners: 'reading /proc/1/fd: EACCES' }, { conf: 'bind vm 127.0.0.1' }), message: /'vm' is a host name, .*listening sockets are unknown \(reading \/proc\/1\/fd: EACCES\).* \(the other entries do not\)$/ },
  ],
});
