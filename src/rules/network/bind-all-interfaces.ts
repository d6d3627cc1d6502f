import { defineRule, fail, pass, skip } from '../define.ts';
import { atLeast, bindEntries, portOf, releaseName, sentinelFix } from '../util.ts';
import { clipped } from '../../util/shown.ts';

/**
 * Before 6.2 there is no `-` prefix and no CONFIG SET bind: `bind 127.0.0.1 -::1` makes redis@6.0.20 exit at start
 * ("Could not create server TCP listening socket -::1:6379: Name or service not known", checked on the real build).
 */
const BEFORE_6_2 =
  'Bind to loopback or a private address: `bind 127.0.0.1` in redis.conf, then restart (before 6.2, bind cannot be changed with CONFIG SET, and there is no `-` prefix: `bind 127.0.0.1 -::1` stops the server from starting).';

/** A sentinel must stay reachable by the other sentinels and the clients: loopback alone would cut it off. */
const SENTINEL =
  'Bind the sentinel to the private address the other sentinels and the clients reach it on (`bind 10.0.0.5`, its own) in sentinel.conf, then restart it (a sentinel has no CONFIG SET). Not loopback alone: the other sentinels could no longer reach it.';

export default defineRule({
  id: 'network.bind-all-interfaces',
  title: 'Redis listens only on loopback or private addresses',
  severity: 'high',
  section: 'Foundation',
  checklist: 'Foundation 1',
  sources: ['live', 'config'],
  remediation: "Bind to loopback or a private address: `bind 127.0.0.1 -::1` in redis.conf, or `CONFIG SET bind \"127.0.0.1 -::1\"` (6.2+) and CONFIG REWRITE.",
  requires: ['config'],
  check({ config, server, host }) {
    const bind = config.get('bind');
    if (!bind) return skip('bind is not reported by this server');
    if (portOf(config.get('port')) === 0 && portOf(config.get('tls-port')) === 0) {
      return pass('no TCP port is open (port 0, no tls-port): only the unix socket listens', { source: config.get('port')?.source });
    }
    const addresses = bind.value.trim() === '' ? [] : bind.value.trim().split(/\s+/);
    if (addresses.length === 0) {
      // An empty bind: every interface on 6.x; on 7.0+ no TCP listener at all.
      const modern = atLeast(server, 7, 0);
      if (modern === false) {
        return fail({ message: `bind is empty, so ${releaseName(server)} listens on every interface`, source: bind.source, ...(atLeast(server, 6, 2) === false && { remediation: BEFORE_6_2 }), ...sentinelFix(server, SENTINEL) });
      }
      if (modern === undefined) return skip('bind is empty and the server version is unknown: on 6.x that means every interface, on 7.0+ no TCP listener');
      return pass('bind is empty: Redis 7+ opens no TCP listener', { source: bind.source });
    }
    // A host name is judged on the addresses the server listens on for it (live, host facts), else not judged (QA41-1).
    const entries = bindEntries(bind.value, host);
    const exposed = entries.filter((e) => e.reach === 'public');
    const shown = (e: (typeof entries)[number]) => `'${clipped(e.address)}'${e.resolved ? ` (a host name: the server listens on ${e.resolved.map((a) => clipped(a)).join(', ')})` : ''}`;
    if (exposed.length > 0) {
      return fail({
        message: `bind is '${clipped(bind.value)}': ${exposed.map(shown).join(', ')} ${exposed.length > 1 ? 'expose' : 'exposes'} the server beyond loopback and private networks`,
        source: bind.source,
        ...(atLeast(server, 6, 2) === false && { remediation: BEFORE_6_2 }),
        ...sentinelFix(server, SENTINEL),
      });
    }
    const unknown = entries.filter((e) => e.reach === 'unknown');
    if (unknown.length > 0) {
      return skip(`bind is '${clipped(bind.value)}': ${unknown.map((e) => `'${clipped(e.address)}'`).join(', ')} ${unknown.length > 1 ? 'are host names' : 'is a host name'}, which the server resolves where it starts, and ${unknown[0]!.unknown}: whether it reaches beyond loopback and private networks is unknown${entries.length > unknown.length ? ' (the other entries do not)' : ''}`);
    }
    const named = entries.filter((e) => e.resolved);
    return pass(`bind is '${clipped(bind.value)}'${named.length > 0 ? `; ${named.map((e) => `'${clipped(e.address)}' is a host name: the server listens on ${e.resolved!.length > 0 ? e.resolved!.map((a) => clipped(a)).join(', ') : 'no address of its own'}`).join('; ')}` : ''}`, { source: bind.source });
  },
});
