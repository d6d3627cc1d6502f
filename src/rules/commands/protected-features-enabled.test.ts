import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './protected-features-enabled.ts';

const conf = (text: string, version = '7.0.15') => liveFacts({ conf: text, version });

ruleTester(rule, {
  pass: [
    { name: 'the 7.0 defaults', facts: conf(''), message: /enable-debug-command 'no', enable-module-command 'no', enable-protected-configs 'no'/ },
    { name: 'local on a loopback-only server', facts: conf('bind 127.0.0.1 -::1\nenable-debug-command local\nenable-module-command local') },
    { name: 'local on a unix-socket-only server', facts: conf('port 0\nunixsocket /run/redis.sock\nenable-protected-configs local') },
    { name: 'Valkey 8.0 defaults', facts: liveFacts({ product: 'valkey', version: '8.0.1' }) },
  ],
  fail: [
    { name: 'enable-debug-command yes', facts: conf('bind 127.0.0.1\nenable-debug-command yes'), messages: [/enable-debug-command is 'yes'/], severity: 'medium' },
    { name: 'enable-module-command yes', facts: conf('bind 127.0.0.1\nenable-module-command yes'), messages: [/enable-module-command is 'yes'/] },
    { name: 'enable-protected-configs yes', facts: conf('bind 127.0.0.1\nenable-protected-configs yes'), messages: [/enable-protected-configs is 'yes'/] },
    { name: 'case-insensitive in the file', facts: conf('bind 127.0.0.1\nEnable-Debug-Command YES'), messages: [/enable-debug-command is 'yes'/] },
    { name: 'local on the default bind (* -::*)', facts: conf('enable-debug-command local'), messages: [/enable-debug-command is 'local' on a server reachable beyond loopback/] },
    { name: 'local on a private address', facts: conf('bind 10.0.0.5\nenable-module-command local'), messages: [/enable-module-command is 'local' on a server reachable/] },
    {
      name: 'all three',
      facts: conf('bind 0.0.0.0\nenable-debug-command yes\nenable-module-command local\nenable-protected-configs yes'),
      messages: [/enable-debug-command is 'yes'/, /enable-module-command is 'local'/, /enable-protected-configs is 'yes'/],
    },
  ],
  skip: [
    { name: 'Redis 6.2 has no such switches', facts: conf('', '6.2.16'), message: /before 7\.0/ },
    { name: 'Redis 6.0', facts: conf('', '6.0.20') },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
  ],
});
