import { defineRule, fail, pass, skip } from '../define.ts';
import { configMissing } from '../combine.ts';
import { atLeast, bindEntries, clusterBusPort, exposure, portOf, releaseName, tcpClosed, tcpPortSet, sentinelFix } from '../util.ts';
import { portLabel, reachedPorts } from './wire.ts';
import { STRICT_PORT } from '../../profile/index.ts';
import { infoField } from '../../redis/info.ts';
import { clipped } from '../../util/shown.ts';

/** The profile's TLS port is this cluster node's bus port (a node on 6379): CONFIG SET tls-port there fails. */
const CLUSTER_BUS = `Set \`tls-port\` to a free port other than 6379 and ${STRICT_PORT}, which this node's cluster bus listens on (port + 10000), so \`tls-port ${STRICT_PORT}\` fails (e.g. \`tls-port 6380\` where no other node uses it), \`tls-cert-file\`, \`tls-key-file\` and \`tls-ca-cert-file\` (CONFIG SET works on 6.2+), then close the plaintext port with \`port 0\`.`;

/** Sentinel's connections to the masters, replicas and other sentinels use TLS when tls-replication is yes (redis.io TLS docs, Sentinel). */
const SENTINEL =
  'Set `tls-port` (a port other than 26379), `tls-cert-file`, `tls-key-file`, `tls-ca-cert-file` and `tls-replication yes` (with it the sentinel reaches the masters, the replicas and the other sentinels over TLS) in sentinel.conf, then `port 0`, and restart it (a sentinel has no CONFIG SET).';

export default defineRule({
  id: 'tls.disabled',
  title: 'Clients connect over TLS',
  severity: 'medium',
  section: 'Foundation',
  checklist: 'Foundation 11',
  sources: ['live', 'config', 'probe'],
  remediation: `Set \`tls-port\` to a port other than 6379 (e.g. \`tls-port ${STRICT_PORT}\`, as network.default-port asks), \`tls-cert-file\`, \`tls-key-file\` and \`tls-ca-cert-file\` (CONFIG SET works on 6.2+), then close the plaintext port with \`port 0\`.`,
  requires: [],
  check(facts) {
    const { config, server } = facts;
    if (!config) {
      // Without the configuration (no credentials, or CONFIG denied), a TLS handshake on the wire shows a listener.
      const tls = reachedPorts(facts);
      if (tls.length === 0) return configMissing(facts);
      return pass(`on the wire, ${tls.map(portLabel).join(', ')} completed a TLS handshake: clients can connect over TLS (whether a plaintext port is open too is tls.plaintext-port-open's to say)`, { source: tls[0]!.source });
    }
    const tlsPort = config.get('tls-port');
    if (tlsPort && portOf(tlsPort) > 0) return pass(`tls-port is ${clipped(tlsPort.value)}`, { source: tlsPort.source });
    const reach = exposure(config, server, facts.host);
    const why = tlsPort
      ? `tls-port is '${clipped(tlsPort.value)}'`
      : atLeast(server, 6, 0) === false
        ? `${releaseName(server)} has no TLS support (TLS came with Redis 6.0)`
        : 'this server has no TLS support (built without TLS)';
    // A unix-socket-only server: no client crosses a network, and TLS does not apply to a unix socket. Checklist TLS 1
    // ("disable non-TLS ports") holds: there is none. Not when INFO shows a TCP port all the same (a live audit
    // connects over TCP): then the configuration read is not what listens.
    const tcpPort = facts.info ? Number(infoField(facts.info, 'tcp_port') ?? 0) : 0;
    // `bind ''` closes TCP from 7.0 only: before, it listens on every interface. Without the version, unknown.
    if (reach === 'none' && tcpPortSet(config) && atLeast(server, 7, 0) === undefined) {
      return skip(`${why}, and bind is '': no TCP listener from Redis 7.0, every interface before it, and this server's version is unknown`);
    }
    if (reach === 'none' && !(tcpPort > 0)) {
      return pass(`${why}, but no TCP port is open (${tcpClosed(config)}): clients connect only through the unix socket, which never crosses a network and to which TLS does not apply (a TCP port opened later would need TLS)`, {
        source: config.get('port')?.source ?? tlsPort?.source,
        evidence: ['listeners reach: none'],
      });
    }
    return fail({
      message: `${why}: every client and its password cross the network in clear text`,
      source: tlsPort?.source ?? config.get('port')?.source,
      severity: reach === 'public' || reach === 'private' ? 'high' : undefined,
      evidence: [`listeners reach: ${reach}`, ...bindEntries(config.get('bind')?.value ?? '', facts.host).filter((e) => e.reach === 'unknown').map((e) => `bind '${clipped(e.address)}' is a host name: ${e.unknown}`)],
      ...(clusterBusPort(config, facts.cluster) === STRICT_PORT && { remediation: CLUSTER_BUS }),
      ...sentinelFix(server, SENTINEL),
    });
  },
});
