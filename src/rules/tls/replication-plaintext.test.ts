import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './replication-plaintext.ts';
import { topology } from '../../../test/topology/fixtures.ts';
import type { NodeSpec } from '../../../test/topology/fixtures.ts';

const tls = (lines = '') => liveFacts({ conf: `port 0\ntls-port 6380\n${lines}` });

ruleTester(rule, {
  pass: [{ name: 'tls-replication yes', facts: tls('tls-replication yes\nreplicaof 10.0.0.1 6380'), message: /tls-replication is 'yes'/ }],
  fail: [
    // INFO without its replication section: the role is unknown.
    { name: 'the default (no), role unknown', facts: tls(), messages: [/^tls-replication is 'no', should this node be a replica, it connects to its master in clear text; its own replicas, if any, reach it only on its TLS port \(port is 0\)$/], severity: 'medium' },
    {
      name: 'a replica (INFO role:slave) with tls-replication no: its own link is in clear text, certainly',
      facts: liveFacts({ conf: 'tls-port 6380\ntls-replication no', info: '# Replication\nrole:slave\nmaster_host:10.0.0.1\nmaster_port:6379\nmaster_link_status:up\n' }),
      messages: [/^tls-replication is 'no': this replica connects to its master 10\.0\.0\.1:6379 in clear text, so the full dataset and every write reach it unencrypted/],
      severity: 'high',
    },
    {
      // A master's tls-replication is how it would connect to a master of its own: its replicas' settings decide theirs.
      name: 'a master with a plaintext port and connected replicas: they may use it, not certain',
      facts: liveFacts({ conf: 'port 6379\ntls-port 6380', info: '# Replication\nrole:master\nconnected_slaves:2\nslave0:ip=10.0.0.2,port=6379,state=online,offset=1,lag=0\n' }),
      messages: [/^tls-replication is 'no', which only decides how this node connects to a master of its own \(after a failover\); its 2 connected replicas may reach it on its plaintext port 6379 and then get the full dataset and every write in clear text: their own tls-replication decides \(audit with --replication/],
      severity: 'medium',
    },
  ],
  skip: [
    { name: 'TLS not enabled', facts: liveFacts({ conf: 'replicaof 10.0.0.1 6379' }), message: /TLS is not enabled/ },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
  ],
});

// The deployment entry: every replica's link to its master.
const node = (address: string, role: 'master' | 'replica', conf: string): NodeSpec => ({ address, role, ...(role === 'replica' ? { master: '10.0.0.1:6379' } : {}), facts: { conf } });
const deployment = (nodes: NodeSpec[]) => liveFacts({ extra: { topology: topology('replication', nodes) }, unavailable: { config: 'deployment entry' } });
const TLS_MASTER = node('10.0.0.1:6379', 'master', 'port 0\ntls-port 6380');

ruleTester(rule, {
  pass: [
    {
      name: 'deployment: every replica sets tls-replication',
      facts: deployment([TLS_MASTER, node('10.0.0.2:6379', 'replica', 'tls-port 6380\ntls-replication yes'), node('10.0.0.3:6379', 'replica', 'tls-replication yes')]),
      message: /^2 of 2 replicas replicate over TLS \(tls-replication yes\)$/,
    },
  ],
  fail: [
    {
      name: 'deployment: a replica of a TLS master replicates in clear text',
      facts: deployment([TLS_MASTER, node('10.0.0.2:6379', 'replica', 'tls-replication yes'), node('10.0.0.3:6379', 'replica', '')]),
      messages: [/^replica 10\.0\.0\.3:6379 replicates from 10\.0\.0\.1:6379 in clear text: tls-replication is 'no' although TLS is enabled on its master 10\.0\.0\.1:6379$/],
      severity: 'high',
    },
    {
      name: 'deployment: a TLS replica of a plaintext master',
      facts: deployment([node('10.0.0.1:6379', 'master', ''), node('10.0.0.2:6379', 'replica', 'tls-port 6380')]),
      messages: [/although TLS is enabled on this replica$/],
    },
  ],
  skip: [
    { name: 'deployment: no TLS anywhere', facts: deployment([node('10.0.0.1:6379', 'master', ''), node('10.0.0.2:6379', 'replica', '')]), message: /TLS is enabled neither on the replicas nor on their masters/ },
    { name: 'deployment: no replica', facts: deployment([TLS_MASTER]), message: /has no replica/ },
    // QA41-4: it passed '1 of 2 replicas replicate over TLS', the replica not judged being the one in clear text.
    {
      name: 'deployment: a replica not reached beside one over TLS: not a pass',
      facts: deployment([TLS_MASTER, node('10.0.0.2:6379', 'replica', 'tls-replication yes'), { address: '10.0.0.3:6379', role: 'replica', master: '10.0.0.1:6379', error: 'TLS handshake failed: a plain-text port?' }]),
      message: /^1 of 2 replicas replicate over TLS \(tls-replication yes\); not judged: 10\.0\.0\.3:6379: TLS handshake failed: a plain-text port\?$/,
    },
    {
      name: "deployment: a replica whose configuration could not be read",
      facts: deployment([TLS_MASTER, node('10.0.0.2:6379', 'replica', 'tls-replication yes'), { address: '10.0.0.3:6379', role: 'replica', master: '10.0.0.1:6379', facts: { unavailable: { config: 'CONFIG GET: NOPERM' } } }]),
      message: /^1 of 2 replicas replicate over TLS \(tls-replication yes\); not judged: 10\.0\.0\.3:6379: CONFIG GET: NOPERM$/,
    },
  ],
});
