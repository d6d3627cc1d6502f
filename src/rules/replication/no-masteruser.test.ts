import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './no-masteruser.ts';

const MASTER_INFO = '# Server\nredis_version:7.0.15\n# Replication\nrole:master\nconnected_slaves:1\n';
const replicaInfo = (link: 'up' | 'down') =>
  `# Server\nredis_version:7.0.15\n# Replication\nrole:slave\nmaster_host:10.0.0.1\nmaster_port:6379\nmaster_link_status:${link}\nmaster_last_io_seconds_ago:1\n`;
const REPLICA = 'replicaof 10.0.0.1 6379';
const PASS = 'masterauth 6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c';

ruleTester(rule, {
  pass: [
    { name: 'a replica with masteruser and masterauth', facts: liveFacts({ conf: `${REPLICA}\nmasteruser replica-user\n${PASS}`, info: replicaInfo('up') }), message: /authenticates to its master as 'replica-user'/ },
    { name: 'its link down does not matter then', facts: liveFacts({ conf: `${REPLICA}\nmasteruser replica-user\n${PASS}`, info: replicaInfo('down') }) },
    {
      name: 'a replica without credentials whose link is up: the master needs none',
      facts: liveFacts({ conf: REPLICA, info: replicaInfo('up') }),
      message: /the master does not require authentication/,
    },
    { name: 'a master ready for a failover', facts: liveFacts({ conf: `masteruser replica-user\n${PASS}`, info: MASTER_INFO }), message: /not a replica now; masteruser 'replica-user' is ready/ },
    { name: 'Valkey 8 primaryuser / primaryauth', facts: liveFacts({ product: 'valkey', version: '8.0.1', conf: 'replicaof 10.0.0.1 6379\nprimaryuser replica-user\nprimaryauth 6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c', info: replicaInfo('up') }) },
    // Without INFO, replicaof in the configuration says it is a replica.
    { name: 'replica known from replicaof only', facts: liveFacts({ conf: `${REPLICA}\nmasteruser replica-user\n${PASS}`, unavailable: { info: 'INFO: NOPERM' } }) },
  ],
  fail: [
    {
      name: 'a replica with masterauth but no masteruser logs in as default',
      facts: liveFacts({ conf: `${REPLICA}\n${PASS}`, info: replicaInfo('up') }),
      messages: [/masterauth is set but masteruser is '': this replica authenticates to its master as the all-powerful default user/],
      severity: 'medium',
    },
    {
      name: 'a master with masterauth and no masteruser (after a failover)',
      facts: liveFacts({ conf: PASS, info: MASTER_INFO }),
      messages: [/this node, once it replicates after a failover, authenticates/],
    },
    {
      name: 'a replica with no masterauth and its link down',
      facts: liveFacts({ conf: REPLICA, info: replicaInfo('down') }),
      messages: [/this replica has no masterauth and its master link is 'down'/],
    },
    {
      name: 'masteruser without masterauth, link down',
      facts: liveFacts({ conf: `${REPLICA}\nmasteruser replica-user`, info: replicaInfo('down') }),
      messages: [/no masterauth/],
    },
    {
      name: 'replica known from replicaof, link unknown',
      facts: liveFacts({ conf: REPLICA, unavailable: { info: 'INFO: NOPERM' } }),
      messages: [/master link is 'unknown'/],
    },
  ],
  skip: [
    { name: 'a sentinel does not replicate', facts: liveFacts({ mode: 'sentinel', conf: 'masterauth x' }), message: /sentinel does not replicate/ },
    { name: 'a master without replication credentials', facts: liveFacts({ info: MASTER_INFO }), message: /not a replica \(role master\)/ },
    { name: 'configuration not readable', facts: liveFacts({ info: replicaInfo('up'), unavailable: { config: 'CONFIG GET: NOPERM' } }) },
  ],
});
