import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { forwardingProxy } from '../helpers/config-proxy.ts';
import type { FakeServer } from '../helpers/fake-resp-server.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import { redfort } from './run.ts';

// QA38-12: an ACL LIST line redfort cannot read (there: a Valkey 9.1 `db=0` user) was left out of the audit, and
// harden wrote its ACL file without that user: deploying it deletes a live user without a word. Here the real
// redis-server's ACL LIST is read through a proxy that renders one user with a rule no release has (a newer
// server's syntax): harden refuses, naming the line, and writes nothing.

const work = mkdtempSync(join(tmpdir(), 'redfort-harden-unread-'));
const proxies: FakeServer[] = [];
after(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('harden of a server with a user redfort cannot read', () => {
  it('refuses, naming the ACL LIST line, instead of writing an ACL file without that user', async () => {
    const server = await startRedis({ conf: 'user app on >app-password-0123456789abc ~app:* -@all +get\nuser ops on >ops-password-0123456789abc ~* +@all' });
    const proxy = await forwardingProxy(server, {
      rewrite: (argv, reply) =>
        argv[0]?.toUpperCase() === 'ACL' && argv[1]?.toUpperCase() === 'LIST' && Array.isArray(reply)
          ? reply.map((line) => (typeof line === 'string' && line.startsWith('user app ') ? line.replace(' ~app:*', ' ~app:* newrule=1') : line))
          : reply,
    });
    proxies.push(proxy);
    const out = join(work, 'out');
    const run = await redfort(['harden', `redis://${proxy.host}:${proxy.port}`, '--config', server.confPath, '--out', out]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /ACL LIST line \d \(user 'app'\) could not be read and was left out of the audit: Error in ACL SETUSER modifier 'newrule=1': Syntax error: harden writes every user into the ACL file it makes, and would leave this one out: deploying that file would delete it/);
    assert.ok(!existsSync(join(out, 'users.acl')), 'no ACL file written');
  });
});
