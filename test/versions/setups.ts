import assert from 'node:assert/strict';
import type { RuleResult } from '../../src/engine/run.ts';
import type { Audited } from '../probe/helpers.ts';
import { advisoryFinding as finding } from '../probe/helpers.ts';
import type { Recording } from '../helpers/recorded-server.ts';

// Redis 8.6.3 and Valkey 9.1.2 in two setups, recorded from the real builds (test/fixtures/replies/<name>.json, with
// scripts/record-replies.mjs; each recording's recordedFrom says how its server was started):
// - hardened: the output of `redfort harden` (profile baseline) of a server with port, bind 127.0.0.1 and save "",
//   started on that build and audited as the auditor user harden makes (docs/auditor-user.md: INFO, CONFIG GET,
//   ACL LIST, ACL CAT, COMMAND INFO, TIME, CLUSTER NODES, nothing else);
// - cluster: the first of three masters made one cluster by the build's own cli (`--cluster create`), no password.
// Shared by test/versions/setups.test.ts (the recordings replayed, in `npm test`) and test/builds/setups.test.ts (the
// builds live, which must give the recordings' verdicts).

export interface Setup {
  readonly recording: string;
  readonly build: 'redis-8.6.3' | 'valkey-9.1.2';
  readonly setup: 'hardened' | 'cluster';
  readonly product: 'redis' | 'valkey';
  readonly version: string;
  /** Its own ACL CAT dangerous: Redis 8.6.3 82, Valkey 9.1.2 83 (src/acl/categories.ts). */
  readonly dangerous: number;
}

export const SETUPS: readonly Setup[] = [
  { recording: 'redis-8.6.3-hardened', build: 'redis-8.6.3', setup: 'hardened', product: 'redis', version: '8.6.3', dangerous: 82 },
  { recording: 'redis-8.6.3-cluster', build: 'redis-8.6.3', setup: 'cluster', product: 'redis', version: '8.6.3', dangerous: 82 },
  { recording: 'valkey-9.1.2-hardened', build: 'valkey-9.1.2', setup: 'hardened', product: 'valkey', version: '9.1.2', dangerous: 83 },
  { recording: 'valkey-9.1.2-cluster', build: 'valkey-9.1.2', setup: 'cluster', product: 'valkey', version: '9.1.2', dangerous: 83 },
];

/** The rules `redfort harden` fixes that a live audit judges from the server's replies alone. */
export const HARDEN_FIXES = [
  'network.bind-all-interfaces',
  'network.protected-mode-off',
  'logging.no-logfile',
  'logging.loglevel-too-quiet',
  'auth.no-authentication',
  'auth.default-user-enabled',
  'auth.dangerous-commands-allowed',
  'auth.acl-file-missing',
  'auth.requirepass-used',
  'commands.dangerous-not-renamed',
  'commands.protected-features-enabled',
];

/** The user and password a recording logged in with (its AUTH entry whose reply is +OK), if any. */
export function recordedLogin(recording: Recording): { user: string; password: string } | undefined {
  const auth = recording.replies.find((r) => r.command[0] === 'AUTH' && r.command.length === 3 && r.reply.startsWith('+OK'));
  return auth ? { user: auth.command[1]!, password: auth.command[2]! } : undefined;
}

/**
 * An audit's verdicts that depend on the server's replies alone: each result that is not a skip as rule, status,
 * severity and message; a skip as its rule only (why it was skipped names the port and the local process).
 */
export function verdicts(results: readonly RuleResult[]): string[] {
  return results.map((r) => (r.status === 'skip' ? `${r.ruleId} skip` : `${r.ruleId} ${r.status} ${r.severity} ${r.message}`)).sort();
}

/** What an audit of the setup must find, recorded or live. */
export function expectSetup(setup: Setup, { facts, results }: Audited): void {
  assert.deepEqual([facts.server?.product, facts.server?.version, facts.server?.mode], [setup.product, setup.version, setup.setup === 'cluster' ? 'cluster' : 'standalone']);
  const message = (rule: string): string => results.find((r) => r.ruleId === rule)?.message ?? '';
  if (setup.setup === 'hardened') {
    // The auditor's least privilege shows the server whole: every rule harden fixes passes on the replies.
    const failing = results.filter((r) => HARDEN_FIXES.includes(r.ruleId) && r.status !== 'pass');
    assert.deepEqual(failing.map((r) => `${r.ruleId} ${r.status}: ${r.message}`), []);
    assert.deepEqual(facts.acl?.users.map((u) => `${u.name} ${u.enabled ? 'on' : 'off'}`).sort(), ['admin on', 'app on', 'auditor on', 'default off']);
    // Advisories whose setting is off at run time stay as they are: admin may CONFIG SET.
    const cve = setup.product === 'valkey' ? finding(results, 'CVE-2026-130822') : finding(results, 'CVE-2026-81934');
    assert.match(cve.message, /not lowered: .* but user 'admin' may run CONFIG SET, which changes it at run time/);
    if (setup.product === 'valkey') assert.match(finding(results, 'CVE-2026-136156').message, /lowered: only cluster nodes are affected and cluster-enabled is no/);
  } else {
    assert.equal(facts.cluster?.nodes.length, 3);
    assert.ok(results.some((r) => r.ruleId === 'cluster.quorum-host-spread' && r.status === 'fail' && r.message === 'host 127.0.0.1 holds 3 of 3 masters: losing it leaves no majority to fail over'), message('cluster.quorum-host-spread'));
    assert.match(message('auth.dangerous-commands-allowed'), new RegExp(`^user 'default' may run ${setup.dangerous} @dangerous commands through \\+@all`));
    if (setup.product === 'valkey') {
      // A cluster node is what the advisory names: not lowered (the hardened standalone's is).
      assert.doesNotMatch(finding(results, 'CVE-2026-136156').message, /lowered/);
    }
  }
}
