import type { SentinelFacts, SentinelMaster } from '../../facts/types.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import { ring, topology } from '../../../test/topology/fixtures.ts';
import type { NodeSpec } from '../../../test/topology/fixtures.ts';
import rule from './inconsistent-nodes.ts';

const deployment = (t: ReturnType<typeof topology>) => liveFacts({ extra: { topology: t }, unavailable: { config: 'deployment entry' } });
const TLS = 'port 0\ntls-port 6380\ntls-replication yes\ntls-cluster yes';
const ACL = ['user default off resetchannels -@all', 'user app on #0b14d501a594442a01c6859541bcb3e8164d183d32937b851835442f69d5c94e ~app:* resetchannels +@read +@write -@dangerous'];
/** Six cluster nodes with the same settings, but `conf`/`acl` on the node at `odd`. */
function cluster(odd?: { index: number; conf?: string; acl?: readonly string[] }) {
  return topology('cluster', ring().map((n, i): NodeSpec => ({ ...n, facts: odd?.index === i ? { conf: odd.conf ?? TLS, acl: odd.acl ?? ACL } : { conf: TLS, acl: ACL } })));
}

const SOURCE = { kind: 'file', path: '/etc/redis/sentinel.conf', line: 3 } as const;
function sentinelNode(port: number, authUser: string | undefined, requirepass: boolean): NodeSpec {
  const master: SentinelMaster = {
    name: 'mymaster', host: '10.0.0.1', port: 6379, quorum: 2, flags: 'master', numOtherSentinels: 2, numReplicas: 1,
    authUser: authUser === undefined ? undefined : { value: authUser, source: SOURCE },
    authPass: { value: { set: true, length: 24, sha256: 'ab'.repeat(32) }, source: SOURCE },
    source: { kind: 'live', command: 'SENTINEL MASTERS' },
  };
  const sentinel: SentinelFacts = { masters: [master], config: new Map(), sentinelPass: undefined, denyScriptsReconfig: { value: 'yes', source: SOURCE }, masterAuthKnown: true, source: master.source };
  return {
    address: `10.0.0.${port - 26378}:${port}`,
    role: 'sentinel',
    facts: { mode: 'sentinel', ...(requirepass ? { conf: 'requirepass 6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c' } : {}), extra: { sentinel }, unavailable: { config: 'a sentinel has no CONFIG command' } },
  };
}

ruleTester(rule, {
  pass: [
    {
      // --replication has no automatic failover: the master replicates from nobody and needs no masterauth.
      name: 'replication: the master without masterauth / masteruser, its replicas with them',
      facts: deployment(topology('replication', [
        { address: '10.0.0.1:6379', role: 'master', facts: { conf: 'requirepass 6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c' } },
        ...['10.0.0.2:6379', '10.0.0.3:6379'].map((address): NodeSpec => ({ address, role: 'replica', master: '10.0.0.1:6379', facts: { conf: 'requirepass 6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c\nmasteruser repl\nmasterauth x' } })),
      ])),
      message: /^all 3 nodes agree/,
    },
    {
      name: 'cluster: masterauth and masteruser on every node',
      facts: deployment(topology('cluster', ring().map((n): NodeSpec => ({ ...n, facts: { conf: `${TLS}\nmasteruser repl\nmasterauth x`, acl: ACL } })))),
      message: /^all 6 nodes agree/,
    },
    { name: 'six cluster nodes alike', facts: deployment(cluster()), message: /^all 6 nodes agree on their TLS and auth settings$/ },
    {
      // A 6.0 sentinel has no ACL command: nothing unknown there.
      name: 'three 6.0 sentinels alike, no ACL',
      facts: deployment(topology('sentinel', [26379, 26380, 26381].map((p) => { const n = sentinelNode(p, 'sentinel-user', true); return { ...n, facts: { ...n.facts!, version: '6.0.20', unavailable: { config: 'a sentinel has no CONFIG command', acl: 'ACL LIST: unknown command' } } }; }))),
      message: /^all 3 sentinels agree/,
    },
    { name: 'three sentinels alike', facts: deployment(topology('sentinel', [26379, 26380, 26381].map((p) => sentinelNode(p, 'sentinel-user', true)))), message: /^all 3 sentinels agree/ },
  ],
  fail: [
    {
      // Cluster: a failed-over master rejoins as a replica, so it needs the replication credentials too.
      name: 'cluster: the masters without masterauth / masteruser, the replicas with them',
      facts: deployment(topology('cluster', ring().map((n): NodeSpec => ({ ...n, facts: { conf: n.role === 'replica' ? `${TLS}\nmasteruser repl\nmasterauth 6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c` : TLS, acl: ACL } })))),
      messages: [
        /^masteruser is not set on 10\.0\.0\.1:6379 \(master\), 10\.0\.0\.2:6379 \(master\), 10\.0\.0\.3:6379 \(master\) but is on the other 3 nodes: after a cluster failover every node may replicate from a new master, so every node needs it, masters too$/,
        /^masterauth is not set on 10\.0\.0\.1:6379 \(master\), 10\.0\.0\.2:6379 \(master\), 10\.0\.0\.3:6379 \(master\) but is on the other 3 nodes/,
      ],
    },
    {
      name: 'replication: two replicas with other masteruser names',
      facts: deployment(topology('replication', [
        { address: '10.0.0.1:6379', role: 'master', facts: { conf: '' } },
        { address: '10.0.0.2:6379', role: 'replica', master: '10.0.0.1:6379', facts: { conf: 'masteruser repl\nmasterauth x' } },
        { address: '10.0.0.3:6379', role: 'replica', master: '10.0.0.1:6379', facts: { conf: 'masteruser other\nmasterauth x' } },
      ])),
      messages: [/^masteruser differs between the replicas: 'repl' on 10\.0\.0\.2:6379; 'other' on 10\.0\.0\.3:6379$/],
    },
    {
      name: 'one replica without tls-replication',
      facts: deployment(cluster({ index: 4, conf: TLS.replace('tls-replication yes', 'tls-replication no') })),
      messages: [/^tls-replication is 'no' on 10\.0\.0\.3:6380 but 'yes' on the other 5 nodes$/],
      severity: 'medium',
    },
    {
      name: 'one node with TLS off: the TLS details of the others are not compared with it',
      facts: deployment(cluster({ index: 0, conf: '' })),
      messages: [/^TLS is 'disabled' on 10\.0\.0\.1:6379 but 'enabled' on the other 5 nodes$/],
    },
    {
      // Valkey 8 names it primaryuser (valkey@8.0.1:src/config.c); every node here is Valkey 8.0.1.
      name: 'Valkey 8 nodes: the replication user is named primaryuser',
      facts: deployment(topology('cluster', ring().map((n, i): NodeSpec => ({ ...n, facts: { product: 'valkey', version: '8.0.1', conf: `${TLS}\nprimaryuser ${i === 2 ? 'other' : 'repl'}`, acl: ACL } })))),
      messages: [/^primaryuser is 'other' on 10\.0\.0\.3:6379 but 'repl' on the other 5 nodes$/],
    },
    {
      name: 'ACL users differ (ACL changes are not replicated)',
      facts: deployment(cluster({ index: 3, acl: [...ACL, 'user ops on nopass +@all'] })),
      messages: [/^ACL users are '\{app,default,ops\}' on 10\.0\.0\.2:6380 but '\{app,default\}' on the other 5 nodes$/],
    },
    {
      name: 'the same user with another password and other rules: shown by group, never by digest',
      facts: deployment(cluster({ index: 1, acl: [ACL[0]!, ACL[1]!.replace(/#[0-9a-f]+/, `#${'cd'.repeat(32)}`).replace(' +@write', '')] })),
      messages: [/^user 'app' rules is '~app:\* resetchannels \+@read -@dangerous' on 10\.0\.0\.2:6379 but '~app:\* resetchannels \+@read \+@write -@dangerous' on the other 5 nodes$/, /^user 'app' passwords is password #2 on 10\.0\.0\.2:6379 but password #1 on the other 5 nodes$/],
    },
    {
      name: 'three values: each named',
      facts: deployment(topology('replication', [
        { address: '10.0.0.1:6379', role: 'master', facts: { conf: `${TLS}\ntls-auth-clients yes` } },
        { address: '10.0.0.2:6379', role: 'replica', master: '10.0.0.1:6379', facts: { conf: `${TLS}\ntls-auth-clients no` } },
        { address: '10.0.0.3:6379', role: 'replica', master: '10.0.0.1:6379', facts: { conf: `${TLS}\ntls-auth-clients optional` } },
      ])),
      messages: [/^tls-auth-clients differs between the nodes: 'yes' on 10\.0\.0\.1:6379; 'no' on 10\.0\.0\.2:6379; 'optional' on 10\.0\.0\.3:6379$/],
    },
    {
      name: 'sentinels: one without auth-user and requirepass',
      facts: deployment(topology('sentinel', [sentinelNode(26379, 'sentinel-user', true), sentinelNode(26380, 'sentinel-user', true), sentinelNode(26381, undefined, false)])),
      messages: [/^user 'default' is 'on nopass' on 10\.0\.0\.3:26381 but 'on' on the other 2 sentinels$/, /^auth-user of 'mymaster' is '\(none\)' on 10\.0\.0\.3:26381 but 'sentinel-user' on the other 2 sentinels$/],
    },
  ],
  skip: [
    {
      // ACL users are not replicated: users that could not be read are unknown, not alike (test/verdicts/inconsistent-acl-unread).
      name: 'ACL LIST refused on one node: its users are unknown, never "all agree"',
      facts: deployment(topology('cluster', ring().map((n, i): NodeSpec => ({ ...n, facts: i === 2 ? { conf: TLS, unavailable: { acl: 'the audit user may not run ACL LIST (grant +acl|list)' } } : { conf: TLS, acl: ACL } })))),
      message: /^the ACL users of 10\.0\.0\.3:6379 could not be read \(the audit user may not run ACL LIST \(grant \+acl\|list\)\), so whether all 6 nodes agree on them is unknown; the other TLS and auth settings agree$/,
    },
    {
      name: 'sentinels (7.0): ACL LIST refused on one, its users unknown',
      facts: deployment(topology('sentinel', [sentinelNode(26379, 'sentinel-user', true), sentinelNode(26380, 'sentinel-user', true), { ...sentinelNode(26381, 'sentinel-user', true), facts: { ...sentinelNode(26381, 'sentinel-user', true).facts!, unavailable: { config: 'a sentinel has no CONFIG command', acl: 'the audit user may not run ACL LIST (grant +acl|list)' } } }])),
      message: /^the ACL users of 10\.0\.0\.3:26381 could not be read \(the audit user may not run ACL LIST \(grant \+acl\|list\)\), so whether all 3 sentinels agree on them is unknown/,
    },
    {
      // It may be the one that differs: 'all 5 nodes agree' was a pass on unknown (review R4).
      name: 'an unreachable node: named, and the agreement of the others is no pass',
      facts: deployment(topology('cluster', [...ring().slice(0, 5).map((n) => ({ ...n, facts: { conf: TLS, acl: ACL } })), { ...ring()[5]!, error: 'connection refused' }])),
      message: /^not every node of the deployment could be compared \(not compared: 10\.0\.0\.1:6380: connection refused\), so whether they all agree is unknown; the 5 nodes compared agree on the settings read$/,
    },
    {
      name: 'a node whose CONFIG GET and ACL LIST were both refused',
      facts: deployment(topology('cluster', ring().map((n, i): NodeSpec => ({ ...n, facts: i === 4 ? { unavailable: { config: 'CONFIG GET: NOPERM', secrets: 'CONFIG GET: NOPERM', acl: 'ACL LIST: NOPERM' } } : { conf: TLS, acl: ACL } })))),
      message: /^not every node of the deployment could be compared \(not compared: 10\.0\.0\.\d:\d+: CONFIG GET: NOPERM\), so whether they all agree is unknown; the 5 nodes compared agree/,
    },
    {
      name: 'a node whose CONFIG GET was refused: its TLS settings are unknown',
      facts: deployment(topology('cluster', ring().map((n, i): NodeSpec => ({ ...n, facts: i === 4 ? { acl: ACL, unavailable: { config: 'CONFIG GET: NOPERM' } } : { conf: TLS, acl: ACL } })))),
      message: /^not every node of the deployment could be compared \(TLS settings not read: 10\.0\.0\.\d:\d+: CONFIG GET: NOPERM\), so whether they all agree is unknown; the 6 nodes compared agree on the settings read$/,
    },
    {
      name: 'a sentinel not reached',
      facts: deployment(topology('sentinel', [sentinelNode(26379, 'sentinel-user', true), sentinelNode(26380, 'sentinel-user', true), { ...sentinelNode(26381, 'sentinel-user', true), facts: undefined, error: 'connection refused' }])),
      message: /^not every node of the deployment could be compared \(not compared: 10\.0\.0\.3:26381: connection refused\), so whether they all agree is unknown; the 2 sentinels compared agree/,
    },
    { name: 'no deployment (one server audited)', facts: liveFacts(), message: /judged only for a whole deployment: audit with --cluster, --sentinel or --replication/ },
    {
      name: 'one node readable',
      facts: deployment(topology('replication', [{ address: '10.0.0.1:6379', role: 'master' }, { address: '10.0.0.2:6379', role: 'replica', master: '10.0.0.1:6379', error: 'NOAUTH' }])),
      message: /^fewer than 2 nodes of a kind could be compared: 10\.0\.0\.2:6379: NOAUTH$/,
    },
  ],
});
