import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ruleContext } from '../../rules/context.ts';
import { runRules } from '../../engine/run.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './no-masteruser.ts';
import { topology } from '../../../test/topology/fixtures.ts';
import type { NodeSpec } from '../../../test/topology/fixtures.ts';

const MASTER_INFO = '# Server\nredis_version:7.0.15\n# Replication\nrole:master\nconnected_slaves:1\n';
const replicaInfo = (link: 'up' | 'down') =>
  `# Server\nredis_version:7.0.15\n# Replication\nrole:slave\nmaster_host:10.0.0.1\nmaster_port:6379\nmaster_link_status:${link}\nmaster_last_io_seconds_ago:1\n`;
// A replica in a sync (redis-server 7.0.15, master slowed by rdb-key-save-delay): the link stays 'down' until the copy
// is loaded. A master that refuses a replica without credentials shows the same for a moment (QA41-9): its PSYNC
// answered -NOAUTH, the replica falls back to SYNC and counts as transferring until that is refused too.
const firstSyncInfo = `# Server\nredis_version:7.0.15\n# Replication\nrole:slave\nmaster_host:10.0.0.1\nmaster_port:6379\nmaster_link_status:down\nmaster_last_io_seconds_ago:-1\nmaster_sync_in_progress:1\nslave_read_repl_offset:1\nslave_repl_offset:1\nmaster_sync_total_bytes:-1\nmaster_sync_read_bytes:0\nmaster_sync_left_bytes:-1\nmaster_sync_perc:-0.00\nmaster_sync_last_io_seconds_ago:0\nmaster_link_down_since_seconds:-1\n`;
const REPLICA = 'replicaof 10.0.0.1 6379';
const PASS = 'masterauth 6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c';

ruleTester(rule, {
  pass: [
    { name: 'a replica with masteruser and masterauth', facts: liveFacts({ conf: `${REPLICA}\nmasteruser replica-user\n${PASS}`, info: replicaInfo('up') }), message: /authenticates to its master as 'replica-user'/ },
    {
      name: 'a replica without credentials whose link is up: the master needs none',
      facts: liveFacts({ conf: REPLICA, info: replicaInfo('up') }),
      message: /the master does not require authentication/,
    },
    { name: 'a master ready for a failover', facts: liveFacts({ conf: `masteruser replica-user\n${PASS}`, info: MASTER_INFO }), message: /not a replica now; masteruser 'replica-user' is ready/ },
    { name: 'Valkey 8 primaryuser / primaryauth', facts: liveFacts({ product: 'valkey', version: '8.0.1', conf: 'replicaof 10.0.0.1 6379\nprimaryuser replica-user\nprimaryauth 6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c', info: replicaInfo('up') }) },
    // Without INFO, replicaof in the configuration says it is a replica.
    { name: 'replica known from replicaof only', facts: liveFacts({ conf: `${REPLICA}\nmasteruser replica-user\n${PASS}`, unavailable: { info: 'INFO: NOPERM' } }) },
    { name: 'masteruser and masterauth, in its first sync', facts: liveFacts({ conf: `${REPLICA}\nmasteruser replica-user\n${PASS}`, info: firstSyncInfo }), message: /authenticates to its master as 'replica-user'/ },
  ],
  fail: [
    {
      name: 'a replica with masterauth but no masteruser logs in as default',
      facts: liveFacts({ conf: `${REPLICA}\n${PASS}`, info: replicaInfo('up') }),
      messages: [/masterauth is set but masteruser is '': this replica authenticates to its master as the all-powerful default user/],
      severity: 'medium',
    },
    {
      // The Valkey Helm chart's default (replicationUser: default): the user AUTH <password> logs in as anyway.
      name: "masteruser 'default' is no dedicated user",
      facts: liveFacts({ conf: `${REPLICA}\nmasteruser default\n${PASS}`, info: replicaInfo('up') }),
      messages: [/^masteruser is 'default': this replica authenticates to its master as the default user/],
    },
    {
      name: "masteruser 'default' on a master, for a failover",
      facts: liveFacts({ conf: `masteruser default\n${PASS}`, info: MASTER_INFO }),
      messages: [/^masteruser is 'default': this node, once it replicates after a failover, authenticates/],
    },
    {
      // Valkey 8 lists and rewrites them as primaryauth / primaryuser (valkey@8.0.1:src/config.c).
      name: 'Valkey 8: primaryauth without primaryuser, named as Valkey names them',
      facts: liveFacts({ product: 'valkey', version: '8.0.1', conf: `${REPLICA}\nprimaryauth 6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c`, info: replicaInfo('up') }),
      messages: [/^primaryauth is set but primaryuser is '': this replica authenticates/],
    },
    {
      name: 'Valkey 8: no primaryauth, link down',
      facts: liveFacts({ product: 'valkey', version: '8.0.1', conf: REPLICA, info: replicaInfo('down') }),
      messages: [/^this replica has no primaryauth and its master link is 'down'/],
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
      name: 'masterauth without masteruser, in its first sync: still the default user',
      facts: liveFacts({ conf: `${REPLICA}\n${PASS}`, info: firstSyncInfo }),
      messages: [/masterauth is set but masteruser is '': this replica authenticates to its master as the all-powerful default user/],
    },
    {
      name: 'no credentials, link down and no sync in progress',
      facts: liveFacts({ conf: REPLICA, info: replicaInfo('down').replace('master_last_io_seconds_ago:1\n', 'master_last_io_seconds_ago:-1\nmaster_sync_in_progress:0\n') }),
      messages: [/this replica has no masterauth and its master link is 'down'/],
    },
  ],
  skip: [
    { name: 'a sentinel does not replicate', facts: liveFacts({ mode: 'sentinel', conf: 'masterauth x' }), message: /sentinel does not replicate/ },
    { name: 'Redis 5.0 has no masteruser: masterauth is all a replica can send', facts: liveFacts({ version: '5.0.14', conf: `${REPLICA}\n${PASS}`, info: replicaInfo('up') }), message: /no masteruser setting \(Redis before 6\.0/ },
    { name: 'a master without replication credentials', facts: liveFacts({ info: MASTER_INFO }), message: /not a replica \(role master\)/ },
    { name: 'configuration not readable', facts: liveFacts({ info: replicaInfo('up'), unavailable: { config: 'CONFIG GET: NOPERM' } }) },
    {
      // It passed as "authenticates to its master as 'replica-user'" (QA41-20): the master may refuse that user.
      name: 'masteruser and masterauth, its link down and not in a sync',
      facts: liveFacts({ conf: `${REPLICA}\nmasteruser replica-user\n${PASS}`, info: replicaInfo('down') }),
      message: /^masteruser 'replica-user' is set, but the link to its master is down: whether the master accepts that user is not known here; audit with --replication/,
    },
    {
      // It passed as "its master accepted its PSYNC" (QA41-9): a master that refuses it shows the same for a moment.
      name: 'no credentials, in a sync: whether the master accepted it is not known',
      facts: liveFacts({ conf: REPLICA, info: firstSyncInfo }),
      message: /^this replica has no masterauth and is in a sync with its master \(master_sync_in_progress:1\), which a master that refuses it shows too/,
    },
    {
      // It was a failure ("master link is 'unknown'"): unknown is skip.
      name: 'replica known from replicaof, no credentials, link unknown',
      facts: liveFacts({ conf: REPLICA, unavailable: { info: 'INFO: NOPERM' } }),
      message: /^this replica has no masterauth, and whether its master accepts it without one is unknown: INFO: NOPERM$/,
    },
  ],
});

// The deployment entry: every replica, and whether its master's ACL lets its masteruser replicate.
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const deployment = (nodes: NodeSpec[]) => liveFacts({ extra: { topology: topology('replication', nodes) }, unavailable: { config: 'deployment entry' } });
const masterWith = (...users: string[]): NodeSpec => ({
  address: '10.0.0.1:6379',
  role: 'master',
  facts: { conf: 'requirepass 6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c', info: MASTER_INFO, acl: [`user default on #${sha('6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c')} ~* &* +@all`, ...users] },
});
/** A master whose default user needs no password: a replica without credentials gets in. */
const openMaster = (...users: string[]): NodeSpec => ({ address: '10.0.0.1:6379', role: 'master', facts: { info: MASTER_INFO, acl: ['user default on nopass ~* &* +@all', ...users] } });
const REPL_USER = `user repl on #${sha('repl-secret-0123456789')} resetchannels -@all +psync +replconf +ping`;
const replicaOf = (address: string, conf: string, link: 'up' | 'down' = 'up'): NodeSpec => ({
  address,
  role: 'replica',
  master: '10.0.0.1:6379',
  facts: { conf: `replicaof 10.0.0.1 6379\n${conf}`, info: replicaInfo(link) },
});
const GOOD = 'masteruser repl\nmasterauth repl-secret-0123456789';
const inFirstSync = (address: string, conf: string): NodeSpec => ({ ...replicaOf(address, conf), facts: { conf: `replicaof 10.0.0.1 6379\n${conf}`, info: firstSyncInfo } });
const infoUnread = (address: string, conf: string): NodeSpec => ({ ...replicaOf(address, conf), facts: { conf: `replicaof 10.0.0.1 6379\n${conf}`, unavailable: { info: 'INFO: NOPERM' } } });

ruleTester(rule, {
  pass: [
    {
      name: 'deployment: every replica logs in as a user allowed PSYNC, REPLCONF and PING',
      facts: deployment([masterWith(REPL_USER), replicaOf('10.0.0.2:6379', GOOD), replicaOf('10.0.0.3:6379', GOOD)]),
      message: /^2 of 2 replicas judged: each authenticates to its master as a user allowed to replicate/,
    },
    {
      name: 'deployment: a replica in its first sync, one with credentials, one without, one whose link is unknown',
      facts: deployment([openMaster(REPL_USER), inFirstSync('10.0.0.2:6379', GOOD), inFirstSync('10.0.0.3:6379', ''), infoUnread('10.0.0.4:6379', '')]),
      // The one whose INFO was not read is judged by the master's ACL too.
      message: /^3 of 3 replicas judged: each authenticates to its master as a user allowed to replicate, or needs no credentials$/,
    },
    {
      // The masteruser is a dedicated user, but whether the master lets it replicate is unknown: the pass says so.
      name: "deployment: the master's ACL could not be read: a dedicated user, its permissions not checked",
      facts: deployment([
        { address: '10.0.0.1:6379', role: 'master', facts: { conf: 'requirepass 6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c', info: MASTER_INFO, unavailable: { acl: 'ACL LIST: NOPERM' } } },
        replicaOf('10.0.0.2:6379', GOOD),
      ]),
      message: /^1 of 1 replica judged: each authenticates to its master as a dedicated user or needs no credentials; for 1 of them the master's ACL could not be read, so whether that user may replicate was not checked$/,
    },
  ],
  fail: [
    {
      name: 'deployment: one replica logs in as default',
      facts: deployment([masterWith(REPL_USER), replicaOf('10.0.0.2:6379', GOOD), replicaOf('10.0.0.3:6379', 'masterauth 6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c')]),
      messages: [/^replica 10\.0\.0\.3:6379 authenticates to its master 10\.0\.0\.1:6379 as the all-powerful default user \(masterauth set, masteruser ''\)$/],
      severity: 'medium',
    },
    {
      name: "deployment: the master's user may not run PSYNC or REPLCONF",
      facts: deployment([masterWith(`user repl on #${sha('repl-secret-0123456789')} -@all +ping`), replicaOf('10.0.0.2:6379', GOOD, 'down')]),
      messages: [/^'repl' on master 10\.0\.0\.1:6379 may not run PSYNC, REPLCONF: replica 10\.0\.0\.2:6379 cannot replicate as that user$/],
    },
    {
      name: 'deployment: the masteruser does not exist on the master',
      facts: deployment([masterWith(), replicaOf('10.0.0.2:6379', GOOD, 'down')]),
      messages: [/^replica 10\.0\.0\.2:6379 logs in as 'repl', which does not exist on its master/],
    },
    {
      name: 'deployment: the masteruser is off',
      facts: deployment([masterWith(REPL_USER.replace(' on ', ' off ')), replicaOf('10.0.0.2:6379', GOOD, 'down')]),
      messages: [/which is 'off' on its master/],
    },
    {
      name: 'deployment: masterauth matches no password of the user',
      facts: deployment([masterWith(REPL_USER), replicaOf('10.0.0.2:6379', 'masteruser repl\nmasterauth another-secret-9876543210', 'down')]),
      messages: [/^the masterauth of replica 10\.0\.0\.2:6379 matches no password of 'repl' on master 10\.0\.0\.1:6379/],
    },
    {
      name: 'deployment: masterauth without masteruser fails in its first sync too',
      facts: deployment([masterWith(REPL_USER), inFirstSync('10.0.0.2:6379', 'masterauth 6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c')]),
      messages: [/^replica 10\.0\.0\.2:6379 authenticates to its master 10\.0\.0\.1:6379 as the all-powerful default user/],
    },
    {
      name: 'deployment: a replica without credentials whose link is down, its master requires a password',
      facts: deployment([masterWith(REPL_USER), replicaOf('10.0.0.2:6379', '', 'down')]),
      messages: [/^replica 10\.0\.0\.2:6379 sends no credentials \(no masterauth\) and its master 10\.0\.0\.1:6379 requires them \(its default user has a password\): replication cannot authenticate$/],
    },
    {
      // It passed about one run in three (QA41-9): the refused replica's SYNC fallback shows master_sync_in_progress:1.
      name: 'deployment: a replica without credentials in a sync with a master that requires a password',
      facts: deployment([masterWith(REPL_USER), inFirstSync('10.0.0.2:6379', '')]),
      messages: [/^replica 10\.0\.0\.2:6379 sends no credentials \(no masterauth\) and its master 10\.0\.0\.1:6379 requires them \(its default user has a password\)/],
    },
    {
      name: "deployment: a replica without credentials, its master's default user off",
      facts: deployment([{ address: '10.0.0.1:6379', role: 'master', facts: { info: MASTER_INFO, acl: ['user default off nopass ~* &* +@all', REPL_USER] } }, replicaOf('10.0.0.2:6379', '', 'up')]),
      messages: [/requires them \(its default user is 'off'\)/],
    },
    {
      name: "deployment: a replica without credentials whose link is down, its master's ACL not read",
      facts: deployment([{ address: '10.0.0.1:6379', role: 'master', facts: { info: MASTER_INFO, unavailable: { acl: 'ACL LIST: NOPERM' } } }, replicaOf('10.0.0.2:6379', '', 'down')]),
      messages: [/^replica 10\.0\.0\.2:6379 has no masterauth and its master link is 'down'/],
    },
  ],
  skip: [
    // QA41-4: these passed ('2 of 3 replicas judged', '1 of 2 replicas judged'), the others' verdict standing for all.
    {
      name: "deployment: a replica whose link is unknown (its master's ACL unread) beside one judged: not a pass",
      facts: deployment([
        { address: '10.0.0.1:6379', role: 'master', facts: { conf: 'requirepass 6a1f9c3e7b2d8f0e4a5c1b7d9e3f0a2c', info: MASTER_INFO, unavailable: { acl: 'ACL LIST: NOPERM' } } },
        replicaOf('10.0.0.2:6379', GOOD),
        infoUnread('10.0.0.4:6379', ''),
      ]),
      message: /^1 of 2 replicas judged, none failing; not judged: 10\.0\.0\.4:6379: no masterauth, and whether 10\.0\.0\.1:6379 accepts it without one is unknown \(INFO: NOPERM\)$/,
    },
    {
      name: 'deployment: an unreachable replica is named, neither failed nor passed over',
      facts: deployment([masterWith(REPL_USER), replicaOf('10.0.0.2:6379', GOOD), { address: '10.0.0.3:6379', role: 'replica', master: '10.0.0.1:6379', error: 'connect timed out after 3000 ms' }]),
      message: /^1 of 2 replicas judged, none failing; not judged: 10\.0\.0\.3:6379: connect timed out after 3000 ms$/,
    },
    {
      name: "deployment: a sentinel group whose replicas could not be listed, beside a group judged",
      facts: liveFacts({
        extra: {
          topology: topology('sentinel', [masterWith(REPL_USER), replicaOf('10.0.0.2:6379', GOOD), { address: '10.0.0.5:6379', role: 'master', facts: { conf: '' } }], {
            groups: [
              { name: 'g1', master: '10.0.0.1:6379', quorum: 2, sentinels: [], ckquorum: undefined, ckquorumUnavailable: undefined, source: { kind: 'live', command: 'SENTINEL MASTERS' } },
              { name: 'g2', master: '10.0.0.5:6379', quorum: 2, sentinels: [], ckquorum: undefined, ckquorumUnavailable: undefined, replicasUnavailable: 'the audit user may not run SENTINEL REPLICAS g2 (grant +sentinel|replicas)', source: { kind: 'live', command: 'SENTINEL MASTERS' } },
            ],
          }),
        },
        unavailable: { config: 'deployment entry' },
      }),
      message: /^1 of 1 replica judged, none failing; not judged: the replicas of 'g2': the audit user may not run SENTINEL REPLICAS g2/,
    },
    { name: 'deployment: no replica', facts: deployment([masterWith(REPL_USER)]), message: /the replication deployment has no replica/ },
    {
      // --sentinel with the minimal Sentinel auditor: SENTINEL REPLICAS refused, so no replica was found: unknown, not none.
      name: 'deployment: SENTINEL REPLICAS refused',
      facts: liveFacts({ extra: { topology: topology('sentinel', [masterWith(REPL_USER)], { groups: [{ name: 'g1', master: '10.0.0.1:6379', quorum: 2, sentinels: [], ckquorum: undefined, ckquorumUnavailable: undefined, replicasUnavailable: 'the audit user may not run SENTINEL REPLICAS g1 (grant +sentinel|replicas)', source: { kind: 'live', command: 'SENTINEL MASTERS' } }] }) }, unavailable: { config: 'deployment entry' } }),
      message: /^the audit user may not run SENTINEL REPLICAS g1 \(grant \+sentinel\|replicas\): the replicas are unknown$/,
    },
    {
      name: "deployment: the only replica sends no credentials, its link and its master's ACL unknown",
      facts: deployment([{ address: '10.0.0.1:6379', role: 'master', facts: { info: MASTER_INFO, unavailable: { acl: 'ACL LIST: NOPERM' } } }, infoUnread('10.0.0.2:6379', '')]),
      message: /^no replica could be judged: 10\.0\.0\.2:6379: no masterauth, and whether 10\.0\.0\.1:6379 accepts it without one is unknown \(INFO: NOPERM\)$/,
    },
    {
      name: "deployment: a replica without credentials in a sync, its master's ACL not read",
      facts: deployment([{ address: '10.0.0.1:6379', role: 'master', facts: { info: MASTER_INFO, unavailable: { acl: 'ACL LIST: NOPERM' } } }, inFirstSync('10.0.0.2:6379', '')]),
      message: /^no replica could be judged: 10\.0\.0\.2:6379: no masterauth, in a sync with 10\.0\.0\.1:6379 \(master_sync_in_progress:1, which a master that refuses it shows too\), and the ACL of 10\.0\.0\.1:6379 was not read$/,
    },
    {
      name: 'deployment: no replica could be reached',
      facts: deployment([masterWith(REPL_USER), { address: '10.0.0.2:6379', role: 'replica', master: '10.0.0.1:6379', error: 'connection refused' }]),
      message: /^no replica could be judged: 10\.0\.0\.2:6379: connection refused$/,
    },
  ],
});

test(`${rule.id}: a deployment's evidence names the replicas without credentials its master's ACL lets in`, () => {
  const facts = deployment([openMaster(REPL_USER), inFirstSync('10.0.0.3:6379', ''), infoUnread('10.0.0.4:6379', ''), replicaOf('10.0.0.2:6379', GOOD)]);
  const [result] = runRules([rule], facts, { context: ruleContext({ nowSeconds: 1_800_000_000 }) });
  assert.equal(result?.status, 'pass');
  assert.ok(result?.evidence.includes('10.0.0.3:6379 sends no credentials: 10.0.0.1:6379 requires none (its default user needs no password)'), result?.evidence.join('\n'));
  assert.ok(result?.evidence.includes('10.0.0.4:6379 sends no credentials: 10.0.0.1:6379 requires none (its default user needs no password)'), result?.evidence.join('\n'));
});
