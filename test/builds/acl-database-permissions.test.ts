import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { realBuild } from '../harness/builds.ts';
import { rawPipeline } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { audit } from '../probe/helpers.ts';
import { redfort } from '../harden/run.ts';
import { describeServer } from '../helpers/acl-dryrun.ts';
import { aclFile, disagreements, dryrun, recording, RECORDED_PATH } from '../acl/database-permissions.ts';

// QA43-2 on the real valkey-server 9.1.2 (one server for the file): its database ACL rules bar commands before the
// command rules are read, and redfort's two rules on @dangerous and admin commands now count them as the server does,
// live and from the config file alone. Before the fix `resetdbs +@all` was said to run 83 @dangerous commands (FLUSHALL,
// FLUSHDB, KEYS… among them) and `resetdbs db=1 -@all +flushall` to run FLUSHALL.

interface Result { readonly ruleId: string; readonly status: string; readonly message: string; readonly evidence?: readonly string[] }

let server: RunningServer;
before(async () => {
  server = await startRedis({ binary: realBuild('valkey-9.1.2'), killOnStop: true, files: { 'users.acl': aclFile() }, conf: 'aclfile users.acl' });
});
after(stopAll);

/** The users a dangerous-not-renamed message lists for one command, without those it reaches through ACL SETUSER. */
function listed(message: string, command: string): string[] {
  const m = new RegExp(`${command} \\(([^)]*)\\)`).exec(message);
  return m ? m[1]!.split(', ').filter((u) => !u.includes(' through ')).sort() : [];
}

/** What both audits (live and file) must say of the USERS. */
function expectJudged(results: readonly Result[], label: string): void {
  const dangerous = results.filter((r) => r.ruleId === 'auth.dangerous-commands-allowed');
  const count = (name: string) => Number(dangerous.find((r) => r.message.startsWith(`user '${name}' `))?.message.match(/may run (\d+) @dangerous/)?.[1]);
  assert.equal(count('default'), 83, label);
  assert.equal(count('dball'), 83, label);
  assert.equal(count('dbuser'), 79, label);
  assert.equal(count('db0'), 79, label);
  assert.equal(count('dbnone'), 70, label);
  assert.equal(count('dbhigh'), 70, label);
  const dbnone = dangerous.find((r) => r.message.startsWith("user 'dbnone' "))!;
  assert.ok(dbnone.evidence?.some((e) => e.startsWith("not counted, barred by the database rules of user 'dbnone' (resetdbs, 16 databases): cluster|cancelslotmigrations, cluster|flushslot, cluster|migrateslots, flushall, flushdb, keys")), `${label}: ${dbnone.evidence?.join('\n')}`);
  const [admin] = results.filter((r) => r.ruleId === 'commands.dangerous-not-renamed');
  assert.equal(admin?.status, 'fail', label);
  // FLUSHALL: every database (alldbs, a selector's alldbs, or db=0…15); flusher (`resetdbs db=1 -@all +flushall`) not.
  assert.deepEqual(listed(admin!.message, 'FLUSHALL'), ['dball', 'default', 'reset', 'selectors'], `${label}: ${admin!.message}`);
  // FLUSHDB: some database (flusher's db=1, the selectors' `(db=1 +flushdb)`); not resetdbs nor db=99.
  assert.deepEqual(listed(admin!.message, 'FLUSHDB'), ['db0', 'dball', 'dbmost', 'dbtwice', 'dbuser', 'default', 'flusher', 'reset', 'selectors'], `${label}: ${admin!.message}`);
  assert.ok(admin!.evidence?.includes('FLUSHALL: granted by the command rules of flusher, but barred by their database rules (flusher: db=1, 16 databases)'), `${label}: ${admin!.evidence?.join('\n')}`);
}

describe('Valkey 9.1 database ACL rules judged as the real valkey-server 9.1.2 applies them', () => {
  it('ACL DRYRUN still does what is recorded, and the model agrees with the live category table', async () => {
    const ask = (commands: readonly (readonly string[])[]) => rawPipeline(server.host, server.port, commands);
    const now = await dryrun(ask);
    const rec = recording();
    assert.deepEqual({ ...now, recordedFrom: '' }, { ...rec, recordedFrom: '' }, RECORDED_PATH);
    assert.deepEqual(disagreements(now, (await describeServer(ask)).table), []);
  });

  it('live: the @dangerous counts and the admin-command lists follow the database rules', async () => {
    const audited = await audit(server.url, {}, { noProbe: true, noHost: true });
    expectJudged(audited.results, 'live');
  });

  it('--config with --redis-version valkey-9.1.2: the same, from the files alone', async () => {
    const run = await redfort(['audit', '--config', server.confPath, '--redis-version', 'valkey-9.1.2', '--format', 'json']);
    assert.equal(run.code, 1, run.stderr);
    const results = (JSON.parse(run.stdout) as { targets: { results: Result[] }[] }).targets[0]!.results;
    expectJudged(results, 'file');
  });
});
