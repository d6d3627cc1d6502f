import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './cluster-bus-plaintext.ts';

const conf = (text: string) => liveFacts({ conf: text, mode: 'cluster' });

ruleTester(rule, {
  pass: [{ name: 'tls-cluster yes', facts: conf('cluster-enabled yes\nport 0\ntls-port 6380\ntls-cluster yes'), message: /tls-cluster is 'yes'/ }],
  fail: [
    { name: 'a TLS cluster node with the default tls-cluster no', facts: conf('cluster-enabled yes\nport 0\ntls-port 6380'), messages: [/tls-cluster is 'no': gossip, failover votes and slot migrations cross the bus unencrypted/], severity: 'high' },
    { name: 'explicitly no', facts: conf('cluster-enabled yes\ntls-port 6380\ntls-cluster no'), messages: [/tls-cluster is 'no'/] },
  ],
  skip: [
    { name: 'not a cluster node', facts: liveFacts({ conf: 'tls-port 6380' }), message: /not a cluster node \(cluster-enabled is 'no'\)/ },
    { name: 'a cluster node without TLS', facts: conf('cluster-enabled yes'), message: /TLS is not enabled/ },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
  ],
});
