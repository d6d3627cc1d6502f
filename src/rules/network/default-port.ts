import type { Source } from '../../facts/types.ts';
import { defineRule, fail, pass, skip } from '../define.ts';
import { clusterBusPort, portOf, sentinelFix } from '../util.ts';
import { infoField } from '../../redis/info.ts';
import { STRICT_PORT } from '../../profile/index.ts';

/** A cluster node on 6379 has its bus on 16379 until it restarts: the profile's port is then for the file, not CONFIG SET. */
const CLUSTER_NODE = `Move to a non-default port with \`port ${STRICT_PORT}\` in redis.conf and a restart, one node at a time (its cluster bus follows, to ${STRICT_PORT + 10000}, which is Sentinel's well-known port: on a host that runs a sentinel there, also set \`cluster-port\` (7.0+) to a free port); not with CONFIG SET: this node's cluster bus listens on ${STRICT_PORT} (port + 10000) until it restarts, so \`CONFIG SET port ${STRICT_PORT}\` fails. Update the clients' seed lists. It only slows down mass scanners: never rely on it alone.`;

const SENTINEL =
  'Move the sentinel off 26379 (`port` with another number in sentinel.conf), restart it (a sentinel has no CONFIG SET) and update the sentinel addresses your clients list; the other sentinels learn the new port from its hello messages. It only slows down mass scanners: never rely on it alone.';

export default defineRule({
  id: 'network.default-port',
  title: 'Redis does not listen on its well-known port',
  severity: 'low',
  section: 'Foundation',
  checklist: 'Foundation 12',
  sources: ['live', 'config'],
  remediation: `Move to a non-default port (\`port ${STRICT_PORT}\`, or \`port 0\` with a \`tls-port\`): \`CONFIG SET port ${STRICT_PORT}\` on 6.2+, a restart on 6.0. It only slows down mass scanners: never rely on it alone.`,
  requires: ['server'],
  check({ config, info, server, cluster }) {
    const wellKnown = server.mode === 'sentinel' ? 26379 : 6379;
    const ports: { name: string; port: number; source: Source }[] = [];
    for (const name of ['port', 'tls-port']) {
      const fact = config?.get(name);
      if (fact) ports.push({ name, port: portOf(fact), source: fact.source });
    }
    const tcp = info ? infoField(info, 'tcp_port') : undefined;
    // Settings from the files (CONFIG GET refused) miss `--port` on the command line: INFO says what listens.
    // tcp_port is the TLS port when `port` is 0.
    const filed = ports.find((p) => p.name === 'port' && p.source.kind !== 'live');
    const tlsPort = ports.find((p) => p.name === 'tls-port')?.port;
    if (filed && tcp !== undefined && Number(tcp) !== filed.port && !(filed.port === 0 && Number(tcp) === tlsPort)) {
      ports.splice(ports.indexOf(filed), 1, { name: 'port', port: Number(tcp), source: { kind: 'live', command: 'INFO server' } });
    }
    if (ports.length === 0 && tcp !== undefined) {
      ports.push({ name: 'port', port: Number(tcp), source: { kind: 'live', command: 'INFO server' } });
    }
    if (ports.length === 0) return skip('the listening port could not be read');
    const onDefault = ports.find((p) => p.port === wellKnown);
    if (onDefault) {
      return fail({
        message: `${onDefault.name} is ${wellKnown}, the well-known ${server.mode === 'sentinel' ? 'sentinel' : 'Redis'} port that scanners try first`,
        source: onDefault.source,
        ...(config && clusterBusPort(config, cluster) === STRICT_PORT && { remediation: CLUSTER_NODE }),
        ...sentinelFix(server, SENTINEL),
      });
    }
    const open = ports.filter((p) => p.port > 0).map((p) => `${p.name} ${p.port}`);
    return pass(open.length ? `listens on ${open.join(', ')}` : 'no TCP port is open', { source: ports[0]?.source });
  },
});
