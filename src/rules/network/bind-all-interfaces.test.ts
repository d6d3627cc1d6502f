import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './bind-all-interfaces.ts';

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
    { name: '7.x default when bind is absent: * -::*', facts: conf(''), messages: [/bind is '\* -::\*': '\*', '-::\*' expose Redis/], severity: 'high' },
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
