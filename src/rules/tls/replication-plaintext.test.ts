import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './replication-plaintext.ts';

const tls = (lines = '') => liveFacts({ conf: `port 0\ntls-port 6380\n${lines}` });

ruleTester(rule, {
  pass: [{ name: 'tls-replication yes', facts: tls('tls-replication yes\nreplicaof 10.0.0.1 6380'), message: /tls-replication is 'yes'/ }],
  fail: [
    { name: 'the default (no)', facts: tls(), messages: [/tls-replication is 'no': the full dataset and every write travel to replicas in clear text/], severity: 'high' },
    { name: 'a replica with tls-replication no', facts: tls('replicaof 10.0.0.1 6379\ntls-replication no'), messages: [/tls-replication is 'no'/] },
  ],
  skip: [
    { name: 'TLS not enabled', facts: liveFacts({ conf: 'replicaof 10.0.0.1 6379' }), message: /TLS is not enabled/ },
    { name: 'configuration not readable', facts: liveFacts({ unavailable: { config: 'CONFIG GET: NOPERM' } }) },
  ],
});
