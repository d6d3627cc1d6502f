import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './default-port.ts';

ruleTester(rule, {
  pass: [
    { name: 'a non-default port', facts: liveFacts({ conf: 'port 16379' }), message: /listens on port 16379/ },
    { name: 'TLS only on 6380', facts: liveFacts({ conf: 'port 0\ntls-port 6380' }), message: /tls-port 6380/ },
    { name: 'unix socket only', facts: liveFacts({ conf: 'port 0\nunixsocket /run/redis.sock' }), message: /no TCP port is open/ },
    { name: 'a sentinel on another port', facts: liveFacts({ conf: 'port 26380', mode: 'sentinel' }) },
    // CONFIG renamed: the file says 6379, `--port 27104` on the command line; INFO says what listens.
    { name: 'INFO tcp_port beats the file\'s port', facts: liveFacts({ conf: 'port 6379', info: '# Server\ntcp_port:27104\n' }), message: /^listens on port 27104$/ },
    { name: 'TLS only: tcp_port is the TLS port', facts: liveFacts({ conf: 'port 0\ntls-port 6380', info: '# Server\ntcp_port:6380\n' }), message: /^listens on tls-port 6380$/ },
    { name: 'from INFO when CONFIG GET is denied', facts: liveFacts({ info: '# Server\ntcp_port:7000\n', unavailable: { config: 'NOPERM' } }), message: /port 7000/ },
  ],
  fail: [
    { name: 'the compiled default 6379', facts: liveFacts(), messages: [/port is 6379, the well-known Redis port/], severity: 'low' },
    { name: 'tls-port on 6379', facts: liveFacts({ conf: 'port 0\ntls-port 6379' }), messages: [/tls-port is 6379/] },
    { name: 'a sentinel on 26379', facts: liveFacts({ conf: 'port 26379', mode: 'sentinel' }), messages: [/port is 26379, the well-known sentinel port/] },
    { name: 'a sentinel seen through INFO only', facts: liveFacts({ mode: 'sentinel', info: '# Server\nredis_mode:sentinel\ntcp_port:26379\n', unavailable: { config: 'a sentinel has no CONFIG command: its settings are only in sentinel.conf' } }), messages: [/port is 26379, the well-known sentinel port/] },
    { name: "the file's port 16379, INFO tcp_port 6379", facts: liveFacts({ conf: 'port 16379', info: '# Server\ntcp_port:6379\n' }), messages: [/^port is 6379/] },
    { name: 'INFO tcp_port 6379', facts: liveFacts({ info: '# Server\ntcp_port:6379\n', unavailable: { config: 'NOPERM' } }), messages: [/port is 6379/] },
  ],
  skip: [
    { name: 'no config and no INFO', facts: liveFacts({ unavailable: { config: 'NOPERM', info: 'NOPERM' } }), message: /could not be read/ },
    { name: 'server identity unknown', facts: liveFacts({ unavailable: { server: 'INFO server: NOPERM' } }) },
  ],
});
