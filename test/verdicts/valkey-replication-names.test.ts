import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { auditFiles } from '../../src/app/audit.ts';
import { audit, expectStatus } from '../probe/helpers.ts';
import { startRecordedServer } from '../helpers/recorded-server.ts';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, startReplica, stopAll } from '../harness/servers.ts';
import type { RecordedServer } from '../helpers/recorded-server.ts';

// Valkey 8 names the replication credentials primaryauth / primaryuser (and still takes masterauth / masteruser:
// valkey@8.0.1:src/config.c). Findings name them as the user's file, or the server, does; rule ids and JSON fields
// keep Redis's names.

const servers: RecordedServer[] = [];
const dir = mkdtempSync(join(tmpdir(), 'redfort-valkey-names-'));
after(async () => {
  await stopAll();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

function conf(name: string, lines: readonly string[]): string {
  const path = join(dir, `${name}.conf`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const SECRET = 'Replic4tion-Secret-Passw0rd-xyz';

describe('Valkey 8 replication credentials are named as the user has them', { concurrency: true }, () => {
  for (const version of ['valkey-8.0.1', undefined]) {
    it(`a valkey.conf with primaryauth (${version ?? 'version not given'}): primaryauth and primaryuser, never masterauth`, async () => {
      const path = conf(`primary-${version ?? 'unknown'}`, ['port 6390', 'replicaof 10.0.0.1 6379', `primaryauth ${SECRET}`]);
      const { results } = await auditFiles({ configPath: path, ...(version ? { version } : {}) });
      const [plain] = expectStatus(results, 'auth.plaintext-passwords', 'fail');
      assert.equal(plain!.message, 'primaryauth holds a clear-text password');
      assert.match(plain!.remediation, /keep primaryauth \//);
      const [repl] = expectStatus(results, 'replication.no-masteruser', 'fail');
      assert.match(repl!.message, /^primaryauth is set but primaryuser is '': this replica authenticates to its master as the all-powerful default user$/);
      assert.match(repl!.remediation, /set `primaryuser replication` and `primaryauth …` on every replica \(`CONFIG SET primaryuser replication`/);
      assert.doesNotMatch(`${plain!.message} ${plain!.remediation} ${repl!.message} ${repl!.remediation}`, /master(auth|user)/);
    });
  }

  it('a Valkey 8 file that writes masterauth: named masterauth / masteruser, as the file has them', async () => {
    const path = conf('master-valkey', ['port 6390', 'replicaof 10.0.0.1 6379', `masterauth ${SECRET}`]);
    const { results } = await auditFiles({ configPath: path, version: 'valkey-8.0.1' });
    assert.equal(expectStatus(results, 'auth.plaintext-passwords', 'fail')[0]!.message, 'masterauth holds a clear-text password');
    const [repl] = expectStatus(results, 'replication.no-masteruser', 'fail');
    assert.match(repl!.message, /^masterauth is set but masteruser is ''/);
    assert.match(repl!.remediation, /set `masteruser replication` and `masterauth …`/);
  });

  it('Redis 7.0: masterauth / masteruser as before', async () => {
    const path = conf('master-redis', ['port 6390', 'replicaof 10.0.0.1 6379', `masterauth ${SECRET}`]);
    const { results } = await auditFiles({ configPath: path, version: '7.0.15' });
    assert.match(expectStatus(results, 'replication.no-masteruser', 'fail')[0]!.message, /^masterauth is set but masteruser is ''/);
  });

  // Redis and Valkey 7.2 have no primaryauth: told the file is theirs, it stops at that line, as the server does
  // (issue 11: a line the release refuses is an error naming it, not a warning beside findings of a file that
  // does not start).
  for (const [version, release] of [['7.0.15', 'Redis 7.0'], ['valkey-7.2.5', 'Valkey 7.2']] as const) {
    it(`a file with primaryauth audited as ${release}: the line it stops at, an error`, async () => {
      const path = conf(`primary-${version}`, ['port 6390', 'replicaof 10.0.0.1 6379', `primaryauth ${SECRET}`]);
      const result = await auditFiles({ configPath: path, version });
      assert.equal(result.error, `${path}:3: 'primaryauth' is not a ${release} directive: redis-server ${release} stops at this line (Bad directive or wrong number of arguments)`);
      assert.ok(result.results.every((r) => r.status === 'error'));
      assert.doesNotMatch(JSON.stringify(result), new RegExp(SECRET));
    });
  }

  it('a live Redis 7.0.15 replica read with a file that writes primaryauth: the file does not start it, the running masterauth is judged', async () => {
    const master = await startRedis({ password: SECRET, conf: `requirepass ${SECRET}` });
    const replica = await startReplica(master, { masterauth: SECRET, password: SECRET, conf: `requirepass ${SECRET}` });
    const path = conf('live-redis', [`port ${replica.port}`, `requirepass ${SECRET}`, `replicaof ${master.host} ${master.port}`, `primaryauth ${SECRET}`]);
    const { results } = await audit(replica.url, { pass: SECRET }, { configPath: path, noHost: true, noProbe: true });
    const [drift] = expectStatus(results, 'config.runtime-drift', 'fail');
    assert.match(drift!.message, new RegExp(`^the config file no longer starts this server: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: 'primaryauth' is not a Redis 7\\.0 directive`));
    // What runs is judged by the server's own names, and the remediation's CONFIG SET works on it.
    const [repl] = expectStatus(results, 'replication.no-masteruser', 'fail');
    assert.match(repl!.message, /^masterauth is set but masteruser is ''/);
    const set = /`CONFIG SET (\S+) replication`/.exec(repl!.remediation)?.[1];
    assert.equal(set, 'masteruser', repl!.remediation);
    const auth = { password: SECRET };
    assert.equal(await rawCommand(replica.host, replica.port, ['CONFIG', 'SET', set!, 'replication'], auth), 'OK');
    await assert.rejects(rawCommand(replica.host, replica.port, ['CONFIG', 'SET', 'primaryuser', 'replication'], auth), /Unknown option/);
    assert.doesNotMatch(JSON.stringify(results), new RegExp(SECRET));
  });

  it('a live Valkey 8.0.1 (recorded) whose file sets primaryauth: the drift names primaryauth', async () => {
    const server = await startRecordedServer('valkey-8.0.1-default');
    servers.push(server);
    const path = conf('live-valkey', ['port 6390', 'save ""', `primaryauth ${SECRET}`]);
    const { results } = await audit(server.url, {}, { configPath: path, noHost: true });
    const drift = results.filter((r) => r.ruleId === 'config.runtime-drift');
    assert.ok(drift.some((r) => /^primaryauth /.test(r.message)), drift.map((r) => `${r.status}: ${r.message}`).join('\n'));
    assert.ok(!drift.some((r) => /masterauth/.test(r.message)), drift.map((r) => r.message).join('\n'));
  });
});
