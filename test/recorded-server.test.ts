import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connect, ReplyError } from '../src/gather/live/resp.ts';
import { audit, expectStatus } from './probe/helpers.ts';
import { loadRecording, startRecordedServer } from './helpers/recorded-server.ts';
import type { RecordedServer } from './helpers/recorded-server.ts';

// The replay of real servers' recorded replies (test/helpers/recorded-server.ts), which the tests of versions CI
// cannot run use: it answers as the recorded server did, per connection, before and after AUTH.

const servers: RecordedServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function serve(name: string): Promise<RecordedServer> {
  const server = await startRecordedServer(name);
  servers.push(server);
  return server;
}

/** The requirepass recording's password (a test password, in its AUTH entry). */
const PASSWORD = 'redfort-test-6.2-Xq93kd';

describe('recorded server', { concurrency: true }, () => {
  it('answers the recorded replies, commands matched case-insensitively, others unknown', async () => {
    const server = await serve('redis-6.2.16-default');
    const conn = await connect({ host: server.host, port: server.port });
    try {
      assert.equal(await conn.command(['ping']), 'PONG');
      const info = await conn.command(['info', 'SERVER']);
      assert.match(String(info), /^redis_version:6\.2\.16$/m);
      const unknown = await conn.command(['DEBUG', 'SLEEP', '0']);
      assert.ok(unknown instanceof ReplyError && /unknown command/.test(unknown.message));
    } finally {
      conn.close();
    }
  });

  it('keeps each connection unauthenticated until the recorded AUTH, and refuses other passwords', async () => {
    const server = await serve('redis-6.2.16-requirepass');
    const [a, b] = await Promise.all([connect({ host: server.host, port: server.port }), connect({ host: server.host, port: server.port })]);
    try {
      const noauth = await a.command(['CONFIG', 'GET', '*']);
      assert.ok(noauth instanceof ReplyError && noauth.code === 'NOAUTH');
      const wrong = await a.command(['AUTH', PASSWORD.toUpperCase()]);
      assert.ok(wrong instanceof ReplyError && wrong.code === 'WRONGPASS', String(wrong));
      assert.equal(await a.command(['AUTH', PASSWORD]), 'OK');
      assert.ok(Array.isArray(await a.command(['CONFIG', 'GET', '*'])));
      const other = await b.command(['PING']);
      assert.ok(other instanceof ReplyError && other.code === 'NOAUTH', 'AUTH on one connection does not authenticate another');
    } finally {
      a.close();
      b.close();
    }
  });

  it('gives the audit what the real server gave it', async () => {
    const server = await serve('redis-6.2.16-requirepass');
    const recording = loadRecording('redis-6.2.16-requirepass');
    assert.equal(recording.version, '6.2.16');
    const { facts, results } = await audit(server.url, { pass: PASSWORD });
    assert.equal(facts.server?.version, '6.2.16');
    expectStatus(results, 'auth.no-authentication', 'pass');
    expectStatus(results, 'auth.requirepass-used', 'fail');
    const without = await audit(server.url);
    expectStatus(without.results, 'auth.default-user-enabled', 'skip');
  });
});
