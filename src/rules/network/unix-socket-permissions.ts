import { defineRule, fail, pass, skip } from '../define.ts';
import { unixSocketAccess } from './unix-socket.ts';
import { clipped } from '../../util/shown.ts';

export default defineRule({
  id: 'network.unix-socket-permissions',
  title: 'The unix socket is closed to other users',
  severity: 'medium',
  section: 'Foundation',
  checklist: 'Foundation 5',
  sources: ['live', 'config', 'host'],
  remediation:
    'Set `unixsocketperm 700` in redis.conf and restart (it cannot be changed with CONFIG SET); or `770` with the socket in a group of the clients\' own (`redis-clients`), never the server\'s group, whose members may read the data files, the ACL file, redis.conf and the TLS key (mode 640, 750): on Valkey 8.0+ `unixsocketgroup redis-clients`; on Redis (no `unixsocketgroup`: it refuses the line) and Valkey 7.2 a setgid socket directory, whose group the socket inherits (`/run/redis` `redis:redis-clients` mode 2750). Keep the socket in a directory of its own that others may not enter.',
  requires: [],
  check(facts) {
    const access = unixSocketAccess(facts);
    if (!access) {
      if (!facts.config) return skip(facts.unavailable.config ?? 'the server settings are unknown: whether it has a unix socket is not known');
      return skip("unixsocket is not set: the server has no unix socket");
    }
    const path = clipped(access.path);
    if (access.reach === undefined) return skip(`who may open the unix socket ${path} is unknown: ${access.detail}`);
    if (access.reach === 'others') {
      return fail({
        message: access.directoryUnseen
          ? `the unix socket ${path} is open to any local user who may enter its directory (${access.detail}): connecting needs only write permission on it, which others have; whether its directory keeps them out is not visible to this audit (audit on the host, or with --local, to see it)`
          : `the unix socket ${path} is open to any local user (${access.detail}): connecting needs only write permission on it, which others have`,
        source: access.source,
      });
    }
    // QA45-24: whoever may remove the socket from its directory binds their own at its path: the server keeps running,
    // unaware, and every client of that path talks to them (and sends them its AUTH).
    const replacers = access.replacers;
    if (replacers && replacers.ways.length > 0) {
      return fail({
        message: `the unix socket ${path} can be replaced: ${replacers.ways.join('; ')}: whoever removes it and binds a socket of their own there receives every client of that path, and its AUTH (${access.detail})`,
        source: access.source,
      });
    }
    if (replacers?.unknown !== undefined) return skip(`who may replace the unix socket ${path} is unknown: ${replacers.unknown}`);
    const sticky = replacers && replacers.sticky.length > 0 ? ` (note: ${replacers.sticky.join('; ')}; while the server is down, anyone may bind that path first)` : '';
    const who = access.reach === 'group' ? `its owner, its group${access.group !== undefined ? ` (${access.group})` : ''} and root` : "only its owner (the server's user) and root";
    return pass(`the unix socket ${path} admits ${who} (${access.detail})${sticky}`, { source: access.source });
  },
});
