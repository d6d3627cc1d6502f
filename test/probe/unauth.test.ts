import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { rawCommand } from '../harness/raw.ts';
import { startRedis, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { DEFAULT_PASSWORDS } from '../../src/gather/probe/credentials.ts';
import { ReplyError } from '../../src/gather/live/resp.ts';
import { probeUnauthenticated, unauthenticatedAnswer } from '../../src/gather/probe/unauth.ts';
import { judgeFacts } from '../../src/app/audit.ts';
import { liveFacts } from '../rule-tester.ts';
import { withProbe } from '../helpers/probe-facts.ts';
import { parseInfo } from '../../src/redis/info.ts';
import { audit, expectStatus } from './helpers.ts';

// The unauthenticated probe, its cost on a plaintext-only server, and the opt-in probes on real servers.

after(stopAll);

/** Connections received and calls per command (`ping`, `auth`, `eval`, ...), read with the server's own credentials. */
async function counters(server: RunningServer): Promise<{ connections: number; calls: Map<string, number> }> {
  const info = String(await rawCommand(server.host, server.port, ['INFO', 'everything'], { password: server.password }));
  const connections = Number(/total_connections_received:(\d+)/.exec(info)?.[1]);
  const calls = new Map([...info.matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
  return { connections, calls };
}

/**
 * `run` between two counters() of `server`, again (at most 3 times in all) while the connections received between them
 * are not `connections`: another test file's `audit --local` (test/host/host-audit.test.ts) audits every redis-server
 * of the machine, this one included, and its connection landed between the counters once in a loaded full run. A
 * real change in the count fails all three.
 */
async function measured<T>(server: RunningServer, connections: number, run: () => Promise<T>): Promise<{ start: Awaited<ReturnType<typeof counters>>; end: Awaited<ReturnType<typeof counters>>; result: T }> {
  for (let attempt = 1; ; attempt++) {
    const start = await counters(server);
    const result = await run();
    const end = await counters(server);
    if (end.connections - start.connections === connections || attempt === 3) return { start, end, result };
  }
}

function delta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...after].filter(([name, n]) => n !== (before.get(name) ?? 0)).map(([name, n]) => [name, n - (before.get(name) ?? 0)]));
}

describe('unauthenticated access and its cost', () => {
  let open: RunningServer;
  let guarded: RunningServer;
  before(async () => {
    [open, guarded] = await Promise.all([startRedis(), startRedis({ conf: 'requirepass a-long-random-password-5e0c1f9a2d', password: 'a-long-random-password-5e0c1f9a2d' })]);
  });

  it('costs a plaintext-only server no connection of its own without credentials: the audit is the client without AUTH', async () => {
    const { start, end, result: { facts, results } } = await measured(open, 2, () => audit(open.url));
    // +1 for the audit, +1 for the second counters() call: the probe's PING went in the audit's own pipeline.
    assert.equal(end.connections - start.connections, 2);
    // The audit's PING and INFO (the probe's answers), counters()'s INFO.
    const ran = delta(start.calls, end.calls);
    assert.equal(ran.ping, 1);
    assert.equal(ran.info, 2);
    assert.equal(ran.auth, undefined);
    assert.equal(ran.eval, undefined);
    assert.deepEqual(facts.probe?.tls, []);
    assert.equal(facts.probe?.plaintext, undefined, 'no TLS configured: no plaintext-port probe');
    const probe = facts.probe?.unauthenticated;
    assert.equal(probe?.outcome, 'open');
    assert.equal(probe?.detail, `PING: +PONG; INFO server answered (redis_version ${facts.server?.version})`);
    assert.deepEqual(probe?.source, { kind: 'probe', detail: `PING and INFO server without AUTH on 127.0.0.1:${open.port}` });
    // One finding for one root cause (issue 11): the ACL's, with the wire's confirmation as evidence.
    const [finding, ...more] = expectStatus(results, 'auth.no-authentication', 'fail');
    assert.equal(more.length, 0);
    assert.ok(finding!.evidence.some((e) => /^confirmed on the wire: a client without credentials on /.test(e)), finding!.evidence.join('\n'));
  });

  it('with credentials the audit authenticates, so the probe asks on its own connection, and the server refuses it', async () => {
    const { start, end, result: { facts, results } } = await measured(guarded, 3, () => audit(guarded.url, { pass: guarded.password }));
    // The audit, the probe, counters(); the probe's PING is refused (NOAUTH), so it is no call.
    assert.equal(end.connections - start.connections, 3);
    assert.deepEqual([facts.probe?.unauthenticated?.outcome, facts.probe?.unauthenticated?.detail], ['refused', 'PING: -NOAUTH Authentication required.']);
    expectStatus(results, 'auth.no-authentication', 'pass');
  });

  it("without credentials on a server that wants them, the audit's refused PING is the probe's answer", async () => {
    const { start, end, result: { facts } } = await measured(guarded, 2, () => audit(guarded.url));
    assert.equal(facts.connection?.unauthenticated !== undefined, true);
    assert.equal(end.connections - start.connections, 2, 'the audit and counters(): no probe connection');
    assert.deepEqual([facts.probe?.unauthenticated?.outcome, facts.probe?.unauthenticated?.detail], ['refused', 'PING: -NOAUTH Authentication required.']);
  });

  it('sends nothing with --no-probe', async () => {
    const { start, end, result: { facts } } = await measured(open, 2, () => audit(open.url, {}, { noProbe: true }));
    assert.equal(end.connections - start.connections, 2);
    assert.equal(delta(start.calls, end.calls).ping, undefined);
    assert.equal(facts.probe, undefined);
    assert.equal(facts.unavailable.probe, 'network probes were turned off (--no-probe)');
  });
});

// The server looks a command up before it asks for a password: with PING renamed away, the unauthenticated PING is
// "-ERR unknown command" whether or not a password is needed. It was taken for a refusal (auth.no-authentication
// passed on a server that needs no password); INFO server tells.
describe('PING renamed away (rename-command PING "")', () => {
  let open: RunningServer;
  let guarded: RunningServer;
  before(async () => {
    [open, guarded] = await Promise.all([
      startRedis({ conf: 'rename-command PING ""' }),
      startRedis({ conf: 'rename-command PING ""\nrequirepass a-long-random-password-3b9d0c7e15', password: 'a-long-random-password-3b9d0c7e15' }),
    ]);
  });

  it('a server that needs no password is open: the probe asks INFO server, which answers', async () => {
    // Credentials (any password logs in as a nopass default user): the probe asks on a connection of its own.
    const { facts, results } = await audit(open.url, { pass: 'any-password' });
    const probe = facts.probe?.unauthenticated;
    assert.deepEqual([probe?.outcome, probe?.detail], ['open', "PING: -ERR unknown command 'PING', with args beginning with: ; INFO server answered"]);
    expectStatus(results, 'auth.no-authentication', 'fail');
    // Without credentials the audit's own connection is the client without AUTH: the same answer.
    const anonymous = await audit(open.url);
    assert.equal(anonymous.facts.probe?.unauthenticated?.outcome, 'open');
  });

  it("a password-less default user denied INFO is in, not refused: the rule skips (was a pass while anyone ran GET and SET)", async () => {
    const admin = 'renamed-ping-admin-pass-7c1e09a4d2';
    const server = await startRedis({ conf: `rename-command PING ""\nuser default on nopass ~* &* -@all +get +set\nuser admin on >${admin} ~* &* +@all`, username: 'admin', password: admin });
    // The truth: without credentials, SET and GET run; INFO is refused by the default user's rules.
    assert.equal(await rawCommand(server.host, server.port, ['SET', 'k', 'v']), 'OK');
    await assert.rejects(rawCommand(server.host, server.port, ['INFO', 'server']), /NOPERM/);
    for (const credentials of [{}, { user: 'admin', pass: admin }]) {
      const { facts, results } = await audit(server.url, credentials, { noHost: true });
      const probe = facts.probe?.unauthenticated;
      assert.equal(probe?.outcome, 'untested', probe?.detail);
      assert.equal(probe?.deniedAsDefaultUser, 'INFO server');
      const verdict = results.find((r) => r.ruleId === 'auth.no-authentication');
      // With the admin's credentials ACL LIST shows the nopass default user: a failure; without, unknown: a skip.
      if ('user' in credentials) assert.equal(verdict?.status, 'fail', verdict?.message);
      else {
        assert.equal(verdict?.status, 'skip', verdict?.message);
        assert.match(verdict!.message, /is logged in as the default user, which needs no password, and was denied INFO server \(PING: -ERR unknown command 'PING'.*; INFO server: -NOPERM [^)]*\): whether it may run other commands/);
      }
    }
  });

  it('a server that needs a password refuses INFO server too: refused, and the detail says by which reply', async () => {
    const { facts, results } = await audit(guarded.url, { pass: guarded.password });
    const probe = facts.probe?.unauthenticated;
    assert.deepEqual([probe?.outcome, probe?.detail], ['refused', "PING: -ERR unknown command 'PING', with args beginning with: ; INFO server: -NOAUTH Authentication required."]);
    expectStatus(results, 'auth.no-authentication', 'pass');
  });
});

// A server checks the password before it says it is busy or loading: a server without one answers PING with -BUSY
// (a script runs past busy-reply-threshold) or -LOADING to anyone. -BUSY was taken for a refusal, and
// auth.no-authentication passed on a server that needs no password, audited without credentials while a script ran.
describe('PING answered with an error about the server, not the client (BUSY)', () => {
  let open: RunningServer;
  let script: Promise<unknown> | undefined;
  before(async () => {
    open = await startRedis({ conf: 'busy-reply-threshold 50' });
  });
  after(async () => {
    await rawCommand(open.host, open.port, ['SCRIPT', 'KILL']).catch(() => undefined);
    await script;
  });

  it('is no refusal: auth.no-authentication is not passed on a busy server that needs no password', async () => {
    script = rawCommand(open.host, open.port, ['EVAL', 'while true do end', '0'], { timeoutMs: 60_000 }).catch(() => undefined);
    let ping = '';
    for (let i = 0; i < 100 && !ping.startsWith('BUSY'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      ping = await rawCommand(open.host, open.port, ['PING']).then((reply) => (reply instanceof Error ? reply.message : String(reply)), (error: Error) => error.message);
    }
    assert.match(ping, /^BUSY/, 'the script did not make the server busy');
    const { facts, results } = await audit(open.url, {}, { noHost: true });
    assert.equal(facts.probe?.unauthenticated?.outcome, 'untested', facts.probe?.unauthenticated?.detail);
    assert.match(facts.probe?.unauthenticated?.detail ?? '', /^PING: -BUSY .*; INFO server: -BUSY .*: neither answer says whether a password is needed$/);
    expectStatus(results, 'auth.no-authentication', 'skip');
  });

  it('an error about the server tells nothing; one about the client does', () => {
    const endpoint = { host: '127.0.0.1', port: 6379 };
    const info = '# Server\r\nredis_version:7.0.15\r\n';
    // LOADING: the server let the client past the password check, and INFO answers while loading.
    assert.equal(unauthenticatedAnswer(endpoint, false, new ReplyError('LOADING Redis is loading the dataset in memory'), info).outcome, 'open');
    assert.equal(unauthenticatedAnswer(endpoint, false, new ReplyError('MASTERDOWN Link with MASTER is down'), new ReplyError('MASTERDOWN Link with MASTER is down')).outcome, 'untested');
    assert.equal(unauthenticatedAnswer(endpoint, false, new ReplyError('NOAUTH Authentication required.'), undefined).outcome, 'refused');
    assert.equal(unauthenticatedAnswer(endpoint, false, new ReplyError('ERR operation not permitted'), undefined).outcome, 'refused');
    assert.equal(unauthenticatedAnswer(endpoint, false, new ReplyError('DENIED Redis is running in protected mode'), undefined).outcome, 'refused');
  });
});

// One test at a time: they count the commands each server received.
describe('--probe-credentials', () => {
  let weak: RunningServer;
  let strong: RunningServer;
  let open: RunningServer;
  before(async () => {
    [weak, strong, open] = await Promise.all([
      startRedis({ conf: 'requirepass foobared', password: 'foobared' }),
      startRedis({ conf: 'requirepass a-long-random-password-7d2c9e41b8', password: 'a-long-random-password-7d2c9e41b8' }),
      startRedis(),
    ]);
  });

  it('guesses the redis.conf example password at the first attempt, and names it nowhere', async () => {
    const { facts, results } = await audit(weak.url, { pass: 'foobared' }, { probeCredentials: true });
    const probe = facts.probe?.defaultPasswords;
    assert.equal(probe?.outcome, 'guessed');
    assert.equal(probe?.attempts, 1);
    assert.equal(probe?.accepted?.length, 8);
    const [finding] = expectStatus(results, 'auth.no-authentication', 'fail');
    assert.match(finding!.message, /accepted one of the 4 default passwords that scanners try: anyone who tries them gets in/);
    // docs/probes.md lists the passwords in the order they are tried: '(attempt 1)' named foobared.
    assert.doesNotMatch(JSON.stringify(results), /attempt/);
    assert.equal(finding!.severity, 'critical');
    assert.doesNotMatch(JSON.stringify(results), /foobared/);
  });

  it('stops after the few default passwords on a strong one', async () => {
    const start = await counters(strong);
    const { facts, results } = await audit(strong.url, { pass: strong.password }, { probeCredentials: true });
    const end = await counters(strong);
    assert.equal(facts.probe?.defaultPasswords?.outcome, 'not-guessed');
    assert.equal(facts.probe?.defaultPasswords?.attempts, DEFAULT_PASSWORDS.length);
    // The audit's AUTH, the probe's four, counters()'s one.
    assert.equal(delta(start.calls, end.calls).auth, 1 + DEFAULT_PASSWORDS.length + 1);
    const [pass] = expectStatus(results, 'auth.no-authentication', 'pass');
    assert.match(pass!.message, /was refused \(PING: -NOAUTH Authentication required\.\); none of 4 default passwords was accepted$/);
  });

  it('does not try passwords on a server that needs none', async () => {
    const start = await counters(open);
    const { facts } = await audit(open.url, {}, { probeCredentials: true });
    const end = await counters(open);
    assert.equal(facts.probe?.defaultPasswords, undefined);
    assert.ok(facts.probe?.notes.includes('default passwords were not tried: the server needs no password'), facts.probe?.notes.join('; '));
    assert.equal(delta(start.calls, end.calls).auth, undefined);
  });

  it('is off by default', async () => {
    const start = await counters(strong);
    const { facts } = await audit(strong.url, { pass: strong.password });
    const end = await counters(strong);
    assert.equal(facts.probe?.defaultPasswords, undefined);
    assert.equal(delta(start.calls, end.calls).auth, 2, 'the audit and counters() only');
  });
});

describe('--probe-intrusive on a real Redis 7', () => {
  let server: RunningServer;
  before(async () => {
    server = await startRedis();
  });

  it("runs EVAL 'return type(package)' only when asked, and finds the package global absent", async () => {
    const start = await counters(server);
    const plain = await audit(server.url);
    const middle = await counters(server);
    assert.equal(delta(start.calls, middle.calls).eval, undefined);
    assert.ok(plain.facts.probe?.notes.includes('CVE-2022-0543 was not probed (needs --probe-intrusive)'));

    const probed = await audit(server.url, {}, { probeIntrusive: true });
    const end = await counters(server);
    assert.equal(delta(middle.calls, end.calls).eval, 1);
    assert.equal(probed.facts.probe?.luaPackage?.outcome, 'not-exposed');
    assert.ok(!probed.results.some((r) => r.message.startsWith('CVE-2022-0543')));
  });
});

describe('a server at maxclients', () => {
  // It answers every new client '-ERR max number of clients reached' and hangs up: it had no room, and refused no
  // password. Read as 'refused', auth.no-authentication passed on it when ACL LIST could not be read.
  it('is no refusal: the probe cannot tell, and auth.no-authentication skips', async () => {
    const server = await startRedis({ conf: 'maxclients 1', killOnStop: true });
    const held = connect(server.port, server.host);
    try {
      await once(held, 'connect');
      held.write('PING\r\n');
      await once(held, 'data');
      const probe = await probeUnauthenticated({ host: server.host, port: server.port }, { tls: undefined, connectTimeoutMs: 2000, commandTimeoutMs: 2000 });
      assert.equal(probe.outcome, 'untested', probe.detail);
      assert.match(probe.detail, /^PING: -ERR max number of clients reached; INFO server: connection (closed|reset) by peer: the server hung up after an answer that does not say whether a password is needed$/);
      const judged = judgeFacts(withProbe(liveFacts({ unavailable: { acl: 'ACL LIST: NOPERM' } }), { unauthenticated: probe }));
      const [verdict] = judged.results.filter((r) => r.ruleId === 'auth.no-authentication');
      assert.equal(verdict?.status, 'skip', verdict?.message);
      assert.match(verdict!.message, /could not tell \(PING: -ERR max number of clients reached/);
    } finally {
      held.destroy();
      await server.stop();
    }
  });
});

describe('a listener that hangs up before answering', () => {
  // No Redis closes on a client without a password before it answers (NOAUTH, -DENIED, or maxclients' error come
  // first); a proxy or a filter in front of it may. Read as 'refused', auth.no-authentication passed on it (review N2).
  it('is no refusal: the probe cannot tell, and auth.no-authentication skips', async () => {
    const hangUp = createServer((socket) => socket.destroy());
    hangUp.listen(0, '127.0.0.1');
    await once(hangUp, 'listening');
    try {
      const port = (hangUp.address() as AddressInfo).port;
      const probe = await probeUnauthenticated({ host: '127.0.0.1', port }, { tls: undefined, connectTimeoutMs: 2000, commandTimeoutMs: 2000 });
      assert.equal(probe.outcome, 'untested', probe.detail);
      assert.match(probe.detail, /^PING: connection (closed|reset) by (peer|server): the connection was closed before any answer, which does not say whether a password is needed$/);
      const judged = judgeFacts(withProbe(liveFacts({ unavailable: { acl: 'ACL LIST: NOPERM' } }), { unauthenticated: probe }));
      const [verdict] = judged.results.filter((r) => r.ruleId === 'auth.no-authentication');
      assert.equal(verdict?.status, 'skip', verdict?.message);
    } finally {
      hangUp.close();
    }
  });
});

describe('the unauthenticated answer from an INFO parsed already', () => {
  const endpoint = { host: '127.0.0.1', port: 6379 };
  const info = '# Server\r\nredis_version:7.0.15\r\n';

  it('reads the version from the parsed INFO it is given, the same as from the text', () => {
    assert.equal(unauthenticatedAnswer(endpoint, false, 'PONG', info).detail, 'PING: +PONG; INFO server answered (redis_version 7.0.15)');
    assert.deepEqual(unauthenticatedAnswer(endpoint, false, 'PONG', info, parseInfo(info)), unauthenticatedAnswer(endpoint, false, 'PONG', info));
    // The parsed sections are what it reads: the text is not parsed again.
    const valkey = parseInfo('# Server\r\nvalkey_version:8.0.1\r\n');
    assert.equal(unauthenticatedAnswer(endpoint, false, 'PONG', info, valkey).detail, 'PING: +PONG; INFO server answered (valkey_version 8.0.1)');
  });
});
