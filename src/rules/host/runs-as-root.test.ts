import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import { withHost } from '../../../test/host/fixtures.ts';
import rule from './runs-as-root.ts';

ruleTester(rule, {
  pass: [{ name: 'the redis user', facts: withHost({ uid: 102, gid: 105 }), message: /^pid 4242 \(redis-server\) runs as redis \(uid 102\), group redis \(gid 105\)$/ }],
  fail: [
    { name: 'root', facts: withHost({ uid: 0, gid: 0 }), messages: [/runs as root \(uid 0, effective uid 0\)/, /runs with the root group/], severity: 'high' },
    { name: 'an unprivileged user in the root group', facts: withHost({ uid: 102, gid: 0 }), messages: [/^pid 4242 \(redis-server\) runs with the root group \(gid 0, effective gid 0\)$/] },
  ],
  skip: [
    { name: 'a remote server', facts: liveFacts({ unavailable: { host: 'redis.example.com is not an address of this machine' } }), message: /not an address of this machine/ },
    { name: '--no-host', facts: liveFacts({ unavailable: { host: 'host facts were turned off (--no-host)' } }), message: /--no-host/ },
  ],
});
