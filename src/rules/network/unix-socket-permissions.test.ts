import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import { withHost } from '../../../test/host/fixtures.ts';
import rule from './unix-socket-permissions.ts';

const SOCKET = 'unixsocket /run/redis/redis.sock';
const onHost = (mode: number, parent: number, conf = SOCKET) => withHost({ files: [{ role: 'unixsocket', path: '/run/redis/redis.sock', type: 'socket', mode, parent: { mode: parent } }] }, { conf });

ruleTester(rule, {
  pass: [
    { name: 'unixsocketperm 700', facts: liveFacts({ conf: `${SOCKET}\nunixsocketperm 700` }), message: /^the unix socket \/run\/redis\/redis\.sock admits only its owner \(the server's user\) and root \(unixsocketperm 700\)$/ },
    { name: 'unixsocketperm 770 (Debian: the clients in group redis)', facts: liveFacts({ conf: `${SOCKET}\nunixsocketperm 770` }), message: /admits its owner, its group and root \(unixsocketperm 770\)$/ },
    { name: 'Valkey 8.0 unixsocketgroup names the group', facts: liveFacts({ version: 'valkey-8.0.1', conf: `${SOCKET}\nunixsocketperm 770\nunixsocketgroup app` }), message: /its group \(app\) and root/ },
    { name: 'others may read but not write: no connection', facts: liveFacts({ conf: `${SOCKET}\nunixsocketperm 774` }), message: /its owner, its group and root \(unixsocketperm 774\)$/ },
    { name: 'the host: the umask left 755', facts: onHost(0o755, 0o755), message: /^the unix socket \/run\/redis\/redis\.sock admits only its owner \(the server's user\) and root \(mode 755, redis:redis\)$/ },
    { name: 'the host: 777 in a directory others may not enter', facts: onHost(0o777, 0o750, `${SOCKET}\nunixsocketperm 777`), message: /its owner, its group \(redis\) and root \(mode 777, redis:redis, in \/run\/redis \(mode 750\), which others may not enter\)$/ },
    { name: 'the host: a 700 socket in a sticky 1777 directory is said', facts: onHost(0o700, 0o1777, `${SOCKET}\nunixsocketperm 700`), message: /admits only its owner.*\(note: \/run\/redis \(mode 1777\) is sticky: any local user may add files there but not replace it .*while the server is down, anyone may bind that path first\)$/ },
  ],
  fail: [
    // QA45-24: anyone may unlink it and bind their own at its path; the clients then AUTH to them.
    { name: 'the host: a 700 socket in a 777 directory', facts: onHost(0o700, 0o777, `${SOCKET}\nunixsocketperm 700`), messages: [/^the unix socket \/run\/redis\/redis\.sock can be replaced: its directory \/run\/redis \(mode 777\) lets any local user replace it: whoever removes it and binds a socket of their own there receives every client of that path/] },
    { name: 'unixsocketperm 777', facts: liveFacts({ conf: 'port 0\nunixsocket /tmp/redis.sock\nunixsocketperm 777' }), messages: [/^the unix socket \/tmp\/redis\.sock is open to any local user who may enter its directory \(unixsocketperm 777\): connecting needs only write permission on it, which others have; whether its directory keeps them out is not visible to this audit/], severity: 'medium' },
    { name: 'unixsocketperm 766', facts: liveFacts({ conf: `${SOCKET}\nunixsocketperm 766` }), messages: [/open to any local user who may enter its directory \(unixsocketperm 766\)/] },
    { name: 'the host: the umask left 777 (unixsocketperm 0)', facts: onHost(0o777, 0o755), messages: [/^the unix socket \/run\/redis\/redis\.sock is open to any local user \(mode 777, redis:redis\)/] },
  ],
  skip: [
    { name: 'no unix socket', facts: liveFacts({ conf: 'port 6380' }), message: /^unixsocket is not set: the server has no unix socket$/ },
    { name: 'unixsocketperm 0 and the host not seen: the umask decides, unknown', facts: liveFacts({ conf: SOCKET }), message: /^who may open the unix socket \/run\/redis\/redis\.sock is unknown: unixsocketperm is '0', so the socket gets the mode the server's umask leaves, which the audit did not see/ },
    { name: 'settings unknown', facts: { ...liveFacts(), config: undefined, unavailable: { config: 'CONFIG GET: NOPERM' } }, message: /^CONFIG GET: NOPERM$/ },
  ],
});
