import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runRules } from '../../src/engine/run.ts';
import { ruleContext } from '../../src/rules/context.ts';
import defaultPort from '../../src/rules/network/default-port.ts';
import tlsDisabled from '../../src/rules/tls/disabled.ts';
import { STRICT_PORT } from '../../src/profile/index.ts';
import { liveFacts } from '../rule-tester.ts';
import { rawCommand } from '../harness/raw.ts';
import { freePort, startRedis, stopAll } from '../harness/servers.ts';

// network.default-port said `CONFIG SET port 16379` and tls.disabled `tls-port 16379` (CONFIG SET on 6.2+) to every
// server on 6379, but a cluster node on 6379 has its bus on 16379 (port + 10000) until it restarts: both fail there.
describe('fix texts for a cluster node on 6379, whose bus listens on 16379', () => {
  after(stopAll);

  it('a real cluster node refuses a CONFIG SET of a client port onto its own bus port', async () => {
    const port = await freePort('127.0.0.1', { withBusPort: true });
    const node = await startRedis({ port, conf: 'cluster-enabled yes\ncluster-config-file nodes.conf', killOnStop: true });
    await assert.rejects(rawCommand(node.host, node.port, ['CONFIG', 'SET', 'port', String(port + 10000)]), /Unable to listen on this port/);
    await assert.rejects(rawCommand(node.host, node.port, ['CONFIG', 'SET', 'tls-port', String(port + 10000)]), /tls-port/);
  });

  const judge = (rule: typeof defaultPort | typeof tlsDisabled, conf: string) => runRules([rule], liveFacts({ conf }), { context: ruleContext() }).filter((r) => r.status === 'fail');

  it('network.default-port: the port in the file and a restart, not CONFIG SET, unless cluster-port moves the bus', () => {
    const [node] = judge(defaultPort, 'cluster-enabled yes');
    assert.match(node!.remediation, new RegExp(`^Move to a non-default port with \`port ${STRICT_PORT}\` in redis.conf and a restart, one node at a time .*not with CONFIG SET`));
    // Its bus then follows to 26379, Sentinel's port: the text says how to keep them apart.
    assert.match(node!.remediation, new RegExp(`to ${STRICT_PORT + 10000}, which is Sentinel's well-known port: .*\`cluster-port\` \\(7\\.0\\+\\)`));
    const [standalone] = judge(defaultPort, '');
    assert.match(standalone!.remediation, new RegExp(`\`CONFIG SET port ${STRICT_PORT}\` on 6\\.2\\+`));
    const [ownBus] = judge(defaultPort, 'cluster-enabled yes\ncluster-port 17000');
    assert.match(ownBus!.remediation, new RegExp(`\`CONFIG SET port ${STRICT_PORT}\` on 6\\.2\\+`));
    // Started on 7000 (bus 17000) and moved to 6379 by CONFIG SET: CLUSTER NODES says where the bus really is.
    const node7000 = { ...liveFacts({ conf: 'cluster-enabled yes' }), cluster: { myId: 'a'.repeat(40), state: 'ok', source: { kind: 'live', command: 'CLUSTER NODES' }, nodes: [{ id: 'a'.repeat(40), host: '127.0.0.1', port: 6379, busPort: 17000, hostname: undefined, flags: ['myself', 'master'], masterId: undefined, slots: [[0, 16383]], linkState: 'connected' }] } } as const;
    const [moved] = runRules([defaultPort], node7000, { context: ruleContext() }).filter((r) => r.status === 'fail');
    assert.match(moved!.remediation, new RegExp(`\`CONFIG SET port ${STRICT_PORT}\` on 6\\.2\\+`));
  });

  it(`tls.disabled: not tls-port ${STRICT_PORT} on such a node`, () => {
    const [node] = judge(tlsDisabled, 'cluster-enabled yes');
    assert.match(node!.remediation, new RegExp(`^Set \`tls-port\` to a free port other than 6379 and ${STRICT_PORT}, which this node's cluster bus listens on`));
    const [other] = judge(tlsDisabled, 'port 7000\ncluster-enabled yes');
    assert.match(other!.remediation, new RegExp(`e\\.g\\. \`tls-port ${STRICT_PORT}\``));
  });
});
