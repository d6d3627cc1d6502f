import { ruleTester } from '../../../test/rule-tester.ts';
import { withHost } from '../../../test/host/fixtures.ts';
import rule from './key-file-permissions.ts';

const KEY = '/etc/redis/tls/redis.key';
const key = (extra: object, more: object[] = []) => withHost({ files: [{ role: 'tls-key', path: KEY, ...extra }, ...(more as never[])] });

ruleTester(rule, {
  pass: [
    { name: '400 owned by redis', facts: key({ mode: 0o400 }), message: /^\/etc\/redis\/tls\/redis\.key \(tls-key-file\): mode 400, redis:redis$/ },
    { name: '600 redis:redis', facts: key({ mode: 0o600 }), message: /mode 600, redis:redis$/ },
    { name: 'root:redis 640, the ownership model (issue 11)', facts: key({ mode: 0o640, uid: 0, gid: 105 }), message: /mode 640, root:redis$/ },
    { name: 'a server running as root with a root-owned 400 key (runs-as-root judges the root part)', facts: withHost({ uid: 0, files: [{ role: 'tls-key', path: KEY, mode: 0o400, uid: 0 }] }) },
    { name: 'a 644 root:root certificate and CA file beside the key', facts: key({ mode: 0o400 }, [{ role: 'tls-cert', path: '/etc/redis/tls/redis.crt', mode: 0o644, uid: 0, parent: { mode: 0o755, uid: 0 } }, { role: 'tls-ca-file', path: '/etc/redis/tls/ca.crt', mode: 0o644, uid: 0, parent: { mode: 0o755, uid: 0 } }]), message: /^\/etc\/redis\/tls\/redis\.key \(tls-key-file\): mode 400, redis:redis$/ },
    { name: 'a key in a world-writable directory is a note', facts: key({ mode: 0o400, parent: { mode: 0o777 } }), message: /note: .*lets anyone replace it/ },
  ],
  fail: [
    { name: 'world-readable', facts: key({ mode: 0o644 }), messages: [/^\/etc\/redis\/tls\/redis\.key \(tls-key-file\): mode 644, redis:redis: its mode 644 lets its group and others read it: chmod 600 \(or 400\)$/], severity: 'high' },
    { name: 'group-readable 640 owned by the server\'s user', facts: key({ mode: 0o640 }), messages: [/mode 640.*lets its group read it/] },
    { name: 'root:root 400: the server cannot read it', facts: key({ mode: 0o400, uid: 0 }), messages: [/mode 400, root:root: the server \(redis\) cannot read it: chown root:redis and chmod 640$/] },
    { name: 'root:redis 644', facts: key({ mode: 0o644, uid: 0, gid: 105 }), messages: [/gives more than group read: chmod 640/] },
    { name: 'both keys, one wrong', facts: key({ mode: 0o400 }, [{ role: 'tls-client-key', path: '/etc/redis/tls/client.key', mode: 0o444 }]), messages: [/client\.key \(tls-client-key-file\): mode 444/] },
    // QA45-18: whoever may write the CA file makes their own certificates pass tls-auth-clients.
    { name: 'a world-writable CA file', facts: key({ mode: 0o400 }, [{ role: 'tls-ca-file', path: '/etc/redis/tls/ca.crt', mode: 0o666, uid: 0, parent: { mode: 0o755, uid: 0 } }]), messages: [/^\/etc\/redis\/tls\/ca\.crt \(tls-ca-cert-file\): mode 666, root:root: others may write it: whoever may change it adds a CA of their own/] },
    { name: 'a certificate owned by another user', facts: key({ mode: 0o400 }, [{ role: 'tls-cert', path: '/etc/redis/tls/redis.crt', mode: 0o644, uid: 1000, parent: { mode: 0o755, uid: 0 } }]), messages: [/redis\.crt \(tls-cert-file\): mode 644, alice:\S+: it is owned by alice, neither root nor redis: whoever may change it swaps the server's certificate/] },
    { name: 'a CA directory in a 777 directory', facts: key({ mode: 0o400 }, [{ role: 'tls-ca-dir', path: '/srv/ca', type: 'dir', mode: 0o755, uid: 0, parent: { mode: 0o777, uid: 0 } }]), messages: [/\/srv\/ca \(tls-ca-cert-dir\): mode 755, root:root: its directory \/srv \(mode 777\) lets any local user replace it/] },
    { name: 'the key file is gone', facts: key({ missing: true }), messages: [/does not exist/] },
  ],
  skip: [
    { name: 'no TLS key configured', facts: withHost({ absent: [{ role: 'tls-key', unknown: false, reason: 'tls-key-file is not set' }, { role: 'tls-client-key', unknown: false, reason: 'tls-client-key-file is not set' }] }), message: /^no TLS private key is configured \(tls-key-file is not set; tls-client-key-file is not set\)$/ },
    { name: 'the key cannot be stat-ed', facts: key({ unknown: `cannot stat ${KEY}: permission denied` }), message: /cannot judge the TLS keys: .*permission denied/ },
    { name: 'settings unknown', facts: withHost({ absent: [{ role: 'tls-key', unknown: true, reason: 'CONFIG GET: NOPERM' }] }), message: /NOPERM/ },
  ],
});
