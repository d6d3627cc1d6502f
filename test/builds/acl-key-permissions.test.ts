import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawPipeline } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { audit } from '../probe/helpers.ts';
import { redfort } from '../harden/run.ts';
import { aclFile, KEYED, KEYS, modelKeyed, RECORDED, USERS } from '../acl/key-permissions.ts';

// QA44-3 on the real redis-server 7.0.15 (one server for the file): ACL DRYRUN still allows the keyed @dangerous
// commands as recorded, the model agrees, and auth.dangerous-commands-allowed counts u7 (`%R~* -@all +@read +@slow`)
// as the server lets it run, live and from the files: 69, not 72 (RESTORE, RESTORE-ASKING, MIGRATE barred).

interface Result { readonly ruleId: string; readonly status: string; readonly message: string; readonly evidence?: readonly string[] }

let server: RunningServer;
before(async () => {
  server = await startRedis({ killOnStop: true, files: { 'users.acl': aclFile() }, conf: 'aclfile users.acl' });
});
after(stopAll);

function expectU7(results: readonly Result[], label: string): void {
  const u7 = results.find((r) => r.ruleId === 'auth.dangerous-commands-allowed' && r.message.startsWith("user 'u7' "));
  assert.match(u7?.message ?? '', /may run 69 @dangerous commands through \+@slow/, label);
  assert.ok(u7!.evidence?.includes("not counted, barred on every key by the key permissions of user 'u7' (read-only keys (%R~)): migrate, restore, restore-asking"), `${label}: ${u7!.evidence?.join('\n')}`);
  // 7.0's ACL LIST renders a user without keys with no key rule at all: none, as the file's `resetkeys`.
  const k1 = results.find((r) => r.ruleId === 'auth.dangerous-commands-allowed' && r.message.startsWith("user 'k1' "));
  assert.ok(k1?.evidence?.some((e) => e.startsWith("not counted, barred on every key by the key permissions of user 'k1' (no key pattern): migrate, pfdebug, restore, restore-asking, sort, sort_ro")), `${label}: ${k1?.evidence?.join('\n')}`);
}

describe('key permissions judged as the real redis-server 7.0.15 applies them', () => {
  it('ACL DRYRUN allows the keyed @dangerous commands as recorded, and the model agrees', async () => {
    const names = Object.keys(USERS);
    const asks = names.flatMap((name) => Object.values(KEYED).flatMap((argv) => KEYS.map((k) => ['ACL', 'DRYRUN', name, ...argv.map((a) => (a === 'KEY' ? k : a))])));
    const replies = await rawPipeline(server.host, server.port, asks);
    let at = 0;
    for (const name of names) {
      const allowed: string[] = [];
      for (const command of Object.keys(KEYED)) {
        const these = replies.slice(at, at + KEYS.length).map(String);
        at += KEYS.length;
        for (const r of these) assert.ok(r === 'OK' || /no permissions to (access|run)/.test(r), `${name} ${command}: ${r}`);
        if (these.includes('OK')) allowed.push(command);
      }
      assert.deepEqual(allowed.sort(), [...RECORDED[name]!], name);
      assert.deepEqual(modelKeyed(name), allowed, name);
    }
  });

  it('live: u7 may run 69 @dangerous commands, the keyed ones its %R~* bars are said apart', async () => {
    const audited = await audit(server.url, {}, { noProbe: true, noHost: true });
    expectU7(audited.results as readonly Result[], 'live');
  });

  it('--config with --redis-version 7.0.15: the same, from the files alone', async () => {
    const run = await redfort(['audit', '--config', server.confPath, '--redis-version', '7.0.15', '--format', 'json']);
    assert.equal(run.code, 1, run.stderr);
    expectU7((JSON.parse(run.stdout) as { targets: { results: Result[] }[] }).targets[0]!.results, 'file');
  });
});
