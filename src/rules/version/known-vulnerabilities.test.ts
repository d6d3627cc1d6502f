import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Facts } from '../../facts/types.ts';
import { ruleContext } from '../../rules/context.ts';
import { runRules } from '../../engine/run.ts';
import type { RuleResult } from '../../engine/run.ts';
import { liveFacts, ruleTester } from '../../../test/rule-tester.ts';
import rule from './known-vulnerabilities.ts';

const HASH = '92b28acbe43a604ead70b08ff6ea9e771540ace76baa8d55dffe5d21de73b7c3';
const HASH_2 = 'c4fbf7bdfbd32e067a4c36b996b889f37a84a64145109d9ac45b073f450e1a06';
/** No user that can log in may run EVAL, EVALSHA or FCALL. */
const NO_SCRIPTING = [`user default on #${HASH} ~* &* -@all +get`, `user app on #${HASH_2} ~app:* resetchannels -@all +get +set`];

const redis = (version: string, spec: Parameters<typeof liveFacts>[0] = {}) => liveFacts({ version, ...spec });
const valkey = (version: string) => liveFacts({ version, product: 'valkey' });

function judge(facts: Facts): RuleResult[] {
  return runRules([rule], facts, { context: ruleContext({ nowSeconds: 1_800_000_000 }) });
}
function finding(results: readonly RuleResult[], id: string): RuleResult {
  const found = results.find((r) => r.message.startsWith(`${id} `));
  assert.ok(found, `no finding for ${id} in:\n${results.map((r) => r.message).join('\n')}`);
  return found;
}

ruleTester(rule, {
  pass: [
    { name: 'Redis 8.2.10, the latest 8.2', facts: redis('8.2.10'), message: /^no known advisory affects redis 8\.2\.10$/ },
    { name: 'Valkey 9.0.8', facts: valkey('9.0.8') },
  ],
  fail: [
    { name: 'Redis 7.0.15 (end of life, never fixed)', facts: redis('7.0.15'), message: /^CVE-2024-31227 \(MEDIUM 4\.4\): .* 7\.0\.15 is affected, fixed in 7\.2\.6/ },
    { name: 'Redis 7.2.4', facts: redis('7.2.4') },
    { name: 'Valkey 8.0.1', facts: valkey('8.0.1') },
    { name: 'a release candidate 7.3.240 (7.4-rc)', facts: redis('7.3.240'), message: /fixed in 7\.4\.1/ },
    { name: 'a disputed CVE only, reported as info (7.4.11)', facts: redis('7.4.11'), messages: [/^CVE-2025-46686 \(LOW\): \(DISPUTED\).*no fix on this branch/], severity: 'info' },
  ],
  skip: [
    { name: 'an advisory whose status on this branch is unknown (8.10.2)', facts: redis('8.10.2'), message: /no advisory is known to affect 8\.10\.2, but the status of branch 8\.10 is unknown for REDIS-2026-08-ACL-KEY-MISMATCH/ },
    { name: 'unstable build 255.255.255', facts: redis('255.255.255'), message: /unstable build/ },
    { name: 'unknown product', facts: liveFacts({ extra: { server: { product: 'unknown', version: undefined, mode: 'standalone', configFile: undefined, source: { kind: 'live', command: 'INFO server' } } } }), message: /did not report its version/ },
    { name: 'INFO server not readable', facts: liveFacts({ unavailable: { server: 'INFO: NOPERM' } }), message: /NOPERM/ },
  ],
});

test(`${rule.id}: Redis 7.2.4 is affected by RediShell (critical), fixed in 7.2.11`, () => {
  const results = judge(redis('7.2.4'));
  const rediShell = finding(results, 'CVE-2025-49844');
  assert.equal(rediShell.severity, 'critical');
  assert.match(rediShell.message, /7\.2\.4 is affected, fixed in 7\.2\.11; if this is a distribution build \(Debian, Ubuntu, RHEL\), it may carry a backported fix: redfort cannot see the package from here/);
  assert.match(rediShell.remediation, /^Upgrade to 7\.2\.11 or later\. Until then: .*-@scripting/);
  assert.ok(rediShell.evidence.some((e) => /distribution/.test(e)), 'the backport note is missing');
  assert.equal(finding(results, 'CVE-2024-31227').severity, 'medium');
  assert.equal(finding(results, 'CVE-2025-21605').severity, 'high');
});

test(`${rule.id}: a Lua CVE is lowered to low when no user can run scripts`, () => {
  const results = judge(redis('7.2.4', { acl: NO_SCRIPTING.map((l) => l.replace(' on ', ' on sanitize-payload ')) }));
  const rediShell = finding(results, 'CVE-2025-49844');
  assert.equal(rediShell.severity, 'low');
  // A parser bug: SCRIPT LOAD and FUNCTION LOAD reach it as well (test/verdicts/lua-compile-advisories.test.ts).
  assert.match(rediShell.message, /lowered: it needs EVAL\/FCALL, SCRIPT LOAD or FUNCTION LOAD and no user that can log in may run or load scripts/);
  assert.match(finding(results, 'CVE-2024-31449').message, /lowered: it needs EVAL\/FCALL and no user that can log in may run scripts/);
  assert.equal(finding(results, 'CVE-2024-31449').severity, 'low');
  // A CVE without a scripting precondition keeps its severity.
  assert.equal(finding(results, 'CVE-2025-21605').severity, 'high');
});

test(`${rule.id}: before 6.2.7 (CVE-2022-24735) SCRIPT LOAD runs Lua, so a user who may SCRIPT LOAD keeps every Lua advisory`, () => {
  // test/verdicts/script-load-injection.test.ts: a real 6.0.20 runs bit.tohex in `SCRIPT LOAD "end … local function g()"`.
  const loader = [...NO_SCRIPTING, `user admin on #${HASH} ~* +@all -eval -evalsha`];
  const kept = finding(judge(redis('6.0.20', { acl: loader })), 'CVE-2024-31449');
  assert.equal(kept.severity, 'high');
  assert.match(kept.message, /; not lowered: no user that can log in may run scripts, but user 'admin' may run SCRIPT LOAD, which runs the top-level code of what it loads before 6\.2\.7 \(CVE-2022-24735/);
  assert.match(kept.remediation, /Deny SCRIPT LOAD too \(`ACL SETUSER <user> -script`, or -@scripting\)/);
  // A 7.0 release candidate (6.9.x) is in the range too.
  assert.equal(finding(judge(redis('6.9.242', { acl: loader })), 'CVE-2024-31449').severity, 'high');
  // 6.2.7 and later compile the body alone: lowered as before.
  assert.equal(finding(judge(redis('6.2.7', { acl: loader })), 'CVE-2024-31449').severity, 'low');
  // No user may load either: lowered, and the reason names SCRIPT LOAD.
  const none = finding(judge(redis('6.0.20', { acl: NO_SCRIPTING })), 'CVE-2024-31449');
  assert.equal(none.severity, 'low');
  assert.match(none.message, /; lowered: it needs EVAL\/FCALL or SCRIPT LOAD \(which runs the top-level code of what it loads before 6\.2\.7, CVE-2022-24735\) and no user that can log in may run or load scripts/);
  // A distribution build whose changelog names CVE-2022-24735 has the fix: SCRIPT LOAD only compiles there.
  const debian = { ...redis('6.0.16', { acl: loader }), distroPackage: { value: { manager: 'dpkg' as const, name: 'redis-server', version: '5:6.0.16-1+deb11u2', path: '/usr/bin/redis-server', replaced: false, changelogCves: ['CVE-2022-24735'] }, source: { kind: 'declared' as const, detail: 'redis-server=5:6.0.16-1+deb11u2 declared by --distro-package' } } };
  assert.equal(finding(judge(debian as Facts), 'CVE-2024-31449').severity, 'low');
});

test(`${rule.id}: one user that can run EVAL keeps the Lua CVEs at their severity`, () => {
  const results = judge(redis('7.0.15', { acl: [...NO_SCRIPTING, `user etl on #${HASH} ~etl:* resetchannels -@all +@read +eval`] }));
  assert.equal(finding(results, 'CVE-2025-49844').severity, 'critical');
});

test(`${rule.id}: a disabled user with +@all does not keep scripting reachable`, () => {
  const results = judge(redis('7.0.15', { acl: [...NO_SCRIPTING, `user admin off #${HASH} ~* &* +@all`] }));
  assert.equal(finding(results, 'CVE-2025-49844').severity, 'low');
});

test(`${rule.id}: without the ACL the Lua CVEs are not lowered`, () => {
  const results = judge(redis('7.0.15', { unavailable: { acl: 'ACL LIST: NOPERM' } }));
  assert.equal(finding(results, 'CVE-2025-49844').severity, 'critical');
});

test(`${rule.id}: Valkey 8.0.1 matches Valkey advisories only`, () => {
  const results = judge(valkey('8.0.1'));
  assert.ok(results.length > 0);
  assert.ok(results.every((r) => r.status === 'fail'));
  // Valkey-only entries are found; Redis-only entries (and Redis' own ids) are not.
  finding(results, 'CVE-2025-49112');
  assert.match(finding(results, 'CVE-2025-49844').message, /fixed in 8\.0\.6/);
  assert.ok(!results.some((r) => r.message.startsWith('CVE-2025-46686 ')), 'a Redis-only advisory matched Valkey');
  assert.ok(!results.some((r) => r.message.startsWith('REDIS-')), 'a Redis advisory matched Valkey');
});

test(`${rule.id}: a release candidate is matched on its branch (7.3.240 is 7.4)`, () => {
  const results = judge(redis('7.3.240'));
  assert.match(finding(results, 'CVE-2025-49844').message, /fixed in 7\.4\.6/);
});

test(`${rule.id}: a 32-bit-only CVE is lowered on a 64-bit build`, () => {
  const info64 = '# Server\nredis_version:6.0.9\narch_bits:64\nmem_allocator:jemalloc-5.1.0\n';
  const results = judge(redis('6.0.9', { info: info64, acl: ['user default on nopass ~* +@all'] }));
  const bitfield = finding(results, 'CVE-2021-32761');
  assert.equal(bitfield.severity, 'low');
  assert.match(bitfield.message, /only 32-bit builds are affected and this build is 64-bit/);
  assert.match(finding(results, 'CVE-2021-32762').message, /only non-jemalloc builds are affected and this one uses jemalloc-5\.1\.0/);

  const info32 = '# Server\nredis_version:6.0.9\narch_bits:32\nmem_allocator:libc\n';
  const on32 = judge(redis('6.0.9', { info: info32, acl: ['user default on nopass ~* +@all'] }));
  assert.equal(finding(on32, 'CVE-2021-32761').severity, 'high');
  assert.equal(finding(on32, 'CVE-2021-32762').severity, 'high');
});

test(`${rule.id}: a TLS-only CVE is lowered when no TLS port is open and no user may CONFIG SET one open`, () => {
  const plain = finding(judge(redis('7.2.4', { acl: NO_SCRIPTING })), 'CVE-2026-81934');
  assert.equal(plain.severity, 'low');
  assert.match(plain.message, /lowered: only TLS listeners are affected, tls-port is 0 and no user that can log in may run CONFIG SET/);
  assert.equal(finding(judge(redis('7.2.4', { conf: 'port 0\ntls-port 6380' })), 'CVE-2026-81934').severity, 'critical');
  // The default user (nopass +@all) may CONFIG SET tls-port: not lowered, and said so.
  const settable = finding(judge(redis('7.2.4')), 'CVE-2026-81934');
  assert.equal(settable.severity, 'critical');
  assert.match(settable.message, /; not lowered: only TLS listeners are affected and tls-port is 0, but user 'default' may run CONFIG SET, which changes it at run time/);
  assert.match(settable.remediation, /Deny CONFIG SET \(`ACL SETUSER <user> -config\|set`\) to every user who does not manage the server, so that tls-port is 0 stays so\./);
  // Which users may is unknown: not lowered either.
  assert.match(finding(judge(redis('7.2.4', { unavailable: { acl: 'ACL LIST: NOPERM' } })), 'CVE-2026-81934').message, /not lowered: .* but which users may run CONFIG SET is unknown/);
  // 6.0 refuses CONFIG SET tls-port (IMMUTABLE_CONFIG): lowered whoever may CONFIG SET.
  const old = finding(judge(redis('6.0.20', { conf: 'tls-port 0' })), 'CVE-2026-81934');
  assert.equal(old.severity, 'low');
  assert.match(old.message, /lowered: only TLS listeners are affected and tls-port is 0, which CONFIG SET cannot change before 6\.2/);
});

test(`${rule.id}: a Redis 8 bundled-module CVE is lowered when INFO lists no such module`, () => {
  const info = (modules: string) => `# Server\nredis_version:8.0.2\narch_bits:64\n# Modules\n${modules}# Keyspace\n`;
  const none = judge(redis('8.0.2', { info: info('') }));
  const timeseries = finding(none, 'CVE-2026-25588');
  assert.equal(timeseries.severity, 'low');
  assert.match(timeseries.message, /lowered: only servers that load the 'timeseries' module are affected and INFO lists no loaded module/);
  assert.match(finding(none, 'CVE-2026-25589').message, /the 'bf' module .* no loaded module/);
  assert.match(finding(none, 'REDIS-2026-07-MODULE-RESTORE').message, /the 'bf' module/);
  // Several modules: each line counts, not only the last.
  const full = judge(redis('8.0.2', { info: info('module:name=timeseries,ver=80000,api=1,filters=0,usedby=[],using=[],options=[]\nmodule:name=bf,ver=80000,api=1,filters=0,usedby=[],using=[],options=[]\nmodule:name=search,ver=80000,api=1,filters=0,usedby=[],using=[],options=[]\n') }));
  assert.equal(finding(full, 'CVE-2026-25588').severity, 'high');
  assert.equal(finding(full, 'CVE-2026-25589').severity, 'high');
  const other = judge(redis('8.0.2', { info: info('module:name=ReJSON,ver=80000,api=1,filters=0,usedby=[],using=[],options=[]\n') }));
  assert.match(finding(other, 'CVE-2026-25588').message, /INFO lists 1 other loaded module, not it/);
  // No `# Modules` section (cut short): which modules run is unknown, nothing is lowered.
  assert.equal(finding(judge(redis('8.0.2', { info: '# Server\nredis_version:8.0.2\n' })), 'CVE-2026-25588').severity, 'high');
});

test(`${rule.id}: an advisory is lowered when a setting it needs is off (cluster-enabled, tls-port, maxmemory-clients, replica-read-only)`, () => {
  const locked = judge(liveFacts({ version: '8.0.1', product: 'valkey', acl: ['user default on nopass ~* &* +@all -@admin -@dangerous'] }));
  for (const [id, why] of [
    ['CVE-2026-21863', /lowered: only cluster nodes are affected and cluster-enabled is no/],
    ['CVE-2026-56684', /lowered: only TLS listeners are affected, tls-port is 0 and no user that can log in may run CONFIG SET/],
    ['CVE-2026-130822', /lowered: only servers that evict clients are affected, maxmemory-clients is 0 and no user that can log in may run CONFIG SET/],
    ['CVE-2026-23631', /lowered: only writable replicas are affected, replica-read-only is yes and no user that can log in may run CONFIG SET/],
  ] as const) {
    const found = finding(locked, id);
    assert.equal(found.severity, 'low', found.message);
    assert.match(found.message, why);
  }
  // The settings CONFIG SET changes lower nothing while a user may set them back (the default user here may);
  // cluster-enabled takes a restart.
  const defaults = judge(valkey('8.0.1'));
  assert.equal(finding(defaults, 'CVE-2026-21863').severity, 'low');
  for (const [id, severity, state] of [['CVE-2026-56684', 'medium', 'tls-port is 0'], ['CVE-2026-130822', 'high', 'maxmemory-clients is 0'], ['CVE-2026-23631', 'medium', 'replica-read-only is yes']] as const) {
    const found = finding(defaults, id);
    assert.equal(found.severity, severity, found.message);
    assert.match(found.message, new RegExp(`; not lowered: only .* are affected and ${state}, but user 'default' may run CONFIG SET, which changes it at run time`));
  }
  const on = judge(liveFacts({ version: '8.0.1', product: 'valkey', conf: 'cluster-enabled yes\nport 0\ntls-port 6380\nmaxmemory-clients 10mb\nreplica-read-only no' }));
  assert.equal(finding(on, 'CVE-2026-21863').severity, 'high');
  assert.equal(finding(on, 'CVE-2026-56684').severity, 'medium');
  assert.equal(finding(on, 'CVE-2026-130822').severity, 'high');
  assert.equal(finding(on, 'CVE-2026-23631').severity, 'medium');
  // Unknown settings lower nothing.
  const unknown = judge(liveFacts({ version: '8.0.1', product: 'valkey', unavailable: { config: 'CONFIG GET: NOPERM' } }));
  assert.equal(finding(unknown, 'CVE-2026-21863').severity, 'high');
  // CONFIG unreadable (renamed, denied), INFO's cluster section says what cluster-enabled is: it takes a restart (QA36-4).
  const standalone = judge(liveFacts({ version: '8.0.1', product: 'valkey', unavailable: { config: 'CONFIG GET: unknown command' }, info: '# Server\nredis_version:7.2.4\nvalkey_version:8.0.1\n# Cluster\ncluster_enabled:0\n' }));
  assert.equal(finding(standalone, 'CVE-2026-21863').severity, 'low');
  assert.match(finding(standalone, 'CVE-2026-21863').message, /lowered: only cluster nodes are affected and INFO says cluster_enabled:0 \(cluster-enabled takes a restart\)/);
  const node = judge(liveFacts({ version: '8.0.1', product: 'valkey', unavailable: { config: 'CONFIG GET: unknown command' }, info: '# Server\nredis_version:7.2.4\nvalkey_version:8.0.1\n# Cluster\ncluster_enabled:1\n' }));
  assert.equal(finding(node, 'CVE-2026-21863').severity, 'high');
});

test(`${rule.id}: a RESTORE or HyperLogLog advisory is lowered when no user may run those commands, not when another way in remains`, () => {
  // NO_SCRIPTING's users run GET and SET only.
  const denied = judge(redis('7.4.1', { acl: NO_SCRIPTING }));
  assert.equal(finding(denied, 'CVE-2026-25243').severity, 'low');
  assert.match(finding(denied, 'CVE-2026-25243').message, /lowered: it needs RESTORE and no user that can log in may run them/);
  assert.match(finding(denied, 'CVE-2026-25243').remediation, /^Upgrade to 7\.4\.9 or later\. Not reachable as it runs now \(it needs RESTORE/);
  assert.equal(finding(denied, 'CVE-2025-32023').severity, 'low');
  // "RESTORE permission or loading attacker RDB": denying RESTORE leaves the RDB way in.
  assert.notEqual(finding(judge(valkey8WithAcl(NO_SCRIPTING)), 'CVE-2026-63639').severity, 'low');
  // One user with RESTORE keeps it.
  const restorer = judge(redis('7.4.1', { acl: [...NO_SCRIPTING, `user ops on #${HASH} ~* resetchannels -@all +restore`] }));
  assert.equal(finding(restorer, 'CVE-2026-25243').severity, 'high');
  assert.equal(finding(restorer, 'CVE-2025-32023').severity, 'low');
});

function valkey8WithAcl(acl: readonly string[]): Facts {
  return liveFacts({ version: '8.0.1', product: 'valkey', acl: [...acl] });
}

test(`${rule.id}: PFDEBUG counts among the HyperLogLog commands, PFSELFTEST (no key) does not; Redis 6.0 files PFDEBUG under @admin only`, () => {
  for (const version of ['6.0.20', '7.4.1']) {
    const pfdebug = judge(redis(version, { acl: [...NO_SCRIPTING, `user ops on #${HASH} ~* resetchannels -@all +set +pfdebug`] }));
    assert.equal(finding(pfdebug, 'CVE-2025-32023').severity, 'high', version);
    const selftest = judge(redis(version, { acl: [...NO_SCRIPTING, `user ops on #${HASH} ~* resetchannels -@all +set +pfselftest`] }));
    assert.match(finding(selftest, 'CVE-2025-32023').message, /lowered: it needs the HyperLogLog commands \(PFADD, PFCOUNT, PFMERGE, PFDEBUG\) and no user/);
  }
});

test(`${rule.id}: a replica (INFO role:slave) keeps the RESTORE and HyperLogLog advisories, naming its master`, () => {
  const info = '# Server\nredis_version:7.4.1\n# Replication\nrole:slave\nmaster_host:10.0.0.1\nmaster_port:6379\nmaster_link_status:up\n';
  const replica = judge(redis('7.4.1', { acl: NO_SCRIPTING, info }));
  for (const id of ['CVE-2026-25243', 'CVE-2025-32023']) {
    assert.equal(finding(replica, id).severity, 'high');
    assert.match(finding(replica, id).message, /not lowered: .* but it is a replica of 10\.0\.0\.1:6379/);
  }
  // A master whose file names no master, and whose INFO says so: lowered.
  assert.equal(finding(judge(redis('7.4.1', { acl: NO_SCRIPTING, info: info.replace(/role:slave[^]*/, 'role:master\n') })), 'CVE-2026-25243').severity, 'low');
});

test(`${rule.id}: a fix on a later branch says that the server's branch has none (Redis 8.0.6 has no 2026 fixes)`, () => {
  // data/advisories.json: CVE-2026-23479's 8.0-8.2 entry ">=7.9.0 <8.2.6", "no 8.0.x fix"; a real 8.0.6 reports redis_version:8.0.6.
  const r80 = finding(judge(redis('8.0.6')), 'CVE-2026-23479');
  assert.match(r80.message, /8\.0\.6 is affected, fixed in 8\.2\.6 \(no 8\.0 release has the fix\);/);
  assert.match(r80.remediation, /^Upgrade to 8\.2\.6 or later\./);
  // On the fixed branch itself the fix is named alone; so is a release candidate's (7.3.240 is 7.4).
  assert.match(finding(judge(redis('8.6.3')), 'CVE-2026-66373').message, /8\.6\.3 is affected, fixed in 8\.6\.5;/);
  assert.match(finding(judge(redis('7.3.240')), 'CVE-2024-31449').message, /is affected, fixed in 7\.4\.1[;( ]/);
  assert.doesNotMatch(finding(judge(redis('7.3.240')), 'CVE-2024-31449').message, /no 7\.4 release/);
});

test(`${rule.id}: the remediation says "Until then" only of a workaround, not "Until then: Upgrade." or "…; upgrade."`, () => {
  const results = judge(redis('8.6.3'));
  const tls = finding(results, 'CVE-2026-81934');
  assert.match(tls.remediation, /^Upgrade to 8\.6\.6 or later\. Until then: If TLS is not needed disable tls-port;/);
  assert.doesNotMatch(tls.remediation, /Until then: Upgrade/);
  const mismatch = finding(results, 'REDIS-2026-08-ACL-KEY-MISMATCH');
  assert.match(mismatch.remediation, /Until then: Deny SORT\/GEORADIUS\*\/XREAD\* to key-restricted users\.$/);
  const none = finding(judge(redis('8.0.6')), 'REDIS-2026-08-KEYNUM-OOB');
  assert.equal(none.remediation, 'Upgrade to 8.2.9 or later. No configuration workaround is published.');
  for (const r of [...results, ...judge(redis('8.0.6')), ...judge(redis('7.2.4'))]) {
    assert.doesNotMatch(r.remediation, /Until then: (?:Upgrade\.|No configuration workaround)|until upgraded/i, r.message);
  }
});
