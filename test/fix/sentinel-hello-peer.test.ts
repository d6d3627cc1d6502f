import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { applyPlan } from '../../src/fix/apply.ts';
import { rawCommand } from '../harness/raw.ts';
import { eventually } from '../harness/wait.ts';
import { startRedis, startSentinels, stopAll } from '../harness/servers.ts';
import type { RunningServer } from '../harness/servers.ts';
import { startFakeServer } from '../helpers/fake-resp-server.ts';
import type { FakeServer } from '../helpers/fake-resp-server.ts';
import { address, apply, OPTIONS, plan, secretsFor, state, target, USERS, workDir } from './helpers.ts';

// QA44-56: a sentinel learns of its peers only from hello messages on the master's __sentinel__:hello channel, which
// anyone who may PUBLISH there can send. One PUBLISH made a "sentinel" of any address, and `fix --sentinel --apply`
// sent it `SENTINEL SET mymaster auth-user sentinel auth-pass <the new password>`. Now a sentinel gets the password only
// when it answers as a sentinel of the same masters and the person running fix named it (the seed, --trust-sentinel).

/**
 * A "sentinel" that answers INFO as a Sentinel would (redis_mode:sentinel) and +OK to everything else (AUTH, SENTINEL
 * SET…), and keeps every byte it is sent.
 */
function okToEverything(): Promise<{ port: number; received: () => string; close: () => Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on('data', (data) => {
      chunks.push(data);
      pending = Buffer.concat([pending, data]);
      // One +OK per command: each starts with `*N` and holds N bulk strings.
      for (;;) {
        const end = commandEnd(pending);
        if (end === undefined) break;
        const isInfo = /^\*\d+\r\n\$4\r\ninfo\r\n/i.test(pending.subarray(0, end).toString('latin1'));
        pending = pending.subarray(end);
        socket.write(isInfo ? bulk(INFO) : '+OK\r\n');
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        received: () => Buffer.concat(chunks).toString('latin1'),
        close: () => new Promise((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}

const INFO = ['# Server', 'redis_version:7.0.15', 'redis_mode:sentinel', 'os:Linux', 'arch_bits:64', `run_id:${'ab'.repeat(20)}`, 'tcp_port:26379', '', '# Sentinel', 'sentinel_masters:1', ''].join('\r\n');
const bulk = (text: string) => `$${Buffer.byteLength(text)}\r\n${text}\r\n`;

/** Where the RESP command at the start of `buf` ends, or undefined when it is not all there. */
function commandEnd(buf: Buffer): number | undefined {
  const line = (at: number) => {
    const nl = buf.indexOf('\r\n', at);
    return nl < 0 ? undefined : { text: buf.subarray(at, nl).toString('latin1'), next: nl + 2 };
  };
  const head = line(0);
  if (!head) return undefined;
  if (!head.text.startsWith('*')) return head.next;
  let at = head.next;
  for (let i = 0; i < Number(head.text.slice(1)); i++) {
    const len = line(at);
    if (!len) return undefined;
    at = len.next + Number(len.text.slice(1)) + 2;
    if (at > buf.length) return undefined;
  }
  return at;
}

after(stopAll);

describe('fix --sentinel: a peer a hello message added, and one nobody named', () => {
  let master: RunningServer;
  let sentinels: RunningServer[];
  let fake: Awaited<ReturnType<typeof okToEverything>>;
  // QA44-56's rest: a second one that answers +OK even to INFO (no Redis at all): it stopped fix planning anything.
  let okToInfo: FakeServer;
  const fakeAddress = () => `127.0.0.1:${fake.port}`;
  const okToInfoAddress = () => `127.0.0.1:${okToInfo.port}`;
  before(async () => {
    master = await startRedis({ conf: 'loglevel warning' });
    sentinels = await startSentinels(2, master);
    fake = await okToEverything();
    okToInfo = await startFakeServer(() => '+OK\r\n');
    // Anyone who may PUBLISH on the master: `ip,port,runid,epoch,master name,master ip,master port,master epoch`.
    const hello = `127.0.0.1,${fake.port},${'ab'.repeat(20)},0,mymaster,${master.host},${master.port},0`;
    const hello2 = `127.0.0.1,${okToInfo.port},${'cd'.repeat(20)},0,mymaster,${master.host},${master.port},0`;
    const listed = async (s: RunningServer) => {
      const peers = (await rawCommand(s.host, s.port, ['SENTINEL', 'SENTINELS', 'mymaster'])) as string[][];
      return peers.map((p) => `${p[p.indexOf('ip') + 1]}:${p[p.indexOf('port') + 1]}`);
    };
    await eventually('both sentinels to list each other and the fakes', async () => {
      await rawCommand(master.host, master.port, ['PUBLISH', '__sentinel__:hello', hello]);
      await rawCommand(master.host, master.port, ['PUBLISH', '__sentinel__:hello', hello2]);
      const seen = await Promise.all(sentinels.map(listed));
      return seen.every((l) => l.includes(fakeAddress()) && l.includes(okToInfoAddress())) && seen[0]!.includes(address(sentinels[1]!)) && seen[1]!.includes(address(sentinels[0]!));
    }, { timeoutMs: 30_000 });
  });
  after(() => Promise.all([fake?.close(), okToInfo?.close()]));

  it('a peer that is no Redis at all (+OK even to INFO): an error for it alone, one line naming it, the rest planned', async () => {
    const seed = target(sentinels[0]!.url);
    const s0 = await state(seed, { kind: 'sentinel', noProbe: true, trustSentinels: new Set([address(sentinels[1]!)]) });
    const p = plan(s0, seed);
    assert.deepEqual(p.steps.filter((st) => st.node === okToInfoAddress()), [], 'no step on it');
    for (const s of sentinels) assert.ok(p.steps.some((st) => st.node === address(s) && st.command[0] === 'SENTINEL'), `${address(s)} gets its SENTINEL SET`);
    assert.ok(p.steps.some((st) => st.node === address(master) && st.command.slice(0, 3).join(' ') === `ACL SETUSER ${USERS.sentinel}`), 'the master gets the sentinel user');
    const lines = p.notes.filter((n) => n.includes(okToInfoAddress()));
    assert.deepEqual(lines, [`${okToInfoAddress()}: not changed, never sent the generated password: it could not be audited: not a Redis server: its INFO reply has no redis_version`]);
    // Whether it watches the master is unknown: the default user stays on, and the plan says why.
    assert.ok(!p.steps.some((st) => st.command.join(' ') === 'ACL SETUSER default off resetpass'), 'the default user stays on');
    assert.match(p.manual.find((m) => m.rule === 'auth.default-user-enabled')?.message ?? '', new RegExp(`the sentinel ${okToInfoAddress()} could not be audited: whether it watches this server with the default user is unknown`));
    assert.equal(s0.entries.find((e) => e.target.includes(okToInfoAddress()))?.error, 'not a Redis server: its INFO reply has no redis_version');
  });

  it('plans nothing on either, says why, and keeps the default user for the real one', async () => {
    const seed = target(sentinels[0]!.url);
    const s0 = await state(seed, { kind: 'sentinel', noProbe: true });
    const p = plan(s0, seed);
    const on = (a: string) => p.steps.filter((st) => st.node === a);
    assert.deepEqual(on(fakeAddress()).map((st) => st.command.join(' ')), [], 'no step on the address a hello message added');
    assert.deepEqual(on(address(sentinels[1]!)).map((st) => st.command.join(' ')), [], 'no step on a peer nobody named');
    assert.ok(on(address(sentinels[0]!)).some((st) => st.command[0] === 'SENTINEL'), 'the seed gets its SENTINEL SET');
    const notes = p.notes.join('\n');
    assert.match(notes, new RegExp(`${fakeAddress()}: not changed, never sent the generated password: its SENTINEL MASTERS has no master 'mymaster'`));
    assert.match(notes, new RegExp(`${address(sentinels[1]!)}: not changed, never sent the generated password: a sentinel known only from SENTINEL SENTINELS.*--trust-sentinel`));
    // The unnamed sentinel still logs in as the default user: it stays on.
    assert.ok(!p.steps.some((st) => st.command.join(' ') === 'ACL SETUSER default off resetpass'), 'the default user stays on');
    assert.match(p.manual.find((m) => m.rule === 'auth.default-user-enabled')?.message ?? '', /--trust-sentinel/);
  });

  it('named with --trust-sentinel, the real peer gets the password and the fake still nothing, even from a plan file that names it', async () => {
    const seed = target(sentinels[0]!.url);
    const trustSentinels = new Set([address(sentinels[1]!), fakeAddress()]);
    const s0 = await state(seed, { kind: 'sentinel', noProbe: true, trustSentinels });
    const p = plan(s0, seed);
    assert.ok(p.steps.some((st) => st.node === address(sentinels[1]!) && st.command[0] === 'SENTINEL'), 'the named sentinel gets its SENTINEL SET');
    assert.deepEqual(p.steps.filter((st) => st.node === fakeAddress()), [], 'named or not, a node that is no sentinel gets nothing');
    assert.ok(p.nodes.some((n) => n.address === fakeAddress()), 'the plan still lists it (its state is part of the digest)');
    const secrets = secretsFor(p);
    const password = secrets.get(USERS.sentinel)!;

    // A plan file edited to send it the password: the apply refuses before any change.
    const forged = { ...p, steps: [...p.steps, { ...p.steps.find((st) => st.command[0] === 'SENTINEL')!, id: p.steps.length + 1, node: fakeAddress() }] };
    const refused = await applyPlan(forged, s0, { ...OPTIONS, noProbe: true, classes: new Set(['safe']), secrets, users: USERS, rollbackFile: join(workDir(), 'forged.json') });
    assert.equal(refused.ok, false);
    assert.match(refused.error ?? '', new RegExp(`${fakeAddress()}: fix sends this node nothing`));

    const outcome = await apply(p, s0, ['safe'], { secrets, rollbackFile: join(workDir(), 'rollback.json'), noProbe: true });
    assert.ok(outcome.ok, outcome.error);
    for (const s of sentinels) {
      // SENTINEL SET rewrites the sentinel's config file at once.
      assert.match(readFileSync(s.confPath, 'utf8'), new RegExp(`^sentinel auth-user mymaster ${USERS.sentinel}$`, 'm'), `${address(s)} has the sentinel user`);
    }
    const got = fake.received();
    assert.ok(!got.includes(password), 'the fake never got the generated password');
    assert.ok(!/SENTINEL[\s\S]{0,40}SET/i.test(got), 'nor any SENTINEL SET');
  });
});
